import NetworkAddress
import XCTest
@testable import PacketWire

/// Every prefix of a valid packet and every single-byte flip decodes without trapping; cuts
/// name the layer that was cut.
final class MalformedTests: XCTestCase {
    typealias F = Fixture

    static let samples: [(String, [UInt8], LinkType)] = [
        ("tcp4", PacketBuilder.ethernet(PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 1, dport: 443,
                                                          payload: PacketBuilder.tlsClientHello(sni: "api.example.com")), vlans: [10]), .ethernet),
        ("http6", PacketBuilder.ethernet(PacketBuilder.tcp(src: F.pod6, dst: F.service6, sport: 1, dport: 80,
                                                           payload: PacketBuilder.httpRequest(host: "web:8080"),
                                                           extensions: [.hopByHop, .authentication])), .ethernet),
        ("udp-dns", PacketBuilder.sll(PacketBuilder.udp(src: F.service, dst: F.pod, sport: 53, dport: 5000,
                                                        payload: PacketBuilder.dnsResponse(id: 1, name: "a.b", addresses: [F.internet]))), .linuxSLL),
        ("sctp", PacketBuilder.sll2(PacketBuilder.sctp(src: F.pod, dst: F.service, sport: 9, dport: 10)), .linuxSLL2),
        ("icmp-err", PacketBuilder.null(PacketBuilder.icmpError(type: .destinationUnreachable, code: 3, from: F.router,
                                                                original: PacketBuilder.udp(src: F.pod, dst: F.internet, sport: 7, dport: 8)),
                                        bigEndian: false), .null),
        ("icmp6-err", PacketBuilder.icmpError(type: .timeExceeded, from: F.router6,
                                              original: PacketBuilder.tcp(src: F.pod6, dst: F.service6, sport: 7, dport: 8)), .ipv6),
        ("vxlan", PacketBuilder.ethernet(PacketBuilder.udp(src: F.router, dst: F.router, sport: 1, dport: 4789,
                                                           payload: PacketBuilder.vxlan(inner: PacketBuilder.ethernet(
                                                               PacketBuilder.icmpEcho(src: F.pod, dst: F.service, id: 1, seq: 1)), vni: 5)),
                                         vlans: [1, 2], qinq: true), .ethernet),
        ("arp", PacketBuilder.ethernet(PacketBuilder.arp(senderIP: F.pod, targetIP: F.router), etherType: 0x0806), .ethernet),
        ("frag6", PacketBuilder.fragment(PacketBuilder.udp(src: F.pod6, dst: F.service6, sport: 1, dport: 2,
                                                           payload: [UInt8](repeating: 1, count: 100)), mtu: 96)[0], .raw),
    ]

    func testEveryCutAndEveryFlipIsSafe() {
        var decoder = PacketDecoder(options: DecoderOptions(fragmentCapacity: 64))
        var p = DecodedPacket()
        var decoded = 0
        for (name, frame, link) in Self.samples {
            for cut in 0...frame.count {
                let prefix = Array(frame.prefix(cut))
                prefix.withUnsafeBytes { decoder.decode($0, linkType: link, wireLength: UInt32(frame.count), into: &p) }
                XCTAssertEqual(p.snapTruncated, cut < frame.count, "\(name) cut \(cut)")
                if cut == frame.count { XCTAssertEqual(p.malformed, .none, name) }
                decoded += 1
            }
            for offset in 0..<frame.count {
                var flipped = frame
                flipped[offset] ^= 0xFF
                flipped.withUnsafeBytes { decoder.decode($0, linkType: link, wireLength: UInt32($0.count), into: &p) }
                // Spans always stay inside the buffer.
                XCTAssertLessThanOrEqual(Int(p.sni.offset) + Int(p.sni.length), frame.count)
                XCTAssertLessThanOrEqual(Int(p.httpHost.offset) + Int(p.httpHost.length), frame.count)
                XCTAssertLessThanOrEqual(Int(p.payloadOffset) + Int(p.payloadLength), frame.count, "\(name) flip \(offset)")
                decoded += 1
            }
        }
        XCTAssertGreaterThan(decoded, 1500)
    }

    /// Cutting inside a header gives that header's truncation reason.
    func testCutsNameTheLayer() {
        let tcp = PacketBuilder.ethernet(PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 1, dport: 2, payload: [1, 2, 3]))
        func reason(_ frame: [UInt8], _ cut: Int, _ link: LinkType = .ethernet) -> MalformedReason {
            F.decode(Array(frame.prefix(cut)), link, wire: frame.count).malformed
        }
        XCTAssertEqual(reason(tcp, 10), .linkTruncated)
        for cut in 14..<34 { XCTAssertEqual(reason(tcp, cut), .ipv4Truncated, "cut \(cut)") }
        for cut in 34..<54 { XCTAssertEqual(reason(tcp, cut), .tcpTruncated, "cut \(cut)") }
        for cut in 54...tcp.count { XCTAssertEqual(reason(tcp, cut), .none, "cut \(cut)") }

        let udp6 = PacketBuilder.udp(src: F.pod6, dst: F.service6, sport: 1, dport: 2, extensions: [.destinationOptions])
        for cut in 0..<40 { XCTAssertEqual(reason(udp6, cut, .ipv6), .ipv6Truncated, "cut \(cut)") }
        for cut in 40..<48 { XCTAssertEqual(reason(udp6, cut, .ipv6), .ipv6ExtTruncated, "cut \(cut)") }
        for cut in 48..<56 { XCTAssertEqual(reason(udp6, cut, .ipv6), .udpTruncated, "cut \(cut)") }

        let vlan = PacketBuilder.ethernet(PacketBuilder.sctp(src: F.pod, dst: F.service, sport: 1, dport: 2), vlans: [5, 6])
        XCTAssertEqual(reason(vlan, 16), .vlanTruncated)
        XCTAssertEqual(reason(vlan, 22 + 20 + 11), .sctpTruncated)
        XCTAssertEqual(reason(PacketBuilder.sll(udp6), 15, .linuxSLL), .sllTruncated)
        XCTAssertEqual(reason(PacketBuilder.sll2(udp6), 19, .linuxSLL2), .sllTruncated)
        XCTAssertEqual(reason(PacketBuilder.null(udp6, bigEndian: false), 3, .null), .linkTruncated)

        let echo = PacketBuilder.icmpEcho(src: F.pod, dst: F.service, id: 1, seq: 1)
        XCTAssertEqual(reason(echo, 27, .ipv4), .icmpTruncated)
        let echo6 = PacketBuilder.icmpEcho(src: F.pod6, dst: F.service6, id: 1, seq: 1)
        XCTAssertEqual(reason(echo6, 47, .ipv6), .icmpv6Truncated)

        let arp = PacketBuilder.ethernet(PacketBuilder.arp(senderIP: F.pod, targetIP: F.router), etherType: 0x0806)
        XCTAssertEqual(reason(arp, 14 + 27), .arpTruncated)

        // An ICMP error whose quote stops inside the original IP header or before its ports.
        let original = PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 5, dport: 6)
        let err = PacketBuilder.icmpError(type: .destinationUnreachable, from: F.router, original: original)
        for cut in 28..<(28 + 24) { XCTAssertEqual(reason(err, cut, .ipv4), .icmpInnerTruncated, "cut \(cut)") }
        XCTAssertEqual(reason(err, 28 + 24, .ipv4), .none)

        let vx = PacketBuilder.udp(src: F.router, dst: F.router, sport: 1, dport: 4789,
                                   payload: PacketBuilder.vxlan(inner: PacketBuilder.ethernet(echo), vni: 3))
        XCTAssertEqual(reason(vx, 28 + 7, .ipv4), .vxlanTruncated)
        XCTAssertEqual(reason(vx, 28 + 8 + 13, .ipv4), .vxlanTruncated)
        XCTAssertEqual(reason(vx, 28 + 8 + 14 + 10, .ipv4), .ipv4Truncated)
    }

    func testHeaderFieldErrors() {
        let tcp = PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 1, dport: 2, payload: [1, 2, 3, 4])
        var ihl = tcp
        ihl[0] = 0x44                                     // IHL 4 < 5
        XCTAssertEqual(F.decode(ihl, .ipv4).malformed, .ipv4IHL)
        var ihlLong = tcp
        ihlLong[0] = 0x4F                                 // 60-byte header in a 44-byte datagram
        ihlLong[3] = 44
        XCTAssertEqual(F.decode(ihlLong, .ipv4).malformed, .ipv4IHL)
        var total = tcp
        total[2] = 0; total[3] = 10
        XCTAssertEqual(F.decode(total, .ipv4).malformed, .ipv4TotalLength)
        var offset = tcp
        offset[32] = 0x40                                 // data offset 4
        XCTAssertEqual(F.decode(offset, .ipv4).malformed, .tcpOffset)
        offset[32] = 0xF0                                 // data offset 60 > segment
        XCTAssertEqual(F.decode(offset, .ipv4).malformed, .tcpOffset)

        let udp = PacketBuilder.udp(src: F.pod, dst: F.service, sport: 1, dport: 2, payload: [1, 2, 3])
        var long = udp
        long[25] = 200                                    // UDP length past the datagram
        XCTAssertEqual(F.decode(long, .ipv4).malformed, .udpLength)
        var short = udp
        short[24] = 0; short[25] = 4                      // UDP length below its header
        XCTAssertEqual(F.decode(short, .ipv4).malformed, .udpLength)
        var shorter = udp
        shorter[25] = 9                                   // shorter than the datagram is fine: trailer ignored
        let s = F.decode(shorter, .ipv4)
        XCTAssertEqual(s.malformed, .none)
        XCTAssertEqual(s.payloadLength, 1)

        var v6 = PacketBuilder.udp(src: F.pod6, dst: F.service6, sport: 1, dport: 2)
        v6[5] = 200                                       // payload length beyond the capture
        XCTAssertEqual(F.decode(v6, .ipv6).malformed, .ipv6PayloadLength)
    }

    func testExtensionHeaderChainLimit() {
        let many = [PacketBuilder.IPv6Extension](repeating: .destinationOptions, count: 17)
        let ip = PacketBuilder.udp(src: F.pod6, dst: F.service6, sport: 1, dport: 2, extensions: many)
        XCTAssertEqual(F.decode(ip, .ipv6).malformed, .ipv6ExtLoop)
        let ok = PacketBuilder.udp(src: F.pod6, dst: F.service6, sport: 1, dport: 2,
                                   extensions: [PacketBuilder.IPv6Extension](repeating: .destinationOptions, count: 16))
        XCTAssertEqual(F.decode(ok, .ipv6).malformed, .none)
    }

    func testOversizedCaptureIsCappedNotTrapped() {
        // A GRO-merged capture over 64 KiB: decoded over its first 65535 bytes, flagged.
        let big = PacketBuilder.ethernet(PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 1, dport: 2,
                                                           payload: [UInt8](repeating: 0x41, count: 65_000))) + [UInt8](repeating: 0, count: 2000)
        let p = F.decode(big)
        XCTAssertTrue(p.snapTruncated)
        XCTAssertTrue(p.hasTransport)
        XCTAssertEqual(p.capturedLength, UInt32(big.count))
    }
}
