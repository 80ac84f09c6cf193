import Foundation
import PcapIO

/// A `--write-drops` / `--write-accepted` output. Single-threaded replay writes straight into
/// the requested file. With workers, each worker writes its own spool pcap plus a side file of
/// the capture sequence number of every record it wrote (8 bytes a record, streamed through a
/// fixed buffer, so memory stays flat however long the capture); `merge` then interleaves the
/// spools back into capture order, so the output is byte-identical to a single-threaded run.
final class PcapSpool: @unchecked Sendable {
    let writer: PcapWriter
    /// The sequence side file (workers only).
    private let sequenceFile: UnsafeMutablePointer<FILE>?
    let sequencePath: String
    private var buffer: [UInt64]
    private var buffered = 0
    /// The first write error; later writes are skipped and the replay fails at the end.
    private(set) var failure: String?

    init(path: String, linkType: Int32, snaplen: Int32, keepsSequences: Bool) throws(PcapError) {
        writer = try PcapWriter(path: path, linkType: linkType, snaplen: snaplen, nanosecond: true)
        sequencePath = path + ".seq"
        sequenceFile = keepsSequences ? fopen(sequencePath, "wb") : nil
        buffer = keepsSequences ? Array(repeating: 0, count: 4096) : []
        if keepsSequences && sequenceFile == nil { failure = "cannot create \(sequencePath): \(String(cString: strerror(errno)))" }
    }

    @inline(__always)
    func write(_ bytes: UnsafeRawBufferPointer, timestampNanos: Int64, wireLength: UInt32, sequence: UInt64) {
        guard failure == nil else { return }
        do throws(PcapError) {
            try writer.write(bytes, timestampNanos: timestampNanos, wireLength: wireLength)
        } catch {
            failure = error.description
            return
        }
        guard sequenceFile != nil else { return }
        buffer[buffered] = sequence
        buffered += 1
        if buffered == buffer.count { flushSequences() }
    }

    private func flushSequences() {
        guard let file = sequenceFile, buffered > 0 else { return }
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 8, buffered, file) }
        if written != buffered && failure == nil { failure = "cannot write \(sequencePath): \(String(cString: strerror(errno)))" }
        buffered = 0
    }

    func close() {
        flushSequences()
        if let file = sequenceFile, fclose(file) != 0, failure == nil { failure = "cannot write \(sequencePath)" }
        do throws(PcapError) { try writer.close() } catch { if failure == nil { failure = error.description } }
    }

    /// Interleaves closed worker spools into `path` by capture sequence, then removes them.
    static func merge(_ spools: [PcapSpool], into path: String, linkType: Int32, snaplen: Int32) throws(PcapError) {
        var readers: [PcapReader] = []
        var sequences: [SequenceReader] = []
        defer {
            for r in readers { r.close() }
            for s in spools {
                try? FileManager.default.removeItem(atPath: s.writer.path)
                try? FileManager.default.removeItem(atPath: s.sequencePath)
            }
        }
        for s in spools {
            readers.append(try PcapReader(path: s.writer.path))
            sequences.append(SequenceReader(path: s.sequencePath))
        }
        let out = try PcapWriter(path: path, linkType: linkType, snaplen: snaplen, nanosecond: true)
        var records = Array(repeating: PacketRecord(), count: readers.count)
        var heads: [UInt64?] = sequences.indices.map { sequences[$0].next() }
        for i in readers.indices where heads[i] != nil {
            if try !readers[i].next(into: &records[i]) { heads[i] = nil }
        }
        while true {
            var best = -1
            for i in heads.indices {
                guard let h = heads[i] else { continue }
                if best < 0 || h < (heads[best] ?? .max) { best = i }
            }
            guard best >= 0 else { break }
            try out.write(records[best].bytes, timestampNanos: records[best].timestampNanos, wireLength: records[best].wireLength)
            heads[best] = sequences[best].next()
            if heads[best] != nil, try !readers[best].next(into: &records[best]) { heads[best] = nil }
        }
        try out.close()
    }
}

/// Streams a sequence side file back in fixed chunks.
private final class SequenceReader {
    private let file: UnsafeMutablePointer<FILE>?
    private var chunk = [UInt64](repeating: 0, count: 4096)
    private var count = 0
    private var index = 0

    init(path: String) { file = fopen(path, "rb") }
    deinit { if let file { fclose(file) } }

    func next() -> UInt64? {
        if index == count {
            guard let file else { return nil }
            count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 8, 4096, file) }
            index = 0
            if count == 0 { return nil }
        }
        index += 1
        return chunk[index - 1]
    }
}
