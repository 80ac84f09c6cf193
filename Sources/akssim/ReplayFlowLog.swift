import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import Reporting

/// `--flow-log`: accounts each connection the way an Azure VNet flow log does (one tuple when a
/// flow begins, one with the packet and byte counts per direction when it ends or at the end of
/// the capture, a `D` tuple for a denied flow) and hands the tuples to `FlowLog.document`.
/// Per-flow state is created on a connection's first packet only (flow-log mode is a report,
/// not the hot path).
struct FlowLogBook {
    struct Account {
        var sequence: UInt64
        var flow: FlowKey
        var firstNanos: Int64
        var lastNanos: Int64
        var allowed: Bool
        var rule: String
        var outbound: Bool
        var packetsOut: UInt64 = 0
        var bytesOut: UInt64 = 0
        var packetsIn: UInt64 = 0
        var bytesIn: UInt64 = 0
        var ended = false
    }

    /// The rule context shared by every worker's book.
    struct Context: @unchecked Sendable {
        /// rule raw id → is the rule an NSG rule (`<nsg>/<rule>`)? Azure flow logs name the NSG
        /// rule that admitted or denied a flow; other deciding rules are logged under `akssim`.
        var nsgRule: [Bool]
        var names: RuleNames
        var vnetSpaces: [IPPrefix]
        var targetResourceID: String

        init(cluster: Cluster, pipeline: Pipeline) {
            names = pipeline.ruleNames
            let nsgs = Set(cluster.networkSecurityGroups.map(\.name))
            nsgRule = names.names.map { name in
                guard let slash = name.firstIndex(of: "/") else { return false }
                return nsgs.contains(String(name[..<slash]))
            }
            vnetSpaces = cluster.virtualNetworks.flatMap(\.addressSpaces)
            let vnet = cluster.virtualNetworks.first?.name ?? cluster.name
            targetResourceID = "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/MC_\(cluster.name.uppercased())"
                + "/PROVIDERS/MICROSOFT.NETWORK/VIRTUALNETWORKS/\(vnet.uppercased())"
        }
    }

    let context: Context
    private var index: [FlowKey: Int] = [:]
    private(set) var accounts: [Account] = []

    init(context: Context) { self.context = context }

    mutating func add(_ p: DecodedPacket, timestampNanos: Int64, sequence: UInt64, outcome o: PacketOutcome) {
        // Flow logs record IP flows the network carried; decode-level decisions (non-IP,
        // malformed, host link-local) never reach an NSG.
        guard o.stage != .decode, p.network == .ipv4 || p.network == .ipv6 else { return }
        var slot = -1
        var forward = true
        if !o.newFlow {
            if let i = index[p.flow] {
                slot = i
            } else if let i = index[p.flow.reversed] {
                slot = i
                forward = false
            }
        }
        if slot < 0 {
            slot = accounts.count
            index[p.flow] = slot
            accounts.append(Account(sequence: sequence, flow: p.flow, firstNanos: timestampNanos, lastNanos: timestampNanos,
                                    allowed: o.verdict == .allow, rule: ruleName(o),
                                    outbound: context.vnetSpaces.contains { $0.contains(p.flow.src) }))
        }
        let bytes = UInt64(p.wireLength)
        if forward {
            accounts[slot].packetsOut &+= 1
            accounts[slot].bytesOut &+= bytes
        } else {
            accounts[slot].packetsIn &+= 1
            accounts[slot].bytesIn &+= bytes
        }
        accounts[slot].lastNanos = timestampNanos
        if p.flow.proto == .tcp, p.tcpFlags.contains(.fin) || p.tcpFlags.contains(.rst) { accounts[slot].ended = true }
    }

    /// A denied flow is logged under the rule that denied it; an allowed one under the NSG rule
    /// that admitted it when its path crossed an NSG, else under the deciding rule.
    private func ruleName(_ o: PacketOutcome) -> String {
        if o.verdict != .allow { return context.names.name(o.rule) }
        var nsg = RuleID.none
        o.rules.forEach { r in if Int(r.raw) < context.nsgRule.count, context.nsgRule[Int(r.raw)] { nsg = r } }
        return context.names.name(nsg != .none ? nsg : o.rule)
    }

    /// Flow-log tuples of several books (workers), in capture order of each flow's first packet.
    static func entries(_ books: [FlowLogBook]) -> [FlowLogEntry] {
        var all = books.flatMap(\.accounts)
        all.sort { $0.sequence < $1.sequence }
        var out: [FlowLogEntry] = []
        for a in all {
            let direction: FlowLogDirection = a.outbound ? .outbound : .inbound
            let first = UInt64(max(0, a.firstNanos) / 1_000_000)
            let last = UInt64(max(0, a.lastNanos) / 1_000_000)
            if !a.allowed {
                out.append(FlowLogEntry(timeMillis: first, flow: a.flow, direction: direction, state: .denied, rule: a.rule,
                                        packetsOut: a.packetsOut, bytesOut: a.bytesOut, packetsIn: a.packetsIn,
                                        bytesIn: a.bytesIn))
                continue
            }
            out.append(FlowLogEntry(timeMillis: first, flow: a.flow, direction: direction, state: .begin, rule: a.rule))
            out.append(FlowLogEntry(timeMillis: last, flow: a.flow, direction: direction, state: a.ended ? .end : .continuing,
                                    rule: a.rule, packetsOut: a.packetsOut, bytesOut: a.bytesOut,
                                    packetsIn: a.packetsIn, bytesIn: a.bytesIn))
        }
        return out
    }
}
