import NetworkAddress
import XCTest
@testable import PacketWire

/// Random bytes (deterministic seed) on every link type, plus valid packets with random
/// mutations, decode without trapping and keep every span inside the buffer.
final class FuzzTests: XCTestCase {
    func testRandomInputsNeverTrap() {
        let links: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .raw, .rawOpenBSD, .linktypeRaw, .ipv4, .ipv6, .null, .loop]
        var rng = SplitMix(seed: 0xA55_5EED)
        var decoder = PacketDecoder(options: DecoderOptions(fragmentCapacity: 128))
        var p = DecodedPacket()
        var buffer = [UInt8](repeating: 0, count: 256)
        let seeds = MalformedTests.samples.map(\.1)
        var decodedIPv4 = 0
        for i in 0..<100_000 {
            let length: Int
            if i % 2 == 0 {
                // Pure noise with a plausible first nibble half of the time.
                length = Int(rng.next() % 200)
                for j in 0..<length { buffer[j] = UInt8(truncatingIfNeeded: rng.next()) }
                if length > 0 && i % 4 == 0 { buffer[0] = (rng.next() & 1 == 0 ? 0x45 : 0x60) }
            } else {
                // A valid packet with a few random bytes overwritten.
                let seed = seeds[Int(rng.next() % UInt64(seeds.count))]
                length = min(seed.count, buffer.count)
                for j in 0..<length { buffer[j] = seed[j] }
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    buffer[Int(rng.next() % UInt64(length))] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            let link = links[Int(rng.next() % UInt64(links.count))]
            buffer.withUnsafeBytes { raw in
                let view = UnsafeRawBufferPointer(rebasing: raw[0..<length])
                decoder.decode(view, linkType: link, wireLength: UInt32(length), into: &p)
            }
            XCTAssertLessThanOrEqual(Int(p.payloadOffset) + Int(p.payloadLength), max(length, Int(p.payloadOffset)))
            XCTAssertLessThanOrEqual(Int(p.sni.offset) + Int(p.sni.length), length)
            XCTAssertLessThanOrEqual(Int(p.httpHost.offset) + Int(p.httpHost.length), length)
            if p.network == .ipv4 && p.malformed == .none { decodedIPv4 += 1 }
        }
        // The mutated half still decodes cleanly often enough to exercise the deep layers.
        XCTAssertGreaterThan(decodedIPv4, 1000)
        XCTAssertLessThanOrEqual(decoder.fragmentEntries, 128)
    }
}
