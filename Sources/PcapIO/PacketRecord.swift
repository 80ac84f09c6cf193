/// One captured packet as libpcap hands it out: a view over libpcap's own buffer, never copied.
///
/// Not `Sendable` on purpose: `bytes` borrows memory that libpcap reuses on the next read
/// (`pcap_next_ex` / `pcap_dispatch`), so a record is valid only on the reading thread and only
/// until the next call on the same reader or capture. Copy the bytes out to keep them.
public struct PacketRecord {
    /// The captured bytes (length `capturedLength`).
    public var bytes: UnsafeRawBufferPointer
    /// Nanoseconds since the Unix epoch, whatever the file's own precision (µs files are scaled).
    public var timestampNanos: Int64
    /// Bytes captured (pcap `caplen`), at most the snap length.
    public var capturedLength: UInt32
    /// Bytes the packet had on the wire (pcap `len`).
    public var wireLength: UInt32

    public init(bytes: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                timestampNanos: Int64 = 0, capturedLength: UInt32 = 0, wireLength: UInt32 = 0) {
        self.bytes = bytes
        self.timestampNanos = timestampNanos
        self.capturedLength = capturedLength
        self.wireLength = wireLength
    }
}

/// Counters a live capture reports through `pcap_stats`.
public struct CaptureStats: Sendable, Equatable {
    /// Packets the kernel delivered to the capture (Linux: seen by the socket filter).
    public var received: UInt64
    /// Packets dropped because the capture buffer was full (kernel drops).
    public var dropped: UInt64
    /// Packets the interface or driver dropped (not supported everywhere; 0 then).
    public var interfaceDropped: UInt64

    public init(received: UInt64, dropped: UInt64, interfaceDropped: UInt64) {
        self.received = received
        self.dropped = dropped
        self.interfaceDropped = interfaceDropped
    }
}
