import NetworkAddress

/// `az aks show -o json` (or the ARM managedClusters resource): network profile, API server
/// access, FQDNs.
enum AzureExportCluster {
    static func managedCluster(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        let prop = { (k: String) in AzureExportLoader.prop(c, k) }
        b.claimSettings(at: c)
        if let n = c["name"]?.scalar { b.cluster.name = n }
        var s = b.cluster.settings
        if let l = c["location"]?.scalar { s.location = l }
        if let v = (prop("currentKubernetesVersion") ?? prop("kubernetesVersion"))?.scalar { s.kubernetesVersion = v }
        if let np = prop("networkProfile") {
            if let v = np["networkPlugin"]?.enumValue(NetworkPlugin.self, sink) { s.networkPlugin = v }
            if let v = np["networkPluginMode"]?.enumValue(NetworkPluginMode.self, sink) { s.networkPluginMode = v }
            if let v = np["networkDataplane"]?.enumValue(NetworkDataplane.self, sink) { s.networkDataplane = v }
            // A null networkPolicy means no engine: policies exist in the API but nothing enforces them.
            s.networkPolicy = np["networkPolicy"]?.enumValue(NetworkPolicyEngine.self, sink) ?? .none
            if let v = np["podCidrs"] ?? np["podCidr"] { s.podCIDRs = v.prefixes(sink) }
            if let v = np["serviceCidrs"] ?? np["serviceCidr"] { s.serviceCIDRs = v.prefixes(sink) }
            if let v = np["dnsServiceIp"]?.ip(sink) { s.dnsServiceIP = v }
            if let v = np["outboundType"]?.enumValue(OutboundType.self, sink) { s.outboundType = v }
            for ip in listed(np["loadBalancerProfile"]?["effectiveOutboundIPs"], sink) {
                if let n = AzureExportLoader.refName(ip) { b.azureLinks.outboundIPs.append((n, ip)) }
            }
            for ip in listed(np["natGatewayProfile"]?["effectiveOutboundIPs"], sink) {
                if let n = AzureExportLoader.refName(ip) { b.azureLinks.managedNATIPs.append((n, ip)) }
            }
            for f in ["networkPolicy", "podCIDRs", "serviceCIDRs", "dnsServiceIP"] {
                let key = ["podCIDRs": "podCidrs", "serviceCIDRs": "serviceCidrs", "dnsServiceIP": "dnsServiceIp"][f] ?? f
                b.mark(f, (np[key] ?? np).object("Settings", path: (np[key] ?? np).path))
            }
        }
        if let a = prop("apiServerAccessProfile") {
            s.apiServer.privateCluster = a["enablePrivateCluster"]?.bool(sink) ?? false
            s.apiServer.authorizedIPRanges = a["authorizedIpRanges"]?.prefixes(sink) ?? []
            b.mark("apiServer.authorizedIPRanges", a["authorizedIpRanges"].map { $0.object("Settings", path: $0.path) })
        }
        let fqdn = s.apiServer.privateCluster ? (prop("privateFqdn") ?? prop("fqdn")) : (prop("fqdn") ?? prop("privateFqdn"))
        if let f = fqdn?.scalar { s.apiServer.fqdn = f }
        let api = (prop("apiServerAccessProfile") ?? c).object("Settings", path: "apiServerAccessProfile")
        b.mark("apiServer.privateIP", api)
        b.mark("apiServer.publicIP", api)
        b.cluster.settings = s
    }

    /// `az network private-endpoint show` of a private cluster's API server endpoint (AKS names
    /// it `kube-apiserver`; its Private Link group is `management`): its address is the API
    /// server's private IP. Other private endpoints are not modelled.
    static func privateEndpoint(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        let prop = { (k: String) in AzureExportLoader.prop(c, k) }
        let groups = (listed(prop("privateLinkServiceConnections"), sink)).flatMap { (listed(AzureExportLoader.prop($0, "groupIds"), sink)).compactMap(\.scalar) }
        guard c["name"]?.scalar == "kube-apiserver" || groups.contains("management") else {
            b.sink.add(Diagnostic(.note, "private endpoint is not an AKS API server endpoint; ignored", object: c.object, location: c.location))
            return
        }
        let dns = (listed(prop("customDnsConfigs"), sink)).flatMap { listed($0["ipAddresses"], sink) }
        let cfgs = (listed(prop("ipConfigurations"), sink)).compactMap { AzureExportLoader.prop($0, "privateIPAddress") }
        if let ipC = (dns + cfgs).first {
            if let ip = ipC.ip(b.sink) { b.cluster.settings.apiServer.privateIP = ip }
            return
        }
        // With a private DNS zone, `az network private-endpoint show` prints empty customDnsConfigs
        // and ipConfigurations: the address is only on the endpoint's NIC (`kube-apiserver.nic.<guid>`,
        // `az network nic show`), read once every file is loaded.
        let nics = listed(prop("networkInterfaces"), sink).compactMap(AzureExportLoader.refName)
        b.azureLinks.endpointNICs.append(.init(nics: nics, at: c))
    }
}
