import CPcap
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An owned copy of one packet, for writing fixtures and generated captures.
public struct CapturedPacket: Sendable, Equatable {
    public var bytes: [UInt8]
    public var timestampNanos: Int64
    /// Length on the wire; nil means "as captured".
    public var wireLength: UInt32?

    public init(bytes: [UInt8], timestampNanos: Int64, wireLength: UInt32? = nil) {
        self.bytes = bytes
        self.timestampNanos = timestampNanos
        self.wireLength = wireLength
    }
}

/// Writes a classic pcap file with libpcap's dumper (`pcap_open_dead_with_tstamp_precision` +
/// `pcap_dump_open`), so the file is exactly what tcpdump -w would write: the link type is kept
/// (libpcap maps the DLT to its LINKTYPE, e.g. DLT_RAW 12 → LINKTYPE_RAW 101) and timestamps
/// are stored with nanosecond magic (0xa1b23c4d) by default, microsecond magic otherwise.
public final class PcapWriter {
    public let path: String
    public let linkType: Int32
    public let snaplen: Int32
    public let nanosecond: Bool
    public private(set) var recordsWritten: UInt64 = 0

    private var dead: OpaquePointer?
    private var dumper: OpaquePointer?

    public init(path: String, linkType: Int32, snaplen: Int32 = 262_144, nanosecond: Bool = true) throws(PcapError) {
        self.path = path
        self.linkType = linkType
        self.snaplen = snaplen
        self.nanosecond = nanosecond
        let precision = UInt32(nanosecond ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO)
        // pcap_open_dead takes a DLT; LINKTYPE_RAW (101) has no DLT of that number, so it is
        // given as DLT_RAW (12), which libpcap stores as 101 again.
        let dlt: Int32 = linkType == 101 ? 12 : linkType
        guard let dead = pcap_open_dead_with_tstamp_precision(dlt, snaplen, precision) else {
            throw PcapError(kind: .write, source: path, message: "libpcap refused link type \(linkType)")
        }
        guard let dumper = pcap_dump_open(dead, path) else {
            let text = Libpcap.lastError(dead)
            pcap_close(dead)
            throw PcapError(kind: .write, source: path, message: "cannot create capture file", libpcapText: text)
        }
        self.dead = dead
        self.dumper = dumper
    }

    deinit {
        if let dumper { pcap_dump_close(dumper) }
        if let dead { pcap_close(dead) }
    }

    /// Appends one record. `wireLength` defaults to the captured length. Timestamps must lie
    /// in the pcap format's range (unsigned 32-bit seconds since the epoch).
    public func write(_ bytes: UnsafeRawBufferPointer, timestampNanos: Int64, wireLength: UInt32? = nil) throws(PcapError) {
        guard let dumper else {
            throw PcapError(kind: .write, source: path, message: "write after close")
        }
        let seconds = timestampNanos / 1_000_000_000
        guard timestampNanos >= 0, seconds <= Int64(UInt32.max) else {
            throw PcapError(kind: .write, source: path,
                            message: "record \(recordsWritten + 1): timestamp \(timestampNanos) ns is outside the pcap range")
        }
        guard bytes.count <= Int(UInt32.max) else {
            throw PcapError(kind: .write, source: path, message: "record \(recordsWritten + 1): \(bytes.count) bytes is too long")
        }
        let fraction = timestampNanos % 1_000_000_000
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(seconds)
        header.ts.tv_usec = Int(nanosecond ? fraction : fraction / 1000)
        header.caplen = UInt32(bytes.count)
        header.len = max(wireLength ?? UInt32(bytes.count), UInt32(bytes.count))
        let user = UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self)
        if let base = bytes.baseAddress {
            pcap_dump(user, &header, base.assumingMemoryBound(to: UInt8.self))
        } else {
            var empty: UInt8 = 0
            pcap_dump(user, &header, &empty)
        }
        recordsWritten &+= 1
    }

    public func write(_ bytes: [UInt8], timestampNanos: Int64, wireLength: UInt32? = nil) throws(PcapError) {
        // Array.withUnsafeBytes is untyped-rethrows; carry the typed error out by value.
        let failure: PcapError? = bytes.withUnsafeBytes { raw in
            do throws(PcapError) {
                try write(raw, timestampNanos: timestampNanos, wireLength: wireLength)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Flushes and closes the file; reports buffered write errors (full disk) that `pcap_dump`
    /// itself cannot return.
    public func close() throws(PcapError) {
        guard let dumper else { return }
        let flushFailed = pcap_dump_flush(dumper) != 0
        pcap_dump_close(dumper)
        self.dumper = nil
        if let dead { pcap_close(dead) }
        self.dead = nil
        if flushFailed {
            throw PcapError(kind: .write, source: path, message: "cannot write capture file",
                            libpcapText: Libpcap.errnoText(errno))
        }
    }

    /// Writes `packets` to a new file at `path` in one call (fixtures, generators).
    public static func writeAll(path: String, linkType: Int32, snaplen: Int32 = 262_144, nanosecond: Bool = true,
                                packets: [CapturedPacket]) throws(PcapError) {
        let writer = try PcapWriter(path: path, linkType: linkType, snaplen: snaplen, nanosecond: nanosecond)
        for packet in packets {
            try writer.write(packet.bytes, timestampNanos: packet.timestampNanos, wireLength: packet.wireLength)
        }
        try writer.close()
    }
}
