import ClusterModel
import NetworkAddress

// Compiles `cluster.ingresses` per ingress controller (see IngressRouter.swift for the rules
// reproduced). Runs once per load; strings and dictionaries are fine here, never per request.

extension IngressRouter {
    /// Compiles with the pipeline's shared rule-name table, so `IngressDecision.rule` IDs are
    /// the pipeline's (counters, traces).
    public static func compile(_ cluster: Cluster, names: inout RuleNames) -> IngressRouter {
        var b = IngressRouterBuilder(cluster: cluster)
        b.router.noMatchRule = names.intern("ingress:no-match")
        b.router.defaultBackendRule = names.intern("ingress:default-backend")
        b.build(names: &names)
        b.router.names = names
        return b.router
    }

    /// Compiles with a rule-name table of its own (tools and tests).
    public static func compile(_ cluster: Cluster) -> IngressRouter {
        var names = RuleNames()
        return compile(cluster, names: &names)
    }
}

/// Per-compile state: the router being filled plus the string-keyed maps used to build it.
struct IngressRouterBuilder {
    let cluster: Cluster
    var router = IngressRouter()
    var backendIndex: [String: Int32] = [:]
    var pathTypeOfName: [String: PathType] = [:]

    init(cluster: Cluster) { self.cluster = cluster }

    mutating func build(names: inout RuleNames) {
        // Controllers: one per distinct Service, serving every class mapped to it.
        for ic in cluster.ingressControllers {
            if let i = router.controllers.firstIndex(where: { $0.service == ic.service }) {
                if !router.controllers[i].classes.contains(ic.className) { router.controllers[i].classes.append(ic.className) }
            } else {
                router.controllers.append(IngressRouter.Controller(service: ic.service, classes: [ic.className]))
            }
        }
        let defaults = cluster.ingressClasses.filter(\.isDefault)
        if defaults.count > 1 {
            router.diagnostics.append(Diagnostic(.warning,
                "\(defaults.count) IngressClasses are marked default (\(defaults.map(\.name).joined(separator: ", "))); Ingresses without ingressClassName use the first, \(defaults[0].name)",
                object: "IngressClass \(defaults[1].name)", fieldPath: "metadata.annotations[ingressclass.kubernetes.io/is-default-class]"))
        }
        let defaultClass = defaults.first?.name
        for (ci, ctl) in router.controllers.enumerated() {
            let mine = cluster.ingresses.filter { ing in
                guard let cls = ing.ingressClassName ?? defaultClass else { return false }
                return ctl.classes.contains(cls)
            }
            router.tables.append(compileController(mine, names: &names))
            addControllerPods(service: ctl.service, controller: Int32(ci))
        }
        router.controllerPods.sort { $0.ip != $1.ip ? $0.ip < $1.ip : $0.port < $1.port }
    }

    /// The servers of one controller: exact hosts, wildcard hosts, the host-less server.
    private mutating func compileController(_ ingresses: [Ingress], names: inout RuleNames) -> IngressRouter.ControllerTables {
        var t = IngressRouter.ControllerTables()
        var serverOfHost: [String: Int] = [:]          // "" = rules without host
        var serverOrder: [String] = []
        var serverPaths: [String: [(entry: IngressRouter.PathEntry, order: Int)]] = [:]
        var serverFallback: [String: Int32] = [:]
        var tlsHosts: [String] = []
        var order = 0

        for ing in ingresses {
            let object = "Ingress \(ing.namespace)/\(ing.name)"
            var fallback: Int32 = -1
            if let d = ing.defaultBackend {
                fallback = target(d, of: ing, rule: router.defaultBackendRule, field: "spec.defaultBackend.service")
            }
            if ing.rules.isEmpty {
                if t.catchAll < 0 {
                    t.catchAll = fallback
                } else if fallback >= 0 {
                    note(.warning, "a catch-all default backend is already set by an earlier Ingress without rules; this one is ignored",
                         object, "spec.defaultBackend", ing.source)
                }
                continue
            }
            for (ri, rule) in ing.rules.enumerated() {
                let host = (rule.host ?? "").lowercased()
                guard validHost(host) else {
                    note(.warning, "host \"\(host)\" is not a DNS name or a leading \"*.\" wildcard; the rule is ignored",
                         object, "spec.rules[\(ri)].host", ing.source)
                    continue
                }
                if serverOfHost[host] == nil {
                    serverOfHost[host] = serverOrder.count
                    serverOrder.append(host)
                    // NGINX: the server's root location goes to the defaultBackend of the Ingress
                    // that created the server; the host-less server's goes to the catch-all.
                    serverFallback[host] = host.isEmpty ? -1 : fallback
                }
                for (pi, p) in rule.paths.enumerated() {
                    let field = "spec.rules[\(ri)].http.paths[\(pi)]"
                    guard let (bytes, exact, bytewise) = IngressRouter.compiledPath(p) else {
                        note(.warning, "path \"\(p.path)\" does not start with /; the path is ignored", object, "\(field).path", ing.source)
                        continue
                    }
                    // §5 of the Azure note names the rule `ingress:<ingress>/<host><path>`: the Ingress's
                    // name without its namespace. Two same-named Ingresses of different namespaces
                    // routing the same host and path share the name (and its counter).
                    var name = "ingress:\(ing.name)/\(host.isEmpty ? "*" : host)\(p.path)"
                    // The §5 name has no path type: an Exact and a Prefix path written alike in
                    // one Ingress would share a counter, so the later one is told apart.
                    if let used = pathTypeOfName[name], used != p.pathType { name += "@\(p.pathType.rawValue)" }
                    pathTypeOfName[name] = p.pathType
                    let tg = target(p.backend, of: ing, rule: names.intern(name), field: "\(field).backend.service")
                    let start = Int32(router.pool.count)
                    router.pool.append(contentsOf: bytes)
                    let entry = IngressRouter.PathEntry(start: start, count: Int32(bytes.count), exact: exact, bytewise: bytewise, target: tg)
                    if let dup = serverPaths[host, default: []].first(where: { $0.entry.exact == exact && $0.entry.bytewise == bytewise && samePath($0.entry, bytes) }) {
                        let first = router.targets[Int(dup.entry.target)].rule
                        note(.warning, "\(p.pathType.rawValue) path \(p.path) on host \(host.isEmpty ? "*" : host) is already routed by \(names.name(first)); this one is never used",
                             object, "\(field).path", ing.source)
                    }
                    serverPaths[host, default: []].append((entry, order))
                    order += 1
                }
            }
            for h in ing.tlsHosts { tlsHosts.append(h.lowercased()) }
        }

        for host in serverOrder {
            let sorted = (serverPaths[host] ?? []).sorted(by: IngressRouter.precedes)
            let index = Int32(router.servers.count)
            router.servers.append(IngressRouter.Server(pathStart: Int32(router.paths.count), pathCount: Int32(sorted.count),
                                                       fallback: host.isEmpty ? t.catchAll : serverFallback[host] ?? -1))
            router.paths.append(contentsOf: sorted.map(\.entry))
            if host.isEmpty {
                t.anyHostServer = index
            } else if host.hasPrefix("*.") {
                t.wildcardHosts.insert(String(host.dropFirst(2)), value: index, pool: &router.pool)
            } else {
                t.exactHosts.insert(host, value: index, pool: &router.pool)
            }
        }
        for h in tlsHosts where validHost(h) && !h.isEmpty {
            if h.hasPrefix("*.") {
                t.tlsWildcard.insert(String(h.dropFirst(2)), value: 1, pool: &router.pool)
            } else {
                t.tlsExact.insert(h, value: 1, pool: &router.pool)
            }
        }
        t.exactHosts.seal()
        t.wildcardHosts.seal()
        t.tlsExact.seal()
        t.tlsWildcard.seal()
        return t
    }

    private func samePath(_ e: IngressRouter.PathEntry, _ bytes: [UInt8]) -> Bool {
        Int(e.count) == bytes.count && router.pool[Int(e.start)..<Int(e.start) + bytes.count].elementsEqual(bytes)
    }

    /// The API server accepts DNS-1123 subdomains and a `*.` wildcard as the first label only.
    private func validHost(_ host: String) -> Bool {
        if host.isEmpty { return true }
        var rest = Substring(host)
        if rest.hasPrefix("*.") { rest = rest.dropFirst(2) }
        guard !rest.isEmpty, rest.count <= 253 else { return false }
        return rest.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
        }
    }

    /// A target for `backend` (Service in the Ingress's namespace), resolving its port:
    /// the first Service port whose number, target port or name is the backend's port (see resolve).
    private mutating func target(_ backend: IngressBackend, of ing: Ingress, rule: RuleID, field: String) -> Int32 {
        let key = "\(ing.namespace)/\(backend.serviceName):\(backend.port)"
        let bi: Int32
        if let known = backendIndex[key] {
            bi = known
        } else {
            bi = Int32(router.backends.count)
            backendIndex[key] = bi
            router.backends.append(resolve(backend, namespace: ing.namespace))
        }
        let b = router.backends[Int(bi)]
        if !b.resolved || !b.hasEndpoints {
            let why = b.serviceIndex < 0 ? "Service \(ing.namespace)/\(backend.serviceName) not found"
                : !b.resolved ? "Service \(ing.namespace)/\(backend.serviceName) has no TCP port \(backend.port)"
                : "Service \(ing.namespace)/\(backend.serviceName) has no ready endpoint for port \(backend.port)"
            note(.warning, "\(why); requests routed here get 503 from the controller", "Ingress \(ing.namespace)/\(ing.name)", field, ing.source)
        }
        router.targets.append(IngressRouter.Target(backend: bi, rule: rule, resolved: b.resolved && b.hasEndpoints))
        return Int32(router.targets.count - 1)
    }

    private func resolve(_ backend: IngressBackend, namespace: String) -> IngressRouter.Backend {
        var out = IngressRouter.Backend(namespace: namespace, service: backend.serviceName, writtenPort: backend.port.description,
                                        serviceIndex: -1, port: 0, portName: "", clusterIP: nil)
        guard let si = cluster.services.firstIndex(where: { $0.namespace == namespace && $0.name == backend.serviceName }) else { return out }
        let svc = cluster.services[si]
        out.serviceIndex = Int32(si)
        out.clusterIP = svc.headless ? nil : svc.clusterIPs.first
        // ingress-nginx (controller.go serviceEndpoints) takes the first `spec.ports` entry whose
        // port, targetPort as written, or name equals the backend port as text: `number: 8080`
        // also finds `80 → targetPort 8080`, `name: web` a named targetPort `web`. It asks that
        // port's endpoints for TCP only, so a UDP/SCTP entry found first yields none (503).
        let port = svc.ports.first { sp in
            let target: String
            switch sp.targetPort {
            case .number(let n): target = String(n == 0 ? sp.port : n)   // 0: defaulted to port
            case .name(let n): target = n
            }
            switch backend.port {
            case .number(let n): return sp.port == n || target == String(n)   // port names are never all digits
            case .name(let n): return sp.name == n || target == n
            }
        }
        if let port, port.proto == .tcp, (1...65535).contains(port.port) {
            out.port = UInt16(port.port)
            out.portName = port.name
            // ingress-nginx (endpointslices.go) takes the slice endpoints whose port carries the
            // Service port's name, skipping those whose ready condition is false.
            if svc.type != .ExternalName {
                out.hasEndpoints = cluster.endpointSlices.contains { slice in
                    slice.namespace == namespace && slice.serviceName == svc.name
                        && slice.ports.contains { $0.name == port.name && $0.proto == .tcp }
                        && slice.endpoints.contains { $0.isReady && !$0.addresses.isEmpty }
                }
            }
        }
        return out
    }

    /// Controller pods with their TCP ports: the endpoints and ports of the controller Service's
    /// EndpointSlices, plus pods its selector matches (in case slices were not exported) on the
    /// Service's target ports (a named target port resolved on the pod's container ports).
    private mutating func addControllerPods(service: String, controller: Int32) {
        let parts = service.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else {
            note(.warning, "expected the controller Service as namespace/name", "IngressController \(service)", "service", nil)
            return
        }
        var seen = Set<String>()
        func add(_ ip: IPAddress, _ ports: [UInt16]) {
            for port in ports.isEmpty ? [0] : ports where seen.insert("\(ip) \(port)").inserted {
                router.controllerPods.append((ip, port, controller))
            }
        }
        func tcp(_ port: Int) -> UInt16? { (1...65535).contains(port) ? UInt16(port) : nil }
        for s in cluster.endpointSlices where s.namespace == parts[0] && s.serviceName == parts[1] {
            let ports = s.ports.filter { $0.proto == .tcp }.compactMap { tcp($0.port) }
            for e in s.endpoints { e.addresses.forEach { add($0, ports) } }
        }
        if let svc = cluster.services.first(where: { $0.namespace == parts[0] && $0.name == parts[1] }),
           let sel = svc.selector, !sel.isEmpty {
            for p in cluster.pods where p.namespace == parts[0] && !p.hostNetwork && sel.allSatisfy({ p.labels[$0.key] == $0.value }) {
                let ports = svc.ports.filter { $0.proto == .tcp }.compactMap { sp -> UInt16? in
                    switch sp.targetPort {
                    case .number(let n): return tcp(n == 0 ? sp.port : n)
                    case .name(let n): return p.containerPorts.first { $0.name == n && $0.proto == .tcp }.flatMap { tcp($0.port) }
                    }
                }
                p.ips.forEach { add($0, ports) }
            }
        }
    }

    private mutating func note(_ severity: Diagnostic.Severity, _ message: String, _ object: String, _ field: String, _ location: SourceLocation?) {
        router.diagnostics.append(Diagnostic(severity, message, object: object, fieldPath: field, location: location))
    }
}
