import NetworkAddress

/// Link-layer header types (DLT / LINKTYPE values as libpcap reports them from `pcap_datalink`).
/// Raw IP has several numberings across platforms: DLT_RAW is 12 on most systems, 14 on
/// OpenBSD, and LINKTYPE_RAW is 101; LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229) are
/// single-family raw IP.
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }

    @inlinable public static var null: LinkType { LinkType(rawValue: 0) }          // BSD loopback, host-order AF_ family
    @inlinable public static var ethernet: LinkType { LinkType(rawValue: 1) }
    @inlinable public static var raw: LinkType { LinkType(rawValue: 12) }          // DLT_RAW (most platforms)
    @inlinable public static var rawOpenBSD: LinkType { LinkType(rawValue: 14) }   // DLT_RAW on OpenBSD
    @inlinable public static var loop: LinkType { LinkType(rawValue: 108) }        // OpenBSD loopback, network-order family
    @inlinable public static var linktypeRaw: LinkType { LinkType(rawValue: 101) } // LINKTYPE_RAW
    @inlinable public static var linuxSLL: LinkType { LinkType(rawValue: 113) }
    @inlinable public static var linuxSLL2: LinkType { LinkType(rawValue: 276) }
    @inlinable public static var ipv4: LinkType { LinkType(rawValue: 228) }
    @inlinable public static var ipv6: LinkType { LinkType(rawValue: 229) }

    /// The link types `PacketDecoder.decodeLink` reads; any other decodes as `link.unsupported`.
    public var isDecodable: Bool { [0, 1, 12, 14, 101, 108, 113, 228, 229, 276].contains(rawValue) }

    public var description: String {
        switch rawValue {
        case 0: return "NULL"
        case 1: return "EN10MB"
        case 12, 14, 101: return "RAW"
        case 108: return "LOOP"
        case 113: return "LINUX_SLL"
        case 276: return "LINUX_SLL2"
        case 228: return "IPV4"
        case 229: return "IPV6"
        default: return "DLT_\(rawValue)"
        }
    }
}

/// Why a packet could not be decoded completely. Stable, dotted names (`ipv4.ihl`) are what
/// reports and metrics print. `none` means the packet decoded fully.
public enum MalformedReason: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case linkTruncated            // link header shorter than its fixed size
    case linkUnsupported          // link type we do not decode
    case vlanTruncated
    case vlanTooDeep              // more stacked tags than we walk
    case sllTruncated
    case nullFamily               // BSD NULL/LOOP with an unknown address family
    case ipv4Truncated
    case ipv4Version
    case ipv4IHL                  // IHL < 5 or header longer than the data
    case ipv4TotalLength          // total length < header length
    case ipv4Options              // malformed option list
    case ipv6Truncated
    case ipv6Version
    case ipv6PayloadLength
    case ipv6ExtTruncated
    case ipv6ExtLoop              // too many extension headers / a chain that does not end
    case tcpTruncated
    case tcpOffset                // data offset < 5 or beyond the segment
    case udpTruncated
    case udpLength
    case sctpTruncated
    case icmpTruncated
    case icmpv6Truncated
    case icmpInnerTruncated       // ICMP error whose embedded header is cut
    case arpTruncated
    case vxlanTruncated
    case fragmentOrphan           // non-first fragment whose first fragment was never seen
    case tooDeep                  // encapsulation nesting beyond the limit

    /// The IP header itself is bad (ipv4.*, ipv6.*): the transport header was never reached, so
    /// the packet counts under no transport protocol (tshark shows such a frame as `ip` only).
    @inlinable public var stopsBeforeTransport: Bool {
        rawValue >= MalformedReason.ipv4Truncated.rawValue && rawValue <= MalformedReason.ipv6ExtLoop.rawValue
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case .linkTruncated: return "link.truncated"
        case .linkUnsupported: return "link.unsupported"
        case .vlanTruncated: return "vlan.truncated"
        case .vlanTooDeep: return "vlan.depth"
        case .sllTruncated: return "sll.truncated"
        case .nullFamily: return "null.family"
        case .ipv4Truncated: return "ipv4.truncated"
        case .ipv4Version: return "ipv4.version"
        case .ipv4IHL: return "ipv4.ihl"
        case .ipv4TotalLength: return "ipv4.total_length"
        case .ipv4Options: return "ipv4.options"
        case .ipv6Truncated: return "ipv6.truncated"
        case .ipv6Version: return "ipv6.version"
        case .ipv6PayloadLength: return "ipv6.payload_length"
        case .ipv6ExtTruncated: return "ipv6.ext.truncated"
        case .ipv6ExtLoop: return "ipv6.ext.loop"
        case .tcpTruncated: return "tcp.truncated"
        case .tcpOffset: return "tcp.offset"
        case .udpTruncated: return "udp.truncated"
        case .udpLength: return "udp.length"
        case .sctpTruncated: return "sctp.truncated"
        case .icmpTruncated: return "icmp.truncated"
        case .icmpv6Truncated: return "icmpv6.truncated"
        case .icmpInnerTruncated: return "icmp.inner.truncated"
        case .arpTruncated: return "arp.truncated"
        case .vxlanTruncated: return "vxlan.truncated"
        case .fragmentOrphan: return "fragment.orphan"
        case .tooDeep: return "encap.depth"
        }
    }
}

/// What the network layer was.
public enum NetworkKind: UInt8, Sendable {
    case none = 0, ipv4, ipv6, arp, other
}

/// TCP flag bits as on the wire (byte 13 of the TCP header).
public struct TCPFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public static var fin: TCPFlags { TCPFlags(rawValue: 0x01) }
    @inlinable public static var syn: TCPFlags { TCPFlags(rawValue: 0x02) }
    @inlinable public static var rst: TCPFlags { TCPFlags(rawValue: 0x04) }
    @inlinable public static var psh: TCPFlags { TCPFlags(rawValue: 0x08) }
    @inlinable public static var ack: TCPFlags { TCPFlags(rawValue: 0x10) }
    @inlinable public static var urg: TCPFlags { TCPFlags(rawValue: 0x20) }
    @inlinable public static var ece: TCPFlags { TCPFlags(rawValue: 0x40) }
    @inlinable public static var cwr: TCPFlags { TCPFlags(rawValue: 0x80) }
}

/// The 5-tuple the pipeline classifies on. For ICMP/ICMPv6 echo, `srcPort` and `dstPort`
/// both carry the echo identifier (as Linux conntrack keys ICMP by id); for other ICMP
/// messages they are zero. For non-first fragments they are recovered from the fragment table.
public struct FlowKey: Hashable, Sendable {
    public var src: IPAddress
    public var dst: IPAddress
    public var srcPort: UInt16
    public var dstPort: UInt16
    public var proto: IPProtocol

    @inlinable
    public init(src: IPAddress, dst: IPAddress, srcPort: UInt16, dstPort: UInt16, proto: IPProtocol) {
        self.src = src
        self.dst = dst
        self.srcPort = srcPort
        self.dstPort = dstPort
        self.proto = proto
    }

    @inlinable
    public var reversed: FlowKey {
        FlowKey(src: dst, dst: src, srcPort: dstPort, dstPort: srcPort, proto: proto)
    }

    /// A well-mixed hash without Hasher state, identical for a key and its `reversed`
    /// when `symmetric` is true (used to keep both directions on one worker).
    @inlinable
    public func mix(symmetric: Bool = false) -> UInt64 {
        var a = src.mix, b = dst.mix
        var pa = UInt64(srcPort), pb = UInt64(dstPort)
        if symmetric && (b < a || (a == b && pb < pa)) { swap(&a, &b); swap(&pa, &pb) }
        var h = a &+ (b &* 0x9E37_79B9_7F4A_7C15)
        h ^= (pa << 24 | pb << 8 | UInt64(proto.rawValue)) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        return h ^ (h >> 33)
    }
}

/// A byte range inside the packet buffer (zero-copy reference to SNI / Host / payload).
public struct ByteSpan: Hashable, Sendable {
    public var offset: UInt16
    public var length: UInt16
    @inlinable public init(offset: UInt16, length: UInt16) { self.offset = offset; self.length = length }
    public static let empty = ByteSpan(offset: 0, length: 0)
    @inlinable public var isEmpty: Bool { length == 0 }
}

/// One decoded packet. A plain value with no references: the decoder fills one per worker and
/// reuses it, so decoding never allocates. Byte spans point into the caller's buffer and are
/// valid only while that buffer is.
public struct DecodedPacket: Sendable {
    public var linkType: LinkType = .ethernet
    /// Bytes captured (caplen) and on the wire (len).
    public var capturedLength: UInt32 = 0
    public var wireLength: UInt32 = 0
    /// Set when the capture cut the packet (caplen < len) — decoded as far as it goes.
    public var snapTruncated: Bool = false
    public var malformed: MalformedReason = .none

    /// 802.1Q/802.1ad tags walked (outermost first, up to 2 recorded), and how many.
    public var vlanCount: UInt8 = 0
    public var vlanOuter: UInt16 = 0
    public var vlanInner: UInt16 = 0
    /// Set when the packet was a VXLAN-encapsulated frame and the fields below describe the inner frame.
    public var vxlan: Bool = false
    public var vxlanVNI: UInt32 = 0

    public var network: NetworkKind = .none
    /// EtherType of the network layer (0x0800, 0x86DD, 0x0806, …); 0 when unknown.
    public var etherType: UInt16 = 0
    /// Offset of the (innermost) IP header in the buffer.
    public var l3Offset: UInt16 = 0
    /// IPv4 header with options, or IPv6 fixed header plus the extension headers walked.
    public var ipHeaderLength: UInt16 = 0
    /// IPv4 total length or IPv6 40 + payload length: the IP packet's own size.
    public var ipTotalLength: UInt16 = 0
    public var ttl: UInt8 = 0
    public var dscp: UInt8 = 0

    /// The flow's 5-tuple (ports zero when the transport was not reached).
    public var flow = FlowKey(src: .zero4, dst: .zero4, srcPort: 0, dstPort: 0, proto: IPProtocol(rawValue: 0))
    /// True when the ports are valid: the transport header was parsed, or — for a non-first
    /// fragment — they were recovered from the fragment table (`fragmentResolved`; TCP flags and
    /// sequence numbers are then zero, they live in the first fragment only).
    public var hasTransport: Bool = false

    /// Fragmentation: `isFragment` for any fragment; `isFirstFragment` for offset 0 with MF set.
    /// Non-first fragments get their ports from the fragment table; `fragmentResolved` says so.
    /// An unresolved one (`isOrphanFragment`) is not malformed: it counts as its IP family and
    /// protocol, without ports. `malformed` is never `.fragmentOrphan` from the decoder.
    public var isFragment: Bool = false
    public var isFirstFragment: Bool = false
    public var fragmentResolved: Bool = false
    public var fragmentID: UInt32 = 0
    public var fragmentOffset: UInt16 = 0   // in bytes
    public var moreFragments: Bool = false

    /// Offset of the transport header and of its payload; payload length as captured.
    public var l4Offset: UInt16 = 0
    public var payloadOffset: UInt16 = 0
    public var payloadLength: UInt16 = 0

    // TCP
    public var tcpFlags: TCPFlags = []
    public var tcpSeq: UInt32 = 0
    public var tcpAck: UInt32 = 0
    public var tcpWindow: UInt16 = 0

    // UDP: the length field (header + data), as sent.
    public var udpLength: UInt16 = 0

    // ICMP / ICMPv6
    public var icmpType: UInt8 = 0
    public var icmpCode: UInt8 = 0
    /// For ICMP echo request/reply: the identifier (also placed in flow ports).
    public var icmpEchoID: UInt16 = 0
    /// ICMP error messages (unreachable, time exceeded, parameter problem, packet too big):
    /// the embedded original packet's 5-tuple, as sent by the original sender.
    public var icmpIsError: Bool = false
    public var icmpInner: FlowKey = FlowKey(src: .zero4, dst: .zero4, srcPort: 0, dstPort: 0, proto: IPProtocol(rawValue: 0))
    public var icmpInnerValid: Bool = false

    // SCTP
    public var sctpVerificationTag: UInt32 = 0
    /// First chunk type (1 = INIT, 2 = INIT ACK, 6 = ABORT, 7 = SHUTDOWN, …).
    public var sctpFirstChunk: UInt8 = 0

    // Application sniffing (first payload of a flow): spans into the packet buffer.
    public var tlsClientHello: Bool = false
    public var sni: ByteSpan = .empty
    public var httpRequest: Bool = false
    public var httpHost: ByteSpan = .empty

    // DNS (UDP/TCP 53) — whether the payload looked like DNS, and whether it is a response.
    public var isDNS: Bool = false
    public var dnsResponse: Bool = false

    public init() {}

    /// Resets every field for reuse. Field by field, because `self = DecodedPacket()` compiles to
    /// a temporary plus a memcpy of the whole value — a third of the decode time for small
    /// packets. `DecodedPacketTests.testResetRestoresEveryField` keeps this list complete.
    @inlinable
    public mutating func reset() {
        linkType = .ethernet
        capturedLength = 0
        wireLength = 0
        snapTruncated = false
        malformed = .none
        vlanCount = 0
        vlanOuter = 0
        vlanInner = 0
        vxlan = false
        vxlanVNI = 0
        network = .none
        etherType = 0
        l3Offset = 0
        ipHeaderLength = 0
        ipTotalLength = 0
        ttl = 0
        dscp = 0
        flow = DecodedPacket.noFlow
        hasTransport = false
        isFragment = false
        isFirstFragment = false
        fragmentResolved = false
        fragmentID = 0
        fragmentOffset = 0
        moreFragments = false
        l4Offset = 0
        payloadOffset = 0
        payloadLength = 0
        tcpFlags = []
        tcpSeq = 0
        tcpAck = 0
        tcpWindow = 0
        udpLength = 0
        icmpType = 0
        icmpCode = 0
        icmpEchoID = 0
        icmpIsError = false
        icmpInner = DecodedPacket.noFlow
        icmpInnerValid = false
        sctpVerificationTag = 0
        sctpFirstChunk = 0
        tlsClientHello = false
        sni = ByteSpan(offset: 0, length: 0)
        httpRequest = false
        httpHost = ByteSpan(offset: 0, length: 0)
        isDNS = false
        dnsResponse = false
    }

    /// TCP data offset × 4, UDP 8, SCTP common header 12, ICMP 8; 0 when no header was parsed.
    @inlinable
    public var transportHeaderLength: UInt16 { payloadOffset &- l4Offset }

    @inlinable static var noFlow: FlowKey {
        FlowKey(
            src: IPAddress(hi: 0, lo: 0x0000_FFFF_0000_0000), dst: IPAddress(hi: 0, lo: 0x0000_FFFF_0000_0000),
            srcPort: 0, dstPort: 0, proto: IPProtocol(rawValue: 0))
    }
}
