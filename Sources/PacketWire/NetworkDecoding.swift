import NetworkAddress

/// IPv4 (RFC 791), IPv6 (RFC 8200) and ARP (RFC 826) headers.
extension PacketDecoder {
    @usableFromInline
    mutating func decodeIPv4(_ b: Bytes, _ off: Int, _ p: inout DecodedPacket, depth: Int) {
        p.network = .ipv4
        p.etherType = Wire.etherIPv4
        p.l3Offset = UInt16(truncatingIfNeeded: off)
        guard b.has(off, 20) else { return p.fail(.ipv4Truncated) }
        let versionIHL = b.u8(off)
        guard versionIHL >> 4 == 4 else { return p.fail(.ipv4Version) }
        let ihl = Int(versionIHL & 0x0F) &* 4
        let total = Int(b.u16(off + 2))
        p.dscp = b.u8(off + 1) >> 2
        p.ipTotalLength = UInt16(truncatingIfNeeded: total)
        p.ttl = b.u8(off + 8)
        p.flow.proto = IPProtocol(rawValue: b.u8(off + 9))
        p.flow.src = IPAddress(v4: b.u32(off + 12))
        p.flow.dst = IPAddress(v4: b.u32(off + 16))
        guard ihl >= 20 else { return p.fail(.ipv4IHL) }
        guard total >= 20 else { return p.fail(.ipv4TotalLength) }
        guard ihl <= total else { return p.fail(.ipv4IHL) }      // header longer than the datagram
        guard b.has(off, ihl) else { return p.fail(.ipv4Truncated) }
        p.ipHeaderLength = UInt16(truncatingIfNeeded: ihl)
        if ihl > 20 && !PacketDecoder.validIPv4Options(b, off + 20, off + ihl) { return p.fail(.ipv4Options) }

        let declaredEnd = off + total
        var end = declaredEnd
        if end > b.count {
            // Cut by snaplen: decode what is there. Not cut but shorter than declared: bad length.
            if !p.snapTruncated { p.fail(.ipv4TotalLength) }
            end = b.count
        }
        let flagsOffset = b.u16(off + 6)
        let fragOffset = Int(flagsOffset & 0x1FFF) &* 8
        let more = flagsOffset & 0x2000 != 0
        if fragOffset != 0 || more {
            p.isFragment = true
            p.isFirstFragment = fragOffset == 0
            p.fragmentOffset = UInt16(truncatingIfNeeded: fragOffset)
            p.moreFragments = more
            p.fragmentID = UInt32(b.u16(off + 4))
        }
        decodeTransport(b, off + ihl, end, declaredEnd, &p, fragmentKey: p.flow.proto.rawValue, depth: depth)
    }

    /// RFC 791 option list: EOL (0) ends it, NOP (1) is one byte, others carry a length ≥ 2
    /// that must stay inside the header. Linux `ip_options_compile` (run by `ip_rcv_options` on
    /// every received packet with options, forwarded ones too) also drops — IPSTATS_MIB_INHDRERRORS —
    /// a record-route or source-route option shorter than 3 bytes or with a pointer below 4, a
    /// record route whose pointer leaves no room for an address, a second source route, record
    /// route or timestamp, a timestamp shorter than 4, with a pointer below 5, too little room for
    /// its flag's entry or a full overflow counter, and a router alert shorter than 4. Other
    /// options (security, stream id, unknown ones) are ignored on receipt; CIPSO is not checked.
    @inline(__always)
    static func validIPv4Options(_ b: Bytes, _ start: Int, _ end: Int) -> Bool {
        var o = start
        var sourceRoute = false, recordRoute = false, timestamp = false
        while o < end {
            let type = b.u8(o)
            if type == 0 { return true }
            if type == 1 { o &+= 1; continue }
            guard o + 1 < end else { return false }
            let len = Int(b.u8(o + 1))
            guard len >= 2, o + len <= end else { return false }
            switch type {
            case 7, 131, 137:                             // RR, LSRR, SSRR
                guard len >= 3 else { return false }
                let pointer = Int(b.u8(o + 2))
                guard pointer >= 4 else { return false }
                if type == 7 {
                    guard !recordRoute else { return false }
                    recordRoute = true
                    if pointer <= len && pointer + 3 > len { return false }
                } else {
                    guard !sourceRoute else { return false }
                    sourceRoute = true
                }
            case 68:                                      // Timestamp (RFC 791, flags 0/1/3)
                guard !timestamp, len >= 4 else { return false }
                timestamp = true
                let pointer = Int(b.u8(o + 2))
                guard pointer >= 5 else { return false }
                let flag = b.u8(o + 3) & 0x0F
                if pointer <= len {
                    guard pointer + 3 <= len else { return false }
                    if (flag == 1 || flag == 3) && pointer + 7 > len { return false }
                } else if flag != 3 && b.u8(o + 3) >> 4 == 15 {
                    return false                          // full, and the overflow counter too
                }
            case 148:                                     // Router Alert (RFC 2113)
                guard len >= 4 else { return false }
            default:
                break
            }
            o &+= len
        }
        return true
    }

    @usableFromInline
    mutating func decodeIPv6(_ b: Bytes, _ off: Int, _ p: inout DecodedPacket, depth: Int) {
        p.network = .ipv6
        p.etherType = Wire.etherIPv6
        p.l3Offset = UInt16(truncatingIfNeeded: off)
        guard b.has(off, 40) else { return p.fail(.ipv6Truncated) }
        let first = b.u32(off)
        guard first >> 28 == 6 else { return p.fail(.ipv6Version) }
        p.dscp = UInt8(truncatingIfNeeded: first >> 22) & 0x3F
        let payloadLength = Int(b.u16(off + 4))
        let next = b.u8(off + 6)
        p.ttl = b.u8(off + 7)
        p.flow.src = IPAddress(hi: b.u64(off + 8), lo: b.u64(off + 16))
        p.flow.dst = IPAddress(hi: b.u64(off + 24), lo: b.u64(off + 32))
        p.flow.proto = IPProtocol(rawValue: next)
        // Payload length 0 with a hop-by-hop header is a jumbogram (RFC 2675): use what was captured.
        let total = (payloadLength == 0 && next == 0) ? b.count - off : 40 + payloadLength
        p.ipTotalLength = UInt16(clamping: total)
        let declaredEnd = off + total
        var end = declaredEnd
        if end > b.count {
            if !p.snapTruncated { p.fail(.ipv6PayloadLength) }
            end = b.count
        }
        let chain = IPv6Chain.walk(b, next: next, from: off + 40, end: end)
        p.flow.proto = IPProtocol(rawValue: chain.proto)
        p.ipHeaderLength = UInt16(truncatingIfNeeded: chain.l4 - off)
        if chain.reason != .none { return p.fail(chain.reason) }
        if chain.fragment {
            p.isFragment = true
            p.isFirstFragment = chain.fragmentOffset == 0
            p.fragmentOffset = UInt16(truncatingIfNeeded: chain.fragmentOffset)
            p.moreFragments = chain.moreFragments
            p.fragmentID = chain.fragmentID
        }
        decodeTransport(b, chain.l4, end, declaredEnd, &p, fragmentKey: chain.fragmentNext, depth: depth)
    }

    @usableFromInline
    func decodeARP(_ b: Bytes, _ off: Int, _ p: inout DecodedPacket) {
        p.network = .arp
        p.l3Offset = UInt16(truncatingIfNeeded: off)
        guard b.has(off, 8) else { return p.fail(.arpTruncated) }
        let hlen = Int(b.u8(off + 4)), plen = Int(b.u8(off + 5))
        guard b.has(off + 8, 2 &* (hlen + plen)) else { return p.fail(.arpTruncated) }
        // IPv4-over-anything ARP: sender/target protocol addresses as the flow's src/dst.
        if b.u16(off + 2) == Wire.etherIPv4 && plen == 4 {
            p.flow.src = IPAddress(v4: b.u32(off + 8 + hlen))
            p.flow.dst = IPAddress(v4: b.u32(off + 8 + 2 * hlen + 4))
        }
    }
}

/// The walk over an IPv6 extension-header chain (RFC 8200 §4): hop-by-hop, routing,
/// destination options, fragment, AH (RFC 4302, length in 4-byte units) and the mobility/HIP/
/// shim6 headers that share the generic layout. ESP (50) and any other value end the chain.
/// The walk stops at a non-first fragment: what follows is the middle of the datagram.
@usableFromInline
struct IPv6Chain {
    @usableFromInline var proto: UInt8 = 0
    @usableFromInline var l4: Int = 0
    @usableFromInline var reason: MalformedReason = .none
    @usableFromInline var fragment = false
    @usableFromInline var fragmentOffset = 0
    @usableFromInline var moreFragments = false
    @usableFromInline var fragmentID: UInt32 = 0
    /// The fragment header's next-header value: the same in every fragment of a datagram, so it
    /// keys the fragment table (the upper-layer protocol may sit behind more headers).
    @usableFromInline var fragmentNext: UInt8 = 0

    init() {}

    @inline(__always)
    static func walk(_ b: Bytes, next: UInt8, from: Int, end: Int) -> IPv6Chain {
        var c = IPv6Chain()
        var nh = next
        var off = from
        var headers = 0
        while true {
            c.proto = nh
            c.l4 = off
            let length: Int
            switch nh {
            case 0, 43, 60, 135, 139, 140:
                guard headers < Wire.maxIPv6ExtHeaders else { c.reason = .ipv6ExtLoop; return c }
                guard off + 2 <= end else { c.reason = .ipv6ExtTruncated; return c }
                length = (Int(b.u8(off + 1)) &+ 1) &* 8
            case 51:
                guard headers < Wire.maxIPv6ExtHeaders else { c.reason = .ipv6ExtLoop; return c }
                guard off + 2 <= end else { c.reason = .ipv6ExtTruncated; return c }
                length = (Int(b.u8(off + 1)) &+ 2) &* 4
            case 44:
                guard headers < Wire.maxIPv6ExtHeaders else { c.reason = .ipv6ExtLoop; return c }
                guard off + 8 <= end else { c.reason = .ipv6ExtTruncated; return c }
                let field = b.u16(off + 2)
                let fragOffset = Int(field & 0xFFF8)    // 13-bit offset in 8-byte units, pre-shifted
                let more = field & 1 != 0
                // An atomic fragment (offset 0, M = 0, RFC 6946) is a whole datagram.
                if fragOffset != 0 || more {
                    c.fragment = true
                    c.fragmentOffset = fragOffset
                    c.moreFragments = more
                    c.fragmentID = b.u32(off + 4)
                    c.fragmentNext = b.u8(off)
                }
                length = 8
                if fragOffset != 0 {
                    c.proto = b.u8(off)
                    c.l4 = off + 8
                    return c
                }
            default:
                return c
            }
            guard off + length <= end else { c.reason = .ipv6ExtTruncated; return c }
            headers &+= 1
            nh = b.u8(off)
            off &+= length
        }
    }
}
