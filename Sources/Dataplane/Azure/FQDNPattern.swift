// Azure Firewall target-FQDN matching (azure-networking.md §2.2, firewall FAQ): only a leading
// `*` is a wildcard. `*.contoso.com` matches any name under contoso.com at any depth but not the
// apex; `*contoso.com` matches the apex and also `xcontoso.com`; `*` alone matches every name.
// Compared case-insensitively on the raw SNI / Host bytes, without allocating.

struct FQDNPattern: Sendable, Hashable {
    enum Kind: UInt8, Sendable { case exact, suffix, any }
    var kind: Kind
    /// Lower-cased bytes: the whole name (exact) or the part after `*` (suffix).
    var bytes: [UInt8]

    /// nil for patterns Azure rejects (`www.contoso.*`, an inner `*`).
    init?(_ text: String) {
        var t = Array(text.lowercased().utf8)
        while t.last == UInt8(ascii: ".") { t.removeLast() }
        if t.isEmpty { return nil }
        if t == [UInt8(ascii: "*")] { kind = .any; bytes = []; return }
        if t.first == UInt8(ascii: "*") {
            let rest = Array(t.dropFirst())
            if rest.isEmpty || rest.contains(UInt8(ascii: "*")) { return nil }
            kind = .suffix
            bytes = rest
            return
        }
        if t.contains(UInt8(ascii: "*")) { return nil }
        kind = .exact
        bytes = t
    }

    /// `name` is a host name as sniffed: may carry a `:port` (HTTP Host) or a trailing dot.
    @inline(__always)
    func matches(_ name: UnsafeRawBufferPointer) -> Bool {
        let n = FQDNPattern.hostLength(name)
        if n == 0 { return false }
        switch kind {
        case .any: return true
        case .exact:
            return n == bytes.count && FQDNPattern.equalFold(name, from: 0, bytes)
        case .suffix:
            return n >= bytes.count && FQDNPattern.equalFold(name, from: n - bytes.count, bytes)
        }
    }

    /// Length of the host part: stops at `:` (port) and drops one trailing dot.
    @inline(__always)
    static func hostLength(_ name: UnsafeRawBufferPointer) -> Int {
        var n = 0
        while n < name.count && name[n] != UInt8(ascii: ":") { n += 1 }
        if n > 0 && name[n - 1] == UInt8(ascii: ".") { n -= 1 }
        return n
    }

    @inline(__always)
    static func equalFold(_ name: UnsafeRawBufferPointer, from: Int, _ pattern: [UInt8]) -> Bool {
        var i = 0
        while i < pattern.count {
            var c = name[from + i]
            if c >= 65 && c <= 90 { c |= 0x20 }
            if c != pattern[i] { return false }
            i += 1
        }
        return true
    }
}
