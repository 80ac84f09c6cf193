import NetworkAddress

// MARK: - VNet

public struct Subnet: Sendable, Hashable {
    public var name: String = ""
    public var prefixes: [IPPrefix] = []
    /// NSG name associated with the subnet, if any.
    public var networkSecurityGroup: String?
    /// Route table name associated with the subnet, if any.
    public var routeTable: String?
    /// NAT gateway name associated with the subnet, if any.
    public var natGateway: String?
    /// `privateEndpointNetworkPolicies`: NSGs apply to private endpoints only when Enabled / NetworkSecurityGroupEnabled.
    public var privateEndpointNetworkPolicies: String = "Disabled"
    public var source: SourceLocation?
    public init() {}
}

public struct VirtualNetworkPeering: Sendable, Hashable {
    public var name: String = ""
    public var remoteAddressSpaces: [IPPrefix] = []
    public init() {}
}

public struct VirtualNetwork: Sendable, Hashable {
    public var name: String = ""
    public var addressSpaces: [IPPrefix] = []
    public var subnets: [Subnet] = []
    public var peerings: [VirtualNetworkPeering] = []
    /// On-premises prefixes reachable through a virtual network gateway (part of the VirtualNetwork tag).
    public var gatewayPrefixes: [IPPrefix] = []
    public var source: SourceLocation?
    public init() {}
}

/// A NIC: its private addresses, subnet, NSG and ASG memberships. Nodes and other VNet
/// hosts are tied to their NIC by address.
public struct NetworkInterface: Sendable, Hashable {
    public var name: String = ""
    public var ipAddresses: [IPAddress] = []
    /// "vnet/subnet" or "subnet".
    public var subnet: String = ""
    public var networkSecurityGroup: String?
    public var applicationSecurityGroups: [String] = []
    /// Node name when this NIC belongs to an AKS node; empty for other VMs.
    public var nodeName: String = ""
    public var enableIPForwarding: Bool = false
    public var source: SourceLocation?
    public init() {}
}

// MARK: - NSG

public enum RuleDirection: String, Sendable, CaseIterable {
    case Inbound, Outbound
}

public enum RuleAccess: String, Sendable, CaseIterable {
    case Allow, Deny
}

/// NSG rule protocol. `any` is `*` in ARM (the portal's "Any").
public enum SecurityRuleProtocol: String, Sendable, CaseIterable {
    case tcp = "Tcp", udp = "Udp", icmp = "Icmp", esp = "Esp", ah = "Ah", any = "*"
}

/// A source/destination of an NSG rule.
public enum NSGAddress: Sendable, Hashable, CustomStringConvertible {
    case any
    case prefix(IPPrefix)
    /// A service tag, canonical name (`VirtualNetwork`, `Internet`, `AzureLoadBalancer`, `Storage.WestUS`, …).
    case serviceTag(String)

    public var description: String {
        switch self {
        case .any: return "*"
        case .prefix(let p): return p.length == p.address.familyBits ? "\(p.address)" : "\(p)"
        case .serviceTag(let t): return t
        }
    }
}

public struct SecurityRule: Sendable, Hashable {
    public var name: String = ""
    public var priority: Int = 0
    public var direction: RuleDirection = .Inbound
    public var access: RuleAccess = .Allow
    public var proto: SecurityRuleProtocol = .any
    /// Singular and plural fields merged; empty means `*` only when no ASG is given either.
    public var sourceAddresses: [NSGAddress] = []
    public var sourceApplicationSecurityGroups: [String] = []
    public var sourcePorts: [PortRange] = [.any]
    public var destinationAddresses: [NSGAddress] = []
    public var destinationApplicationSecurityGroups: [String] = []
    public var destinationPorts: [PortRange] = [.any]
    public var description: String = ""
    public var isDefault: Bool = false
    public var source: SourceLocation?
    public init() {}
}

public struct NetworkSecurityGroup: Sendable, Hashable {
    public var name: String = ""
    /// User rules. The six default rules are appended by `withDefaultRules` (exact API names).
    public var rules: [SecurityRule] = []
    public var flushConnection: Bool = false
    public var source: SourceLocation?
    public init() {}

    /// The six default rules every NSG carries (azure-networking.md §1.3).
    public static var defaultRules: [SecurityRule] {
        func rule(_ name: String, _ prio: Int, _ dir: RuleDirection, _ access: RuleAccess, _ src: NSGAddress, _ dst: NSGAddress) -> SecurityRule {
            var r = SecurityRule()
            r.name = name
            r.priority = prio
            r.direction = dir
            r.access = access
            r.proto = .any
            r.sourceAddresses = [src]
            r.destinationAddresses = [dst]
            r.isDefault = true
            return r
        }
        return [
            rule("AllowVnetInBound", 65000, .Inbound, .Allow, .serviceTag("VirtualNetwork"), .serviceTag("VirtualNetwork")),
            rule("AllowAzureLoadBalancerInBound", 65001, .Inbound, .Allow, .serviceTag("AzureLoadBalancer"), .any),
            rule("DenyAllInBound", 65500, .Inbound, .Deny, .any, .any),
            rule("AllowVnetOutBound", 65000, .Outbound, .Allow, .serviceTag("VirtualNetwork"), .serviceTag("VirtualNetwork")),
            rule("AllowInternetOutBound", 65001, .Outbound, .Allow, .any, .serviceTag("Internet")),
            rule("DenyAllOutBound", 65500, .Outbound, .Deny, .any, .any),
        ]
    }

    /// User rules plus default rules.
    public var allRules: [SecurityRule] { rules + NetworkSecurityGroup.defaultRules }
}

public struct ApplicationSecurityGroup: Sendable, Hashable {
    public var name: String
    public var source: SourceLocation?
    public init(name: String, source: SourceLocation? = nil) {
        self.name = name
        self.source = source
    }
}

// MARK: - Routes

public enum NextHopType: String, Sendable, CaseIterable {
    case VirtualAppliance, Internet, None, VnetLocal, VirtualNetworkGateway
}

public struct Route: Sendable, Hashable {
    public var name: String = ""
    public var addressPrefix: IPPrefix = .anyIPv4
    /// Set when the route's prefix was a service tag (routes accept tags since 2021); expanded at compile time.
    public var serviceTag: String?
    public var nextHopType: NextHopType = .Internet
    public var nextHopIP: IPAddress?
    public init() {}
}

public struct RouteTable: Sendable, Hashable {
    public var name: String = ""
    public var routes: [Route] = []
    public var disableBgpRoutePropagation: Bool = false
    public var source: SourceLocation?
    public init() {}
}

// MARK: - Load balancer, public IPs, NAT gateway

public struct PublicIP: Sendable, Hashable {
    public var name: String
    public var address: IPAddress
    public var source: SourceLocation?
    public init(name: String, address: IPAddress, source: SourceLocation? = nil) {
        self.name = name
        self.address = address
        self.source = source
    }
}

public struct NATGateway: Sendable, Hashable {
    public var name: String = ""
    public var publicIPs: [IPAddress] = []
    public var subnets: [String] = []
    public var source: SourceLocation?
    public init() {}
}

public struct FrontendIPConfiguration: Sendable, Hashable {
    public var name: String = ""
    public var address: IPAddress = .zero4
    /// Public IP resource name when the frontend is public.
    public var publicIPName: String?
    /// Subnet for internal frontends.
    public var subnet: String?
    public init() {}
}

public struct BackendPool: Sendable, Hashable {
    public var name: String = ""
    /// Node names in the pool (AKS: all nodes of the pool; resolved from NIC ip configurations).
    public var nodeNames: [String] = []
    /// Backend addresses when given by IP.
    public var addresses: [IPAddress] = []
    public init() {}
}

public enum ProbeProtocol: String, Sendable, CaseIterable {
    case Tcp, Http, Https
}

public struct HealthProbe: Sendable, Hashable {
    public var name: String = ""
    public var proto: ProbeProtocol = .Tcp
    public var port: Int = 0
    public var requestPath: String?
    public var intervalSeconds: Int = 5
    public var numberOfProbes: Int = 2
    public init() {}
}

public struct LoadBalancingRule: Sendable, Hashable {
    public var name: String = ""
    public var frontend: String = ""
    public var backendPool: String = ""
    public var probe: String?
    /// Tcp, Udp or All.
    public var proto: String = "Tcp"
    public var frontendPort: Int = 0
    public var backendPort: Int = 0
    public var enableFloatingIP: Bool = true
    public var idleTimeoutMinutes: Int = 4
    public var disableOutboundSnat: Bool = true
    public var loadDistribution: String = "Default"
    public init() {}
}

public struct OutboundRule: Sendable, Hashable {
    public var name: String = ""
    public var frontends: [String] = []
    public var backendPool: String = ""
    public var proto: String = "All"
    public var allocatedOutboundPorts: Int = 0
    public var idleTimeoutMinutes: Int = 30
    public init() {}
}

public struct LoadBalancer: Sendable, Hashable {
    public var name: String = ""
    public var sku: String = "Standard"
    public var frontends: [FrontendIPConfiguration] = []
    public var backendPools: [BackendPool] = []
    public var probes: [HealthProbe] = []
    public var rules: [LoadBalancingRule] = []
    public var outboundRules: [OutboundRule] = []
    public var source: SourceLocation?
    public init() {}
}

// MARK: - Azure Firewall

public enum ThreatIntelMode: String, Sendable, CaseIterable {
    case Off, Alert, Deny
}

public enum RuleCollectionKind: String, Sendable, CaseIterable {
    case dnat, network, application
}

public enum RuleCollectionAction: String, Sendable, CaseIterable {
    case Allow, Deny, DNAT
}

public struct ApplicationProtocol: Sendable, Hashable {
    /// Http, Https, Mssql
    public var type: String
    public var port: Int
    public init(type: String, port: Int) {
        self.type = type
        self.port = port
    }
}

/// A DNAT, network or application rule (one struct; unused fields stay empty).
public struct FirewallRule: Sendable, Hashable {
    public var name: String = ""
    public var kind: RuleCollectionKind = .network
    /// TCP, UDP, ICMP, Any (network and DNAT rules).
    public var ipProtocols: [String] = []
    /// IP, CIDR, range `a-b` or `*`.
    public var sourceAddresses: [String] = []
    public var sourceIPGroups: [String] = []
    /// IP, CIDR, range, `*` or a service tag (destination only).
    public var destinationAddresses: [String] = []
    public var destinationIPGroups: [String] = []
    public var destinationFQDNs: [String] = []
    public var destinationPorts: [PortRange] = []
    // DNAT
    public var translatedAddress: IPAddress?
    public var translatedFQDN: String?
    public var translatedPort: Int?
    // Application
    public var protocols: [ApplicationProtocol] = []
    public var targetFQDNs: [String] = []
    public var fqdnTags: [String] = []
    public var webCategories: [String] = []
    public var targetURLs: [String] = []
    public var terminateTLS: Bool = false
    public init() {}
}

public struct FirewallRuleCollection: Sendable, Hashable {
    public var name: String = ""
    public var priority: Int = 0
    public var kind: RuleCollectionKind = .network
    public var action: RuleCollectionAction = .Allow
    public var rules: [FirewallRule] = []
    public init() {}
}

public struct RuleCollectionGroup: Sendable, Hashable {
    public var name: String = ""
    public var priority: Int = 0
    public var collections: [FirewallRuleCollection] = []
    public var source: SourceLocation?
    public init() {}
}

public struct FirewallPolicy: Sendable, Hashable {
    public var name: String = ""
    /// Parent policy name: its rules are processed before this policy's within each pass.
    public var basePolicy: String?
    public var threatIntelMode: ThreatIntelMode = .Alert
    public var threatIntelAllowIPs: [IPPrefix] = []
    public var threatIntelAllowFQDNs: [String] = []
    /// `snat.privateRanges`; nil = IANA private ranges (RFC 1918 + RFC 6598).
    public var snatPrivateRanges: [IPPrefix]?
    public var dnsProxyEnabled: Bool = false
    public var ruleCollectionGroups: [RuleCollectionGroup] = []
    public var source: SourceLocation?
    public init() {}
}

public struct AzureFirewall: Sendable, Hashable {
    public var name: String = ""
    public var privateIP: IPAddress = .zero4
    public var publicIPs: [IPAddress] = []
    /// Firewall Policy name (policy-based firewall).
    public var policy: String?
    /// Classic rules (no policy): collections named `<collection>/<rule>` in traces.
    public var classicCollections: [FirewallRuleCollection] = []
    public var threatIntelMode: ThreatIntelMode = .Alert
    /// `Network.SNAT.PrivateRanges` for classic firewalls; nil = IANA private ranges.
    public var snatPrivateRanges: [IPPrefix]?
    public var source: SourceLocation?
    public init() {}
}

public struct IPGroup: Sendable, Hashable {
    public var name: String
    /// IPs, CIDRs or ranges as written.
    public var addresses: [String]
    public var source: SourceLocation?
    public init(name: String, addresses: [String], source: SourceLocation? = nil) {
        self.name = name
        self.addresses = addresses
        self.source = source
    }
}

public struct ServiceTag: Sendable, Hashable {
    public var name: String
    public var prefixes: [IPPrefix]
    public init(name: String, prefixes: [IPPrefix]) {
        self.name = name
        self.prefixes = prefixes
    }
}

public struct DNSRecord: Sendable, Hashable {
    public var fqdn: String
    public var addresses: [IPAddress]
    public init(fqdn: String, addresses: [IPAddress]) {
        self.fqdn = fqdn
        self.addresses = addresses
    }
}

public struct FQDNTag: Sendable, Hashable {
    public var name: String
    public var fqdns: [String]
    public init(name: String, fqdns: [String]) {
        self.name = name
        self.fqdns = fqdns
    }
}

public struct ThreatIntelFeed: Sendable, Hashable {
    public var addresses: [IPPrefix] = []
    public var fqdns: [String] = []
    public init() {}
}
