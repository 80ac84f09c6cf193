import NetworkAddress

/// The native, hand-writable cluster format (Config/cluster.yaml). Strict: every mapping
/// lists its allowed keys and an unknown key is an error naming file:line:col.
enum NativeLoader {
    static let topLevelKeys = [
        "name", "settings", "include", "vnets", "networkInterfaces", "nodes", "namespaces", "pods", "services",
        "endpointSlices", "networkPolicies", "ingresses", "ingressControllers", "nsgs", "asgs", "routeTables",
        "loadBalancers", "publicIPs", "natGateways", "firewalls", "firewallPolicies", "ipGroups", "serviceTags",
        "dnsRecords", "fqdnTags", "threatIntel",
    ]

    /// True when a document looks like the native format rather than an export.
    static func recognises(_ root: Cursor) -> Bool {
        guard root.isMapping else { return false }
        let keys = root.entries.map(\.key)
        if keys.contains("apiVersion") || keys.contains("kind") || keys.contains("type") || keys.contains("id") { return false }
        return keys.contains { topLevelKeys.contains($0) }
    }

    /// Loads one native document into `b`; returns the `include:` paths (relative to the file).
    static func load(_ root: Cursor, into b: inout ClusterBuilder) -> [Cursor] {
        let sink = b.sink
        let top = root.object("Cluster")
        guard top.expectMapping(topLevelKeys, sink) else { return [] }
        if let n = top["name"]?.text(sink) { b.cluster.name = n }
        if let s = top["settings"] { settings(s.object("Settings", path: "settings"), into: &b) }
        for c in top["vnets"]?.list(sink) ?? [] { NativeAzure.vnet(c, into: &b) }
        for c in top["networkInterfaces"]?.list(sink) ?? [] { NativeAzure.nic(c, into: &b) }
        for c in top["nodes"]?.list(sink) ?? [] { NativeKubernetes.node(c, into: &b) }
        for c in top["namespaces"]?.list(sink) ?? [] { NativeKubernetes.namespace(c, into: &b) }
        for c in top["pods"]?.list(sink) ?? [] { NativeKubernetes.pod(c, into: &b) }
        for c in top["services"]?.list(sink) ?? [] { NativeKubernetes.service(c, into: &b) }
        for c in top["endpointSlices"]?.list(sink) ?? [] { NativeKubernetes.endpointSlice(c, into: &b) }
        for c in top["networkPolicies"]?.list(sink) ?? [] { NativeKubernetes.networkPolicy(c, into: &b) }
        for c in top["ingresses"]?.list(sink) ?? [] { NativeKubernetes.ingress(c, into: &b) }
        for c in top["ingressControllers"]?.list(sink) ?? [] { NativeKubernetes.ingressController(c, into: &b) }
        for c in top["nsgs"]?.list(sink) ?? [] { NativeAzure.nsg(c, into: &b) }
        for c in top["asgs"]?.list(sink) ?? [] { NativeAzure.asg(c, into: &b) }
        for c in top["routeTables"]?.list(sink) ?? [] { NativeAzure.routeTable(c, into: &b) }
        for c in top["loadBalancers"]?.list(sink) ?? [] { NativeAzure.loadBalancer(c, into: &b) }
        for c in top["publicIPs"]?.list(sink) ?? [] { NativeAzure.publicIP(c, into: &b) }
        for c in top["natGateways"]?.list(sink) ?? [] { NativeAzure.natGateway(c, into: &b) }
        for c in top["firewalls"]?.list(sink) ?? [] { NativeFirewall.firewall(c, into: &b) }
        for c in top["firewallPolicies"]?.list(sink) ?? [] { NativeFirewall.policy(c, into: &b) }
        for c in top["ipGroups"]?.list(sink) ?? [] { NativeFirewall.ipGroup(c, into: &b) }
        for c in top["serviceTags"]?.list(sink) ?? [] { NativeFirewall.serviceTag(c, into: &b) }
        for c in top["dnsRecords"]?.list(sink) ?? [] { NativeFirewall.dnsRecord(c, into: &b) }
        for c in top["fqdnTags"]?.list(sink) ?? [] { NativeFirewall.fqdnTag(c, into: &b) }
        if let t = top["threatIntel"] { NativeFirewall.threatIntel(t.object("ThreatIntel", path: "threatIntel"), into: &b) }
        guard let inc = top["include"] else { return [] }
        return inc.isSequence ? inc.items : [inc]
    }

    static let settingsKeys = [
        "location", "kubernetesVersion", "networkPlugin", "networkPluginMode", "networkDataplane", "networkPolicy",
        "podCIDRs", "serviceCIDRs", "dnsServiceIP", "outboundType", "loadBalancerOutboundIPs", "flowTimeoutSeconds",
        "apiServer", "kubeProxy",
    ]

    static func settings(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard c.expectMapping(settingsKeys, sink) else { return }
        b.claimSettings(at: c)
        var s = b.cluster.settings
        if let v = c["location"]?.text(sink) { s.location = v }
        if let v = c["kubernetesVersion"]?.text(sink) { s.kubernetesVersion = v }
        if let v = c["networkPlugin"]?.enumValue(NetworkPlugin.self, sink) { s.networkPlugin = v }
        if let v = c["networkPluginMode"]?.enumValue(NetworkPluginMode.self, sink) { s.networkPluginMode = v }
        if let v = c["networkDataplane"]?.enumValue(NetworkDataplane.self, sink) { s.networkDataplane = v }
        if let v = c["networkPolicy"]?.enumValue(NetworkPolicyEngine.self, sink) { s.networkPolicy = v }
        if let v = c["podCIDRs"] { s.podCIDRs = v.prefixes(sink) }
        if let v = c["serviceCIDRs"] { s.serviceCIDRs = v.prefixes(sink) }
        if let v = c["dnsServiceIP"]?.ip(sink) { s.dnsServiceIP = v }
        if let v = c["outboundType"]?.enumValue(OutboundType.self, sink) { s.outboundType = v }
        if let v = c["loadBalancerOutboundIPs"] { s.loadBalancerOutboundIPs = v.ips(sink) }
        if let v = c["flowTimeoutSeconds"]?.int(sink, range: 240...1800) { s.flowTimeoutSeconds = v }
        if let a = c["apiServer"], a.expectMapping(["private", "publicIP", "privateIP", "authorizedIPRanges", "fqdn", "port"], sink) {
            if let v = a["private"]?.bool(sink) { s.apiServer.privateCluster = v }
            if let v = a["publicIP"]?.ip(sink) { s.apiServer.publicIP = v }
            if let v = a["privateIP"]?.ip(sink) { s.apiServer.privateIP = v }
            if let v = a["authorizedIPRanges"] { s.apiServer.authorizedIPRanges = v.prefixes(sink) }
            if let v = a["fqdn"]?.text(sink) { s.apiServer.fqdn = v }
            if let v = a["port"]?.int(sink, range: 1...65535) { s.apiServer.port = UInt16(v) }
        }
        if let k = c["kubeProxy"], k.expectMapping(["mode", "masqueradeAll", "nodePortAddresses", "seed"], sink) {
            if let v = k["mode"]?.enumValue(ProxyMode.self, sink) { s.kubeProxy.mode = v }
            if let v = k["masqueradeAll"]?.bool(sink) { s.kubeProxy.masqueradeAll = v }
            if let v = k["nodePortAddresses"] { s.kubeProxy.nodePortAddresses = v.prefixes(sink) }
            if let v = k["seed"]?.scalar {
                if let n = UInt64(v) { s.kubeProxy.seed = n } else { sink.error("expected an unsigned integer, found \"\(v)\"", at: k["seed"] ?? k) }
            }
        }
        b.cluster.settings = s
        for f in ["dnsServiceIP", "networkPolicy", "podCIDRs", "serviceCIDRs"] { b.mark(f, c[f]) }
        b.mark("apiServer.authorizedIPRanges", c["apiServer"]?["authorizedIPRanges"])
        b.mark("apiServer.privateIP", c["apiServer"]?["privateIP"] ?? c["apiServer"])
        b.mark("apiServer.publicIP", c["apiServer"]?["publicIP"] ?? c["apiServer"])
    }

    /// `name` of a native entry, reported when missing; then the entry's keys are checked
    /// with diagnostics naming the object (`NSG web-nsg: rulez: unknown key …`).
    static func name(_ c: Cursor, kind: String, keys: [String], _ sink: DiagnosticSink) -> String? {
        guard c.isMapping else {
            c.expectMapping(keys, sink)
            return nil
        }
        guard let n = c["name"]?.text(sink), !n.isEmpty else {
            sink.error("expected name", at: c.object("\(kind) \(c.path)"))
            return nil
        }
        c.object("\(kind) \(n)").expectMapping(keys, sink)
        return n
    }
}
