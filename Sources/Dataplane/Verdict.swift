import NetworkAddress

// The contract every stage shares: verdicts, stage names, interned rule names, trace hops.
// Stage and verdict spellings are part of the public JSON/metrics contract (ARCHITECTURE.md).

/// What happened to a packet.
public enum Verdict: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case allow = 0, drop, reject
    public var description: String {
        switch self {
        case .allow: return "allow"
        case .drop: return "drop"
        case .reject: return "reject"
        }
    }
}

/// Pipeline stages, named as in traces, JSON and metrics.
public enum Stage: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case decode = 0, conntrack, serviceProxy, networkPolicy, nsg, route, loadBalancer, firewall, snat, ingress, apiServer
    public var description: String {
        switch self {
        case .decode: return "decode"
        case .conntrack: return "conntrack"
        case .serviceProxy: return "serviceProxy"
        case .networkPolicy: return "networkPolicy"
        case .nsg: return "nsg"
        case .route: return "route"
        case .loadBalancer: return "loadBalancer"
        case .firewall: return "firewall"
        case .snat: return "snat"
        case .ingress: return "ingress"
        case .apiServer: return "apiServer"
        }
    }
}

/// A rule name interned at compile time; the hot path carries only the integer.
/// Names follow §5 of the Azure reference (`nsg/rule`, `rcg/rc/rule`, `netpol:ns/policy`, …).
public struct RuleID: Hashable, Sendable {
    public var raw: UInt32
    @inlinable public init(raw: UInt32) { self.raw = raw }
    /// No rule (e.g. a stage that passed without a named rule).
    public static let none = RuleID(raw: 0)
}

/// The table of rule names behind `RuleID`s. Built once per compile; never touched per packet.
public struct RuleNames: Sendable {
    public private(set) var names: [String] = [""]
    private var index: [String: UInt32] = ["": 0]

    public init() {}

    public mutating func intern(_ name: String) -> RuleID {
        if let i = index[name] { return RuleID(raw: i) }
        let i = UInt32(names.count)
        names.append(name)
        index[name] = i
        return RuleID(raw: i)
    }

    public func name(_ id: RuleID) -> String {
        Int(id.raw) < names.count ? names[Int(id.raw)] : ""
    }

    public var count: Int { names.count }
}

/// What one hop did, for traces (`hops` in `akssim trace --json`). Built only when tracing,
/// never on the per-packet path.
public enum HopResult: String, Sendable {
    /// The stage looked at the packet and let it through without a named decision.
    case pass
    /// A rule explicitly allowed it.
    case allow
    case drop
    case reject
    /// The stage rewrote an address or port (DNAT/SNAT/masquerade, reverse NAT).
    case nat
    /// The stage chose a next hop / backend.
    case forward
}

public struct Hop: Sendable, Equatable {
    public var stage: Stage
    public var result: HopResult
    public var rule: String
    public var detail: String
    public init(stage: Stage, result: HopResult, rule: String = "", detail: String = "") {
        self.stage = stage
        self.result = result
        self.rule = rule
        self.detail = detail
    }
}

/// An address and port as the JSON contract prints them (`{"ip","port"}`).
public struct IPPort: Sendable, Hashable {
    public var ip: IPAddress
    public var port: UInt16
    public init(ip: IPAddress, port: UInt16) {
        self.ip = ip
        self.port = port
    }
}
