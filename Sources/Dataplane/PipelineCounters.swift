/// Per-worker counters: plain fixed arrays indexed by Verdict / Stage raw values, RuleID raw
/// value, node index and namespace index — no string keys on the hot path. Workers merge theirs.
public struct PipelineCounters: Sendable, Equatable {
    public static let verdictCount = Verdict.allCases.count
    public static let stageCount = Stage.allCases.count

    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    /// [verdict]
    public var verdicts: [UInt64]
    /// [stage * verdictCount + verdict]
    public var stages: [UInt64]
    /// [rule raw]: packets whose decision path used the rule.
    public var rules: [UInt64]
    /// [node * verdictCount + verdict]
    public var nodes: [UInt64]
    /// [namespace * verdictCount + verdict]
    public var namespaces: [UInt64]
    /// New connections classified (first packets).
    public var newFlows: UInt64 = 0
    public var conntrackEntries: UInt64 = 0
    public var conntrackEvictions: UInt64 = 0
    public var conntrackExpired: UInt64 = 0

    public init(rules: Int, nodes: Int, namespaces: Int) {
        verdicts = Array(repeating: 0, count: Self.verdictCount)
        stages = Array(repeating: 0, count: Self.stageCount * Self.verdictCount)
        self.rules = Array(repeating: 0, count: rules)
        self.nodes = Array(repeating: 0, count: nodes * Self.verdictCount)
        self.namespaces = Array(repeating: 0, count: namespaces * Self.verdictCount)
    }

    public func verdict(_ v: Verdict) -> UInt64 { verdicts[Int(v.rawValue)] }
    public func stage(_ s: Stage, _ v: Verdict) -> UInt64 {
        stages[Int(s.rawValue) * Self.verdictCount + Int(v.rawValue)]
    }
    public func rule(_ r: RuleID) -> UInt64 { Int(r.raw) < rules.count ? rules[Int(r.raw)] : 0 }


    mutating func count(_ o: PacketOutcome, bytes b: UInt32) {
        packets &+= 1
        bytes &+= UInt64(b)
        let v = Int(o.verdict.rawValue)
        verdicts[v] &+= 1
        stages[Int(o.stage.rawValue) * Self.verdictCount + v] &+= 1
        o.rules.forEach { r in if Int(r.raw) < rules.count { rules[Int(r.raw)] &+= 1 } }
        if o.node >= 0, Int(o.node) * Self.verdictCount + v < nodes.count { nodes[Int(o.node) * Self.verdictCount + v] &+= 1 }
        if o.namespace >= 0, Int(o.namespace) * Self.verdictCount + v < namespaces.count {
            namespaces[Int(o.namespace) * Self.verdictCount + v] &+= 1
        }
        if o.newFlow { newFlows &+= 1 }
    }

    /// Adds another worker's counters (same compiled cluster: same table sizes; extra cells are grown).
    public mutating func merge(_ o: PipelineCounters) {
        func add(_ a: inout [UInt64], _ b: [UInt64]) {
            if a.count < b.count { a += Array(repeating: 0, count: b.count - a.count) }
            for i in b.indices { a[i] &+= b[i] }
        }
        packets &+= o.packets
        bytes &+= o.bytes
        add(&verdicts, o.verdicts)
        add(&stages, o.stages)
        add(&rules, o.rules)
        add(&nodes, o.nodes)
        add(&namespaces, o.namespaces)
        newFlows &+= o.newFlows
        conntrackEntries &+= o.conntrackEntries
        conntrackEvictions &+= o.conntrackEvictions
        conntrackExpired &+= o.conntrackExpired
    }
}

/// Up to sixteen rules a packet's decision used (the Service port and its endpoint, the
/// NetworkPolicy rules and policies, every NSG/firewall/LB rule of each Azure leg), without
/// allocation. Sixteen covers the longest walk (ingress through a firewall DNAT, LB and NSGs,
/// then two Service hops with policies on both pods). The last one is the deciding rule; on
/// overflow the last slot keeps being overwritten so it stays so.
public struct RuleTrail: Sendable, Equatable {
    public static let capacity = 16
    var slots: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
                UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
        = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    public private(set) var count: UInt8 = 0
    public init() {}
    public init(_ r: RuleID) { append(r) }

    public static func == (a: RuleTrail, b: RuleTrail) -> Bool { a.all == b.all }

    public mutating func append(_ r: RuleID) {
        guard r != .none else { return }
        let i = Int(min(count, UInt8(Self.capacity - 1)))
        withUnsafeMutableBytes(of: &slots) { $0.storeBytes(of: r.raw, toByteOffset: i * 4, as: UInt32.self) }
        if count < UInt8(Self.capacity) { count += 1 }
    }

    public subscript(i: Int) -> RuleID {
        withUnsafeBytes(of: slots) { RuleID(raw: $0.load(fromByteOffset: i * 4, as: UInt32.self)) }
    }

    public func forEach(_ body: (RuleID) -> Void) {
        for i in 0..<Int(count) { body(self[i]) }
    }

    public var all: [RuleID] { (0..<Int(count)).map { self[$0] } }
}
