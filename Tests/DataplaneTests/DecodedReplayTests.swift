import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import Testing

// Frames built on the wire (PacketBuilder), decoded (PacketDecoder) and processed, as
// `akssim replay` does: the decoder's output drives the pipeline, payload spans included.

@Suite struct DecodedReplayTests {
    struct Frame {
        var bytes: [UInt8]
        var at: Double
    }

    func run(_ p: Pipeline, _ frames: [Frame]) -> [PacketOutcome] {
        var decoder = PacketDecoder()
        var packet = DecodedPacket()
        return frames.map { f in
            f.bytes.withUnsafeBytes { raw in
                decoder.decode(raw, linkType: .ethernet, wireLength: UInt32(raw.count), into: &packet)
                return p.process(&packet, bytes: raw, timestampNanos: Int64(f.at * 1e9))
            }
        }
    }

    @Test func capturedConversationsGetExactCounters() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let client = addr("10.224.0.20"), vip = addr("10.0.120.10"), dns = addr("10.0.0.10")
        let ep = p.t("10.224.0.20", "10.0.120.10", 80, sport: 43000).delivered!.ip
        let eth = { (ip: [UInt8]) in PacketBuilder.ethernet(ip) }
        var frames: [Frame] = [
            // frontend-1 → backend ClusterIP: handshake, request, reply from the endpoint.
            Frame(bytes: eth(PacketBuilder.tcp(src: client, dst: vip, sport: 43000, dport: 80, flags: .syn)), at: 1.0),
            Frame(bytes: eth(PacketBuilder.tcp(src: ep, dst: client, sport: 8080, dport: 43000, flags: [.syn, .ack])), at: 1.001),
            Frame(bytes: eth(PacketBuilder.tcp(src: client, dst: vip, sport: 43000, dport: 80, flags: .ack)), at: 1.002),
            Frame(bytes: eth(PacketBuilder.tcp(src: client, dst: vip, sport: 43000, dport: 80, flags: [.psh, .ack],
                                               payload: PacketBuilder.httpRequest(host: "backend.shop"))), at: 1.003),
            // A DNS query to kube-dns and its answer.
            Frame(bytes: eth(PacketBuilder.udp(src: client, dst: dns, sport: 5353, dport: 53,
                                               payload: PacketBuilder.dnsQuery(id: 7, name: "backend.shop.svc.cluster.local"))), at: 1.1),
            // coredns-1 → backend-1:9090: denied by backend-allow-frontend (SYN and one retransmission).
            Frame(bytes: eth(PacketBuilder.tcp(src: addr("10.224.0.40"), dst: addr("10.224.0.30"), sport: 6000, dport: 9090, flags: .syn)), at: 2.0),
            Frame(bytes: eth(PacketBuilder.tcp(src: addr("10.224.0.40"), dst: addr("10.224.0.30"), sport: 6000, dport: 9090, flags: .syn)), at: 3.0),
            // ARP.
            Frame(bytes: PacketBuilder.ethernet(PacketBuilder.arp(senderIP: addr("10.224.0.4"), targetIP: addr("10.224.0.1")), etherType: 0x0806), at: 3.1),
        ]
        // A frame cut inside the IPv4 header.
        let full = eth(PacketBuilder.tcp(src: client, dst: vip, sport: 1, dport: 80, flags: .syn))
        frames.append(Frame(bytes: Array(full.prefix(14 + 10)), at: 3.2))

        let o = run(p, frames)
        #expect(o.map(\.verdict) == [.allow, .allow, .allow, .allow, .allow, .drop, .drop, .allow, .drop])
        #expect(o.map(\.newFlow) == [true, false, false, false, true, true, false, false, false])
        #expect(p.name(o[1]) == "established" && o[1].reply)
        #expect(p.name(o[5]) == "netpol:default-deny" && p.name(o[6]) == "netpol:default-deny")
        #expect(p.name(o[7]) == "platform:non-ip")
        #expect(p.name(o[8]).hasPrefix("decode:ipv4"))

        let c = p.counters
        #expect(c.packets == 9)
        #expect(c.bytes == UInt64(frames.reduce(0) { $0 + $1.bytes.count }))
        #expect(c.verdicts == [6, 3, 0])
        #expect(c.stage(.conntrack, .allow) == 3 && c.stage(.decode, .allow) == 1 && c.stage(.decode, .drop) == 1)
        #expect(c.stage(.networkPolicy, .drop) == 2 && c.stage(.networkPolicy, .allow) == 2)
        #expect(c.newFlows == 3)
        #expect(c.conntrackEntries == 3)
    }
}
