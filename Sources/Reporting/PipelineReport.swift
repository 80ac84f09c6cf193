import Dataplane

/// Pipeline counters as the `replay --json` objects `verdicts`, `stages`, `rules`, `nodes`,
/// `namespaces` (ARCHITECTURE.md). Rules, nodes and namespaces with no packets are left out;
/// stages list every stage that saw a packet.
public enum PipelineReport {
    public static func json(_ pipeline: Pipeline) -> [(String, JSON)] {
        json(pipeline.counters, names: pipeline.ruleNames, nodes: pipeline.nodeNames, namespaces: pipeline.namespaceNames)
    }

    /// For merged worker counters: names come from any pipeline of the same compile.
    public static func json(_ c: PipelineCounters, names: RuleNames, nodes: [String], namespaces: [String]) -> [(String, JSON)] {
        let vc = PipelineCounters.verdictCount
        func triple(_ a: [UInt64], _ i: Int) -> JSON {
            .object(Verdict.allCases.map { v in (v.description, .uint(a[i * vc + Int(v.rawValue)])) })
        }
        func any(_ a: [UInt64], _ i: Int) -> Bool { (0..<vc).contains { a[i * vc + $0] > 0 } }
        var rules: [(String, JSON)] = []
        for (i, n) in c.rules.enumerated() where n > 0 && i > 0 { rules.append((names.name(RuleID(raw: UInt32(i))), .uint(n))) }
        rules.sort { $0.0 < $1.0 }
        return [
            ("verdicts", .object(Verdict.allCases.map { ($0.description, .uint(c.verdict($0))) })),
            ("stages", .object(Stage.allCases.filter { any(c.stages, Int($0.rawValue)) }
                .map { ($0.description, triple(c.stages, Int($0.rawValue))) })),
            ("rules", .object(rules)),
            ("nodes", .object(nodes.indices.filter { any(c.nodes, $0) }.map { (nodes[$0], triple(c.nodes, $0)) })),
            ("namespaces", .object(namespaces.indices.filter { any(c.namespaces, $0) }.map { (namespaces[$0], triple(c.namespaces, $0)) })),
            ("conntrack", .object([("entries", .uint(c.conntrackEntries)), ("evictions", .uint(c.conntrackEvictions)),
                                   ("expired", .uint(c.conntrackExpired)), ("newFlows", .uint(c.newFlows))])),
        ]
    }
}
