/// A CIDR prefix. `length` counts bits within the family (0–32 for IPv4, 0–128 for IPv6).
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The network address, with host bits cleared.
    public let address: IPAddress
    public let length: Int

    /// Builds a prefix, clearing host bits (Kubernetes and Azure both accept "10.0.0.1/24"
    /// in some fields and mean 10.0.0.0/24; validation reports it where upstream rejects it).
    public init(address: IPAddress, length: Int) {
        let maxLen = address.isIPv4 ? 32 : 128
        let l = max(0, min(length, maxLen))
        self.address = address.masked(to: l)
        self.length = l
    }

    /// A /32 or /128 for one address.
    public init(host: IPAddress) {
        self.init(address: host, length: host.familyBits)
    }

    /// Parses "a.b.c.d/n", "x::/n", or a bare address (host prefix).
    public init?(_ text: some StringProtocol) {
        let s = Substring(text).trimmingSpaces
        if let slash = s.firstIndex(of: "/") {
            guard let addr = IPAddress(s[..<slash]) else { return nil }
            let lenText = s[s.index(after: slash)...]
            guard !lenText.isEmpty, lenText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), lenText.utf8.count <= 3,
                  let len = Int(lenText), len <= addr.familyBits else { return nil }
            self.init(address: addr, length: len)
        } else {
            guard let addr = IPAddress(s) else { return nil }
            self.init(host: addr)
        }
    }

    /// True when the text had host bits set ("10.0.0.1/24").
    public static func hasHostBits(_ text: some StringProtocol) -> Bool {
        let s = Substring(text).trimmingSpaces
        guard let slash = s.firstIndex(of: "/"), let addr = IPAddress(s[..<slash]),
              let p = IPPrefix(s) else { return false }
        return addr != p.address
    }

    public var isIPv4: Bool { address.isIPv4 }

    /// Prefix length in the 128-bit space (IPv4 /n is /96+n).
    @inlinable
    public var rawLength: Int { address.isIPv4 ? 96 + length : length }

    @inlinable
    public func contains(_ a: IPAddress) -> Bool {
        if address.isIPv4 != a.isIPv4 { return false }
        return IPAddress.maskedRaw(a, rawLength) == address
    }

    /// True when `other` lies entirely within this prefix.
    public func contains(_ other: IPPrefix) -> Bool {
        other.address.isIPv4 == address.isIPv4 && other.length >= length && contains(other.address)
    }

    public func overlaps(_ other: IPPrefix) -> Bool {
        contains(other.address) || other.contains(address)
    }

    /// The last address of the prefix.
    public var lastAddress: IPAddress {
        let hostBits = 128 - rawLength
        if hostBits == 0 { return address }
        if hostBits >= 64 {
            let m: UInt64 = hostBits == 128 ? ~0 : (hostBits == 64 ? 0 : (1 << UInt64(hostBits - 64)) - 1)
            return IPAddress(hi: address.hi | m, lo: ~0)
        }
        return IPAddress(hi: address.hi, lo: address.lo | ((1 << UInt64(hostBits)) - 1))
    }

    /// Number of addresses, saturating at UInt64.max.
    public var size: UInt64 {
        let hostBits = 128 - rawLength
        return hostBits >= 64 ? UInt64.max : 1 << UInt64(hostBits)
    }

    public var description: String { "\(address)/\(length)" }

    public static func < (l: IPPrefix, r: IPPrefix) -> Bool {
        l.address != r.address ? l.address < r.address : l.length < r.length
    }

    public static let anyIPv4 = IPPrefix(address: .zero4, length: 0)
    public static let anyIPv6 = IPPrefix(address: .zero6, length: 0)
}

/// An inclusive range of addresses ("10.0.0.1-10.0.0.9", as Azure Firewall accepts).
public struct IPRange: Hashable, Sendable, CustomStringConvertible {
    public let first: IPAddress
    public let last: IPAddress

    public init(first: IPAddress, last: IPAddress) {
        self.first = first
        self.last = last
    }

    public init(_ p: IPPrefix) {
        self.first = p.address
        self.last = p.lastAddress
    }

    /// Parses "a-b", a CIDR or a single address.
    public init?(_ text: some StringProtocol) {
        let s = Substring(text).trimmingSpaces
        if let dash = s.firstIndex(of: "-"), !s.contains("/") {
            guard let a = IPAddress(s[..<dash]), let b = IPAddress(s[s.index(after: dash)...]),
                  a.isIPv4 == b.isIPv4, !(b < a) else { return nil }
            self.init(first: a, last: b)
        } else {
            guard let p = IPPrefix(s) else { return nil }
            self.init(p)
        }
    }

    @inlinable
    public func contains(_ a: IPAddress) -> Bool { !(a < first) && !(last < a) }

    public var description: String { first == last ? "\(first)" : "\(first)-\(last)" }
}

/// An inclusive port range; `0...65535` is "any".
public struct PortRange: Hashable, Sendable, CustomStringConvertible {
    public var low: UInt16
    public var high: UInt16

    public init(_ low: UInt16, _ high: UInt16) {
        self.low = low
        self.high = high
    }

    public init(single p: UInt16) {
        self.low = p
        self.high = p
    }

    public static let any = PortRange(0, 65535)

    @inlinable
    public func contains(_ p: UInt16) -> Bool { p >= low && p <= high }

    public var isAny: Bool { low == 0 && high == 65535 }

    /// Parses "*", "80", "1000-2000" (Azure's syntax). Returns nil for out-of-order or out-of-range.
    public init?(azure text: some StringProtocol) {
        let s = Substring(text).trimmingSpaces
        if s == "*" || s.lowercased() == "any" { self = .any; return }
        if let dash = s.firstIndex(of: "-") {
            guard let a = UInt16(s[..<dash].trimmingSpaces), let b = UInt16(s[s.index(after: dash)...].trimmingSpaces),
                  a <= b else { return nil }
            self.init(a, b)
        } else {
            guard let p = UInt16(s) else { return nil }
            self.init(single: p)
        }
    }

    public var description: String {
        if isAny { return "*" }
        return low == high ? "\(low)" : "\(low)-\(high)"
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
