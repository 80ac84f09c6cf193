// NGINX matches `location`s against the normalised URI ($uri), not the bytes sent
// (ngx_http_parse_complex_uri, nginx.org/en/docs/http/ngx_http_core_module.html#location:
// "matching is performed against a normalized URI, after decoding the text encoded in the %XX
// form, resolving references to relative path components '.' and '..', and possible compression
// of two or more adjacent slashes into a single slash" — merge_slashes is on by default and
// ingress-nginx leaves it on). So `/api//v1`, `/api/./v1`, `/x/../api/v1` and `/%61pi/v1` all
// reach the `/api` location. The Ingress spec says nothing about normalisation; the controller AKS
// ships does this, so akssim does too.
//
// Allocation-free: the common path (no `%`, no `//`, no `/.`) is used as is; otherwise the
// normalised copy is written into a temporary buffer of the path's size. A malformed escape or a
// `..` above the root (NGINX answers 400) leaves the path as sent.

extension IngressRouter {
    /// Whether `p` could change under normalisation (cheap scan).
    @inline(__always)
    static func needsNormalizing(_ p: UnsafeRawBufferPointer) -> Bool {
        guard p.count > 0, p[0] == UInt8(ascii: "/") else { return false }
        var i = 0
        while i < p.count {
            let b = p[i]
            if b == UInt8(ascii: "%") { return true }
            if b == UInt8(ascii: "/"), i + 1 < p.count, p[i + 1] == UInt8(ascii: "/") || p[i + 1] == UInt8(ascii: ".") {
                return true
            }
            i += 1
        }
        return false
    }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }

    /// Writes the normalised form of `p` (an absolute path) into `out` (at least `p.count` bytes)
    /// and returns its length, or -1 when NGINX would reject the URI.
    static func normalize(_ p: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        guard out.count >= p.count else { return -1 }
        var n = 0
        var i = 0
        while i < p.count {
            var b = p[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < p.count, let hi = hexValue(p[i + 1]), let lo = hexValue(p[i + 2]) else { return -1 }
                b = hi << 4 | lo
                if b == 0 { return -1 }
                i += 3
            } else {
                i += 1
            }
            if b == UInt8(ascii: "/") {
                n = closeSegment(out, n)
                if n < 0 { return -1 }
                // merge_slashes, and the "/" a resolved dot segment already ends with.
                if n > 0 && out[n - 1] == UInt8(ascii: "/") { continue }
            }
            out[n] = b
            n += 1
        }
        // A trailing "." or ".." segment leaves the directory itself: "/a/b/.." → "/a/".
        return closeSegment(out, n)
    }

    /// `out[..<n]` ends a segment (a `/` follows, or the path ends): drops a `.` segment and
    /// resolves a `..` segment against the one before. Returns the new length, -1 above the root.
    @inline(__always)
    static func closeSegment(_ out: UnsafeMutableRawBufferPointer, _ n: Int) -> Int {
        // "/." → "/"
        if n >= 2 && out[n - 1] == UInt8(ascii: ".") && out[n - 2] == UInt8(ascii: "/") { return n - 1 }
        // "/.." → back to the previous "/"
        if n >= 3 && out[n - 1] == UInt8(ascii: ".") && out[n - 2] == UInt8(ascii: ".") && out[n - 3] == UInt8(ascii: "/") {
            var k = n - 3                       // the "/" before ".."
            if k == 0 { return -1 }             // "/.." climbs above the root
            k -= 1
            while k > 0 && out[k] != UInt8(ascii: "/") { k -= 1 }
            return k + 1                        // keep the "/" that starts the parent's parent
        }
        return n
    }
}
