import NetworkAddress

/// Azure network resources in the native format: VNets, NICs, NSGs, ASGs, route tables,
/// load balancers, public IPs and NAT gateways.
enum NativeAzure {
    static func vnet(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard let name = NativeLoader.name(c, kind: "VNet", keys: ["name", "addressSpaces", "subnets", "peerings", "gatewayPrefixes"], sink) else { return }
        let o = c.object("VNet \(name)")
        var v = VirtualNetwork()
        v.name = name
        v.source = o.location
        v.addressSpaces = o["addressSpaces"]?.prefixes(sink) ?? []
        if o["addressSpaces"] == nil { sink.error("expected addressSpaces (a list of CIDRs)", at: o) }
        v.gatewayPrefixes = o["gatewayPrefixes"]?.prefixes(sink) ?? []
        for s in o["subnets"]?.list(sink) ?? [] {
            guard s.expectMapping(["name", "prefix", "prefixes", "nsg", "routeTable", "natGateway", "privateEndpointNetworkPolicies"], sink) else { continue }
            var sub = Subnet()
            guard let n = s["name"]?.text(sink) else { sink.error("expected name", at: s); continue }
            sub.name = n
            sub.source = s.location
            sub.prefixes = (s["prefixes"] ?? s["prefix"])?.prefixes(sink) ?? []
            if s["prefixes"] == nil && s["prefix"] == nil { sink.error("expected prefix (a CIDR)", at: s) }
            sub.networkSecurityGroup = s["nsg"]?.text(sink)
            b.mark("subnets.\(n).nsg", s["nsg"])
            b.mark("subnets.\(n).routeTable", s["routeTable"])
            b.mark("subnets.\(n).prefixes", s["prefixes"] ?? s["prefix"])
            sub.routeTable = s["routeTable"]?.text(sink)
            sub.natGateway = s["natGateway"]?.text(sink)
            if let p = s["privateEndpointNetworkPolicies"]?.text(sink) { sub.privateEndpointNetworkPolicies = p }
            v.subnets.append(sub)
        }
        for p in o["peerings"]?.list(sink) ?? [] {
            guard p.expectMapping(["name", "remoteAddressSpaces"], sink) else { continue }
            var peer = VirtualNetworkPeering()
            peer.name = p["name"]?.text(sink) ?? ""
            peer.remoteAddressSpaces = p["remoteAddressSpaces"]?.prefixes(sink) ?? []
            v.peerings.append(peer)
        }
        b.cluster.virtualNetworks.append(v)
    }

    static func nic(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard let name = NativeLoader.name(c, kind: "NIC", keys: ["name", "ip", "ips", "subnet", "nsg", "asgs", "node", "ipForwarding"], sink) else { return }
        let o = c.object("NIC \(name)")
        var n = NetworkInterface()
        n.name = name
        n.source = o.location
        n.ipAddresses = (o["ips"] ?? o["ip"])?.ips(sink) ?? []
        n.subnet = o["subnet"]?.text(sink) ?? ""
        if n.subnet.isEmpty { sink.error("expected subnet (vnet/subnet or subnet)", at: o) }
        n.networkSecurityGroup = o["nsg"]?.text(sink)
        n.applicationSecurityGroups = o["asgs"]?.strings(sink) ?? []
        for f in ["subnet", "nsg", "asgs"] { b.mark(f, o[f]) }
        b.mark("ips", o["ips"] ?? o["ip"])
        n.nodeName = o["node"]?.text(sink) ?? ""
        n.enableIPForwarding = o["ipForwarding"]?.bool(sink) ?? false
        b.cluster.networkInterfaces.append(n)
    }

    static let ruleKeys = [
        "name", "priority", "direction", "access", "protocol", "source", "sourceASGs", "sourcePorts",
        "destination", "destinationASGs", "destinationPorts", "description",
    ]

    static func nsg(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard let name = NativeLoader.name(c, kind: "NSG", keys: ["name", "rules", "flushConnection"], sink) else { return }
        let o = c.object("NSG \(name)")
        var nsg = NetworkSecurityGroup()
        nsg.name = name
        nsg.source = o.location
        nsg.flushConnection = o["flushConnection"]?.bool(sink) ?? false
        for (i, r) in (o["rules"]?.list(sink) ?? []).enumerated() {
            guard r.expectMapping(ruleKeys, sink) else { continue }
            b.mark("rules[\(i)].priority", r["priority"])
            b.mark("rules[\(i)].sourceASGs", r["sourceASGs"])
            b.mark("rules[\(i)].destinationASGs", r["destinationASGs"])
            var rule = SecurityRule()
            rule.source = r.location
            rule.name = r["name"]?.text(sink) ?? ""
            if rule.name.isEmpty { sink.error("expected name", at: r) }
            if let p = r["priority"] { rule.priority = p.int(sink) ?? 0 } else { sink.error("expected priority (100–4096)", at: r) }
            if let v = r["direction"]?.enumValue(RuleDirection.self, sink) { rule.direction = v }
            if let v = r["access"]?.enumValue(RuleAccess.self, sink) { rule.access = v }
            if let p = r["protocol"] { rule.proto = AzureValues.securityProtocol(p, sink) ?? .any }
            rule.sourceAddresses = r["source"].map { AzureValues.nsgAddresses($0, sink) } ?? []
            rule.destinationAddresses = r["destination"].map { AzureValues.nsgAddresses($0, sink) } ?? []
            rule.sourceApplicationSecurityGroups = r["sourceASGs"]?.strings(sink) ?? []
            rule.destinationApplicationSecurityGroups = r["destinationASGs"]?.strings(sink) ?? []
            rule.sourcePorts = r["sourcePorts"]?.portRanges(sink) ?? [.any]
            rule.destinationPorts = r["destinationPorts"]?.portRanges(sink) ?? [.any]
            rule.description = r["description"]?.text(sink) ?? ""
            AzureValues.defaultEmptySidesToAny(&rule)
            nsg.rules.append(rule)
        }
        b.cluster.networkSecurityGroups.append(nsg)
    }

    static func asg(_ c: Cursor, into b: inout ClusterBuilder) {
        if let s = c.scalar, !c.isNull {
            b.cluster.applicationSecurityGroups.append(ApplicationSecurityGroup(name: s, source: c.location))
            return
        }
        guard let name = NativeLoader.name(c, kind: "ASG", keys: ["name"], b.sink) else { return }
        b.cluster.applicationSecurityGroups.append(ApplicationSecurityGroup(name: name, source: c.location))
    }

    static func routeTable(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard let name = NativeLoader.name(c, kind: "RouteTable", keys: ["name", "routes", "disableBgpRoutePropagation"], sink) else { return }
        let o = c.object("RouteTable \(name)")
        var t = RouteTable()
        t.name = name
        t.source = o.location
        t.disableBgpRoutePropagation = o["disableBgpRoutePropagation"]?.bool(sink) ?? false
        for r in o["routes"]?.list(sink) ?? [] {
            guard r.expectMapping(["name", "prefix", "nextHopType", "nextHopIP"], sink) else { continue }
            if let route = AzureValues.route(name: r["name"], prefix: r["prefix"], hopType: r["nextHopType"], hopIP: r["nextHopIP"], at: r, sink) {
                t.routes.append(route)
            }
        }
        b.cluster.routeTables.append(t)
    }

    static func publicIP(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard let name = NativeLoader.name(c, kind: "PublicIP", keys: ["name", "ip"], sink) else { return }
        let o = c.object("PublicIP \(name)")
        guard let ipC = o["ip"], let ip = ipC.ip(sink) else {
            if o["ip"] == nil { sink.error("expected ip", at: o) }
            return
        }
        b.cluster.publicIPs.append(PublicIP(name: name, address: ip, source: o.location))
    }

    static func natGateway(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard let name = NativeLoader.name(c, kind: "NATGateway", keys: ["name", "publicIPs", "subnets"], sink) else { return }
        var g = NATGateway()
        g.name = name
        g.publicIPs = c["publicIPs"]?.ips(sink) ?? []
        g.subnets = c["subnets"]?.strings(sink) ?? []
        g.source = c.location
        b.cluster.natGateways.append(g)
    }

    static func loadBalancer(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard let name = NativeLoader.name(c, kind: "LoadBalancer", keys: ["name", "sku", "frontends", "backendPools", "probes", "rules", "outboundRules"], sink) else { return }
        let o = c.object("LoadBalancer \(name)")
        var lb = LoadBalancer()
        lb.name = name
        lb.source = o.location
        if let s = o["sku"]?.text(sink) { lb.sku = s }
        for f in o["frontends"]?.list(sink) ?? [] {
            guard f.expectMapping(["name", "ip", "publicIP", "subnet"], sink) else { continue }
            var fe = FrontendIPConfiguration()
            fe.name = f["name"]?.text(sink) ?? ""
            if let ip = f["ip"]?.ip(sink) { fe.address = ip } else if f["ip"] == nil { sink.error("expected ip", at: f) }
            fe.publicIPName = f["publicIP"]?.text(sink)
            fe.subnet = f["subnet"]?.text(sink)
            lb.frontends.append(fe)
        }
        for p in o["backendPools"]?.list(sink) ?? [] {
            guard p.expectMapping(["name", "nodes", "addresses"], sink) else { continue }
            var pool = BackendPool()
            pool.name = p["name"]?.text(sink) ?? ""
            pool.nodeNames = p["nodes"]?.strings(sink) ?? []
            pool.addresses = p["addresses"]?.ips(sink) ?? []
            lb.backendPools.append(pool)
        }
        for p in o["probes"]?.list(sink) ?? [] {
            guard p.expectMapping(["name", "protocol", "port", "path", "intervalSeconds", "numberOfProbes"], sink) else { continue }
            var probe = HealthProbe()
            probe.name = p["name"]?.text(sink) ?? ""
            if let v = p["protocol"]?.enumValue(ProbeProtocol.self, sink) { probe.proto = v }
            probe.port = p["port"]?.int(sink, range: 1...65535) ?? 0
            probe.requestPath = p["path"]?.text(sink)
            if let v = p["intervalSeconds"]?.int(sink, range: 5...2147483646) { probe.intervalSeconds = v }
            if let v = p["numberOfProbes"]?.int(sink, range: 1...100) { probe.numberOfProbes = v }
            lb.probes.append(probe)
        }
        for r in o["rules"]?.list(sink) ?? [] {
            let keys = ["name", "frontend", "backendPool", "probe", "protocol", "frontendPort", "backendPort", "floatingIP",
                        "idleTimeoutMinutes", "disableOutboundSnat", "loadDistribution"]
            guard r.expectMapping(keys, sink) else { continue }
            var rule = LoadBalancingRule()
            rule.name = r["name"]?.text(sink) ?? ""
            rule.frontend = r["frontend"]?.text(sink) ?? ""
            rule.backendPool = r["backendPool"]?.text(sink) ?? ""
            rule.probe = r["probe"]?.text(sink)
            if let p = r["protocol"] { rule.proto = AzureValues.lbProtocol(p, sink) ?? "Tcp" }
            rule.frontendPort = r["frontendPort"]?.int(sink, range: 0...65535) ?? 0
            rule.backendPort = r["backendPort"]?.int(sink, range: 0...65535) ?? rule.frontendPort
            rule.enableFloatingIP = r["floatingIP"]?.bool(sink) ?? true
            if let v = r["idleTimeoutMinutes"]?.int(sink, range: 4...100) { rule.idleTimeoutMinutes = v }
            rule.disableOutboundSnat = r["disableOutboundSnat"]?.bool(sink) ?? true
            if let v = r["loadDistribution"]?.text(sink) { rule.loadDistribution = v }
            lb.rules.append(rule)
        }
        for r in o["outboundRules"]?.list(sink) ?? [] {
            guard r.expectMapping(["name", "frontends", "backendPool", "protocol", "allocatedOutboundPorts", "idleTimeoutMinutes"], sink) else { continue }
            var rule = OutboundRule()
            rule.name = r["name"]?.text(sink) ?? ""
            rule.frontends = r["frontends"]?.strings(sink) ?? []
            rule.backendPool = r["backendPool"]?.text(sink) ?? ""
            if let p = r["protocol"] { rule.proto = AzureValues.lbProtocol(p, sink) ?? "All" }
            rule.allocatedOutboundPorts = r["allocatedOutboundPorts"]?.int(sink, range: 0...64000) ?? 0
            if let v = r["idleTimeoutMinutes"]?.int(sink, range: 4...120) { rule.idleTimeoutMinutes = v }
            lb.outboundRules.append(rule)
        }
        b.cluster.loadBalancers.append(lb)
    }
}
