import NetworkAddress

/// `az network lb show -o json` / ARM loadBalancers.
enum AzureExportLoadBalancer {
    private static func prop(_ c: Cursor, _ k: String) -> Cursor? { AzureExportLoader.prop(c, k) }

    static func loadBalancer(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        var lb = LoadBalancer()
        lb.name = c["name"]?.scalar ?? ""
        lb.source = c.location
        if let s = c["sku"]?["name"]?.scalar { lb.sku = s }
        for f in listed(prop(c, "frontendIPConfigurations"), sink) {
            var fe = FrontendIPConfiguration()
            fe.name = f["name"]?.scalar ?? ""
            if let ip = AzureExportLoader.privateIPAddress(f), let a = ip.ip(sink) { fe.address = a }
            if let pip = AzureExportLoader.refName(AzureExportLoader.publicIPAddress(f)) {
                fe.publicIPName = pip
                b.azureLinks.frontendIPs.append(.init(lb: lb.name, frontend: fe.name, publicIP: pip, at: f))
            }
            fe.subnet = AzureExportLoader.subnetRef(prop(f, "subnet"))
            lb.frontends.append(fe)
        }
        for p in listed(prop(c, "backendAddressPools"), sink) {
            var pool = BackendPool()
            pool.name = p["name"]?.scalar ?? ""
            for cfg in listed(prop(p, "backendIPConfigurations"), sink) {
                guard let id = cfg["id"]?.scalar else { continue }
                if let node = AzureExportLoader.vmssNodeName(fromID: id) {
                    if !pool.nodeNames.contains(node) { pool.nodeNames.append(node) }
                } else if let nic = nicName(fromIPConfigID: id) {
                    b.azureLinks.poolNICs.append(.init(lb: lb.name, pool: pool.name, nic: nic))
                }
            }
            for a in listed(prop(p, "loadBalancerBackendAddresses"), sink) {
                if let ip = prop(a, "ipAddress")?.ip(sink) { pool.addresses.append(ip) }
            }
            lb.backendPools.append(pool)
        }
        for p in listed(prop(c, "probes"), sink) {
            var probe = HealthProbe()
            probe.name = p["name"]?.scalar ?? ""
            if let v = prop(p, "protocol")?.enumValue(ProbeProtocol.self, sink) { probe.proto = v }
            probe.port = prop(p, "port")?.int(sink, range: 1...65535) ?? 0
            probe.requestPath = prop(p, "requestPath")?.scalar
            if let v = prop(p, "intervalInSeconds")?.int(sink) { probe.intervalSeconds = v }
            if let v = (prop(p, "probeThreshold") ?? prop(p, "numberOfProbes"))?.int(sink) { probe.numberOfProbes = v }
            lb.probes.append(probe)
        }
        for r in listed(prop(c, "loadBalancingRules"), sink) {
            var rule = LoadBalancingRule()
            rule.name = r["name"]?.scalar ?? ""
            rule.frontend = AzureExportLoader.refName(prop(r, "frontendIPConfiguration")) ?? ""
            rule.backendPool = AzureExportLoader.refName(prop(r, "backendAddressPool"))
                ?? (prop(r, "backendAddressPools")?.items.first).flatMap(AzureExportLoader.refName) ?? ""
            rule.probe = AzureExportLoader.refName(prop(r, "probe"))
            if let p = prop(r, "protocol") { rule.proto = AzureValues.lbProtocol(p, sink) ?? "Tcp" }
            rule.frontendPort = prop(r, "frontendPort")?.int(sink, range: 0...65535) ?? 0
            rule.backendPort = prop(r, "backendPort")?.int(sink, range: 0...65535) ?? rule.frontendPort
            rule.enableFloatingIP = prop(r, "enableFloatingIP")?.bool(sink) ?? false
            if let v = prop(r, "idleTimeoutInMinutes")?.int(sink) { rule.idleTimeoutMinutes = v }
            rule.disableOutboundSnat = prop(r, "disableOutboundSnat")?.bool(sink) ?? false
            if let v = prop(r, "loadDistribution")?.scalar { rule.loadDistribution = v }
            lb.rules.append(rule)
        }
        for r in listed(prop(c, "outboundRules"), sink) {
            var rule = OutboundRule()
            rule.name = r["name"]?.scalar ?? ""
            rule.frontends = (listed(prop(r, "frontendIPConfigurations"), sink)).compactMap(AzureExportLoader.refName)
            rule.backendPool = AzureExportLoader.refName(prop(r, "backendAddressPool")) ?? ""
            if let p = prop(r, "protocol") { rule.proto = AzureValues.lbProtocol(p, sink) ?? "All" }
            rule.allocatedOutboundPorts = prop(r, "allocatedOutboundPorts")?.int(sink) ?? 0
            if let v = prop(r, "idleTimeoutInMinutes")?.int(sink) { rule.idleTimeoutMinutes = v }
            lb.outboundRules.append(rule)
        }
        b.cluster.loadBalancers.append(lb)
    }

    /// `…/networkInterfaces/<nic>/ipConfigurations/<cfg>` → `<nic>`.
    static func nicName(fromIPConfigID id: String) -> String? {
        let parts = id.split(separator: "/").map(String.init)
        guard let i = parts.lastIndex(where: { $0.lowercased() == "networkinterfaces" }), i + 1 < parts.count else { return nil }
        return parts[i + 1]
    }
}
