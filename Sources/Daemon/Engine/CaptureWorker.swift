import Foundation
import Logging
import PacketWire
import PcapIO
import Synchronization

/// Taps one interface on its own thread: LiveCapture.dispatch → decode → pipeline, with its
/// own pipeline and counters. An interface that cannot be opened, or fails while capturing
/// (it went down, the veth was deleted), is logged and reopened with exponential backoff
/// (0.5 s doubling to 30 s); the daemon keeps running and `/readyz` says why.
final class CaptureWorker: Sendable {
    struct Settings: Sendable {
        var snaplen: Int32
        var promiscuous: Bool
        var bufferSize: Int32
        var immediate: Bool
        var filter: String?
        /// Stop by itself after this many packets (`akssim capture --count`).
        var packetLimit: UInt64?
        /// Worker threads judging this interface's packets (1: judged on the capture thread).
        var threads: Int = 1
    }

    let tap: InterfaceTap
    /// One per packet thread of this interface (the capture thread, or each worker).
    let exchanges: [PathExchange]
    private let settings: Settings
    private let flows: FlowRing
    private let logger: Logger
    private let statusBox = Mutex(InterfaceStatus())
    private let stopping = Atomic<Bool>(false)
    /// The open capture, reachable from other threads only to break its loop.
    private let active = Mutex<LiveCapture?>(nil)
    private let finished = DispatchSemaphore(value: 0)
    private let done = Atomic<Bool>(false)

    /// How often the thread publishes its counters while packets flow.
    static let publishInterval: UInt64 = 50_000_000
    static let batch: Int32 = 512

    init(tap: InterfaceTap, settings: Settings, flows: FlowRing, logger: Logger) {
        self.tap = tap
        self.settings = settings
        self.flows = flows
        self.logger = logger
        exchanges = (0..<max(1, settings.threads)).map { _ in PathExchange(source: tap.name, node: tap.node ?? "") }
    }

    var status: InterfaceStatus { statusBox.withLock { $0 } }

    /// `initial`: one pipeline per exchange.
    func start(_ initial: [PipelineHandoff]) {
        let thread = Thread { [self] in
            run(initial)
            done.store(true, ordering: .sequentiallyConsistent)
            finished.signal()
        }
        thread.name = "capture-\(tap.name)"
        thread.start()
    }

    /// Stops capturing after the packets already in libpcap's buffer; returns once the thread
    /// has published its final counters.
    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        active.withLock { $0?.breakLoop() }
        finished.wait()
        finished.signal()  // later calls return at once
    }

    /// True once the thread has ended (stopped, or reached its packet limit).
    var isFinished: Bool { done.load(ordering: .sequentiallyConsistent) }

    /// Packets still allowed before the limit, capped at one batch.
    private func batchSize(processed: UInt64) -> Int32 {
        guard let limit = settings.packetLimit else { return Self.batch }
        return Int32(min(UInt64(Self.batch), limit &- min(limit, processed)))
    }

    private func run(_ initial: [PipelineHandoff]) {
        var engine = InputEngine(source: tap.name, node: tap.node ?? "", exchanges: exchanges, handoffs: initial, flows: flows)
        var backoff = 0.5
        var closedStats = CaptureStats(received: 0, dropped: 0, interfaceDropped: 0)
        var processed: UInt64 = 0
        while !stopping.load(ordering: .relaxed) {
            // A reload while the interface is down still moves this thread to the new model.
            engine.betweenBatches()
            let capture: LiveCapture
            do {
                capture = try LiveCapture(
                    interface: tap.name, snaplen: settings.snaplen, promiscuous: settings.promiscuous,
                    bufferSize: settings.bufferSize, immediate: settings.immediate, timeoutMs: 100, filter: settings.filter)
            } catch {
                let reason = error.description
                let wasDown = statusBox.withLock { s in
                    defer { s.state = .down(reason: reason); s.failures += 1 }
                    return s.state == .down(reason: reason)
                }
                if !wasDown { logger.error("cannot open capture; retrying", metadata: ["interface": "\(tap.name)", "error": "\(reason)", "retryIn": "\(backoff)s"]) }
                sleepUnlessStopping(seconds: backoff)
                backoff = min(backoff * 2, 30)
                continue
            }
            for warning in capture.warnings {
                logger.warning("capture warning", metadata: ["interface": "\(tap.name)", "warning": "\(warning)"])
            }
            active.withLock { $0 = capture }
            statusBox.withLock { $0.state = .up; $0.opens += 1 }
            logger.info("capturing", metadata: ["interface": "\(tap.name)", "node": "\(tap.node ?? "-")", "linkType": "\(capture.linkType)"])
            backoff = 0.5
            let linkType = LinkType(rawValue: capture.linkType)
            var lastPublish = DispatchTime.now().uptimeNanoseconds
            var unpublished = false
            var failure: String?
            // Non-blocking reads and our own poll() on libpcap's selectable fd: the thread wakes at
            // least every `idleWakeMs`, so counters of the last burst are published while the link is
            // quiet (a blocking pcap_dispatch would hold them until the next packet) and the stop
            // flag is seen promptly.
            do { try capture.setNonBlocking(true) } catch { failure = error.description }
            let fd = capture.selectableFD
            while failure == nil, !stopping.load(ordering: .relaxed) {
                engine.betweenBatches()
                let batch = batchSize(processed: processed)
                if batch == 0 {
                    stopping.store(true, ordering: .sequentiallyConsistent)
                    break
                }
                let n: Int
                do {
                    n = try capture.dispatch(maxPackets: batch) { record in
                        engine.handle(record, linkType: linkType)
                    }
                } catch {
                    failure = error.description
                    break
                }
                processed &+= UInt64(n)
                var publishNow = false
                if n > 0 {
                    unpublished = true
                    publishNow = DispatchTime.now().uptimeNanoseconds &- lastPublish >= Self.publishInterval
                } else {
                    // Ring drained: wait for packets; a wait that times out means the link went
                    // quiet, the moment to publish what the last burst left unpublished.
                    engine.drained()
                    publishNow = !Self.waitReadable(fd) && unpublished
                }
                if publishNow {
                    lastPublish = DispatchTime.now().uptimeNanoseconds
                    unpublished = false
                    publish(engine, capture: capture, closedStats: closedStats, processed: processed)
                }
            }
            if failure == nil {
                // Drain: what libpcap already holds was received and must be counted, so that
                // verdict totals equal packets received at shutdown.
                while case let batch = batchSize(processed: processed), batch > 0, let n = try? capture.dispatch(maxPackets: batch, { record in
                    engine.handle(record, linkType: linkType)
                }), n > 0 {
                    processed &+= UInt64(n)
                }
            }
            publish(engine, capture: capture, closedStats: closedStats, processed: processed)
            if let stats = try? capture.stats() { closedStats = closedStats + stats }
            active.withLock { $0 = nil }
            capture.close()
            if let failure {
                statusBox.withLock { $0.state = .down(reason: failure); $0.failures += 1 }
                logger.error("capture failed; reopening", metadata: ["interface": "\(tap.name)", "error": "\(failure)", "retryIn": "\(backoff)s"])
                sleepUnlessStopping(seconds: backoff)
                backoff = min(backoff * 2, 30)
            }
        }
        engine.finish()
        statusBox.withLock { $0.state = .stopped }
    }

    private func publish(_ engine: InputEngine, capture: LiveCapture, closedStats: CaptureStats, processed: UInt64) {
        engine.publish()
        let current = (try? capture.stats()) ?? CaptureStats(received: 0, dropped: 0, interfaceDropped: 0)
        statusBox.withLock {
            $0.stats = closedStats + current
            $0.processed = processed
        }
    }

    /// Longest wait for packets before the loop looks at the stop flag and unpublished counts.
    static let idleWakeMs: Int32 = 50

    /// Waits until the capture fd is readable (true) or `idleWakeMs` passes (false). Without a
    /// selectable fd, or when poll reports an error condition (dispatch will report it), it sleeps
    /// that long and answers true so the caller dispatches again.
    private static func waitReadable(_ fd: Int32) -> Bool {
        guard fd >= 0 else {
            Thread.sleep(forTimeInterval: Double(idleWakeMs) / 1000)
            return true
        }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, idleWakeMs)
        if ready == 0 { return false }
        if ready > 0, entry.revents & Int16(POLLIN) == 0 {
            Thread.sleep(forTimeInterval: Double(idleWakeMs) / 1000)
        }
        return true
    }

    private func sleepUnlessStopping(seconds: Double) {
        var left = seconds
        while left > 0, !stopping.load(ordering: .relaxed) {
            Thread.sleep(forTimeInterval: min(left, 0.1))
            left -= 0.1
        }
    }
}
