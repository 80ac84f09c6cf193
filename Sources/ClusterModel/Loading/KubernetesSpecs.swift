import NetworkAddress

/// Readers for Kubernetes spec shapes shared by the native format (strict) and kubectl
/// exports (lenient): label selectors, NetworkPolicy, Ingress, Service and EndpointSlice bodies.
enum KubernetesSpecs {
    static func labelSelector(_ c: Cursor, _ sink: DiagnosticSink) -> LabelSelector {
        guard c.expectMapping(["matchLabels", "matchExpressions"], sink) else { return LabelSelector() }
        var sel = LabelSelector()
        if let m = c["matchLabels"] { sel.matchLabels = m.stringMap(sink) }
        for e in c["matchExpressions"]?.list(sink) ?? [] {
            guard e.expectMapping(["key", "operator", "values"], sink) else { continue }
            guard let key = e["key"]?.text(sink) else {
                sink.error("expected a key", at: e)
                continue
            }
            guard let opC = e["operator"] else {
                sink.error("expected an operator (In, NotIn, Exists, DoesNotExist)", at: e)
                continue
            }
            guard let op = opC.enumValue(SelectorOperator.self, sink) else { continue }
            let values = e["values"]?.strings(sink) ?? []
            // Upstream validation: In/NotIn need values, Exists/DoesNotExist must have none.
            if (op == .In || op == .NotIn) && values.isEmpty {
                sink.error("operator \(op.rawValue) expects a non-empty values list", at: e)
            } else if (op == .Exists || op == .DoesNotExist) && !values.isEmpty {
                sink.error("operator \(op.rawValue) expects no values", at: e)
            }
            sel.matchExpressions.append(SelectorRequirement(key: key, op: op, values: values))
        }
        return sel
    }

    static let networkPolicySpecKeys = ["podSelector", "policyTypes", "ingress", "egress"]

    /// networking.k8s.io/v1 NetworkPolicySpec fields of `c` into `np`.
    static func networkPolicySpec(_ c: Cursor, into np: inout NetworkPolicy, _ sink: DiagnosticSink) {
        if let s = c["podSelector"] { np.podSelector = labelSelector(s, sink) }
        if let t = c["policyTypes"] {
            np.policyTypes = t.items.compactMap { $0.enumValue(PolicyType.self, sink) }
        }
        if let i = c["ingress"] { np.ingress = i.items.map { rule($0, peersKey: "from", sink) } }
        if let e = c["egress"] { np.egress = e.items.map { rule($0, peersKey: "to", sink) } }
    }

    private static func rule(_ c: Cursor, peersKey: String, _ sink: DiagnosticSink) -> NetworkPolicyRule {
        var r = NetworkPolicyRule()
        guard c.expectMapping([peersKey, "ports"], sink) else { return r }
        for p in c[peersKey]?.list(sink) ?? [] {
            guard p.expectMapping(["podSelector", "namespaceSelector", "ipBlock"], sink) else { continue }
            var peer = NetworkPolicyPeer()
            if let s = p["podSelector"] { peer.podSelector = labelSelector(s, sink) }
            if let s = p["namespaceSelector"] { peer.namespaceSelector = labelSelector(s, sink) }
            if let b = p["ipBlock"], b.expectMapping(["cidr", "except"], sink) {
                if let cidrC = b["cidr"], let cidr = cidrC.prefix(sink) {
                    let except = b["except"]?.prefixes(sink) ?? []
                    for (i, e) in except.enumerated() where !cidr.contains(e) {
                        sink.error("except \(e) is not inside cidr \(cidr)", at: b.with(path: "\(b.path).except[\(i)]"))
                    }
                    peer.ipBlock = IPBlock(cidr: cidr, except: except)
                } else if b["cidr"] == nil {
                    sink.error("expected cidr", at: b)
                }
                // Upstream: ipBlock excludes the selectors in the same peer.
                if peer.podSelector != nil || peer.namespaceSelector != nil {
                    sink.error("ipBlock cannot be combined with podSelector or namespaceSelector in one peer", at: p)
                }
            }
            if peer.podSelector == nil && peer.namespaceSelector == nil && peer.ipBlock == nil {
                sink.error("expected podSelector, namespaceSelector or ipBlock", at: p)
                continue
            }
            r.peers.append(peer)
        }
        for p in c["ports"]?.list(sink) ?? [] {
            guard p.expectMapping(["protocol", "port", "endPort"], sink) else { continue }
            var port = NetworkPolicyPort()
            if let pr = p["protocol"], let v = pr.k8sProtocol(sink) { port.proto = v }
            if let pc = p["port"] { port.port = pc.portRef(sink) }
            if let ec = p["endPort"], let e = ec.int(sink, range: 1...65535) {
                // Upstream: endPort needs a numeric port not greater than it.
                switch port.port {
                case .number(let n) where n <= e: port.endPort = e
                case .number(let n): sink.error("port range \(n)-\(e) is out of order: expected endPort ≥ port", at: ec)
                default: sink.error("endPort requires a numeric port", at: ec)
                }
            }
            r.ports.append(port)
        }
        return r
    }

    static let ingressSpecKeys = ["ingressClassName", "defaultBackend", "rules", "tls"]

    static func ingressSpec(_ c: Cursor, into ing: inout Ingress, _ sink: DiagnosticSink) {
        if let n = c["ingressClassName"] { ing.ingressClassName = n.text(sink) }
        if let b = c["defaultBackend"] { ing.defaultBackend = backend(b, sink) }
        for r in c["rules"]?.list(sink) ?? [] {
            guard r.expectMapping(["host", "http"], sink) else { continue }
            var rule = IngressRule(host: r["host"]?.text(sink))
            if let http = r["http"], http.expectMapping(["paths"], sink) {
                for p in http["paths"]?.list(sink) ?? [] {
                    guard p.expectMapping(["path", "pathType", "backend"], sink) else { continue }
                    guard let bc = p["backend"], let b = backend(bc, sink) else {
                        if p["backend"] == nil { sink.error("expected backend", at: p) }
                        continue
                    }
                    var path = IngressPath(backend: b)
                    if let v = p["path"]?.text(sink) {
                        if !v.hasPrefix("/") { sink.error("expected an absolute path starting with /, found \"\(v)\"", at: p["path"] ?? p) }
                        path.path = v
                    }
                    if let t = p["pathType"], let v = t.enumValue(PathType.self, sink) { path.pathType = v }
                    rule.paths.append(path)
                }
            }
            ing.rules.append(rule)
        }
        for t in c["tls"]?.list(sink) ?? [] {
            guard t.expectMapping(["hosts", "secretName"], sink) else { continue }
            ing.tlsHosts += t["hosts"]?.strings(sink) ?? []
        }
    }

    private static func backend(_ c: Cursor, _ sink: DiagnosticSink) -> IngressBackend? {
        guard c.expectMapping(["service", "resource"], sink) else { return nil }
        guard let s = c["service"] else {
            // A resource backend (an object reference, e.g. a storage bucket) is valid upstream, in
            // an export and in the native format (which keeps the spec shape): the cluster loads
            // without that path, as ingress-nginx skips backends without a Service.
            if c["resource"] == nil {
                sink.error("expected service (resource backends are not modelled)", at: c)
            } else {
                sink.warning("resource backend is not modelled; this path is ignored", at: c)
            }
            return nil
        }
        guard s.expectMapping(["name", "port"], sink), let name = s["name"]?.text(sink) else {
            if s.isMapping { sink.error("expected service.name", at: s) }
            return nil
        }
        guard let p = s["port"], p.expectMapping(["number", "name"], sink) else {
            sink.error("expected service.port with number or name", at: s)
            return nil
        }
        if let n = p["number"], let v = n.int(sink, range: 1...65535) { return IngressBackend(serviceName: name, port: .number(v)) }
        if let n = p["name"], let v = n.text(sink) { return IngressBackend(serviceName: name, port: .name(v)) }
        sink.error("expected service.port.number or service.port.name", at: p)
        return nil
    }
}
