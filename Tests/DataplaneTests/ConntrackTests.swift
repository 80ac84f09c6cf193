import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import Testing

// Connection tracking as Linux nf_conntrack does it: states, default timeouts, loose pickup,
// replies reverse-NATed, ICMP errors related, bounded table with eviction.

@Suite struct TCPStateMachineTests {
    struct Step: Sendable {
        var flags: TCPFlags
        var reply: Bool
        var state: ConnState
    }

    /// The three-way handshake and an orderly close, as nf_conntrack_proto_tcp walks them.
    @Test func handshakeAndClose() {
        let steps: [Step] = [
            Step(flags: [.syn, .ack], reply: true, state: .synRecv),
            Step(flags: [.ack], reply: false, state: .established),
            Step(flags: [.psh, .ack], reply: false, state: .established),
            Step(flags: [.fin, .ack], reply: false, state: .finWait),
            Step(flags: [.ack], reply: true, state: .closeWait),
            Step(flags: [.fin, .ack], reply: true, state: .lastAck),
            Step(flags: [.ack], reply: false, state: .timeWait),
        ]
        var s = TCPTracker.initial(.syn)
        #expect(s == .synSent)
        var fin: UInt8 = 0
        for st in steps {
            s = TCPTracker.next(s, st.flags, reply: st.reply, fin: &fin)
            #expect(s == st.state, "after \(st.flags.rawValue) reply=\(st.reply)")
        }
    }

    @Test(arguments: [
        (TCPFlags.syn, ConnState.synSent), ([.ack], .established), ([.psh, .ack], .established),
    ] as [(TCPFlags, ConnState)])
    func loosePickup(_ flags: TCPFlags, _ state: ConnState) {
        // nf_conntrack_tcp_loose=1: a non-SYN first segment is picked up mid-connection.
        #expect(TCPTracker.opens(flags))
        #expect(TCPTracker.initial(flags) == state)
    }

    /// tcp_conntracks[0][index][sNO] is sIV for SYN-ACK, FIN, RST and flagless segments: no entry.
    @Test(arguments: [[.syn, .ack], [.rst], [.rst, .ack], [.fin, .ack], [.fin], [], [.syn, .rst], [.syn, .fin]] as [TCPFlags])
    func invalidFirstSegmentsOpenNothing(_ flags: TCPFlags) {
        #expect(!TCPTracker.opens(flags))
    }

    /// A SYN in TIME_WAIT or CLOSE kills the entry (nf_ct_kill, -NF_REPEAT); elsewhere it does not.
    @Test func synReopensOnlyClosedConnections() {
        // CLOSE reached by a FIN (bit 0) or by the SYN side's own RST (bit 2).
        #expect(TCPTracker.reopens(.timeWait, .syn, reply: false, fin: 3) && TCPTracker.reopens(.close, .syn, reply: false, fin: 1))
        #expect(TCPTracker.reopens(.close, .syn, reply: false, fin: 0b100))
        #expect(!TCPTracker.reopens(.timeWait, [.syn, .ack], reply: false, fin: 3) && !TCPTracker.reopens(.established, .syn, reply: false, fin: 0))
        #expect(!TCPTracker.reopens(.synSent, .syn, reply: false, fin: 0) && !TCPTracker.reopens(.timeWait, .ack, reply: false, fin: 3))
    }

    @Test func rstClosesFromAnyState() {
        var fin: UInt8 = 0
        for s in [ConnState.synSent, .synRecv, .established, .finWait, .closeWait, .lastAck] {
            #expect(TCPTracker.next(s, [.rst], reply: true, fin: &fin) == .close)
        }
    }

    @Test(arguments: [
        (ConnState.synSent, 120), (.synRecv, 60), (.established, 432_000), (.finWait, 120), (.closeWait, 60),
        (.lastAck, 30), (.timeWait, 120), (.close, 10),
    ] as [(ConnState, Int64)])
    func linuxTCPTimeouts(_ s: ConnState, _ seconds: Int64) {
        #expect(ConntrackTimeouts.timeout(s, proto: .tcp, seenReply: false) == seconds * S)
    }

    @Test func otherProtocolTimeouts() {
        #expect(ConntrackTimeouts.timeout(.open, proto: .udp, seenReply: false) == 30 * S)
        #expect(ConntrackTimeouts.timeout(.open, proto: .udp, seenReply: true) == 120 * S)
        #expect(ConntrackTimeouts.timeout(.open, proto: .icmp, seenReply: true) == 30 * S)
        #expect(ConntrackTimeouts.timeout(.open, proto: .sctp, seenReply: true) == 210 * S)
        #expect(ConntrackTimeouts.timeout(.open, proto: .gre, seenReply: true) == 600 * S)
    }
}

@Suite struct ConntrackTableTests {
    func key(_ i: Int) -> FlowKey {
        FlowKey(src: IPAddress(v4: 0x0A00_0000 | UInt32(i)), dst: addr("10.1.1.1"), srcPort: UInt16(i & 0xFFFF), dstPort: 80, proto: .tcp)
    }

    func entry(_ k: FlowKey, _ now: Int64, state: ConnState = .established) -> ConntrackEntry {
        ConntrackEntry(original: k, reply: k.reversed, now: now, state: state, verdict: .allow, stage: .conntrack,
                       rule: .none, node: -1, namespace: -1)
    }

    @Test func findsBothDirections() {
        var t = ConntrackTable(capacity: 64)
        let k = key(1)
        let e = t.insert(entry(k, 0), trackReply: true, now: 0)
        #expect(t.find(k, now: 1).0 == e && t.find(k, now: 1).1 == false)
        #expect(t.find(k.reversed, now: 1).0 == e && t.find(k.reversed, now: 1).1 == true)
        #expect(t.find(key(2), now: 1).0 == -1)
    }

    /// pod → Internet: the node masquerades (pod → node IP), the firewall SNATs again (→ its public
    /// IP). The reply is recognised however the capture point sees it.
    @Test func everyViewOfATranslatedConnection() {
        var t = ConntrackTable(capacity: 64)
        let original = FlowKey(src: addr("10.224.0.20"), dst: addr("140.82.112.6"), srcPort: 40000, dstPort: 443, proto: .tcp)
        let delivered = FlowKey(src: addr("20.62.10.4"), dst: addr("140.82.112.6"), srcPort: 40000, dstPort: 443, proto: .tcp)
        var en = entry(original, 0)
        en.reply = delivered.reversed
        en.egress = FlowKey(src: addr("10.224.0.4"), dst: addr("140.82.112.6"), srcPort: 40000, dstPort: 443, proto: .tcp)
        let e = t.insert(en, trackReply: true, now: 0)
        let views: [(FlowKey, Bool)] = [
            (original, false),                 // on the pod's veth
            (en.egress, false),                // on the node's NIC, after masquerade
            (delivered, false),                // on the Internet side of the firewall
            (delivered.reversed, true),        // reply before the firewall undoes its SNAT
            (en.egress.reversed, true),        // reply on the node's NIC
            (original.reversed, true),         // reply on the pod's veth
        ]
        for (k, reply) in views {
            let (found, dir) = t.find(k, now: 1)
            #expect(found == e && dir == reply, "\(k)")
        }
        t.insert(entry(key(9), 0), trackReply: true, now: 0)
        #expect(t.count == 2)
    }

    @Test func expiresByPacketTime() {
        var t = ConntrackTable(capacity: 64)
        t.insert(entry(key(1), 0, state: .synSent), trackReply: true, now: 0)
        #expect(t.find(key(1), now: 119 * S).0 >= 0)
        #expect(t.find(key(1), now: 121 * S).0 == -1)
        #expect(t.count == 0)
        #expect(t.expired == 1)
    }

    @Test func boundedWithEvictionOfTheOldest() {
        var t = ConntrackTable(capacity: 16)
        for i in 0..<16 { t.insert(entry(key(i), Int64(i) * S), trackReply: true, now: Int64(i) * S) }
        #expect(t.count == 16)
        t.insert(entry(key(100), 20 * S), trackReply: true, now: 20 * S)
        #expect(t.count == 16)
        #expect(t.evictions == 1)
        #expect(t.find(key(0), now: 20 * S).0 == -1, "the least recently seen connection is evicted")
        #expect(t.find(key(100), now: 20 * S).0 >= 0)
        for i in 1..<16 { #expect(t.find(key(i), now: 20 * S).0 >= 0) }
    }

    @Test func expiredEntriesAreReclaimedBeforeEvicting() {
        var t = ConntrackTable(capacity: 16)
        for i in 0..<16 { t.insert(entry(key(i), 0, state: .close), trackReply: true, now: 0) }
        t.insert(entry(key(200), 11 * S), trackReply: true, now: 11 * S)
        #expect(t.evictions == 0)
        #expect(t.expired == 1)
    }

    /// Deleting under heavy collisions keeps every other key reachable (backward-shift deletion).
    @Test func churnKeepsLookupsExact() {
        var t = ConntrackTable(capacity: 512)
        var now: Int64 = 0
        for round in 0..<20_000 {
            now += S / 10
            let i = (round &* 7919) % 3000
            if t.find(key(i), now: now).0 < 0 { t.insert(entry(key(i), now, state: .close), trackReply: true, now: now) }
        }
        #expect(t.count <= 512)
        #expect(t.count > 0)
        var found = 0
        for i in 0..<3000 where t.peek(key(i)).0 >= 0 { found += 1 }
        #expect(found == t.count)
    }
}

@Suite struct SessionAffinityTests {
    /// kube-proxy's `recent` list: the choice holds for timeoutSeconds after the last connection.
    @Test func rememberedUntilTheTimeout() {
        var t = AffinityTable()
        let client = addr("10.224.0.20")
        t.record(client: client, servicePort: 3, endpoint: 7, now: 0, timeout: 10_800 * S)
        #expect(t.lookup(client: client, servicePort: 3, now: 10_799 * S) == 7)
        #expect(t.lookup(client: client, servicePort: 3, now: 10_800 * S) == -1, "nftables: expired at the timeout")
        #expect(t.lookup(client: client, servicePort: 3, now: 10_800 * S, inclusive: true) == 7, "iptables xt_recent: still within --seconds")
        #expect(t.lookup(client: client, servicePort: 3, now: 10_800 * S + 1, inclusive: true) == -1)
        #expect(t.lookup(client: client, servicePort: 4, now: 1) == -1, "per Service port")
        #expect(t.lookup(client: addr("10.224.0.21"), servicePort: 3, now: 1) == -1, "per client")
    }

    /// A remembered endpoint wins over the hash while it stays usable (pipeline level).
    @Test func pipelineRecordsTheChoice() {
        let c = Variation.with { c in Variation.service(&c, "shop", "backend") { $0.sessionAffinityClientIP = true; $0.sessionAffinityTimeoutSeconds = 60 } }
        let p = Pipeline(cluster: c)
        let first = p.feed(Packet.tcp("10.224.0.20", 1000, "10.0.120.10", 80, .syn), at: 0)
        #expect(first.verdict == .allow)
        let chosen = p.t("10.224.0.20", "10.0.120.10", 80, sport: 2000)
        #expect(chosen.hops.contains { $0.detail.contains("[sessionAffinity ClientIP]") })
    }
}

@Suite struct ForgetConnectionsTests {
    /// `Pipeline.forgetConnections` (micro-benchmarks): every flow starts over, counters stay.
    @Test func nextPacketIsAFirstPacketAgain() {
        let p = Pipeline(cluster: ClusterLoader.loadDefault())
        let syn = Packet.tcp("10.224.0.20", 1000, "10.0.120.10", 80, .syn)
        #expect(p.feed(syn, at: 0).newFlow)
        #expect(!p.feed(Packet.tcp("10.224.0.20", 1000, "10.0.120.10", 80, [.ack]), at: 1).newFlow)
        #expect(p.counters.conntrackEntries == 1)
        p.forgetConnections()
        #expect(p.counters.conntrackEntries == 0)
        let again = p.feed(syn, at: 2)
        #expect(again.newFlow && again.verdict == .allow)
        #expect(p.counters.packets == 3 && p.counters.newFlows == 2)
    }
}

@Suite struct RuleTrailTests {
    @Test func keepsTheDecidingRuleLastOnOverflow() {
        var t = RuleTrail()
        for i in 1...20 { t.append(RuleID(raw: UInt32(i))) }
        t.append(.none)
        #expect(RuleTrail.capacity == 16)
        #expect(t.count == 16)
        #expect(t.all.map(\.raw) == Array(1...15) + [20])
    }
}
