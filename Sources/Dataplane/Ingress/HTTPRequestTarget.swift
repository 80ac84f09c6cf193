// The URL path of an HTTP/1.x request, for Ingress path matching, read straight from the first
// TCP payload of a flow. Bounds-checked and allocation-free: the method token is packed into an
// integer and compared with the packed registered methods; the path is returned as a slice of the
// payload.
//
// Request line (RFC 9112 §3): `method SP request-target SP HTTP-version CRLF`. The path is the
// request-target's path without `?query` (RFC 3986 §3.3/§3.4; a fragment is never sent, but is
// cut too). Targets: origin-form `/a/b?q` → `/a/b`; absolute-form `http://host[:port]/a` → `/a`
// (RFC 9112 §3.2.2: a server must accept it), with no path → `/`; asterisk-form `*` (OPTIONS) →
// `*`, which matches no Ingress path; authority-form (CONNECT) has no path → not found.

public enum HTTPRequestTarget {
    /// The longest request line looked at; longer lines are not parsed (NGINX's default
    /// large_client_header_buffers is 8k, and a request that long is answered 414).
    public static let maxRequestLine = 8192

    /// Methods of the HTTP method registry that carry a path, packed big-endian into a UInt64.
    static let knownMethods: [UInt64] = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"].map { m in
        m.utf8.reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
    }

    /// An index loop, not `contains`: an unspecialised generic iterator allocates per call.
    @inline(__always)
    static func isKnownMethod(_ packed: UInt64) -> Bool {
        knownMethods.withUnsafeBufferPointer { m in
            var i = 0
            while i < m.count {
                if m[i] == packed { return true }
                i += 1
            }
            return false
        }
    }

    /// The request path inside `payload` as a slice of it. Empty when the payload is not an
    /// HTTP/1.x request line with a path, or for an absolute-form target without a path;
    /// `IngressRouter.route` reads an empty path as `/`, which is right for both.
    @inlinable
    public static func path(in payload: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let r = pathRange(in: payload) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(rebasing: payload[r])
    }

    /// The byte range of the request path in `payload` (empty range for an absolute-form target
    /// without a path, meaning `/`), or nil when there is no HTTP/1.x request line with a path.
    public static func pathRange(in b: UnsafeRawBufferPointer) -> Range<Int>? {
        let limit = min(b.count, maxRequestLine)
        // Empty lines before the request line are skipped (RFC 9112 §2.2; NGINX's sw_start state
        // skips any CR and LF), as the Host sniffer does.
        var first = 0
        while first < limit && (b[first] == 13 || b[first] == 10) { first += 1 }
        // Method: 1–7 upper-case letters, then SP.
        var i = first
        var packed: UInt64 = 0
        while i < limit && i - first < 8 && b[i] != 32 {
            packed = (packed << 8) | UInt64(b[i])
            i += 1
        }
        guard i > first, i < limit, b[i] == 32, isKnownMethod(packed) else { return nil }
        let targetStart = i + 1
        // Target: up to the next SP; CR, LF or NUL before it means no valid request line.
        var j = targetStart
        while j < limit && b[j] != 32 {
            if b[j] == 13 || b[j] == 10 || b[j] == 0 { return nil }
            j += 1
        }
        guard j > targetStart, j < limit, j + 8 <= b.count else { return nil }
        // " HTTP/1." must follow the target.
        let version: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (72, 84, 84, 80, 47, 49, 46)
        guard b[j + 1] == version.0, b[j + 2] == version.1, b[j + 3] == version.2, b[j + 4] == version.3,
              b[j + 5] == version.4, b[j + 6] == version.5, b[j + 7] == version.6 else { return nil }
        var start = targetStart
        if b[start] == 42 {                                  // "*"
            return j == start + 1 ? start..<(start + 1) : nil
        }
        if b[start] != 47 {                                  // not "/": absolute-form "scheme://authority/…"
            var k = start
            while k + 2 < j && b[k] != 58 { k += 1 }         // ':'
            guard k + 2 < j, k > start, b[k + 1] == 47, b[k + 2] == 47 else { return nil }
            k += 3
            while k < j && b[k] != 47 && b[k] != 63 && b[k] != 35 { k += 1 }
            if k == j || b[k] != 47 { return k..<k }        // no path: "/"
            start = k
        }
        var end = start
        while end < j && b[end] != 63 && b[end] != 35 { end += 1 }   // '?', '#'
        return start..<end
    }
}
