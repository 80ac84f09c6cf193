import CPcap
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a capture file — classic pcap in either byte order with microsecond or nanosecond
/// magic, or pcapng — through libpcap, which understands all of them (pcap-savefile(5),
/// pcapng). Timestamps are always nanoseconds: the file is opened with
/// `pcap_open_offline_with_tstamp_precision(…, NANO)`, so libpcap scales µs files up.
///
/// Use from one thread; `PacketRecord.bytes` stays valid until the next `next(into:)`.
public final class PcapReader {
    /// The path as given (used in every error).
    public let path: String
    /// DLT value (`pcap_datalink`): LINKTYPE_RAW (101) files report DLT_RAW (12).
    public let linkType: Int32
    /// The file's snap length (`pcap_snapshot`).
    public let snaplen: Int32
    /// Whole records returned so far (those that passed the filter).
    @exclusivity(unchecked) public private(set) var recordsRead: UInt64 = 0

    // Unchecked: a reader is used from one thread (above); the checks cost ~5 ns per record.
    @exclusivity(unchecked) private var handle: OpaquePointer?

    /// Opens `path` ("-" reads standard input) and, when given, installs a BPF `filter` compiled
    /// for the file's link type. Throws `.open` (missing, unreadable, a directory), `.empty`,
    /// `.notACapture`, `.truncated` (header cut), or `.filter` with libpcap's message.
    public init(path: String, filter: String? = nil) throws(PcapError) {
        self.path = path
        if path != "-" { try PcapReader.checkFile(path) }
        let (opened, errText) = Libpcap.withErrbuf { errbuf in
            pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), errbuf)
        }
        guard let opened else { throw PcapReader.classifyOpenError(path: path, text: errText) }
        linkType = pcap_datalink(opened)
        snaplen = pcap_snapshot(opened)
        try Libpcap.installFilter(filter, orClose: opened, source: path)
        handle = opened
    }

    deinit {
        if let handle { pcap_close(handle) }
    }

    /// Releases the file now; later `next(into:)` calls return false.
    public func close() {
        if let handle { pcap_close(handle) }
        handle = nil
    }

    /// Fills `record` with the next packet that passes the filter and returns true; returns
    /// false at a clean end of file. A file cut inside a record throws `.truncated` — only after
    /// every whole record before the cut was returned, because libpcap reads record by record.
    public func next(into record: inout PacketRecord) throws(PcapError) -> Bool {
        guard let handle else { return false }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let status = pcap_next_ex(handle, &header, &data)
        if status == 1, let header {
            let caplen = header.pointee.caplen
            record.bytes = UnsafeRawBufferPointer(start: data, count: Int(caplen))
            record.capturedLength = caplen
            record.wireLength = header.pointee.len
            record.timestampNanos = Libpcap.nanos(header.pointee.ts, nanosecondPrecision: true)
            recordsRead &+= 1
            return true
        }
        if status == PCAP_ERROR_BREAK { return false }   // end of file for savefiles
        let text = Libpcap.lastError(handle)
        if text.contains("truncated") {
            throw PcapError(kind: .truncated, source: path,
                            message: "truncated: the capture ends inside a record (after \(recordsRead) whole records)",
                            libpcapText: text)
        }
        throw PcapError(kind: .read, source: path, message: "cannot read record \(recordsRead + 1)", libpcapText: text)
    }

    /// Missing files, directories and empty files are told apart before libpcap sees them,
    /// because libpcap reports all three as generic open or "truncated dump file" errors.
    private static func checkFile(_ path: String) throws(PcapError) {
        var info = stat()
        if stat(path, &info) != 0 {
            throw PcapError(kind: .open, source: path, message: "cannot open capture file",
                            libpcapText: nil).with(reason: Libpcap.errnoText(errno))
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR {
            throw PcapError(kind: .open, source: path, message: "cannot open capture file: is a directory")
        }
        if type == S_IFREG && info.st_size == 0 {
            throw PcapError(kind: .empty, source: path, message: "empty file: not a pcap or pcapng capture")
        }
    }

    private static func classifyOpenError(path: String, text: String) -> PcapError {
        // libpcap prefixes fopen failures with the file name ("x.pcap: Permission denied").
        let prefix = path + ": "
        if text.hasPrefix(prefix) {
            return PcapError(kind: .open, source: path, message: "cannot open capture file: " + text.dropFirst(prefix.count))
        }
        if text.contains("truncated") {
            return PcapError(kind: .truncated, source: path, message: "truncated capture file header", libpcapText: text)
        }
        return PcapError(kind: .notACapture, source: path, message: "not a pcap or pcapng file", libpcapText: text)
    }
}

extension PcapError {
    fileprivate func with(reason: String) -> PcapError {
        var copy = self
        copy.message += ": " + reason
        return copy
    }
}
