import Synchronization

/// The only meeting point between a packet thread and the rest of the daemon: the reloader
/// leaves a freshly compiled pipeline here, the thread picks it up between batches; the thread
/// leaves a copy of its counters here, the HTTP side reads it. Both under a lock held for a
/// pointer swap or a struct copy, never across packet processing.
final class PathExchange: Sendable {
    /// Interface name, or `watch:<dir>` for the watched directory.
    let source: String
    let node: String
    private let incoming = Mutex<PipelineHandoff?>(nil)
    private let published = Mutex<PathSnapshot?>(nil)

    init(source: String, node: String) {
        self.source = source
        self.node = node
    }

    /// A newer pipeline replaces one the thread has not picked up yet.
    func offer(_ handoff: PipelineHandoff) {
        incoming.withLock { $0 = handoff }
    }

    func take() -> PipelineHandoff? {
        incoming.withLock { slot in
            let h = slot
            slot = nil
            return h
        }
    }

    func publish(_ snapshot: PathSnapshot) {
        published.withLock { $0 = snapshot }
    }

    var latest: PathSnapshot? { published.withLock { $0 } }
}
