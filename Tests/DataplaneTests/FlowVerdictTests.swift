import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import Testing

// Per-flow verdicts on the embedded default cluster (briefs/addresses.md), with frames built on
// the wire (PacketBuilder), decoded and processed as `akssim replay` does:
// - Azure Firewall application rules across the TCP handshake: the firewall proxies TCP for
//   application rules, completes the handshake itself and decides on the client's first request
//   (TLS SNI / HTTP Host), so the handshake is allowed pending and the first payload settles it;
// - a refused flow keeps one verdict for all its packets, in either direction and NAT view;
// - DNS answers seen in the capture teach the firewall's FQDN network rules.

@Suite struct FlowVerdictTests {
    struct Frame {
        var bytes: [UInt8]
        var at: Double
    }

    static let cluster = ClusterLoader.loadDefault()

    func eth(_ ip: [UInt8]) -> [UInt8] { PacketBuilder.ethernet(ip) }

    func tcp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, _ flags: TCPFlags, _ payload: [UInt8] = [],
             at: Double) -> Frame {
        Frame(bytes: eth(PacketBuilder.tcp(src: addr(src), dst: addr(dst), sport: sport, dport: dport, flags: flags, payload: payload)), at: at)
    }

    /// Decodes and processes each frame; also returns the drop explanation of every packet
    /// flagged `firstRefusal` (what `--trace-drops` prints), explained right after processing.
    func run(_ p: Pipeline, _ frames: [Frame]) -> (outcomes: [PacketOutcome], explained: [Trace]) {
        var decoder = PacketDecoder()
        var packet = DecodedPacket()
        var explained: [Trace] = []
        let o = frames.map { f in
            f.bytes.withUnsafeBytes { raw in
                decoder.decode(raw, linkType: .ethernet, wireLength: UInt32(raw.count), into: &packet)
                let o = p.process(&packet, bytes: raw, timestampNanos: Int64(f.at * 1e9))
                if o.firstRefusal { explained.append(p.explainDrop(packet, bytes: raw, timestampNanos: Int64(f.at * 1e9))) }
                return o
            }
        }
        return (o, explained)
    }

    func rule(_ p: Pipeline, _ name: String) -> UInt64 {
        guard let i = p.ruleNames.names.firstIndex(of: name) else { return 0 }
        return p.counters.rule(RuleID(raw: UInt32(i)))
    }

    // MARK: application rules across the handshake

    /// frontend-1 → api.github.com:443: handshake pending, the ClientHello's SNI matches
    /// aks-egress/aks-fqdns/github, the rest of the flow is established.
    @Test func httpsAllowedByApplicationRuleOnTheClientHello() {
        let p = Pipeline(cluster: Self.cluster)
        let (o, explained) = run(p, [
            tcp("10.224.0.20", 43030, "140.82.112.6", 443, .syn, at: 1.000),
            tcp("140.82.112.6", 443, "10.224.0.20", 43030, [.syn, .ack], at: 1.020),
            tcp("10.224.0.20", 43030, "140.82.112.6", 443, .ack, at: 1.021),
            tcp("10.224.0.20", 43030, "140.82.112.6", 443, [.psh, .ack], PacketBuilder.tlsClientHello(sni: "api.github.com"), at: 1.022),
            tcp("140.82.112.6", 443, "10.224.0.20", 43030, [.psh, .ack], [1, 2, 3], at: 1.050),
            tcp("10.224.0.20", 43030, "140.82.112.6", 443, [.psh, .ack], [4, 5], at: 1.060),
        ])
        #expect(o.map(\.verdict) == [.allow, .allow, .allow, .allow, .allow, .allow])
        #expect(o.map(\.stage) == [.firewall, .firewall, .firewall, .firewall, .conntrack, .conntrack])
        #expect(o.map { p.name($0) } == ["firewall:pending-application-rule", "firewall:pending-application-rule",
                                         "firewall:pending-application-rule", "aks-egress/aks-fqdns/github",
                                         "established", "established"])
        #expect(o.map(\.newFlow) == [true, false, false, false, false, false])
        #expect(o[1].reply && o[4].reply)
        #expect(explained.isEmpty)
        let c = p.counters
        #expect(c.verdicts == [6, 0, 0])
        #expect(c.stage(.firewall, .allow) == 4 && c.stage(.conntrack, .allow) == 2)
        #expect(rule(p, "firewall:pending-application-rule") == 3)
        #expect(rule(p, "aks-egress/aks-fqdns/github") == 1)
        #expect(rule(p, "default-deny") == 0)
        #expect(c.newFlows == 1 && c.conntrackEntries == 1)
    }

    /// frontend-2 → www.example.com:443: no application rule names it. The ClientHello refuses the
    /// flow ("no rule matched"); the server's data and the client's retransmission repeat it.
    @Test func httpsDeniedOnTheClientHelloAndTheWholeFlowFollows() {
        let p = Pipeline(cluster: Self.cluster)
        let (o, explained) = run(p, [
            tcp("10.224.0.21", 43040, "93.184.215.14", 443, .syn, at: 1.000),
            tcp("93.184.215.14", 443, "10.224.0.21", 43040, [.syn, .ack], at: 1.002),
            tcp("10.224.0.21", 43040, "93.184.215.14", 443, .ack, at: 1.003),
            tcp("10.224.0.21", 43040, "93.184.215.14", 443, [.psh, .ack], PacketBuilder.tlsClientHello(sni: "www.example.com"), at: 1.004),
            tcp("93.184.215.14", 443, "10.224.0.21", 43040, [.psh, .ack], [1, 2, 3], at: 1.006),
            tcp("10.224.0.21", 43040, "93.184.215.14", 443, [.psh, .ack], PacketBuilder.tlsClientHello(sni: "www.example.com"), at: 1.300),
        ])
        #expect(o.map(\.verdict) == [.allow, .allow, .allow, .drop, .drop, .drop])
        #expect(o[3].stage == .firewall && p.name(o[3]) == "default-deny" && o[3].firstRefusal)
        #expect(o[4].reply && !o[4].firstRefusal && o[4].stage == .firewall && p.name(o[4]) == "default-deny")
        #expect(!o[5].firstRefusal && p.name(o[5]) == "default-deny")
        #expect(explained.count == 1)
        #expect(explained.first?.hops.last?.detail == "aks-fw: no rule matched")
        let c = p.counters
        #expect(c.verdicts == [3, 3, 0])
        #expect(c.stage(.firewall, .allow) == 3 && c.stage(.firewall, .drop) == 3)
        #expect(rule(p, "default-deny") == 3 && rule(p, "firewall:pending-application-rule") == 3)
        #expect(c.newFlows == 1)
    }

    /// A first payload on :443 that is not a ClientHello with a server_name: "SNI missing".
    @Test func httpsPayloadWithoutSNIIsSNIMissing() {
        let p = Pipeline(cluster: Self.cluster)
        let (o, explained) = run(p, [
            tcp("10.224.0.20", 43050, "140.82.112.6", 443, .syn, at: 1.000),
            tcp("10.224.0.20", 43050, "140.82.112.6", 443, [.psh, .ack], Array("hello".utf8), at: 1.010),
        ])
        #expect(o.map(\.verdict) == [.allow, .drop])
        #expect(p.name(o[1]) == "default-deny" && o[1].stage == .firewall)
        #expect(explained.count == 1)
        #expect(explained.first?.hops.last?.detail.contains("SNI missing") == true)
    }

    /// Plain HTTP on :80: the Host header decides (aks-fqdn-tag covers mcr.microsoft.com on Http:80
    /// only through the AKS FQDN tag; a site outside it is refused with "no rule matched").
    @Test func httpDecidedOnTheHostHeader() {
        let p = Pipeline(cluster: Self.cluster)
        let (o, _) = run(p, [
            tcp("10.224.0.20", 43060, "93.184.215.14", 80, .syn, at: 1.000),
            tcp("10.224.0.20", 43060, "93.184.215.14", 80, [.psh, .ack], PacketBuilder.httpRequest(host: "www.example.com"), at: 1.010),
            tcp("10.224.0.20", 43061, "20.61.99.1", 80, .syn, at: 2.000),
            tcp("10.224.0.20", 43061, "20.61.99.1", 80, [.psh, .ack], PacketBuilder.httpRequest(host: "mcr.microsoft.com"), at: 2.010),
        ])
        #expect(o.map(\.verdict) == [.allow, .drop, .allow, .allow])
        #expect(p.name(o[0]) == "firewall:pending-application-rule" && p.name(o[1]) == "default-deny")
        #expect(p.name(o[3]) == "aks-egress/aks-fqdns/aks-fqdn-tag" && o[3].stage == .firewall)
    }

    /// A flow that never sends payload stays pending: every packet counts as a pending allow.
    @Test func handshakeWithoutRequestStaysPending() {
        let p = Pipeline(cluster: Self.cluster)
        let (o, _) = run(p, [
            tcp("10.224.0.20", 43070, "93.184.215.14", 443, .syn, at: 1.000),
            tcp("93.184.215.14", 443, "10.224.0.20", 43070, [.syn, .ack], at: 1.002),
            tcp("10.224.0.20", 43070, "93.184.215.14", 443, .ack, at: 1.003),
            tcp("10.224.0.20", 43070, "93.184.215.14", 443, [.fin, .ack], at: 2.000),
        ])
        #expect(o.allSatisfy { $0.verdict == .allow && $0.stage == .firewall })
        #expect(rule(p, "firewall:pending-application-rule") == 4)
        #expect(p.counters.stage(.firewall, .allow) == 4 && p.counters.verdict(.drop) == 0)
    }

    /// Network rules still decide on the SYN (no pending): apiserver TCP 443 → 20.62.30.1.
    @Test func networkRuleDecidesOnTheHandshake() {
        let p = Pipeline(cluster: Self.cluster)
        let (o, _) = run(p, [tcp("10.224.0.4", 50000, "20.62.30.1", 443, .syn, at: 1)])
        // Network rule aks-egress/aks-network/apiserver lets it through; the API server's
        // authorized ranges (the firewall's public IP) are the last allow.
        #expect(o[0].verdict == .allow && o[0].stage == .apiServer && p.name(o[0]) == "apiserver:authorized-ip-ranges")
        #expect(rule(p, "firewall:pending-application-rule") == 0)
        #expect(p.trace(FlowQuery(proto: .tcp, src: addr("10.224.0.4"), dst: addr("20.62.30.1"), dport: 443))
            .hops.contains { $0.rule == "aks-egress/aks-network/apiserver" && $0.result == .allow })
    }

    /// `akssim trace` without --sni: the decision waits for the SNI, and the deny that follows if none comes.
    @Test func traceWithoutSNISaysTheDecisionWaits() {
        let p = Pipeline(cluster: Self.cluster)
        let waiting = p.trace(FlowQuery(proto: .tcp, src: addr("10.224.0.20"), dst: addr("140.82.112.6"), dport: 443))
        #expect(waiting.verdict == .drop && waiting.stage == .firewall && waiting.rule == "default-deny")
        let hop = waiting.hops.last { $0.stage == .firewall }
        #expect(hop?.detail.contains("decision waits for the client's first request") == true)
        #expect(hop?.detail.contains("SNI missing") == true)
        let known = p.trace(FlowQuery(proto: .tcp, src: addr("10.224.0.20"), dst: addr("140.82.112.6"), dport: 443, sni: "api.github.com"))
        #expect(known.verdict == .allow && known.rule == "aks-egress/aks-fqdns/github")
        #expect(p.counters.packets == 0)
    }

    // MARK: refused flows: one verdict per flow

    /// coredns-1 → backend-1:9090 is refused by NetworkPolicy; backend-1's answer (same flow,
    /// reply direction) gets the same verdict instead of being judged as a flow of its own.
    @Test func repliesOfARefusedFlowShareItsVerdict() {
        let p = Pipeline(cluster: Self.cluster)
        let (o, explained) = run(p, [
            tcp("10.224.0.40", 5000, "10.224.0.30", 9090, .syn, at: 1),
            tcp("10.224.0.30", 9090, "10.224.0.40", 5000, [.rst, .ack], at: 1.001),
            tcp("10.224.0.40", 5000, "10.224.0.30", 9090, .syn, at: 2),
        ])
        #expect(o.map(\.verdict) == [.drop, .drop, .drop])
        #expect(o.map { p.name($0) } == ["netpol:default-deny", "netpol:default-deny", "netpol:default-deny"])
        #expect(o.map(\.stage) == [.networkPolicy, .networkPolicy, .networkPolicy])
        #expect(o.map(\.firstRefusal) == [true, false, false])
        #expect(o[1].reply && !o[1].newFlow)
        #expect(explained.count == 1)
        #expect(p.counters.newFlows == 1 && p.counters.stage(.networkPolicy, .drop) == 3)
    }

    /// A refused egress seen after the node's masquerade: the reply as captured on the node's NIC
    /// (to the node address) and as captured on the pod's veth (to the pod) are the same flow.
    @Test func refusedFlowRepliesInEveryNATView() {
        let p = Pipeline(cluster: Self.cluster)
        let (o, explained) = run(p, [
            tcp("10.224.0.21", 45000, "93.184.215.14", 22, .syn, at: 1),
            tcp("93.184.215.14", 22, "10.224.0.5", 45000, [.syn, .ack], at: 1.01),
            tcp("93.184.215.14", 22, "10.224.0.21", 45000, [.syn, .ack], at: 1.02),
            tcp("10.224.0.5", 45000, "93.184.215.14", 22, .syn, at: 1.03),
        ])
        #expect(o.map(\.verdict) == [.drop, .drop, .drop, .drop])
        #expect(o.allSatisfy { $0.stage == .firewall && p.name($0) == "default-deny" })
        #expect(o.map(\.newFlow) == [true, false, false, false])
        #expect(o[1].reply && o[2].reply && !o[3].reply)
        #expect(explained.count == 1 && explained[0].hops.last?.detail == "aks-fw: no rule matched")
    }

    /// The sample's asymmetric-routing drop: the SYN-ACK of the Internet client's flow to the public LB
    /// is the same dropped flow (firewall, the UDR rule), not a second drop at `route`.
    @Test func asymmetricRoutingReplyIsTheSameDrop() {
        let p = Pipeline(cluster: Self.cluster)
        let (o, _) = run(p, [
            tcp("198.51.100.7", 51000, "20.62.20.30", 80, .syn, at: 1),
            tcp("20.62.20.30", 80, "198.51.100.7", 51000, [.syn, .ack], at: 1.03),
        ])
        #expect(o.map(\.verdict) == [.drop, .drop])
        #expect(o.allSatisfy { $0.stage == .firewall && p.name($0) == "route:0.0.0.0/0->VirtualAppliance" })
        #expect(o.map(\.firstRefusal) == [true, false])
    }

    /// A reply of a refused flow is explained as the flow itself (its first tuple, its deciding hop).
    @Test func explainingAReplyExplainsItsFlow() {
        let p = Pipeline(cluster: Self.cluster)
        _ = run(p, [tcp("10.224.0.21", 45001, "93.184.215.14", 22, .syn, at: 1)])
        let reply = Packet.tcp("93.184.215.14", 22, "10.224.0.5", 45001, [.syn, .ack])
        let t = p.explainDrop(reply, bytes: UnsafeRawBufferPointer(start: nil, count: 0), timestampNanos: 2 * S)
        #expect(t.verdict == .drop && t.stage == .firewall && t.rule == "default-deny")
        #expect(t.lines.first == "tcp 10.224.0.21:45001 → 93.184.215.14:22")
    }

    /// Refused flows live in the bounded table: a flood of them cannot grow it; evictions are counted.
    @Test func refusedFlowsAreBounded() {
        var options = PipelineOptions()
        options.conntrackCapacity = 16
        let p = Pipeline(cluster: Self.cluster, options: options)
        for i in 0..<100 { _ = p.feed(Packet.tcp("10.224.0.40", UInt16(10_000 + i), "10.224.0.30", 9090, .syn), at: 1 + Double(i) * 0.001) }
        #expect(p.counters.conntrackEntries == 16)
        #expect(p.counters.conntrackEvictions == 84)
        #expect(p.counters.verdict(.drop) == 100 && p.counters.newFlows == 100)
    }

    /// A reload keeps a pending flow pending: the new rules judge its first request.
    @Test func reloadKeepsPendingFlowsForTheNewRules() {
        let old = Pipeline(cluster: Self.cluster)
        _ = run(old, [tcp("10.224.0.20", 43080, "140.82.112.6", 443, .syn, at: 1)])
        var cluster = Self.cluster
        for f in cluster.firewallPolicies.indices {
            for g in cluster.firewallPolicies[f].ruleCollectionGroups.indices {
                for c in cluster.firewallPolicies[f].ruleCollectionGroups[g].collections.indices {
                    cluster.firewallPolicies[f].ruleCollectionGroups[g].collections[c].rules.removeAll { $0.name == "github" }
                }
            }
        }
        let fresh = Pipeline(cluster: cluster)
        fresh.adoptState(from: old)
        let (o, _) = run(fresh, [
            tcp("10.224.0.20", 43080, "140.82.112.6", 443, .ack, at: 1.1),
            tcp("10.224.0.20", 43080, "140.82.112.6", 443, [.psh, .ack], PacketBuilder.tlsClientHello(sni: "api.github.com"), at: 1.2),
        ])
        #expect(o.map(\.verdict) == [.allow, .drop])
        #expect(fresh.name(o[0]) == "firewall:pending-application-rule" && !o[0].newFlow)
        #expect(fresh.name(o[1]) == "default-deny" && o[1].firstRefusal)
    }

    // MARK: DNS learning

    /// A captured DNS answer for ntp.ubuntu.com teaches the firewall: NTP to that address then
    /// matches aks-egress/aks-network/time (FQDN network rule) instead of default-deny.
    @Test func dnsAnswersTeachFQDNNetworkRules() {
        let p = Pipeline(cluster: Self.cluster)
        let learned = addr("91.189.94.4")
        let response = eth(PacketBuilder.udp(src: addr("10.224.0.40"), dst: addr("10.224.0.20"), sport: 53, dport: 40053,
                                             payload: PacketBuilder.dnsResponse(id: 9, name: "ntp.ubuntu.com", addresses: [learned])))
        let before = p.trace(FlowQuery(proto: .udp, src: addr("10.224.0.20"), sport: 40123, dst: learned, dport: 123))
        #expect(before.verdict == .drop && before.rule == "default-deny")

        var decoder = PacketDecoder()
        var packet = DecodedPacket()
        var sink = CountingSink()
        response.withUnsafeBytes { raw in
            decoder.decode(raw, linkType: .ethernet, wireLength: UInt32(raw.count), into: &packet)
            #expect(PacketStep.kind(of: packet) == .packetLearningDNS)
            PacketStep.run(&packet, bytes: raw, timestampNanos: S, sequence: 0, kind: PacketStep.kind(of: packet),
                           pipeline: p, sink: &sink)
        }
        let ntp = eth(PacketBuilder.udp(src: addr("10.224.0.20"), dst: learned, sport: 40123, dport: 123, payload: [0x23]))
        let o = ntp.withUnsafeBytes { raw in
            decoder.decode(raw, linkType: .ethernet, wireLength: UInt32(raw.count), into: &packet)
            return p.process(&packet, bytes: raw, timestampNanos: 2 * S)
        }
        #expect(o.verdict == .allow && p.name(o) == "aks-egress/aks-network/time")
        #expect(rule(p, "aks-egress/aks-network/time") == 1)
        #expect(p.learnDNS(name: "www.example.com", address: addr("93.184.215.14")) == false)
    }
}
