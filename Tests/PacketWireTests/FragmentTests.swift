import NetworkAddress
import XCTest
@testable import PacketWire

final class FragmentTests: XCTestCase {
    typealias F = Fixture

    func decodeAll(_ frames: [[UInt8]], _ link: LinkType, _ decoder: inout PacketDecoder) -> [DecodedPacket] {
        frames.map { decoder.decode($0, linkType: link) }
    }

    func testIPv4FragmentsAreAttributedToTheFlow() {
        let ip = PacketBuilder.udp(src: F.pod, dst: F.service, sport: 4000, dport: 8472,
                                   payload: [UInt8](repeating: 0xAB, count: 3000), id: 0x7777)
        let pieces = PacketBuilder.fragment(ip, mtu: 1500)
        XCTAssertEqual(pieces.count, 3)
        // Each fragment has a correct header checksum and the data reassembles to the original.
        for piece in pieces { XCTAssertEqual(F.folded(piece, 0..<20), 0xFFFF) }
        XCTAssertEqual(pieces.flatMap { $0[20...] }, Array(ip[20...]))

        var decoder = PacketDecoder()
        let p = decodeAll(pieces.map { PacketBuilder.ethernet($0) }, .ethernet, &decoder)
        XCTAssertTrue(p[0].isFragment)
        XCTAssertTrue(p[0].isFirstFragment)
        XCTAssertTrue(p[0].moreFragments)
        XCTAssertEqual(p[0].fragmentID, 0x7777)
        XCTAssertEqual(p[0].malformed, .none)
        for (i, q) in p.enumerated() {
            XCTAssertEqual(q.flow, FlowKey(src: F.pod, dst: F.service, srcPort: 4000, dstPort: 8472, proto: .udp), "fragment \(i)")
            XCTAssertEqual(q.malformed, .none)
            XCTAssertTrue(q.hasTransport)
        }
        XCTAssertFalse(p[1].isFirstFragment)
        XCTAssertTrue(p[1].fragmentResolved)
        XCTAssertEqual(p[1].fragmentOffset, 1480)
        XCTAssertEqual(p[1].payloadLength, 1480)
        XCTAssertFalse(p[2].moreFragments)
        XCTAssertEqual(p[2].fragmentOffset, 2960)
        XCTAssertEqual(Int(p[2].payloadLength), 3008 - 2960)
        XCTAssertFalse(p[2].isOrphanFragment)
        XCTAssertEqual(decoder.fragmentEntries, 1)
    }

    func testIPv6FragmentsWithUnfragmentablePart() {
        let ip = PacketBuilder.tcp(src: F.pod6, dst: F.service6, sport: 30000, dport: 443, flags: [.ack, .psh],
                                   payload: [UInt8](repeating: 1, count: 2000), extensions: [.hopByHop, .destinationOptions])
        let pieces = PacketBuilder.fragment(ip, mtu: 1280, id: 0xABCD_EF01)
        XCTAssertEqual(pieces.count, 2)
        var decoder = PacketDecoder()
        let p = decodeAll(pieces, .ipv6, &decoder)
        XCTAssertTrue(p[0].isFirstFragment)
        XCTAssertEqual(p[0].fragmentID, 0xABCD_EF01)
        XCTAssertEqual(p[0].tcpFlags, [.ack, .psh])
        XCTAssertEqual(p[1].flow, FlowKey(src: F.pod6, dst: F.service6, srcPort: 30000, dstPort: 443, proto: .tcp))
        XCTAssertTrue(p[1].fragmentResolved)
        XCTAssertEqual(p[1].malformed, .none)
        // Reordered: the last fragment first is an orphan, the later first fragment resolves the flow.
        var fresh = PacketDecoder()
        let reversed = decodeAll(pieces.reversed(), .ipv6, &fresh)
        XCTAssertTrue(reversed[0].isOrphanFragment)
        XCTAssertEqual(reversed[1].flow.dstPort, 443)
    }

    func testOrphanIsCountedButFlagged() {
        let ip = PacketBuilder.udp(src: F.pod, dst: F.service, sport: 1, dport: 2, payload: [UInt8](repeating: 0, count: 100))
        let second = PacketBuilder.fragment(ip, mtu: 60)[1]
        let p = F.decode(second, .ipv4)
        XCTAssertEqual(p.network, .ipv4)
        XCTAssertEqual(p.flow.proto, .udp)
        XCTAssertEqual(p.malformed, .none)          // not an error: a capture may start mid-datagram
        XCTAssertTrue(p.isOrphanFragment)
        XCTAssertFalse(p.hasTransport)
        XCTAssertEqual(p.flow.srcPort, 0)
    }

    func testFragmentKeyIncludesAddressesIDAndProtocol() {
        var decoder = PacketDecoder()
        let a = PacketBuilder.fragment(PacketBuilder.udp(src: F.pod, dst: F.service, sport: 11, dport: 12,
                                                         payload: [UInt8](repeating: 0, count: 64), id: 5), mtu: 60)
        _ = decoder.decode(a[0], linkType: .ipv4)
        // Same id, other source: not resolved.
        let b = PacketBuilder.fragment(PacketBuilder.udp(src: F.internet, dst: F.service, sport: 1, dport: 2,
                                                         payload: [UInt8](repeating: 0, count: 64), id: 5), mtu: 60)
        XCTAssertTrue(decoder.decode(b[1], linkType: .ipv4).isOrphanFragment)
        XCTAssertEqual(decoder.decode(a[1], linkType: .ipv4).flow.srcPort, 11)
    }

    func testTableIsBoundedAndCountsEvictions() {
        let capacity = 64
        var decoder = PacketDecoder(options: DecoderOptions(fragmentCapacity: capacity))
        var firsts: [[UInt8]] = []
        var seconds: [[UInt8]] = []
        for id in 0..<UInt16(capacity * 3) {
            let pieces = PacketBuilder.fragment(PacketBuilder.udp(src: F.pod, dst: F.service, sport: 1000 + id, dport: 53,
                                                                  payload: [UInt8](repeating: 0, count: 64), id: id), mtu: 60)
            firsts.append(pieces[0])
            seconds.append(pieces[1])
        }
        for f in firsts { _ = decoder.decode(f, linkType: .ipv4) }
        XCTAssertEqual(decoder.fragmentEntries, capacity)
        XCTAssertGreaterThanOrEqual(decoder.fragmentEvictions, capacity * 2)
        // The most recent datagrams are mostly still resolvable; the oldest were evicted.
        let recent = seconds.suffix(capacity / 4).filter { decoder.decode($0, linkType: .ipv4).fragmentResolved }.count
        let old = seconds.prefix(capacity / 4).filter { decoder.decode($0, linkType: .ipv4).fragmentResolved }.count
        XCTAssertGreaterThan(recent, old)
        // Zero capacity disables the table instead of trapping.
        var none = PacketDecoder(options: DecoderOptions(fragmentCapacity: 0))
        _ = none.decode(firsts[0], linkType: .ipv4)
        XCTAssertTrue(none.decode(seconds[0], linkType: .ipv4).isOrphanFragment)
    }
}
