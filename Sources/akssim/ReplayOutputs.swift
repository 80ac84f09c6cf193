import ClusterModel
import Dataplane
import Foundation
import PcapIO
import Reporting

/// The files a pipeline replay writes (`--write-drops`, `--write-accepted`, `--flow-log`) and the
/// per-worker sinks that feed them. Single-threaded, the pcap spools are the requested files;
/// with workers each worker spools to `<file>.worker<i>` and `finish` merges in capture order.
struct ReplayOutputs {
    var dropsPath: String?
    var acceptedPath: String?
    var flowLogPath: String?
    var traceDrops: Bool
    var linkType: Int32
    var snaplen: Int32 = 262_144

    /// One sink per worker (`workers` = 1: the single-threaded sink, writing the files directly).
    func makeSinks(workers: Int, cluster: Cluster, pipeline: Pipeline) throws(PcapError) -> [ReplaySink] {
        let context = flowLogPath == nil ? nil : FlowLogBook.Context(cluster: cluster, pipeline: pipeline)
        var sinks: [ReplaySink] = []
        for i in 0..<workers {
            func spool(_ path: String?) throws(PcapError) -> PcapSpool? {
                guard let path else { return nil }
                return try PcapSpool(path: workers == 1 ? path : "\(path).worker\(i)", linkType: linkType, snaplen: snaplen,
                                     keepsSequences: workers > 1)
            }
            sinks.append(ReplaySink(drops: try spool(dropsPath), accepted: try spool(acceptedPath), traceDrops: traceDrops,
                                    flowLog: context.map { FlowLogBook(context: $0) }))
        }
        return sinks
    }

    /// A replay that ends in an error before its report (one that is not a read error or a later
    /// input that stops the run — those are reported with what was judged) leaves no output
    /// behind: without a report, a pcap holding only the packets before the failure would read as
    /// the run's whole drops/accepted. Closes and removes the requested files and every worker
    /// spool. The caller stops the workers first.
    func discard(_ sinks: [ReplaySink]) {
        for spool in sinks.flatMap({ [$0.drops, $0.accepted].compactMap { $0 } }) {
            spool.close()
            try? FileManager.default.removeItem(atPath: spool.writer.path)
            try? FileManager.default.removeItem(atPath: spool.sequencePath)
        }
        for path in [dropsPath, acceptedPath].compactMap({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Closes (and, with workers, merges) the pcap outputs and writes the flow log. Returns the
    /// drop traces of every worker in capture order.
    func finish(_ sinks: [ReplaySink]) throws -> [DropTrace] {
        for (path, spools) in [(dropsPath, sinks.compactMap(\.drops)), (acceptedPath, sinks.compactMap(\.accepted))] {
            guard let path, !spools.isEmpty else { continue }
            for s in spools { s.close() }
            if let failure = spools.compactMap(\.failure).first {
                throw CLIFailure.runtime("cannot write \(path): \(failure)")
            }
            if spools.count > 1 {
                do throws(PcapError) {
                    try PcapSpool.merge(spools, into: path, linkType: linkType, snaplen: snaplen)
                } catch {
                    throw CLIFailure.runtime("cannot write \(path): \(error.description)")
                }
            }
        }
        if let flowLogPath {
            let books = sinks.compactMap(\.flowLog)
            let target = books.first?.context.targetResourceID ?? ""
            let document = FlowLog.document(FlowLogBook.entries(books), targetResourceID: target)
            guard FileManager.default.createFile(atPath: flowLogPath, contents: Data((document.pretty + "\n").utf8)) else {
                throw CLIFailure.runtime("cannot write \(flowLogPath)")
            }
        }
        return sinks.flatMap(\.dropTraces).sorted { $0.sequence < $1.sequence }
    }
}
