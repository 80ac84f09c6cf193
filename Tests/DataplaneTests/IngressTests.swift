import ClusterModel
import Dataplane
import NetworkAddress
import Testing

// Kubernetes Ingress routing (kubernetes.io "Ingress": host matching, path types, precedence,
// default backend) and the trace's second leg from the controller pod to the backend Service.

@Suite struct IngressTests {
    static func route(_ host: String, _ path: String, _ type: PathType, _ backend: String) -> IngressRoute {
        IngressRoute(ingress: "ns/i", host: host, path: path, pathType: type, backend: backend, backendIP: nil,
                     backendPort: 80, rule: .none, tls: false)
    }

    static func table(_ routes: [IngressRoute], fallback: IngressRoute? = nil) -> IngressTable {
        var t = IngressTable()
        t.routes = [routes]
        t.defaultBackends = [fallback]
        t.controllerNames = ["ns/ctl"]
        return t
    }

    @Test(arguments: [
        ("foo.bar.com", "/", "exact-host"),          // exact host beats wildcard and catch-all
        ("baz.bar.com", "/", "wildcard"),            // `*.bar.com` matches one label
        ("a.baz.bar.com", "/", "any-host"),          // … but not two labels
        ("bar.com", "/", "any-host"),                // … nor the bare domain
        ("FOO.bar.com", "/", "exact-host"),          // hosts compare case-insensitively
        ("foo.bar.com", "/api", "api-prefix"),       // the longest matching path wins
        ("foo.bar.com", "/api/v1", "api-prefix"),    // Prefix is element-wise
        ("foo.bar.com", "/apiv1", "exact-host"),     // … so /api does not match /apiv1
        ("foo.bar.com", "/login", "login-exact"),    // Exact beats Prefix of the same length
        ("foo.bar.com", "/login/", "login-prefix"),  // Exact is strict about the trailing slash; Prefix /login matches
    ] as [(String, String, String)])
    func matching(_ host: String, _ path: String, _ expected: String) {
        let t = Self.table([
            Self.route("", "/", .Prefix, "any-host"),
            Self.route("*.bar.com", "/", .Prefix, "wildcard"),
            Self.route("foo.bar.com", "/", .Prefix, "exact-host"),
            Self.route("foo.bar.com", "/api", .Prefix, "api-prefix"),
            Self.route("foo.bar.com", "/login", .Prefix, "login-prefix"),
            Self.route("foo.bar.com", "/login", .Exact, "login-exact"),
        ])
        #expect(t.match(controller: 0, host: host, path: path)?.backend == expected)
    }

    @Test func defaultBackendWhenNothingMatches() {
        let t = Self.table([Self.route("foo.bar.com", "/", .Prefix, "foo")], fallback: Self.route("", "/", .Prefix, "default"))
        #expect(t.match(controller: 0, host: "other.com", path: "/")?.backend == "default")
        #expect(Self.table([Self.route("foo.bar.com", "/", .Prefix, "foo")]).match(controller: 0, host: "x", path: "/") == nil)
    }

    @Test func traceFollowsTheRequestToTheBackend() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let t = p.trace(FlowQuery(proto: .tcp, src: addr("198.51.100.7"), dst: addr("20.62.20.40"), dport: 443,
                                  node: Fixture.nodeNames[0], sni: "shop.contoso.com"))
        #expect(t.verdict == .allow)
        #expect(t.hops.contains { $0.stage == .ingress && $0.rule == "ingress:shop/shop/shop.contoso.com/" })
        #expect(["10.224.0.20", "10.224.0.21"].contains("\(t.delivered!.ip)") && t.delivered?.port == 8080)
        #expect(t.source?.ip == addr("10.224.0.50"), "the backend sees the controller pod")
    }

    @Test func secondLegMeetsNetworkPolicy() {
        var c = Fixture.defaultCluster()
        c.networkPolicies.append(np("frontend-deny", ns: "shop", select: sel(["app": "my-frontend"]), types: [.Ingress]))
        let t = Pipeline(cluster: c).trace(FlowQuery(proto: .tcp, src: addr("198.51.100.7"), dst: addr("20.62.20.40"), dport: 80,
                                                     node: Fixture.nodeNames[0], httpHost: "shop.contoso.com:80"))
        #expect(t.verdict == .drop && t.stage == .networkPolicy && t.rule == "netpol:default-deny")
    }

    @Test func unknownHostStaysAtTheController() {
        let t = Pipeline(cluster: Fixture.defaultCluster()).trace(
            FlowQuery(proto: .tcp, src: addr("198.51.100.7"), dst: addr("20.62.20.40"), dport: 80,
                      node: Fixture.nodeNames[0], httpHost: "nope.example"))
        #expect(t.verdict == .allow && t.delivered == IPPort(ip: addr("10.224.0.50"), port: 80))
        #expect(t.hops.last?.stage == .ingress && t.hops.last?.result == .pass)
    }
}
