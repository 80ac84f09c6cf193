import ArgumentParser
import ClusterModel
import Dataplane
import Foundation
import PacketWire
import PcapIO

/// `akssim synth measure`: a benchmark probe for scripts/bench. Compiles the cluster, replays
/// the capture through the pipeline twice with fresh state — once untimed per packet (the
/// pipeline's throughput) and once timing every `process` call with clock_gettime — and prints
/// `key: value` lines: per-packet cost of a flow's first packet (full classification) and of
/// the other packets, the clock's own overhead (already subtracted), conntrack bytes per entry
/// and peak RSS. Captures are read into memory first so only the pipeline is timed.
struct SynthMeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Benchmark probe: pipeline cost per packet (first packets vs established), conntrack entry size, peak RSS.",
        shouldDisplay: false
    )

    @OptionGroup var clusterOptions: ClusterOptions

    @Argument(help: ArgumentHelp("Capture file.", valueName: "file"))
    var file: String

    @Flag(name: .long, help: "Only run the pipeline over the capture straight from libpcap (no timing, no copy in memory); for scripts/alloc-check.")
    var stream = false

    func run() throws {
        if stream { return try runStream() }
        let t0 = Clock.nanos()
        let cluster = try clusterOptions.load()
        let t1 = Clock.nanos()
        _ = Pipeline(cluster: cluster)   // compile once untimed-by-the-loop, reported below
        let t2 = Clock.nanos()
        let capture: LoadedCapture
        do throws(PcapError) { capture = try LoadedCapture(path: file) } catch { throw CLIFailure.badInput(error.description) }

        // Pass 1: throughput of decode + process, nothing timed per packet.
        let throughput = Pipeline(cluster: cluster)
        var decoder = PacketDecoder()
        var packet = DecodedPacket()
        let p0 = Clock.nanos()
        capture.forEach { bytes, wire, ts in
            decoder.decode(bytes, linkType: capture.linkType, wireLength: wire, into: &packet)
            _ = throughput.process(&packet, bytes: bytes, timestampNanos: ts)
        }
        let p1 = Clock.nanos()

        // Pass 2: every process call timed; decode outside the timed region.
        let timed = Pipeline(cluster: cluster)
        decoder = PacketDecoder()
        var firstNanos: Int64 = 0, firstCount: Int64 = 0, laterNanos: Int64 = 0, laterCount: Int64 = 0
        capture.forEach { bytes, wire, ts in
            decoder.decode(bytes, linkType: capture.linkType, wireLength: wire, into: &packet)
            let a = Clock.nanos()
            let o = timed.process(&packet, bytes: bytes, timestampNanos: ts)
            let b = Clock.nanos()
            if o.newFlow { firstNanos += b - a; firstCount += 1 } else { laterNanos += b - a; laterCount += 1 }
        }
        var overhead: Int64 = .max
        for _ in 0..<5 {
            let a = Clock.nanos()
            var x: Int64 = 0
            for _ in 0..<10_000 { x &+= Clock.nanos() }
            let b = Clock.nanos()
            if x == 42 { print("") }
            overhead = min(overhead, (b - a) / 10_000)
        }
        let c = throughput.counters
        let n = max(Int64(capture.count), 1)
        func avg(_ total: Int64, _ count: Int64) -> String {
            count == 0 ? "n/a" : String(format: "%.1f", max(0, Double(total) / Double(count) - Double(overhead)))
        }
        print("packets: \(capture.count)")
        print("load_ms: \(String(format: "%.1f", Double(t1 - t0) / 1e6))")
        print("compile_ms: \(String(format: "%.1f", Double(t2 - t1) / 1e6))")
        print("pipeline_ns_per_packet: \(String(format: "%.1f", Double(p1 - p0) / Double(n)))")
        print("first_packets: \(firstCount)")
        print("first_packet_ns: \(avg(firstNanos, firstCount))")
        print("established_packets: \(laterCount)")
        print("established_ns: \(avg(laterNanos, laterCount))")
        print("clock_overhead_ns: \(overhead)")
        let entry = MemoryLayout<ConntrackEntry>.stride
        // The open-addressing index holds 8 Int32 slots per entry of capacity (ConntrackTable.init).
        print("conntrack_entry_bytes: \(entry)")
        print("conntrack_bytes_per_entry_with_index: \(entry + 8 * MemoryLayout<Int32>.stride)")
        print("conntrack_entries: \(c.conntrackEntries)")
        print("verdicts: allow \(c.verdict(.allow)) drop \(c.verdict(.drop)) reject \(c.verdict(.reject)) new_flows \(c.newFlows)")
        var stages: [String] = []
        for s in Stage.allCases {
            let d = c.stage(s, .drop) + c.stage(s, .reject)
            if d > 0 { stages.append("\(s) \(d)") }
        }
        print("refused_by_stage: \(stages.joined(separator: ", "))")
        print("peak_rss_kb: \(peakRSSKilobytes())")
    }
}

extension SynthMeasureCommand {
    /// The plain replay loop (as `replay` runs it): libpcap record → decode → process, one
    /// reusable decoded packet, then the verdict counts.
    func runStream() throws {
        let pipeline = Pipeline(cluster: try clusterOptions.load())
        do throws(PcapError) {
            let reader = try PcapReader(path: file)
            defer { reader.close() }
            let linkType = LinkType(rawValue: reader.linkType)
            var decoder = PacketDecoder()
            var packet = DecodedPacket()
            var record = PacketRecord()
            while try reader.next(into: &record) {
                decoder.decode(record.bytes, linkType: linkType, wireLength: record.wireLength, into: &packet)
                _ = pipeline.process(&packet, bytes: record.bytes, timestampNanos: record.timestampNanos)
            }
        } catch {
            throw CLIFailure.badInput(error.description)
        }
        let c = pipeline.counters
        print("packets: \(c.packets)")
        print("verdicts: allow \(c.verdict(.allow)) drop \(c.verdict(.drop)) reject \(c.verdict(.reject)) new_flows \(c.newFlows)")
        print("peak_rss_kb: \(peakRSSKilobytes())")
    }
}

/// Peak resident set size of this process (getrusage: ru_maxrss is in KiB on Linux).
func peakRSSKilobytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss
}

enum Clock {
    @inline(__always) static func nanos() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }
}

/// A whole capture in one buffer (records back to back), so timed loops do not include libpcap.
struct LoadedCapture {
    var bytes: [UInt8] = []
    /// (offset, captured length, wire length, timestamp) per record.
    var records: [(Int, Int, UInt32, Int64)] = []
    var linkType: LinkType
    var count: Int { records.count }

    init(path: String) throws(PcapError) {
        let reader = try PcapReader(path: path)
        defer { reader.close() }
        linkType = LinkType(rawValue: reader.linkType)
        var record = PacketRecord()
        while try reader.next(into: &record) {
            records.append((bytes.count, record.bytes.count, record.wireLength, record.timestampNanos))
            bytes.append(contentsOf: record.bytes)
        }
    }

    func forEach(_ body: (UnsafeRawBufferPointer, UInt32, Int64) -> Void) {
        bytes.withUnsafeBytes { all in
            for (offset, length, wire, ts) in records {
                body(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)]), wire, ts)
            }
        }
    }
}
