import NetworkAddress

/// Decoder switches. Defaults suit replaying node captures; tests turn parts off.
public struct DecoderOptions: Sendable {
    /// Decode the inner Ethernet frame of UDP/`vxlanPort` (VXLAN, RFC 7348) — overlay captures.
    public var vxlan: Bool
    /// VXLAN's UDP destination port: 4789 (IANA); Linux and flannel/Cilium overlays often use 8472.
    public var vxlanPort: UInt16
    /// Slots in the IP fragment table (fixed, allocated once in `PacketDecoder.init`).
    public var fragmentCapacity: Int
    /// Look for a TLS ClientHello SNI, an HTTP/1.x Host header and DNS in the first payload bytes.
    public var sniff: Bool

    public init(vxlan: Bool = true, vxlanPort: UInt16 = 4789, fragmentCapacity: Int = 4096, sniff: Bool = true) {
        self.vxlan = vxlan
        self.vxlanPort = vxlanPort
        self.fragmentCapacity = fragmentCapacity
        self.sniff = sniff
    }
}

/// Decodes captured frames into a reusable `DecodedPacket`, link layer → network → transport →
/// application sniffing, the way gopacket's `DecodingLayerParser` fills preallocated layers.
///
/// Guarantees, for any byte sequence: no trap, no read outside `bytes`, no allocation per packet.
/// Every header is length-checked once (`Bytes.has`) before its fields are read. A packet that
/// cannot be decoded completely carries the *first* problem met in `malformed` and whatever was
/// decoded before it.
///
/// Fragments: a first fragment records its ports in a fixed-size fragment table keyed by
/// src/dst/id/protocol (as Linux `ip_defrag` keys its queues; for IPv6 the fragment header's
/// next-header value stands in for the protocol); later fragments of the same
/// datagram take their ports from it (`fragmentResolved`, `hasTransport`). A non-first fragment
/// whose first fragment was never seen is an *orphan*: it is still counted as IPv4/IPv6 plus its
/// protocol, `malformed` stays `.none`, and `isOrphanFragment` is true — a capture that starts
/// mid-datagram is not a malformed packet. Table entries are not removed on the last fragment
/// (fragments may arrive in any order; some stacks send them last-first); when the
/// probe window is full the oldest entry is replaced and `fragmentEvictions` counts it.
///
/// Lengths: the IP total length (not caplen) bounds the transport and payload, so Ethernet
/// padding is never payload. Captures larger than 65535 bytes (GRO/TSO) are decoded over their
/// first 65535 bytes and flagged `snapTruncated`, which keeps every offset in a `UInt16`.
/// Checksums are not verified: capture points before NIC offload see them unfilled.
public struct PacketDecoder: Sendable {
    public let options: DecoderOptions
    @usableFromInline var fragments: FragmentTable

    public init(options: DecoderOptions = .init()) {
        self.options = options
        self.fragments = FragmentTable(capacity: options.fragmentCapacity)
    }

    /// Non-first-fragment port entries replaced because the table was full around their slot.
    public var fragmentEvictions: Int { fragments.evictions }
    /// Live entries in the fragment table (never more than `options.fragmentCapacity`).
    public var fragmentEntries: Int { fragments.count }

    /// Decodes one captured frame. `bytes.count` is the captured length; `wireLength` the
    /// original length from the capture record header.
    public mutating func decode(
        _ bytes: UnsafeRawBufferPointer, linkType: LinkType, wireLength: UInt32, into p: inout DecodedPacket
    ) {
        p.reset()
        p.linkType = linkType
        p.capturedLength = UInt32(truncatingIfNeeded: bytes.count)
        p.wireLength = wireLength
        var view = bytes
        if bytes.count > Int(UInt16.max) {
            view = UnsafeRawBufferPointer(rebasing: bytes[0..<Int(UInt16.max)])
        }
        p.snapTruncated = view.count < bytes.count || p.capturedLength < wireLength
        decodeLink(Bytes(view), linkType.rawValue, &p)
    }

    /// Convenience for tests and tools (copies nothing, but is not the hot path).
    public mutating func decode(_ bytes: [UInt8], linkType: LinkType, wireLength: UInt32? = nil) -> DecodedPacket {
        var p = DecodedPacket()
        bytes.withUnsafeBytes { raw in
            decode(raw, linkType: linkType, wireLength: wireLength ?? UInt32(raw.count), into: &p)
        }
        return p
    }

    // MARK: link layer

    @usableFromInline
    mutating func decodeLink(_ b: Bytes, _ linkType: Int32, _ p: inout DecodedPacket) {
        switch linkType {
        case 1:
            decodeEthernet(b, 0, &p, depth: 0)
        case 113:
            // Linux cooked v1: pkttype(2) hatype(2) halen(2) addr(8) protocol(2).
            guard b.has(0, 16) else { return p.fail(.sllTruncated) }
            decodeEtherType(b, b.u16(14), 16, &p, depth: 0)
        case 276:
            // Linux cooked v2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8).
            guard b.has(0, 20) else { return p.fail(.sllTruncated) }
            decodeEtherType(b, b.u16(0), 20, &p, depth: 0)
        case 12, 14, 101:
            // DLT_RAW: no link header, the IP version nibble says the family.
            guard b.has(0, 1) else { return p.fail(.linkTruncated) }
            switch b.u8(0) >> 4 {
            case 4: decodeIPv4(b, 0, &p, depth: 0)
            case 6: decodeIPv6(b, 0, &p, depth: 0)
            default: p.fail(.ipv4Version)
            }
        case 228:
            decodeIPv4(b, 0, &p, depth: 0)
        case 229:
            decodeIPv6(b, 0, &p, depth: 0)
        case 0, 108:
            // DLT_NULL: 4-byte AF_ value in the *capturing host's* byte order (try both);
            // DLT_LOOP: the same in network order. AF_INET6 differs per BSD (24 Net/OpenBSD,
            // 28 FreeBSD, 30 Darwin) — tcpdump's print-null.c accepts all three.
            guard b.has(0, 4) else { return p.fail(.linkTruncated) }
            let be = b.u32(0)
            let family = linkType == 108 ? be : (PacketDecoder.isNullFamily(b.u32le(0)) ? b.u32le(0) : be)
            switch family {
            case 2: decodeIPv4(b, 4, &p, depth: 0)
            case 24, 28, 30: decodeIPv6(b, 4, &p, depth: 0)
            default: p.fail(.nullFamily)
            }
        default:
            p.fail(.linkUnsupported)
        }
    }

    @inlinable
    static func isNullFamily(_ v: UInt32) -> Bool { v == 2 || v == 24 || v == 28 || v == 30 }

    @usableFromInline
    mutating func decodeEthernet(_ b: Bytes, _ off: Int, _ p: inout DecodedPacket, depth: Int) {
        guard b.has(off, 14) else { return p.fail(depth == 0 ? .linkTruncated : .vxlanTruncated) }
        decodeEtherType(b, b.u16(off + 12), off + 14, &p, depth: depth)
    }

    /// Walks 802.1Q / 802.1ad (0x88A8) / legacy QinQ (0x9100) tags, then dispatches on the EtherType.
    @usableFromInline
    mutating func decodeEtherType(_ b: Bytes, _ firstType: UInt16, _ firstOffset: Int, _ p: inout DecodedPacket, depth: Int) {
        var type = firstType
        var off = firstOffset
        var tags = 0
        while type == Wire.ether8021Q || type == Wire.ether8021AD || type == Wire.etherQinQLegacy {
            guard tags < Wire.maxVLANTags else { return p.fail(.vlanTooDeep) }
            guard b.has(off, 4) else { return p.fail(.vlanTruncated) }
            if depth == 0 {
                let vid = b.u16(off) & 0x0FFF
                if tags == 0 { p.vlanOuter = vid } else if tags == 1 { p.vlanInner = vid }
                p.vlanCount = UInt8(truncatingIfNeeded: tags + 1)
            }
            tags += 1
            type = b.u16(off + 2)
            off += 4
        }
        // Values below 0x0600 are 802.3 length fields (LLC frames): not an EtherType.
        p.etherType = type >= 0x0600 ? type : 0
        switch type {
        case Wire.etherIPv4: decodeIPv4(b, off, &p, depth: depth)
        case Wire.etherIPv6: decodeIPv6(b, off, &p, depth: depth)
        case Wire.etherARP: decodeARP(b, off, &p)
        default: p.network = .other
        }
    }

    /// VXLAN (RFC 7348): 8-byte header, I flag (0x08) says the VNI is valid, then an Ethernet frame.
    /// The packet's fields are replaced by the inner frame's; link-level fields stay the outer's.
    @usableFromInline
    mutating func decodeVXLAN(_ b: Bytes, _ off: Int, _ end: Int, _ p: inout DecodedPacket, depth: Int) {
        guard end - off >= 8 else { return p.fail(.vxlanTruncated) }
        guard b.u8(off) & 0x08 != 0 else { return }   // not a VXLAN header: stays a UDP packet
        guard depth + 1 < Wire.maxEncapDepth else { return p.fail(.tooDeep) }
        let vni = b.u32(off + 4) >> 8
        let linkType = p.linkType, captured = p.capturedLength, wire = p.wireLength
        let snap = p.snapTruncated, vlans = p.vlanCount, outer = p.vlanOuter, inner = p.vlanInner
        p.reset()
        p.linkType = linkType
        p.capturedLength = captured
        p.wireLength = wire
        p.snapTruncated = snap
        p.vlanCount = vlans
        p.vlanOuter = outer
        p.vlanInner = inner
        p.vxlan = true
        p.vxlanVNI = vni
        decodeEthernet(b, off + 8, &p, depth: depth + 1)
    }
}

extension DecodedPacket {
    /// Records the first problem met; later ones are consequences and would hide the cause.
    @inlinable
    mutating func fail(_ reason: MalformedReason) {
        if malformed == .none { malformed = reason }
    }

    /// A non-first fragment whose first fragment was not seen (see `PacketDecoder`).
    @inlinable
    public var isOrphanFragment: Bool { isFragment && fragmentOffset != 0 && !fragmentResolved }
}
