import ClusterModel
import Dataplane
import Foundation
import Logging
import NetworkAddress
import PcapIO
import Reporting
import Synchronization

/// The running daemon: the model store, one capture thread per interface, the watched
/// directory, the flow ring — and the answers the HTTP API gives about them.
public final class DaemonRuntime: ControlAPIBackend {
    public let configuration: DaemonConfiguration
    let models: ModelStore
    let flowRing: FlowRing
    let captures: [CaptureWorker]
    let watcher: WatchWorker?
    let logger: Logger
    private let startedAt = Date()
    let version: String

    /// Loads and compiles the model (a bad one throws, and `akssim run` exits 2).
    /// `packetLimit` makes each capture stop by itself after that many packets (`akssim capture --count`).
    public init(configuration: DaemonConfiguration, logger: Logger, version: String, packetLimit: UInt64? = nil) throws(ModelErrors) {
        self.configuration = configuration
        self.version = version
        self.logger = logger
        models = try ModelStore(paths: configuration.clusterPaths, logger: logger)
        let flowRing = FlowRing(capacity: configuration.flowRingSize)
        self.flowRing = flowRing
        let settings = CaptureWorker.Settings(
            snaplen: Int32(configuration.snaplen), promiscuous: configuration.promiscuous,
            bufferSize: Int32(clamping: configuration.bufferSize), immediate: configuration.immediate, filter: configuration.filter, packetLimit: packetLimit,
            threads: configuration.threads)
        captures = configuration.interfaces.map {
            CaptureWorker(tap: $0, settings: settings, flows: flowRing, logger: logger)
        }
        watcher = configuration.watchDirectory.map {
            WatchWorker(directory: $0, filter: configuration.filter, flows: flowRing, logger: logger, threads: configuration.threads)
        }
    }

    var exchanges: [PathExchange] { captures.flatMap(\.exchanges) + (watcher?.exchanges ?? []) }

    /// Starts every packet thread, each with its own compiled pipeline (compiled in parallel).
    public func start() {
        let handoffs = models.initialPipelines(nodes: exchanges.map { $0.node.isEmpty ? nil : $0.node })
        var next = 0
        for worker in captures {
            worker.start(Array(handoffs[next..<(next + worker.exchanges.count)]))
            next += worker.exchanges.count
        }
        if let watcher { watcher.start(Array(handoffs[next...])) }
    }

    /// Stops captures (each drains what libpcap holds), then the watcher; returns when every
    /// thread has published its last counters.
    public func stop() {
        for worker in captures { worker.stop() }
        watcher?.stop()
    }

    /// True when every capture thread has ended by itself (packet limit reached).
    public var capturesFinished: Bool { captures.allSatisfy(\.isFinished) }

    /// The first capture that failed to open or failed while capturing, with the reason.
    public var captureFailure: String? {
        for w in captures {
            if case .down(let reason) = w.status.state { return reason }
        }
        return nil
    }

    // MARK: Snapshots

    /// Counters of every packet thread, merged.
    func merged() -> PathSnapshot? {
        var total: PathSnapshot?
        for exchange in exchanges {
            guard let s = exchange.latest else { continue }
            if total == nil {
                total = s
            } else {
                total!.decode.merge(s.decode)
                total!.counters.merge(s.counters)
                total!.series.merge(s.series)
                total!.generation = max(total!.generation, s.generation)
            }
        }
        return total
    }

    public func statsJSON() -> JSON {
        var fields: [(String, JSON)]
        if let m = merged() {
            fields = m.decode.jsonFields()
                + PipelineReport.json(m.counters, names: m.ruleNames, nodes: m.nodeNames, namespaces: m.namespaceNames)
        } else {
            // No input configured: the same keys, all zero.
            fields = DecodeSummary().jsonFields()
                + PipelineReport.json(PipelineCounters(rules: 0, nodes: 0, namespaces: 0), names: RuleNames(), nodes: [], namespaces: [])
        }
        fields.append(("daemon", daemonJSON()))
        return .object(fields)
    }

    /// What only the daemon knows: inputs, reloads, model generation, uptime.
    func daemonJSON() -> JSON {
        var interfaces: [JSON] = []
        for w in captures {
            let s = w.status
            var state = "up"
            var reason: JSON = .null
            switch s.state {
            case .opening: state = "opening"
            case .up: state = "up"
            case .down(let r): state = "down"; reason = .string(r)
            case .stopped: state = "stopped"
            }
            interfaces.append(.object([
                ("interface", .string(w.tap.name)), ("node", w.tap.node.map { .string($0) } ?? .null),
                ("state", .string(state)), ("reason", reason),
                ("received", .uint(s.stats.received)), ("processed", .uint(s.processed)),
                ("kernelDropped", .uint(s.stats.dropped)), ("interfaceDropped", .uint(s.stats.interfaceDropped)),
                ("opens", .uint(s.opens)), ("failures", .uint(s.failures)),
                // Packets each packet thread has judged and published (one entry per --threads worker).
                ("workers", .array(w.exchanges.map { .uint($0.latest?.decode.packets ?? 0) })),
            ]))
        }
        var fields: [(String, JSON)] = [
            ("version", .string(version)),
            ("generation", .int(Int64(models.generation))),
            ("reloads", .object([
                ("success", .uint(models.reloadsSucceeded.load(ordering: .relaxed))),
                ("failure", .uint(models.reloadsFailed.load(ordering: .relaxed))),
            ])),
            ("interfaces", .array(interfaces)),
            ("flowsRecorded", .uint(flowRing.total)),
            ("uptimeSeconds", .double(Date().timeIntervalSince(startedAt).rounded())),
        ]
        if let watcher {
            let s = watcher.status
            fields.append(("watch", .object([
                ("directory", .string(watcher.directory)), ("filesReplayed", .uint(s.filesReplayed)),
                ("filesFailed", .uint(s.filesFailed)), ("packets", .uint(s.packets)),
                ("problem", s.problem.map { .string($0) } ?? .null),
            ])))
        }
        return .object(fields)
    }

    public func metricsText() -> String {
        var metrics = DaemonMetrics()
        if let m = merged() { metrics.fill(from: m) }
        for w in captures {
            let s = w.status
            metrics.captures.append(.init(
                interface: w.tap.name, up: s.state == .up, received: s.stats.received,
                kernelDropped: s.stats.dropped, interfaceDropped: s.stats.interfaceDropped,
                judgedPerWorker: w.exchanges.map { $0.latest?.decode.packets ?? 0 }))
        }
        metrics.reloadsSucceeded = models.reloadsSucceeded.load(ordering: .relaxed)
        metrics.reloadsFailed = models.reloadsFailed.load(ordering: .relaxed)
        metrics.modelGeneration = UInt64(models.generation)
        metrics.flowsRecorded = flowRing.total
        metrics.version = version
        return metrics.exposition
    }

    public func flows(verdict: Verdict?, limit: Int) -> JSON {
        let records = flowRing.recent(verdict: verdict, limit: limit)
        return .object([("flows", .array(records.map(\.json))), ("total", .uint(flowRing.total))])
    }

    public func trace(_ request: TraceRequest) throws(APIError) -> JSON {
        if let node = request.node, !node.isEmpty, !models.knowsNode(node) {
            throw APIError.badRequest("node: no node named '\(node)' in the cluster model")
        }
        return models.trace(
            FlowQuery(
                proto: request.proto, src: request.src, sport: request.srcPort, dst: request.dst, dport: request.dstPort,
                node: request.node, sni: request.sni, httpHost: request.httpHost))
    }

    public func reload() async -> ReloadOutcome {
        await models.reload(offerTo: exchanges)
    }

    public func readiness() -> Readiness {
        var reasons: [String] = []
        for w in captures {
            switch w.status.state {
            case .up: break
            case .opening: reasons.append("\(w.tap.name): opening capture")
            case .down(let reason): reasons.append(reason.hasPrefix(w.tap.name) ? reason : "\(w.tap.name): \(reason)")
            case .stopped: reasons.append("\(w.tap.name): stopped")
            }
        }
        if let problem = watcher?.status.problem { reasons.append(problem) }
        return Readiness(ready: reasons.isEmpty, reasons: reasons)
    }

    /// The summary printed at shutdown: the `/v1/stats` object.
    public func finalReport() -> JSON { statsJSON() }

    /// The same for humans (`akssim capture` without --json): the replay text summary, then
    /// verdicts and the stages that decided.
    public func finalText() -> String {
        guard let m = merged() else { return DecodeSummary().text }
        var lines = m.decode.textLines()
        let c = m.counters
        lines.append("verdicts: " + Verdict.allCases.map { "\($0) \(c.verdict($0))" }.joined(separator: "  "))
        for stage in Stage.allCases {
            let counts = Verdict.allCases.map { c.stage(stage, $0) }
            guard counts.contains(where: { $0 > 0 }) else { continue }
            lines.append("  \(stage): " + zip(Verdict.allCases, counts).map { "\($0) \($1)" }.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }
}
