import CPcap

/// A live capture on one interface, set up the way pcap(3PCAP) recommends for a long-running
/// tap: `pcap_create`, the `pcap_set_*` options, then `pcap_activate` (warnings are kept and
/// reported, errors throw). Timestamps are nanoseconds when the platform supports it and are
/// scaled from microseconds otherwise.
///
/// Threading: call `dispatch`, `stats` and `close` from the one capture thread; `breakLoop()`
/// may be called from any thread (libpcap ≥ 1.10 wakes a blocked `pcap_dispatch` on Linux),
/// which is why the class is `@unchecked Sendable`.
public final class LiveCapture: @unchecked Sendable {
    public let interface: String
    /// DLT value of the interface (`pcap_datalink`): 1 for Ethernet and loopback on Linux.
    public let linkType: Int32
    public let snaplen: Int32
    /// Warnings `pcap_activate` returned (e.g. promiscuous mode not supported); empty when none.
    public let warnings: [String]
    /// True when libpcap delivers nanosecond timestamps for this device.
    public let nanosecondTimestamps: Bool

    private var handle: OpaquePointer?

    public init(interface: String, snaplen: Int32 = 262_144, promiscuous: Bool = false, bufferSize: Int32? = nil,
                immediate: Bool = true, timeoutMs: Int32 = 100, filter: String? = nil) throws(PcapError) {
        self.interface = interface
        let (created, createText) = Libpcap.withErrbuf { errbuf in pcap_create(interface, errbuf) }
        guard let created else {
            throw PcapError(kind: .live, source: interface, message: "cannot open interface", libpcapText: createText)
        }
        // Options only take effect before activation; their return values only report
        // "already activated", which cannot happen here.
        _ = pcap_set_snaplen(created, snaplen)
        _ = pcap_set_promisc(created, promiscuous ? 1 : 0)
        _ = pcap_set_timeout(created, timeoutMs)
        _ = pcap_set_immediate_mode(created, immediate ? 1 : 0)
        if let bufferSize { _ = pcap_set_buffer_size(created, bufferSize) }
        _ = pcap_set_tstamp_precision(created, Int32(PCAP_TSTAMP_PRECISION_NANO))

        let status = pcap_activate(created)
        if status < 0 {
            var text = String(cString: pcap_statustostr(status))
            // For these statuses pcap_geterr carries the detail (pcap_activate(3PCAP)).
            if status == PCAP_ERROR || status == PCAP_ERROR_NO_SUCH_DEVICE || status == PCAP_ERROR_PERM_DENIED
                || status == PCAP_ERROR_PROMISC_PERM_DENIED {
                let detail = Libpcap.lastError(created)
                if !detail.isEmpty { text += ": " + detail }
            }
            pcap_close(created)
            throw PcapError(kind: .live, source: interface, message: "cannot activate capture", libpcapText: text)
        }
        var warnings: [String] = []
        if status > 0 {
            let detail = status == PCAP_WARNING ? Libpcap.lastError(created) : String(cString: pcap_statustostr(status))
            warnings.append(detail)
        }
        self.warnings = warnings
        self.linkType = pcap_datalink(created)
        self.snaplen = pcap_snapshot(created)
        self.nanosecondTimestamps = pcap_get_tstamp_precision(created) == Int32(PCAP_TSTAMP_PRECISION_NANO)
        try Libpcap.installFilter(filter, orClose: created, source: interface)
        self.handle = created
    }

    deinit {
        if let handle { pcap_close(handle) }
    }

    public func close() {
        if let handle { pcap_close(handle) }
        handle = nil
    }

    /// Processes up to `maxPackets` packets (-1: one buffer's worth) with `body` and returns how
    /// many were processed; 0 on a read timeout, after `breakLoop()`, or in non-blocking mode
    /// when nothing is pending. The record borrows libpcap's ring buffer for the call only.
    public func dispatch(maxPackets: Int32, _ body: (borrowing PacketRecord) -> Void) throws(PcapError) -> Int {
        guard let handle else {
            throw PcapError(kind: .live, source: interface, message: "capture is closed")
        }
        let status: Int32 = withoutActuallyEscaping(body) { escapable in
            var context = DispatchContext(body: escapable, nanosecond: nanosecondTimestamps)
            return withUnsafeMutablePointer(to: &context) { contextPointer in
                let user = UnsafeMutableRawPointer(contextPointer).assumingMemoryBound(to: UInt8.self)
                // A C-convention callback cannot capture: the Swift closure travels through
                // libpcap's `user` argument, as pcap_dispatch(3PCAP) intends.
                return pcap_dispatch(handle, maxPackets, { user, header, bytes in
                    guard let user, let header else { return }
                    let context = UnsafeMutableRawPointer(user).assumingMemoryBound(to: DispatchContext.self)
                    let caplen = header.pointee.caplen
                    let record = PacketRecord(
                        bytes: UnsafeRawBufferPointer(start: bytes, count: Int(caplen)),
                        timestampNanos: Libpcap.nanos(header.pointee.ts, nanosecondPrecision: context.pointee.nanosecond),
                        capturedLength: caplen,
                        wireLength: header.pointee.len)
                    context.pointee.body(record)
                }, user)
            }
        }
        if status >= 0 { return Int(status) }
        if status == PCAP_ERROR_BREAK { return 0 }
        throw PcapError(kind: .live, source: interface, message: "capture failed", libpcapText: Libpcap.lastError(handle))
    }

    /// Makes a blocked or looping `dispatch` return as soon as possible. Safe from any thread.
    public func breakLoop() {
        if let handle { pcap_breakloop(handle) }
    }

    /// Sends one link-layer frame out of the interface (`pcap_inject`). On Linux a capture on the
    /// same interface sees it as an outgoing packet, which is how lab tests play a capture onto a link.
    public func inject(_ frame: UnsafeRawBufferPointer) throws(PcapError) {
        guard let handle else {
            throw PcapError(kind: .live, source: interface, message: "capture is closed")
        }
        let sent = pcap_inject(handle, frame.baseAddress, frame.count)
        if sent != Int32(frame.count) {
            throw PcapError(kind: .live, source: interface, message: "cannot send a \(frame.count)-byte frame",
                            libpcapText: Libpcap.lastError(handle))
        }
    }

    /// Kernel counters since activation (`pcap_stats`).
    public func stats() throws(PcapError) -> CaptureStats {
        guard let handle else {
            throw PcapError(kind: .live, source: interface, message: "capture is closed")
        }
        var raw = pcap_stat()
        if pcap_stats(handle, &raw) != 0 {
            throw PcapError(kind: .live, source: interface, message: "cannot read statistics", libpcapText: Libpcap.lastError(handle))
        }
        return CaptureStats(received: UInt64(raw.ps_recv), dropped: UInt64(raw.ps_drop), interfaceDropped: UInt64(raw.ps_ifdrop))
    }

    /// A file descriptor that becomes readable when packets are pending (`pcap_get_selectable_fd`),
    /// for poll/epoll loops; -1 when the platform has none.
    public var selectableFD: Int32 {
        guard let handle else { return -1 }
        return pcap_get_selectable_fd(handle)
    }

    /// Non-blocking mode: `dispatch` returns 0 at once when nothing is pending.
    public func setNonBlocking(_ on: Bool) throws(PcapError) {
        guard let handle else { return }
        let (status, text) = Libpcap.withErrbuf { errbuf in pcap_setnonblock(handle, on ? 1 : 0, errbuf) }
        if status != 0 {
            throw PcapError(kind: .live, source: interface, message: "cannot set non-blocking mode", libpcapText: text)
        }
    }

    /// Names of the capture devices libpcap can open (`pcap_findalldevs`), in its order.
    public static func interfaces() -> [String] {
        var list: UnsafeMutablePointer<pcap_if_t>?
        let (status, _) = Libpcap.withErrbuf { errbuf in pcap_findalldevs(&list, errbuf) }
        guard status == 0 else { return [] }
        defer { if let list { pcap_freealldevs(list) } }
        var names: [String] = []
        var cursor = list
        while let device = cursor {
            if let name = device.pointee.name { names.append(String(cString: name)) }
            cursor = device.pointee.next
        }
        return names
    }
}

/// What `dispatch` passes to libpcap's callback through the `user` pointer.
private struct DispatchContext {
    let body: (borrowing PacketRecord) -> Void
    let nanosecond: Bool
}
