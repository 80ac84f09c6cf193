import ClusterModel
import NetworkAddress
import PacketWire

/// A hypothetical flow for `akssim trace`.
public struct FlowQuery: Sendable {
    public var proto: IPProtocol
    public var src: IPAddress
    public var sport: UInt16
    public var dst: IPAddress
    public var dport: UInt16
    /// Node the flow is observed on (`--node`); overrides the pipeline option.
    public var node: String?
    public var sni: String?
    public var httpHost: String?
    /// URL path of the HTTP request (`--http-path`), for Ingress path rules; nil = `/`. A `?query`
    /// or `#fragment` is not part of the path and is ignored.
    public var httpPath: String?
    public var tcpFlags: TCPFlags = .syn

    public init(proto: IPProtocol, src: IPAddress, sport: UInt16 = 40000, dst: IPAddress, dport: UInt16,
                node: String? = nil, sni: String? = nil, httpHost: String? = nil, httpPath: String? = nil,
                tcpFlags: TCPFlags = .syn) {
        self.httpPath = httpPath
        self.proto = proto
        self.src = src
        self.sport = sport
        self.dst = dst
        self.dport = dport
        self.node = node
        self.sni = sni
        self.httpHost = httpHost
        self.tcpFlags = tcpFlags
    }
}

/// The explained decision for one flow (the `akssim trace` JSON contract).
public struct Trace: Sendable {
    public var verdict: Verdict
    public var stage: Stage
    /// The deciding rule's name; empty when no named rule decided.
    public var rule: String
    /// Where the packet is finally delivered (after every translation), nil when not delivered.
    public var delivered: IPPort?
    /// The source as the receiver sees it (after SNAT).
    public var source: IPPort?
    public var hops: [Hop]
    /// Plain-words lines for humans: the flow, its placement, each hop, the verdict.
    public var lines: [String]
    /// `lines` joined with newlines.
    public var explanation: String { lines.joined(separator: "\n") }
    /// The node index that handled it first (-1 none) and whether the query named an unknown node.
    public var node: String?
}

extension Pipeline {
    /// Walks a hypothetical flow with hop recording. Changes neither conntrack nor counters
    /// (nor session-affinity memory).
    public func trace(_ q: FlowQuery) -> Trace {
        var hint = nodeHint
        if let n = q.node { hint = cluster.nodes.firstIndex(where: { $0.name == n }).map(Int32.init) ?? -1 }
        // ICMP echo: both "ports" carry the echo identifier (Linux conntrack keys ICMP by id).
        let sport = q.sport
        let dport = q.proto.isICMP ? q.sport : q.dport
        let flow = FlowKey(src: q.src, dst: q.dst, srcPort: sport, dstPort: dport, proto: q.proto)
        var sniBytes = Array((q.sni ?? "").utf8)
        var hostBytes = Array((q.httpHost ?? "").utf8)
        var pathBytes = Array((q.httpPath ?? "").utf8.prefix { $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") })
        return sniBytes.withUnsafeMutableBytes { sni in
            hostBytes.withUnsafeMutableBytes { host in
                pathBytes.withUnsafeMutableBytes { path in
                    var rec = HopRecorder(enabled: true)
                    // Without --sni/--http-host/--http-path the request is unknown: a :443 egress explains
                    // that the firewall waits for the SNI, and the deny that follows if none comes.
                    let known = q.sni != nil || q.httpHost != nil || q.httpPath != nil
                    let input = FlowInput(flow: flow, tcpFlags: q.tcpFlags, nodeHint: hint, sni: UnsafeRawBufferPointer(sni),
                                          httpHost: UnsafeRawBufferPointer(host), request: known ? .seen : .unknown,
                                          httpPath: UnsafeRawBufferPointer(path))
                    let d = compiled.walk(input, affinity: affinity, now: clock, rec: &rec)
                    return makeTrace(d, flow: flow, hops: rec.hops)
                }
            }
        }
    }

    /// Explains a packet's decision (for `--trace-drops`, on the first drop of a flow). Read-only.
    public func explainDrop(_ p: DecodedPacket, bytes: UnsafeRawBufferPointer, timestampNanos: Int64) -> Trace {
        if p.malformed != .none {
            let r = compiled.names.name(compiled.decodeRules[Int(p.malformed.rawValue)])
            return Trace(verdict: .drop, stage: .decode, rule: r, delivered: nil, source: nil,
                         hops: [Hop(stage: .decode, result: .drop, rule: r, detail: "malformed packet: \(p.malformed)")],
                         lines: ["The packet could not be decoded (\(p.malformed)): dropped at decode."], node: nil)
        }
        // One answer per flow: a packet of a tracked flow (a reply, a reverse-NAT view, a pending
        // flow's first request) is explained by the walk of the flow's own first tuple.
        var flow = p.flow
        let (e, _) = conntrack.peek(p.flow)
        if e >= 0 { flow = conntrack.entry(e).original }
        var rec = HopRecorder(enabled: true)
        let request: ApplicationRequest = flow.proto == .tcp && (p.payloadLength == 0 || flow != p.flow) ? .unknown : .seen
        let d = classify(p, bytes: bytes, now: timestampNanos, rec: &rec, flow: flow, request: request)
        return makeTrace(d, flow: flow, hops: rec.hops)
    }

    func makeTrace(_ d: FlowDecision, flow: FlowKey, hops: [Hop]) -> Trace {
        let t = compiled.topology
        let ok = d.verdict == .allow
        var lines: [String] = []
        lines.append("\(flow.proto) \(endpointText(flow.src, flow.srcPort, flow.proto)) → \(endpointText(flow.dst, flow.dstPort, flow.proto))")
        lines.append("source: \(t.describe(flow.src)); destination: \(describeDestination(flow))")
        if d.node >= 0 { lines.append("handled first on node \(t.nodeNames[Int(d.node)])") }
        for (i, h) in hops.enumerated() {
            let rule = h.rule.isEmpty ? "" : " [\(h.rule)]"
            lines.append("\(i + 1). \(h.stage): \(h.result.rawValue)\(rule) \(h.detail)")
        }
        if ok {
            lines.append("ALLOWED: delivered to \(endpointText(d.delivered.dst, d.delivered.dstPort, flow.proto)) (\(t.describe(d.delivered.dst))), seen from \(endpointText(d.delivered.src, d.delivered.srcPort, flow.proto))")
        } else {
            let r = compiled.names.name(d.rule)
            lines.append("\(d.verdict == .reject ? "REJECTED" : "DROPPED") at \(d.stage)\(r.isEmpty ? "" : " by \(r)")")
        }
        // Protocols without ports (ICMP) print port 0 rather than the echo identifier.
        let ported = flow.proto.hasPorts
        func at(_ a: IPAddress, _ port: UInt16) -> IPPort { IPPort(ip: a, port: ported ? port : 0) }
        // An allowed flow's `stage` is the stage that owns the reported rule (the last explicit
        // allow or translation), so the pair always reads together: `nsg` + `<nsg>/<rule>`.
        let ruleName = compiled.names.name(d.rule)
        var stage = d.stage
        if ok, !ruleName.isEmpty, let owner = hops.last(where: { $0.rule == ruleName }) { stage = owner.stage }
        return Trace(verdict: d.verdict, stage: stage, rule: ruleName,
                     delivered: ok ? at(d.delivered.dst, d.delivered.dstPort) : nil,
                     source: ok ? at(d.delivered.src, d.delivered.srcPort) : at(flow.src, flow.srcPort),
                     hops: hops, lines: lines, node: d.node >= 0 ? t.nodeNames[Int(d.node)] : nil)
    }

    func endpointText(_ ip: IPAddress, _ port: UInt16, _ proto: IPProtocol) -> String {
        guard proto.hasPorts else { return "\(ip)" }
        return ip.isIPv4 ? "\(ip):\(port)" : "[\(ip)]:\(port)"
    }

    func describeDestination(_ f: FlowKey) -> String {
        let fd = compiled.proxy.table.frontDoor(f.dst, f.dstPort, f.proto)
        if fd >= 0 {
            let door = compiled.proxy.table.frontDoors[Int(fd)]
            return "\(door.kind) of Service \(compiled.proxy.table.serviceNames[Int(compiled.proxy.table.servicePorts[Int(door.servicePort)].service)])"
        }
        return compiled.topology.describe(f.dst)
    }
}
