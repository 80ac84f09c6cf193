import ClusterModel
import Dataplane
import NetworkAddress

/// A cluster with two ingress controllers and Ingresses covering the cases of the Ingress v1
/// spec (kubernetes.io/docs/concepts/services-networking/ingress). Built in code: every rule
/// the tests rely on is visible here.
enum IngressFixture {
    static let nginx = "ingress/nginx"
    static let other = "ingress/other"

    static func service(_ ns: String, _ name: String, _ ip: String, ports: [(String, Int)] = [("http", 80)]) -> Service {
        var s = Service()
        s.namespace = ns
        s.name = name
        s.clusterIPs = [IPAddress(ip)!]
        s.selector = ["app": name]
        s.ports = ports.map { n, p in
            var sp = ServicePort()
            sp.name = n
            sp.port = p
            sp.targetPort = .number(8080)
            return sp
        }
        return s
    }

    static func path(_ p: String, _ type: PathType, _ svc: String, _ port: PortRef = .number(80)) -> IngressPath {
        IngressPath(path: p, pathType: type, backend: IngressBackend(serviceName: svc, port: port))
    }

    static func ingress(_ name: String, ns: String = "web", cls: String? = "nginx", rules: [IngressRule] = [],
                        defaultBackend: IngressBackend? = nil, tls: [String] = []) -> Ingress {
        var i = Ingress()
        i.name = name
        i.namespace = ns
        i.ingressClassName = cls
        i.rules = rules
        i.defaultBackend = defaultBackend
        i.tlsHosts = tls
        return i
    }

    static func cluster() -> Cluster {
        var c = Cluster()
        c.namespaces = [Namespace(name: "web"), Namespace(name: "ingress")]
        c.services = [
            service("ingress", "nginx", "10.0.60.10", ports: [("http", 80), ("https", 443)]),
            service("ingress", "other", "10.0.60.11"),
            service("web", "exact", "10.0.1.1"),
            service("web", "wild", "10.0.1.2"),
            service("web", "anyhost", "10.0.1.3"),
            service("web", "api", "10.0.1.4"),
            service("web", "apiv1", "10.0.1.5"),
            service("web", "login-exact", "10.0.1.6"),
            service("web", "login-prefix", "10.0.1.7"),
            service("web", "foo", "10.0.1.8"),
            service("web", "impl", "10.0.1.9"),
            service("web", "fallback", "10.0.1.10"),
            service("web", "catchall", "10.0.1.11"),
            service("web", "secure", "10.0.1.12", ports: [("http", 80), ("https", 8443)]),
            service("web", "classless", "10.0.1.13"),
            service("web", "otherclass", "10.0.1.14"),
            service("web", "dup", "10.0.1.15"),
        ]
        var pod = Pod()
        pod.name = "nginx-0"
        pod.namespace = "ingress"
        pod.labels = ["app": "nginx"]
        pod.ips = [IPAddress("10.224.0.50")!]
        c.pods = [pod]
        c.ingressClasses = [IngressClass(name: "nginx", controller: "k8s.io/ingress-nginx", isDefault: true),
                            IngressClass(name: "other", controller: "example.com/other")]
        c.ingressControllers = [IngressController(className: "nginx", service: nginx),
                                IngressController(className: "other", service: other)]
        c.ingresses = [
            ingress("main", rules: [
                IngressRule(host: "foo.bar.com", paths: [
                    path("/", .Prefix, "exact"),
                    path("/api", .Prefix, "api"),
                    path("/api/v1", .Prefix, "apiv1"),
                    path("/login", .Prefix, "login-prefix"),
                    path("/login", .Exact, "login-exact"),
                    path("/foo/", .Prefix, "foo"),
                    path("/impl", .ImplementationSpecific, "impl"),
                ]),
                IngressRule(host: "*.bar.com", paths: [path("/", .Prefix, "wild")]),
                IngressRule(host: nil, paths: [path("/", .Prefix, "anyhost")]),
            ]),
            // A host with only /v1, and this Ingress's defaultBackend for the rest of that host.
            ingress("api", rules: [IngressRule(host: "api.example.com", paths: [path("/v1", .Prefix, "api")])],
                    defaultBackend: IngressBackend(serviceName: "fallback", port: .number(80))),
            // A host with only an Exact path and no default backend: other paths get 404.
            ingress("strict", rules: [IngressRule(host: "strict.example.com", paths: [path("/only", .Exact, "exact")])]),
            // TLS: the host is listed under spec.tls; the backend port is named.
            ingress("secure", rules: [IngressRule(host: "secure.example.com", paths: [path("/", .Prefix, "secure", .name("https"))])],
                    tls: ["secure.example.com", "*.tls.example.com"]),
            ingress("wild-tls", rules: [IngressRule(host: "*.tls.example.com", paths: [path("/", .Prefix, "secure", .number(8443))])]),
            // No ingressClassName: the default class (nginx) takes it.
            ingress("classless", cls: nil, rules: [IngressRule(host: "classless.example.com", paths: [path("/", .Prefix, "classless")])]),
            // Another class: only the `other` controller sees it.
            ingress("otherclass", cls: "other", rules: [IngressRule(host: "foo.bar.com", paths: [path("/", .Prefix, "otherclass")])]),
            // Only a default backend: the catch-all of the `other` controller.
            ingress("catchall", cls: "other", defaultBackend: IngressBackend(serviceName: "catchall", port: .name("http"))),
            // Broken backends: a missing Service, a missing port name.
            ingress("broken", rules: [IngressRule(host: "broken.example.com", paths: [
                path("/missing", .Prefix, "nosuchservice"),
                path("/badport", .Prefix, "exact", .name("grpc")),
            ])]),
            // The same host and path as `main` has: the first Ingress keeps it.
            ingress("dup", rules: [IngressRule(host: "foo.bar.com", paths: [path("/api", .Prefix, "dup")])]),
            // A Service that exists but has no ready endpoint (see `withEndpoints`).
            ingress("noeps", rules: [IngressRule(host: "noeps.example.com", paths: [path("/", .Prefix, "noeps")])]),
        ]
        c.services.append(service("web", "noeps", "10.0.1.16"))
        withEndpoints(&c, except: ["noeps"])
        // noeps: a slice whose only endpoint is not ready.
        var slice = EndpointSlice()
        slice.name = "noeps-1"
        slice.namespace = "web"
        slice.serviceName = "noeps"
        slice.ports = [EndpointPort(name: "http", port: 8080, proto: .tcp)]
        var ep = Endpoint()
        ep.addresses = [IPAddress("10.224.9.99")!]
        ep.ready = false
        slice.endpoints = [ep]
        c.endpointSlices.append(slice)
        return c
    }

    /// One ready endpoint per Service port for every Service without a slice (ingress-nginx
    /// answers 503 for a backend without ready endpoints, so routing tests need them).
    static func withEndpoints(_ c: inout Cluster, except: Set<String> = []) {
        var n = 0
        for svc in c.services where !except.contains(svc.name)
            && !c.endpointSlices.contains(where: { $0.namespace == svc.namespace && $0.serviceName == svc.name }) {
            n += 1
            var slice = EndpointSlice()
            slice.name = "\(svc.name)-ep"
            slice.namespace = svc.namespace
            slice.serviceName = svc.name
            slice.ports = svc.ports.map { EndpointPort(name: $0.name, port: 8080, proto: $0.proto) }
            var ep = Endpoint()
            ep.addresses = [IPAddress("10.224.8.\(n)")!]
            slice.endpoints = [ep]
            c.endpointSlices.append(slice)
        }
    }
}
