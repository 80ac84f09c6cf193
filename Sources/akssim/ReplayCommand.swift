import ArgumentParser
import ClusterModel
import Dataplane
import Foundation
import PacketWire
import PcapIO
import Reporting

/// `akssim replay FILE...`: reads captures with libpcap and runs every packet through the
/// compiled pipeline of a cluster model (the embedded default cluster without `--cluster`).
///
/// Modes: `--read-only` pulls every record and touches nothing but its header (the raw libpcap
/// loop the benchmark compares against); `--decode-only` decodes every packet and counts it;
/// otherwise each packet is decoded, judged and counted, and the summary gains the pipeline's
/// `verdicts`, `stages`, `rules`, `nodes`, `namespaces`.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay pcap/pcapng captures through the cluster's data plane and summarise the verdicts.",
        discussion: """
            Files are read in the order given, as one stream (a fragment's first part may be in \
            the previous file). A file cut inside a record is counted up to the cut, reported on \
            stderr, and makes the exit status 2 after the summary is printed.

            Every packet is judged by the compiled pipeline of the cluster model (--cluster, or the \
            embedded aks-contoso cluster): the summary gains verdicts per stage, rule, node and \
            namespace. DNS answers in the capture teach the firewall's FQDN network rules. \
            --threads N judges on N worker threads fed by one reader; both directions of a \
            connection (also a kube-proxy DNAT reply captured after the translation) go to one \
            worker, so the results, pcaps, drop traces and flow log equal a single-threaded run.
            """
    )

    @Argument(help: ArgumentHelp("Capture files (classic pcap or pcapng, any byte order, µs or ns); - reads standard input.",
                                 valueName: "file"))
    var files: [String] = []

    @OptionGroup var clusterOptions: ClusterOptions

    @OptionGroup var conntrackLimit: ReplayConntrackLimit

    @Option(name: .long, help: ArgumentHelp("The node the capture was taken on: where traffic from outside every node enters.",
                                            valueName: "name"))
    var node: String?

    @Option(name: .long, help: ArgumentHelp("Only replay packets matching this BPF filter (tcpdump syntax).", valueName: "bpf"))
    var filter: String?

    @Flag(name: .long, help: "Print one JSON object (schema in README) instead of text.")
    var json = false

    @Option(name: .customLong("write-drops"), help: ArgumentHelp("Write dropped and rejected packets to this pcap.", valueName: "file"))
    var writeDrops: String?

    @Option(name: .customLong("write-accepted"), help: ArgumentHelp("Write allowed packets to this pcap.", valueName: "file"))
    var writeAccepted: String?

    @Flag(name: .customLong("trace-drops"), help: "Explain the first dropped packet of every dropped flow (one line per flow).")
    var traceDrops = false

    @Option(name: .customLong("flow-log"), help: ArgumentHelp("Write an Azure VNet flow log (JSON) of the replayed flows.",
                                                              valueName: "file"))
    var flowLog: String?

    @Option(name: .long, help: ArgumentHelp("Worker threads judging packets (one more thread reads). 1 judges on the reading thread.",
                                            valueName: "n"))
    var threads: Int = 1

    @Flag(name: .long, help: "Pull every record and touch nothing else (the raw libpcap loop, for benchmarks).")
    var readOnly = false

    @Flag(name: .long, help: "Decode and count packets without running the pipeline.")
    var decodeOnly = false

    @Flag(name: .long, help: "After the report, print to stderr how long reading and judging took (without load, compile or report).")
    var timing = false

    @Option(name: .long, help: ArgumentHelp("Text report: the busiest N rows of the rule, node and namespace tables, then one line for the rest. 0 lists every row. (--json always has every row.)",
                                            valueName: "n"))
    var top: Int = 40

    var pipelineOutputs: Bool { writeDrops != nil || writeAccepted != nil || traceDrops || flowLog != nil }

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one capture file") }
        if readOnly && decodeOnly { throw ValidationError("--read-only and --decode-only exclude each other") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be given only once") }
        if files.contains("-") && clusterOptions.cluster.contains("-") {
            throw ValidationError("standard input (-) cannot be both a capture and the cluster")
        }
        if !(1...64).contains(threads) { throw ValidationError("--threads must be between 1 and 64, got \(threads)") }
        if top < 0 { throw ValidationError("--top must be 0 (every row) or more, got \(top)") }
        if (readOnly || decodeOnly) && (pipelineOutputs || !clusterOptions.cluster.isEmpty || node != nil || conntrackLimit.conntrackMax != nil) {
            throw ValidationError("--read-only/--decode-only run no pipeline: drop --cluster, --node, --conntrack-max, --write-drops, --write-accepted, --trace-drops and --flow-log")
        }
        let outputs = [writeDrops, writeAccepted, flowLog].compactMap { $0 }
        if Set(outputs).count != outputs.count { throw ValidationError("--write-drops, --write-accepted and --flow-log need distinct files") }
        if let clash = outputs.first(where: { files.contains($0) }) { throw ValidationError("\(clash) is both an input and an output") }
    }

    func run() throws {
        // Open every file (and compile the filter for its link type) before counting anything,
        // so a missing or foreign file or a bad expression fails fast with nothing printed.
        // Standard input ("-") can be read only once, so it is not opened ahead.
        var linkTypes: [(String, Int32)] = []
        for path in files where path != "-" {
            let reader = try open(path)
            linkTypes.append((path, reader.linkType))
            reader.close()
            // A link type the decoder cannot read would only count every packet as malformed:
            // say so once, before anything is counted (the raw --read-only loop decodes nothing).
            let lt = LinkType(rawValue: reader.linkType)
            if !readOnly && !lt.isDecodable {
                throw CLIFailure.badInput("\(path): link type \(lt) is not supported (expected EN10MB, LINUX_SLL, LINUX_SLL2, "
                                          + "RAW, NULL, LOOP, IPV4 or IPV6)")
            }
        }
        if writeDrops != nil || writeAccepted != nil, let first = linkTypes.first,
           let other = linkTypes.first(where: { $0.1 != first.1 }) {
            throw CLIFailure.badInput("\(other.0): link type \(LinkType(rawValue: other.1)) differs from \(first.0)'s "
                                      + "\(LinkType(rawValue: first.1)); --write-drops/--write-accepted write one link type")
        }
        let mode: CaptureReplay.Mode = readOnly ? .readOnly : decodeOnly ? .decodeOnly : .pipeline
        var replay = CaptureReplay(mode: mode, progress: ProgressLine(enabled: isatty(STDERR_FILENO) == 1))
        var outputs: ReplayOutputs?
        var pipelines: [Pipeline] = []
        var failures: [PcapError] = []
        /// A later input that cannot join the run: reading stops before it (exit 2 after the report).
        var stopped: [String] = []
        var sinks: [ReplaySink] = []
        var timer = ReplayTimer()
        do {
            for (i, path) in files.enumerated() {
                let reader: PcapReader
                do {
                    reader = try open(path)
                } catch let error as CLIFailure where i > 0 {
                    // A later input (standard input, read only when reached) that is no capture: the
                    // packets already judged are reported and written, as after a read error.
                    stopped.append(error.message)
                    break
                }
                if i == 0 && mode == .pipeline {
                    // The pcap outputs take the first file's link type (known only once it is open,
                    // standard input included); the pipeline is built after the inputs proved readable.
                    let out = ReplayOutputs(dropsPath: writeDrops, acceptedPath: writeAccepted, flowLogPath: flowLog,
                                            traceDrops: traceDrops, linkType: reader.linkType)
                    (pipelines, sinks) = try startPipeline(&replay, outputs: out)
                    outputs = out
                }
                if let out = outputs, out.dropsPath != nil || out.acceptedPath != nil, reader.linkType != out.linkType {
                    reader.close()
                    // Named files were checked before anything was judged; standard input is known only
                    // now. Reading stops here and what was judged is reported and written (exit 2).
                    stopped.append("\(path): link type \(LinkType(rawValue: reader.linkType)) differs from the first file's "
                                   + "\(LinkType(rawValue: out.linkType)); --write-drops/--write-accepted write one link type; "
                                   + "reading stopped there (the report and outputs cover the inputs before it)")
                    break
                }
                timer.begin()
                do throws(PcapError) {
                    try replay.replay(reader)
                } catch {
                    if error.kind == .truncated || error.kind == .read {
                        failures.append(error)
                    } else {
                        throw CLIFailure.badInput(error.description)
                    }
                }
            }
        } catch {
            // Stop the workers before their spools are closed and removed.
            let started = replay.pool.map { $0.finish().map(\.sink) } ?? replay.sink.map { [$0] } ?? sinks
            outputs?.discard(started)
            throw error
        }
        replay.progress.finish()
        var verdicts: ReplayVerdicts?
        var drops: [DropTrace] = []
        // Workers and a sink exist only in pipeline mode.
        if let pool = replay.pool {
            sinks = pool.finish().map(\.sink)
        } else if let sink = replay.sink {
            sinks = [sink]
        }
        // Every verdict is in (workers finished): the end of the timed span.
        let timingLine = timer.line(packets: replay.summary.packets)
        if let outputs {
            verdicts = ReplayVerdicts(pipelines: pipelines)
            drops = try outputs.finish(sinks)
        }
        if json {
            let extra: [(String, JSON)] = traceDrops ? [("dropTraces", .array(drops.map(ReplaySink.json)))] : []
            print(ReplayReport.json(replay.summary, verdicts: verdicts, extra: extra).pretty)
        } else {
            if traceDrops {
                print(drops.isEmpty ? "dropped flows: none" : "dropped flows (\(drops.count)):")
                for d in drops { print("  " + ReplaySink.line(d)) }
                print("")
            }
            print(ReplayReport.text(replay.summary, verdicts: verdicts, top: top == 0 ? nil : top))
        }
        if timing { FileHandle.standardError.write(Data((timingLine + "\n").utf8)) }
        if !failures.isEmpty || !stopped.isEmpty {
            for failure in failures.map(\.description) + stopped {
                FileHandle.standardError.write(Data("akssim: \(failure)\n".utf8))
            }
            throw ExitCode(2)
        }
    }

    /// Loads the cluster, compiles one pipeline per worker and wires the sinks into the loop.
    /// Opens one input with the filter; a file or filter libpcap refuses is bad input (exit 2).
    private func open(_ path: String) throws -> PcapReader {
        do throws(PcapError) {
            return try PcapReader(path: path, filter: filter)
        } catch {
            throw CLIFailure.badInput(error.description)
        }
    }

    private func startPipeline(_ replay: inout CaptureReplay, outputs: ReplayOutputs) throws -> ([Pipeline], [ReplaySink]) {
        let cluster = try clusterOptions.load()
        if let node, !cluster.nodes.contains(where: { $0.name == node }) {
            throw CLIFailure.badInput("--node \(node): no such node in \(clusterOptions.sourceDescription) (nodes: "
                                      + cluster.nodes.map(\.name).joined(separator: ", ") + ")")
        }
        var options = PipelineOptions()
        options.node = node
        conntrackLimit.apply(to: &options)
        let pipelines = Pipeline.make(count: threads, cluster: cluster, options: options)
        let sinks: [ReplaySink]
        do throws(PcapError) {
            sinks = try outputs.makeSinks(workers: threads, cluster: cluster, pipeline: pipelines[0])
        } catch {
            throw CLIFailure.runtime(error.description)
        }
        if threads == 1 {
            replay.pipeline = pipelines[0]
            replay.sink = sinks[0]
        } else {
            let pool = WorkerPool(pipelines: pipelines, sinks: sinks)
            pool.start()
            replay.pool = pool
        }
        return (pipelines, sinks)
    }
}
