import ClusterModel
import NetworkAddress
import PacketWire

// Compiling a `Cluster` into the flat tables `carry` walks. Order matters: subnets and routes
// first (the VirtualNetwork tag depends on the subnet's UDR prefixes), then NICs/ASGs and the
// NSGs per subnet context, then the firewall, then the load balancer (its probe health is
// checked against the compiled NSGs).

extension AzureNetwork {
    /// Compiles once per load/reload. Rule names are interned into `names`.
    public static func compile(_ cluster: Cluster, names: inout RuleNames) -> AzureNetwork {
        var net = AzureNetwork()
        net.build(cluster, names: &names)
        net.names = names
        return net
    }

    /// "vnet/subnet", "subnet" or an ARM id `…/virtualNetworks/v/subnets/s`.
    static func subnetKey(_ ref: String) -> (vnet: String?, subnet: String) {
        let parts = ref.split(separator: "/").map(String.init)
        if let i = parts.firstIndex(where: { $0.lowercased() == "subnets" }), i + 1 < parts.count {
            let v = parts.firstIndex(where: { $0.lowercased() == "virtualnetworks" }).flatMap { $0 + 1 < parts.count ? parts[$0 + 1] : nil }
            return (v, parts[i + 1])
        }
        if parts.count == 2 { return (parts[0], parts[1]) }
        return (nil, parts.last ?? ref)
    }

    private mutating func build(_ cluster: Cluster, names: inout RuleNames) {
        let s = cluster.settings
        outboundType = s.outboundType
        overlayPods = s.networkPluginMode == .overlay && s.networkPlugin != .kubenet
        nodeNames = cluster.nodes.map(\.name)
        nodeIPs = cluster.nodes.map { n in n.internalIPs.first(where: \.isIPv4) ?? n.internalIPs.first ?? .zero4 }
        defaultDenyRule = names.intern("default-deny")
        pendingApplicationRule = names.intern("firewall:pending-application-rule")
        threatIntelRule = names.intern("ThreatIntel")
        apiServerRule = names.intern("apiserver:authorized-ip-ranges")
        noRouteRule = names.intern("route:no-route")
        noOutboundRule = names.intern("snat:no-outbound-ip")
        platformRules = ["platform:DNS", "platform:IMDS", "platform:WireServer"].map { names.intern($0) }
        unroutableRules = WellKnown.nonInternet.map { ($0, names.intern("route:\($0)->None")) }
        nonInternet = intervals.add(WellKnown.nonInternet.map { AddressInterval($0) })

        var serviceTags: [String: [IPPrefix]] = [:]
        for t in cluster.serviceTags { serviceTags[t.name.lowercased(), default: []] += t.prefixes }
        let tagIntervals = serviceTags.mapValues { $0.map { AddressInterval($0) } }

        // Subnets.
        var subnetVNet: [Int] = []
        var subnetModel: [Subnet] = []
        for (vi, v) in cluster.virtualNetworks.enumerated() {
            for sub in v.subnets {
                subnets.append(CompiledSubnet(name: "\(v.name)/\(sub.name)", prefixes: sub.prefixes, group: -1, routes: 0..<0, natIP: PublicAddresses(),
                                              privateEndpointNSG: ["enabled", "networksecuritygroupenabled"].contains(sub.privateEndpointNetworkPolicies.lowercased())))
                subnetVNet.append(vi)
                subnetModel.append(sub)
            }
        }
        func findSubnet(_ ref: String) -> Int32 {
            let k = AzureNetwork.subnetKey(ref)
            for (i, sub) in subnetModel.enumerated() where sub.name.lowercased() == k.subnet.lowercased() {
                if let v = k.vnet, cluster.virtualNetworks[subnetVNet[i]].name.lowercased() != v.lowercased() { continue }
                return Int32(i)
            }
            return -1
        }

        // Node NICs: by node name, else by address; subnet from the NIC, the node, or containment.
        var nodeNIC: [Int] = Array(repeating: -1, count: cluster.nodes.count)
        for (i, n) in cluster.nodes.enumerated() {
            nodeNIC[i] = cluster.networkInterfaces.firstIndex { !$0.nodeName.isEmpty && $0.nodeName == n.name }
                ?? cluster.networkInterfaces.firstIndex { nic in nic.ipAddresses.contains(nodeIPs[i]) } ?? -1
        }
        func nodeSubnet(_ i: Int) -> Int32 {
            if nodeNIC[i] >= 0 { let r = findSubnet(cluster.networkInterfaces[nodeNIC[i]].subnet); if r >= 0 { return r } }
            if !cluster.nodes[i].subnet.isEmpty { let r = findSubnet(cluster.nodes[i].subnet); if r >= 0 { return r } }
            return subnetIndex(containing: nodeIPs[i])
        }
        let nodeSubnets = cluster.nodes.indices.map(nodeSubnet)
        let nicSubnets = cluster.networkInterfaces.map { nic -> Int32 in
            let r = findSubnet(nic.subnet)
            return r >= 0 ? r : (nic.ipAddresses.first.map { subnetIndex(containing: $0) } ?? -1)
        }

        // Kubenet: AKS writes one route per node pod CIDR → node IP into the subnet's route table (§3.1).
        var kubenetRoutes: [Int32: [Route]] = [:]
        if s.networkPlugin == .kubenet {
            for (i, n) in cluster.nodes.enumerated() where nodeSubnets[i] >= 0 {
                for p in n.podCIDRs {
                    var r = Route()
                    r.name = "\(n.name)-podcidr"
                    r.addressPrefix = p
                    r.nextHopType = .VirtualAppliance
                    r.nextHopIP = nodeIPs[i]
                    for sub in Set(nodeSubnets) where sub >= 0 { kubenetRoutes[sub, default: []].append(r) }
                }
            }
        }
        var podCIDRs = s.podCIDRs
        for (i, n) in cluster.nodes.enumerated() {
            podCIDRs += n.podCIDRs
            if s.podsUseOverlayAddresses { for p in n.podCIDRs { podRanges.append((p, Int32(i))) } }
        }
        let tables = Dictionary(cluster.routeTables.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        var privateEndpoints: [IPAddress] = []
        if let pe = s.apiServer.privateIP { privateEndpoints.append(pe) }
        var userPrefixes: [[IPPrefix]] = []
        for i in subnets.indices {
            let table = subnetModel[i].routeTable.flatMap { tables[(AzureNetwork.subnetKey($0).subnet).lowercased()] }
            if subnetModel[i].routeTable != nil && table == nil {
                diagnostics.append(Diagnostic(.error, "route table '\(subnetModel[i].routeTable ?? "")' is not defined; only system routes apply",
                                              object: "Subnet \(subnets[i].name)", fieldPath: "routeTable", location: subnetModel[i].source))
            }
            let extra = kubenetRoutes[Int32(i)] ?? []
            let list = RouteCompiler.effectiveRoutes(vnet: cluster.virtualNetworks[subnetVNet[i]], table: table, extraUserRoutes: extra,
                                                     privateEndpoints: privateEndpoints, serviceTags: serviceTags, names: &names, diagnostics: &diagnostics)
            let start = routes.count
            routes.append(contentsOf: list)
            subnets[i].routes = start..<routes.count
            userPrefixes.append(list.filter(\.user).map(\.prefix))
            // NAT gateway: on the subnet, or a gateway listing the subnet.
            let gw = cluster.natGateways.first { g in
                (subnetModel[i].natGateway.map { AzureNetwork.subnetKey($0).subnet.lowercased() == g.name.lowercased() } ?? false)
                    || g.subnets.contains { findSubnet($0) == Int32(i) }
            }
            subnets[i].natIP = PublicAddresses(gw?.publicIPs ?? [])
        }

        // ASGs: member NIC addresses, plus pod IPs a node NIC carries as secondary IPs (flat CNI).
        var asg: [String: [AddressInterval]] = [:]
        for (ni, nic) in cluster.networkInterfaces.enumerated() {
            var ips = nic.ipAddresses
            if !s.podsUseOverlayAddresses, let node = nodeNIC.firstIndex(of: ni) {
                ips += cluster.pods.filter { $0.nodeName == cluster.nodes[node].name && !$0.hostNetwork }.flatMap(\.ips)
            }
            for g in nic.applicationSecurityGroups {
                let key = (g.split(separator: "/").last.map(String.init) ?? g).lowercased()
                asg[key, default: []] += ips.map { AddressInterval(host: $0) }
            }
        }

        // NSGs per (NSG, subnet) context.
        let nsgs = Dictionary(cluster.networkSecurityGroups.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        var memo: [String: Int32] = [:]
        func group(_ ref: String?, subnet: Int32, object: String) -> Int32 {
            guard let ref else { return -1 }
            let name = (ref.split(separator: "/").last.map(String.init) ?? ref).lowercased()
            guard let nsg = nsgs[name] else {
                diagnostics.append(Diagnostic(.error, "network security group '\(ref)' is not defined; no NSG applies there", object: object, fieldPath: "networkSecurityGroup"))
                return -1
            }
            let key = "\(name)#\(subnet)"
            if let g = memo[key] { return g }
            let ctx = tagContext(cluster, subnet: subnet, vnet: subnet >= 0 ? subnetVNet[Int(subnet)] : -1,
                                 userPrefixes: subnet >= 0 ? userPrefixes[Int(subnet)] : [], podCIDRs: podCIDRs,
                                 serviceTags: tagIntervals, asg: asg, nodeSubnets: Set(nodeSubnets))
            let compiled = SecurityRuleCompiler.compile(nsg, ctx, rules: &securityRules, pool: &intervals, ports: &ports, names: &names, diagnostics: &diagnostics)
            securityGroups.append(compiled)
            memo[key] = Int32(securityGroups.count - 1)
            return memo[key] ?? -1
        }
        for i in subnets.indices {
            // §1.2 rule 7: NSGs are not supported on AzureFirewallSubnet.
            if subnetModel[i].name == "AzureFirewallSubnet" {
                if subnetModel[i].networkSecurityGroup != nil {
                    diagnostics.append(Diagnostic(.warning, "NSGs are not supported on AzureFirewallSubnet; ignored", object: "Subnet \(subnets[i].name)", fieldPath: "networkSecurityGroup"))
                }
                continue
            }
            subnets[i].group = group(subnetModel[i].networkSecurityGroup, subnet: Int32(i), object: "Subnet \(subnets[i].name)")
        }

        // Hosts.
        var entries: [HostEntry] = []
        nicNames = cluster.networkInterfaces.map(\.name)
        nicIPForwarding = cluster.networkInterfaces.map(\.enableIPForwarding)
        let nicGroups = cluster.networkInterfaces.enumerated().map { i, nic in group(nic.networkSecurityGroup, subnet: nicSubnets[i], object: "NetworkInterface \(nic.name)") }
        indexSecurityGroups()
        for (i, _) in cluster.nodes.enumerated() {
            let g = nodeNIC[i] >= 0 ? nicGroups[nodeNIC[i]] : -1
            for ip in cluster.nodes[i].internalIPs {
                entries.append(HostEntry(ip: ip, kind: .node, index: Int32(i), subnet: nodeSubnets[i], nicGroup: g))
            }
        }
        nodePublicIPs = cluster.nodes.map { n in PublicAddresses(n.externalIPs.filter { a in !WellKnown.nonInternet.contains { $0.contains(a) } }) }
        for (i, pub) in nodePublicIPs.enumerated() {
            for ip in [pub.v4, pub.v6].compactMap({ $0 }) { entries.append(HostEntry(ip: ip, kind: .nodePublic, index: Int32(i), subnet: -1, nicGroup: -1)) }
        }
        let nodeIndex = Dictionary(cluster.nodes.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        for p in cluster.pods where !p.hostNetwork {
            guard let n = nodeIndex[p.nodeName] else { continue }
            let g = nodeNIC[n] >= 0 ? nicGroups[nodeNIC[n]] : -1
            for ip in p.ips where podOwner(ip) < 0 {
                // Azure CNI Pod Subnet: a pod address from a dedicated pod subnet is filtered and
                // routed by that subnet's NSG and route table ("separate VNet policies for pods",
                // concepts-network-azure-cni-pod-subnet); node-subnet pods share the node's.
                let own = subnetIndex(containing: ip)
                entries.append(HostEntry(ip: ip, kind: .pod, index: Int32(n), subnet: own >= 0 ? own : nodeSubnets[n], nicGroup: g))
            }
        }
        for (i, nic) in cluster.networkInterfaces.enumerated() where !nodeNIC.contains(i) {
            for ip in nic.ipAddresses { entries.append(HostEntry(ip: ip, kind: .nic, index: Int32(i), subnet: nicSubnets[i], nicGroup: nicGroups[i])) }
        }
        // Private endpoint (private cluster) or the VNet-integrated ILB IP (§3.5): reachable from the VNet.
        if let pe = s.apiServer.privateIP {
            entries.append(HostEntry(ip: pe, kind: .apiPrivate, index: 0, subnet: subnetIndex(containing: pe), nicGroup: -1))
        }
        apiPrivateCluster = s.apiServer.privateCluster
        if !s.apiServer.privateCluster, let pub = s.apiServer.publicIP {
            entries.append(HostEntry(ip: pub, kind: .apiPublic, index: 0, subnet: -1, nicGroup: -1))
        }
        setHosts(entries)

        // Firewall.
        var fqdnTags: [String: [String]] = ["azurekubernetesservice": AKSRequiredEgress.fqdnTag(location: s.location)]
        for t in cluster.fqdnTags { fqdnTags[t.name.lowercased()] = t.fqdns }
        let input = FirewallCompileInput(serviceTags: serviceTags,
                                         ipGroups: Dictionary(cluster.ipGroups.map { ($0.name.lowercased(), $0.addresses) }, uniquingKeysWith: { a, _ in a }),
                                         fqdnTags: fqdnTags)
        compileFirewalls(cluster, input: input, names: &names)
        indexFirewalls()
        for (i, fw) in firewalls.enumerated() {
            entries.append(HostEntry(ip: fw.privateIP, kind: .firewallPrivate, index: Int32(i), subnet: fw.subnet, nicGroup: -1))
            if let p = fw.publicIP { entries.append(HostEntry(ip: p, kind: .firewallPublic, index: Int32(i), subnet: -1, nicGroup: -1)) }
        }
        for r in cluster.dnsRecords { for a in r.addresses { learnDNS(name: r.fqdn, address: a) } }
        threatFeedIPs = intervals.add(cluster.threatIntel.addresses.map { AddressInterval($0) })
        let tstart = patterns.count
        for f in cluster.threatIntel.fqdns { if let p = FQDNPattern(f) { patterns.append(p) } }
        threatFeedPatterns = tstart..<patterns.count
        setHosts(entries)

        // Load balancer (needs node hosts and NSGs for probe health).
        compileLoadBalancers(cluster, names: &names)
        for (i, fe) in frontends.enumerated() where !entries.contains(where: { $0.ip == fe.ip }) {
            entries.append(HostEntry(ip: fe.ip, kind: .lbFrontend, index: Int32(i), subnet: subnetIndex(containing: fe.ip), nicGroup: -1))
        }
        setHosts(entries)

        // Outbound.
        var lbOutbound = s.loadBalancerOutboundIPs
        if lbOutbound.isEmpty {
            // outbound-rules.md: an outbound rule also says "which protocols to provide outbound
            // translation for" (Tcp, Udp or All).
            var tcp = false, udp = false
            for lb in cluster.loadBalancers {
                for o in lb.outboundRules {
                    for n in o.frontends {
                        let name = n.split(separator: "/").last.map(String.init) ?? n
                        if let fe = lb.frontends.first(where: { $0.name == name }), !lbOutbound.contains(fe.address) { lbOutbound.append(fe.address) }
                    }
                    let p = o.proto.lowercased()
                    tcp = tcp || p != "udp"
                    udp = udp || p != "tcp"
                }
            }
            loadBalancerOutboundProtocols = (tcp, udp)
        }
        loadBalancerOutboundIP = PublicAddresses(lbOutbound)
        if lbOutbound.isEmpty {
            // Without any outbound rule, a public load-balancing rule that leaves outbound SNAT on
            // (`disableOutboundSnat` false, the ARM default) gives its backends default SNAT through
            // the rule's frontend, for the rule's transport protocol only (load-balancer outbound
            // connections: "Outbound SNAT programming depends on the transport protocol of the
            // inbound load-balancing rule"; AKS turns it off and writes outbound rules instead).
            var implicit: [IPAddress] = []
            var tcp = false, udp = false
            for lb in cluster.loadBalancers {
                for r in lb.rules where !r.disableOutboundSnat {
                    let name = r.frontend.split(separator: "/").last.map(String.init) ?? r.frontend
                    guard let fe = lb.frontends.first(where: { $0.name == name }), fe.subnet == nil,
                          !WellKnown.nonInternet.contains(where: { $0.contains(fe.address) }) else { continue }
                    if !implicit.contains(fe.address) { implicit.append(fe.address) }
                    let p = r.proto.lowercased()
                    tcp = tcp || p != "udp"
                    udp = udp || p != "tcp"
                }
            }
            loadBalancerOutboundIP = PublicAddresses(implicit)
            loadBalancerOutboundProtocols = (tcp, udp)
        }
        clusterNATIP = PublicAddresses(cluster.natGateways.first?.publicIPs ?? [])
        // §3.5 (api-server-authorized-ip-ranges.md, "Allow only the outbound public IP of the Standard
        // SKU load balancer"): with authorized ranges on, the cluster's Standard LB outbound public IPs
        // are allowed in addition to the listed ranges, and `0.0.0.0/32` alone means "only those".
        if !s.apiServer.authorizedIPRanges.isEmpty {
            var list: [AddressInterval] = []
            for p in s.apiServer.authorizedIPRanges where p != IPPrefix("0.0.0.0/32")! { list.append(AddressInterval(p)) }
            if s.outboundType == .loadBalancer || s.apiServer.authorizedIPRanges.contains(IPPrefix("0.0.0.0/32")!) {
                list += lbOutbound.map { AddressInterval(host: $0) }
            }
            apiAuthorized = intervals.add(list)
        }
    }

    /// Sorted, first entry per address wins (nodes before pods before NICs before firewalls before frontends).
    private mutating func setHosts(_ entries: [HostEntry]) {
        var seen = Set<IPAddress>()
        hosts = entries.filter { seen.insert($0.ip).inserted }.sorted { $0.ip < $1.ip }
        hostIndex = LookupTable(capacity: hosts.count)
        for (i, h) in hosts.enumerated() { hostIndex.insert(h.ip, Int32(i)) }
    }

    /// §1.4 VirtualNetwork: VNet address spaces, peered spaces, gateway prefixes, 168.63.129.16 and
    /// the UDR prefixes of this subnet's route table (issues #22178, #124192 — a 0.0.0.0/0 UDR makes
    /// the tag everything). §7.4 choice: on subnets hosting nodes, the cluster's pod CIDRs are in the
    /// tag too, so the default rules do not block pod↔pod traffic (AKS docs imply they don't).
    ///
    /// Internet (§7.5) is public address space outside the virtual networks themselves (VNet,
    /// peerings, pod CIDRs, 168.63.129.16) — not the complement of the effective VirtualNetwork tag:
    /// UDR and gateway prefixes that enter VirtualNetwork stay in Internet too. Service tags
    /// overview: Internet is "the IP address space that's outside the virtual network and
    /// reachable by the public internet"; MicrosoftDocs/azure-docs#81801: public on-premises
    /// prefixes "would be regarded as two different service tag: VirtualNetwork and Internet at
    /// the same time". So on a subnet with a 0.0.0.0/0 UDR a user rule naming Internet still
    /// matches public destinations (only its priority against VirtualNetwork rules decides).
    private func tagContext(_ cluster: Cluster, subnet: Int32, vnet: Int, userPrefixes: [IPPrefix], podCIDRs: [IPPrefix],
                            serviceTags: [String: [AddressInterval]], asg: [String: [AddressInterval]], nodeSubnets: Set<Int32>) -> SecurityTagContext {
        var own: [AddressInterval] = [AddressInterval(host: WellKnown.azureHostIP)]
        var vn: [AddressInterval] = []
        if vnet >= 0 {
            let v = cluster.virtualNetworks[vnet]
            own += (v.addressSpaces + v.peerings.flatMap(\.remoteAddressSpaces)).map { AddressInterval($0) }
            vn += v.gatewayPrefixes.map { AddressInterval($0) }
        } else {
            for v in cluster.virtualNetworks { own += v.addressSpaces.map { AddressInterval($0) } }
        }
        vn += userPrefixes.map { AddressInterval($0) }
        if nodeSubnets.contains(subnet) { own += podCIDRs.map { AddressInterval($0) } }
        let vnet = IntervalAlgebra.normalize(own + vn)
        let internet = IntervalAlgebra.subtract([AddressSpace.ipv4, AddressSpace.ipv6Global],
                                                WellKnown.nonInternet.map { AddressInterval($0) } + own)
        return SecurityTagContext(virtualNetwork: vnet, internet: internet, serviceTags: serviceTags, applicationSecurityGroups: asg)
    }
}
