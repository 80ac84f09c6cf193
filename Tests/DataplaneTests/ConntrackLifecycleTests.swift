import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import Testing

// A connection's life through the pipeline as nf_conntrack times and ends it: per-state timeouts,
// replies after expiry judged as new flows from the other side, simultaneous open, RST before
// any reply, timestamps stepping back. In the default fixture the backend pods admit only TCP
// 8080 from the frontends; the frontends have no policy, so a flow is allowed from a backend to
// a frontend and refused the other way unless it is a reply.
@Suite struct ConntrackLifecycleTests {
    let frontend = "10.224.0.20", backend = "10.224.0.30"

    /// nf_conntrack_udp_timeout (30 s) while unreplied: a "reply" at the timeout is a new flow
    /// from the other side (nf_ct_is_expired: timeout - now <= 0), judged by that side's policy.
    @Test func udpReplyAfterTheUnrepliedTimeoutIsANewFlow() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let out = p.feed(Packet.udp(backend, 5000, frontend, 6000), at: 100)
        let inTime = p.feed(Packet.udp(frontend, 6000, backend, 5000), at: 129.9)
        #expect(out.newFlow && out.verdict == .allow)
        #expect(inTime.reply && p.name(inTime) == "established")

        let q = Pipeline(cluster: Fixture.defaultCluster())
        _ = q.feed(Packet.udp(backend, 5000, frontend, 6000), at: 100)
        let late = q.feed(Packet.udp(frontend, 6000, backend, 5000), at: 130)
        #expect(late.newFlow && !late.reply && late.verdict == .drop && late.stage == .networkPolicy)
    }

    /// Once answered and still active two seconds after its first packet,
    /// nf_conntrack_udp_timeout_stream (120 s) applies.
    @Test func udpStreamTimeoutOnceAnswered() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        _ = p.feed(Packet.udp(backend, 5000, frontend, 6000), at: 100)
        _ = p.feed(Packet.udp(frontend, 6000, backend, 5000), at: 100.5)
        _ = p.feed(Packet.udp(frontend, 6000, backend, 5000), at: 102.5)
        let a = p.feed(Packet.udp(frontend, 6000, backend, 5000), at: 222.4)
        #expect(a.reply && p.name(a) == "established")
        let b = p.feed(Packet.udp(frontend, 6000, backend, 5000), at: 342.5)
        #expect(b.newFlow && b.verdict == .drop)
    }

    /// A query answered at once (DNS) is no stream: nf_conntrack_udp_packet extends to the stream
    /// timeout only when the flow is "still active after two seconds", and the first reply is
    /// itself timed before IPS_SEEN_REPLY is set. So the entry lives 30 s from the answer.
    @Test func udpAnsweredAtOnceKeepsThirtySeconds() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        _ = p.feed(Packet.udp(backend, 5000, frontend, 6000), at: 100)
        _ = p.feed(Packet.udp(frontend, 6000, backend, 5000), at: 100.01)
        let alive = p.feed(Packet.udp(backend, 5000, frontend, 6000), at: 101)
        #expect(!alive.newFlow && p.name(alive) == "established")
        // Still within two seconds of the first packet: 30 s from 101.
        let late = p.feed(Packet.udp(frontend, 6000, backend, 5000), at: 131.01)
        #expect(late.newFlow && !late.reply && late.verdict == .drop && late.stage == .networkPolicy)
    }

    /// A capture whose timestamps step back (files merged out of order) must not shorten a
    /// connection's life: the kernel's clock is monotonic. Before the fix the packet at 60 s set
    /// the expiry to 90 s and the reply at 101 s was judged (and refused) as a new flow.
    @Test func timestampsSteppingBackDoNotExpireAConnection() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        _ = p.feed(Packet.udp(backend, 5000, frontend, 6000), at: 100)
        let back = p.feed(Packet.udp(backend, 5000, frontend, 6000), at: 60)
        let reply = p.feed(Packet.udp(frontend, 6000, backend, 5000), at: 101)
        #expect(!back.newFlow && p.name(back) == "established")
        #expect(!reply.newFlow && reply.reply && reply.verdict == .allow && p.name(reply) == "established")
        #expect(p.counters.newFlows == 1)
    }

    /// Simultaneous open: a SYN answered by a SYN is SYN_SENT2 (2 minutes), not SYN_RECV (60 s).
    @Test func simultaneousOpenIsSynSent2() {
        var fin: UInt8 = 0
        #expect(TCPTracker.next(.synSent, .syn, reply: true, fin: &fin) == .synSent2)
        #expect(TCPTracker.next(.synSent2, [.syn, .ack], reply: false, fin: &fin) == .synRecv)
        #expect(TCPTracker.next(.synSent2, [.syn, .ack], reply: true, fin: &fin) == .synRecv)
        #expect(TCPTracker.next(.synSent2, .syn, reply: false, fin: &fin) == .synSent2)
        #expect(ConntrackTimeouts.timeout(.synSent2, proto: .tcp, seenReply: true) == 120 * S)
        #expect(ConnState.synSent2.description == "SYN_SENT2")

        let p = Pipeline(cluster: Fixture.defaultCluster())
        let a = p.feed(Packet.tcp(frontend, 41000, backend, 8080, .syn), at: 1)
        let b = p.feed(Packet.tcp(backend, 8080, frontend, 41000, .syn), at: 1.01)
        let c = p.feed(Packet.tcp(frontend, 41000, backend, 8080, [.syn, .ack]), at: 100)
        #expect(a.newFlow && a.verdict == .allow)
        #expect(b.reply && p.name(b) == "established")
        #expect(!c.newFlow && p.name(c) == "established" && c.stage == .conntrack)
    }

    /// "If only reply is a RST ... delete the conntrack immediately": the RST is accepted as part
    /// of the connection, and the flow's next packet opens a new one.
    @Test func resetBeforeAnyReplyKillsTheConnection() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        _ = p.feed(Packet.tcp(frontend, 41000, backend, 8080, .syn), at: 1)
        let rst = p.feed(Packet.tcp(backend, 8080, frontend, 41000, [.rst, .ack]), at: 1.001)
        let ack = p.feed(Packet.tcp(frontend, 41000, backend, 8080, .ack), at: 1.002)
        #expect(rst.reply && rst.verdict == .allow && p.name(rst) == "established")
        #expect(ack.newFlow && ack.verdict == .allow && ack.stage == .networkPolicy)
        #expect(p.counters.newFlows == 2)

        // An RST once the connection was answered only closes it (CLOSE, 10 s).
        let q = Pipeline(cluster: Fixture.defaultCluster())
        _ = q.feed(Packet.tcp(frontend, 41000, backend, 8080, .syn), at: 1)
        _ = q.feed(Packet.tcp(backend, 8080, frontend, 41000, [.syn, .ack]), at: 1.001)
        _ = q.feed(Packet.tcp(frontend, 41000, backend, 8080, [.rst]), at: 1.002)
        let within = q.feed(Packet.tcp(backend, 8080, frontend, 41000, [.ack]), at: 10)
        let after = q.feed(Packet.tcp(frontend, 41000, backend, 8080, [.ack]), at: 20.01)   // 10 s after the last refresh
        #expect(within.reply && q.name(within) == "established")
        #expect(after.newFlow)
    }

    /// Per-state TCP timeouts through the pipeline: a packet just before the state's timeout is
    /// the connection, one just after it is a new flow.
    @Test(arguments: [
        ("LAST_ACK", 30.0), ("TIME_WAIT", 120.0), ("CLOSE_WAIT", 60.0), ("FIN_WAIT", 120.0), ("SYN_RECV", 60.0),
    ] as [(String, Double)])
    func closingStateTimeouts(_ state: String, _ seconds: Double) {
        for (delay, alive) in [(seconds - 0.01, true), (seconds + 0.0001, false)] {
            let p = Pipeline(cluster: Fixture.defaultCluster())
            var script: [(Bool, TCPFlags)] = [(false, .syn), (true, [.syn, .ack])]
            switch state {
            case "SYN_RECV": break
            case "FIN_WAIT": script += [(false, .ack), (false, [.fin, .ack])]
            case "CLOSE_WAIT": script += [(false, .ack), (false, [.fin, .ack]), (true, .ack)]
            case "LAST_ACK": script += [(false, .ack), (false, [.fin, .ack]), (true, [.fin, .ack])]
            default: script += [(false, .ack), (false, [.fin, .ack]), (true, [.fin, .ack]), (false, .ack)]
            }
            var t = 1.0
            for (reply, flags) in script {
                _ = reply ? p.feed(Packet.tcp(backend, 8080, frontend, 41000, flags), at: t)
                          : p.feed(Packet.tcp(frontend, 41000, backend, 8080, flags), at: t)
                t += 0.001
            }
            // A bare ACK from the backend: the connection's reply, or (expired) a new flow the
            // frontend's lack of policy allows.
            let probe = p.feed(Packet.tcp(backend, 8080, frontend, 41000, .ack), at: t - 0.001 + delay)
            #expect(probe.newFlow == !alive, "\(state) after \(delay) s")
            #expect(probe.reply == alive, "\(state) after \(delay) s")
        }
    }
}

/// tcp_conntracks rows the FIN sender's own segments take: the table does not ask who sent the FIN.
@Suite struct TCPCloseTableTests {
    @Test func finWaitFollowsTheLinuxTableInBothDirections() {
        var fin: UInt8 = 0
        // sFW + ack → sCW, from either side (the FIN sender acknowledging the peer's data too).
        #expect(TCPTracker.next(.finWait, .ack, reply: false, fin: &fin) == .closeWait)
        #expect(TCPTracker.next(.finWait, .ack, reply: true, fin: &fin) == .closeWait)
        // sFW + fin → sLA, a retransmitted FIN included ("Migth be a retransmitted FIN as well").
        fin = 1
        #expect(TCPTracker.next(.finWait, [.fin, .ack], reply: false, fin: &fin) == .lastAck)
        #expect(TCPTracker.next(.lastAck, [.fin, .ack], reply: false, fin: &fin) == .lastAck)
        #expect(TCPTracker.next(.timeWait, [.fin, .ack], reply: true, fin: &fin) == .timeWait)
        // sSR + fin → sFW; sSS + fin is sIV (state kept).
        #expect(TCPTracker.next(.synRecv, [.fin, .ack], reply: false, fin: &fin) == .finWait)
        #expect(TCPTracker.next(.synSent, [.fin, .ack], reply: false, fin: &fin) == .synSent)
        // A reply SYN in CLOSE is sIV, not a reopen; the original side's is, once closing.
        #expect(!TCPTracker.reopens(.close, .syn, reply: true, fin: 1) && TCPTracker.reopens(.close, .syn, reply: false, fin: 1))
        #expect(TCPTracker.reopens(.timeWait, .syn, reply: true, fin: 3))
        // RST bookkeeping: the last segment's RST side, cleared by the next segment.
        var f: UInt8 = 0
        _ = TCPTracker.next(.established, .rst, reply: true, fin: &f)
        #expect(f == 0b1000 && !TCPTracker.reopens(.close, .syn, reply: false, fin: f))
        _ = TCPTracker.next(.close, .rst, reply: false, fin: &f)
        #expect(f == 0b100 && TCPTracker.reopens(.close, .syn, reply: false, fin: f))
        _ = TCPTracker.next(.close, .ack, reply: true, fin: &f)
        #expect(f == 0 && !TCPTracker.reopens(.close, .syn, reply: false, fin: f))
    }

    /// Through the pipeline: a retransmitted FIN is LAST_ACK (30 s), so an ACK 40 s later is a
    /// new flow, not the connection (FIN_WAIT would have kept it 120 s).
    @Test func retransmittedFinIsLastAck() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let c = "10.224.0.20", b = "10.224.0.30"
        _ = p.feed(Packet.tcp(c, 41000, b, 8080, .syn), at: 1)
        _ = p.feed(Packet.tcp(b, 8080, c, 41000, [.syn, .ack]), at: 1.001)
        _ = p.feed(Packet.tcp(c, 41000, b, 8080, .ack), at: 1.002)
        _ = p.feed(Packet.tcp(c, 41000, b, 8080, [.fin, .ack]), at: 2)
        _ = p.feed(Packet.tcp(c, 41000, b, 8080, [.fin, .ack]), at: 3)
        let late = p.feed(Packet.tcp(b, 8080, c, 41000, .ack), at: 43)
        #expect(late.newFlow && !late.reply)
    }
}

@Suite struct ConntrackEntrySizeTests {
    /// The README's memory budget: an entry plus 64 bytes of index per entry stays ≤ 256 bytes.
    /// `streamAfter` was added without growing the entry (small fields in the tuples' padding).
    @Test func entryFitsTheBudget() {
        #expect(MemoryLayout<ConntrackEntry>.stride == 160)
    }
}

/// ICMP errors about a DNATed connection, quoting any of its packets as some hop saw it
/// (icmp_error_message looks the inner tuple up inverted, both directions), and its reply
/// direction after the connection expired.
@Suite struct ConntrackDNATStateTests {
    let client = "10.224.0.20", vip = "10.0.120.10"

    @Test func icmpErrorsQuotingEitherDirectionAreRelated() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let ep = "\(p.t(client, vip, 80, sport: 41000).delivered!.ip)"
        _ = p.feed(Packet.tcp(client, 41000, vip, 80, .syn), at: 1)
        _ = p.feed(Packet.tcp(ep, 8080, client, 41000, [.syn, .ack]), at: 1.001)
        _ = p.feed(Packet.tcp(client, 41000, vip, 80, .ack), at: 1.002)
        func k(_ s: String, _ sp: UInt16, _ d: String, _ dp: UInt16) -> FlowKey {
            FlowKey(src: addr(s), dst: addr(d), srcPort: sp, dstPort: dp, proto: .tcp)
        }
        let quoted = [k(client, 41000, vip, 80), k(client, 41000, ep, 8080), k(ep, 8080, client, 41000), k(vip, 80, client, 41000)]
        for (i, inner) in quoted.enumerated() {
            let to = i < 2 ? client : ep
            var err = Packet.icmpError("10.224.0.4", to, inner: inner)
            err.icmpType = [3, 11, 3, 12][i]   // unreachable / frag needed, time exceeded, parameter problem
            err.icmpCode = [3, 0, 4, 0][i]
            let o = p.feed(err, at: 2 + Double(i))
            #expect(o.verdict == .allow && o.stage == .conntrack && p.name(o) == "related", "quoting \(inner)")
        }
        // After the connection is gone (RST then CLOSE's 10 s), an error about it is no longer related.
        _ = p.feed(Packet.tcp(client, 41000, vip, 80, .rst), at: 10)
        let stale = p.feed(Packet.icmpError("10.224.0.4", client, inner: quoted[0]), at: 20.5)
        #expect(p.name(stale) != "related" && !stale.newFlow)
    }

    /// The endpoint's answer after the UDP entry expired is a new flow from the endpoint, not a
    /// reply reverse-NATed to the Service address.
    @Test func replyOfAnExpiredDNATedFlowIsANewFlow() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let dnsIP = "10.0.0.10"
        let dns = "\(p.t(client, dnsIP, 53, proto: .udp, sport: 7100).delivered!.ip)"
        _ = p.feed(Packet.udp(client, 7100, dnsIP, 53), at: 1)
        let inTime = p.feed(Packet.udp(dns, 53, client, 7100), at: 30.9)
        #expect(inTime.reply && p.name(inTime) == "established")
        // Answered at once: 30 s from the answer.
        let late = p.feed(Packet.udp(dns, 53, client, 7100), at: 61)
        #expect(late.newFlow && !late.reply)
    }
}

@Suite struct TCPResetReuseTests {
    let client = "10.224.0.20", backend = "10.224.0.30"

    func open(_ p: Pipeline) {
        _ = p.feed(Packet.tcp(client, 41000, backend, 8080, .syn), at: 1)
        _ = p.feed(Packet.tcp(backend, 8080, client, 41000, [.syn, .ack]), at: 1.001)
        _ = p.feed(Packet.tcp(client, 41000, backend, 8080, .ack), at: 1.002)
    }

    /// The server resets an answered connection; the client's SYN on the same tuple is not a
    /// reopen (no FIN seen, the last RST not its own): TCP_CONNTRACK_IGNORE accepts it on the old
    /// entry. After the client's own RST the SYN does reopen (nf_ct_kill, -NF_REPEAT).
    @Test func synAfterAResetReopensOnlyAfterTheClientsOwnReset() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        open(p)
        _ = p.feed(Packet.tcp(backend, 8080, client, 41000, [.rst, .ack]), at: 2)
        let syn = p.feed(Packet.tcp(client, 41000, backend, 8080, .syn), at: 3)
        #expect(!syn.newFlow && p.name(syn) == "established")

        let q = Pipeline(cluster: Fixture.defaultCluster())
        open(q)
        _ = q.feed(Packet.tcp(client, 41000, backend, 8080, [.rst, .ack]), at: 2)
        let again = q.feed(Packet.tcp(client, 41000, backend, 8080, .syn), at: 3)
        #expect(again.newFlow && again.stage == .networkPolicy)
    }
}
