import ClusterModel
import Dispatch
import Foundation
import PacketWire

/// One worker thread: owns a pipeline and a sink, drains its queue in order (so the packets of
/// each flow are judged in capture order).
@usableFromInline
final class Worker<Sink: PacketSink>: @unchecked Sendable {
    @usableFromInline let queue: BatchQueue
    @usableFromInline let pipeline: Pipeline
    @usableFromInline var sink: Sink
    @usableFromInline let finished = DispatchSemaphore(value: 0)

    @usableFromInline
    init(queue: BatchQueue, pipeline: Pipeline, sink: Sink) {
        self.queue = queue
        self.pipeline = pipeline
        self.sink = sink
    }

    /// Inlinable so the loop is specialised for the concrete sink where the pool is created
    /// (no generic dispatch per packet).
    @inlinable
    func run() {
        var sink = self.sink
        var dns = DNSLearner()
        let pipeline = self.pipeline
        while true {
            let batch = queue.take()
            if batch.stop {
                queue.give()
                break
            }
            for i in 0..<batch.count {
                // Judged in place in the batch: a copy of the 178-byte decode per packet showed in profiles.
                let slot = batch.slots + i
                let bytes = batch.packetBytes(slot.pointee)
                PacketStep.run(&slot.pointee.packet, bytes: bytes, timestampNanos: slot.pointee.timestampNanos,
                               sequence: slot.pointee.sequence, kind: slot.pointee.kind, pipeline: pipeline, sink: &sink, dns: &dns)
            }
            queue.give()
        }
        self.sink = sink
        finished.signal()
    }
}

/// `--threads N`: the reader thread decodes each packet (decoding keeps the fragment table,
/// so it stays in capture order on one thread) and copies it into the batch of the worker
/// `FlowSteering` picks; N worker threads judge packets with their own `Pipeline` (own conntrack,
/// own counters) and their own sink. Counters merge with `PipelineCounters.merge` at the end.
/// Packet order within a worker is capture order. Pure threads and semaphores; no per-packet
/// allocation (batches are preallocated slabs handed over whole).
public final class WorkerPool<Sink: PacketSink>: @unchecked Sendable {
    public var steering: FlowSteering { router.steering }
    @usableFromInline let workers: [Worker<Sink>]
    /// The reader's side: steering and the queues (not generic over the sink, so it is compiled
    /// once, in this module, where the per-packet path needs no retain/release).
    @usableFromInline let router: PacketRouter
    /// Packets submitted so far (the next packet's sequence number).
    public var sequence: UInt64 { router.nextSequence }
    @exclusivity(unchecked) @usableFromInline var started = false

    /// `pipelines` and `sinks` have one element per worker; every pipeline compiles the same cluster.
    public init(pipelines: [Pipeline], sinks: [Sink], batchBytes: Int = 1 << 20, batchSlots: Int = 1024, depth: Int = 4) {
        precondition(!pipelines.isEmpty && pipelines.count == sinks.count, "one pipeline and one sink per worker")
        let bytes = max(batchBytes, 1 << 19)   // a whole libpcap record (snaplen ≤ 262,144) always fits
        workers = zip(pipelines, sinks).map { pipeline, sink in
            Worker(queue: BatchQueue(depth: depth, byteCapacity: bytes, slotCapacity: max(1, batchSlots)),
                   pipeline: pipeline, sink: sink)
        }
        router = PacketRouter(steering: FlowSteering(pipeline: pipelines[0], workers: pipelines.count),
                              queues: workers.map(\.queue), learnsDNS: pipelines[0].learnsDNS)
    }

    public var count: Int { workers.count }

    /// Starts the worker threads. Inlinable: the thread bodies are then compiled for the concrete sink.
    @inlinable
    public func start() {
        guard !started else { return }
        started = true
        for (i, worker) in workers.enumerated() {
            let thread = Thread { worker.run() }
            thread.name = "akssim-worker-\(i)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Reader side: hands one decoded packet to its worker (`PacketRouter`).
    @inlinable
    public func submit(_ p: DecodedPacket, bytes: UnsafeRawBufferPointer, timestampNanos: Int64) {
        if !started { start() }   // submitting to stopped workers would block once the batches are full
        router.submit(p, bytes: bytes, timestampNanos: timestampNanos)
    }

    /// Publishes partial batches now (e.g. before a long pause in a live capture).
    public func flush() {
        for w in workers { w.queue.publish() }
    }

    /// Stops the workers after everything submitted was judged, and returns each worker's
    /// pipeline and sink, in worker order.
    public func finish() -> [(pipeline: Pipeline, sink: Sink)] {
        if started {
            for w in workers { w.queue.close() }
            for w in workers { w.finished.wait() }
            started = false
        }
        return workers.map { ($0.pipeline, $0.sink) }
    }

    /// Every worker's counters merged.
    public static func merged(_ pipelines: [Pipeline]) -> PipelineCounters? {
        guard var total = pipelines.first?.counters else { return nil }
        for p in pipelines.dropFirst() { total.merge(p.counters) }
        return total
    }
}

/// The reader's side of a worker pool: picks each packet's worker and appends it to that
/// worker's batch. A DNS response is also given to every other worker as a learn-only slot at the
/// same position in the stream, so every worker's firewall knows the name before the packets that
/// follow it — as in one thread.
public final class PacketRouter: @unchecked Sendable {
    public let steering: FlowSteering
    /// The queues, owned here and reached unretained per packet.
    let owned: [BatchQueue]
    let queues: UnsafeMutablePointer<Unmanaged<BatchQueue>>
    let learnsDNS: Bool
    @exclusivity(unchecked) @usableFromInline var nextSequence: UInt64 = 0

    public init(steering: FlowSteering, queues: [BatchQueue], learnsDNS: Bool) {
        self.steering = steering
        owned = queues
        self.queues = .allocate(capacity: max(1, queues.count))
        self.queues.initialize(from: queues.map { Unmanaged.passUnretained($0) }, count: queues.count)
        self.learnsDNS = learnsDNS
    }

    deinit { queues.deallocate() }

    /// Publishes every partial batch (the input went quiet: judge what is pending now).
    public func flush() {
        for q in owned { q.publish() }
    }

    /// Publishes what is pending, then tells every worker to stop.
    public func close() {
        for q in owned { q.close() }
    }

    public func submit(_ p: DecodedPacket, bytes: UnsafeRawBufferPointer, timestampNanos: Int64) {
        let seq = nextSequence
        nextSequence &+= 1
        let target = steering.worker(for: p)
        let kind = PacketStep.kind(of: p, learnsDNS: learnsDNS)
        queues[target]._withUnsafeGuaranteedRef {
            $0.append(p, bytes: bytes, timestampNanos: timestampNanos, sequence: seq, kind: kind)
        }
        if kind == .packetLearningDNS {
            for i in 0..<owned.count where i != target {
                queues[i]._withUnsafeGuaranteedRef {
                    $0.append(p, bytes: bytes, timestampNanos: timestampNanos, sequence: seq, kind: .learnDNS)
                }
            }
        }
    }
}

extension Pipeline {
    /// `count` pipelines over one cluster (one per worker: each owns its conntrack, counters and
    /// learned DNS answers), compiled in parallel — compiling a large cluster takes a second or
    /// more, and workers would otherwise pay it one after another before the first packet.
    public static func make(count: Int, cluster: Cluster, options: PipelineOptions = .init()) -> [Pipeline] {
        make(cluster: cluster, options: Array(repeating: options, count: max(1, count)))
    }

    /// One pipeline per element of `options` (e.g. the daemon's workers, each tap with its own node),
    /// compiled in parallel, in that order.
    public static func make(cluster: Cluster, options: [PipelineOptions]) -> [Pipeline] {
        guard options.count > 1 else { return options.map { Pipeline(cluster: cluster, options: $0) } }
        let slots = CompiledSlots(count: options.count)
        DispatchQueue.concurrentPerform(iterations: options.count) { i in
            slots.store(Pipeline(cluster: cluster, options: options[i]), at: i)
        }
        return slots.all
    }
}

/// Write-once result slots for `Pipeline.make`: each index is written by exactly one iteration of
/// `concurrentPerform`, and read only after it returns.
private final class CompiledSlots: @unchecked Sendable {
    private let count: Int
    private let base: UnsafeMutablePointer<Pipeline?>
    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: nil, count: count)
    }
    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }
    func store(_ p: Pipeline, at i: Int) { base[i] = p }
    var all: [Pipeline] { (0..<count).compactMap { base[$0] } }
}
