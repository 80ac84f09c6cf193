/// An IPv4 or IPv6 address as two 64-bit words, network order folded into integers.
///
/// IPv4 addresses are stored IPv4-mapped (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) so one type,
/// one hash and one comparison serve both families on the hot path. A genuine IPv6 packet
/// carrying an IPv4-mapped address is therefore treated as IPv4 — the same reading the
/// Linux dual-stack socket layer takes.
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var hi: UInt64
    public var lo: UInt64

    @inlinable
    public init(hi: UInt64, lo: UInt64) {
        self.hi = hi
        self.lo = lo
    }

    /// An IPv4 address from its 32-bit value in host order (`0x0A000001` is 10.0.0.1).
    @inlinable
    public init(v4 value: UInt32) {
        self.hi = 0
        self.lo = 0x0000_FFFF_0000_0000 | UInt64(value)
    }

    @inlinable
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        self.init(v4: UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
    }

    @inlinable public static var zero4: IPAddress { IPAddress(v4: 0) }
    @inlinable public static var zero6: IPAddress { IPAddress(hi: 0, lo: 0) }

    @inlinable
    public var isIPv4: Bool { hi == 0 && (lo >> 32) == 0xFFFF }

    /// The IPv4 value in host order; meaningful only when `isIPv4`.
    @inlinable
    public var v4: UInt32 { UInt32(truncatingIfNeeded: lo) }

    /// Bit length of the family: 32 or 128.
    @inlinable
    public var familyBits: Int { isIPv4 ? 32 : 128 }

    @inlinable
    public static func < (l: IPAddress, r: IPAddress) -> Bool {
        l.hi != r.hi ? l.hi < r.hi : l.lo < r.lo
    }

    /// A cheap, well-mixed 64-bit hash (no Hasher state; used by the hot-path tables).
    @inlinable
    public var mix: UInt64 {
        var h = hi &* 0x9E37_79B9_7F4A_7C15
        h ^= lo &+ 0xBF58_476D_1CE4_E5B9 &+ (h << 6) &+ (h >> 2)
        h ^= h >> 31
        h &*= 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::` and an embedded IPv4 tail).
    /// Returns nil for anything else, including leading zeros in IPv4 octets ("010"), which
    /// Go/Kubernetes reject since 1.17 because of their octal ambiguity.
    public init?(_ text: some StringProtocol) {
        let s = Substring(text)
        if s.contains(":") {
            guard let v = IPAddress.parse6(s) else { return nil }
            self = v
        } else {
            guard let v = IPAddress.parse4(s) else { return nil }
            self.init(v4: v)
        }
    }

    static func parse4(_ s: Substring) -> UInt32? {
        var value: UInt32 = 0
        var parts = 0
        var octet: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for ch in s.utf8 {
            if ch == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | octet
                parts += 1
                octet = 0
                digits = 0
                leadingZero = false
            } else if ch >= 48 && ch <= 57 {
                if digits == 1 && leadingZero { return nil }
                if digits == 0 && ch == 48 { leadingZero = true }
                octet = octet * 10 + UInt32(ch - 48)
                digits += 1
                guard octet <= 255, digits <= 3 else { return nil }
            } else {
                return nil
            }
        }
        guard parts == 3, digits > 0 else { return nil }
        return value << 8 | octet
    }

    static func parse6(_ s: Substring) -> IPAddress? {
        var groups: [UInt16] = []
        var gapAt: Int? = nil
        var rest = s
        // Strip a zone index ("fe80::1%eth0"): not part of the address.
        if let pct = rest.firstIndex(of: "%") { rest = rest[..<pct] }
        if rest.hasPrefix("::") {
            gapAt = 0
            rest = rest.dropFirst(2)
            if rest.isEmpty { return IPAddress(hi: 0, lo: 0) }
        } else if rest.hasPrefix(":") {
            return nil
        }
        var fields = rest.split(separator: ":", omittingEmptySubsequences: false)
        if let last = fields.last, last.contains(".") {
            guard let v4 = parse4(last) else { return nil }
            fields.removeLast()
            fields.append(Substring(String(v4 >> 16, radix: 16)))
            fields.append(Substring(String(v4 & 0xFFFF, radix: 16)))
        }
        for (i, f) in fields.enumerated() {
            if f.isEmpty {
                // "a::b" splits into ["a", "", "b"]; only one gap allowed, and a trailing "::".
                if gapAt != nil {
                    if i == fields.count - 1 && gapAt == groups.count { continue }
                    return nil
                }
                gapAt = groups.count
                continue
            }
            guard f.utf8.count <= 4, let g = UInt16(f, radix: 16) else { return nil }
            groups.append(g)
        }
        if let gap = gapAt {
            guard groups.count < 8 else { return nil }
            groups.insert(contentsOf: repeatElement(0, count: 8 - groups.count), at: gap)
        }
        guard groups.count == 8 else { return nil }
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        for i in 0..<4 { hi = hi << 16 | UInt64(groups[i]) }
        for i in 4..<8 { lo = lo << 16 | UInt64(groups[i]) }
        return IPAddress(hi: hi, lo: lo)
    }

    public var description: String {
        if isIPv4 {
            let v = v4
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        var groups = [UInt16](repeating: 0, count: 8)
        for i in 0..<4 { groups[i] = UInt16(truncatingIfNeeded: hi >> (48 - 16 * UInt64(i))) }
        for i in 0..<4 { groups[4 + i] = UInt16(truncatingIfNeeded: lo >> (48 - 16 * UInt64(i))) }
        // RFC 5952: compress the longest run (≥ 2) of zero groups, the first on ties.
        var bestStart = -1, bestLen = 0, curStart = -1, curLen = 0
        for i in 0..<8 {
            if groups[i] == 0 {
                if curStart < 0 { curStart = i; curLen = 0 }
                curLen += 1
                if curLen > bestLen { bestStart = curStart; bestLen = curLen }
            } else {
                curStart = -1
            }
        }
        if bestLen < 2 { bestStart = -1 }
        var out = ""
        var i = 0
        while i < 8 {
            if i == bestStart {
                out += "::"
                i += bestLen
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(groups[i], radix: 16)
            i += 1
        }
        return out
    }

    /// The address with only the first `bits` bits kept (bits counted within the family).
    @inlinable
    public func masked(to bits: Int) -> IPAddress {
        let total = isIPv4 ? 96 + bits : bits
        return IPAddress.maskedRaw(self, total)
    }

    @inlinable
    static func maskedRaw(_ a: IPAddress, _ total: Int) -> IPAddress {
        if total <= 0 { return IPAddress(hi: 0, lo: 0) }
        if total >= 128 { return a }
        if total <= 64 {
            let m: UInt64 = total == 64 ? ~0 : ~(~0 >> UInt64(total))
            return IPAddress(hi: a.hi & m, lo: 0)
        }
        let m: UInt64 = ~(~0 >> UInt64(total - 64))
        return IPAddress(hi: a.hi, lo: a.lo & m)
    }

    /// Adds `n` to the address (wrapping within 128 bits). Used by generators and ranges.
    public func advanced(by n: UInt64) -> IPAddress {
        let (lo2, carry) = lo.addingReportingOverflow(n)
        return IPAddress(hi: carry ? hi &+ 1 : hi, lo: lo2)
    }
}
