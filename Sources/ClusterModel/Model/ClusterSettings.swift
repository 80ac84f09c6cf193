import NetworkAddress

/// `networkProfile.networkPlugin` of `az aks show`.
public enum NetworkPlugin: String, Sendable, CaseIterable {
    case kubenet
    case azure
    case none
}

/// `networkProfile.networkPluginMode`: `overlay` for Azure CNI Overlay; nil otherwise.
public enum NetworkPluginMode: String, Sendable, CaseIterable {
    case overlay
}

/// `networkProfile.networkDataplane`.
public enum NetworkDataplane: String, Sendable, CaseIterable {
    case azure
    case cilium
}

/// `networkProfile.networkPolicy`: the engine that enforces NetworkPolicy; `none` = not enforced.
public enum NetworkPolicyEngine: String, Sendable, CaseIterable {
    case none
    case azure
    case calico
    case cilium
}

/// `networkProfile.outboundType`.
public enum OutboundType: String, Sendable, CaseIterable {
    case loadBalancer
    case userDefinedRouting
    case managedNATGateway
    case userAssignedNATGateway
    case none
    case block
}

/// kube-proxy proxy mode. Both modes share the semantics we reproduce; the field is kept for reports.
public enum ProxyMode: String, Sendable, CaseIterable {
    case iptables
    case nftables
    case ipvs
}

public struct KubeProxySettings: Sendable, Hashable {
    public var mode: ProxyMode = .iptables
    /// `--masquerade-all`: SNAT every packet sent to a Service VIP.
    public var masqueradeAll: Bool = false
    /// `--nodeport-addresses`: NodePorts answer only on node addresses inside these prefixes;
    /// empty = every node address (kube-proxy's default).
    public var nodePortAddresses: [IPPrefix] = []
    /// Seed of the deterministic endpoint choice (see Dataplane's EndpointSelector).
    public var seed: UInt64 = 0
    public init() {}
}

/// The API server endpoint.
public struct APIServerAccess: Sendable, Hashable {
    /// `apiServerAccessProfile.enablePrivateCluster`.
    public var privateCluster: Bool = false
    /// The public endpoint address (public clusters).
    public var publicIP: IPAddress?
    /// The private endpoint address in the node subnet (private clusters), or the VNet-integrated ILB IP.
    public var privateIP: IPAddress?
    /// `apiServerAccessProfile.authorizedIpRanges`; empty = open to all.
    public var authorizedIPRanges: [IPPrefix] = []
    /// `fqdn` / `privateFqdn` of `az aks show` (used for SNI and the `*.hcp.<region>.azmk8s.io` egress rule).
    public var fqdn: String = ""
    public var port: UInt16 = 443
    public init() {}
}

public struct ClusterSettings: Sendable, Hashable {
    public var location: String = "eastus"
    public var kubernetesVersion: String = ""
    public var networkPlugin: NetworkPlugin = .azure
    public var networkPluginMode: NetworkPluginMode? = nil
    public var networkDataplane: NetworkDataplane = .azure
    public var networkPolicy: NetworkPolicyEngine = .azure
    /// Pod CIDRs (overlay / kubenet). Flat Azure CNI has none: pods take subnet addresses.
    public var podCIDRs: [IPPrefix] = []
    public var serviceCIDRs: [IPPrefix] = [IPPrefix("10.0.0.0/16")!]
    public var dnsServiceIP: IPAddress = IPAddress(10, 0, 0, 10)
    public var outboundType: OutboundType = .loadBalancer
    /// Effective outbound public IPs of the AKS load balancer (outboundType loadBalancer).
    public var loadBalancerOutboundIPs: [IPAddress] = []
    public var apiServer = APIServerAccess()
    public var kubeProxy = KubeProxySettings()
    /// NSG/conntrack TCP idle timeout in seconds (VNet flowTimeoutInMinutes; default 4 min).
    public var flowTimeoutSeconds: Int = 240

    public init() {}

    /// Overlay and kubenet give pods addresses outside the VNet.
    public var podsUseOverlayAddresses: Bool {
        networkPlugin == .kubenet || networkPluginMode == .overlay
    }

    /// Cilium replaces kube-proxy and enforces policy with its own documented differences.
    public var isCilium: Bool { networkDataplane == .cilium || networkPolicy == .cilium }
}
