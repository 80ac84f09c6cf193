#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Application sniffing on the first bytes of a payload: TLS ClientHello SNI (RFC 8446 §4.1.2,
/// RFC 6066 §3), HTTP/1.x request line and Host header (RFC 9112 §3, RFC 9110 §7.2) and the
/// DNS header's QR bit (RFC 1035 §4.1.1). Every length read is clamped to the record, the
/// message and the captured bytes; a ClientHello split over segments yields what is present.
@usableFromInline
enum PayloadSniffer {
    @usableFromInline
    static func tcp(_ b: Bytes, _ off: Int, _ end: Int, _ p: inout DecodedPacket) {
        if p.flow.srcPort == 53 || p.flow.dstPort == 53 {
            // DNS over TCP: 2-byte length prefix, then the 12-byte header.
            if end - off >= 14 {
                p.isDNS = true
                p.dnsResponse = b.u8(off + 4) & 0x80 != 0
            }
            return
        }
        let first = b.u8(off)
        if first == 0x16 {
            tlsClientHello(b, off, end, &p)
            return
        }
        // Empty lines before a request line are skipped (RFC 9112 §2.2; nginx and tshark do).
        var start = off
        while start < end && start - off < 4 && (b.u8(start) == 13 || b.u8(start) == 10) { start += 1 }
        if start < end && b.u8(start) >= UInt8(ascii: "A") && b.u8(start) <= UInt8(ascii: "Z") {
            httpRequest(b, start, end, &p)
        }
    }

    @usableFromInline
    static func udp(_ b: Bytes, _ off: Int, _ end: Int, _ p: inout DecodedPacket) {
        if (p.flow.srcPort == 53 || p.flow.dstPort == 53) && end - off >= 12 {
            p.isDNS = true
            p.dnsResponse = b.u8(off + 2) & 0x80 != 0
        }
    }

    @inline(__always)
    static func span(_ offset: Int, _ length: Int) -> ByteSpan {
        ByteSpan(offset: UInt16(truncatingIfNeeded: offset), length: UInt16(truncatingIfNeeded: length))
    }

    /// record(type 22, version 3.x, length) → handshake(type 1, length24) → version, random,
    /// session id, cipher suites, compression methods, extensions → server_name(0) → host_name(0).
    /// The handshake may continue in further records of the same payload (`TLSHandshakeStream`).
    @usableFromInline
    static func tlsClientHello(_ b: Bytes, _ off: Int, _ end: Int, _ p: inout DecodedPacket) {
        guard end - off >= 9, b.u8(off + 1) == 3 else { return }
        let s = TLSHandshakeStream(b, off, end)
        guard s.count >= 4, s.u8(b, 0) == 1 else { return }
        let handshakeLength = Int(s.u8(b, 1)) << 16 | Int(s.u16(b, 2))
        let limit = min(s.count, 4 + handshakeLength)
        p.tlsClientHello = true
        var o = 4 + 2 + 32                                // header, legacy_version, random
        guard o + 1 <= limit else { return }
        o += 1 + Int(s.u8(b, o))                          // legacy_session_id
        guard o + 2 <= limit else { return }
        o += 2 + Int(s.u16(b, o))                         // cipher_suites
        guard o + 1 <= limit else { return }
        o += 1 + Int(s.u8(b, o))                          // legacy_compression_methods
        guard o + 2 <= limit else { return }
        let extensionsEnd = min(limit, o + 2 + Int(s.u16(b, o)))
        o += 2
        while o + 4 <= extensionsEnd {
            let type = s.u16(b, o)
            let length = Int(s.u16(b, o + 2))
            o += 4
            if type == 0 {
                let listEnd = min(extensionsEnd, o + length)
                var n = o + 2
                while n + 3 <= listEnd {
                    let nameType = s.u8(b, n)
                    let nameLength = Int(s.u16(b, n + 1))
                    n += 3
                    if nameType == 0 && nameLength > 0 && n + nameLength <= listEnd {
                        // A name split by a record boundary has no single span: no SNI.
                        if let at = s.contiguous(n, nameLength) { p.sni = span(at, nameLength) }
                        return
                    }
                    n += nameLength
                }
                return
            }
            o += length
        }
    }

    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c | 0x20 : c }

    /// Request line `METHOD SP target SP HTTP/1.x CRLF`, then header lines up to the empty line;
    /// the Host value has surrounding whitespace and any `:port` removed. Two Host lines make a
    /// request with no host: RFC 9112 §3.2 (and nginx, "client sent duplicate host header")
    /// answers it 400, so no rule may match it by either name.
    @usableFromInline
    static func httpRequest(_ b: Bytes, _ off: Int, _ end: Int, _ p: inout DecodedPacket) {
        var o = off
        while o < end && o - off < 16 && b.u8(o) >= 65 && b.u8(o) <= 90 { o += 1 }
        guard o > off, o < end, b.u8(o) == 32 else { return }
        guard let lineEnd = lineEnd(b, o, end) else { return }
        var textEnd = lineEnd
        if textEnd > o && b.u8(textEnd - 1) == 13 { textEnd -= 1 }
        // "HTTP/1." and one digit close the request line.
        guard textEnd - o >= 10, b.u8(textEnd - 9) == 32 else { return }
        let version: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (72, 84, 84, 80, 47, 49, 46)
        let v = textEnd - 8
        guard b.u8(v) == version.0, b.u8(v + 1) == version.1, b.u8(v + 2) == version.2,
              b.u8(v + 3) == version.3, b.u8(v + 4) == version.4, b.u8(v + 5) == version.5,
              b.u8(v + 6) == version.6 else { return }
        p.httpRequest = true
        // Absolute-form target (RFC 9112 §3.2.2): its authority names the host and the Host
        // field is ignored — the precedence nginx gives `$host` and RFC 9112 §3.3 requires.
        if absoluteFormHost(b, o + 1, textEnd - 9, &p) { return }
        var line = lineEnd + 1
        var sawHost = false
        while line < end, let next = self.lineEnd(b, line, end) {
            var stop = next
            if stop > line && b.u8(stop - 1) == 13 { stop -= 1 }
            if stop == line { return }                    // empty line: end of headers
            if stop - line >= 5 && lower(b.u8(line)) == 104 && lower(b.u8(line + 1)) == 111
                && lower(b.u8(line + 2)) == 115 && lower(b.u8(line + 3)) == 116 && b.u8(line + 4) == 58 {
                if sawHost {
                    p.httpHost = ByteSpan(offset: 0, length: 0)
                    return
                }
                sawHost = true
                host(b, line + 5, stop, &p)
            }
            line = next + 1
        }
    }

    /// `http://` or `https://` (scheme case-insensitive) then the authority up to `/`, `?`, `#`
    /// or the end of the target; userinfo (`user@`) and the port are not part of the host.
    /// Returns false when the target is not in absolute form (origin, authority or `*` form).
    @inline(__always)
    static func absoluteFormHost(_ b: Bytes, _ from: Int, _ to: Int, _ p: inout DecodedPacket) -> Bool {
        guard to - from >= 8, lower(b.u8(from)) == 104, lower(b.u8(from + 1)) == 116,
              lower(b.u8(from + 2)) == 116, lower(b.u8(from + 3)) == 112 else { return false }
        var o = from + 4
        if lower(b.u8(o)) == 115 { o += 1 }               // "https"
        guard o + 3 <= to, b.u8(o) == 58, b.u8(o + 1) == 47, b.u8(o + 2) == 47 else { return false }
        var s = o + 3
        var e = s
        while e < to {
            let c = b.u8(e)
            if c == 47 || c == 63 || c == 35 { break }
            if c == 64 { s = e + 1 }                      // userinfo ends at the last '@'
            e += 1
        }
        host(b, s, e, &p)
        return true
    }

    /// Index of the next LF at or after `from`, within `end` (libc's vectorised `memchr`:
    /// request lines and headers are the longest byte scans on the decode path).
    @inline(__always)
    static func lineEnd(_ b: Bytes, _ from: Int, _ end: Int) -> Int? {
        guard from < end, let base = b.base.baseAddress else { return nil }
        guard let hit = memchr(base + from, 10, end - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }

    @usableFromInline
    static func host(_ b: Bytes, _ from: Int, _ to: Int, _ p: inout DecodedPacket) {
        var s = from, e = to
        while s < e && (b.u8(s) == 32 || b.u8(s) == 9) { s += 1 }
        while e > s && (b.u8(e - 1) == 32 || b.u8(e - 1) == 9) { e -= 1 }
        guard e > s else { return }
        if b.u8(s) == 91 {
            // IP-literal "[v6]:port": keep the bracketed address.
            var i = s
            while i < e && b.u8(i) != 93 { i += 1 }
            if i < e { e = i + 1 }
        } else {
            var i = e
            while i > s && b.u8(i - 1) >= 48 && b.u8(i - 1) <= 57 { i -= 1 }
            if i > s && b.u8(i - 1) == 58 { e = i - 1 }
        }
        guard e > s else { return }
        p.httpHost = span(s, e - s)
    }
}
