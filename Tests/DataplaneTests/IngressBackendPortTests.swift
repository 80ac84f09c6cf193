import ClusterModel
import Dataplane
import NetworkAddress
import Testing

// How the controller finds the Service port an Ingress backend names. ingress-nginx
// (internal/ingress/controller/controller.go serviceEndpoints) takes the first `spec.ports`
// entry whose port number, targetPort (as written) or name equals the backend's port as text:
// `port.number: 8080` reaches a Service port `80 → targetPort 8080`, `port.name` a named
// targetPort; a number naming no port, target port or name gets 503.

@Suite struct IngressBackendPortTests {
    static func router(_ port: PortRef, targetPort: PortRef = .number(8080)) -> IngressRouter {
        var c = IngressFixture.cluster()
        if let i = c.services.firstIndex(where: { $0.namespace == "web" && $0.name == "exact" }) {
            c.services[i].ports[0].targetPort = targetPort
        }
        c.ingresses = [IngressFixture.ingress("p", rules: [
            IngressRule(host: "p.example.com", paths: [IngressFixture.path("/", .Prefix, "exact", port)]),
        ])]
        return IngressRouter.compile(c)
    }

    static func backend(_ r: IngressRouter) -> (IngressDecision.Outcome, String) {
        let d = r.route(controller: IngressFixture.nginx, host: "p.example.com", path: "/")
        guard d.backend >= 0 else { return (d.outcome, "") }
        let b = r.backends[Int(d.backend)]
        return (d.outcome, "\(b.namespace)/\(b.service):\(b.port)")
    }

    @Test func servicePortNumber() {
        #expect(Self.backend(Self.router(.number(80))) == (.rule, "web/exact:80"))
    }

    @Test func targetPortNumberSelectsItsServicePort() {
        #expect(Self.backend(Self.router(.number(8080))) == (.rule, "web/exact:80"))
    }

    @Test func namedTargetPortSelectsItsServicePort() {
        #expect(Self.backend(Self.router(.name("web"), targetPort: .name("web"))) == (.rule, "web/exact:80"))
    }

    @Test func portNameSelectsItsServicePort() {
        #expect(Self.backend(Self.router(.name("http"))) == (.rule, "web/exact:80"))
    }

    @Test func unknownNumberIsAnswered503() {
        #expect(Self.backend(Self.router(.number(9999))).0 == .backendUnavailable)
    }
}
