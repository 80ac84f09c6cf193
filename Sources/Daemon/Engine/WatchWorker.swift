import Foundation
import Logging
import PacketWire
import PcapIO
import Synchronization

/// Replays capture files that appear in a directory (`--watch DIR`) through its own pipeline,
/// on its own thread, each file once and in order (see `WatchedDirectory`). Scans every second.
final class WatchWorker: Sendable {
    struct Status: Sendable {
        var filesReplayed: UInt64 = 0
        var filesFailed: UInt64 = 0
        var packets: UInt64 = 0
        /// Why the directory cannot be read, when it cannot.
        var problem: String?
    }

    let directory: String
    /// One per packet thread (this thread, or each worker with `threads` ≥ 2).
    let exchanges: [PathExchange]
    private let filter: String?
    private let flows: FlowRing
    private let logger: Logger
    private let statusBox = Mutex(Status())
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(directory: String, filter: String?, flows: FlowRing, logger: Logger, threads: Int = 1) {
        self.directory = directory
        self.filter = filter
        self.flows = flows
        self.logger = logger
        exchanges = (0..<max(1, threads)).map { _ in PathExchange(source: "watch:\(directory)", node: "") }
    }

    var status: Status { statusBox.withLock { $0 } }

    /// `initial`: one pipeline per exchange.
    func start(_ initial: [PipelineHandoff]) {
        let thread = Thread { [self] in
            run(initial)
            finished.signal()
        }
        thread.name = "watch"
        thread.start()
    }

    /// Stops after the file being replayed (files are finite; stopping mid-file would leave it
    /// half counted and never replayed again).
    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        finished.wait()
    }

    private func run(_ initial: [PipelineHandoff]) {
        var engine = InputEngine(source: exchanges[0].source, node: "", exchanges: exchanges, handoffs: initial, flows: flows)
        var watched = WatchedDirectory(path: directory)
        while !stopping.load(ordering: .relaxed) {
            let ready: [String]
            do {
                ready = try watched.scan()
                statusBox.withLock { $0.problem = nil }
            } catch {
                let problem = "cannot read watch directory \(directory): \(error.localizedDescription)"
                let changed = statusBox.withLock { s in
                    defer { s.problem = problem }
                    return s.problem != problem
                }
                if changed { logger.error("\(problem)") }
                ready = []
            }
            for file in ready {
                engine.betweenBatches()
                replay(file, into: &engine)
                engine.publish()
            }
            // A reload while no file arrives: publish the new generation's (re-indexed) counters.
            if engine.betweenBatches() { engine.publish() }
            for _ in 0..<10 where !stopping.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        engine.finish()
    }

    private func replay(_ file: String, into engine: inout InputEngine) {
        var count: UInt64 = 0
        do {
            let reader = try PcapReader(path: file, filter: filter)
            defer { reader.close() }
            let linkType = LinkType(rawValue: reader.linkType)
            var record = PacketRecord()
            while try reader.next(into: &record) {
                engine.handle(record, linkType: linkType)
                count &+= 1
            }
            statusBox.withLock { $0.filesReplayed += 1; $0.packets &+= count }
            logger.info("replayed watched file", metadata: ["file": "\(file)", "packets": "\(count)"])
        } catch {
            statusBox.withLock { $0.filesFailed += 1; $0.packets &+= count }
            logger.error("cannot replay watched file", metadata: ["file": "\(file)", "error": "\(error)", "packetsBeforeError": "\(count)"])
        }
    }
}
