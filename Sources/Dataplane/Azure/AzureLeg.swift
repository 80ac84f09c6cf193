import ClusterModel
import NetworkAddress
import PacketWire

// The walk across the Azure network (azure-networking.md §4): source NSGs, route lookup,
// firewall, egress SNAT, LB, API server, destination NSGs, and the return-path check.
// Plain value state, no allocation unless the recorder is enabled.

/// Mutable state of one walk.
struct Leg {
    var flow: FlowKey
    var lastAllow: RuleID = .none
    /// Every rule that explicitly allowed or translated the packet so far (NSG allows on each
    /// side, firewall DNAT/network/application rule, LB rule, API server range), `lastAllow` last.
    var trail = RuleTrail()
    var lastStage: Stage = .route
    /// Index of the firewall the request traversed, or -1.
    var viaFirewall: Int32 = -1
    /// Guards against routing loops (a UDR pointing back at the appliance that sent it).
    var hops: Int = 0
    /// What the firewall may know of the first request (see `ApplicationRequest`).
    var request: ApplicationRequest = .seen
    /// A firewall allowed the handshake pending its application rules.
    var pending = false

    /// Records an explicit allow: it becomes the leg's reported rule and joins its trail.
    @inline(__always)
    mutating func allowed(_ r: RuleID) {
        lastAllow = r
        trail.append(r)
    }
}

extension AzureNetwork {
    /// Carries a packet that leaves a host (a node — for pods, after node-level masquerade —,
    /// a VNet host, or the Internet) across the Azure network to the host owning `flow.dst`.
    /// `flow.src` is the source as the NIC sends it. `sni`/`httpHost` are the sniffed names
    /// (empty buffers when none). Called only for the first packet of a flow; conntrack lets
    /// replies and later packets through. `request` says whether the flow's first request (the
    /// payload the SNI/Host come from) is known yet; with `.handshake` a firewall whose
    /// application rules cover the port allows the leg pending (`pendingApplication`).
    public func carry(_ flow: FlowKey, sni: UnsafeRawBufferPointer, httpHost: UnsafeRawBufferPointer,
                      request: ApplicationRequest = .seen, recorder: inout HopRecorder) -> AzureLegResult {
        var leg = Leg(flow: flow)
        leg.request = request
        if let h = host(flow.src) {
            switch h.kind {
            case .node, .pod, .nic, .firewallPrivate:
                return fromVNet(h, &leg, sni, httpHost, &recorder)
            default: break
            }
        }
        let owner = podOwner(flow.src)
        if owner >= 0, let nodeHost = host(nodeIPs[Int(owner)]) {
            // Overlay/kubenet pod source that kept its pod IP (pod↔pod): the node's NIC sends it.
            return fromVNet(nodeHost, &leg, sni, httpHost, &recorder)
        }
        if flow.src == WellKnown.azureHostIP || flow.src == WellKnown.imdsIP {
            // Health probes and platform traffic originate on the host, inside the VNet: no route,
            // but the destination NSGs filter probes (§1.4, §7.6).
            recorder.add(Hop(stage: .route, result: .pass, detail: "\(flow.src) is Azure's host virtual IP; delivered inside the VNet"))
            return deliverInVNet(&leg, sni, httpHost, &recorder)
        }
        let sub = subnetIndex(containing: flow.src)
        if sub >= 0 {
            // A VNet address no modelled NIC holds: subnet NSG and routes still apply.
            return fromVNet(HostEntry(ip: flow.src, kind: .nic, index: -1, subnet: sub, nicGroup: -1), &leg, sni, httpHost, &recorder)
        }
        if intervals.contains(nonInternet, flow.src) {
            // From a peered VNet or on-premises (through the gateway): arrives on the VNet side.
            for s in subnets.indices {
                if let r = route(subnet: Int32(s), flow.src), r.nextHop == .peering || r.nextHop == .gateway {
                    recorder.add(Hop(stage: .route, result: .forward, rule: self.names.name(r.name), detail: "\(flow.src) arrives from the \(r.nextHop.label) side"))
                    if podOwner(flow.dst) >= 0 { return unreachablePod(&leg, from: r.nextHop.label, &recorder) }
                    return deliverInVNet(&leg, sni, httpHost, &recorder)
                }
            }
        }
        return onInternet(&leg, sni, httpHost, &recorder)
    }

    /// §3.1: overlay and kubenet pod addresses live outside the VNet address space; the cluster's
    /// VNet does not advertise them to peerings or the gateway (kubenet's per-node routes sit in the
    /// route table of the cluster subnet only), so a peered VNet or on-premises host has no route to
    /// them — azure-cni-overlay: "Endpoints outside the cluster can't connect to a pod directly";
    /// kubenet: only the nodes receive a routable address. Named after the never-Internet system
    /// route covering the pod address, as from the Internet.
    func unreachablePod(_ leg: inout Leg, from side: String, _ recorder: inout HopRecorder) -> AzureLegResult {
        let dst = leg.flow.dst
        var rule = noRouteRule
        for u in unroutableRules where u.prefix.contains(dst) { rule = u.rule; break }
        recorder.add(Hop(stage: .route, result: .drop, rule: self.names.name(rule),
                         detail: "\(dst) is a pod address of the cluster's \(overlayPods ? "overlay" : "kubenet") pod network: not routable from the \(side) side (only the cluster's nodes reach it)"))
        return drop(leg, .route, rule)
    }

    /// The decision of the NSG on a subnet (by "vnet/subnet" or "subnet") for a flow; nil when the
    /// subnet has no NSG. For inspection and tests; the walk uses the compiled indices.
    public func subnetSecurityDecision(_ subnet: String, inbound: Bool, _ f: FlowKey) -> (allow: Bool, rule: String)? {
        let k = AzureNetwork.subnetKey(subnet)
        guard let i = subnets.firstIndex(where: { s in
            let parts = s.name.split(separator: "/")
            return parts.last.map(String.init) == k.subnet && (k.vnet == nil || parts.first.map(String.init) == k.vnet)
        }), subnets[i].group >= 0 else { return nil }
        let d = evaluate(group: subnets[i].group, inbound: inbound, f)
        return (d.allow, names.name(d.rule))
    }

    // MARK: results

    @inline(__always)
    func drop(_ leg: Leg, _ stage: Stage, _ rule: RuleID) -> AzureLegResult {
        AzureLegResult(verdict: .drop, stage: stage, rule: rule, flow: leg.flow, landedNode: -1, rules: leg.trail)
    }

    @inline(__always)
    func allow(_ leg: Leg, landed: Int32) -> AzureLegResult {
        AzureLegResult(verdict: .allow, stage: leg.lastStage, rule: leg.lastAllow, flow: leg.flow, landedNode: landed,
                       pendingApplication: leg.pending, rules: leg.trail)
    }

    func text(_ f: FlowKey) -> String { "\(f.proto) \(f.src):\(f.srcPort) -> \(f.dst):\(f.dstPort)" }

    /// One NSG in one direction; returns the drop result on deny.
    @inline(__always)
    func applyGroup(_ g: Int32, inbound: Bool, level: StaticString, _ leg: inout Leg, _ recorder: inout HopRecorder) -> AzureLegResult? {
        guard g >= 0 else { return nil }
        let d = evaluate(group: g, inbound: inbound, leg.flow)
        recorder.add(Hop(stage: .nsg, result: d.allow ? .allow : .drop, rule: self.names.name(d.rule),
                         detail: "\(level) NSG \(securityGroups[Int(g)].name) \(inbound ? "inbound" : "outbound")"))
        if !d.allow { return drop(leg, .nsg, d.rule) }
        leg.allowed(d.rule)
        leg.lastStage = .nsg
        return nil
    }

    // MARK: source side

    /// NIC NSG outbound, then subnet NSG outbound (§1.2 rule 3); then the route lookup.
    func fromVNet(_ src: HostEntry, _ leg: inout Leg, _ sni: UnsafeRawBufferPointer, _ httpHost: UnsafeRawBufferPointer,
                  _ recorder: inout HopRecorder) -> AzureLegResult {
        let dst = leg.flow.dst
        let subnetGroup = src.subnet >= 0 ? subnets[Int(src.subnet)].group : -1
        // §1.2 rule 6: DHCP/DNS/IMDS to the host virtual IPs skip user NSG rules unless a rule
        // names the service's AzurePlatform* tag (network-security-groups-overview, Azure platform
        // considerations: the tags are how that one service's traffic is brought under the rules;
        // a rule naming AzurePlatformIMDS does not subject DNS to a deny-all). Other host-IP
        // traffic is filtered once any platform tag is named.
        if dst == WellKnown.azureHostIP || dst == WellKnown.imdsIP {
            let need: UInt8 = dst == WellKnown.imdsIP ? PlatformTag.imds : (leg.flow.dstPort == 53 ? PlatformTag.dns : 0xff)
            let named = (src.nicGroup >= 0 ? securityGroups[Int(src.nicGroup)].filtersPlatform : 0)
                | (subnetGroup >= 0 ? securityGroups[Int(subnetGroup)].filtersPlatform : 0)
            let filtered = named & need != 0
            if !filtered {
                let rule = dst == WellKnown.imdsIP ? platformRules[1] : (leg.flow.dstPort == 53 ? platformRules[0] : platformRules[2])
                recorder.add(Hop(stage: .nsg, result: .allow, rule: self.names.name(rule), detail: "platform traffic to \(dst) is exempt from NSG rules"))
                leg.allowed(rule)
                leg.lastStage = .nsg
                return allow(leg, landed: -1)
            }
        }
        if src.kind == .firewallPrivate {
            // The firewall's own output (a DNAT-ed flow seen between the firewall and its target,
            // e.g. on the receiving node): its replies return to the firewall that holds the
            // session, so the return path is symmetric — not the asymmetric-routing drop.
            leg.viaFirewall = src.index
        } else {
            if let denied = applyGroup(src.nicGroup, inbound: false, level: "NIC", &leg, &recorder) { return denied }
            if let denied = applyGroup(subnetGroup, inbound: false, level: "subnet", &leg, &recorder) { return denied }
        }
        // Overlay pod CIDRs are their own routing domain (§3.1): pod↔pod goes node to node, no UDR.
        // Only the cluster's nodes are in it: any other VNet host (a VM, the firewall) routes the
        // pod address like any other and finds no way to it (concepts-network-azure-cni-overlay:
        // "Endpoints outside the cluster can't connect to a pod directly").
        if overlayPods, src.kind == .node || src.kind == .pod {
            let owner = podOwner(dst)
            if owner >= 0 {
                recorder.add(Hop(stage: .route, result: .forward, detail: "overlay: \(dst) is a pod on \(nodeNames[Int(owner)])"))
                return deliverToNode(Int(owner), &leg, &recorder)
            }
        }
        return routeFrom(src.subnet, &leg, sni, httpHost, &recorder)
    }

    /// Route lookup on the sending subnet (§1.7) and what the next hop does with the packet.
    func routeFrom(_ subnet: Int32, _ leg: inout Leg, _ sni: UnsafeRawBufferPointer, _ httpHost: UnsafeRawBufferPointer,
                   _ recorder: inout HopRecorder) -> AzureLegResult {
        leg.hops += 1
        guard leg.hops < 6 else {
            recorder.add(Hop(stage: .route, result: .drop, rule: self.names.name(noRouteRule), detail: "routing loop"))
            return drop(leg, .route, noRouteRule)
        }
        guard let r = route(subnet: subnet, leg.flow.dst) else {
            if subnet < 0 { return onInternet(&leg, sni, httpHost, &recorder) }
            recorder.add(Hop(stage: .route, result: .drop, rule: self.names.name(noRouteRule), detail: "no route covers \(leg.flow.dst)"))
            return drop(leg, .route, noRouteRule)
        }
        switch r.nextHop {
        case .none:
            recorder.add(Hop(stage: .route, result: .drop, rule: self.names.name(r.name), detail: "next hop None drops \(leg.flow.dst)"))
            return drop(leg, .route, r.name)
        case .vnetLocal, .peering, .endpoint:
            recorder.add(Hop(stage: .route, result: .forward, rule: self.names.name(r.name), detail: "\(leg.flow.dst) via \(r.nextHop.label)"))
            return deliverInVNet(&leg, sni, httpHost, &recorder)
        case .gateway:
            recorder.add(Hop(stage: .route, result: .forward, rule: self.names.name(r.name), detail: "\(leg.flow.dst) leaves through the virtual network gateway"))
            return allow(leg, landed: -1)
        case .internet:
            recorder.add(Hop(stage: .route, result: .forward, rule: self.names.name(r.name), detail: "\(leg.flow.dst) via Internet"))
            if leg.viaFirewall < 0 {
                let src = host(leg.flow.src)
                let isNode = src?.kind == .node || src?.kind == .pod
                let result = egressSNAT(subnet, isNode: isNode, node: isNode ? Int(src?.index ?? -1) : -1, &leg, &recorder)
                if let result { return result }
            } else if leg.flow.src == firewalls[Int(leg.viaFirewall)].privateIP,
                      let pub = firewalls[Int(leg.viaFirewall)].publicIP, pub.isIPv4 == leg.flow.src.isIPv4 {
                // The firewall's own traffic (captured on its private side) leaves through its public IP (§2.4).
                let before = leg.flow.src
                leg.flow.src = pub
                recorder.add(Hop(stage: .snat, result: .nat, detail: "\(before):\(leg.flow.srcPort) -> \(pub):\(leg.flow.srcPort) (firewall \(firewalls[Int(leg.viaFirewall)].name))"))
            }
            return onInternet(&leg, sni, httpHost, &recorder)
        case .virtualAppliance:
            if let h = host(r.nextHopIP) {
                if h.kind == .firewallPrivate {
                    if Int32(h.index) == leg.viaFirewall {
                        recorder.add(Hop(stage: .route, result: .drop, rule: self.names.name(r.name), detail: "routing loop back into the firewall"))
                        return drop(leg, .route, r.name)
                    }
                    recorder.add(Hop(stage: .route, result: .forward, rule: self.names.name(r.name), detail: "\(leg.flow.dst) via firewall \(firewalls[Int(h.index)].name) \(r.nextHopIP)"))
                    return throughFirewall(Int(h.index), &leg, sni, httpHost, &recorder)
                }
                if h.kind == .node {
                    // Kubenet: pod CIDR → node IP (§3.1); the node forwards to its pod.
                    recorder.add(Hop(stage: .route, result: .forward, rule: self.names.name(r.name), detail: "\(leg.flow.dst) via node \(nodeNames[Int(h.index)])"))
                    return deliverToNode(Int(h.index), &leg, &recorder)
                }
                if h.kind == .nic, h.index >= 0, !nicIPForwarding[Int(h.index)] {
                    // virtual-networks-udr-overview (Virtual appliance): "Any network interface attached
                    // to a virtual machine that forwards network traffic to an address other than its
                    // own must have the Azure Enable IP forwarding option enabled for it" — without it
                    // Azure's source/destination check drops the packet at the appliance's NIC.
                    recorder.add(Hop(stage: .route, result: .drop, rule: self.names.name(r.name),
                                     detail: "next hop \(r.nextHopIP) is NIC \(nicNames[Int(h.index)]) without IP forwarding: Azure drops traffic for \(leg.flow.dst) there"))
                    return drop(leg, .route, r.name)
                }
            }
            recorder.add(Hop(stage: .route, result: .forward, rule: self.names.name(r.name), detail: "handed to virtual appliance \(r.nextHopIP) (not modelled further)"))
            return allow(leg, landed: -1)
        }
    }

    /// Egress to the Internet by outbound type (§3.2): NAT gateway on the subnet wins, then the
    /// LB outbound rule (nodes only). Returns a drop result when nothing gives a public source.
    func egressSNAT(_ subnet: Int32, isNode: Bool, node: Int, _ leg: inout Leg, _ recorder: inout HopRecorder) -> AzureLegResult? {
        if !intervals.contains(nonInternet, leg.flow.src) { return nil }
        let before = leg.flow
        // NAT gateway and LB outbound rules translate TCP and UDP only (NAT gateway limitations:
        // "NAT gateway doesn't support ICMP"; outbound-rules.md limitations: "Load balancer doesn't
        // support ICMP for outbound NAT, the only supported protocols are TCP and UDP"): other
        // protocols get no public source there. An instance-level public IP is 1:1 and carries them.
        let portMapped = before.proto == .tcp || before.proto == .udp
        if subnet >= 0, let nat = subnets[Int(subnet)].natIP.matching(before.src) {
            guard portMapped else { return unsupportedSNAT(&leg, "NAT gateway", &recorder) }
            leg.flow.src = nat
            recorder.add(Hop(stage: .snat, result: .nat, detail: "\(before.src):\(before.srcPort) -> \(nat):\(before.srcPort) (NAT gateway)"))
            return nil
        }
        // An instance-level public IP comes next (NAT gateway > instance public IP > LB outbound rule).
        if node >= 0, let pub = nodePublicIPs[node].matching(before.src) {
            leg.flow.src = pub
            recorder.add(Hop(stage: .snat, result: .nat, detail: "\(before.src):\(before.srcPort) -> \(pub):\(before.srcPort) (node instance-level public IP)"))
            return nil
        }
        if isNode, outboundType == .managedNATGateway || outboundType == .userAssignedNATGateway, let ip = clusterNATIP.matching(before.src) {
            guard portMapped else { return unsupportedSNAT(&leg, "NAT gateway", &recorder) }
            leg.flow.src = ip
            recorder.add(Hop(stage: .snat, result: .nat, detail: "\(before.src):\(before.srcPort) -> \(ip):\(before.srcPort) (cluster NAT gateway, outboundType \(outboundType.rawValue))"))
            return nil
        }
        if isNode, outboundType == .loadBalancer, let ip = loadBalancerOutboundIP.matching(before.src) {
            guard portMapped else { return unsupportedSNAT(&leg, "load balancer outbound rule", &recorder) }
            guard before.proto == .tcp ? loadBalancerOutboundProtocols.tcp : loadBalancerOutboundProtocols.udp else {
                recorder.add(Hop(stage: .snat, result: .drop, rule: self.names.name(noOutboundRule),
                                 detail: "the load balancer's outbound SNAT (outbound rules, or a load-balancing rule's) covers \(loadBalancerOutboundProtocols.tcp ? "TCP" : "UDP") only: \(before.proto) from \(before.src) gets no public source"))
                return drop(leg, .snat, noOutboundRule)
            }
            leg.flow.src = ip
            recorder.add(Hop(stage: .snat, result: .nat, detail: "\(before.src):\(before.srcPort) -> \(ip):\(before.srcPort) (load balancer outbound rule)"))
            return nil
        }
        recorder.add(Hop(stage: .snat, result: .drop, rule: self.names.name(noOutboundRule),
                         detail: "no NAT gateway, LB outbound rule or firewall gives \(before.src) a public source (outboundType \(outboundType.rawValue))"))
        return drop(leg, .snat, noOutboundRule)
    }

    /// A NAT gateway or LB outbound rule cannot translate a protocol without ports.
    private func unsupportedSNAT(_ leg: inout Leg, _ what: String, _ recorder: inout HopRecorder) -> AzureLegResult {
        recorder.add(Hop(stage: .snat, result: .drop, rule: self.names.name(noOutboundRule),
                         detail: "\(what) translates TCP and UDP only: \(leg.flow.proto) from \(leg.flow.src) gets no public source"))
        return drop(leg, .snat, noOutboundRule)
    }
}
