import Dataplane
import PacketWire
import PcapIO
import Reporting

/// What one packet thread owns: a decoder, a pipeline, the decode counters, and the buffer
/// the decoder fills. Nothing here is shared, so the per-packet path takes no lock; the
/// thread publishes a copy of its counters between batches (`snapshot`).
struct PacketPath {
    let source: String
    let node: String
    var decoder = PacketDecoder()
    var pipeline: Pipeline
    var decode = DecodeSummary()
    var packet = DecodedPacket()
    var breakdown: TrafficBreakdown
    let flows: FlowRing
    /// Model generation the pipeline was compiled from.
    var generation: Int

    init(source: String, node: String, pipeline: Pipeline, generation: Int, flows: FlowRing) {
        self.source = source
        self.node = node
        self.pipeline = pipeline
        self.generation = generation
        self.flows = flows
        breakdown = TrafficBreakdown(
            rules: pipeline.ruleNames.count, nodes: pipeline.nodeNames.count, namespaces: pipeline.namespaceNames.count)
    }

    /// Decode → pipeline → count; records the first packet of each new flow (and a later refusal) in the ring.
    /// The record is a live capture's or a watched file's; both threads hand it over as libpcap filled it.
    @inline(__always)
    mutating func handle(_ record: borrowing PacketRecord, linkType: LinkType) {
        let bytes = record.bytes
        let timestampNanos = record.timestampNanos
        decoder.decode(bytes, linkType: linkType, wireLength: record.wireLength, into: &packet)
        Self.judge(&packet, bytes: bytes, timestampNanos: timestampNanos, kind: PacketStep.kind(of: packet),
                   pipeline: pipeline, decode: &decode, breakdown: &breakdown, flows: flows, source: source, node: node)
    }

    /// A packet the input's reader thread decoded and handed to this worker (`--threads N`).
    /// A `.learnDNS` slot is another worker's DNS response, read here only for its answers.
    @inline(__always)
    mutating func judge(_ p: inout DecodedPacket, bytes: UnsafeRawBufferPointer, timestampNanos: Int64, kind: SlotKind) {
        Self.judge(&p, bytes: bytes, timestampNanos: timestampNanos, kind: kind,
                   pipeline: pipeline, decode: &decode, breakdown: &breakdown, flows: flows, source: source, node: node)
    }

    /// The per-packet step of both modes (disjoint pieces of the path, so the packet may be one of them).
    @inline(__always)
    private static func judge(_ p: inout DecodedPacket, bytes: UnsafeRawBufferPointer, timestampNanos: Int64, kind: SlotKind,
                              pipeline: Pipeline, decode: inout DecodeSummary, breakdown: inout TrafficBreakdown,
                              flows: FlowRing, source: String, node: String) {
        if kind != .learnDNS {
            decode.add(p, bytes: bytes, timestampNanos: timestampNanos)
            let outcome = pipeline.process(&p, bytes: bytes, timestampNanos: timestampNanos)
            breakdown.count(outcome, wireLength: p.wireLength)
            // A flow is recorded when first seen and again when it is refused later (an application rule
            // deciding on the ClientHello after an allowed handshake), so `/v1/flows?verdict=drop` lists it.
            if outcome.newFlow || (outcome.firstRefusal && outcome.verdict != .allow) {
                flows.append(
                    FlowRecord(
                        timestampNanos: UInt64(max(0, timestampNanos)), interface: source, node: node,
                        proto: p.flow.proto, src: p.flow.src, srcPort: p.flow.srcPort,
                        dst: p.flow.dst, dstPort: p.flow.dstPort, verdict: outcome.verdict,
                        stage: outcome.stage, rule: pipeline.ruleNames.name(outcome.rule)))
            }
        }
        // DNS answers teach the firewall's FQDN network rules, as in replay (PacketStep), after the
        // response itself was judged.
        if kind != .packet { pipeline.learnDNS(from: p, bytes: bytes) }
    }

    /// Takes a pipeline compiled off this thread and carries conntrack and counters over, so a
    /// reload loses neither established flows nor totals.
    mutating func adopt(_ handoff: PipelineHandoff) {
        let old = pipeline
        handoff.pipeline.adoptState(from: old)
        pipeline = handoff.pipeline
        breakdown = breakdown.remapped(
            from: (old.ruleNames, old.nodeNames, old.namespaceNames),
            to: (pipeline.ruleNames, pipeline.nodeNames, pipeline.namespaceNames))
        generation = handoff.generation
    }

    var snapshot: PathSnapshot {
        PathSnapshot(
            decode: decode, counters: pipeline.counters, ruleNames: pipeline.ruleNames, nodeNames: pipeline.nodeNames,
            namespaceNames: pipeline.namespaceNames,
            series: breakdown.series(rules: pipeline.ruleNames, nodes: pipeline.nodeNames, namespaces: pipeline.namespaceNames),
            generation: generation)
    }
}

/// A copy of one thread's counters, published for the HTTP side.
struct PathSnapshot: Sendable {
    var decode: DecodeSummary
    var counters: PipelineCounters
    /// The names behind the counters' indices (the same for every pipeline of one compile).
    var ruleNames: RuleNames
    var nodeNames: [String]
    var namespaceNames: [String]
    /// The daemon's breakdowns, by name.
    var series: TrafficBreakdown.Series
    var generation: Int
}

/// A pipeline compiled by the reloader for one packet thread. Handed over exactly once, then
/// owned by that thread alone, hence the unchecked sendability.
final class PipelineHandoff: @unchecked Sendable {
    let pipeline: Pipeline
    let generation: Int
    init(pipeline: Pipeline, generation: Int) {
        self.pipeline = pipeline
        self.generation = generation
    }
}
