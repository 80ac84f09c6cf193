/// References between Kubernetes objects and selectors that select nothing.
extension Validator {
    mutating func kubernetesReferences() {
        let nodes = Set(c.nodes.map(\.name))
        let namespaces = Set(c.namespaces.map(\.name))
        for p in c.pods {
            if !p.nodeName.isEmpty && !nodes.contains(p.nodeName) {
                missing("Pod \(p.qualifiedName)", field: "nodeName", at: p.source, "node", p.nodeName, loadedAny: !nodes.isEmpty)
            }
            if !namespaces.isEmpty && !namespaces.contains(p.namespace) {
                error("Pod \(p.qualifiedName)", field: "namespace", at: p.source, "namespace \(p.namespace) not found")
            }
        }
        let services = Set(c.services.map(\.qualifiedName))
        for s in c.endpointSlices where !s.derived {
            let id = "EndpointSlice \(s.namespace)/\(s.name)"
            if !services.contains("\(s.namespace)/\(s.serviceName)") {
                warning(id, field: "service", at: s.source, "Service \(s.namespace)/\(s.serviceName) not found; its endpoints are unused")
            }
            for (i, e) in s.endpoints.enumerated() {
                if let n = e.nodeName, !nodes.contains(n) {
                    missing(id, field: "endpoints[\(i)].nodeName", at: s.source, "node", n, loadedAny: !nodes.isEmpty)
                }
            }
        }
        let controllers = Set(c.ingressControllers.map(\.className))
        for ic in c.ingressControllers where !services.contains(ic.service) {
            error("IngressController \(ic.className)", field: "service", at: nil, "Service \(ic.service) not found")
        }
        for ing in c.ingresses {
            let id = "Ingress \(ing.namespace)/\(ing.name)"
            let cls = ing.ingressClassName ?? c.ingressClasses.first(where: \.isDefault)?.name
            if let cls, !controllers.contains(cls) {
                warning(id, field: "spec.ingressClassName", at: ing.source,
                        "no ingress controller Service known for class \(cls) (add it under ingressControllers); its traffic cannot be placed")
            }
            var backends = ing.rules.flatMap { $0.paths.map(\.backend) }
            if let d = ing.defaultBackend { backends.append(d) }
            for b in backends where !services.contains("\(ing.namespace)/\(b.serviceName)") {
                warning(id, field: "spec.rules", at: ing.source, "backend Service \(ing.namespace)/\(b.serviceName) not found")
            }
        }
        for s in c.services where s.type == .LoadBalancer && s.loadBalancerIngressIPs.isEmpty {
            report(.note, "Service \(s.qualifiedName)", field: "status.loadBalancer", at: s.source,
                   "LoadBalancer Service has no ingress IP yet (status.loadBalancer.ingress); only its ClusterIP and NodePorts are modelled")
        }
    }

    mutating func selectors() {
        guard !c.pods.isEmpty else { return }
        let index = PodIndex(c.pods)
        func anyMatch(_ ns: String, _ sel: LabelSelector) -> Bool {
            index.candidates(namespace: ns, sel).contains { sel.matches(c.pods[$0].labels) }
        }
        for s in c.services {
            guard let sel = s.selector, s.type != .ExternalName else { continue }
            if !anyMatch(s.namespace, LabelSelector(matchLabels: sel)) {
                warning("Service \(s.qualifiedName)", field: "selector", at: s.source,
                        "selector \(Self.render(LabelSelector(matchLabels: sel))) matches no pod in namespace \(s.namespace)")
            }
        }
        // A namespace holding pods exists even when no Namespace object was exported; it carries
        // the kubernetes.io/metadata.name label the API server sets (as the Dataplane assumes).
        var namespaces = c.namespaces
        let exported = Set(c.namespaces.map(\.name))
        for ns in Set(c.pods.map(\.namespace)).subtracting(exported).sorted() { namespaces.append(Namespace(name: ns)) }
        for np in c.networkPolicies {
            let id = "NetworkPolicy \(np.qualifiedName)"
            if !anyMatch(np.namespace, np.podSelector) {
                warning(id, field: "podSelector", at: np.source,
                        "podSelector \(Self.render(np.podSelector)) matches no pod in namespace \(np.namespace); the policy has no effect")
            }
            let sections: [(String, String, [NetworkPolicyRule])] = [("ingress", "from", np.ingress), ("egress", "to", np.egress ?? [])]
            for (section, peersKey, rules) in sections {
                for (ri, r) in rules.enumerated() {
                    for (pi, peer) in r.peers.enumerated() where peer.ipBlock == nil {
                        let path = "spec.\(section)[\(ri)].\(peersKey)[\(pi)]"
                        var nsList = [np.namespace]
                        if let nsSel = peer.namespaceSelector {
                            nsList = namespaces.filter { nsSel.matches($0.labels) }.map(\.name)
                            if nsList.isEmpty {
                                warning(id, field: path, path: path + ".namespaceSelector", at: np.source,
                                        "namespaceSelector \(Self.render(nsSel)) matches no namespace")
                                continue
                            }
                        }
                        let podSel = peer.podSelector ?? LabelSelector()
                        if !nsList.contains(where: { anyMatch($0, podSel) }) {
                            warning(id, field: path, path: path + (peer.podSelector == nil ? "" : ".podSelector"), at: np.source,
                                    "selector \(Self.render(podSel)) matches no pod in namespace(s) \(nsList.joined(separator: ", "))")
                        }
                    }
                }
            }
        }
    }

    /// `{app=my-backend, tier in (a,b)}` for messages.
    static func render(_ s: LabelSelector) -> String {
        if s.isEmpty { return "{} (all pods)" }
        var parts = s.matchLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        for r in s.matchExpressions {
            switch r.op {
            case .In, .NotIn: parts.append("\(r.key) \(r.op.rawValue.lowercased()) (\(r.values.joined(separator: ",")))")
            case .Exists: parts.append(r.key)
            case .DoesNotExist: parts.append("!\(r.key)")
            }
        }
        return "{\(parts.joined(separator: ", "))}"
    }
}
