import Dataplane

/// The daemon's own per-packet counters, beside the pipeline's: the breakdowns Prometheus
/// wants that `PipelineCounters` does not keep — bytes by stage and verdict, packets by the
/// deciding rule and its stage, and drops by reason (the refusing stage) × node × namespace.
/// Flat arrays sized once per compile; counting is index arithmetic, no allocation.
struct TrafficBreakdown: Sendable {
    static let vc = Verdict.allCases.count
    static let sc = Stage.allCases.count

    private(set) var rules: Int
    private(set) var nodes: Int
    private(set) var namespaces: Int
    /// [stage * vc + verdict]
    var bytes: [UInt64]
    /// [rule * sc + stage]: packets decided by the rule.
    var ruleStage: [UInt64]
    /// [(stage * (nodes + 1) + node + 1) * (namespaces + 1) + namespace + 1]; index 0 of node and
    /// namespace is "none".
    var drops: [UInt64]

    init(rules: Int, nodes: Int, namespaces: Int) {
        self.rules = rules
        self.nodes = nodes
        self.namespaces = namespaces
        bytes = Array(repeating: 0, count: Self.sc * Self.vc)
        ruleStage = Array(repeating: 0, count: rules * Self.sc)
        drops = Array(repeating: 0, count: Self.sc * (nodes + 1) * (namespaces + 1))
    }

    @inline(__always)
    mutating func count(_ o: PacketOutcome, wireLength: UInt32) {
        let stage = Int(o.stage.rawValue)
        bytes[stage * Self.vc + Int(o.verdict.rawValue)] &+= UInt64(wireLength)
        let r = Int(o.rule.raw)
        if r > 0, r < rules { ruleStage[r * Self.sc + stage] &+= 1 }
        if o.verdict != .allow {
            let node = o.node >= 0 && Int(o.node) < nodes ? Int(o.node) + 1 : 0
            let ns = o.namespace >= 0 && Int(o.namespace) < namespaces ? Int(o.namespace) + 1 : 0
            drops[(stage * (nodes + 1) + node) * (namespaces + 1) + ns] &+= 1
        }
    }

    /// The same counts re-indexed for a new compile (reload), matching rules, nodes and
    /// namespaces by name; names the new model no longer has are kept under "none".
    func remapped(
        from old: (rules: RuleNames, nodes: [String], namespaces: [String]),
        to new: (rules: RuleNames, nodes: [String], namespaces: [String])
    ) -> TrafficBreakdown {
        var out = TrafficBreakdown(rules: new.rules.count, nodes: new.nodes.count, namespaces: new.namespaces.count)
        out.bytes = bytes
        var ruleIndex: [String: Int] = [:]
        for (i, n) in new.rules.names.enumerated() { ruleIndex[n] = i }
        for r in 1..<max(1, rules) {
            guard let to = ruleIndex[old.rules.name(RuleID(raw: UInt32(r)))] else { continue }
            for s in 0..<Self.sc { out.ruleStage[to * Self.sc + s] &+= ruleStage[r * Self.sc + s] }
        }
        let nodeMap = [0] + old.nodes.map { n in new.nodes.firstIndex(of: n).map { $0 + 1 } ?? 0 }
        let nsMap = [0] + old.namespaces.map { n in new.namespaces.firstIndex(of: n).map { $0 + 1 } ?? 0 }
        for s in 0..<Self.sc {
            for n in 0...nodes where n < nodeMap.count {
                for m in 0...namespaces where m < nsMap.count {
                    let v = drops[(s * (nodes + 1) + n) * (namespaces + 1) + m]
                    if v > 0 { out.drops[(s * (out.nodes + 1) + nodeMap[n]) * (out.namespaces + 1) + nsMap[m]] &+= v }
                }
            }
        }
        return out
    }

    /// Named series, for merging threads (whose compiles may differ during a reload) and metrics.
    func series(rules names: RuleNames, nodes nodeNames: [String], namespaces nsNames: [String]) -> Series {
        var s = Series()
        for stage in Stage.allCases {
            for verdict in Verdict.allCases {
                let v = bytes[Int(stage.rawValue) * Self.vc + Int(verdict.rawValue)]
                if v > 0 { s.bytes[StageVerdictKey(stage: stage, verdict: verdict), default: 0] &+= v }
            }
        }
        for r in 1..<max(1, rules) {
            for stage in Stage.allCases {
                let v = ruleStage[r * Self.sc + Int(stage.rawValue)]
                if v > 0 { s.ruleHits[RuleStageKey(rule: names.name(RuleID(raw: UInt32(r))), stage: stage), default: 0] &+= v }
            }
        }
        for stage in Stage.allCases {
            for n in 0...nodes {
                for m in 0...namespaces {
                    let v = drops[(Int(stage.rawValue) * (nodes + 1) + n) * (namespaces + 1) + m]
                    guard v > 0 else { continue }
                    let key = DropKey(
                        reason: stage, node: n == 0 || n > nodeNames.count ? "" : nodeNames[n - 1],
                        namespace: m == 0 || m > nsNames.count ? "" : nsNames[m - 1])
                    s.drops[key, default: 0] &+= v
                }
            }
        }
        return s
    }

    struct StageVerdictKey: Hashable, Sendable { var stage: Stage, verdict: Verdict }
    struct RuleStageKey: Hashable, Sendable { var rule: String, stage: Stage }
    struct DropKey: Hashable, Sendable { var reason: Stage, node: String, namespace: String }

    struct Series: Sendable {
        var bytes: [StageVerdictKey: UInt64] = [:]
        var ruleHits: [RuleStageKey: UInt64] = [:]
        var drops: [DropKey: UInt64] = [:]

        mutating func merge(_ o: Series) {
            bytes.merge(o.bytes, uniquingKeysWith: &+)
            ruleHits.merge(o.ruleHits, uniquingKeysWith: &+)
            drops.merge(o.drops, uniquingKeysWith: &+)
        }
    }
}
