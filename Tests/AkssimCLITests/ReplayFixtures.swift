import NetworkAddress
import PacketWire
import PcapIO

/// Captures built with the project's PacketBuilder and written with PcapWriter, each packet's
/// expected classification spelled out next to it.
enum ReplayFixtures {
    static let base: Int64 = 1_795_597_200 * 1_000_000_000
    static let pod = IPAddress(10, 224, 0, 20)
    static let service = IPAddress(10, 0, 120, 10)
    static let dns = IPAddress(10, 0, 0, 10)
    static let v6a = IPAddress("fd00::20")!
    static let v6b = IPAddress("fd00::30")!

    /// 15 Ethernet frames covering every counter of the decode summary.
    static func mixedFrames() -> [[UInt8]] {
        var frames: [[UInt8]] = []
        let e = { (ip: [UInt8]) in PacketBuilder.ethernet(ip) }
        frames.append(e(PacketBuilder.tcp(src: pod, dst: service, sport: 40000, dport: 80, flags: [.syn])))           // ipv4 tcp
        frames.append(e(PacketBuilder.tcp(src: pod, dst: IPAddress(140, 82, 112, 6), sport: 40001, dport: 443,
                                          flags: [.psh, .ack], payload: PacketBuilder.tlsClientHello(sni: "api.github.com"))))
        frames.append(e(PacketBuilder.tcp(src: IPAddress(198, 51, 100, 7), dst: IPAddress(20, 62, 20, 30), sport: 51000, dport: 80,
                                          flags: [.psh, .ack], payload: PacketBuilder.httpRequest(host: "shop.contoso.com"))))
        frames.append(e(PacketBuilder.udp(src: pod, dst: dns, sport: 41000, dport: 53,
                                          payload: PacketBuilder.dnsQuery(id: 7, name: "backend.shop.svc.cluster.local"))))
        frames.append(e(PacketBuilder.icmpEcho(src: pod, dst: IPAddress(10, 224, 0, 30), id: 9, seq: 1)))            // icmp
        frames.append(PacketBuilder.ethernet(PacketBuilder.arp(senderIP: IPAddress(10, 224, 0, 4), targetIP: IPAddress(10, 224, 0, 1)),
                                             etherType: 0x0806))                                                       // arp
        frames.append(e(PacketBuilder.udp(src: v6a, dst: v6b, sport: 5000, dport: 5001, payload: [1, 2, 3],
                                          extensions: [.hopByHop, .destinationOptions])))                              // ipv6 udp
        frames.append(e(PacketBuilder.icmpEcho(src: v6a, dst: v6b, id: 3, seq: 1)))                                    // ipv6 icmpv6
        frames.append(PacketBuilder.ethernet(PacketBuilder.tcp(src: pod, dst: service, sport: 40002, dport: 80, flags: [.syn]),
                                             vlans: [100]))                                                            // vlan tcp
        frames.append(PacketBuilder.ethernet(PacketBuilder.udp(src: pod, dst: dns, sport: 41001, dport: 53, payload: [0]),
                                             vlans: [200, 100], qinq: true))                                           // qinq udp
        let big = PacketBuilder.udp(src: pod, dst: IPAddress(10, 224, 0, 41), sport: 41002, dport: 9000,
                                    payload: [UInt8](repeating: 0x42, count: 1600), id: 0x4242)
        frames += PacketBuilder.fragment(big, mtu: 1500).map(e)                                                        // 2 fragments, 1 udp
        frames.append(e(PacketBuilder.sctp(src: pod, dst: IPAddress(10, 224, 0, 31), sport: 3868, dport: 3868)))       // sctp
        // A TCP segment whose IP total length leaves only 10 of the 20 TCP header bytes.
        var cut = PacketBuilder.tcp(src: pod, dst: service, sport: 40003, dport: 80, flags: [.syn])
        cut = Array(cut.prefix(30))
        cut[2] = 0; cut[3] = 30
        frames.append(e(cut))                                                                                          // tcp.truncated
        frames.append(PacketBuilder.ethernet([UInt8](repeating: 0, count: 46), etherType: 0x88cc))                    // other (LLDP)
        return frames
    }

    static func write(_ frames: [[UInt8]], linkType: LinkType = .ethernet, to path: String) throws {
        try PcapWriter.writeAll(path: path, linkType: linkType.rawValue, packets: frames.enumerated().map {
            CapturedPacket(bytes: $0.element, timestampNanos: base + Int64($0.offset) * 1_000_000_000)
        })
    }

    /// IP packets for the tshark cross-check on every link type: IPv4/IPv6, TCP/UDP/ICMP/ICMPv6,
    /// IPv6 extension headers, fragments.
    static func ipPackets() -> [[UInt8]] {
        var packets: [[UInt8]] = [
            PacketBuilder.tcp(src: pod, dst: service, sport: 40000, dport: 80, flags: [.syn]),
            PacketBuilder.udp(src: pod, dst: dns, sport: 41000, dport: 53, payload: PacketBuilder.dnsQuery(id: 1, name: "x.example")),
            PacketBuilder.icmpEcho(src: pod, dst: service, id: 1, seq: 1),
            PacketBuilder.tcp(src: v6a, dst: v6b, sport: 40000, dport: 443, flags: [.syn], extensions: [.hopByHop, .routing]),
            PacketBuilder.udp(src: v6a, dst: v6b, sport: 5000, dport: 5001, payload: [9], extensions: [.destinationOptions]),
            PacketBuilder.icmpEcho(src: v6a, dst: v6b, id: 2, seq: 1),
        ]
        packets += PacketBuilder.fragment(PacketBuilder.udp(src: pod, dst: service, sport: 41001, dport: 9000,
                                                            payload: [UInt8](repeating: 1, count: 2000), id: 0x77), mtu: 1000)
        packets += PacketBuilder.fragment(PacketBuilder.udp(src: v6a, dst: v6b, sport: 41002, dport: 9000,
                                                            payload: [UInt8](repeating: 2, count: 2000)), mtu: 1280)
        return packets
    }
}
