import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import Testing

// Packets fed through `Pipeline.process` as a replay would, asserting verdicts and exact counters.

@Suite struct ReplayTests {
    let client = "10.224.0.20", vip = "10.0.120.10"

    @Test func connectionThroughAClusterIPAndItsReplies() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let chosen = p.t(client, vip, 80, sport: 41000).delivered!
        let ep = "\(chosen.ip)"
        let outcomes = [
            p.feed(Packet.tcp(client, 41000, vip, 80, .syn), at: 1),
            p.feed(Packet.tcp(ep, 8080, client, 41000, [.syn, .ack]), at: 1.001),     // reply as sent by the endpoint
            p.feed(Packet.tcp(client, 41000, vip, 80, .ack), at: 1.002),
            p.feed(Packet.tcp(vip, 80, client, 41000, [.psh, .ack]), at: 1.003),      // reply after reverse NAT (pod veth)
            p.feed(Packet.tcp(client, 41000, ep, 8080, [.psh, .ack]), at: 1.004),      // original after DNAT (far side)
            p.feed(Packet.tcp(client, 41000, vip, 80, [.fin, .ack]), at: 2),
        ]
        #expect(outcomes[0].newFlow && outcomes[0].verdict == .allow)
        #expect(p.name(outcomes[0]) == "netpol:shop/backend-allow-frontend")
        // Every rule the first packet used, the deciding one last: Service port, its endpoint,
        // the policy rule and its policy (counters per policy rule and per Service endpoint).
        #expect(outcomes[0].rules.all.map { p.ruleNames.name($0) } == [
            "svc:shop/backend:80@\(ep):8080", "svc:shop/backend:80",
            "netpol:shop/backend-allow-frontend@ingress[0]", "netpol:shop/backend-allow-frontend",
        ])
        for o in outcomes.dropFirst() {
            #expect(o.verdict == .allow && o.stage == .conntrack && p.name(o) == "established" && !o.newFlow)
        }
        #expect(outcomes[1].reply && outcomes[3].reply && !outcomes[2].reply && !outcomes[4].reply)

        let c = p.counters
        #expect(c.packets == 6 && c.bytes == 360)
        #expect(c.verdict(.allow) == 6 && c.verdict(.drop) == 0)
        #expect(c.stage(.networkPolicy, .allow) == 1 && c.stage(.conntrack, .allow) == 5)
        #expect(c.rule(id(p, "svc:shop/backend:80")) == 1)
        #expect(c.rule(id(p, "netpol:shop/backend-allow-frontend")) == 1)
        #expect(c.rule(id(p, "established")) == 5)
        #expect(c.rule(id(p, "svc:shop/backend:80@\(ep):8080")) == 1)
        #expect(c.rule(id(p, "netpol:shop/backend-allow-frontend@ingress[0]")) == 1)
        #expect(c.newFlows == 1 && c.conntrackEntries == 1)
        // Attribution: node of the client (node 0), namespace of the destination pod (shop).
        #expect(c.nodes[0 * 3 + 0] == 6)
        let shop = p.namespaceNames.firstIndex(of: "shop")!
        #expect(c.namespaces[shop * 3 + 0] == 6)
    }

    /// A capture on the node's NIC sees the Internet reply addressed to the node (after Azure
    /// undid its own SNAT, before the node undoes its masquerade): still the same connection.
    @Test func internetReplyOnTheNodeNICIsEstablished() {
        // Egress through the AKS load balancer's outbound SNAT (no firewall in this fixture).
        let p = Pipeline(cluster: Variation.with { c in
            c.settings.outboundType = .loadBalancer
            c.settings.loadBalancerOutboundIPs = [addr("20.62.40.1")]
        })
        let out = p.feed(Packet.tcp("10.224.0.21", 45000, "140.82.112.6", 443, .syn), at: 1)
        let nic = p.feed(Packet.tcp("140.82.112.6", 443, "10.224.0.5", 45000, [.syn, .ack]), at: 1.05)
        let veth = p.feed(Packet.tcp("140.82.112.6", 443, "10.224.0.21", 45000, [.ack]), at: 1.06)
        #expect(out.newFlow)
        #expect(!nic.newFlow && nic.reply && p.name(nic) == "established")
        #expect(!veth.newFlow && veth.reply && p.name(veth) == "established")
    }

    @Test func refusedFlowsRepeatTheirVerdictWithoutReclassifying() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let a = p.feed(Packet.tcp("10.224.0.40", 5000, "10.224.0.30", 9090, .syn), at: 1)
        let b = p.feed(Packet.tcp("10.224.0.40", 5000, "10.224.0.30", 9090, .syn), at: 2)
        let reply = p.feed(Packet.tcp("10.224.0.30", 9090, "10.224.0.40", 5000, [.syn, .ack]), at: 2.5)
        #expect(a.verdict == .drop && a.newFlow && a.stage == .networkPolicy && p.name(a) == "netpol:default-deny")
        #expect(b.verdict == .drop && !b.newFlow && p.name(b) == "netpol:default-deny")
        // Per-flow accounting: a refused flow is tracked in the reply direction too, so the
        // "reply" is the same refused flow (one answer per flow), not a connection of its own.
        #expect(!reply.newFlow && reply.reply && reply.verdict == .drop && p.name(reply) == "netpol:default-deny")
        #expect(a.firstRefusal && !b.firstRefusal && !reply.firstRefusal)
        let c = p.counters
        #expect(c.verdict(.drop) == 3 && c.verdict(.allow) == 0)
        #expect(c.rule(id(p, "netpol:default-deny")) == 3)
        #expect(c.stage(.networkPolicy, .drop) == 3)
    }

    /// A reply seen before its SYN (capture started mid-handshake, reordered timestamps) is INVALID
    /// to nf_conntrack and creates no entry: the client's SYN is then judged as the NEW connection
    /// it is. Before: the SYN-ACK's own verdict (allowed in the reverse direction) was cached and
    /// let the refused SYN pass as "established".
    @Test func replyBeforeItsSYNLeavesNoConnection() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        // 10.224.0.30 → 10.224.0.40 is allowed as a connection of its own; .40 → .30:9090 is not.
        let early = p.feed(Packet.tcp("10.224.0.30", 9090, "10.224.0.40", 5000, [.syn, .ack]), at: 1)
        let syn = p.feed(Packet.tcp("10.224.0.40", 5000, "10.224.0.30", 9090, .syn), at: 1.001)
        #expect(early.verdict == .allow && !early.newFlow)
        #expect(syn.verdict == .drop && syn.newFlow && p.name(syn) == "netpol:default-deny")
        // And the other way: a stray RST from the server does not refuse the client's allowed SYN.
        let q = Pipeline(cluster: Fixture.defaultCluster())
        let rst = q.feed(Packet.tcp("10.224.0.31", 8080, "10.224.0.20", 41000, [.rst, .ack]), at: 1)
        let ok = q.feed(Packet.tcp("10.224.0.20", 41000, "10.224.0.31", 8080, .syn), at: 1.001)
        #expect(!rst.newFlow && q.counters.newFlows == 1)
        #expect(ok.verdict == .allow && ok.newFlow && q.name(ok) == "netpol:shop/backend-allow-frontend")
    }

    /// An echo reply without its request creates no connection (icmp_new valid_new[]): the echo
    /// request that follows from the other side is judged as new. Before: the reply's entry made
    /// the refused request "established".
    @Test func echoReplyWithoutRequestLeavesNoConnection() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let orphan = p.feed(Packet.echo("10.224.0.30", "10.224.0.40", id: 7, reply: true), at: 1)
        let request = p.feed(Packet.echo("10.224.0.40", "10.224.0.30", id: 7), at: 1.1)
        #expect(orphan.verdict == .allow && !orphan.newFlow)
        #expect(request.verdict == .drop && request.newFlow && p.name(request) == "netpol:default-deny")
    }

    /// After an orderly close (TIME_WAIT), a SYN from the former server is a NEW connection in its
    /// own direction (nf_conntrack kills the old entry), not a reply of the closed one.
    @Test func synInTimeWaitStartsANewConnection() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let c = "10.224.0.30", s = "10.224.0.40"   // c → s allowed; s → c:9090 refused
        let steps: [(String, UInt16, String, UInt16, TCPFlags)] = [
            (c, 9090, s, 5000, .syn), (s, 5000, c, 9090, [.syn, .ack]), (c, 9090, s, 5000, .ack),
            (c, 9090, s, 5000, [.fin, .ack]), (s, 5000, c, 9090, [.fin, .ack]), (c, 9090, s, 5000, .ack),
        ]
        for (i, st) in steps.enumerated() {
            #expect(p.feed(Packet.tcp(st.0, st.1, st.2, st.3, st.4), at: 1 + Double(i) / 1000).verdict == .allow)
        }
        let reverse = p.feed(Packet.tcp(s, 5000, c, 9090, .syn), at: 2)
        #expect(reverse.verdict == .drop && reverse.newFlow && p.name(reverse) == "netpol:default-deny")
        // The same client reopening the tuple is judged again (a new flow, its rules counted again).
        let q = Pipeline(cluster: Fixture.defaultCluster())
        for (i, st) in steps.enumerated() { _ = q.feed(Packet.tcp(st.0, st.1, st.2, st.3, st.4), at: 1 + Double(i) / 1000) }
        let again = q.feed(Packet.tcp(c, 9090, s, 5000, .syn), at: 2)
        #expect(again.verdict == .allow && again.newFlow && q.counters.newFlows == 2)
    }

    @Test func rejectNoEndpointsDecodeAndNonIP() {
        let p = Pipeline(cluster: Variation.with { Variation.webService(&$0, endpoints: []) })
        let r = p.feed(Packet.tcp("10.224.0.20", 6000, "10.0.70.70", 80, .syn), at: 1)
        let arp = p.feed(Packet.arp(), at: 1)
        let bad = p.feed(Packet.malformed(.ipv4IHL), at: 1)
        #expect(r.verdict == .reject && r.stage == .serviceProxy && p.name(r) == "kube-proxy:no-endpoints:default/web:80")
        #expect(arp.verdict == .allow && arp.stage == .decode && p.name(arp) == "platform:non-ip")
        #expect(bad.verdict == .drop && bad.stage == .decode && p.name(bad) == "decode:ipv4.ihl")
        let c = p.counters
        #expect(c.verdicts == [1, 1, 1])
        #expect(c.stage(.decode, .allow) == 1 && c.stage(.decode, .drop) == 1 && c.stage(.serviceProxy, .reject) == 1)
        #expect(c.packets == 3 && c.bytes == 60 + 42 + 20)
        // The ICMP port unreachable the REJECT sends back is related to the refused connection.
        let inner = FlowKey(src: addr("10.224.0.20"), dst: addr("10.0.70.70"), srcPort: 6000, dstPort: 80, proto: .tcp)
        let answer = p.feed(Packet.icmpError("10.0.70.70", "10.224.0.20", inner: inner), at: 1.001)
        #expect(answer.verdict == .allow && p.name(answer) == "related")
    }

    @Test func linkLocalControlTrafficIsPlatformTraffic() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        var ns = Packet.echo("fe80::1", "ff02::1:ff00:1", id: 0)
        ns.flow.proto = .icmpv6
        ns.icmpType = 135
        let dhcp = Packet.udp("0.0.0.0", 68, "255.255.255.255", 67)
        for o in [p.feed(ns, at: 0), p.feed(dhcp, at: 0)] {
            #expect(o.verdict == .allow && o.stage == .decode && p.name(o) == "platform:link-local")
        }
    }

    @Test func icmpErrorsAreRelatedToTheirConnection() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let q = p.feed(Packet.udp("10.224.0.20", 7000, "10.0.0.10", 53), at: 1)
        let dns = p.t("10.224.0.20", "10.0.0.10", 53, proto: .udp, sport: 7000).delivered!
        let inner = FlowKey(src: addr("10.224.0.20"), dst: dns.ip, srcPort: 7000, dstPort: 53, proto: .udp)
        let err = p.feed(Packet.icmpError("\(dns.ip)", "10.224.0.20", inner: inner), at: 1.1)
        #expect(q.verdict == .allow)
        #expect(err.verdict == .allow && err.stage == .conntrack && p.name(err) == "related")
    }

    @Test func udpUnrepliedTimesOutAfterThirtySeconds() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let a = p.feed(Packet.udp("10.224.0.20", 7001, "10.224.0.41", 53), at: 0)
        let b = p.feed(Packet.udp("10.224.0.20", 7001, "10.224.0.41", 53), at: 29)
        let c = p.feed(Packet.udp("10.224.0.20", 7001, "10.224.0.41", 53), at: 60)
        #expect(a.newFlow && !b.newFlow && c.newFlow)
        #expect(p.counters.conntrackExpired == 1)
    }

    @Test func udpWithRepliesUsesTheStreamTimeout() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        _ = p.feed(Packet.udp("10.224.0.20", 7002, "10.224.0.41", 53), at: 0)
        _ = p.feed(Packet.udp("10.224.0.41", 53, "10.224.0.20", 7002), at: 1)
        // Answered, and still active two seconds after its first packet: a stream (120 s).
        _ = p.feed(Packet.udp("10.224.0.20", 7002, "10.224.0.41", 53), at: 3)
        let later = p.feed(Packet.udp("10.224.0.20", 7002, "10.224.0.41", 53), at: 100)
        #expect(!later.newFlow && later.verdict == .allow)
    }

    @Test func icmpEchoReplyMatchesTheRequest() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let req = p.feed(Packet.echo("10.224.0.20", "10.224.0.41", id: 77), at: 0)
        let rep = p.feed(Packet.echo("10.224.0.41", "10.224.0.20", id: 77, reply: true), at: 0.01)
        #expect(req.newFlow && req.verdict == .allow)
        #expect(!rep.newFlow && rep.reply && p.name(rep) == "established")
    }

    @Test func midConnectionPickupIsANewAllowedFlow() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let o = p.feed(Packet.tcp("10.224.0.21", 50000, "10.224.0.30", 8080, [.psh, .ack]), at: 0)
        #expect(o.newFlow && o.verdict == .allow && p.name(o) == "netpol:shop/backend-allow-frontend")
        // Established state: still tracked days later.
        let o2 = p.feed(Packet.tcp("10.224.0.21", 50000, "10.224.0.30", 8080, [.ack]), at: 86_400)
        #expect(!o2.newFlow)
    }

    @Test func sctpAbortClosesTheAssociation() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        _ = p.feed(Packet.sctp("10.224.0.20", 9000, "10.224.0.41", 9000, chunk: 1), at: 0)
        _ = p.feed(Packet.sctp("10.224.0.41", 9000, "10.224.0.20", 9000, chunk: 2), at: 0.1)
        _ = p.feed(Packet.sctp("10.224.0.20", 9000, "10.224.0.41", 9000, chunk: 6), at: 0.2)
        let after = p.feed(Packet.sctp("10.224.0.20", 9000, "10.224.0.41", 9000, chunk: 0), at: 11)
        #expect(after.newFlow, "ABORT moved the association to CLOSE (10 s)")
    }

    @Test func traceChangesNothing() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        _ = p.feed(Packet.tcp(client, 41000, vip, 80, .syn), at: 1)
        let before = p.counters
        _ = p.t(client, vip, 80, sport: 41001)
        _ = p.t("10.224.0.40", "10.224.0.30", 9090)
        #expect(p.counters == before)
        #expect(!p.feed(Packet.tcp(client, 41000, vip, 80, .ack), at: 2).newFlow)
        #expect(p.feed(Packet.tcp(client, 41001, vip, 80, .syn), at: 2).newFlow)
    }

    /// Reload: established connections survive a policy change (conntrack is not flushed); new
    /// connections meet the new rules; counters carry over.
    @Test func adoptStateKeepsConnectionsAndCounters() {
        let old = Pipeline(cluster: Fixture.defaultCluster())
        _ = old.feed(Packet.tcp(client, 41000, vip, 80, .syn), at: 1)
        _ = old.feed(Packet.tcp("10.224.0.40", 5000, "10.224.0.30", 9090, .syn), at: 1)
        var c = Fixture.defaultCluster()
        c.networkPolicies.append(np("deny-all", ns: "shop", select: sel(), types: [.Ingress]))
        let new = Pipeline(cluster: c)
        new.adoptState(from: old)
        #expect(new.counters.packets == 2)
        #expect(new.counters.rule(id(new, "netpol:shop/backend-allow-frontend")) == 1)
        let est = new.feed(Packet.tcp(client, 41000, vip, 80, .ack), at: 2)
        #expect(est.verdict == .allow && new.name(est) == "established")
        let fresh = new.feed(Packet.tcp("10.224.0.20", 41002, "10.224.0.21", 8080, .syn), at: 2)
        #expect(fresh.verdict == .drop && new.name(fresh) == "netpol:default-deny")
        #expect(new.counters.packets == 4)
    }

    @Test func countersMerge() {
        let a = Pipeline(cluster: Fixture.defaultCluster())
        let b = Pipeline(cluster: Fixture.defaultCluster())
        _ = a.feed(Packet.arp(), at: 0)
        _ = b.feed(Packet.malformed(.tcpOffset), at: 0)
        var m = a.counters
        m.merge(b.counters)
        #expect(m.packets == 2 && m.verdicts == [1, 1, 0])
        #expect(m.rule(id(a, "decode:tcp.offset")) == 1 && m.rule(id(a, "platform:non-ip")) == 1)
    }

    func id(_ p: Pipeline, _ name: String) -> RuleID {
        var n = p.ruleNames
        let before = n.count
        let r = n.intern(name)
        #expect(n.count == before, "rule \(name) is interned by the compile")
        return r
    }
}
