/// The handshake bytes of the TLS records that open a TCP payload, read as one stream: a
/// handshake message may be fragmented across several records (RFC 8446 §5.1, RFC 5246 §6.2.1),
/// which TLS servers and proxies — and tshark — reassemble. Up to `maxRecords` consecutive
/// handshake records (content type 22) of the same payload are joined; segments of the TCP
/// stream are not (see `PayloadSniffer`). Offsets are logical; a field becomes a packet span
/// only when it lies inside one record, so nothing is copied. A fixed-size value: no allocation.
@usableFromInline
struct TLSHandshakeStream {
    @usableFromInline static let maxRecords = 4
    /// Physical start and captured length of each record's fragment.
    @usableFromInline var starts: (Int, Int, Int, Int) = (0, 0, 0, 0)
    @usableFromInline var lengths: (Int, Int, Int, Int) = (0, 0, 0, 0)
    @usableFromInline var records = 0
    /// Logical bytes available (the sum of `lengths`).
    @usableFromInline var count = 0

    @inline(__always)
    init(_ b: Bytes, _ off: Int, _ end: Int) {
        var o = off
        while records < TLSHandshakeStream.maxRecords && o + 5 <= end && b.u8(o) == 22 && b.u8(o + 1) == 3 {
            let declared = Int(b.u16(o + 3))
            let start = o + 5
            let captured = min(declared, end - start)
            switch records {
            case 0: starts.0 = start; lengths.0 = captured
            case 1: starts.1 = start; lengths.1 = captured
            case 2: starts.2 = start; lengths.2 = captured
            default: starts.3 = start; lengths.3 = captured
            }
            records += 1
            count += captured
            if captured < declared { break }              // the segment ends inside this record
            o = start + declared
        }
    }

    @inline(__always)
    func record(_ i: Int) -> (start: Int, length: Int) {
        switch i {
        case 0: return (starts.0, lengths.0)
        case 1: return (starts.1, lengths.1)
        case 2: return (starts.2, lengths.2)
        default: return (starts.3, lengths.3)
        }
    }

    /// The packet offset of logical byte `l`, or -1 past the end.
    @inline(__always)
    func physical(_ l: Int) -> Int {
        var rest = l
        var i = 0
        while i < records {
            let r = record(i)
            if rest < r.length { return r.start + rest }
            rest -= r.length
            i += 1
        }
        return -1
    }

    @inline(__always)
    func u8(_ b: Bytes, _ l: Int) -> UInt8 {
        let o = physical(l)
        return o < 0 ? 0 : b.u8(o)
    }

    @inline(__always)
    func u16(_ b: Bytes, _ l: Int) -> UInt16 { UInt16(u8(b, l)) << 8 | UInt16(u8(b, l + 1)) }

    /// The packet offset of logical bytes `l..<l+length` when they lie inside one record.
    @inline(__always)
    func contiguous(_ l: Int, _ length: Int) -> Int? {
        let first = physical(l), last = physical(l + length - 1)
        guard first >= 0, last >= 0, last - first == length - 1 else { return nil }
        return first
    }
}
