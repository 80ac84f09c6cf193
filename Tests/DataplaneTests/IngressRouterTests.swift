import ClusterModel
import Dataplane
import NetworkAddress
import Testing

// IngressRouter against the Ingress v1 spec (kubernetes.io/docs/concepts/services-networking/
// ingress: "Hostname wildcards", "Path types", "Examples", "Multiple matches", "Default
// backend", "IngressClass scope", "TLS") and the ingress-nginx server-block precedence AKS's
// application routing uses where the spec is silent.

struct IngressCase: CustomTestStringConvertible, Sendable {
    var why: String
    var controller = IngressFixture.nginx
    var host: String
    var path: String
    var tls = false
    var rule: String
    /// "ns/service:port" resolved, or "" for 404.
    var backend: String
    var outcome: IngressDecision.Outcome
    var testDescription: String { why }
}

@Suite struct IngressRouterTests {
    static let router = IngressRouter.compile(IngressFixture.cluster())

    static let cases: [IngressCase] = [
        // Hostname wildcards: exact host; case-insensitive; port and root dot are not part of it.
        IngressCase(why: "host: exact match", host: "foo.bar.com", path: "/", rule: "ingress:main/foo.bar.com/", backend: "web/exact:80", outcome: .rule),
        IngressCase(why: "host: DNS names compare case-insensitively", host: "FOO.Bar.COM", path: "/", rule: "ingress:main/foo.bar.com/", backend: "web/exact:80", outcome: .rule),
        IngressCase(why: "host: Host header port is stripped", host: "foo.bar.com:8080", path: "/", rule: "ingress:main/foo.bar.com/", backend: "web/exact:80", outcome: .rule),
        IngressCase(why: "host: trailing root dot is stripped", host: "foo.bar.com.", path: "/", rule: "ingress:main/foo.bar.com/", backend: "web/exact:80", outcome: .rule),
        IngressCase(why: "wildcard: *.bar.com matches baz.bar.com (one label)", host: "baz.bar.com", path: "/x", rule: "ingress:main/*.bar.com/", backend: "web/wild:80", outcome: .rule),
        IngressCase(why: "wildcard: *.bar.com does not match baz.foo.bar.com (two labels)", host: "baz.foo.bar.com", path: "/", rule: "ingress:main/*/", backend: "web/anyhost:80", outcome: .rule),
        IngressCase(why: "wildcard: *.bar.com does not match bar.com (no label)", host: "bar.com", path: "/", rule: "ingress:main/*/", backend: "web/anyhost:80", outcome: .rule),
        IngressCase(why: "no host: a rule without host applies to any host", host: "unknown.example.org", path: "/a/b", rule: "ingress:main/*/", backend: "web/anyhost:80", outcome: .rule),
        IngressCase(why: "no host: a request without Host header uses the host-less rules", host: "", path: "/", rule: "ingress:main/*/", backend: "web/anyhost:80", outcome: .rule),
        // Path types and precedence.
        IngressCase(why: "Prefix /api matches /api", host: "foo.bar.com", path: "/api", rule: "ingress:main/foo.bar.com/api", backend: "web/api:80", outcome: .rule),
        IngressCase(why: "Prefix /api matches /api/ (trailing slash ignored)", host: "foo.bar.com", path: "/api/", rule: "ingress:main/foo.bar.com/api", backend: "web/api:80", outcome: .rule),
        IngressCase(why: "Prefix /api does not match /apiv1 (element-wise)", host: "foo.bar.com", path: "/apiv1", rule: "ingress:main/foo.bar.com/", backend: "web/exact:80", outcome: .rule),
        IngressCase(why: "longest prefix: /api/v1 beats /api and /", host: "foo.bar.com", path: "/api/v1/users", rule: "ingress:main/foo.bar.com/api/v1", backend: "web/apiv1:80", outcome: .rule),
        IngressCase(why: "element-wise: /api/v1 does not match /api/v10", host: "foo.bar.com", path: "/api/v10", rule: "ingress:main/foo.bar.com/api", backend: "web/api:80", outcome: .rule),
        IngressCase(why: "Exact beats Prefix at equal length", host: "foo.bar.com", path: "/login", rule: "ingress:main/foo.bar.com/login@Exact", backend: "web/login-exact:80", outcome: .rule),
        IngressCase(why: "Exact: trailing slash is significant; Prefix /login takes /login/", host: "foo.bar.com", path: "/login/", rule: "ingress:main/foo.bar.com/login", backend: "web/login-prefix:80", outcome: .rule),
        IngressCase(why: "Exact and Prefix are case-sensitive", host: "foo.bar.com", path: "/LOGIN", rule: "ingress:main/foo.bar.com/", backend: "web/exact:80", outcome: .rule),
        IngressCase(why: "Prefix /foo/ matches /foo (spec table)", host: "foo.bar.com", path: "/foo", rule: "ingress:main/foo.bar.com/foo/", backend: "web/foo:80", outcome: .rule),
        IngressCase(why: "Prefix /foo/ matches /foo/bar", host: "foo.bar.com", path: "/foo/bar", rule: "ingress:main/foo.bar.com/foo/", backend: "web/foo:80", outcome: .rule),
        IngressCase(why: "Prefix /foo/ does not match /foobar", host: "foo.bar.com", path: "/foobar", rule: "ingress:main/foo.bar.com/", backend: "web/exact:80", outcome: .rule),
        IngressCase(why: "ImplementationSpecific /impl covers /impl/x (NGINX location prefix)", host: "foo.bar.com", path: "/impl/x", rule: "ingress:main/foo.bar.com/impl", backend: "web/impl:80", outcome: .rule),
        IngressCase(why: "ImplementationSpecific is a byte-wise NGINX prefix (ingress-nginx `location /impl`): /implx matches", host: "foo.bar.com", path: "/implx", rule: "ingress:main/foo.bar.com/impl", backend: "web/impl:80", outcome: .rule),
        // NGINX matches the normalised URI ($uri): %XX decoded, `//` merged, `.`/`..` resolved.
        IngressCase(why: "normalised: adjacent slashes are merged (merge_slashes on)", host: "foo.bar.com", path: "/api//v1/users", rule: "ingress:main/foo.bar.com/api/v1", backend: "web/apiv1:80", outcome: .rule),
        IngressCase(why: "normalised: %XX is decoded before matching", host: "foo.bar.com", path: "/%61pi/v%31", rule: "ingress:main/foo.bar.com/api/v1", backend: "web/apiv1:80", outcome: .rule),
        IngressCase(why: "normalised: dot segments are resolved", host: "foo.bar.com", path: "/static/../api/./v1", rule: "ingress:main/foo.bar.com/api/v1", backend: "web/apiv1:80", outcome: .rule),
        IngressCase(why: "normalised: a trailing .. leaves the parent directory", host: "foo.bar.com", path: "/api/v1/..", rule: "ingress:main/foo.bar.com/api", backend: "web/api:80", outcome: .rule),
        IngressCase(why: "normalised: Exact compares the normalised path too", host: "foo.bar.com", path: "//login", rule: "ingress:main/foo.bar.com/login@Exact", backend: "web/login-exact:80", outcome: .rule),
        IngressCase(why: "a `..` above the root is left as sent (NGINX answers 400)", host: "foo.bar.com", path: "/../api", rule: "ingress:main/foo.bar.com/", backend: "web/exact:80", outcome: .rule),
        IngressCase(why: "an empty path (TLS, no request line) is /", host: "foo.bar.com", path: "", rule: "ingress:main/foo.bar.com/", backend: "web/exact:80", outcome: .rule),
        // Default backend.
        IngressCase(why: "default backend: the host's Ingress defaultBackend takes unmatched paths", host: "api.example.com", path: "/v2", rule: "ingress:default-backend", backend: "web/fallback:80", outcome: .defaultBackend),
        IngressCase(why: "default backend: matching paths still go to their rule", host: "api.example.com", path: "/v1/x", rule: "ingress:api/api.example.com/v1", backend: "web/api:80", outcome: .rule),
        IngressCase(why: "no default backend: 404, no fall-through to host-less rules", host: "strict.example.com", path: "/other", rule: "ingress:no-match", backend: "", outcome: .noMatch),
        IngressCase(why: "Exact path on its own host", host: "strict.example.com", path: "/only", rule: "ingress:strict/strict.example.com/only", backend: "web/exact:80", outcome: .rule),
        IngressCase(why: "catch-all: an Ingress without rules takes every unmatched host", controller: IngressFixture.other, host: "nowhere.example", path: "/", rule: "ingress:default-backend", backend: "web/catchall:80", outcome: .defaultBackend),
        // IngressClass scope.
        IngressCase(why: "class: Ingresses of another class are invisible to this controller", controller: IngressFixture.other, host: "foo.bar.com", path: "/api", rule: "ingress:otherclass/foo.bar.com/", backend: "web/otherclass:80", outcome: .rule),
        IngressCase(why: "class: no ingressClassName means the default IngressClass", host: "classless.example.com", path: "/", rule: "ingress:classless/classless.example.com/", backend: "web/classless:80", outcome: .rule),
        IngressCase(why: "class: the default-class Ingress is not the other controller's", controller: IngressFixture.other, host: "classless.example.com", path: "/", rule: "ingress:default-backend", backend: "web/catchall:80", outcome: .defaultBackend),
        // TLS and named ports.
        IngressCase(why: "TLS: SNI host listed in spec.tls; named Service port https → 8443", host: "secure.example.com", path: "", tls: true, rule: "ingress:secure/secure.example.com/", backend: "web/secure:8443", outcome: .rule),
        IngressCase(why: "TLS: SNI under a wildcard rule and a wildcard TLS host", host: "a.tls.example.com", path: "", tls: true, rule: "ingress:wild-tls/*.tls.example.com/", backend: "web/secure:8443", outcome: .rule),
        // Backends that do not exist.
        IngressCase(why: "missing Service: the controller answers 503", host: "broken.example.com", path: "/missing", rule: "ingress:broken/broken.example.com/missing", backend: "", outcome: .backendUnavailable),
        IngressCase(why: "missing Service port name: 503", host: "broken.example.com", path: "/badport", rule: "ingress:broken/broken.example.com/badport", backend: "", outcome: .backendUnavailable),
        IngressCase(why: "Service without a ready endpoint: ingress-nginx answers 503 (empty upstream)", host: "noeps.example.com", path: "/x", rule: "ingress:noeps/noeps.example.com/", backend: "", outcome: .backendUnavailable),
        IngressCase(why: "duplicate host+path: the first Ingress keeps it", host: "foo.bar.com", path: "/api/x", rule: "ingress:main/foo.bar.com/api", backend: "web/api:80", outcome: .rule),
    ]

    @Test(arguments: cases)
    func routes(_ c: IngressCase) {
        let r = Self.router
        let d = r.route(controller: c.controller, host: c.host, path: c.path, tls: c.tls)
        #expect(d.outcome == c.outcome)
        #expect(r.ruleName(d.rule) == c.rule)
        // 404 and 503 are the controller's answers: nothing is forwarded, but nothing is dropped either.
        #expect(d.forwarded == (c.outcome == .rule || c.outcome == .defaultBackend))
        if c.backend.isEmpty {
            #expect(d.backend < 0 || !r.backends[Int(d.backend)].resolved || !r.backends[Int(d.backend)].hasEndpoints)
        } else {
            let b = r.backends[Int(d.backend)]
            #expect("\(b.namespace)/\(b.service):\(b.port)" == c.backend)
            #expect(b.clusterIP != nil)
        }
    }

    @Test func hostMatchKindIsReported() {
        let r = Self.router
        #expect(r.route(controller: IngressFixture.nginx, host: "foo.bar.com", path: "/").host == .exact)
        #expect(r.route(controller: IngressFixture.nginx, host: "x.bar.com", path: "/").host == .wildcard)
        #expect(r.route(controller: IngressFixture.nginx, host: "elsewhere", path: "/").host == .anyHost)
        #expect(r.route(controller: IngressFixture.other, host: "elsewhere", path: "/").host == .none)
    }

    @Test func tlsHostListing() {
        let r = Self.router
        #expect(r.route(controller: IngressFixture.nginx, host: "secure.example.com", tls: true).tlsHostListed)
        #expect(r.route(controller: IngressFixture.nginx, host: "B.TLS.example.com", tls: true).tlsHostListed)
        // Routed by SNI, but no Ingress lists the host: NGINX presents its default certificate.
        let d = r.route(controller: IngressFixture.nginx, host: "foo.bar.com", tls: true)
        #expect(d.outcome == .rule && !d.tlsHostListed)
        // The wildcard TLS host covers one label only.
        #expect(!r.route(controller: IngressFixture.nginx, host: "a.b.tls.example.com", tls: true).tlsHostListed)
        #expect(!r.route(controller: IngressFixture.nginx, host: "secure.example.com", tls: false).tlsHostListed)
    }

    @Test func unknownControllerIsNoMatch() {
        let r = Self.router
        #expect(r.route(controller: "ingress/none", host: "foo.bar.com").outcome == .noMatch)
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(r.route(controller: 7, host: empty, path: empty).outcome == .noMatch)
        #expect(r.route(controller: -1, host: empty, path: empty).rule == r.noMatchRule)
    }

    @Test func controllersAndTheirPods() {
        let r = Self.router
        #expect(r.controllers.map(\.service) == [IngressFixture.nginx, IngressFixture.other])
        #expect(r.controllerIndex(service: IngressFixture.other) == 1)
        #expect(r.controllerIndex(podIP: IPAddress("10.224.0.50")!) == 0)
        #expect(r.controllerIndex(podIP: IPAddress("10.224.0.51")!) == -1)
        // Only the ports the controller Service sends to (targetPort 8080 here; no EndpointSlice,
        // so the selector's pods on the Service's target ports) are Ingress listeners.
        #expect(r.controllerIndex(podIP: IPAddress("10.224.0.50")!, port: 8080) == 0)
        #expect(r.controllerIndex(podIP: IPAddress("10.224.0.50")!, port: 10254) == -1)
    }

    @Test func compileFindingsNameTheIngressAndField() {
        let diags = Self.router.diagnostics
        #expect(diags.contains { $0.object == "Ingress web/broken" && $0.fieldPath == "spec.rules[0].http.paths[0].backend.service" && $0.message.contains("not found") })
        #expect(diags.contains { $0.object == "Ingress web/broken" && $0.fieldPath == "spec.rules[0].http.paths[1].backend.service" && $0.message.contains("grpc") })
        #expect(diags.contains { $0.object == "Ingress web/dup" && $0.message.contains("ingress:main/foo.bar.com/api") })
        #expect(diags.allSatisfy { $0.severity != .error })
    }

    @Test func sharedRuleNamesAreThePipelines() {
        var names = RuleNames()
        let before = names.intern("netpol:default-deny")
        let r = IngressRouter.compile(IngressFixture.cluster(), names: &names)
        let d = r.route(controller: IngressFixture.nginx, host: "foo.bar.com", path: "/api")
        #expect(names.name(d.rule) == "ingress:main/foo.bar.com/api")
        #expect(names.name(before) == "netpol:default-deny")
        #expect(names.name(r.noMatchRule) == "ingress:no-match")
    }

    @Test func invalidHostsAndPathsAreSkippedWithAWarning() {
        var c = IngressFixture.cluster()
        c.ingresses = [IngressFixture.ingress("bad", rules: [
            IngressRule(host: "foo.*.com", paths: [IngressFixture.path("/", .Prefix, "exact")]),
            IngressRule(host: "ok.example.com", paths: [IngressFixture.path("relative", .ImplementationSpecific, "exact"),
                                                         IngressFixture.path("/", .Prefix, "exact")]),
        ])]
        let r = IngressRouter.compile(c)
        #expect(r.diagnostics.contains { $0.fieldPath == "spec.rules[0].host" })
        #expect(r.diagnostics.contains { $0.fieldPath == "spec.rules[1].http.paths[0].path" })
        #expect(r.route(controller: IngressFixture.nginx, host: "foo.x.com").outcome == .noMatch)
        #expect(r.route(controller: IngressFixture.nginx, host: "ok.example.com", path: "/relative").outcome == .rule)
    }

    @Test func noDefaultClassLeavesClasslessIngressesUnserved() {
        var c = IngressFixture.cluster()
        c.ingressClasses = c.ingressClasses.map { IngressClass(name: $0.name, controller: $0.controller, isDefault: false) }
        let r = IngressRouter.compile(c)
        #expect(r.route(controller: IngressFixture.nginx, host: "classless.example.com").rule
            == r.route(controller: IngressFixture.nginx, host: "nothing.example").rule)
        #expect(r.ruleName(r.route(controller: IngressFixture.nginx, host: "classless.example.com").rule) == "ingress:main/*/")
    }

    @Test func theDefaultClusterRoutesShopToFrontend() throws {
        let c = try ClusterLoader.load(paths: [])
        let r = IngressRouter.compile(c)
        let ctl = r.controllerIndex(service: "app-routing-system/nginx")
        #expect(ctl == 0)
        #expect(r.controllerIndex(podIP: IPAddress("10.224.0.50")!) == ctl)
        let d = r.route(controller: "app-routing-system/nginx", host: "shop.contoso.com", tls: true)
        #expect(d.outcome == .rule && d.tlsHostListed)
        #expect(r.ruleName(d.rule) == "ingress:shop/shop.contoso.com/")
        let b = r.backends[Int(d.backend)]
        #expect(b.clusterIP == IPAddress("10.0.50.20") && b.port == 80)
        #expect(r.route(controller: "app-routing-system/nginx", host: "www.contoso.com").outcome == .noMatch)
        #expect(r.diagnostics.isEmpty)
    }

    @Test func explanationsSayWhatTheControllerDid() {
        let r = Self.router
        let ctl = r.controllerIndex(service: IngressFixture.nginx)
        func explain(_ host: String, _ path: String, tls: Bool = false) -> String {
            r.explain(r.route(controller: ctl, host: host, path: path, tls: tls), controller: ctl, host: host, path: path, tls: tls)
        }
        #expect(explain("foo.bar.com", "/api/x") ==
            "controller ingress/nginx: HTTP Host foo.bar.com path /api/x: exact host rule: ingress:main/foo.bar.com/api → Service web/api at 10.0.1.4:80")
        #expect(explain("api.example.com", "/v2") ==
            "controller ingress/nginx: HTTP Host api.example.com path /v2: exact host rule, no path matches: default backend → Service web/fallback at 10.0.1.10:80")
        #expect(explain("strict.example.com", "/x") ==
            "controller ingress/nginx: no Ingress rule matches host strict.example.com path /x (HTTP Host; exact host rule, no path matches) and no default backend: the controller answers 404 (ingress-nginx default backend)")
        #expect(explain("broken.example.com", "/missing").contains("web/nosuchservice:80, which does not exist or has no such TCP port: the controller answers 503"))
        #expect(explain("foo.bar.com", "", tls: true).hasSuffix("NGINX presents its default certificate"))
        #expect(explain("secure.example.com", "", tls: true).contains("TLS SNI secure.example.com (path unknown, routed as /): exact host rule"))
    }
}
