import ClusterModel
import NetworkAddress
import PacketWire

// The far half of the walk: the firewall, the Internet side (API server, LB frontends, firewall
// DNAT), and the destination host's NSGs plus the return-path check.

extension AzureNetwork {
    // MARK: firewall

    /// A packet routed to the firewall's private IP (UDR VirtualAppliance, §3.2).
    func throughFirewall(_ k: Int, _ leg: inout Leg, _ sni: UnsafeRawBufferPointer, _ httpHost: UnsafeRawBufferPointer,
                         _ recorder: inout HopRecorder) -> AzureLegResult {
        let fw = firewalls[k]
        // Azure Firewall is IPv4-only (firewall known issues: no IPv6 support): an IPv6 packet a
        // route hands to it is not filtered and forwarded, let alone translated to its IPv4 address.
        guard leg.flow.dst.isIPv4 == fw.privateIP.isIPv4 else {
            recorder.add(Hop(stage: .firewall, result: .drop, rule: self.names.name(defaultDenyRule),
                             detail: "\(fw.name): Azure Firewall does not carry IPv6 traffic (\(leg.flow.dst))"))
            return drop(leg, .firewall, defaultDenyRule)
        }
        let d = evaluateFirewall(k, leg.flow, sni: sni, httpHost: httpHost, inboundDNATOnly: false, request: leg.request)
        if d.threatAlert {
            recorder.add(Hop(stage: .firewall, result: .pass, rule: self.names.name(threatIntelRule), detail: "threat intelligence alert (mode Alert): logged, not blocked"))
        }
        guard d.allow else {
            if recorder.enabled {
                var why = d.reason == .none ? "\(fw.name): deny rule collection" : "\(fw.name): \(d.reason.text)"
                if leg.request == .unknown && (d.reason == .sniMissing || d.reason == .hostMissing) {
                    why = "\(fw.name): \(leg.flow.proto) port \(leg.flow.dstPort) is an application-rule port: the firewall completes the TCP handshake and the decision waits for the client's first request (\(d.reason == .sniMissing ? "TLS SNI; trace with --sni NAME" : "HTTP Host; trace with --http-host NAME")); if none comes: \(d.reason.text)"
                }
                recorder.add(Hop(stage: .firewall, result: .drop, rule: self.names.name(d.rule), detail: why))
            }
            return drop(leg, .firewall, d.rule)
        }
        leg.viaFirewall = Int32(k)
        leg.allowed(d.rule)
        leg.lastStage = .firewall
        if d.pass == .dnat { return applyDNAT(k, d, &leg, sni, httpHost, &recorder) }
        if d.pass == .pendingApplication {
            leg.pending = true
            recorder.add(Hop(stage: .firewall, result: .allow, rule: self.names.name(d.rule),
                             detail: "\(fw.name): no DNAT or network rule matched and \(leg.flow.proto) port \(leg.flow.dstPort) is an application-rule port: the firewall proxies the connection, completes the handshake and decides on the client's first request (TLS SNI / HTTP Host); decision pending"))
        } else {
            recorder.add(Hop(stage: .firewall, result: .allow, rule: self.names.name(d.rule),
                             detail: "\(fw.name): \(d.pass == .application ? "application" : "network") rule"))
        }
        let before = leg.flow
        // §2.4 (snat-private-range.md): the translated source is a public IP only for traffic the
        // firewall sends straight to the Internet; toward the VNet, peerings, on-premises or a
        // forced-tunnelling default route it is one of the firewall's private IPs.
        let toInternet = fw.subnet < 0 || (route(subnet: fw.subnet, leg.flow.dst).map { $0.nextHop == .internet } ?? true)
        let snatSource = toInternet && !intervals.contains(nonInternet, leg.flow.dst) ? (fw.publicIP ?? fw.privateIP) : fw.privateIP
        if d.pass == .application || d.pass == .pendingApplication {
            // §2.4: application rules always SNAT (transparent proxy), whatever the destination.
            leg.flow.src = snatSource
        } else if !intervals.contains(fw.snatPrivate, leg.flow.dst) {
            // §2.4: network rules SNAT unless the destination is in snat.privateRanges
            // (`255.255.255.255/32` = always; `0.0.0.0/0` = never).
            leg.flow.src = snatSource
            // Azure Firewall known issues: "Network filtering rules for non-TCP/UDP protocols (for
            // example ICMP) don't work for Internet bound traffic … don't work with SNAT to your
            // public IP address" (the firewall's Standard Load Balancer has no SNAT for other IP
            // protocols). Allowed by the rule, such a packet never leaves: no outbound IP carries
            // it. Toward private IPs (no SNAT, or SNAT to a private IP) they work.
            if leg.flow.proto != .tcp && leg.flow.proto != .udp, let pub = fw.publicIP, leg.flow.src == pub {
                recorder.add(Hop(stage: .snat, result: .drop, rule: self.names.name(noOutboundRule),
                                 detail: "\(fw.name): network rule allowed \(leg.flow.proto) to \(leg.flow.dst), but Azure Firewall cannot SNAT non-TCP/UDP protocols to its public IP \(pub) (known issue: such network rules don't work for Internet-bound traffic)"))
                leg.flow.src = before.src
                return drop(leg, .snat, noOutboundRule)
            }
        }
        if leg.flow.src != before.src {
            recorder.add(Hop(stage: .snat, result: .nat, detail: "\(before.src):\(before.srcPort) -> \(leg.flow.src):\(before.srcPort) (firewall \(fw.name))"))
        } else {
            recorder.add(Hop(stage: .snat, result: .pass, detail: "no SNAT: \(before.dst) is in the firewall's private ranges"))
        }
        return routeFrom(fw.subnet, &leg, sni, httpHost, &recorder)
    }

    /// DNAT (§2.3): destination translated; toward a private target the source becomes the
    /// firewall's private IP (client port kept) so replies come back through the firewall.
    func applyDNAT(_ k: Int, _ d: FirewallDecision, _ leg: inout Leg, _ sni: UnsafeRawBufferPointer, _ httpHost: UnsafeRawBufferPointer,
                   _ recorder: inout HopRecorder) -> AzureLegResult {
        let fw = firewalls[k]
        let before = leg.flow
        leg.flow.dst = d.translatedAddress
        leg.flow.dstPort = d.translatedPort
        leg.viaFirewall = Int32(k)
        recorder.add(Hop(stage: .firewall, result: .nat, rule: self.names.name(d.rule),
                         detail: "\(fw.name) DNAT \(before.dst):\(before.dstPort) -> \(leg.flow.dst):\(leg.flow.dstPort)"))
        if intervals.contains(nonInternet, leg.flow.dst) {
            leg.flow.src = fw.privateIP
            recorder.add(Hop(stage: .snat, result: .nat, detail: "\(before.src):\(before.srcPort) -> \(fw.privateIP):\(before.srcPort) (firewall DNAT to a private address)"))
        }
        return routeFrom(fw.subnet, &leg, sni, httpHost, &recorder)
    }

    // MARK: Internet side

    /// The packet is on the Internet with a public source.
    func onInternet(_ leg: inout Leg, _ sni: UnsafeRawBufferPointer, _ httpHost: UnsafeRawBufferPointer,
                    _ recorder: inout HopRecorder) -> AzureLegResult {
        let dst = leg.flow.dst
        if let h = host(dst) {
            switch h.kind {
            case .apiPublic:
                return apiServer(&leg, &recorder)
            case .nodePublic:
                // §1.1: Azure translates an instance-level public IP to the private IP before the
                // inbound NSG rules see the packet.
                let before = leg.flow
                leg.flow.dst = nodeIPs[Int(h.index)]
                recorder.add(Hop(stage: .route, result: .nat, detail: "\(before.dst) is \(nodeNames[Int(h.index)])'s public IP: destination becomes \(leg.flow.dst)"))
                return deliverToNode(Int(h.index), &leg, &recorder)
            case .lbFrontend where !intervals.contains(nonInternet, dst):
                return inboundLB(Int(h.index), &leg, &recorder)
            case .firewallPublic:
                let k = Int(h.index)
                let d = evaluateFirewall(k, leg.flow, sni: sni, httpHost: httpHost, inboundDNATOnly: true)
                if d.threatAlert {
                    recorder.add(Hop(stage: .firewall, result: .pass, rule: self.names.name(threatIntelRule), detail: "threat intelligence alert (mode Alert): logged, not blocked"))
                }
                guard d.allow else {
                    recorder.add(Hop(stage: .firewall, result: .drop, rule: self.names.name(d.rule),
                                     detail: "\(firewalls[k].name): \(d.reason == .threatIntel ? d.reason.text : "no rule matched (no DNAT rule for this address/port)")"))
                    return drop(leg, .firewall, d.rule)
                }
                leg.allowed(d.rule)
                leg.lastStage = .firewall
                return applyDNAT(k, d, &leg, sni, httpHost, &recorder)
            default: break
            }
        }
        if intervals.contains(nonInternet, dst) {
            var rule = noRouteRule
            for u in unroutableRules where u.prefix.contains(dst) { rule = u.rule; break }
            recorder.add(Hop(stage: .route, result: .drop, rule: self.names.name(rule),
                             detail: h(dst) == .apiPrivate ? "the private cluster's API server \(dst) has no route from the Internet" : "no Internet route to private address \(dst)"))
            return drop(leg, .route, rule)
        }
        recorder.add(Hop(stage: .route, result: .forward, detail: "\(dst) is on the Internet"))
        return allow(leg, landed: -1)
    }

    private func h(_ ip: IPAddress) -> HostKind? { host(ip)?.kind }

    /// §3.5: public endpoint with authorized IP ranges, enforced by the API server front end.
    func apiServer(_ leg: inout Leg, _ recorder: inout HopRecorder) -> AzureLegResult {
        if apiAuthorized.any {
            recorder.add(Hop(stage: .apiServer, result: .pass, detail: "public API server, no authorized IP ranges"))
            return allow(leg, landed: -1)
        }
        guard intervals.contains(apiAuthorized, leg.flow.src) else {
            recorder.add(Hop(stage: .apiServer, result: .drop, rule: self.names.name(apiServerRule),
                             detail: "\(leg.flow.src) is outside the authorized IP ranges"))
            return drop(leg, .apiServer, apiServerRule)
        }
        recorder.add(Hop(stage: .apiServer, result: .allow, rule: self.names.name(apiServerRule), detail: "\(leg.flow.src) is inside the authorized IP ranges"))
        leg.allowed(apiServerRule)
        leg.lastStage = .apiServer
        return allow(leg, landed: -1)
    }

    // MARK: load balancer

    /// §3.4: LB rule by frontend/protocol/port, backend chosen by a hash over the nodes passing
    /// the probe — of the 5-tuple, or of 2/3 fields with `loadDistribution` SourceIP /
    /// SourceIPProtocol (`LBDistribution`); floating IP keeps dst = frontend IP.
    func inboundLB(_ fe: Int, _ leg: inout Leg, _ recorder: inout HopRecorder) -> AzureLegResult {
        guard let ri = lbRule(fe, leg.flow) else {
            recorder.add(Hop(stage: .loadBalancer, result: .drop, rule: self.names.name(frontends[fe].noRuleName),
                             detail: "no load-balancing rule for \(leg.flow.proto)/\(leg.flow.dstPort) on frontend \(leg.flow.dst)"))
            return drop(leg, .loadBalancer, frontends[fe].noRuleName)
        }
        let r = lbRules[ri]
        let count = r.backends.count
        guard count > 0 else {
            recorder.add(Hop(stage: .loadBalancer, result: .drop, rule: self.names.name(r.name),
                             detail: "no healthy backend: \(r.healthNote.isEmpty ? "empty backend pool" : r.healthNote)"))
            return drop(leg, .loadBalancer, r.name)
        }
        let backend = Int(lbBackends[r.backends.lowerBound + Int(r.distribution.hash(leg.flow) % UInt64(count))])
        if backend < 0 { return toVMBackend(lbBackendIPs[-1 - backend], r, count, &leg, &recorder) }
        let node = backend
        recorder.add(Hop(stage: .loadBalancer, result: .forward, rule: self.names.name(r.name),
                         detail: "backend \(nodeNames[node]) (\(count) healthy\(r.floatingIP ? ", floating IP: destination stays \(leg.flow.dst)" : ""))\(r.healthNote.isEmpty ? "" : "; \(r.healthNote)")"))
        leg.allowed(r.name)
        leg.lastStage = .loadBalancer
        if !r.floatingIP {
            let before = leg.flow
            leg.flow.dst = nodeIPs[node]
            // HA ports (frontend and backend port 0) keep the packet's own destination port
            // (load-balancer-ha-ports-overview: all ports are load-balanced, not rewritten).
            if r.frontendPort != 0 { leg.flow.dstPort = r.backendPort }
            recorder.add(Hop(stage: .loadBalancer, result: .nat, detail: "\(before.dst):\(before.dstPort) -> \(leg.flow.dst):\(leg.flow.dstPort)"))
        }
        return deliverToNode(node, &leg, &recorder)
    }

    /// A VM (non-node) backend: the same rule semantics, then the VM NIC's inbound NSGs.
    private func toVMBackend(_ vm: IPAddress, _ r: CompiledLBRule, _ count: Int, _ leg: inout Leg, _ recorder: inout HopRecorder) -> AzureLegResult {
        recorder.add(Hop(stage: .loadBalancer, result: .forward, rule: self.names.name(r.name),
                         detail: "backend VM \(vm) (\(count) healthy\(r.floatingIP ? ", floating IP: destination stays \(leg.flow.dst)" : ""))"))
        leg.allowed(r.name)
        leg.lastStage = .loadBalancer
        if !r.floatingIP {
            let before = leg.flow
            leg.flow.dst = vm
            if r.frontendPort != 0 { leg.flow.dstPort = r.backendPort }
            recorder.add(Hop(stage: .loadBalancer, result: .nat, detail: "\(before.dst):\(before.dstPort) -> \(leg.flow.dst):\(leg.flow.dstPort)"))
        }
        guard let h = host(vm) else { return allow(leg, landed: -1) }
        return deliverToNIC(h, &leg, &recorder)
    }

    // MARK: destination side

    func deliverInVNet(_ leg: inout Leg, _ sni: UnsafeRawBufferPointer, _ httpHost: UnsafeRawBufferPointer,
                       _ recorder: inout HopRecorder) -> AzureLegResult {
        let dst = leg.flow.dst
        guard let h = host(dst) else {
            let owner = podOwner(dst)
            if owner >= 0 { return deliverToNode(Int(owner), &leg, &recorder) }
            recorder.add(Hop(stage: .route, result: .pass, detail: "no modelled NIC holds \(dst); delivered without destination NSGs"))
            return allow(leg, landed: -1)
        }
        switch h.kind {
        case .node, .pod:
            return deliverToHost(h, &leg, &recorder)
        case .nic:
            return deliverToNIC(h, &leg, &recorder)
        case .lbFrontend:
            return inboundLB(Int(h.index), &leg, &recorder)
        case .firewallPrivate:
            recorder.add(Hop(stage: .firewall, result: .pass, detail: "addressed to firewall \(firewalls[Int(h.index)].name) itself"))
            return allow(leg, landed: -1)
        case .apiPrivate:
            // §1.2 rule 8: NSGs apply on the private-endpoint side only when the subnet enables them.
            if h.subnet >= 0 && subnets[Int(h.subnet)].privateEndpointNSG {
                if let denied = applyGroup(subnets[Int(h.subnet)].group, inbound: true, level: "subnet", &leg, &recorder) { return denied }
            }
            recorder.add(Hop(stage: .apiServer, result: .pass, detail: "API server private endpoint \(dst)"))
            return allow(leg, landed: -1)
        case .apiPublic, .firewallPublic, .nodePublic:
            return onInternet(&leg, sni, httpHost, &recorder)
        }
    }

    /// A VM NIC: subnet NSG inbound, then NIC NSG inbound (§1.2 rule 3), then the return path.
    func deliverToNIC(_ h: HostEntry, _ leg: inout Leg, _ recorder: inout HopRecorder) -> AzureLegResult {
        let sg = h.subnet >= 0 ? subnets[Int(h.subnet)].group : -1
        if let denied = applyGroup(sg, inbound: true, level: "subnet", &leg, &recorder) { return denied }
        if let denied = applyGroup(h.nicGroup, inbound: true, level: "NIC", &leg, &recorder) { return denied }
        if let denied = returnPath(h.subnet, &leg, &recorder) { return denied }
        return allow(leg, landed: -1)
    }

    /// Subnet NSG inbound, then NIC NSG inbound (§1.2 rule 3), then the return-path check.
    func deliverToNode(_ node: Int, _ leg: inout Leg, _ recorder: inout HopRecorder) -> AzureLegResult {
        guard let h = host(nodeIPs[node]) else { return allow(leg, landed: Int32(node)) }
        return deliverToHost(h, &leg, &recorder)
    }

    /// The same for a node address or a VNet pod address (its own subnet: node subnet, or the
    /// dedicated pod subnet); lands on the node that hosts it.
    func deliverToHost(_ h: HostEntry, _ leg: inout Leg, _ recorder: inout HopRecorder) -> AzureLegResult {
        let node = Int(h.index)
        let sg = h.subnet >= 0 ? subnets[Int(h.subnet)].group : -1
        if let denied = applyGroup(sg, inbound: true, level: "subnet", &leg, &recorder) { return denied }
        if let denied = applyGroup(h.nicGroup, inbound: true, level: "NIC", &leg, &recorder) { return denied }
        if let denied = returnPath(h.subnet, &leg, &recorder) { return denied }
        return allow(leg, landed: Int32(node))
    }

    /// §2.5 / §3.2: a reply must take the same firewall as the request. A request that bypassed
    /// the firewall whose reply is routed into it (public LB + 0.0.0.0/0 UDR), or the reverse,
    /// breaks: the firewall has no session and drops the reply. Decided here, on the request,
    /// because `carry` only sees a flow's first packet.
    func returnPath(_ subnet: Int32, _ leg: inout Leg, _ recorder: inout HopRecorder) -> AzureLegResult? {
        let replyTo = leg.flow.src
        if replyTo == WellKnown.azureHostIP || replyTo == WellKnown.imdsIP { return nil }
        guard subnet >= 0, let r = route(subnet: subnet, replyTo) else { return nil }
        var replyFirewall: Int32 = -1
        if let h = host(replyTo), h.kind == .firewallPrivate || h.kind == .firewallPublic {
            replyFirewall = h.index
        } else if r.nextHop == .virtualAppliance, let h = host(r.nextHopIP), h.kind == .firewallPrivate {
            replyFirewall = h.index
        }
        if replyFirewall == leg.viaFirewall { return nil }
        if leg.viaFirewall < 0 {
            recorder.add(Hop(stage: .firewall, result: .drop, rule: self.names.name(r.name),
                             detail: "asymmetric routing: the reply to \(replyTo) follows \(self.names.name(r.name)) into firewall \(firewalls[Int(replyFirewall)].name), which never saw the request and drops it"))
        } else {
            recorder.add(Hop(stage: .firewall, result: .drop, rule: self.names.name(r.name),
                             detail: "asymmetric routing: the reply to \(replyTo) follows \(self.names.name(r.name)) and bypasses firewall \(firewalls[Int(leg.viaFirewall)].name), which then has no return traffic for its session"))
        }
        return drop(leg, .firewall, r.name)
    }
}
