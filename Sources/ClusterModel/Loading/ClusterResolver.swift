import NetworkAddress

/// Fills in what the real cluster would have derived once every source is merged:
/// node subnets and NIC ownership, hostNetwork pod addresses, EndpointSlices for selector
/// Services that came without them, and ingress-controller Services.
enum ClusterResolver {
    static func resolve(_ b: inout ClusterBuilder) {
        // NIC names derived from VMSS IDs only count when such a node exists.
        let nodeNames = Set(b.cluster.nodes.map(\.name))
        for i in b.cluster.networkInterfaces.indices where !nodeNames.contains(b.cluster.networkInterfaces[i].nodeName) {
            b.cluster.networkInterfaces[i].nodeName = ""
        }
        AzureLinks.resolveSubnets(&b)
        AzureLinks.resolve(&b)
        AzureNameCase.canonicalise(&b.cluster)
        linkNodesAndNICs(&b.cluster)
        apiServerAddress(&b.cluster)
        finishedPodsReleaseAddresses(&b.cluster)
        hostNetworkAddresses(&b.cluster)
        adoptLegacyEndpoints(&b)
        EndpointDerivation.derive(&b.cluster)
        ingressControllers(&b.cluster)
    }

    private static func linkNodesAndNICs(_ c: inout Cluster) {
        var nicByIP: [IPAddress: Int] = [:]
        for (i, nic) in c.networkInterfaces.enumerated() {
            for ip in nic.ipAddresses { nicByIP[ip] = i }
        }
        for i in c.nodes.indices {
            let node = c.nodes[i]
            guard let ip = node.internalIPs.first else { continue }
            if let n = nicByIP[ip] {
                if c.networkInterfaces[n].nodeName.isEmpty { c.networkInterfaces[n].nodeName = node.name }
                if node.subnet.isEmpty { c.nodes[i].subnet = c.networkInterfaces[n].subnet }
            }
            if c.nodes[i].subnet.isEmpty {
                // No NIC export: place the node by address in the VNet subnet that contains it.
                outer: for v in c.virtualNetworks {
                    for s in v.subnets where s.prefixes.contains(where: { $0.contains(ip) }) {
                        c.nodes[i].subnet = "\(v.name)/\(s.name)"
                        break outer
                    }
                }
            }
            if nicByIP[ip] == nil, !c.nodes[i].subnet.isEmpty {
                // Every node has a NIC (NSG/ASG lookups go through it); without an export it carries no NSG.
                var nic = NetworkInterface()
                nic.name = "\(node.name)-nic"
                nic.ipAddresses = node.internalIPs
                nic.subnet = c.nodes[i].subnet
                nic.nodeName = node.name
                nic.source = node.source
                c.networkInterfaces.append(nic)
            }
        }
    }

    /// `az aks show` names the API server only by FQDN; a DNS record supplies its address.
    private static func apiServerAddress(_ c: inout Cluster) {
        let api = c.settings.apiServer
        guard !api.fqdn.isEmpty, let rec = c.dnsRecords.first(where: { $0.fqdn == api.fqdn }), let ip = rec.addresses.first else { return }
        if api.privateCluster, api.privateIP == nil { c.settings.apiServer.privateIP = ip }
        if !api.privateCluster, api.publicIP == nil { c.settings.apiServer.publicIP = ip }
    }

    /// A pod that has finished (phase Succeeded or Failed: Job pods, evicted pods) keeps
    /// `status.podIPs` in the API, but its sandbox is gone and the CNI has released the address,
    /// which a running pod may already hold (kubectl exports then list both). The finished pod
    /// no longer receives or sends anything, and no policy engine keeps it in its address sets
    /// (Calico and Cilium drop its endpoint; Azure NPM skips completed pods), so it holds no
    /// address in the model.
    private static func finishedPodsReleaseAddresses(_ c: inout Cluster) {
        for i in c.pods.indices where c.pods[i].phase == .Succeeded || c.pods[i].phase == .Failed {
            c.pods[i].ips = []
        }
    }

    /// hostNetwork pods share their node's addresses (the API server reports them so).
    private static func hostNetworkAddresses(_ c: inout Cluster) {
        var nodeIPs: [String: [IPAddress]] = [:]
        for n in c.nodes { nodeIPs[n.name] = n.internalIPs }
        for i in c.pods.indices where c.pods[i].hostNetwork && c.pods[i].ips.isEmpty && c.pods[i].phase != .Succeeded && c.pods[i].phase != .Failed {
            c.pods[i].ips = nodeIPs[c.pods[i].nodeName] ?? []
        }
    }

    /// Legacy v1 Endpoints count only when a Service has no EndpointSlice at all.
    private static func adoptLegacyEndpoints(_ b: inout ClusterBuilder) {
        guard !b.legacyEndpoints.isEmpty else { return }
        var sliced = Set<String>()
        for s in b.cluster.endpointSlices { sliced.insert("\(s.namespace)/\(s.serviceName)") }
        for e in b.legacyEndpoints where !sliced.contains("\(e.namespace)/\(e.serviceName)") {
            b.cluster.endpointSlices.append(e)
        }
    }

    /// Well-known controllers when the input does not say which Service serves a class:
    /// the application routing add-on (`app-routing-system/nginx`) and ingress-nginx
    /// (the LoadBalancer Service labelled `app.kubernetes.io/name: ingress-nginx`).
    private static func ingressControllers(_ c: inout Cluster) {
        var classes = c.ingressClasses.map(\.name)
        for ing in c.ingresses { if let n = ing.ingressClassName, !classes.contains(n) { classes.append(n) } }
        for cls in classes where !c.ingressControllers.contains(where: { $0.className == cls }) {
            let controller = c.ingressClasses.first(where: { $0.name == cls })?.controller ?? ""
            var svc: Service?
            if cls == "webapprouting.kubernetes.azure.com" || controller.hasPrefix("webapprouting.kubernetes.azure.com") {
                svc = c.services.first { $0.namespace == "app-routing-system" && $0.name == "nginx" }
            } else if controller == "k8s.io/ingress-nginx" || cls == "nginx" {
                svc = c.services.first {
                    $0.labels["app.kubernetes.io/name"] == "ingress-nginx" && $0.type == .LoadBalancer
                        && ($0.labels["app.kubernetes.io/component"] ?? "controller") == "controller"
                }
            }
            if let svc { c.ingressControllers.append(IngressController(className: cls, service: svc.qualifiedName)) }
        }
    }
}
