import NetworkAddress

/// VNets, NSGs, route tables, NICs and NAT gateways from az/ARM JSON.
enum AzureExportNetwork {
    private static func prop(_ c: Cursor, _ k: String) -> Cursor? { AzureExportLoader.prop(c, k) }

    static func virtualNetwork(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        var v = VirtualNetwork()
        v.name = c["name"]?.scalar ?? ""
        v.source = c.location
        v.addressSpaces = prop(c, "addressSpace")?["addressPrefixes"]?.prefixes(sink) ?? []
        for s in listed(prop(c, "subnets"), sink) { v.subnets.append(subnet(s, into: &b)) }
        for p in listed(prop(c, "virtualNetworkPeerings"), sink) {
            var peer = VirtualNetworkPeering()
            peer.name = p["name"]?.scalar ?? ""
            // Resources in peered VNets cannot communicate until the peering is Connected on both
            // sides (learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering):
            // an `Initiated` (other side not created yet) or `Disconnected` (other side deleted)
            // peering carries nothing and adds nothing to the VirtualNetwork tag.
            if let state = prop(p, "peeringState")?.scalar, !state.isEmpty, state.lowercased() != "connected" {
                sink.add(Diagnostic(.note, "peering \(peer.name) is \(state), not Connected: no traffic crosses it; ignored",
                                    object: "VNet \(v.name)", fieldPath: "virtualNetworkPeerings", location: p.location))
                continue
            }
            let space = prop(p, "remoteVirtualNetworkAddressSpace") ?? prop(p, "remoteAddressSpace")
            peer.remoteAddressSpaces = space?["addressPrefixes"]?.prefixes(sink) ?? []
            v.peerings.append(peer)
        }
        b.cluster.virtualNetworks.append(v)
    }

    private static func subnet(_ s: Cursor, into b: inout ClusterBuilder) -> Subnet {
        var sub = Subnet()
        sub.name = s["name"]?.scalar ?? ""
        sub.source = s.location
        // A subnet has addressPrefix or addressPrefixes; exports print the other one as null or [].
        let plural = prop(s, "addressPrefixes").flatMap { $0.isSequence && $0.items.isEmpty ? nil : $0 }
        let prefixes = plural ?? prop(s, "addressPrefix")
        sub.prefixes = prefixes?.prefixes(b.sink) ?? []
        sub.networkSecurityGroup = AzureExportLoader.refName(prop(s, "networkSecurityGroup"))
        sub.routeTable = AzureExportLoader.refName(prop(s, "routeTable"))
        sub.natGateway = AzureExportLoader.refName(prop(s, "natGateway"))
        if let p = prop(s, "privateEndpointNetworkPolicies")?.scalar { sub.privateEndpointNetworkPolicies = p }
        b.mark("subnets.\(sub.name).nsg", prop(s, "networkSecurityGroup"))
        b.mark("subnets.\(sub.name).routeTable", prop(s, "routeTable"))
        b.mark("subnets.\(sub.name).prefixes", prefixes)
        return sub
    }

    /// `az network vnet subnet show|list`: the VNet is named by the subnet's ID.
    static func standaloneSubnet(_ c: Cursor, into b: inout ClusterBuilder) {
        guard let ref = AzureExportLoader.subnetRef(c), let vnet = ref.split(separator: "/").first.map(String.init), ref.contains("/") else {
            b.sink.error("expected id …/virtualNetworks/<vnet>/subnets/<name> to name the VNet", at: c)
            return
        }
        var s = subnet(c.object("VNet \(vnet)", path: ""), into: &b)
        s.source = c.location
        b.azureLinks.subnets.append(.init(vnet: vnet, subnet: s, at: c))
    }

    /// Merges singular and plural fields (`sourceAddressPrefix` + `sourceAddressPrefixes`);
    /// null, [] and missing read alike (azure-networking.md §1.8).
    private static func both(_ r: Cursor, _ single: String, _ plural: String, _ sink: DiagnosticSink) -> [Cursor] {
        var out: [Cursor] = []
        if let s = prop(r, single), s.scalar != "" { out.append(s) }
        out += listed(prop(r, plural), sink)
        return out
    }

    static func networkSecurityGroup(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        var nsg = NetworkSecurityGroup()
        nsg.name = c["name"]?.scalar ?? ""
        nsg.source = c.location
        nsg.flushConnection = prop(c, "flushConnection")?.bool(sink) ?? false
        // The association is printed on both sides (the NSG's `subnets`/`networkInterfaces` and the
        // subnet's or NIC's `networkSecurityGroup`); the NSG side completes an export lacking the other.
        for s in listed(prop(c, "subnets"), sink) {
            if let ref = AzureExportLoader.subnetRef(s) { b.azureLinks.nsgSubnets.append((nsg: nsg.name, subnet: ref)) }
        }
        for n in listed(prop(c, "networkInterfaces"), sink) {
            guard let id = n["id"]?.scalar else { continue }
            let nic = resourceName(fromID: id)
            let name = AzureExportLoader.vmssNodeName(fromID: id).map { "\($0)/\(nic)" } ?? nic
            b.azureLinks.nsgNICs.append((nsg: nsg.name, nic: name))
        }
        // defaultSecurityRules are skipped: the model adds the six default rules itself.
        for (i, r) in (listed(prop(c, "securityRules"), sink)).enumerated() {
            var rule = SecurityRule()
            rule.name = r["name"]?.scalar ?? ""
            rule.source = r.location
            b.mark("rules[\(i)].priority", prop(r, "priority"))
            // ARM requires priority, direction, access and protocol on every security rule (the CLI
            // always prints them); a rule without one is a bad export, not a silent default.
            if let p = prop(r, "priority") { rule.priority = p.int(sink) ?? 0 } else {
                sink.error("rule \(rule.name): expected priority (100–4096)", at: r)
                rule.priority = 100   // one error for the missing field, not a second for its value
            }
            if let v = prop(r, "direction") { rule.direction = v.enumValue(RuleDirection.self, sink) ?? .Inbound } else {
                sink.error("rule \(rule.name): expected direction (Inbound or Outbound)", at: r)
            }
            if let v = prop(r, "access") { rule.access = v.enumValue(RuleAccess.self, sink) ?? .Allow } else {
                sink.error("rule \(rule.name): expected access (Allow or Deny)", at: r)
            }
            if let p = prop(r, "protocol") { rule.proto = AzureValues.securityProtocol(p, sink) ?? .any } else {
                sink.error("rule \(rule.name): expected protocol (Tcp, Udp, Icmp, Esp, Ah or *)", at: r)
            }
            rule.sourceAddresses = both(r, "sourceAddressPrefix", "sourceAddressPrefixes", sink).compactMap { AzureValues.nsgAddress($0, sink) }
            rule.destinationAddresses = both(r, "destinationAddressPrefix", "destinationAddressPrefixes", sink).compactMap { AzureValues.nsgAddress($0, sink) }
            rule.sourceApplicationSecurityGroups = (listed(prop(r, "sourceApplicationSecurityGroups"), sink)).compactMap(AzureExportLoader.refName)
            rule.destinationApplicationSecurityGroups = (listed(prop(r, "destinationApplicationSecurityGroups"), sink)).compactMap(AzureExportLoader.refName)
            b.mark("rules[\(i)].sourceASGs", prop(r, "sourceApplicationSecurityGroups"))
            b.mark("rules[\(i)].destinationASGs", prop(r, "destinationApplicationSecurityGroups"))
            let sp = both(r, "sourcePortRange", "sourcePortRanges", sink).compactMap { $0.portRange(sink) }
            let dp = both(r, "destinationPortRange", "destinationPortRanges", sink).compactMap { $0.portRange(sink) }
            rule.sourcePorts = sp.isEmpty ? [.any] : sp
            rule.destinationPorts = dp.isEmpty ? [.any] : dp
            rule.description = prop(r, "description")?.scalar ?? ""
            AzureValues.defaultEmptySidesToAny(&rule)
            nsg.rules.append(rule)
        }
        b.cluster.networkSecurityGroups.append(nsg)
    }

    static func routeTable(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        var t = RouteTable()
        t.name = c["name"]?.scalar ?? ""
        t.source = c.location
        t.disableBgpRoutePropagation = prop(c, "disableBgpRoutePropagation")?.bool(sink) ?? false
        for r in listed(prop(c, "routes"), sink) {
            if let route = AzureValues.route(name: r["name"], prefix: prop(r, "addressPrefix"), hopType: prop(r, "nextHopType"),
                                             hopIP: prop(r, "nextHopIpAddress"), at: r, sink) {
                t.routes.append(route)
            }
        }
        b.cluster.routeTables.append(t)
    }

    static func networkInterface(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        var n = NetworkInterface()
        n.name = c["name"]?.scalar ?? ""
        n.source = c.location
        for cfg in listed(prop(c, "ipConfigurations"), sink) {
            if let ip = AzureExportLoader.privateIPAddress(cfg), let a = ip.ip(sink) { n.ipAddresses.append(a) }
            if n.subnet.isEmpty, let s = AzureExportLoader.subnetRef(prop(cfg, "subnet")) {
                n.subnet = s
                b.mark("subnet", prop(cfg, "subnet"))
            }
            for a in listed(prop(cfg, "applicationSecurityGroups"), sink) {
                if let name = AzureExportLoader.refName(a), !n.applicationSecurityGroups.contains(name) { n.applicationSecurityGroups.append(name) }
            }
        }
        n.networkSecurityGroup = AzureExportLoader.refName(prop(c, "networkSecurityGroup"))
        b.mark("nsg", prop(c, "networkSecurityGroup"))
        n.enableIPForwarding = prop(c, "enableIPForwarding")?.bool(sink) ?? false
        // VMSS NICs carry the instance in their ID or in virtualMachine.id; that names the node.
        let ids = [prop(c, "virtualMachine")?["id"]?.scalar, c["id"]?.scalar].compactMap { $0 }
        n.nodeName = ids.lazy.compactMap(AzureExportLoader.vmssNodeName(fromID:)).first ?? ""
        // Every instance of a scale set has a NIC of the same name; the instance tells them apart.
        if !n.nodeName.isEmpty { n.name = "\(n.nodeName)/\(n.name)" }
        b.cluster.networkInterfaces.append(n)
    }

    static func natGateway(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        var g = NATGateway()
        g.name = c["name"]?.scalar ?? ""
        g.source = c.location
        for ip in listed(prop(c, "publicIpAddresses"), sink) {
            if let n = AzureExportLoader.refName(ip) { b.azureLinks.natIPs.append(.init(gateway: g.name, publicIP: n, at: ip)) }
        }
        g.subnets = (listed(prop(c, "subnets"), sink)).compactMap { AzureExportLoader.subnetRef($0) }
        b.cluster.natGateways.append(g)
    }
}
