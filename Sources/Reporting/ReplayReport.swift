import Dataplane
import PacketWire

/// What a pipeline replay reports besides the decode summary: the merged counters and the names
/// behind their indices (from any worker's pipeline: every worker compiles the same cluster).
public struct ReplayVerdicts: Sendable {
    public var counters: PipelineCounters
    public var ruleNames: RuleNames
    public var nodeNames: [String]
    public var namespaceNames: [String]

    public init(counters: PipelineCounters, ruleNames: RuleNames, nodeNames: [String], namespaceNames: [String]) {
        self.counters = counters
        self.ruleNames = ruleNames
        self.nodeNames = nodeNames
        self.namespaceNames = namespaceNames
    }

    /// Merges the counters of every worker's pipeline.
    public init?(pipelines: [Pipeline]) {
        guard let first = pipelines.first else { return nil }
        var total = first.counters
        for p in pipelines.dropFirst() { total.merge(p.counters) }
        self.init(counters: total, ruleNames: first.ruleNames, nodeNames: first.nodeNames,
                  namespaceNames: first.namespaceNames)
    }

    /// `verdicts`, `stages`, `rules`, `nodes`, `namespaces`, `conntrack` (PipelineReport).
    public var jsonFields: [(String, JSON)] {
        PipelineReport.json(counters, names: ruleNames, nodes: nodeNames, namespaces: namespaceNames)
    }

    /// Rules with their packet counts, most hits first (ties by name, so the order is stable).
    public var rulesByHits: [(name: String, packets: UInt64)] {
        var out: [(name: String, packets: UInt64)] = []
        for (i, n) in counters.rules.enumerated() where n > 0 && i > 0 {
            out.append((ruleNames.name(RuleID(raw: UInt32(i))), n))
        }
        return out.sorted { $0.packets != $1.packets ? $0.packets > $1.packets : $0.name < $1.name }
    }
}

/// `akssim replay` output once the pipeline ran: the decode summary's keys, then the pipeline's,
/// then optional extras (`dropTraces`). Text: the decode summary, verdict totals, the per-rule
/// table sorted by hits, per node and per namespace.
public enum ReplayReport {
    public static func json(_ summary: DecodeSummary, verdicts: ReplayVerdicts?, extra: [(String, JSON)] = []) -> JSON {
        summary.json(appending: (verdicts?.jsonFields ?? []) + extra)
    }

    /// `top`: the most rows each table (rules, nodes, namespaces) shows, the busiest first; nil shows
    /// every row. A cut table ends with a line saying how many rows and packets it left out.
    public static func text(_ summary: DecodeSummary, verdicts: ReplayVerdicts?, top: Int? = nil) -> String {
        var lines = summary.textLines()
        guard let v = verdicts else { return lines.joined(separator: "\n") }
        let c = v.counters
        lines.append("")
        lines.append("verdicts   " + Verdict.allCases.map { "\($0) \(c.verdict($0))" }.joined(separator: ", ")
                     + "   (\(c.newFlows) flows classified, \(c.conntrackEntries) tracked at the end)")
        var stages: [[String]] = []
        for s in Stage.allCases {
            let row = Verdict.allCases.map { c.stage(s, $0) }
            if row.contains(where: { $0 > 0 }) { stages.append([s.description] + row.map { "\($0)" }) }
        }
        if !stages.isEmpty {
            lines.append("")
            lines += table(header: ["stage", "allow", "drop", "reject"], rows: stages, numeric: [1, 2, 3])
        }
        lines.append("")
        let byHits = v.rulesByHits
        let shownRules = top.map { min($0, byHits.count) } ?? byHits.count
        let rules = byHits.prefix(shownRules).map { [$0.name, "\($0.packets)"] }
        lines += rules.isEmpty && byHits.isEmpty ? ["rules      none"] : table(header: ["rule", "packets"], rows: rules, numeric: [1])
        if shownRules < byHits.count {
            let rest = byHits[shownRules...]
            lines.append("… \(rest.count) more rules, \(rest.reduce(UInt64(0)) { $0 + $1.packets }) packet hits in all (--top 0 lists every row; --json has them all)")
        }
        let vc = PipelineCounters.verdictCount
        func perIndex(_ title: String, _ names: [String], _ cells: [UInt64]) {
            var rows: [(name: String, counts: [UInt64])] = []
            for (i, name) in names.enumerated() where i * vc + vc <= cells.count {
                let row = (0..<vc).map { cells[i * vc + $0] }
                if row.contains(where: { $0 > 0 }) { rows.append((name, row)) }
            }
            guard !rows.isEmpty else { return }
            var shown = rows
            if let top, top < rows.count {
                // The busiest rows, kept in the model's order (nodes and namespaces read best that way).
                let keep = Set(rows.indices.sorted { (rows[$0].counts.reduce(0, +), $1) > (rows[$1].counts.reduce(0, +), $0) }.prefix(top))
                shown = rows.indices.filter(keep.contains).map { rows[$0] }
            }
            lines.append("")
            lines += table(header: [title, "allow", "drop", "reject"], rows: shown.map { [$0.name] + $0.counts.map { "\($0)" } }, numeric: [1, 2, 3])
            if shown.count < rows.count {
                let left = rows.count - shown.count
                let packets = rows.reduce(UInt64(0)) { $0 + $1.counts.reduce(0, +) } - shown.reduce(UInt64(0)) { $0 + $1.counts.reduce(0, +) }
                lines.append("… \(left) more \(title)s with \(packets) packets (--top 0 lists every row; --json has them all)")
            }
        }
        perIndex("node", v.nodeNames, c.nodes)
        perIndex("namespace", v.namespaceNames, c.namespaces)
        return lines.joined(separator: "\n")
    }

    /// A plain aligned table (numbers right-aligned).
    static func table(header: [String], rows: [[String]], numeric: Set<Int>) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { col in all.map { $0[col].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { col in
                let pad = String(repeating: " ", count: widths[col] - row[col].count)
                return numeric.contains(col) ? pad + row[col] : row[col] + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
