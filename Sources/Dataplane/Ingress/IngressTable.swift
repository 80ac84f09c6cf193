import ClusterModel
import NetworkAddress

/// One host+path route of an Ingress, resolved to the backend Service's address and port.
public struct IngressRoute: Sendable {
    public var ingress: String
    /// Lower-cased host; empty = any host; "*.x.y" matches exactly one label.
    public var host: String
    public var path: String
    public var pathType: PathType
    public var backend: String
    public var backendIP: IPAddress?
    public var backendPort: UInt16
    public var rule: RuleID
    public var tls: Bool

    public init(ingress: String, host: String, path: String, pathType: PathType, backend: String, backendIP: IPAddress?,
                backendPort: UInt16, rule: RuleID, tls: Bool) {
        self.ingress = ingress
        self.host = host
        self.path = path
        self.pathType = pathType
        self.backend = backend
        self.backendIP = backendIP
        self.backendPort = backendPort
        self.rule = rule
        self.tls = tls
    }
}

/// Ingress objects compiled per controller: the pods serving an ingress class (endpoints of its
/// controller Service) and the routes of the Ingresses of that class. Used by traces only — a
/// capture carries the controller's second connection as its own flow.
public struct IngressTable: Sendable {
    /// Per pod index: the controller (index into `routes`) it serves, or -1.
    public var controllerOfPod: [Int32] = []
    public var routes: [[IngressRoute]] = []
    public var defaultBackends: [IngressRoute?] = []
    public var controllerNames: [String] = []

    public init() {}

    public init(_ cluster: Cluster, topology: Topology, names: inout RuleNames) {
        controllerOfPod = Array(repeating: -1, count: cluster.pods.count)
        let defaultClass = cluster.ingressClasses.first(where: \.isDefault)?.name
        var podByIP: [IPAddress: Int] = [:]
        for (i, p) in cluster.pods.enumerated() where !p.hostNetwork { for a in p.ips { podByIP[a] = i } }
        for (ci, ctl) in cluster.ingressControllers.enumerated() {
            let parts = ctl.service.split(separator: "/").map(String.init)
            guard parts.count == 2 else { continue }
            controllerNames.append(ctl.service)
            var mine: [IngressRoute] = []
            var fallback: IngressRoute? = nil
            // Controller pods: endpoints of the controller Service (or pods its selector matches).
            let svc = cluster.services.first(where: { $0.namespace == parts[0] && $0.name == parts[1] })
            for s in cluster.endpointSlices where s.namespace == parts[0] && s.serviceName == parts[1] {
                for e in s.endpoints { for a in e.addresses { if let p = podByIP[a] { controllerOfPod[p] = Int32(ci) } } }
            }
            if let sel = svc?.selector {
                for (i, p) in cluster.pods.enumerated() where p.namespace == parts[0] && sel.allSatisfy({ p.labels[$0.key] == $0.value }) {
                    controllerOfPod[i] = Int32(ci)
                }
            }
            for ing in cluster.ingresses where (ing.ingressClassName ?? defaultClass) == ctl.className {
                func resolve(_ b: IngressBackend, host: String, path: String, type: PathType, rule: String) -> IngressRoute {
                    let target = cluster.services.first(where: { $0.namespace == ing.namespace && $0.name == b.serviceName })
                    let port = target?.ports.first(where: { sp in
                        switch b.port {
                        case .number(let n): return sp.port == n
                        case .name(let n): return sp.name == n
                        }
                    })
                    return IngressRoute(ingress: "\(ing.namespace)/\(ing.name)", host: host.lowercased(), path: path, pathType: type,
                                        backend: "\(ing.namespace)/\(b.serviceName):\(b.port)",
                                        backendIP: target?.clusterIPs.first, backendPort: UInt16(clamping: port?.port ?? 0),
                                        rule: names.intern(rule), tls: ing.tlsHosts.contains(where: { $0.lowercased() == host.lowercased() }))
                }
                for r in ing.rules {
                    let host = r.host ?? ""
                    for p in r.paths {
                        mine.append(resolve(p.backend, host: host, path: p.path, type: p.pathType,
                                            rule: "ingress:\(ing.namespace)/\(ing.name)/\(host)\(p.path)"))
                    }
                }
                if let d = ing.defaultBackend, fallback == nil {
                    fallback = resolve(d, host: "", path: "/", type: .Prefix, rule: "ingress:default-backend")
                }
            }
            routes.append(mine)
            defaultBackends.append(fallback)
        }
    }

    /// Kubernetes Ingress matching for a host and a path: host exact or `*.` one-label wildcard
    /// (rules without host match any); then the longest matching path, Exact beating Prefix on a
    /// tie; Prefix matches element-wise on `/`; ImplementationSpecific is treated as Prefix.
    public func match(controller: Int32, host: String, path: String) -> IngressRoute? {
        guard controller >= 0, Int(controller) < routes.count else { return nil }
        let h = host.lowercased()
        var best: IngressRoute? = nil
        for r in routes[Int(controller)] where IngressTable.hostMatches(r.host, h) && IngressTable.pathMatches(r, path) {
            guard let b = best else { best = r; continue }
            let hostScore = { (x: IngressRoute) in x.host.isEmpty ? 0 : (x.host.hasPrefix("*.") ? 1 : 2) }
            if hostScore(r) != hostScore(b) {
                if hostScore(r) > hostScore(b) { best = r }
            } else if r.path.count > b.path.count || (r.path.count == b.path.count && r.pathType == .Exact && b.pathType != .Exact) {
                best = r
            }
        }
        return best ?? defaultBackends[Int(controller)]
    }

    static func hostMatches(_ pattern: String, _ host: String) -> Bool {
        if pattern.isEmpty { return true }
        if pattern.hasPrefix("*.") {
            let suffix = pattern.dropFirst(1)
            guard host.hasSuffix(suffix) else { return false }
            let label = host.dropLast(suffix.count)
            return !label.isEmpty && !label.contains(".")
        }
        return pattern == host
    }

    static func pathMatches(_ r: IngressRoute, _ path: String) -> Bool {
        if r.pathType == .Exact { return r.path == path }
        let want = r.path.split(separator: "/")
        let got = path.split(separator: "/")
        return got.count >= want.count && zip(want, got).allSatisfy { $0 == $1 }
    }
}
