import CPrefetch
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
    @inline(__always)
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
    struct Slot {
        var key: Key?
        /// -1 when the slot is empty.
        var value: Int32
        /// A small payload stored with the key (e.g. a pod's node and namespace), so the lookup
        /// that finds an object also brings what the caller reads next, from the same cache line.
        var aux: UInt64
    }

    /// The slots, in `TableMemory` (huge pages for large tables: a lookup into the address
    /// table of a 10,000-pod cluster should not also miss the TLB). Shared by copies until one
    /// of them inserts (copy on write); tables are built once, then only read.
    final class Storage: @unchecked Sendable {
        let memory: TableMemory
        let slots: UnsafeMutablePointer<Slot>
        let size: Int
        init(size: Int) {
            self.size = size
            (memory, slots) = TableMemory.allocate(Slot.self, count: size)
            slots.initialize(repeating: Slot(key: nil, value: -1, aux: 0), count: size)
        }
        deinit {
            slots.deinitialize(count: size)
            memory.free()
        }
    }

    var storage: Storage
    var mask: Int
    public private(set) var count = 0

    public init(capacity: Int) {
        var size = 8
        while size < capacity * 2 { size <<= 1 }
        storage = Storage(size: size)
        mask = size - 1
    }

    /// Every key in the table (compile time).
    public var keys: [Key] {
        (0..<storage.size).compactMap { storage.slots[$0].value >= 0 ? storage.slots[$0].key : nil }
    }

    /// Inserts or keeps the first value for `key` (the first writer wins, so compile order decides
    /// which object owns a duplicated address — validation reports duplicates). Values are ≥ 0.
    public mutating func insert(_ key: Key, _ value: Int32, aux: UInt64 = 0) {
        guard value >= 0 else { return }
        if count * 2 >= storage.size { grow() }
        if !isKnownUniquelyReferenced(&storage) { storage = copy(size: storage.size) }
        let s = storage.slots
        var i = Int(truncatingIfNeeded: key.mix) & mask
        while s[i].value >= 0 {
            if s[i].key == key { return }
            i = (i + 1) & mask
        }
        s[i] = Slot(key: key, value: value, aux: aux)
        count += 1
    }

    @inline(__always)
    public func find(_ key: Key) -> Int32 {
        let s = storage.slots
        var i = Int(truncatingIfNeeded: key.mix) & mask
        while true {
            let v = s[i].value
            if v < 0 { return -1 }
            if s[i].key == key { return v }
            i = (i + 1) & mask
        }
    }

    /// Starts fetching the slot `key` hashes to (see `Pipeline.prefetchFirstPacket`).
    @inline(__always)
    func prefetch(_ key: Key) {
        akssim_prefetch(storage.slots + (Int(truncatingIfNeeded: key.mix) & mask))
    }

    /// The value and payload for `key`, or (-1, 0).
    @inline(__always)
    public func findEntry(_ key: Key) -> (value: Int32, aux: UInt64) {
        let s = storage.slots
        var i = Int(truncatingIfNeeded: key.mix) & mask
        while true {
            let v = s[i].value
            if v < 0 { return (-1, 0) }
            if s[i].key == key { return (v, s[i].aux) }
            i = (i + 1) & mask
        }
    }

    /// A table of `size` slots holding every key of this one.
    private func copy(size: Int) -> Storage {
        let bigger = Storage(size: size)
        let m = size - 1
        for j in 0..<storage.size where storage.slots[j].value >= 0 {
            guard let k = storage.slots[j].key else { continue }
            var i = Int(truncatingIfNeeded: k.mix) & m
            while bigger.slots[i].value >= 0 { i = (i + 1) & m }
            bigger.slots[i] = storage.slots[j]
        }
        return bigger
    }

    private mutating func grow() {
        storage = copy(size: storage.size * 2)
        mask = storage.size - 1
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
