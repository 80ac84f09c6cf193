import ClusterModel
import NetworkAddress
import PacketWire

// INTERFACE SKETCH — owned by the Azure-layer work (issue 5). The node-local pipeline
// (placement, conntrack, service proxy, NetworkPolicy) calls only what is declared here;
// the implementation behind it is replaced wholesale by the Azure layer. Until then this
// version carries packets through the VNet without NSGs, routes, firewall or LB.

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
    /// The deciding stage when dropped (nsg, route, firewall, loadBalancer, apiServer, snat).
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

    public init(verdict: Verdict, stage: Stage, rule: RuleID, flow: FlowKey, landedNode: Int32) {
        self.verdict = verdict
        self.stage = stage
        self.rule = rule
        self.flow = flow
        self.landedNode = landedNode
    }
}

/// The Azure network compiled from a `Cluster`: VNets, NICs, NSGs, route tables, Azure LB,
/// Azure Firewall, NAT/outbound SNAT, the API server endpoint.
public struct AzureNetwork: Sendable {
    public init() {}

    /// Compiles once per load/reload. Rule names are interned into `names`.
    public static func compile(_ cluster: Cluster, names: inout RuleNames) -> AzureNetwork {
        AzureNetwork()
    }

    /// Carries a packet that leaves a host (a node — for pods, after node-level masquerade —,
    /// a VNet host, or the Internet) across the Azure network to the host owning `flow.dst`.
    /// `flow.src` is the source as the NIC sends it. `sni`/`httpHost` are the sniffed names
    /// (empty buffers when none). Called only for the first packet of a flow; conntrack lets
    /// replies and later packets through.
    public func carry(_ flow: FlowKey, sni: UnsafeRawBufferPointer, httpHost: UnsafeRawBufferPointer,
                      recorder: inout HopRecorder) -> AzureLegResult {
        AzureLegResult(verdict: .allow, stage: .route, rule: .none, flow: flow, landedNode: -1)
    }
}
