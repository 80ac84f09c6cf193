import Dataplane
import NetworkAddress

/// Renders `akssim trace` results: the JSON contract of ARCHITECTURE.md and plain words for humans.
public enum TraceReport {
    /// `{"verdict","stage","rule","delivered","source","hops"}`. `stage`/`rule` name what decided;
    /// when allowed they name the last stage that handled the flow and the last rule that allowed or
    /// translated it (`rule` null when no named rule was involved).
    public static func json(_ t: Trace) -> JSON {
        func ipPort(_ p: IPPort?) -> JSON {
            guard let p else { return .null }
            return .object([("ip", .string("\(p.ip)")), ("port", .uint(UInt64(p.port)))])
        }
        var kv: [(String, JSON)] = [
            ("verdict", .string(t.verdict.description)),
            ("stage", .string(t.stage.description)),
            ("rule", t.rule.isEmpty ? .null : .string(t.rule)),
            ("delivered", ipPort(t.delivered)),
            ("source", ipPort(t.source)),
            ("hops", .array(t.hops.map { h in
                .object([("stage", .string(h.stage.description)), ("result", .string(h.result.rawValue)),
                         ("rule", h.rule.isEmpty ? .null : .string(h.rule)), ("detail", .string(h.detail))])
            })),
        ]
        if let n = t.node { kv.append(("node", .string(n))) }
        return .object(kv)
    }

    /// The hops in plain words, one per line, ending with the verdict.
    public static func text(_ t: Trace) -> String {
        t.explanation
    }
}
