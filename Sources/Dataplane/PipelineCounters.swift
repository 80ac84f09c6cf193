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

/// Up to four rules a packet's decision used (e.g. the Service DNAT, the NetworkPolicy allow and
/// the NSG rule), without allocation. The last one is the deciding rule.
public struct RuleTrail: Sendable, Equatable {
    public var r0 = RuleID.none, r1 = RuleID.none, r2 = RuleID.none, r3 = RuleID.none
    public var count: UInt8 = 0
    public init() {}
    public init(_ r: RuleID) { if r != .none { r0 = r; count = 1 } }

    public mutating func append(_ r: RuleID) {
        guard r != .none else { return }
        switch count {
        case 0: r0 = r
        case 1: r1 = r
        case 2: r2 = r
        case 3: r3 = r
        default: r3 = r; return   // keep the deciding (last) one
        }
        count += 1
    }

    public func forEach(_ body: (RuleID) -> Void) {
        if count > 0 { body(r0) }
        if count > 1 { body(r1) }
        if count > 2 { body(r2) }
        if count > 3 { body(r3) }
    }

    public var all: [RuleID] {
        var out: [RuleID] = []
        forEach { out.append($0) }
        return out
    }
}
