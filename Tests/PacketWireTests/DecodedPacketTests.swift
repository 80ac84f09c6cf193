import NetworkAddress
import XCTest
@testable import PacketWire

final class DecodedPacketTests: XCTestCase {
    typealias F = Fixture

    /// `reset()` lists the fields one by one (for speed); a field it forgets would leak from
    /// one packet into the next.
    func testResetRestoresEveryField() {
        let blank = DecodedPacket()
        XCTAssertEqual(Mirror(reflecting: blank).children.count, 47,
                       "DecodedPacket gained or lost a field: update reset() and this count")
        var decoder = PacketDecoder()
        var p = DecodedPacket()
        let frames: [[UInt8]] = [
            PacketBuilder.ethernet(PacketBuilder.udp(src: F.router, dst: F.router, sport: 1, dport: 4789, payload: PacketBuilder.vxlan(
                inner: PacketBuilder.ethernet(PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 1, dport: 443, flags: [.syn, .ack],
                                                                seq: 9, ack: 9, payload: PacketBuilder.tlsClientHello(sni: "x.example"))), vni: 9)),
                                   vlans: [1, 2]),
            PacketBuilder.ethernet(PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 1, dport: 80, payload: PacketBuilder.httpRequest(host: "h"))),
            PacketBuilder.icmpError(type: .timeExceeded, from: F.router, original: PacketBuilder.icmpEcho(src: F.pod, dst: F.internet, id: 3, seq: 1)),
            PacketBuilder.sctp(src: F.pod, dst: F.service, sport: 1, dport: 2, vtag: 5),
            PacketBuilder.fragment(PacketBuilder.udp(src: F.pod, dst: F.service, sport: 53, dport: 53,
                                                     payload: PacketBuilder.dnsResponse(id: 1, name: "a", addresses: [F.pod])), mtu: 40)[0],
        ]
        for frame in frames {
            frame.withUnsafeBytes { decoder.decode($0, linkType: frame[0] == 0x45 ? .ipv4 : .ethernet, wireLength: 9999, into: &p) }
            XCTAssertNotEqual(String(describing: p), String(describing: blank))
            p.reset()
            XCTAssertEqual(String(describing: p), String(describing: blank))
        }
    }

    func testTextOfSpans() {
        let bytes = Array("GET / HTTP/1.1".utf8)
        XCTAssertEqual(DecodedPacket.text(ByteSpan(offset: 4, length: 1), in: bytes), "/")
        XCTAssertEqual(DecodedPacket.text(ByteSpan(offset: 10, length: 10), in: bytes), "")
        XCTAssertEqual(DecodedPacket.text(.empty, in: bytes), "")
    }
}
