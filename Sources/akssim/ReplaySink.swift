import Dataplane
import NetworkAddress
import PacketWire
import Reporting

/// The explained first drop of one flow (`--trace-drops`).
struct DropTrace {
    var sequence: UInt64
    var timestampNanos: Int64
    var flow: FlowKey
    var trace: Trace
}

/// What `akssim replay` does with each judged packet beyond the counters: `--write-drops`,
/// `--write-accepted`, `--trace-drops`, `--flow-log`. One per worker (or one for a
/// single-threaded replay); workers' results are merged by capture sequence at the end.
struct ReplaySink: PacketSink, @unchecked Sendable {
    var drops: PcapSpool?
    var accepted: PcapSpool?
    var traceDrops = false
    var flowLog: FlowLogBook?
    /// Connections (either direction) whose first drop was explained already: one line per
    /// dropped flow, not per packet — a refused SYN and the server's unsolicited SYN-ACK to it
    /// are one flow.
    private var tracedFlows: Set<FlowKey> = []
    private(set) var dropTraces: [DropTrace] = []

    init(drops: PcapSpool?, accepted: PcapSpool?, traceDrops: Bool, flowLog: FlowLogBook?) {
        self.drops = drops
        self.accepted = accepted
        self.traceDrops = traceDrops
        self.flowLog = flowLog
    }

    mutating func consume(_ packet: inout DecodedPacket, bytes: UnsafeRawBufferPointer, timestampNanos: Int64,
                          sequence: UInt64, outcome: PacketOutcome, pipeline: Pipeline) {
        if outcome.verdict == .allow {
            accepted?.write(bytes, timestampNanos: timestampNanos, wireLength: packet.wireLength, sequence: sequence)
        } else {
            drops?.write(bytes, timestampNanos: timestampNanos, wireLength: packet.wireLength, sequence: sequence)
            if traceDrops && outcome.firstRefusal && tracedFlows.insert(Self.connection(packet.flow)).inserted {
                // Explained on the flow's first refused packet only (explaining walks the path
                // again with hop recording, which allocates); later packets of a refused flow, in
                // either direction, carry the same verdict with `firstRefusal` false.
                let trace = pipeline.explainDrop(packet, bytes: bytes, timestampNanos: timestampNanos)
                dropTraces.append(DropTrace(sequence: sequence, timestampNanos: timestampNanos, flow: packet.flow, trace: trace))
            }
        }
        flowLog?.add(packet, timestampNanos: timestampNanos, sequence: sequence, outcome: outcome)   // in place, no copy
    }

    /// The direction-free form of a flow key (its smaller orientation).
    static func connection(_ f: FlowKey) -> FlowKey {
        let r = f.reversed
        if f.src != r.src { return f.src.mix < r.src.mix ? f : r }
        return f.srcPort <= r.srcPort ? f : r
    }

    /// One line: when, what, the verdict, where and by which rule, and why (the deciding hop).
    static func line(_ d: DropTrace) -> String {
        let t = d.trace
        let word = t.verdict == .reject ? "REJECT" : "DROP"
        let rule = t.rule.isEmpty ? "" : " by \(t.rule)"
        let why = t.hops.last(where: { $0.result == .drop || $0.result == .reject })?.detail ?? t.hops.last?.detail ?? ""
        return "\(FlowLog.timestamp(millis: UInt64(max(0, d.timestampNanos) / 1_000_000))) \(word) \(flowText(d.flow)) at \(t.stage)\(rule)"
            + (why.isEmpty ? "" : ": \(why)")
    }

    static func flowText(_ f: FlowKey) -> String {
        func at(_ ip: IPAddress, _ port: UInt16) -> String {
            guard f.proto.hasPorts else { return "\(ip)" }
            return ip.isIPv4 ? "\(ip):\(port)" : "[\(ip)]:\(port)"
        }
        return "\(f.proto) \(at(f.src, f.srcPort)) → \(at(f.dst, f.dstPort))"
    }

    static func json(_ d: DropTrace) -> JSON {
        let f = d.flow
        return .object([
            ("time", .string(FlowLog.timestamp(millis: UInt64(max(0, d.timestampNanos) / 1_000_000)))),
            ("packet", .uint(d.sequence + 1)),
            ("protocol", .string("\(f.proto)")),
            ("src", .string("\(f.src)")), ("sport", .uint(UInt64(f.srcPort))),
            ("dst", .string("\(f.dst)")), ("dport", .uint(UInt64(f.dstPort))),
            ("trace", TraceReport.json(d.trace)),
        ])
    }
}
