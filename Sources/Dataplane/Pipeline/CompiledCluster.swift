import ClusterModel
import NetworkAddress
import PacketWire

/// Everything compiled from a `Cluster` once per load/reload: placement tables, the Service
/// front doors, NetworkPolicy per pod, the Azure network, and the interned rule names.
/// Immutable while packets flow (the FQDN answers the firewall learns live in a box inside
/// `azure`). A class, so the pipeline borrows it: a struct read through the pipeline's storage
/// was copied — every table retained and released — on each first packet's walk.
public final class CompiledCluster: @unchecked Sendable {
    /// Interned rule names; only a reload (`Pipeline.adoptState`) extends them, never while packets flow.
    @exclusivity(unchecked) public internal(set) var names: RuleNames
    public let topology: Topology
    public let proxy: ServiceProxy
    public let policies: PolicySet
    public let azure: AzureNetwork
    /// Ingress objects per ingress controller: traces follow a request through the controller
    /// to its backend; replays count the Ingress rule each flow's first request hits.
    public let ingressRouter: IngressRouter
    public let settings: ClusterSettings
    public let established: RuleID
    public let related: RuleID
    public let nonIP: RuleID
    public let nodeLocal: RuleID
    /// `platform:pod-to-itself` / `platform:pod-to-local-node`: NetworkPolicy exceptions.
    public let podSelf: RuleID
    public let podToLocalNode: RuleID
    public let linkLocal: RuleID
    public let masquerade: RuleID
    /// Loopback, martian, multicast, broadcast, link-local, reserved and WireServer decisions.
    public let specialRules: SpecialAddressRules
    /// `decode:<reason>` per MalformedReason raw value.
    public let decodeRules: [RuleID]

    public init(_ cluster: Cluster) {
        var names = RuleNames()
        established = names.intern("established")
        related = names.intern("related")
        nonIP = names.intern("platform:non-ip")
        nodeLocal = names.intern("platform:node-to-local-pod")
        podSelf = names.intern("platform:pod-to-itself")
        podToLocalNode = names.intern("platform:pod-to-local-node")
        linkLocal = names.intern("platform:link-local")
        masquerade = names.intern("snat:node-masquerade")
        specialRules = SpecialAddressRules(cluster, names: &names)
        decodeRules = MalformedReason.allCases.map { names.intern("decode:\($0)") }
        let topology = Topology(cluster)
        self.topology = topology
        let table = ServiceTable(cluster, topology: topology, names: &names)
        var proxy = ServiceProxy(table: table, masqueradeAll: cluster.settings.kubeProxy.masqueradeAll,
                                 seed: cluster.settings.kubeProxy.seed,
                                 rejectUnservedPorts: cluster.settings.kubeProxy.mode != .iptables, names: &names)
        proxy.unservedCoversExternalAddresses = cluster.settings.kubeProxy.mode == .ipvs
        if cluster.settings.kubeProxy.mode == .nftables { proxy.unallocatedServiceRanges = cluster.settings.serviceCIDRs }
        self.proxy = proxy
        policies = PolicySet(cluster, names: &names)
        azure = AzureNetwork.compile(cluster, names: &names)
        settings = cluster.settings
        ingressRouter = IngressRouter.compile(cluster, names: &names)
        self.names = names
    }
}

/// The first packet of a flow (or a hypothetical one from `trace`), as the walk needs it.
public struct FlowInput {
    public var flow: FlowKey
    public var tcpFlags: TCPFlags
    /// `--node` index: where the capture was taken; -1 when not given.
    public var nodeHint: Int32
    public var sni: UnsafeRawBufferPointer
    public var httpHost: UnsafeRawBufferPointer
    /// The URL path of the HTTP request line (`HTTPRequestTarget.path(in:)`); empty = `/`. Only
    /// the ingress controller reads it.
    public var httpPath: UnsafeRawBufferPointer
    /// Whether the flow's first request (where `sni`/`httpHost` come from) is known: a
    /// payload-less TCP first packet is `.handshake`, so the firewall can defer its application rules.
    public var request: ApplicationRequest
    public init(flow: FlowKey, tcpFlags: TCPFlags, nodeHint: Int32, sni: UnsafeRawBufferPointer, httpHost: UnsafeRawBufferPointer,
                request: ApplicationRequest = .seen, httpPath: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) {
        self.request = request
        self.httpPath = httpPath
        self.flow = flow
        self.tcpFlags = tcpFlags
        self.nodeHint = nodeHint
        self.sni = sni
        self.httpHost = httpHost
    }
}

/// The decision for a flow's first packet.
public struct FlowDecision: Sendable {
    public var verdict: Verdict = .allow
    /// The stage and rule that decided; when allowed, the last stage that handled the packet and
    /// the last rule that explicitly allowed or translated it.
    public var stage: Stage = .conntrack
    public var rule: RuleID = .none
    public var trail = RuleTrail()
    /// The tuple as finally delivered: source as the receiver sees it, destination after DNAT.
    public var delivered: FlowKey
    /// The tuple as it left the first node for Azure (after the node's NAT), when it did.
    public var egress: FlowKey? = nil
    /// Counter attribution: the node that handled the flow first, the namespace of the pod it
    /// concerns (destination pod, else source pod); -1 when none.
    public var node: Int32 = -1
    public var namespace: Int32 = -1
    /// ClientIP affinity to record: service port and endpoint (-1 when none).
    public var affinityServicePort: Int32 = -1
    public var affinityEndpoint: Int32 = -1
    public var affinityTimeout: Int64 = 0
    /// A firewall let the handshake through pending its application rules: the flow's verdict is
    /// decided on its first request (`Pipeline` keeps it pending in conntrack).
    public var pendingApplication = false

    public init(flow: FlowKey) { delivered = flow }

    mutating func decide(_ v: Verdict, _ s: Stage, _ r: RuleID) {
        verdict = v
        stage = s
        rule = r
        trail.append(r)
    }

    mutating func pass(_ s: Stage, _ r: RuleID) {
        stage = s
        if r != .none { rule = r; trail.append(r) }
    }

    /// Appends an Azure leg's rule trail, leaving out one occurrence of `reported` — the rule
    /// the caller then `pass`es, so it is counted once and stays last.
    mutating func appendLeg(_ leg: RuleTrail, except reported: RuleID) {
        var skipped = reported == .none
        for i in 0..<Int(leg.count) {
            let x = leg[i]
            if !skipped && x == reported { skipped = true; continue }
            trail.append(x)
        }
    }
}
