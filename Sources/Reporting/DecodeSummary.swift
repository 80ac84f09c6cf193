#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NetworkAddress
import PacketWire

/// What `akssim replay` counts about the packets themselves, before any pipeline verdict:
/// packets, bytes, time span, link types, protocols, malformed reasons, fragments,
/// encapsulation and the TLS/HTTP names seen.
///
/// The accumulator is a plain value updated once per packet without allocating: counters are
/// integers and fixed arrays, link types are counted once per file (a file has one link type),
/// and names are only turned into strings the first time a distinct one appears (bounded by
/// `NameSet.limit`).
public struct DecodeSummary: Sendable {
    /// One replayed capture file.
    public struct File: Sendable, Equatable {
        public var path: String
        public var linkType: LinkType
        public var packets: UInt64
        /// Set when the file ended inside a record (every whole record before it was counted).
        public var truncated: Bool
    }

    /// Per-protocol packet counts, the `decode` object of `replay --json`.
    /// Network: `ipv4`, `ipv6`, `arp`, and `other` for every frame that is none of them (other
    /// EtherTypes, undecodable link layers). Transport: a packet counts under `tcp`, `udp`,
    /// `sctp`, `icmp` or `icmpv6` when it carries that protocol's header — the first fragment
    /// of a fragmented datagram does, later fragments do not (tshark counts the same way with
    /// IP reassembly off); a packet whose IP header is malformed carries none. An overlay (VXLAN) packet is counted once, by its inner frame.
    public struct ProtocolCounts: Sendable, Equatable {
        public var ipv4: UInt64 = 0
        public var ipv6: UInt64 = 0
        public var tcp: UInt64 = 0
        public var udp: UInt64 = 0
        public var sctp: UInt64 = 0
        public var icmp: UInt64 = 0
        public var icmpv6: UInt64 = 0
        public var arp: UInt64 = 0
        public var other: UInt64 = 0
        public init() {}
    }

    /// IP fragments: every fragment packet; first fragments (offset 0, more-fragments set);
    /// later fragments attributed to their flow through the fragment table; and orphans
    /// (later fragments whose first fragment was not in the capture).
    public struct FragmentCounts: Sendable, Equatable {
        public var total: UInt64 = 0
        public var first: UInt64 = 0
        public var attributed: UInt64 = 0
        public var orphan: UInt64 = 0
        public init() {}
    }

    public var packets: UInt64 = 0
    /// Bytes on the wire (the records' original lengths).
    public var bytes: UInt64 = 0
    /// Bytes actually captured (less than `bytes` when a snap length cut packets).
    public var capturedBytes: UInt64 = 0
    /// Earliest and latest timestamps seen (ns since the epoch); nil before the first packet.
    public var firstNanos: Int64? {
        get { earliest == .max ? nil : earliest }
        set { earliest = newValue ?? .max }
    }
    public var lastNanos: Int64? {
        get { latest == .min ? nil : latest }
        set { latest = newValue ?? .min }
    }
    @usableFromInline var earliest = Int64.max
    @usableFromInline var latest = Int64.min
    public private(set) var files: [File] = []
    /// Packets per link type, in first-seen order.
    public private(set) var linkTypes: [(LinkType, UInt64)] = []
    public var protocols = ProtocolCounts()
    /// Indexed by `MalformedReason.rawValue`; `.none` stays zero.
    public var malformedCounts: [UInt64] { malformedStorage }
    @usableFromInline var malformedStorage = [UInt64](repeating: 0, count: MalformedReason.allCases.count)
    /// Packets the capture's snap length cut short (still decoded as far as they went).
    public var snapTruncated: UInt64 = 0
    public var fragments = FragmentCounts()
    /// Frames with at least one 802.1Q/802.1ad tag, with two or more (QinQ), VXLAN-encapsulated.
    public var vlanTagged: UInt64 = 0
    public var qinq: UInt64 = 0
    public var vxlan: UInt64 = 0
    public var sni = NameSet()
    public var httpHost = NameSet()

    /// Packets counted since the current file began.
    @usableFromInline var filePackets: UInt64 = 0

    public init() {}

    /// Starts counting a new file; its link type is recorded once here rather than per packet.
    public mutating func beginFile(path: String, linkType: LinkType) {
        files.append(File(path: path, linkType: linkType, packets: 0, truncated: false))
        filePackets = 0
    }

    /// Closes the current file's entry and adds its packets to its link type.
    public mutating func endFile(truncated: Bool = false) {
        guard let last = files.indices.last else { return }
        files[last].packets = filePackets
        files[last].truncated = truncated
        let linkType = files[last].linkType
        if let i = linkTypes.firstIndex(where: { $0.0 == linkType }) {
            linkTypes[i].1 += filePackets
        } else {
            linkTypes.append((linkType, filePackets))
        }
        filePackets = 0
    }

    /// Counts a record without decoding it (the `--read-only` raw loop).
    @inlinable
    public mutating func addRecord(wireLength: UInt32, capturedLength: UInt32, timestampNanos: Int64) {
        packets &+= 1
        filePackets &+= 1
        bytes &+= UInt64(wireLength)
        capturedBytes &+= UInt64(capturedLength)
        earliest = min(earliest, timestampNanos)
        latest = max(latest, timestampNanos)
    }

    /// Counts one decoded packet. `bytes` is the frame the decoder read, used only to copy out
    /// a TLS SNI or HTTP Host the first time a distinct one appears. Always inlined: called out
    /// of line, a packet held in a `var` is first copied (178 bytes per packet) to be borrowed.
    @inlinable @inline(__always)
    public mutating func add(_ p: borrowing DecodedPacket, bytes frame: UnsafeRawBufferPointer, timestampNanos: Int64) {
        addRecord(wireLength: p.wireLength, capturedLength: p.capturedLength, timestampNanos: timestampNanos)
        if p.snapTruncated { snapTruncated &+= 1 }
        if p.malformed != .none { malformedStorage[Int(p.malformed.rawValue)] &+= 1 }
        if p.vlanCount > 0 { vlanTagged &+= 1 }
        if p.vlanCount > 1 { qinq &+= 1 }
        if p.vxlan { vxlan &+= 1 }
        switch p.network {
        case .ipv4: protocols.ipv4 &+= 1
        case .ipv6: protocols.ipv6 &+= 1
        case .arp: protocols.arp &+= 1; return
        case .none, .other: protocols.other &+= 1; return
        }
        // Plain lets: `&&` takes an autoclosure, which cannot capture a borrowed parameter.
        let isFragment = p.isFragment, fragmentOffset = p.fragmentOffset
        let laterFragment = isFragment && fragmentOffset != 0
        let noTransport = p.malformed.stopsBeforeTransport
        if isFragment {
            fragments.total &+= 1
            if !laterFragment { fragments.first &+= 1 }
            else if p.fragmentResolved { fragments.attributed &+= 1 }
            else { fragments.orphan &+= 1 }
        }
        if !laterFragment && !noTransport {
            switch p.flow.proto.rawValue {
            case 6: protocols.tcp &+= 1
            case 17: protocols.udp &+= 1
            case 132: protocols.sctp &+= 1
            case 1: protocols.icmp &+= 1
            case 58: protocols.icmpv6 &+= 1
            default: break
            }
        }
        if !p.sni.isEmpty { sni.insert(p.sni, in: frame) }
        if !p.httpHost.isEmpty { httpHost.insert(p.httpHost, in: frame) }
    }

    /// Count for one malformed reason.
    public func malformed(_ reason: MalformedReason) -> UInt64 { malformedCounts[Int(reason.rawValue)] }

    /// Every packet that carried a malformed reason.
    public var malformedTotal: UInt64 { malformedCounts.reduce(0, &+) }

    /// Packets of one link type.
    public func packets(linkType: LinkType) -> UInt64 {
        linkTypes.first(where: { $0.0 == linkType })?.1 ?? 0
    }

    /// Seconds between the first and the last timestamp.
    public var seconds: Double {
        guard let firstNanos, let lastNanos else { return 0 }
        return Double(lastNanos - firstNanos) / 1e9
    }
}

/// Distinct names (TLS SNI, HTTP Host) in first-seen order, at most `limit`. A name is hashed
/// straight from the packet bytes into a fixed open-addressing table and compared against the
/// stored copy, so a repeated name costs a hash and a `memcmp`, never an allocation; only a new
/// name is copied.
public struct NameSet: Sendable {
    public static let limit = 1000
    /// Power of two, at least twice `limit`, so probe chains stay short.
    static let slotCount = 2048

    /// The names as sent (invalid UTF-8 shown with replacement characters).
    public var names: [String] { stored.map { String(decoding: $0, as: UTF8.self) } }
    public var count: Int { stored.count }
    /// Set once a distinct name could not be kept because `limit` names were already stored.
    public private(set) var overflowed = false
    private var stored: [[UInt8]] = []
    /// Index into `stored` per slot, -1 when free.
    private var slots: [Int32]

    public init() {
        slots = [Int32](repeating: -1, count: NameSet.slotCount)
    }

    public mutating func insert(_ span: ByteSpan, in frame: UnsafeRawBufferPointer) {
        let start = Int(span.offset), length = Int(span.length)
        guard length > 0, start + length <= frame.count, let base = frame.baseAddress else { return }
        let name = base + start
        // FNV-1a over the name's bytes.
        var hash: UInt32 = 0x811c_9dc5
        for i in 0..<length { hash = (hash ^ UInt32(name.load(fromByteOffset: i, as: UInt8.self))) &* 0x0100_0193 }
        let mask = NameSet.slotCount - 1
        var slot = Int(hash) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { break }
            let match = stored[index].withUnsafeBytes { kept in
                kept.count == length && memcmp(kept.baseAddress!, name, length) == 0
            }
            if match { return }
            slot = (slot + 1) & mask
        }
        guard stored.count < NameSet.limit else { overflowed = true; return }
        slots[slot] = Int32(stored.count)
        stored.append(Array(UnsafeRawBufferPointer(start: name, count: length)))
    }
}

// Merging (added for the daemon, whose capture threads each keep their own summary and the
// HTTP side reports them as one).
extension DecodeSummary {
    /// Adds another summary's counts: files and link types appended/summed, names unioned.
    public mutating func merge(_ o: DecodeSummary) {
        packets &+= o.packets
        bytes &+= o.bytes
        capturedBytes &+= o.capturedBytes
        if let f = o.firstNanos, firstNanos.map({ f < $0 }) ?? true { firstNanos = f }
        if let l = o.lastNanos, lastNanos.map({ l > $0 }) ?? true { lastNanos = l }
        files += o.files
        for (type, count) in o.linkTypes {
            if let i = linkTypes.firstIndex(where: { $0.0 == type }) { linkTypes[i].1 &+= count } else { linkTypes.append((type, count)) }
        }
        protocols.ipv4 &+= o.protocols.ipv4
        protocols.ipv6 &+= o.protocols.ipv6
        protocols.tcp &+= o.protocols.tcp
        protocols.udp &+= o.protocols.udp
        protocols.sctp &+= o.protocols.sctp
        protocols.icmp &+= o.protocols.icmp
        protocols.icmpv6 &+= o.protocols.icmpv6
        protocols.arp &+= o.protocols.arp
        protocols.other &+= o.protocols.other
        for i in malformedStorage.indices where i < o.malformedStorage.count { malformedStorage[i] &+= o.malformedStorage[i] }
        snapTruncated &+= o.snapTruncated
        fragments.total &+= o.fragments.total
        fragments.first &+= o.fragments.first
        fragments.attributed &+= o.fragments.attributed
        fragments.orphan &+= o.fragments.orphan
        vlanTagged &+= o.vlanTagged
        qinq &+= o.qinq
        vxlan &+= o.vxlan
        sni.merge(o.sni)
        httpHost.merge(o.httpHost)
    }
}

extension NameSet {
    /// Inserts every name of `other` (first-seen order kept: ours, then theirs).
    public mutating func merge(_ other: NameSet) {
        for name in other.names {
            let bytes = Array(name.utf8)
            guard bytes.count <= Int(UInt16.max) else { continue }
            bytes.withUnsafeBytes { raw in
                insert(ByteSpan(offset: 0, length: UInt16(bytes.count)), in: raw)
            }
        }
        if other.overflowed && count >= NameSet.limit { overflowed = true }
    }
}
