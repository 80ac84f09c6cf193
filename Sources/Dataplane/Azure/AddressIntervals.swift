import NetworkAddress

// Address sets compiled once: every NSG/firewall address field (CIDRs, ranges, service tags,
// ASG member addresses, resolved FQDNs) becomes a sorted, merged list of inclusive intervals
// over the 128-bit address space. IPv4 is stored IPv4-mapped by `IPAddress`, so one list serves
// both families. Per packet a set is matched by a short scan or a binary search; nothing allocates.

/// An inclusive interval of addresses.
public struct AddressInterval: Sendable, Hashable {
    public var first: IPAddress
    public var last: IPAddress
    @inlinable public init(first: IPAddress, last: IPAddress) {
        self.first = first
        self.last = last
    }
    public init(_ p: IPPrefix) { self.init(first: p.address, last: p.lastAddress) }
    public init(_ r: IPRange) { self.init(first: r.first, last: r.last) }
    public init(host a: IPAddress) { self.init(first: a, last: a) }
}

/// The whole IPv4 space (IPv4-mapped) and the IPv6 global unicast space: the universes the
/// `Internet` tag is carved from.
enum AddressSpace {
    static let ipv4 = AddressInterval(first: .zero4, last: IPAddress(v4: .max))
    static let ipv6Global = AddressInterval(IPPrefix("2000::/3")!)
}

extension IPAddress {
    /// The next address (saturating at the top of the 128-bit space).
    var successor: IPAddress {
        if lo == .max { return hi == .max ? self : IPAddress(hi: hi &+ 1, lo: 0) }
        return IPAddress(hi: hi, lo: lo &+ 1)
    }
    /// The previous address (saturating at zero).
    var predecessor: IPAddress {
        if lo == 0 { return hi == 0 ? self : IPAddress(hi: hi &- 1, lo: .max) }
        return IPAddress(hi: hi, lo: lo &- 1)
    }
}

/// Interval-set algebra used at compile time only.
enum IntervalAlgebra {
    /// Sorts and merges overlapping or adjacent intervals.
    static func normalize(_ input: [AddressInterval]) -> [AddressInterval] {
        let sorted = input.sorted { $0.first < $1.first }
        var out: [AddressInterval] = []
        out.reserveCapacity(sorted.count)
        for iv in sorted {
            if var lastIV = out.last, !(lastIV.last.successor < iv.first) || lastIV.last == iv.first {
                if lastIV.last < iv.last { lastIV.last = iv.last }
                out[out.count - 1] = lastIV
            } else {
                out.append(iv)
            }
        }
        return out
    }

    /// `set` minus `remove` (both normalized or not; the result is normalized).
    static func subtract(_ set: [AddressInterval], _ remove: [AddressInterval]) -> [AddressInterval] {
        var result = normalize(set)
        for r in normalize(remove) {
            var next: [AddressInterval] = []
            next.reserveCapacity(result.count + 1)
            for iv in result {
                if iv.last < r.first || r.last < iv.first {
                    next.append(iv)
                    continue
                }
                if iv.first < r.first { next.append(AddressInterval(first: iv.first, last: r.first.predecessor)) }
                if r.last < iv.last { next.append(AddressInterval(first: r.last.successor, last: iv.last)) }
            }
            result = next
        }
        return result
    }

    static func contains(_ set: [AddressInterval], _ a: IPAddress) -> Bool {
        set.contains { !(a < $0.first) && !($0.last < a) }
    }
}

/// A compiled address set: `any`, or a slice of the shared interval pool.
struct AddressSet: Sendable {
    var any: Bool
    var start: Int32
    var count: Int32
    static let anyAddress = AddressSet(any: true, start: 0, count: 0)
    static let empty = AddressSet(any: false, start: 0, count: 0)
}

/// The pool every `AddressSet` points into (one array for the whole compiled network).
struct IntervalPool: Sendable {
    private(set) var intervals: ContiguousArray<AddressInterval> = []

    mutating func add(_ list: [AddressInterval]) -> AddressSet {
        let norm = IntervalAlgebra.normalize(list)
        let start = Int32(intervals.count)
        intervals.append(contentsOf: norm)
        return AddressSet(any: false, start: start, count: Int32(norm.count))
    }

    /// Matching: linear for short sets, binary search for long ones (service tags carry
    /// hundreds of prefixes).
    @inline(__always)
    func contains(_ set: AddressSet, _ a: IPAddress) -> Bool {
        if set.any { return true }
        if set.count == 0 { return false }
        var lo = Int(set.start)
        var hi = lo + Int(set.count)
        if set.count <= 8 {
            while lo < hi {
                let iv = intervals[lo]
                if !(a < iv.first) && !(iv.last < a) { return true }
                lo += 1
            }
            return false
        }
        // Last interval whose first <= a.
        while lo < hi {
            let mid = (lo + hi) >> 1
            if intervals[mid].first < a || intervals[mid].first == a { lo = mid + 1 } else { hi = mid }
        }
        let i = lo - 1
        guard i >= Int(set.start) else { return false }
        return !(intervals[i].last < a)
    }
}

/// Port lists share one pool too.
struct PortSet: Sendable {
    var any: Bool
    var start: Int32
    var count: Int32
    static let anyPort = PortSet(any: true, start: 0, count: 0)
}

struct PortPool: Sendable {
    private(set) var ranges: ContiguousArray<PortRange> = []

    mutating func add(_ list: [PortRange]) -> PortSet {
        if list.isEmpty || list.contains(where: { $0.isAny }) { return .anyPort }
        let start = Int32(ranges.count)
        ranges.append(contentsOf: list)
        return PortSet(any: false, start: start, count: Int32(list.count))
    }

    @inline(__always)
    func contains(_ set: PortSet, _ p: UInt16) -> Bool {
        if set.any { return true }
        var i = Int(set.start)
        let end = i + Int(set.count)
        while i < end {
            if ranges[i].contains(p) { return true }
            i += 1
        }
        return false
    }
}
