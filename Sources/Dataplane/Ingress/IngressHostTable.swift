// Host lookup for the Ingress router without allocation: host names are stored lower-cased in
// one byte pool and found through a sorted table of FNV-1a hashes; a hash hit is confirmed by a
// byte comparison, so a collision never picks the wrong host.
//
// Host names compare case-insensitively (RFC 4343; the Ingress API stores hosts as written but
// DNS names are case-blind, and NGINX lower-cases `server_name`), so the request side is
// lower-cased byte by byte while hashing and comparing.

extension IngressRouter {
    /// One table of host names (exact hosts, or wildcard suffixes) → an Int32 value.
    struct HostTable: Sendable {
        struct Entry: Sendable {
            var hash: UInt64
            var start: Int32
            var count: Int32
            var value: Int32
        }
        /// Sorted by hash.
        var entries: ContiguousArray<Entry> = []

        /// Adds `host` (already lower-cased) to `pool`; call `seal()` before lookups.
        mutating func insert(_ host: String, value: Int32, pool: inout ContiguousArray<UInt8>) {
            let bytes = Array(host.utf8)
            let start = Int32(pool.count)
            pool.append(contentsOf: bytes)
            let hash = bytes.withUnsafeBytes { HostTable.hash($0, 0, $0.count) }
            entries.append(Entry(hash: hash, start: start, count: Int32(bytes.count), value: value))
        }

        /// Stable sort by hash: among equal host names the first inserted stays first.
        mutating func seal() {
            let indexed = entries.enumerated().sorted { a, b in
                a.element.hash != b.element.hash ? a.element.hash < b.element.hash : a.offset < b.offset
            }
            entries = ContiguousArray(indexed.map(\.element))
        }

        @inline(__always)
        static func lower(_ b: UInt8) -> UInt8 { b &- 65 < 26 ? b | 0x20 : b }

        @inline(__always)
        static func hash(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> UInt64 {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            var i = from
            while i < to {
                h = (h ^ UInt64(lower(b[i]))) &* 0x100_0000_01b3
                i += 1
            }
            return h
        }

        /// The value stored for `b[from..<to]` (compared case-insensitively), or -1.
        @inline(__always)
        func lookup(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int, pool: UnsafeBufferPointer<UInt8>) -> Int32 {
            guard !entries.isEmpty, to > from else { return -1 }
            let h = HostTable.hash(b, from, to)
            return entries.withUnsafeBufferPointer { e in
                var lo = 0, hi = e.count
                while lo < hi {
                    let mid = (lo + hi) >> 1
                    if e[mid].hash < h { lo = mid + 1 } else { hi = mid }
                }
                var i = lo
                while i < e.count && e[i].hash == h {
                    if Int(e[i].count) == to - from {
                        var j = 0, same = true
                        let s = Int(e[i].start)
                        while j < to - from {
                            if HostTable.lower(b[from + j]) != pool[s + j] { same = false; break }
                            j += 1
                        }
                        if same { return e[i].value }
                    }
                    i += 1
                }
                return -1
            }
        }
    }

    /// The request host as the router compares it: `b[start..<end]` with surrounding blanks,
    /// a `:port` suffix and one trailing root dot removed. An IPv6 literal keeps its brackets.
    /// Both HTTP Host (RFC 9110 §7.2, `host[:port]`) and TLS SNI (RFC 6066 §3, no port, no
    /// trailing dot) come through here.
    @inline(__always)
    static func normalizedHost(_ b: UnsafeRawBufferPointer) -> (start: Int, end: Int) {
        var s = 0, e = b.count
        while s < e && (b[s] == 32 || b[s] == 9) { s += 1 }
        while e > s && (b[e - 1] == 32 || b[e - 1] == 9 || b[e - 1] == 13 || b[e - 1] == 10) { e -= 1 }
        guard e > s else { return (s, s) }
        if b[s] == 91 {                                   // "[v6]:port"
            var i = s
            while i < e && b[i] != 93 { i += 1 }
            return (s, i < e ? i + 1 : e)
        }
        var i = e
        while i > s && b[i - 1] >= 48 && b[i - 1] <= 57 { i -= 1 }
        if i > s && b[i - 1] == 58 { e = i - 1 }          // ":port"
        if e > s && b[e - 1] == 46 { e -= 1 }             // "example.com."
        return (s, e)
    }
}
