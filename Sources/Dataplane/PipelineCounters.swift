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

/// The counters a pipeline updates per packet: one flat buffer of UInt64 cells laid out as
/// `PipelineCounters`' arrays end to end, owned by the pipeline (allocated in its init, freed in its
/// deinit). A trivial struct, so counting a packet is plain stores through one pointer: the arrays
/// cost a uniqueness check (and a copy-on-write branch) per increment.
struct CounterCells {
    static let packets = 0, bytes = 1, newFlows = 2, verdicts = 3
    static let stages = verdicts + PipelineCounters.verdictCount
    static let fixed = stages + PipelineCounters.stageCount * PipelineCounters.verdictCount
    let cells: UnsafeMutablePointer<UInt64>
    let memory: TableMemory
    let rules: Int
    let nodes: Int
    let namespaces: Int
    var nodeBase: Int { CounterCells.fixed + rules }
    var namespaceBase: Int { nodeBase + nodes * PipelineCounters.verdictCount }
    var total: Int { namespaceBase + namespaces * PipelineCounters.verdictCount }

    /// Cells holding `c` (zero when it is empty).
    init(_ c: PipelineCounters) {
        rules = c.rules.count
        nodes = c.nodes.count / PipelineCounters.verdictCount
        namespaces = c.namespaces.count / PipelineCounters.verdictCount
        let total = CounterCells.fixed + rules + (nodes + namespaces) * PipelineCounters.verdictCount
        (memory, cells) = TableMemory.allocate(UInt64.self, count: total)   // zero-filled
        cells[CounterCells.packets] = c.packets
        cells[CounterCells.bytes] = c.bytes
        cells[CounterCells.newFlows] = c.newFlows
        for (i, n) in c.verdicts.enumerated() { cells[CounterCells.verdicts + i] = n }
        for (i, n) in c.stages.enumerated() { cells[CounterCells.stages + i] = n }
        for (i, n) in c.rules.enumerated() { cells[CounterCells.fixed + i] = n }
        for (i, n) in c.nodes.enumerated() { cells[nodeBase + i] = n }
        for (i, n) in c.namespaces.enumerated() { cells[namespaceBase + i] = n }
    }

    func deallocate() { memory.free() }

    /// The counters as reports read them (conntrack figures left zero).
    var snapshot: PipelineCounters {
        var c = PipelineCounters(rules: rules, nodes: nodes, namespaces: namespaces)
        c.packets = cells[CounterCells.packets]
        c.bytes = cells[CounterCells.bytes]
        c.newFlows = cells[CounterCells.newFlows]
        for i in c.verdicts.indices { c.verdicts[i] = cells[CounterCells.verdicts + i] }
        for i in c.stages.indices { c.stages[i] = cells[CounterCells.stages + i] }
        for i in c.rules.indices { c.rules[i] = cells[CounterCells.fixed + i] }
        for i in c.nodes.indices { c.nodes[i] = cells[nodeBase + i] }
        for i in c.namespaces.indices { c.namespaces[i] = cells[namespaceBase + i] }
        return c
    }

    @inline(__always)
    func count(_ o: PacketOutcome, bytes b: UInt32) {
        let vc = PipelineCounters.verdictCount
        cells[CounterCells.packets] &+= 1
        cells[CounterCells.bytes] &+= UInt64(b)
        let v = Int(o.verdict.rawValue)
        cells[CounterCells.verdicts + v] &+= 1
        cells[CounterCells.stages + Int(o.stage.rawValue) * vc + v] &+= 1
        for i in 0..<Int(o.rules.count) {
            let r = Int(o.rules[i].raw)
            if r < rules { cells[CounterCells.fixed + r] &+= 1 }
        }
        if UInt(bitPattern: Int(o.node)) < UInt(nodes) { cells[nodeBase + Int(o.node) * vc + v] &+= 1 }
        if UInt(bitPattern: Int(o.namespace)) < UInt(namespaces) { cells[namespaceBase + Int(o.namespace) * vc + v] &+= 1 }
        if o.newFlow { cells[CounterCells.newFlows] &+= 1 }
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
    @inline(__always) public init() {}
    @inline(__always) public init(_ r: RuleID) {
        if r != .none {
            slots.0 = r.raw
            count = 1
        }
    }

    public static func == (a: RuleTrail, b: RuleTrail) -> Bool { a.all == b.all }

    @inline(__always)
    public mutating func append(_ r: RuleID) {
        guard r != .none else { return }
        let i = Int(min(count, UInt8(Self.capacity - 1)))
        withUnsafeMutableBytes(of: &slots) { $0.storeBytes(of: r.raw, toByteOffset: i * 4, as: UInt32.self) }
        if count < UInt8(Self.capacity) { count += 1 }
    }

    @inline(__always)
    public subscript(i: Int) -> RuleID {
        withUnsafeBytes(of: slots) { RuleID(raw: $0.load(fromByteOffset: i * 4, as: UInt32.self)) }
    }

    public func forEach(_ body: (RuleID) -> Void) {
        for i in 0..<Int(count) { body(self[i]) }
    }

    public var all: [RuleID] { (0..<Int(count)).map { self[$0] } }
}
