import NetworkAddress

/// Ports of fragmented datagrams, learned from first fragments and looked up by later ones.
///
/// Keyed like Linux `ip_defrag`/`ipv6_frag` queues: source, destination, identification and
/// protocol (IPv4), or the fragment header's next-header value (IPv6, where every fragment
/// carries the same one; RFC 8200 §4.5 reassembles by src/dst/id). A fixed array allocated once, open addressing with a short linear probe window; a
/// full window replaces its oldest entry (counted in `evictions`). No allocation after `init`,
/// and the decoder mutates it in place (it is uniquely owned, so the array is never copied).
@usableFromInline
struct FragmentTable: Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline var src: IPAddress
        @usableFromInline var dst: IPAddress
        @usableFromInline var id: UInt32
        @usableFromInline var proto: UInt8
        @usableFromInline var used: Bool
        @usableFromInline var srcPort: UInt16
        @usableFromInline var dstPort: UInt16
        @usableFromInline var stamp: UInt32
        /// Upper-layer protocol found behind the first fragment's headers (IPv6 may key on a
        /// destination-options header that precedes TCP).
        @usableFromInline var upper: UInt8

        @usableFromInline static let empty = Entry(
            src: .zero6, dst: .zero6, id: 0, proto: 0, used: false, srcPort: 0, dstPort: 0, stamp: 0, upper: 0)
    }

    @usableFromInline static let probeWindow = 8

    @usableFromInline var slots: [Entry]
    @usableFromInline var evictions = 0
    @usableFromInline var count = 0
    @usableFromInline var clock: UInt32 = 0

    init(capacity: Int) {
        slots = [Entry](repeating: .empty, count: max(0, capacity))
    }

    /// Multiply-shift onto `0..<slots.count`, so any capacity works (no power-of-two rounding).
    @inline(__always)
    func home(_ src: IPAddress, _ dst: IPAddress, _ id: UInt32, _ proto: UInt8) -> Int {
        var h = src.mix &+ (dst.mix &* 0x9E37_79B9_7F4A_7C15)
        h ^= (UInt64(id) << 8 | UInt64(proto)) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 29
        return Int(truncatingIfNeeded: h.multipliedFullWidth(by: UInt64(slots.count)).high)
    }

    @inline(__always)
    func matches(_ e: Entry, _ src: IPAddress, _ dst: IPAddress, _ id: UInt32, _ proto: UInt8) -> Bool {
        e.used && e.id == id && e.proto == proto && e.src == src && e.dst == dst
    }

    @inline(__always)
    func lookup(_ src: IPAddress, _ dst: IPAddress, _ id: UInt32, _ proto: UInt8) -> Entry? {
        let n = slots.count
        guard n > 0 else { return nil }
        var i = home(src, dst, id, proto)
        for _ in 0..<min(n, FragmentTable.probeWindow) {
            let e = slots[i]
            if matches(e, src, dst, id, proto) { return e }
            i = i + 1 == n ? 0 : i + 1
        }
        return nil
    }

    @inline(__always)
    mutating func insert(_ src: IPAddress, _ dst: IPAddress, _ id: UInt32, _ proto: UInt8, _ upper: UInt8, _ sport: UInt16, _ dport: UInt16) {
        let n = slots.count
        guard n > 0 else { return }
        clock &+= 1
        let fresh = Entry(src: src, dst: dst, id: id, proto: proto, used: true, srcPort: sport, dstPort: dport, stamp: clock, upper: upper)
        var i = home(src, dst, id, proto)
        var free = -1
        var oldest = i
        for _ in 0..<min(n, FragmentTable.probeWindow) {
            let e = slots[i]
            if matches(e, src, dst, id, proto) { slots[i] = fresh; return }   // retransmitted first fragment
            if !e.used {
                if free < 0 { free = i }
            } else if clock &- e.stamp > clock &- slots[oldest].stamp || !slots[oldest].used {
                oldest = i
            }
            i = i + 1 == n ? 0 : i + 1
        }
        if free >= 0 {
            slots[free] = fresh
            count += 1
        } else {
            slots[oldest] = fresh
            evictions += 1
        }
    }
}
