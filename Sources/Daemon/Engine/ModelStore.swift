import ClusterModel
import Dataplane
import Foundation
import Logging
import Reporting
import Synchronization

/// The cluster model in use and how it is replaced. A reload (SIGHUP or `POST /v1/reload`)
/// loads, validates and compiles on the reload queue — never on a packet thread — then offers
/// each packet thread its own freshly compiled pipeline; each thread swaps between batches and
/// carries conntrack and counters over (`adoptState(from:)`). An invalid model changes nothing
/// but the failure counter.
final class ModelStore: Sendable {
    let paths: [String]
    private let logger: Logger
    private struct State {
        var generation: Int
        var cluster: Cluster
    }
    private let state: Mutex<State>
    /// A pipeline used only for `/v1/trace`, so tracing never touches a packet thread's state.
    private let tracer: Mutex<PipelineHandoff>
    private let queue = DispatchQueue(label: "akssim.reload")
    let reloadsSucceeded = Atomic<UInt64>(0)
    let reloadsFailed = Atomic<UInt64>(0)

    /// Loads the initial model; a bad one is a start-up error (exit 2).
    init(paths: [String], logger: Logger) throws(ModelErrors) {
        self.paths = paths
        self.logger = logger
        let cluster = try ClusterLoader.load(paths: paths)
        state = Mutex(State(generation: 1, cluster: cluster))
        tracer = Mutex(PipelineHandoff(pipeline: Self.compile(cluster, node: nil), generation: 1))
    }

    var generation: Int { state.withLock { $0.generation } }

    func knowsNode(_ name: String) -> Bool { state.withLock { $0.cluster.nodes.contains { $0.name == name } } }

    /// Pipelines for packet threads at start-up, one per node entry (compiled in parallel).
    func initialPipelines(nodes: [String?]) -> [PipelineHandoff] {
        let (cluster, generation) = state.withLock { ($0.cluster, $0.generation) }
        return Self.compile(cluster, nodes: nodes).map { PipelineHandoff(pipeline: $0, generation: generation) }
    }

    /// One place that turns a model into a pipeline for a tap on `node` (nil: placed by address).
    static func compile(_ cluster: Cluster, node: String?) -> Pipeline {
        Pipeline(cluster: cluster, options: options(node: node))
    }

    /// One pipeline per entry, compiled in parallel (a large model takes a second or more each,
    /// and `--threads N` needs one per worker).
    static func compile(_ cluster: Cluster, nodes: [String?]) -> [Pipeline] {
        Pipeline.make(cluster: cluster, options: nodes.map(options(node:)))
    }

    private static func options(node: String?) -> PipelineOptions {
        var options = PipelineOptions()
        options.node = node
        return options
    }

    /// Reloads serially (a second request waits for the first) off the caller's thread.
    func reload(offerTo exchanges: [PathExchange]) async -> ReloadOutcome {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                continuation.resume(returning: reloadNow(offerTo: exchanges))
            }
        }
    }

    private func reloadNow(offerTo exchanges: [PathExchange]) -> ReloadOutcome {
        let cluster: Cluster
        do {
            cluster = try ClusterLoader.load(paths: paths)
        } catch {
            reloadsFailed.add(1, ordering: .relaxed)
            let lines = error.diagnostics.map(\.description)
            logger.error("reload rejected; the previous model keeps running", metadata: ["diagnostics": "\(lines.joined(separator: "; "))"])
            return .rejected(diagnostics: lines)
        }
        let generation = state.withLock { $0.generation } + 1
        // Compile everything before publishing anything, so no thread sees a half-done reload.
        let handoffs = Self.compile(cluster, nodes: exchanges.map { $0.node.isEmpty ? nil : $0.node })
            .map { PipelineHandoff(pipeline: $0, generation: generation) }
        let traceHandoff = PipelineHandoff(pipeline: Self.compile(cluster, node: nil), generation: generation)
        state.withLock { $0 = State(generation: generation, cluster: cluster) }
        tracer.withLock { $0 = traceHandoff }
        for (exchange, handoff) in zip(exchanges, handoffs) { exchange.offer(handoff) }
        reloadsSucceeded.add(1, ordering: .relaxed)
        logger.info("reloaded cluster model", metadata: ["generation": "\(generation)", "paths": "\(paths.isEmpty ? "<embedded default>" : paths.joined(separator: ","))"])
        return .reloaded(generation: generation)
    }

    /// Traces one hypothetical flow on the current model.
    func trace(_ query: FlowQuery) -> JSON {
        tracer.withLock { t in
            TraceReport.json(t.pipeline.trace(query))
        }
    }
}
