import NetworkAddress

/// TCP (RFC 9293), UDP (RFC 768), SCTP (RFC 9260), ICMP (RFC 792) and ICMPv6 (RFC 4443).
///
/// `l4` is where the transport header starts, `end` the end of the IP datagram as captured
/// (min of the IP length and caplen) and `declaredEnd` the end the IP header claims; a header
/// that needs bytes past `end` is `*.truncated`, a length field that points past `declaredEnd`
/// is a length error.
extension PacketDecoder {
    @usableFromInline
    mutating func decodeTransport(
        _ b: Bytes, _ l4: Int, _ end: Int, _ declaredEnd: Int, _ p: inout DecodedPacket, fragmentKey: UInt8, depth: Int
    ) {
        p.l4Offset = UInt16(truncatingIfNeeded: l4)
        p.payloadOffset = UInt16(truncatingIfNeeded: l4)
        p.payloadLength = UInt16(truncatingIfNeeded: max(0, end - l4))
        if p.isFragment && !p.isFirstFragment {
            // The middle of a datagram: no transport header here; ports come from the first fragment.
            if let entry = fragments.lookup(p.flow.src, p.flow.dst, p.fragmentID, fragmentKey) {
                p.flow.srcPort = entry.srcPort
                p.flow.dstPort = entry.dstPort
                p.flow.proto = IPProtocol(rawValue: entry.upper)
                p.fragmentResolved = true
                p.hasTransport = true
            }
            return
        }
        switch p.flow.proto.rawValue {
        case 6: decodeTCP(b, l4, end, declaredEnd, &p)
        case 17: decodeUDP(b, l4, end, declaredEnd, &p, depth: depth)
        case 132: decodeSCTP(b, l4, end, declaredEnd, &p)
        case 1, 58: decodeICMP(b, l4, end, &p, v6: p.flow.proto.rawValue == 58)
        default: return
        }
        if p.isFirstFragment && p.hasTransport {
            fragments.insert(p.flow.src, p.flow.dst, p.fragmentID, fragmentKey, p.flow.proto.rawValue, p.flow.srcPort, p.flow.dstPort)
        }
    }

    @usableFromInline
    func decodeTCP(_ b: Bytes, _ l4: Int, _ end: Int, _ declaredEnd: Int, _ p: inout DecodedPacket) {
        guard end - l4 >= 20 else {
            // An IPv4 first fragment may end inside the TCP header: RFC 791 asks only 8 data
            // bytes of each fragment and Linux reassembles (ip_defrag, nf_defrag_ipv4) before TCP
            // reads it. Its ports are in the first 4 bytes; the rest is in the next fragment.
            // IPv6 differs: RFC 8200 §4.5 / Linux `ipv6frag_thdr_truncated` (reassembly and
            // nf_conntrack_reasm) discard a first fragment without the whole 20-byte TCP header.
            if p.isFragment && p.network == .ipv4 && declaredEnd - l4 < 20 && end - l4 >= 4 {
                return fragmentPorts(b, l4, end, &p)
            }
            return p.fail(.tcpTruncated)
        }
        p.flow.srcPort = b.u16(l4)
        p.flow.dstPort = b.u16(l4 + 2)
        p.tcpSeq = b.u32(l4 + 4)
        p.tcpAck = b.u32(l4 + 8)
        p.tcpFlags = TCPFlags(rawValue: b.u8(l4 + 13))
        p.tcpWindow = b.u16(l4 + 14)
        p.hasTransport = true
        let dataOffset = Int(b.u8(l4 + 12) >> 4) &* 4
        guard dataOffset >= 20 else { return p.fail(.tcpOffset) }
        // In a first fragment the options may continue in the next fragment (same reason as above).
        if p.isFragment && l4 + dataOffset > declaredEnd { return fragmentPorts(b, l4, end, &p) }
        guard l4 + dataOffset <= declaredEnd else { return p.fail(.tcpOffset) }
        guard l4 + dataOffset <= end else { return p.fail(.tcpTruncated) }
        let payload = l4 + dataOffset
        p.payloadOffset = UInt16(truncatingIfNeeded: payload)
        p.payloadLength = UInt16(truncatingIfNeeded: end - payload)
        if options.sniff && payload < end {
            PayloadSniffer.tcp(b, payload, end, &p)
        }
    }

    /// A first fragment cut inside its transport header: the ports, and no payload here.
    @inline(__always)
    func fragmentPorts(_ b: Bytes, _ l4: Int, _ end: Int, _ p: inout DecodedPacket) {
        p.flow.srcPort = b.u16(l4)
        p.flow.dstPort = b.u16(l4 + 2)
        p.hasTransport = true
        p.payloadOffset = UInt16(truncatingIfNeeded: end)
        p.payloadLength = 0
    }

    @usableFromInline
    mutating func decodeUDP(_ b: Bytes, _ l4: Int, _ end: Int, _ declaredEnd: Int, _ p: inout DecodedPacket, depth: Int) {
        guard end - l4 >= 8 else { return p.fail(.udpTruncated) }
        p.flow.srcPort = b.u16(l4)
        p.flow.dstPort = b.u16(l4 + 2)
        p.hasTransport = true
        let length = Int(b.u16(l4 + 4))
        p.udpLength = UInt16(truncatingIfNeeded: length)
        // In a first fragment the UDP length covers the whole datagram, not this fragment.
        guard length >= 8, p.isFragment || l4 + length <= declaredEnd else { return p.fail(.udpLength) }
        let payload = l4 + 8
        let payloadEnd = p.isFragment ? end : min(end, l4 + length)
        p.payloadOffset = UInt16(truncatingIfNeeded: payload)
        p.payloadLength = UInt16(truncatingIfNeeded: payloadEnd - payload)
        if options.vxlan && p.flow.dstPort == options.vxlanPort && !p.isFragment {
            return decodeVXLAN(b, payload, payloadEnd, &p, depth: depth)
        }
        if options.sniff && payload < payloadEnd {
            PayloadSniffer.udp(b, payload, payloadEnd, &p)
        }
    }

    @usableFromInline
    func decodeSCTP(_ b: Bytes, _ l4: Int, _ end: Int, _ declaredEnd: Int, _ p: inout DecodedPacket) {
        guard end - l4 >= 12 else {
            // An 8-byte first fragment holds the ports but not the verification tag (see decodeTCP).
            if p.isFragment && declaredEnd - l4 < 12 && end - l4 >= 4 { return fragmentPorts(b, l4, end, &p) }
            return p.fail(.sctpTruncated)
        }
        p.flow.srcPort = b.u16(l4)
        p.flow.dstPort = b.u16(l4 + 2)
        p.sctpVerificationTag = b.u32(l4 + 4)
        p.hasTransport = true
        if end - l4 >= 16 { p.sctpFirstChunk = b.u8(l4 + 12) }
        p.payloadOffset = UInt16(truncatingIfNeeded: l4 + 12)
        p.payloadLength = UInt16(truncatingIfNeeded: end - l4 - 12)
    }

    /// Echo request/reply put the identifier in both ports (Linux conntrack keys ICMP by id).
    /// Errors expose the embedded original datagram's 5-tuple in `icmpInner`.
    @usableFromInline
    func decodeICMP(_ b: Bytes, _ l4: Int, _ end: Int, _ p: inout DecodedPacket, v6: Bool) {
        guard end - l4 >= 8 else { return p.fail(v6 ? .icmpv6Truncated : .icmpTruncated) }
        let type = b.u8(l4)
        p.icmpType = type
        p.icmpCode = b.u8(l4 + 1)
        p.hasTransport = true
        p.payloadOffset = UInt16(truncatingIfNeeded: l4 + 8)
        p.payloadLength = UInt16(truncatingIfNeeded: end - l4 - 8)
        let isEcho = v6 ? (type == 128 || type == 129) : (type == 0 || type == 8)
        if isEcho {
            let id = b.u16(l4 + 4)
            p.icmpEchoID = id
            p.flow.srcPort = id
            p.flow.dstPort = id
            return
        }
        // v4: 3 unreachable (incl. code 4 frag-needed), 4 source quench, 5 redirect, 11 time
        // exceeded, 12 parameter problem — Linux `icmp_is_err`, the set nf_conntrack_proto_icmp
        // reads the quoted datagram of (RELATED to its connection).
        // v6: 1 unreachable, 2 packet too big, 3 time exceeded, 4 parameter problem.
        let isError = v6 ? (type >= 1 && type <= 4) : (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)
        guard isError else { return }
        p.icmpIsError = true
        decodeICMPInner(b, l4 + 8, end, &p)
    }

    /// The original datagram quoted in an ICMP error: its IP header plus at least the first
    /// 8 bytes of its transport header (RFC 792) — enough for ports and the echo id.
    @usableFromInline
    func decodeICMPInner(_ b: Bytes, _ off: Int, _ end: Int, _ p: inout DecodedPacket) {
        guard off < end else { return p.fail(.icmpInnerTruncated) }
        var inner = FlowKey(src: .zero4, dst: .zero4, srcPort: 0, dstPort: 0, proto: IPProtocol(rawValue: 0))
        var l4 = 0
        var portsPresent = true
        switch b.u8(off) >> 4 {
        case 4:
            guard end - off >= 20 else { return p.fail(.icmpInnerTruncated) }
            let ihl = Int(b.u8(off) & 0x0F) &* 4
            guard ihl >= 20, end - off >= ihl else { return p.fail(.icmpInnerTruncated) }
            inner.proto = IPProtocol(rawValue: b.u8(off + 9))
            inner.src = IPAddress(v4: b.u32(off + 12))
            inner.dst = IPAddress(v4: b.u32(off + 16))
            portsPresent = b.u16(off + 6) & 0x1FFF == 0
            l4 = off + ihl
        case 6:
            guard end - off >= 40 else { return p.fail(.icmpInnerTruncated) }
            inner.src = IPAddress(hi: b.u64(off + 8), lo: b.u64(off + 16))
            inner.dst = IPAddress(hi: b.u64(off + 24), lo: b.u64(off + 32))
            let chain = IPv6Chain.walk(b, next: b.u8(off + 6), from: off + 40, end: end)
            guard chain.reason == .none else { return p.fail(.icmpInnerTruncated) }
            inner.proto = IPProtocol(rawValue: chain.proto)
            portsPresent = chain.fragmentOffset == 0
            l4 = chain.l4
        default:
            return p.fail(.icmpInnerTruncated)
        }
        if portsPresent {
            switch inner.proto.rawValue {
            case 6, 17, 132:
                guard end - l4 >= 4 else { return p.fail(.icmpInnerTruncated) }
                inner.srcPort = b.u16(l4)
                inner.dstPort = b.u16(l4 + 2)
            case 1, 58:
                guard end - l4 >= 8 else { return p.fail(.icmpInnerTruncated) }
                let t = b.u8(l4)
                let echo = inner.proto.rawValue == 1 ? (t == 0 || t == 8) : (t == 128 || t == 129)
                if echo {
                    inner.srcPort = b.u16(l4 + 4)
                    inner.dstPort = inner.srcPort
                }
            default:
                break
            }
        }
        p.icmpInner = inner
        p.icmpInnerValid = true
    }
}
