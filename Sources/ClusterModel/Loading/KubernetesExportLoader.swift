import NetworkAddress

/// `kubectl get … -o yaml|json` output: single objects, multi-document YAML and `List`
/// objects. Lenient: server-side fields (status we do not use, managedFields, unknown
/// fields) are ignored; only fields we model are checked.
enum KubernetesExportLoader {
    static func recognises(_ root: Cursor) -> Bool {
        root["apiVersion"] != nil && root["kind"] != nil
    }

    /// `impliedKind`: the item kind of a typed list (`PodList` → `Pod`). The API server's typed
    /// lists (`kubectl get --raw`, client-go dumps) leave `kind` off their items; `kubectl get -o`
    /// adds it. An item with neither is reported, not skipped.
    static func load(_ root: Cursor, impliedKind: String? = nil, into b: inout ClusterBuilder) {
        guard let kind = root["kind"]?.scalar ?? impliedKind else {
            b.sink.error("expected kind (a List item without kind)", at: root)
            return
        }
        if kind == "List" || kind.hasSuffix("List") {
            let itemKind = kind == "List" ? nil : String(kind.dropLast(4))
            for item in listed(root["items"], b.sink) { load(item, impliedKind: itemKind, into: &b) }
            return
        }
        let meta = Meta(root, kind: kind, b.sink)
        let o = root.object(meta.identity)
        let sink = b.sink
        switch kind {
        case "Namespace":
            b.cluster.namespaces.append(Namespace(name: meta.name, labels: meta.labels, source: o.location))
        case "Node":
            b.cluster.nodes.append(node(o, meta, sink))
            b.mark("ips", o["status"]?["addresses"])
        case "Pod":
            b.cluster.pods.append(pod(o, meta, sink))
            b.mark("ips", o["status"]?["podIPs"] ?? o["status"]?["podIP"])
            b.mark("nodeName", o["spec"]?["nodeName"])
            b.mark("namespace", o["metadata"]?["namespace"])
        case "Service":
            var s = Service()
            s.name = meta.name
            s.namespace = meta.namespace
            s.labels = meta.labels
            s.annotations = meta.annotations
            s.source = o.location
            if let spec = o["spec"] {
                KubernetesSpecs.serviceSpec(spec, into: &s, sink)
                b.mark("clusterIPs", spec["clusterIPs"] ?? spec["clusterIP"])
                b.mark("selector", spec["selector"])
            }
            for ing in listed(o["status"]?["loadBalancer"]?["ingress"], sink) {
                guard let ip = ing["ip"]?.ip(sink) else { continue }
                s.loadBalancerIngressIPs.append(ip)
                if KubernetesSpecs.loadBalancerIPMode(ing["ipMode"], sink) == "Proxy" { s.loadBalancerProxyModeIPs.append(ip) }
            }
            // spec.loadBalancerIP is only a request to the cloud provider: until the LB is provisioned
            // and written to status.loadBalancer.ingress, kube-proxy (LoadBalancerVIPs reads the
            // status only) programs nothing for it, and no Azure frontend holds it.
            if s.loadBalancerIngressIPs.isEmpty, let requested = o["spec"]?["loadBalancerIP"], requested.scalar?.isEmpty == false {
                sink.warning("spec.loadBalancerIP is not in status.loadBalancer.ingress (load balancer pending): no front door", at: requested)
            }
            b.cluster.services.append(s)
        case "EndpointSlice":
            var s = EndpointSlice()
            s.name = meta.name
            s.namespace = meta.namespace
            s.source = o.location
            s.serviceName = meta.labels["kubernetes.io/service-name"] ?? ""
            if s.serviceName.isEmpty {
                sink.error("expected label kubernetes.io/service-name (the owning Service)", at: o["metadata"] ?? o)
            }
            KubernetesSpecs.endpointSliceBody(o, into: &s, sink)
            b.cluster.endpointSlices.append(s)
        case "Endpoints":
            b.legacyEndpoints += legacyEndpoints(o, meta, sink)
        case "NetworkPolicy":
            var np = NetworkPolicy()
            np.name = meta.name
            np.namespace = meta.namespace
            np.source = o.location
            if let spec = o["spec"] {
                KubernetesSpecs.networkPolicySpec(spec, into: &np, sink)
                b.mark("podSelector", spec["podSelector"])
            }
            b.cluster.networkPolicies.append(np)
        case "Ingress":
            var ing = Ingress()
            ing.name = meta.name
            ing.namespace = meta.namespace
            ing.source = o.location
            if let spec = o["spec"] { KubernetesSpecs.ingressSpec(spec, into: &ing, sink) }
            // Pre-IngressClass clusters name the class in an annotation; the v1 API says "when that
            // annotation is set, it must be given precedence over this field" (IngressSpec
            // .ingressClassName), and ingress-nginx's GetIngressClass reads it first.
            if let legacy = meta.annotations["kubernetes.io/ingress.class"], !legacy.isEmpty { ing.ingressClassName = legacy }
            b.cluster.ingresses.append(ing)
        case "IngressClass":
            let controller = o["spec"]?["controller"]?.text(sink) ?? ""
            let isDefault = meta.annotations["ingressclass.kubernetes.io/is-default-class"] == "true"
            b.cluster.ingressClasses.append(IngressClass(name: meta.name, controller: controller, isDefault: isDefault))
        default:
            b.sink.add(Diagnostic(.note, "kind \(kind) is not modelled; ignored", object: meta.identity, location: o.location))
        }
    }

    /// The `metadata` fields every object needs.
    struct Meta {
        var name = ""
        var namespace = "default"
        var labels: Labels = [:]
        var annotations: [String: String] = [:]
        var deleting = false
        var identity: String

        init(_ root: Cursor, kind: String, _ sink: DiagnosticSink) {
            let m = root["metadata"]
            name = m?["name"]?.scalar ?? ""
            namespace = m?["namespace"]?.scalar ?? "default"
            let namespaced = !["Namespace", "Node", "IngressClass"].contains(kind)
            identity = namespaced ? "\(kind) \(namespace)/\(name)" : "\(kind) \(name)"
            if name.isEmpty { sink.error("expected metadata.name", at: root.object(identity)) }
            labels = m?["labels"]?.stringMap(sink) ?? [:]
            annotations = m?["annotations"]?.stringMap(sink) ?? [:]
            deleting = m?["deletionTimestamp"] != nil
        }
    }

    private static func conditionTrue(_ status: Cursor?, _ type: String, _ sink: DiagnosticSink) -> Bool? {
        for c in listed(status?["conditions"], sink) where c["type"]?.scalar == type {
            return c["status"]?.scalar == "True"
        }
        return nil
    }

    static func node(_ o: Cursor, _ meta: Meta, _ sink: DiagnosticSink) -> Node {
        var n = Node()
        n.name = meta.name
        n.labels = meta.labels
        n.source = o.location
        for a in listed(o["status"]?["addresses"], sink) {
            switch a["type"]?.scalar {
            case "InternalIP": if let ip = a["address"]?.ip(sink) { n.internalIPs.append(ip) }
            case "ExternalIP": if let ip = a["address"]?.ip(sink) { n.externalIPs.append(ip) }
            default: break
            }
        }
        if let p = o["spec"]?["podCIDRs"] { n.podCIDRs = p.prefixes(sink) } else if let p = o["spec"]?["podCIDR"] { n.podCIDRs = p.prefixes(sink) }
        n.zone = meta.labels["topology.kubernetes.io/zone"] ?? meta.labels["failure-domain.beta.kubernetes.io/zone"] ?? ""
        n.ready = conditionTrue(o["status"], "Ready", sink) ?? true
        return n
    }

    static func pod(_ o: Cursor, _ meta: Meta, _ sink: DiagnosticSink) -> Pod {
        var p = Pod()
        p.name = meta.name
        p.namespace = meta.namespace
        p.labels = meta.labels
        p.terminating = meta.deleting
        p.source = o.location
        let spec = o["spec"]
        p.nodeName = spec?["nodeName"]?.text(sink) ?? ""
        p.hostNetwork = spec?["hostNetwork"]?.bool(sink) ?? false
        // Sidecars (init containers with restartPolicy Always) serve named ports too, after the
        // regular containers: podutil.FindPort, which the endpoint-slice controller uses.
        let sidecars = listed(spec?["initContainers"], sink).filter { $0["restartPolicy"]?.scalar == "Always" }
        for c in listed(spec?["containers"], sink) + sidecars {
            for port in listed(c["ports"], sink) {
                guard let n = port["containerPort"]?.int(sink, range: 1...65535) else { continue }
                p.containerPorts.append(ContainerPort(name: port["name"]?.scalar, port: n, proto: port["protocol"]?.k8sProtocol(sink) ?? .tcp))
            }
        }
        let status = o["status"]
        if let ips = status?["podIPs"].map({ $0.list(sink) }), !ips.isEmpty {
            p.ips = ips.compactMap { $0["ip"]?.ip(sink) }
        } else if let ip = status?["podIP"]?.ip(sink) {
            p.ips = [ip]
        }
        if let ph = status?["phase"]?.enumValue(PodPhase.self, sink) { p.phase = ph }
        p.ready = conditionTrue(status, "Ready", sink) ?? (p.phase == .Running)
        return p
    }

    /// v1 Endpoints: one slice per subset (used only for Services that have no EndpointSlice).
    static func legacyEndpoints(_ o: Cursor, _ meta: Meta, _ sink: DiagnosticSink) -> [EndpointSlice] {
        var out: [EndpointSlice] = []
        for (i, subset) in (listed(o["subsets"], sink)).enumerated() {
            var s = EndpointSlice()
            s.name = "\(meta.name)-endpoints-\(i)"
            s.namespace = meta.namespace
            s.serviceName = meta.name
            s.source = subset.location
            for (key, ready) in [("addresses", true), ("notReadyAddresses", false)] {
                for a in listed(subset[key], sink) {
                    var ep = Endpoint()
                    if let ip = a["ip"]?.ip(sink) { ep.addresses = [ip] }
                    ep.ready = ready
                    ep.nodeName = a["nodeName"]?.scalar
                    if let t = a["targetRef"], t["kind"]?.scalar == "Pod", let n = t["name"]?.scalar {
                        ep.podRef = "\(t["namespace"]?.scalar ?? meta.namespace)/\(n)"
                    }
                    s.endpoints.append(ep)
                }
            }
            for port in listed(subset["ports"], sink) {
                let n = port["port"]?.int(sink, range: 1...65535) ?? 0
                s.ports.append(EndpointPort(name: port["name"]?.scalar ?? "", port: n, proto: port["protocol"]?.k8sProtocol(sink) ?? .tcp))
            }
            out.append(s)
        }
        return out
    }
}
