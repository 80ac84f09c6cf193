import NetworkAddress
import XCTest
@testable import PacketWire

enum Fixture {
    static let pod = IPAddress(10, 244, 1, 5)
    static let service = IPAddress(10, 0, 0, 10)
    static let internet = IPAddress(203, 0, 113, 7)
    static let router = IPAddress(10, 224, 0, 1)
    static let pod6 = IPAddress("fd00:10:244:1::5")!
    static let service6 = IPAddress("fd00:10:96::a")!
    static let router6 = IPAddress("fd00::1")!

    /// Decodes one frame with a fresh decoder (wire length defaults to the frame's length).
    static func decode(
        _ frame: [UInt8], _ linkType: LinkType = .ethernet, wire: Int? = nil, options: DecoderOptions = .init()
    ) -> DecodedPacket {
        var decoder = PacketDecoder(options: options)
        return decoder.decode(frame, linkType: linkType, wireLength: wire.map { UInt32($0) })
    }

    /// One's-complement sum over `range` folded; 0xFFFF when a checksum inside it is right.
    static func folded(_ bytes: [UInt8], _ range: Range<Int>, initial: UInt32 = 0) -> UInt16 {
        var s = initial
        var i = range.lowerBound
        while i + 1 < range.upperBound { s += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]); i += 2 }
        if i < range.upperBound { s += UInt32(bytes[i]) << 8 }
        while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
        return UInt16(s)
    }

    /// Pseudo-header sum for a transport segment of an IP packet without extension headers.
    static func pseudo(_ ip: [UInt8], proto: UInt8, length: Int) -> UInt32 {
        let v6 = ip[0] >> 4 == 6
        let addr = v6 ? ip[8..<40] : ip[12..<20]
        var s = UInt32(proto) + UInt32(length)
        var i = addr.startIndex
        while i < addr.endIndex { s += UInt32(addr[i]) << 8 | UInt32(addr[i + 1]); i += 2 }
        return s
    }

    static func text(_ span: ByteSpan, _ frame: [UInt8]) -> String { DecodedPacket.text(span, in: frame) }
}
