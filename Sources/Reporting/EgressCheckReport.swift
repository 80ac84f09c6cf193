import Dataplane

/// Renders `akssim check egress` results (issue 5 item 8): one row per required flow and origin,
/// with the rule that blocked it. Exit status 1 when any required flow is blocked.
public enum EgressCheckReport {
    public static func json(_ results: [EgressCheckResult]) -> JSON {
        .object([
            ("passed", .bool(results.allSatisfy(\.passed))),
            ("blocked", .uint(UInt64(results.filter { !$0.passed }.count))),
            ("flows", .array(results.map { r in
                .object([
                    ("requirement", .string(r.requirement.name)),
                    ("note", .string(r.requirement.note)),
                    ("origin", .string(r.origin)),
                    ("protocol", .string(r.requirement.proto)),
                    ("src", .string("\(r.flow.src)")),
                    ("dst", .string("\(r.flow.dst)")),
                    ("dport", .uint(UInt64(r.flow.dstPort))),
                    ("sni", r.requirement.fqdn.isEmpty || r.requirement.proto != "tcp" || r.requirement.port != 443 ? .null : .string(r.requirement.fqdn)),
                    ("verdict", .string(r.result.verdict.description)),
                    ("stage", .string(r.result.stage.description)),
                    ("rule", r.rule.isEmpty ? .null : .string(r.rule)),
                    ("hops", .array(r.hops.map { h in
                        .object([("stage", .string(h.stage.description)), ("result", .string(h.result.rawValue)),
                                 ("rule", h.rule.isEmpty ? .null : .string(h.rule)), ("detail", .string(h.detail))])
                    })),
                ])
            })),
        ])
    }

    /// `PASS|BLOCK  requirement  proto/port  origin  → stage rule (reason)`.
    public static func text(_ results: [EgressCheckResult]) -> String {
        var lines: [String] = []
        let w = results.map { $0.requirement.name.count }.max() ?? 0
        for r in results {
            let name = padded(r.requirement.name, w)
            let target = r.requirement.fqdn.isEmpty ? "\(r.flow.dst)" : r.requirement.fqdn
            var line = "\(r.passed ? "PASS " : "BLOCK") \(name)  \(r.requirement.proto)/\(r.requirement.port) \(target)  from \(r.origin)"
            if r.passed {
                if !r.rule.isEmpty { line += "  allowed by \(r.rule)" }
            } else {
                line += "  blocked at \(r.result.stage) by \(r.rule)"
                if let reason = r.hops.last?.detail, !reason.isEmpty { line += " (\(reason))" }
            }
            lines.append(line)
        }
        let blocked = results.filter { !$0.passed }.count
        lines.append(blocked == 0 ? "all \(results.count) required egress flows pass" : "\(blocked) of \(results.count) required egress flows blocked")
        return lines.joined(separator: "\n")
    }
}

private func padded(_ s: String, _ n: Int) -> String {
    s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
}
