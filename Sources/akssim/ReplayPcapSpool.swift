import Foundation
import PcapIO

/// A `--write-drops` / `--write-accepted` output. Single-threaded replay writes straight into
/// the requested file. With workers, each worker writes its own spool file and remembers the
/// capture sequence number of every record; `merge` then interleaves the spools back into
/// capture order, so the output is byte-identical to a single-threaded run.
final class PcapSpool: @unchecked Sendable {
    let writer: PcapWriter
    /// Capture sequence numbers of the records written (workers only).
    private(set) var sequences: [UInt64]
    let keepsSequences: Bool
    /// The first write error; later writes are skipped and the replay fails at the end.
    private(set) var failure: PcapError?

    init(path: String, linkType: Int32, snaplen: Int32, keepsSequences: Bool) throws(PcapError) {
        writer = try PcapWriter(path: path, linkType: linkType, snaplen: snaplen, nanosecond: true)
        self.keepsSequences = keepsSequences
        sequences = []
        if keepsSequences { sequences.reserveCapacity(4096) }
    }

    @inline(__always)
    func write(_ bytes: UnsafeRawBufferPointer, timestampNanos: Int64, wireLength: UInt32, sequence: UInt64) {
        guard failure == nil else { return }
        do throws(PcapError) {
            try writer.write(bytes, timestampNanos: timestampNanos, wireLength: wireLength)
            if keepsSequences { sequences.append(sequence) }
        } catch {
            failure = error
        }
    }

    func close() {
        do throws(PcapError) { try writer.close() } catch { if failure == nil { failure = error } }
    }

    /// Interleaves closed worker spools into `path` by capture sequence, then removes them.
    static func merge(_ spools: [PcapSpool], into path: String, linkType: Int32, snaplen: Int32) throws(PcapError) {
        let out = try PcapWriter(path: path, linkType: linkType, snaplen: snaplen, nanosecond: true)
        var readers: [PcapReader] = []
        defer {
            for r in readers { r.close() }
            for s in spools { try? FileManager.default.removeItem(atPath: s.writer.path) }
        }
        for s in spools { readers.append(try PcapReader(path: s.writer.path)) }
        var records = Array(repeating: PacketRecord(), count: readers.count)
        var positions = Array(repeating: 0, count: readers.count)
        var live = Array(repeating: false, count: readers.count)
        for i in readers.indices { live[i] = try readers[i].next(into: &records[i]) }
        while true {
            var best = -1
            for i in readers.indices where live[i] && positions[i] < spools[i].sequences.count {
                if best < 0 || spools[i].sequences[positions[i]] < spools[best].sequences[positions[best]] { best = i }
            }
            guard best >= 0 else { break }
            try out.write(records[best].bytes, timestampNanos: records[best].timestampNanos,
                          wireLength: records[best].wireLength)
            positions[best] += 1
            live[best] = try readers[best].next(into: &records[best])
        }
        try out.close()
    }
}
