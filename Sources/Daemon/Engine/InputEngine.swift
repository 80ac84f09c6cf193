import Dataplane
import Dispatch
import Foundation
import PacketWire
import PcapIO

/// How one daemon input (an interface, or the watched directory) judges its packets.
///
/// - One thread (`threads: 1`): the input's own thread decodes and judges (`PacketPath`).
/// - `threads: N` (N ≥ 2): the input's thread reads and decodes — decoding keeps the fragment
///   table, so it stays in capture order on one thread — and hands each packet to one of N worker
///   threads by `FlowSteering` (both directions of a connection, NATed replies included, on one
///   worker); each worker owns a `PacketPath` (pipeline, conntrack, counters) and its own
///   `PathExchange`, so a reload reaches every worker between two of its batches and each worker
///   publishes its counters for the HTTP side to merge, as the daemon already merges inputs.
///   Hand-off: the replay's preallocated batches (`BatchQueue`), no allocation per packet.
///
/// Steering is built once, from the pipeline the workers start with, and kept across reloads: a
/// connection never moves worker, so a reload keeps every established flow on the conntrack that
/// holds it. (The steering's Service-side test matters only for captures merged from both sides of
/// kube-proxy's DNAT; a Service that a reload adds is steered by its unordered address pair.)
struct InputEngine {
    let exchanges: [PathExchange]
    private var inline: PacketPath?
    private let workers: PathWorkers?
    private var decoder = PacketDecoder()
    private var packet = DecodedPacket()

    /// `handoffs` has one pipeline per exchange (one exchange: judged inline).
    init(source: String, node: String, exchanges: [PathExchange], handoffs: [PipelineHandoff], flows: FlowRing) {
        precondition(!exchanges.isEmpty && exchanges.count == handoffs.count, "one pipeline per exchange")
        self.exchanges = exchanges
        if exchanges.count == 1 {
            inline = PacketPath(source: source, node: node, pipeline: handoffs[0].pipeline, generation: handoffs[0].generation, flows: flows)
            workers = nil
            exchanges[0].publish(inline!.snapshot)  // zeros, so /v1/stats lists this input before its first packet
        } else {
            inline = nil
            workers = PathWorkers(source: source, node: node, exchanges: exchanges, handoffs: handoffs, flows: flows)
        }
    }

    /// One record, on the input's thread.
    @inline(__always)
    mutating func handle(_ record: borrowing PacketRecord, linkType: LinkType) {
        if let workers {
            decoder.decode(record.bytes, linkType: linkType, wireLength: record.wireLength, into: &packet)
            workers.router.submit(packet, bytes: record.bytes, timestampNanos: record.timestampNanos)
        } else {
            inline!.handle(record, linkType: linkType)
        }
    }

    /// Between two reads: the inline path picks up a reload here (workers pick theirs up themselves).
    /// True when it did.
    @discardableResult
    mutating func betweenBatches() -> Bool {
        guard inline != nil, let handoff = exchanges[0].take() else { return false }
        inline!.adopt(handoff)
        return true
    }

    /// The input has nothing more to read for now: workers judge the partial batches at once.
    func drained() {
        workers?.router.flush()
    }

    /// Makes the counters of everything read so far visible: inline, a snapshot now; with workers,
    /// partial batches go to the workers, which publish within `PathWorkers.idleWakeMs`.
    func publish() {
        if let inline {
            exchanges[0].publish(inline.snapshot)
        } else {
            workers?.router.flush()
        }
    }

    /// The input is done: with workers, everything handed over is judged and published before this returns.
    mutating func finish() {
        if let workers {
            workers.finish()
        } else {
            betweenBatches()
            publish()
        }
    }
}

/// The worker threads of one input (`InputEngine` with N ≥ 2).
final class PathWorkers: @unchecked Sendable {
    let router: PacketRouter
    private let queues: [BatchQueue]
    private let done = DispatchSemaphore(value: 0)
    private var finished = false

    /// Longest a worker waits for a batch before it looks for a reload and publishes what it judged.
    static let idleWakeMs = 50
    /// How often a busy worker publishes its counters.
    static let publishInterval: UInt64 = 50_000_000

    init(source: String, node: String, exchanges: [PathExchange], handoffs: [PipelineHandoff], flows: FlowRing) {
        let queues = exchanges.map { _ in BatchQueue() }
        self.queues = queues
        // Every worker's pipeline compiles the same model; steering reads Service sides from the first.
        // DNS responses always go to every worker: a reload may add FQDN rules.
        router = PacketRouter(steering: FlowSteering(pipeline: handoffs[0].pipeline, workers: exchanges.count),
                              queues: queues, learnsDNS: true)
        for i in exchanges.indices {
            let path = PacketPath(source: source, node: node, pipeline: handoffs[i].pipeline,
                                  generation: handoffs[i].generation, flows: flows)
            exchanges[i].publish(path.snapshot)
            let box = PathBox(path)
            let (queue, exchange, done) = (queues[i], exchanges[i], done)
            let thread = Thread { Self.work(queue: queue, exchange: exchange, path: box.take(), done: done) }
            thread.name = "\(source)-worker-\(i)"
            thread.start()
        }
    }

    /// Closes the queues and waits until every worker has judged and published everything.
    func finish() {
        guard !finished else { return }
        finished = true
        router.close()
        for _ in queues { done.wait() }
    }

    private static func work(queue: BatchQueue, exchange: PathExchange, path initial: PacketPath, done: DispatchSemaphore) {
        var path = initial
        var lastPublish = DispatchTime.now().uptimeNanoseconds
        var unpublished = false
        while true {
            let batch = queue.take(waitingAtMost: idleWakeMs)
            if let handoff = exchange.take() {
                path.adopt(handoff)
                unpublished = true
            }
            guard let batch else {
                // Idle: publish what the last burst left unpublished.
                if unpublished {
                    exchange.publish(path.snapshot)
                    unpublished = false
                    lastPublish = DispatchTime.now().uptimeNanoseconds
                }
                continue
            }
            if batch.stop {
                queue.give()
                break
            }
            batch.forEachSlot { slot, bytes in
                path.judge(&slot.pointee.packet, bytes: bytes, timestampNanos: slot.pointee.timestampNanos, kind: slot.pointee.kind)
            }
            queue.give()
            if batch.count > 0 { unpublished = true }
            let now = DispatchTime.now().uptimeNanoseconds
            if unpublished, now &- lastPublish >= publishInterval {
                exchange.publish(path.snapshot)
                unpublished = false
                lastPublish = now
            }
        }
        if let handoff = exchange.take() { path.adopt(handoff) }
        exchange.publish(path.snapshot)
        done.signal()
    }
}

/// Carries a worker's path onto its thread (handed over once, before the thread touches it).
private final class PathBox: @unchecked Sendable {
    private var path: PacketPath?
    init(_ path: PacketPath) { self.path = path }
    func take() -> PacketPath {
        defer { path = nil }
        return path!
    }
}
