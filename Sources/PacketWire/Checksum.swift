import NetworkAddress

/// Internet checksum (RFC 1071) and SCTP's CRC32c (RFC 9260 Appendix A), for building packets.
enum Checksum {
    /// One's-complement sum of 16-bit big-endian words, not yet folded.
    static func sum(_ bytes: [UInt8], _ range: Range<Int>, initial: UInt32 = 0) -> UInt32 {
        var s = initial
        var i = range.lowerBound
        while i + 1 < range.upperBound {
            s &+= UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < range.upperBound { s &+= UInt32(bytes[i]) << 8 }
        return s
    }

    static func finish(_ sum: UInt32) -> UInt16 {
        var s = sum
        while s >> 16 != 0 { s = (s & 0xFFFF) &+ (s >> 16) }
        return ~UInt16(s)
    }

    /// TCP/UDP/ICMPv6 pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1).
    static func pseudo(_ src: IPAddress, _ dst: IPAddress, _ proto: UInt8, _ length: Int) -> UInt32 {
        let a = Wire.addressBytes(src) + Wire.addressBytes(dst)
        return sum(a, 0..<a.count, initial: UInt32(proto) &+ UInt32(length & 0xFFFF) &+ UInt32(length >> 16))
    }

    static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}

extension Wire {
    static func addressBytes(_ a: IPAddress) -> [UInt8] {
        if a.isIPv4 { return be32(a.v4) }
        return be64(a.hi) + be64(a.lo)
    }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32($0))) } }
    static func be64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64($0))) } }

    static func put16(_ a: inout [UInt8], _ o: Int, _ v: UInt16) {
        a[o] = UInt8(v >> 8)
        a[o + 1] = UInt8(v & 0xFF)
    }

    static func put32(_ a: inout [UInt8], _ o: Int, _ v: UInt32) {
        for i in 0..<4 { a[o + i] = UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32(i))) }
    }
}
