/// IANA protocol numbers used across the project, as a raw UInt8 wrapper (cheap on the hot path).
public struct IPProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    @inlinable public static var icmp: IPProtocol { IPProtocol(rawValue: 1) }
    @inlinable public static var tcp: IPProtocol { IPProtocol(rawValue: 6) }
    @inlinable public static var udp: IPProtocol { IPProtocol(rawValue: 17) }
    @inlinable public static var gre: IPProtocol { IPProtocol(rawValue: 47) }
    @inlinable public static var esp: IPProtocol { IPProtocol(rawValue: 50) }
    @inlinable public static var ah: IPProtocol { IPProtocol(rawValue: 51) }
    @inlinable public static var icmpv6: IPProtocol { IPProtocol(rawValue: 58) }
    @inlinable public static var sctp: IPProtocol { IPProtocol(rawValue: 132) }

    /// True for protocols that carry ports (TCP, UDP, SCTP).
    @inlinable public var hasPorts: Bool { rawValue == 6 || rawValue == 17 || rawValue == 132 }
    /// True for ICMP and ICMPv6.
    @inlinable public var isICMP: Bool { rawValue == 1 || rawValue == 58 }

    /// Lower-case name as used in JSON and flags ("tcp", "udp", "sctp", "icmp", "icmpv6").
    public var description: String {
        switch rawValue {
        case 1: return "icmp"
        case 6: return "tcp"
        case 17: return "udp"
        case 47: return "gre"
        case 50: return "esp"
        case 51: return "ah"
        case 58: return "icmpv6"
        case 132: return "sctp"
        default: return "ip-\(rawValue)"
        }
    }

    /// Parses a protocol name in any case ("TCP", "Udp", "icmp", "ICMPv6", "sctp") or a number.
    public init?(name: some StringProtocol) {
        switch name.lowercased() {
        case "icmp": self = .icmp
        case "tcp": self = .tcp
        case "udp": self = .udp
        case "sctp": self = .sctp
        case "icmpv6", "ipv6-icmp": self = .icmpv6
        case "esp": self = .esp
        case "ah": self = .ah
        case "gre": self = .gre
        default:
            guard let n = UInt8(name) else { return nil }
            self.init(rawValue: n)
        }
    }
}

/// Address ranges with fixed meaning in the semantics we reproduce.
public enum WellKnown {
    /// RFC 1918 private ranges.
    public static let rfc1918: [IPPrefix] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map { IPPrefix($0)! }
    /// RFC 6598 shared address space (carrier-grade NAT).
    public static let rfc6598 = IPPrefix("100.64.0.0/10")!
    /// Azure's host virtual IP: DHCP, DNS, health probes (the AzureLoadBalancer tag).
    public static let azureHostIP = IPAddress(168, 63, 129, 16)
    /// Instance metadata service.
    public static let imdsIP = IPAddress(169, 254, 169, 254)
    /// IPv6 source of Azure LB health probes.
    public static let azureProbeIPv6 = IPAddress("fe80::1234:5678:9abc")!
    /// Prefixes never treated as Internet: private (RFC 1918, RFC 6598, ULA), loopback,
    /// link-local, multicast and reserved. Documentation ranges (192.0.2.0/24, 198.51.100.0/24,
    /// 203.0.113.0/24) are deliberately NOT listed: samples and tests use them as Internet hosts.
    public static let nonInternet: [IPPrefix] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
    ].map { IPPrefix($0)! }
}
