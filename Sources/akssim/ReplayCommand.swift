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

    @Argument(help: ArgumentHelp("Capture files (classic pcap or pcapng, any byte order, µs or ns).", valueName: "file"))
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
    }

    func run() throws {
        // Open every file (and compile the filter for its link type) before counting anything,
        // so a missing or foreign file or a bad expression fails fast with nothing printed.
        for path in files {
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
    private var packet = DecodedPacket()

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
        var record = PacketRecord()
        do throws(PcapError) {
            switch mode {
            case .readOnly:
                while try reader.next(into: &record) {
                    summary.addRecord(wireLength: record.wireLength, capturedLength: record.capturedLength,
                                      timestampNanos: record.timestampNanos)
                    if summary.packets & 0x3fff == 0 { progress.tick(path: path, packets: summary.packets) }
                }
            case .decodeOnly:
                while try reader.next(into: &record) {
                    decoder.decode(record.bytes, linkType: linkType, wireLength: record.wireLength, into: &packet)
                    summary.add(packet, bytes: record.bytes, timestampNanos: record.timestampNanos)
                    if summary.packets & 0x3fff == 0 { progress.tick(path: path, packets: summary.packets) }
                }
            }
        } catch {
            summary.endFile(truncated: true)
            throw error
        }
        summary.endFile()
    }
}

/// A one-line progress report on stderr, rewritten about every half second, only when stderr
/// is a terminal (a pipe or a log file gets nothing). Checked every 16384 packets so the clock
/// is not read per packet.
struct ProgressLine {
    let enabled: Bool
    private var started: UInt64 = 0
    private var lastReport: UInt64 = 0
    private var shown = false

    init(enabled: Bool) {
        self.enabled = enabled
        started = ProgressLine.now()
        lastReport = started
    }

    mutating func tick(path: String, packets: UInt64) {
        guard enabled else { return }
        let now = ProgressLine.now()
        guard now &- lastReport >= 500_000_000 else { return }
        lastReport = now
        let seconds = Double(now &- started) / 1e9
        let rate = seconds > 0 ? Double(packets) / seconds / 1e6 : 0
        let line = "\r\u{1B}[K\(path): \(packets) packets, \((rate * 100).rounded() / 100) Mpps"
        FileHandle.standardError.write(Data(line.utf8))
        shown = true
    }

    /// Clears the line so the summary starts on a clean terminal line.
    mutating func finish() {
        guard enabled, shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }

    private static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
