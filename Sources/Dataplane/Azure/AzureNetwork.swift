import CPrefetch
import ClusterModel
import NetworkAddress
import PacketWire

// The Azure network around the cluster (issue 5, azure-networking.md): NSGs, routes, Azure
// Firewall, Azure Load Balancer, outbound SNAT, the API server endpoint. The node-local pipeline
// (placement, conntrack, service proxy, NetworkPolicy) calls only `compile` and `carry`.
// Compiled once per load/reload into flat arrays; `carry` walks them without allocating when
// tracing is off.
//
// Choices where Azure's documentation is silent or contradicts itself (azure-networking.md §7),
// each covered by a test in Tests/DataplaneTests/Azure*.swift:
// - §7.1 NSG protocol `*` matches every IP protocol (ESP, AH, GRE too), like the firewall's Any.
// - §7.2 NSG port fields are ignored for protocols without ports (ICMP, ESP, AH).
// - §7.3 Fixed order: inbound subnet NSG then NIC NSG; outbound NIC then subnet. An allow is
//   attributed to the last allowing rule, a deny to the denying one.
// - §7.4 VirtualNetwork = VNet + peerings + gateway prefixes + 168.63.129.16 + the UDR prefixes of
//   the subnet carrying the route table (a 0.0.0.0/0 UDR makes it everything), plus the cluster's
//   pod CIDRs on subnets hosting nodes.
// - §7.5 Internet = public space (not RFC 1918/6598/link-local/…) outside that VirtualNetwork set;
//   with a 0.0.0.0/0 UDR it is therefore empty on that subnet and AllowVnetInBound admits all.
// - §7.6 Flows to 168.63.129.16/169.254.169.254 skip NSGs unless a rule names AzurePlatform*;
//   probes *from* 168.63.129.16 are filtered (and decide LB backend health at compile time).
// - §7.8 DNAT-matched traffic is allowed and not checked against network rules (current text).
// - §7.9 Only Http/Https application protocols are simulated; Mssql matches nothing.
// - §7.10 HTTPS with no SNI (and HTTP with no Host) matches no application rule: `default-deny`
//   with the reason "SNI missing" / "HTTP Host missing" in the hop detail. A handshake packet
//   (`ApplicationRequest.handshake`) on an application-rule port that no DNAT/network rule decides
//   is allowed pending (`firewall:pending-application-rule`): the firewall proxies TCP and decides
//   on the first request, which the pipeline feeds back through `carry` with `.seen`.
// - §7.11 The firewall's infrastructure rule collection is not simulated.
// - §7.14 Kubenet pod↔pod keeps pod IPs (routes per node pod CIDR → node IP are synthesized
//   when the model's route table lacks them).
// - §7.15 Floating-IP LB rules keep dst = frontend IP, so NSG rules see the public frontend IP.
// - §7.16 Same-priority rule collection groups/collections (and NSG rules) run in name order, with a warning.
// - §7.17 The AzureKubernetesService FQDN tag is the §3.3 required list (both acs-mirror and
//   packages.aks.azure.com); a model's `fqdnTags` entry replaces it.
// Also: the asymmetric-routing drop (a reply routed into a firewall that never saw the request,
// or around the one that did) is decided on the request, because `carry` sees first packets only;
// VNet hosts other than nodes get no "default outbound access" (retired): without a NAT gateway
// their Internet egress drops at `snat`; HTTP application rules do not re-resolve the Host header.

/// Hop recorder for traces. Disabled on the per-packet path: stages write hops only
/// `if recorder.enabled`, so replay builds no strings.
public struct HopRecorder: Sendable {
    public var enabled: Bool
    public var hops: [Hop] = []
    public init(enabled: Bool) { self.enabled = enabled }
    @inlinable public mutating func add(_ hop: @autoclosure () -> Hop) {
        if enabled { hops.append(hop()) }
    }
}

/// The result of carrying a packet across the Azure network (the "VNet leg").
public struct AzureLegResult: Sendable {
    /// `.allow` when the packet reaches its destination host, else `.drop`.
    public var verdict: Verdict
    /// The deciding stage when dropped (nsg, route, firewall, loadBalancer, apiServer, snat);
    /// when allowed, the stage of the last explicit allow.
    public var stage: Stage
    /// The deciding rule when dropped; when allowed, the last rule that explicitly allowed (for counters).
    public var rule: RuleID
    /// The tuple as it arrives at the destination host, after every translation on the leg
    /// (firewall DNAT/SNAT, egress SNAT to a public IP). With floating-IP LB rules the
    /// destination stays the frontend IP.
    public var flow: FlowKey
    /// Index into `Cluster.nodes` of the node that receives the packet (an LB backend, the node
    /// owning the destination IP or pod), or -1 when the destination is not a node (Internet, VNet host, API server).
    public var landedNode: Int32
    /// True when a firewall let the handshake through pending its application rules
    /// (`ApplicationRequest.handshake`): the flow's verdict waits for its first request.
    public var pendingApplication: Bool
    /// Every rule that explicitly allowed or translated the packet on the leg, in walk order
    /// (NSG allows on the source and destination side, firewall DNAT/network/application rule,
    /// LB rule, API server range): when allowed `rule` is among them, when dropped the deny
    /// `rule` is not (the allows before it are). Fixed-size, no allocation; counted per flow by
    /// the pipeline like the kube-proxy and NetworkPolicy rules.
    public var rules: RuleTrail

    public init(verdict: Verdict, stage: Stage, rule: RuleID, flow: FlowKey, landedNode: Int32,
                pendingApplication: Bool = false, rules: RuleTrail = RuleTrail()) {
        self.verdict = verdict
        self.stage = stage
        self.rule = rule
        self.flow = flow
        self.landedNode = landedNode
        self.pendingApplication = pendingApplication
        self.rules = rules
    }
}

/// Where an address sits in the modelled topology.
public enum AzurePlacement: Sendable, Hashable {
    /// A node's NIC address (index into `Cluster.nodes`).
    case node(Int)
    /// A pod address owned by a node (flat Azure CNI secondary IP, or inside a node's pod CIDR).
    case pod(node: Int)
    /// Another NIC in a VNet (a VM, a private endpoint NIC).
    case vnetHost(nic: String)
    /// The private IP of an Azure Firewall.
    case firewall(name: String)
    /// A public IP of an Azure Firewall (DNAT frontend, SNAT source).
    case firewallPublicIP(name: String)
    /// An Azure LB frontend (public or internal).
    case loadBalancerFrontend(loadBalancer: String)
    /// The API server endpoint (public IP, or the private endpoint of a private cluster).
    case apiServer
    /// Azure's host virtual IP 168.63.129.16 or IMDS 169.254.169.254.
    case azurePlatform
    /// Inside a VNet/peered address space but held by no modelled NIC.
    case vnetUnassigned
    /// A node's instance-level public IP.
    case nodePublicIP(Int)
    /// Public address space.
    case internet
    /// Private/reserved space outside every modelled network.
    case unroutable
}

enum HostKind: UInt8, Sendable {
    case node, pod, nic, firewallPrivate, firewallPublic, lbFrontend, apiPublic, apiPrivate
    /// An instance-level public IP of a node (`Node.externalIPs`).
    case nodePublic
}

/// One address the model knows, with its NIC context.
struct HostEntry: Sendable {
    var ip: IPAddress
    var kind: HostKind
    /// Node index (node, pod), NIC index (nic), firewall index, frontend index.
    var index: Int32
    var subnet: Int32
    /// Compiled NIC NSG, or -1.
    var nicGroup: Int32
}

/// The public addresses an egress translation can use, one per family: Azure never translates
/// across families (an IPv6 flow needs an IPv6 frontend / public IP — a Standard NAT gateway or an
/// IPv4-only outbound rule leaves it without a public source).
struct PublicAddresses: Sendable {
    var v4: IPAddress?
    var v6: IPAddress?

    init() {}

    /// The first address of each family in `list`.
    init(_ list: [IPAddress]) {
        v4 = list.first(where: \.isIPv4)
        v6 = list.first(where: { !$0.isIPv4 })
    }

    var isEmpty: Bool { v4 == nil && v6 == nil }

    /// The address of `source`'s family, if any.
    @inline(__always)
    func matching(_ source: IPAddress) -> IPAddress? { source.isIPv4 ? v4 : v6 }
}

struct CompiledSubnet: Sendable {
    var name: String
    var prefixes: [IPPrefix]
    var group: Int32
    var routes: Range<Int>
    /// NAT gateway public IPs on this subnet (win over LB outbound rules).
    var natIP = PublicAddresses()
    /// NSGs apply to private endpoints here (`privateEndpointNetworkPolicies`, §1.2 rule 8).
    var privateEndpointNSG: Bool
}

/// The Azure network compiled from a `Cluster`: VNets, NICs, NSGs, route tables, Azure LB,
/// Azure Firewall, NAT/outbound SNAT, the API server endpoint.
public struct AzureNetwork: Sendable {
    /// Compile findings (unknown tags, ties, unsupported fields). Never thrown: the network still runs.
    public internal(set) var diagnostics: [Diagnostic] = []
    /// The rule-name table as of this compile (for hop strings).
    var names = RuleNames()

    var intervals = IntervalPool()
    var ports = PortPool()
    var securityRules: ContiguousArray<CompiledSecurityRule> = []
    var securityGroups: [CompiledSecurityGroup] = []
    /// `SecurityRuleIndex`: group × direction × protocol bucket → port segments → candidate rules.
    var ruleBuckets: ContiguousArray<RuleBucketRef> = []
    var ruleSegments: ContiguousArray<RuleSegment> = []
    var ruleCandidates: ContiguousArray<Int32> = []
    var routes: ContiguousArray<CompiledRoute> = []
    var subnets: [CompiledSubnet] = []
    /// Sorted by address for binary search.
    var hosts: [HostEntry] = []
    /// Address → index into `hosts`: one probe per lookup (a binary search over a 10,000-pod
    /// cluster's hosts took a dozen dependent cache misses, several times per first packet).
    var hostIndex = LookupTable<IPAddress>(capacity: 16)
    /// Overlay/kubenet pod CIDRs per node.
    var podRanges: [(prefix: IPPrefix, node: Int32)] = []
    var overlayPods = false
    var nodeIPs: [IPAddress] = []
    /// Instance-level public IPs per node (first of each family).
    var nodePublicIPs: [PublicAddresses] = []
    var nodeNames: [String] = []
    var nicNames: [String] = []
    /// `enableIPForwarding` per NIC: only such a NIC may be a VirtualAppliance next hop.
    var nicIPForwarding: [Bool] = []

    var firewalls: [CompiledFirewall] = []
    var firewallRules: ContiguousArray<CompiledFirewallRule> = []
    var ruleFQDNs: ContiguousArray<Int32> = []
    /// Addresses per interned FQDN id: from dnsRecords at compile time, then learned from DNS
    /// answers (`learnDNS`). Boxed: the one part of a compiled network that changes while packets
    /// flow, so the rest is borrowed immutably.
    let learned = LearnedAddresses()
    var resolved: [[IPAddress]] {
        _read { yield learned.lists }
        nonmutating _modify { yield &learned.lists }
    }
    var fqdnIDs: [String: Int32] = [:]
    var patterns: ContiguousArray<FQDNPattern> = []
    var threatFeedIPs = AddressSet.empty
    var threatFeedPatterns: Range<Int> = 0..<0

    var frontends: [CompiledFrontend] = []
    var lbRules: [CompiledLBRule] = []
    var lbBackends: ContiguousArray<Int32> = []
    /// Addresses of VM (non-node) LB backends; `lbBackends` holds them as -1 - index.
    var lbBackendIPs: ContiguousArray<IPAddress> = []

    var outboundType: OutboundType = .loadBalancer
    /// The LB outbound-rule frontend IPs (`loadBalancerOutboundIPs`, else the outbound rules' frontends).
    var loadBalancerOutboundIP = PublicAddresses()
    /// The transport protocols those addresses translate (outbound rule / LB rule `protocol`).
    var loadBalancerOutboundProtocols: (tcp: Bool, udp: Bool) = (true, true)
    /// First NAT gateway's IPs, for managed/userAssigned NAT outbound types when no subnet association is modelled.
    var clusterNATIP = PublicAddresses()
    var apiAuthorized = AddressSet.anyAddress
    /// `WellKnown.nonInternet` as a compiled set.
    var nonInternet = AddressSet.empty
    var apiPrivateCluster = false

    var defaultDenyRule = RuleID.none
    /// `firewall:pending-application-rule`: a handshake allowed while the application rules wait
    /// for the first request.
    public internal(set) var pendingApplicationRule = RuleID.none
    var threatIntelRule = RuleID.none
    var apiServerRule = RuleID.none
    var noRouteRule = RuleID.none
    var noOutboundRule = RuleID.none
    var platformRules: [RuleID] = []
    /// `route:<prefix>->None` for each never-Internet prefix (Internet → private address).
    var unroutableRules: [(prefix: IPPrefix, rule: RuleID)] = []

    public init() {}

    /// The private IP of the first Azure Firewall (the UDR next hop), if any.
    public var firewallPrivateIP: IPAddress? { firewalls.first?.privateIP }
    /// The public IP the first firewall SNATs Internet-bound traffic to.
    public var firewallPublicIP: IPAddress? { firewalls.first?.publicIP }

    @inline(__always)
    func host(_ ip: IPAddress) -> HostEntry? {
        let i = hostIndex.find(ip)
        return i >= 0 ? hosts[Int(i)] : nil
    }

    /// Starts fetching the host entry of `ip`, a second-level lookup: the index slot is read now
    /// (the caller fetched it earlier, so it should be cached) and the entry it names is fetched
    /// while the walk does other work before `host(ip)` reads it.
    @inline(__always)
    func prefetchHost(_ ip: IPAddress) {
        let i = hostIndex.find(ip)
        if i >= 0 { hosts.withUnsafeBufferPointer { if let b = $0.baseAddress { akssim_prefetch(b + Int(i)) } } }
    }

    @inline(__always)
    func podOwner(_ ip: IPAddress) -> Int32 {
        for r in podRanges where r.prefix.contains(ip) { return r.node }
        return -1
    }

    func subnetIndex(containing ip: IPAddress) -> Int32 {
        var best: Int32 = -1, bestLen = -1
        for (i, s) in subnets.enumerated() {
            for p in s.prefixes where p.contains(ip) && p.length > bestLen {
                best = Int32(i)
                bestLen = p.length
            }
        }
        return best
    }

    /// Places an address in the topology.
    public func classify(_ ip: IPAddress) -> AzurePlacement {
        if let h = host(ip) {
            switch h.kind {
            case .node: return .node(Int(h.index))
            case .pod: return .pod(node: Int(h.index))
            case .nic: return .vnetHost(nic: nicNames[Int(h.index)])
            case .firewallPrivate: return .firewall(name: firewalls[Int(h.index)].name)
            case .firewallPublic: return .firewallPublicIP(name: firewalls[Int(h.index)].name)
            case .lbFrontend: return .loadBalancerFrontend(loadBalancer: frontends[Int(h.index)].loadBalancer)
            case .apiPublic, .apiPrivate: return .apiServer
            case .nodePublic: return .nodePublicIP(Int(h.index))
            }
        }
        if ip == WellKnown.azureHostIP || ip == WellKnown.imdsIP { return .azurePlatform }
        let owner = podOwner(ip)
        if owner >= 0 { return .pod(node: Int(owner)) }
        if subnetIndex(containing: ip) >= 0 || inVNetSpace(ip) { return .vnetUnassigned }
        if WellKnown.nonInternet.contains(where: { $0.contains(ip) }) { return .unroutable }
        return .internet
    }

    /// True when some subnet's VNet-local or peering route covers `ip`.
    func inVNetSpace(_ ip: IPAddress) -> Bool {
        for s in subnets.indices {
            if let r = route(subnet: Int32(s), ip), r.nextHop == .vnetLocal || r.nextHop == .peering { return true }
        }
        return false
    }

    /// Records an answer the firewall's DNS proxy would have seen (from captured DNS responses),
    /// so FQDN network rules (§2.2) match it. Returns false when no rule references `name`.
    @discardableResult
    public func learnDNS(name: String, address: IPAddress) -> Bool {
        var key = name.lowercased()
        while key.hasSuffix(".") { key.removeLast() }
        guard let id = fqdnIDs[key] else { return false }
        if !resolved[Int(id)].contains(address) { resolved[Int(id)].append(address) }
        return true
    }

    /// The name of an interned rule (for reports built from `AzureLegResult.rule`).
    public func ruleName(_ id: RuleID) -> String { names.name(id) }
}

/// FQDN → addresses, shared by copies of one compiled `AzureNetwork` (each pipeline compiles its own).
final class LearnedAddresses: @unchecked Sendable {
    @exclusivity(unchecked) var lists: [[IPAddress]] = []
}
