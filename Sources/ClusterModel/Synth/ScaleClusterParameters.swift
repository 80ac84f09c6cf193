/// The knobs of a generated scale cluster (`akssim synth cluster`). The topology is the
/// default cluster's (one VNet, flat Azure CNI on `aks-subnet`, UDR to the Azure Firewall,
/// one Standard LB); these only say how much of everything there is.
public struct ScaleClusterParameters: Sendable, Equatable {
    /// Application pods (three system pods — two CoreDNS replicas and the ingress controller — come on top).
    public var pods = 1000
    /// Application namespaces (kube-system, default and app-routing-system come on top).
    public var namespaces = 10
    /// ClusterIP Services (kube-dns and the two LoadBalancer Services come on top).
    public var services = 100
    /// Pods behind each Service: pods are grouped `endpointsPerService` at a time, each group
    /// carries one `app` label, and Service i selects group i modulo the number of groups.
    public var endpointsPerService = 3
    public var policies = 50
    /// Generated NSG rules on `aks-agentpool-nsg`, besides the two rules AKS writes for the LB Services.
    public var nsgRules = 100
    /// Generated Azure Firewall rules (half network, half application), besides the default policy's rules.
    public var firewallRules = 50
    /// Pods per node (Azure CNI's default max-pods is 30).
    public var podsPerNode = 30

    public init() {}

    /// Address-plan limits: pods live in 10.224.16.0–10.224.255.255 of the /16 node subnet,
    /// nodes in 10.224.0.4–10.224.15.239, Services in 10.0.1.0–10.0.255.255 of the /16 service
    /// CIDR; NSG priorities run 600…4096 (Azure's maximum), so the limits are where those end.
    public static let maxPods = 61_440
    public static let maxNodes = 4_000
    public static let maxServices = 65_024
    public static let maxNSGRules = 3_400
    public static let maxFirewallRules = 100_000

    /// Problems with these parameters, one message per bad field (empty when usable).
    public func problems() -> [String] {
        var out: [String] = []
        func check(_ name: String, _ value: Int, _ range: ClosedRange<Int>) {
            if !range.contains(value) { out.append("--\(name) must be between \(range.lowerBound) and \(range.upperBound), got \(value)") }
        }
        check("pods", pods, 1...Self.maxPods)
        check("namespaces", namespaces, 1...10_000)
        check("services", services, 0...Self.maxServices)
        check("endpoints-per-service", endpointsPerService, 1...1_000)
        check("policies", policies, 0...100_000)
        check("nsg-rules", nsgRules, 0...Self.maxNSGRules)
        check("firewall-rules", firewallRules, 0...Self.maxFirewallRules)
        check("pods-per-node", podsPerNode, 1...250)
        if (1...250).contains(podsPerNode), nodeCount > Self.maxNodes {
            out.append("--pods \(pods) at --pods-per-node \(podsPerNode) needs \(nodeCount) nodes; at most \(Self.maxNodes) fit the node range")
        }
        return out
    }

    /// Nodes: enough for the pods at `podsPerNode`, at least the default cluster's three (one per zone).
    public var nodeCount: Int { max(3, (pods + max(podsPerNode, 1) - 1) / max(podsPerNode, 1)) }

    /// Pod groups (one `app` label each); the last group takes the remainder.
    public var groupCount: Int { max(1, pods / max(endpointsPerService, 1)) }
}
