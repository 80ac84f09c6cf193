import NetworkAddress

/// Kubernetes objects in the native format: compact for nodes, pods and namespaces; the
/// Kubernetes spec shape (plus `name`/`namespace`) for Services, NetworkPolicies and Ingresses.
enum NativeKubernetes {
    /// Name, namespace and the entry seen as that object; unknown keys reported against it.
    private static func identity(_ c: Cursor, kind: String, namespaced: Bool, keys: [String], _ sink: DiagnosticSink) -> (String, String, Cursor)? {
        guard c.isMapping else {
            c.expectMapping(keys, sink)
            return nil
        }
        guard let name = c["name"]?.text(sink), !name.isEmpty else {
            sink.error("expected name", at: c.object("\(kind) \(c.path)"))
            return nil
        }
        let ns = namespaced ? (c["namespace"]?.text(sink) ?? "default") : ""
        let id = namespaced ? "\(kind) \(ns)/\(name)" : "\(kind) \(name)"
        let o = c.object(id)
        o.expectMapping(keys, sink)
        return (name, ns, o)
    }

    static func node(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        let keys = ["name", "ip", "ips", "externalIPs", "subnet", "zone", "podCIDRs", "labels", "ready", "nic", "nsg", "asgs"]
        guard let (name, _, o) = identity(c, kind: "Node", namespaced: false, keys: keys, sink) else { return }
        var n = Node()
        n.name = name
        n.source = o.location
        n.internalIPs = (o["ips"] ?? o["ip"])?.ips(sink) ?? []
        b.mark("ips", o["ips"] ?? o["ip"])
        b.mark("subnet", o["subnet"])
        if o["ips"] == nil && o["ip"] == nil { sink.error("expected ip (the node's InternalIP)", at: o) }
        n.externalIPs = o["externalIPs"]?.ips(sink) ?? []
        n.subnet = o["subnet"]?.text(sink) ?? ""
        n.zone = o["zone"]?.text(sink) ?? ""
        n.podCIDRs = o["podCIDRs"]?.prefixes(sink) ?? []
        n.labels = o["labels"]?.stringMap(sink) ?? [:]
        if !n.zone.isEmpty { n.labels["topology.kubernetes.io/zone"] = n.zone }
        n.labels["kubernetes.io/hostname"] = name
        n.ready = o["ready"]?.bool(sink) ?? true
        b.cluster.nodes.append(n)
        // The node's NIC: NSG and ASG memberships live there (azure-networking.md §1.2, §1.5).
        if !n.subnet.isEmpty {
            var nic = NetworkInterface()
            nic.name = o["nic"]?.text(sink) ?? "\(name)-nic"
            nic.ipAddresses = n.internalIPs
            nic.subnet = n.subnet
            nic.networkSecurityGroup = o["nsg"]?.text(sink)
            nic.applicationSecurityGroups = o["asgs"]?.strings(sink) ?? []
            nic.nodeName = name
            nic.source = o.location
            b.cluster.networkInterfaces.append(nic)
        }
    }

    static func namespace(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        if let s = c.scalar, !c.isNull {
            b.cluster.namespaces.append(Namespace(name: s, source: c.location))
            return
        }
        guard let (name, _, o) = identity(c, kind: "Namespace", namespaced: false, keys: ["name", "labels"], sink) else { return }
        b.cluster.namespaces.append(Namespace(name: name, labels: o["labels"]?.stringMap(sink) ?? [:], source: o.location))
    }

    static func pod(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        let keys = ["name", "namespace", "node", "ip", "ips", "labels", "hostNetwork", "phase", "ready", "terminating", "ports"]
        guard let (name, ns, o) = identity(c, kind: "Pod", namespaced: true, keys: keys, sink) else { return }
        var p = Pod()
        p.name = name
        p.namespace = ns
        p.source = o.location
        p.nodeName = o["node"]?.text(sink) ?? ""
        p.ips = (o["ips"] ?? o["ip"])?.ips(sink) ?? []
        b.mark("ips", o["ips"] ?? o["ip"])
        b.mark("nodeName", o["node"])
        b.mark("namespace", o["namespace"])
        p.labels = o["labels"]?.stringMap(sink) ?? [:]
        p.hostNetwork = o["hostNetwork"]?.bool(sink) ?? false
        if let v = o["phase"]?.enumValue(PodPhase.self, sink) { p.phase = v }
        p.ready = o["ready"]?.bool(sink) ?? (p.phase == .Running)
        p.terminating = o["terminating"]?.bool(sink) ?? false
        for pc in o["ports"]?.list(sink) ?? [] {
            guard pc.expectMapping(["name", "port", "containerPort", "protocol"], sink) else { continue }
            guard let portC = pc["port"] ?? pc["containerPort"], let port = portC.int(sink, range: 1...65535) else {
                if pc["port"] == nil && pc["containerPort"] == nil { sink.error("expected port", at: pc) }
                continue
            }
            let proto = pc["protocol"]?.k8sProtocol(sink) ?? .tcp
            p.containerPorts.append(ContainerPort(name: pc["name"]?.text(sink), port: port, proto: proto))
        }
        b.cluster.pods.append(p)
    }

    static func service(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        let keys = ["name", "namespace", "labels", "annotations", "loadBalancerIngressIPs", "loadBalancerIPMode"] + KubernetesSpecs.serviceSpecKeys
        guard let (name, ns, o) = identity(c, kind: "Service", namespaced: true, keys: keys, sink) else { return }
        var s = Service()
        s.name = name
        s.namespace = ns
        s.source = o.location
        s.labels = o["labels"]?.stringMap(sink) ?? [:]
        s.annotations = o["annotations"]?.stringMap(sink) ?? [:]
        KubernetesSpecs.serviceSpec(o, into: &s, sink)
        b.mark("clusterIPs", o["clusterIPs"] ?? o["clusterIP"])
        b.mark("selector", o["selector"])
        // In the native format `loadBalancerIP` is the assigned ingress IP (status), for brevity.
        s.loadBalancerIngressIPs = (o["loadBalancerIngressIPs"] ?? o["loadBalancerIP"])?.ips(sink) ?? []
        if KubernetesSpecs.loadBalancerIPMode(o["loadBalancerIPMode"], sink) == "Proxy" { s.loadBalancerProxyModeIPs = s.loadBalancerIngressIPs }
        b.cluster.services.append(s)
    }

    static func endpointSlice(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        let keys = ["name", "namespace", "service", "addressType", "endpoints", "ports"]
        guard let (name, ns, o) = identity(c, kind: "EndpointSlice", namespaced: true, keys: keys, sink) else { return }
        var s = EndpointSlice()
        s.name = name
        s.namespace = ns
        s.source = o.location
        guard let svc = o["service"]?.text(sink) else {
            sink.error("expected service (the Service this slice belongs to)", at: o)
            return
        }
        s.serviceName = svc
        KubernetesSpecs.endpointSliceBody(o, into: &s, sink)
        b.cluster.endpointSlices.append(s)
    }

    static func networkPolicy(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard let (name, ns, o) = identity(c, kind: "NetworkPolicy", namespaced: true, keys: ["name", "namespace"] + KubernetesSpecs.networkPolicySpecKeys, sink) else { return }
        var np = NetworkPolicy()
        np.name = name
        np.namespace = ns
        np.source = o.location
        KubernetesSpecs.networkPolicySpec(o, into: &np, sink)
        b.mark("podSelector", o["podSelector"])
        b.cluster.networkPolicies.append(np)
    }

    static func ingress(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard let (name, ns, o) = identity(c, kind: "Ingress", namespaced: true, keys: ["name", "namespace"] + KubernetesSpecs.ingressSpecKeys, sink) else { return }
        var ing = Ingress()
        ing.name = name
        ing.namespace = ns
        ing.source = o.location
        KubernetesSpecs.ingressSpec(o, into: &ing, sink)
        b.cluster.ingresses.append(ing)
    }

    /// `{className, service: ns/name, controller?, default?}`: the IngressClass and the
    /// Service that receives its traffic.
    static func ingressController(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard c.expectMapping(["className", "service", "controller", "default"], sink) else { return }
        guard let cls = c["className"]?.text(sink), let svc = c["service"]?.text(sink) else {
            sink.error("expected className and service (namespace/name)", at: c.object("IngressController \(c.path)"))
            return
        }
        let o = c.object("IngressController \(cls)")
        if !svc.contains("/") { sink.error("expected service as namespace/name, found \"\(svc)\"", at: o["service"] ?? o) }
        b.cluster.ingressControllers.append(IngressController(className: cls, service: svc))
        b.mark("service", o["service"])
        let controller = o["controller"]?.text(sink) ?? "k8s.io/ingress-nginx"
        b.cluster.ingressClasses.append(IngressClass(name: cls, controller: controller, isDefault: o["default"]?.bool(sink) ?? false))
    }
}
