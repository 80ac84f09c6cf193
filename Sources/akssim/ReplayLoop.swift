import Dataplane
import PacketWire
import PcapIO
import Reporting

/// The offline packet loop: one reader at a time, one reusable decoded packet, one decoder for
/// the whole run (so the fragment table spans rotated files). Nothing here allocates per packet.
///
/// Pipeline mode judges every packet: single-threaded with one `Pipeline` and one sink in this
/// loop, or with `--threads N` by handing each decoded packet to a `WorkerPool` (the reader
/// keeps decoding — the fragment table needs capture order — and the decode summary).
struct CaptureReplay {
    enum Mode { case readOnly, decodeOnly, pipeline }

    let mode: Mode
    var progress: ProgressLine
    var summary = DecodeSummary()
    private var decoder = PacketDecoder()
    /// Single-threaded pipeline mode.
    var pipeline: Pipeline?
    var sink: ReplaySink?
    /// `--threads N` pipeline mode.
    var pool: WorkerPool<ReplaySink>?
    /// Packets judged so far in single-threaded mode (the next capture sequence number).
    private var sequence: UInt64 = 0
    private var dns = DNSLearner()

    init(mode: Mode, progress: ProgressLine) {
        self.mode = mode
        self.progress = progress
    }

    /// Replays one opened file and closes it. A truncated or corrupt tail throws after every
    /// whole record before it was counted; the file's entry in the summary is marked truncated.
    mutating func replay(_ reader: PcapReader) throws(PcapError) {
        defer { reader.close() }
        let path = reader.path
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
        var sink = self.sink ?? ReplaySink(drops: nil, accepted: nil, traceDrops: false, flowLog: nil)
        self.sink = nil
        var sequence = self.sequence
        var dns = DNSLearner()
        swap(&dns, &self.dns)
        defer {
            swap(&dns, &self.dns)
            swap(&counts, &summary)
            swap(&decoder, &self.decoder)
            self.progress = progress
            self.sink = sink
            self.sequence = sequence
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
            case .pipeline:
                if let pool {
                    while try reader.next(into: &record) {
                        decoder.decode(record.bytes, linkType: linkType, wireLength: record.wireLength, into: &packet)
                        counts.add(packet, bytes: record.bytes, timestampNanos: record.timestampNanos)
                        pool.submit(packet, bytes: record.bytes, timestampNanos: record.timestampNanos)
                        if counts.packets & 0x3fff == 0 { progress.tick(path: path, packets: counts.packets) }
                    }
                } else if let pipeline {
                    let learnsDNS = pipeline.learnsDNS
                    while try reader.next(into: &record) {
                        decoder.decode(record.bytes, linkType: linkType, wireLength: record.wireLength, into: &packet)
                        counts.add(packet, bytes: record.bytes, timestampNanos: record.timestampNanos)
                        PacketStep.run(&packet, bytes: record.bytes, timestampNanos: record.timestampNanos,
                                       sequence: sequence, kind: PacketStep.kind(of: packet, learnsDNS: learnsDNS), pipeline: pipeline,
                                       sink: &sink, dns: &dns)
                        sequence &+= 1
                        if counts.packets & 0x3fff == 0 { progress.tick(path: path, packets: counts.packets) }
                    }
                }
            }
        } catch {
            counts.endFile(truncated: true)
            throw error
        }
        counts.endFile()
    }
}
