import NetworkAddress
import PacketWire

/// A key of a compiled lookup table: cheap equality and a well-mixed 64-bit hash.
public protocol LookupKey: Equatable, Sendable {
    var mix: UInt64 { get }
}

extension IPAddress: LookupKey {}

/// A Service "front door": one (address, port, protocol) kube-proxy answers on.
public struct FrontDoorKey: LookupKey, Hashable {
    public var ip: IPAddress
    public var port: UInt16
    public var proto: IPProtocol
    public init(ip: IPAddress, port: UInt16, proto: IPProtocol) {
        self.ip = ip
        self.port = port
        self.proto = proto
    }
    public var mix: UInt64 {
        var h = ip.mix ^ (UInt64(port) << 8 | UInt64(proto.rawValue)) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 29
        return h &* 0x94D0_49BB_1331_11EB
    }
}

/// Read-only open-addressing hash table from a key to a non-negative `Int32`, built once at
/// compile time. Lookups probe linearly over one flat array of (key, value) slots — a probe
/// touches one cache line, not one in a key array and another in a value array: no allocation,
/// no `Hasher`, no string keys (the hot-path rule of ARCHITECTURE.md).
public struct LookupTable<Key: LookupKey>: Sendable {
    struct Slot: Sendable {
        var key: Key?
        /// -1 when the slot is empty.
        var value: Int32
        /// A small payload stored with the key (e.g. a pod's node and namespace), so the lookup
        /// that finds an object also brings what the caller reads next, from the same cache line.
        var aux: UInt64
    }
    var slots: ContiguousArray<Slot>
    var mask: Int
    public private(set) var count = 0

    public init(capacity: Int) {
        var size = 8
        while size < capacity * 2 { size <<= 1 }
        slots = ContiguousArray(repeating: Slot(key: nil, value: -1, aux: 0), count: size)
        mask = size - 1
    }

    /// Every key in the table (compile time).
    public var keys: [Key] { slots.compactMap { $0.value >= 0 ? $0.key : nil } }

    /// Inserts or keeps the first value for `key` (the first writer wins, so compile order decides
    /// which object owns a duplicated address — validation reports duplicates). Values are ≥ 0.
    public mutating func insert(_ key: Key, _ value: Int32, aux: UInt64 = 0) {
        guard value >= 0 else { return }
        if count * 2 >= slots.count { grow() }
        var i = Int(truncatingIfNeeded: key.mix) & mask
        while slots[i].value >= 0 {
            if slots[i].key == key { return }
            i = (i + 1) & mask
        }
        slots[i] = Slot(key: key, value: value, aux: aux)
        count += 1
    }

    @inline(__always)
    public func find(_ key: Key) -> Int32 {
        slots.withUnsafeBufferPointer { s in
            var i = Int(truncatingIfNeeded: key.mix) & mask
            while true {
                let v = s[i].value
                if v < 0 { return -1 }
                if s[i].key == key { return v }
                i = (i + 1) & mask
            }
        }
    }

    /// The value and payload for `key`, or (-1, 0).
    @inline(__always)
    public func findEntry(_ key: Key) -> (value: Int32, aux: UInt64) {
        slots.withUnsafeBufferPointer { s in
            var i = Int(truncatingIfNeeded: key.mix) & mask
            while true {
                let v = s[i].value
                if v < 0 { return (-1, 0) }
                if s[i].key == key { return (v, s[i].aux) }
                i = (i + 1) & mask
            }
        }
    }

    private mutating func grow() {
        var bigger = LookupTable(capacity: slots.count)
        for slot in slots where slot.value >= 0 { if let k = slot.key { bigger.insert(k, slot.value, aux: slot.aux) } }
        self = bigger
    }
}

/// A fixed set of pod indices as a bit set (NetworkPolicy peers pre-resolved at compile time).
public struct PodSet: Sendable, Equatable {
    var words: [UInt64]
    public init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }
    public mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    public func contains(_ i: Int) -> Bool {
        i >= 0 && (i >> 6) < words.count && words[i >> 6] & (1 << UInt64(i & 63)) != 0
    }
    public var isEmpty: Bool { words.allSatisfy { $0 == 0 } }
}
