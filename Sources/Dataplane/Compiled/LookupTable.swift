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
/// compile time. Lookups probe linearly over flat arrays: no allocation, no `Hasher`, no
/// string keys (the hot-path rule of ARCHITECTURE.md).
public struct LookupTable<Key: LookupKey>: Sendable {
    var keys: [Key?]
    var values: [Int32]
    var mask: Int
    public private(set) var count = 0

    public init(capacity: Int) {
        var size = 8
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: nil, count: size)
        values = Array(repeating: -1, count: size)
        mask = size - 1
    }

    /// Inserts or keeps the first value for `key` (the first writer wins, so compile order decides
    /// which object owns a duplicated address — validation reports duplicates).
    public mutating func insert(_ key: Key, _ value: Int32) {
        if count * 2 >= keys.count { grow() }
        var i = Int(truncatingIfNeeded: key.mix) & mask
        while let k = keys[i] {
            if k == key { return }
            i = (i + 1) & mask
        }
        keys[i] = key
        values[i] = value
        count += 1
    }

    public func find(_ key: Key) -> Int32 {
        var i = Int(truncatingIfNeeded: key.mix) & mask
        while true {
            guard let k = keys[i] else { return -1 }
            if k == key { return values[i] }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        var bigger = LookupTable(capacity: keys.count)
        for (i, k) in keys.enumerated() { if let k { bigger.insert(k, values[i]) } }
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
