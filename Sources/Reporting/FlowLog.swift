import Dataplane
import NetworkAddress
import PacketWire

// Azure VNet flow-log JSON (azure-networking.md §1.9; flowLogVersion 4), so tools that read Azure
// flow logs can read akssim's: records → flowRecords.flows[] by aclID (the NSG) → flowGroups[] by
// rule (`DefaultRule_<name>` / `UserRule_<name>`) → flowTuples
// `unixMillis,src,dst,sport,dport,protoNumber,I|O,B|C|E|D,NX,pktsOut,bytesOut,pktsIn,bytesIn`
// (counts on C/E only; B and D carry 0,0,0,0 as in Microsoft's samples).

public enum FlowLogDirection: String, Sendable { case inbound = "I", outbound = "O" }

/// B = flow began, C = continuing (periodic), E = ended, D = denied.
public enum FlowLogState: String, Sendable { case begin = "B", continuing = "C", end = "E", denied = "D" }

/// One tuple to log. `rule` is akssim's §5 name (`aks-agentpool-nsg/DenyAllInBound`); the NSG part
/// becomes the aclID and the rule part the flow-log rule name.
public struct FlowLogEntry: Sendable {
    public var timeMillis: UInt64
    public var flow: FlowKey
    public var direction: FlowLogDirection
    public var state: FlowLogState
    public var rule: String
    public var packetsOut: UInt64
    public var bytesOut: UInt64
    public var packetsIn: UInt64
    public var bytesIn: UInt64
    public init(timeMillis: UInt64, flow: FlowKey, direction: FlowLogDirection, state: FlowLogState, rule: String,
                packetsOut: UInt64 = 0, bytesOut: UInt64 = 0, packetsIn: UInt64 = 0, bytesIn: UInt64 = 0) {
        self.timeMillis = timeMillis
        self.flow = flow
        self.direction = direction
        self.state = state
        self.rule = rule
        self.packetsOut = packetsOut
        self.bytesOut = bytesOut
        self.packetsIn = packetsIn
        self.bytesIn = bytesIn
    }
}

public enum FlowLog {
    static let defaultRuleNames: Set<String> = Set(["AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound",
                                                   "AllowVnetOutBound", "AllowInternetOutBound", "DenyAllOutBound"])

    /// `<nsg>/<rule>` → (aclID, `DefaultRule_<rule>` | `UserRule_<rule>`); other names (firewall,
    /// platform) are kept whole under the aclID `akssim`.
    public static func split(rule: String) -> (acl: String, rule: String) {
        let parts = rule.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !rule.contains(":") else { return ("akssim", rule) }
        let name = String(parts[1])
        return (String(parts[0]), (defaultRuleNames.contains(name) ? "DefaultRule_" : "UserRule_") + name)
    }

    /// Statistics ride only on `C` and `E` tuples: Microsoft's VNet flow-log schema says B is
    /// "flow is created, no statistics provided" and its sample logs write every `B` and `D`
    /// tuple as `…,NX,0,0,0,0` (vnet-flow-logs-overview, "Sample log record"), so parsers
    /// summing bytes over all tuples would double-count a denied flow's packets otherwise.
    public static func tuple(_ e: FlowLogEntry) -> String {
        let f = e.flow
        let counted = e.state == .continuing || e.state == .end
        let stats = counted ? "\(e.packetsOut),\(e.bytesOut),\(e.packetsIn),\(e.bytesIn)" : "0,0,0,0"
        return "\(e.timeMillis),\(f.src),\(f.dst),\(f.srcPort),\(f.dstPort),\(f.proto.rawValue),\(e.direction.rawValue),\(e.state.rawValue),NX,"
            + stats
    }

    /// RFC 3339 UTC time with milliseconds, from Unix milliseconds (no Foundation, no time zone data).
    public static func timestamp(millis: UInt64) -> String {
        let secs = Int64(millis / 1000)
        let days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        let rem = secs - days * 86400
        let (y, m, d) = Timestamp.civil(fromDays: days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = millis % 1000
        let msText = ms < 10 ? "00\(ms)" : (ms < 100 ? "0\(ms)" : "\(ms)")
        return "\(y)-\(two(m))-\(two(d))T\(two(rem / 3600)):\(two(rem % 3600 / 60)):\(two(rem % 60)).\(msText)Z"
    }

    /// One record per minute of entries (Azure writes a record per target resource about every
    /// minute); inside it flows grouped by aclID, then by rule, in first-seen order.
    public static func document(_ entries: [FlowLogEntry], targetResourceID: String,
                                flowLogResourceID: String = "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_EASTUS/FLOWLOGS/AKSSIM",
                                macAddress: String = "000D3A000000") -> JSON {
        var minutes: [UInt64] = []
        var byMinute: [UInt64: [FlowLogEntry]] = [:]
        for e in entries.sorted(by: { $0.timeMillis < $1.timeMillis }) {
            let m = e.timeMillis / 60_000
            if byMinute[m] == nil { minutes.append(m) }
            byMinute[m, default: []].append(e)
        }
        var records: [JSON] = []
        for m in minutes {
            let list = byMinute[m] ?? []
            var acls: [String] = []
            var groups: [String: [(String, [String])]] = [:]
            for e in list {
                let (acl, rule) = split(rule: e.rule)
                if groups[acl] == nil { acls.append(acl); groups[acl] = [] }
                if let i = groups[acl]?.firstIndex(where: { $0.0 == rule }) {
                    groups[acl]?[i].1.append(tuple(e))
                } else {
                    groups[acl]?.append((rule, [tuple(e)]))
                }
            }
            let flows: [JSON] = acls.map { acl in
                .object([
                    ("aclID", .string(acl)),
                    ("flowGroups", .array((groups[acl] ?? []).map { rule, tuples in
                        .object([("rule", .string(rule)), ("flowTuples", .array(tuples.map { .string($0) }))])
                    })),
                ])
            }
            records.append(.object([
                ("time", .string(timestamp(millis: (list.first?.timeMillis ?? m * 60_000)))),
                ("flowLogVersion", .int(4)),
                ("flowLogGUID", .string("00000000-0000-0000-0000-00000000a55e")),
                ("macAddress", .string(macAddress)),
                ("category", .string("FlowLogFlowEvent")),
                ("flowLogResourceID", .string(flowLogResourceID)),
                ("targetResourceID", .string(targetResourceID)),
                ("operationName", .string("FlowLogFlowEvent")),
                ("flowRecords", .object([("flows", .array(flows))])),
            ]))
        }
        return .object([("records", .array(records))])
    }
}
