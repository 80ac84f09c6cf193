import ArgumentParser
import Foundation
import PacketWire
import PcapIO
import Reporting

/// `akssim replay FILE...`: reads captures with libpcap and prints what they hold.
///
/// Modes: `--read-only` pulls every record and touches nothing but its header (the raw libpcap
/// loop the benchmark compares against); `--decode-only` decodes every packet and counts it.
/// Until the pipeline lands every replay is a decode-only replay; the pipeline's options
/// (`--cluster`, `--node`, `--write-drops`, …) slot in next to `--filter` below and its counters
/// append to the summary through `DecodeSummary.json(appending:)`.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay pcap/pcapng captures and print a summary of what they hold.",
        discussion: """
            Files are read in the order given, as one stream (a fragment's first part may be in \
            the previous file). A file cut inside a record is counted up to the cut, reported on \
            stderr, and makes the exit status 2 after the summary is printed.
            """
    )

    @Argument(help: ArgumentHelp("Capture files (classic pcap or pcapng, any byte order, µs or ns); - reads standard input.",
                                 valueName: "file"))
    var files: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only replay packets matching this BPF filter (tcpdump syntax).", valueName: "bpf"))
    var filter: String?

    @Flag(name: .long, help: "Print one JSON object (schema in README) instead of text.")
    var json = false

    @Flag(name: .long, help: "Pull every record and touch nothing else (the raw libpcap loop, for benchmarks).")
    var readOnly = false

    @Flag(name: .long, help: "Decode and count packets without running the pipeline.")
    var decodeOnly = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one capture file") }
        if readOnly && decodeOnly { throw ValidationError("--read-only and --decode-only exclude each other") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be given only once") }
    }

    func run() throws {
        // Open every file (and compile the filter for its link type) before counting anything,
        // so a missing or foreign file or a bad expression fails fast with nothing printed.
        // Standard input ("-") can be read only once, so it is not opened ahead.
        for path in files where path != "-" {
            do throws(PcapError) {
                try PcapReader(path: path, filter: filter).close()
            } catch {
                throw CLIFailure.badInput(error.description)
            }
        }
        let mode: CaptureReplay.Mode = readOnly ? .readOnly : .decodeOnly
        var replay = CaptureReplay(mode: mode, progress: ProgressLine(enabled: isatty(STDERR_FILENO) == 1))
        var failures: [PcapError] = []
        for path in files {
            do throws(PcapError) {
                try replay.replay(path: path, filter: filter)
            } catch {
                if error.kind == .truncated || error.kind == .read {
                    failures.append(error)
                } else {
                    throw CLIFailure.badInput(error.description)
                }
            }
        }
        replay.progress.finish()
        print(json ? replay.summary.json().pretty : replay.summary.text)
        if !failures.isEmpty {
            for failure in failures {
                FileHandle.standardError.write(Data("akssim: \(failure.description)\n".utf8))
            }
            throw ExitCode(2)
        }
    }
}

/// The offline packet loop: one reader at a time, one reusable decoded packet, one decoder for
/// the whole run (so the fragment table spans rotated files). Nothing here allocates per packet.
struct CaptureReplay {
    enum Mode { case readOnly, decodeOnly }

    let mode: Mode
    var progress: ProgressLine
    var summary = DecodeSummary()
    private var decoder = PacketDecoder()

    init(mode: Mode, progress: ProgressLine) {
        self.mode = mode
        self.progress = progress
    }

    /// Replays one file. A truncated or corrupt tail throws after every whole record before it
    /// was counted; the file's entry in the summary is marked truncated.
    mutating func replay(path: String, filter: String?) throws(PcapError) {
        let reader = try PcapReader(path: path, filter: filter)
        defer { reader.close() }
        let linkType = LinkType(rawValue: reader.linkType)
        summary.beginFile(path: path, linkType: linkType)
        // The loop works on locals (moved out of `self` and back) so the compiler keeps the
        // decoder, the packet and the counters in place instead of copying them through `self`.
        var record = PacketRecord()
        var counts = DecodeSummary()
        swap(&counts, &summary)   // leaves no second reference, so no copy-on-write later
        var decoder = PacketDecoder()
        swap(&decoder, &self.decoder)
        var packet = DecodedPacket()
        var progress = self.progress
        defer {
            swap(&counts, &summary)
            swap(&decoder, &self.decoder)
            self.progress = progress
        }
        do throws(PcapError) {
            switch mode {
            case .readOnly:
                while try reader.next(into: &record) {
                    counts.addRecord(wireLength: record.wireLength, capturedLength: record.capturedLength,
                                     timestampNanos: record.timestampNanos)
                    if counts.packets & 0x3fff == 0 { progress.tick(path: path, packets: counts.packets) }
                }
            case .decodeOnly:
                while try reader.next(into: &record) {
                    decoder.decode(record.bytes, linkType: linkType, wireLength: record.wireLength, into: &packet)
                    counts.add(packet, bytes: record.bytes, timestampNanos: record.timestampNanos)
                    if counts.packets & 0x3fff == 0 { progress.tick(path: path, packets: counts.packets) }
                }
            }
        } catch {
            counts.endFile(truncated: true)
            throw error
        }
        counts.endFile()
    }
}
