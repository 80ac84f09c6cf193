import NetworkAddress
import PacketWire

/// Who sent a packet, as kube-proxy's rules distinguish it.
public struct ProxySource: Sendable {
    /// Source address is in the pod network (`--detect-local-mode=ClusterCIDR`).
    public var fromPodNetwork: Bool
    /// Source address belongs to the node running this kube-proxy (`-m addrtype --src-type LOCAL`).
    public var fromThisNode: Bool
    /// The source pod index (hairpin detection), -1 when not a pod.
    public var pod: Int32
    public init(fromPodNetwork: Bool, fromThisNode: Bool, pod: Int32) {
        self.fromPodNetwork = fromPodNetwork
        self.fromThisNode = fromThisNode
        self.pod = pod
    }
}

/// What kube-proxy did with a packet addressed to a front door.
public struct ProxyDecision: Sendable {
    public enum Action: UInt8, Sendable { case dnat, reject, drop }
    public var action: Action
    public var rule: RuleID
    public var frontDoor: Int32
    /// Index into `ServiceTable.endpoints` (for `.dnat`).
    public var endpoint: Int32
    /// SNAT to the node address (KUBE-MARK-MASQ).
    public var masquerade: Bool
    /// Why it masqueraded or dropped, for traces.
    public var reason: ProxyReason
}

public enum ProxyReason: UInt8, Sendable, CustomStringConvertible {
    case none, notFromPodNetwork, masqueradeAll, externalCluster, hairpin, localOriginExternal
    case sourceRange, noEndpoints, noLocalEndpointsExternal, noLocalEndpointsInternal
    public var description: String {
        switch self {
        case .none: return ""
        case .notFromPodNetwork: return "source outside the pod network sent to a ClusterIP: masqueraded to the node address"
        case .masqueradeAll: return "masqueradeAll: masqueraded to the node address"
        case .externalCluster: return "externalTrafficPolicy Cluster: external traffic masqueraded to the node address"
        case .hairpin: return "hairpin (the pod reached itself through the Service): masqueraded to the node address"
        case .localOriginExternal: return "traffic from the node itself to an external address of an externalTrafficPolicy Local Service: masqueraded, sent to any endpoint"
        case .sourceRange: return "source not in loadBalancerSourceRanges"
        case .noEndpoints: return "the Service has no usable endpoints: kube-proxy rejects (ICMP port unreachable / TCP reset)"
        case .noLocalEndpointsExternal: return "externalTrafficPolicy Local and no ready endpoint on this node: dropped"
        case .noLocalEndpointsInternal: return "internalTrafficPolicy Local and no ready endpoint on this node: dropped"
        }
    }
}

/// kube-proxy's decision (iptables/nftables modes, v1.28+ semantics), reproduced from its
/// per-Service chains: KUBE-SERVICES → KUBE-SVC (cluster) / KUBE-EXT (external) / KUBE-SVL (local).
public struct ServiceProxy: Sendable {
    public var table: ServiceTable
    public var masqueradeAll: Bool
    public var seed: UInt64
    public var lbSourceRangeRule: RuleID
    public var unservedPortRule: RuleID
    /// nftables mode only: the service CIDRs, whose addresses no Service holds are dropped
    /// (`cluster-ips-check`: "Drop traffic to unallocated ClusterIPs"); empty in other modes.
    public var unallocatedServiceRanges: [IPPrefix] = []
    public var unallocatedClusterIPRule: RuleID
    /// nftables and IPVS modes reject traffic to a Service IP on a port no Service serves; iptables
    /// mode leaves it unmatched and the packet is routed away from the node and lost (a drop).
    public var rejectUnservedPorts: Bool
    /// IPVS mode binds every Service address (ClusterIPs, externalIPs, LB ingress IPs) to
    /// kube-ipvs0, and KUBE-IPVS-FILTER rejects new connections to any of them on a port no Service
    /// serves ("--ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT"); the other modes
    /// answer for ClusterIPs only.
    public var unservedCoversExternalAddresses = false

    /// A Service address kube-proxy answers for although no front door matched (port/protocol).
    @inline(__always)
    public func isUnservedServiceAddress(_ dst: IPAddress) -> Bool {
        unservedCoversExternalAddresses ? table.vips.find(dst) >= 0 : table.clusterVIPs.find(dst) >= 0
    }

    public init(table: ServiceTable, masqueradeAll: Bool, seed: UInt64, rejectUnservedPorts: Bool, names: inout RuleNames) {
        self.rejectUnservedPorts = rejectUnservedPorts
        self.unservedPortRule = names.intern("kube-proxy:no-service-port")
        self.unallocatedClusterIPRule = names.intern("kube-proxy:unallocated-cluster-ip")
        self.table = table
        self.masqueradeAll = masqueradeAll
        self.seed = seed
        self.lbSourceRangeRule = names.intern("kube-proxy:loadBalancerSourceRanges")
    }

    /// nftables mode: `dst` lies in a service CIDR but is no ClusterIP (checked after the front-door
    /// and ClusterIP lookups failed).
    @inline(__always)
    public func isUnallocatedClusterIP(_ dst: IPAddress) -> Bool {
        for r in unallocatedServiceRanges where r.contains(dst) { return true }
        return false
    }

    /// Decides for a packet to front door `fd` handled on `node`. `affinityEndpoint` is a still-valid
    /// ClientIP affinity choice (an endpoint index) or -1.

    public func decide(_ fd: Int32, door known: FrontDoor? = nil, flow: FlowKey, source: ProxySource, node: Int32,
                       affinityEndpoint: Int32) -> ProxyDecision {
        let door = known ?? table.frontDoors[Int(fd)]
        let sp = table.servicePorts[Int(door.servicePort)]
        var d = ProxyDecision(action: .dnat, rule: sp.dnatRule, frontDoor: fd, endpoint: -1, masquerade: false, reason: .none)

        // KUBE-FW (pkg/proxy/iptables/proxier.go, "firewall filter based on each source range"):
        // at the LB IP only sources inside loadBalancerSourceRanges pass, whoever sends them — pods
        // and the node's own address included. The one addition ("allowFromNode"): when a range
        // covers the node IP, the LB VIP itself is admitted as a source (a node's request to its
        // own VIP loops back with the VIP as source).
        if door.kind == .loadBalancer, sp.sourceRanges >= 0 {
            var inRange = false
            for r in table.sourceRanges[Int(sp.sourceRanges)] where r.contains(flow.src) { inRange = true; break }
            if !inRange, table.sourceRangesCoverNode(sp.sourceRanges, node) {
                let (i, other) = table.frontDoorEntry(flow.src, flow.dstPort, flow.proto)
                inRange = i >= 0 && other.kind == .loadBalancer && other.servicePort == door.servicePort
            }
            if !inRange {
                d.action = .drop; d.rule = lbSourceRangeRule; d.reason = .sourceRange
                return d
            }
        }

        // Which endpoint set applies and whether kube-proxy marks for masquerade.
        var localOnly = false
        if door.kind == .clusterIP {
            if !source.fromPodNetwork { d.masquerade = true; d.reason = .notFromPodNetwork }
            localOnly = sp.internalLocal
        } else if !sp.externalLocal {
            d.masquerade = true; d.reason = .externalCluster
        } else if source.fromPodNetwork {
            // "Redirect pods trying to reach external loadbalancer VIP to clusterIP": cluster-wide endpoints, no SNAT.
        } else if source.fromThisNode {
            d.masquerade = true; d.reason = .localOriginExternal
        } else {
            localOnly = true
        }
        if masqueradeAll && !d.masquerade { d.masquerade = true; d.reason = .masqueradeAll }

        // No usable endpoint anywhere → REJECT; endpoints elsewhere but none local → DROP.
        if usableCount(sp, localTo: -1) == 0 {
            d.action = .reject; d.rule = sp.noEndpointsRule; d.reason = .noEndpoints; d.masquerade = false
            return d
        }
        let local: Int32 = localOnly ? node : -1
        if localOnly && usableCount(sp, localTo: node) == 0 {
            d.action = .drop; d.rule = sp.noLocalEndpointsRule; d.masquerade = false
            d.reason = door.kind == .clusterIP ? .noLocalEndpointsInternal : .noLocalEndpointsExternal
            return d
        }
        // Topology-aware routing (kube-proxy's canUseTopology, pkg/proxy/topology.go) narrows the
        // cluster-wide ready endpoints to those hinted for this node's zone — when the Service asks
        // for hints, every ready endpoint has some and one is for this zone; never for Local policy.
        var zone: UInt64 = 0
        if local < 0, node >= 0, Int(node) < table.nodeZoneBits.count { zone = sp.topologyZones & table.nodeZoneBits[Int(node)] }
        if affinityEndpoint >= 0, isUsable(affinityEndpoint, sp, localTo: local, zone: zone) {
            d.endpoint = affinityEndpoint
        } else {
            // Deterministic replacement of kube-proxy's random choice: ClientIP affinity hashes the
            // client address, otherwise the original 5-tuple; both mixed with the seed (EndpointChoice).
            let h = sp.affinity ? EndpointChoice.hash(client: flow.src, seed: seed)
                                : EndpointChoice.hash(flow: flow, seed: seed)
            d.endpoint = pick(sp, localTo: local, zone: zone, hash: h)
        }
        if d.endpoint >= 0, source.pod >= 0, table.endpoints[Int(d.endpoint)].pod == source.pod, !d.masquerade {
            d.masquerade = true; d.reason = .hairpin
        }
        return d
    }

    /// kube-proxy's categorizeEndpoints: ready endpoints; when none is ready, serving-terminating ones.
    func usableCount(_ sp: CompiledServicePort, localTo node: Int32) -> Int {
        var ready = 0, terminating = 0
        let end = Int(sp.endpointStart + sp.endpointCount)
        for i in Int(sp.endpointStart)..<end {
            let e = table.endpoints[i]
            if node >= 0 && e.node != node { continue }
            if e.ready { ready += 1 } else if e.servingTerminating { terminating += 1 }
        }
        return ready > 0 ? ready : terminating
    }

    func hasReady(_ sp: CompiledServicePort, localTo node: Int32) -> Bool {
        let end = Int(sp.endpointStart + sp.endpointCount)
        for i in Int(sp.endpointStart)..<end where table.endpoints[i].ready && (node < 0 || table.endpoints[i].node == node) {
            return true
        }
        return false
    }

    /// `zone` (a zone bit, 0 = none): ready endpoints must be hinted for it. A zone is only passed
    /// when some ready endpoint is, so the ready set stays non-empty.
    func isUsable(_ e: Int32, _ sp: CompiledServicePort, localTo node: Int32, zone: UInt64 = 0) -> Bool {
        guard e >= sp.endpointStart, e < sp.endpointStart + sp.endpointCount else { return false }
        let ep = table.endpoints[Int(e)]
        if node >= 0 && ep.node != node { return false }
        // The set `pick` draws from: a ready endpoint implies the ready set is in use.
        return Self.eligible(ep, ready: ep.ready || hasReady(sp, localTo: node), zone: zone)
    }

    /// In the set `pick` draws from: ready (and hinted for `zone` when one applies), or — when no
    /// endpoint is ready — serving-terminating.
    @inline(__always)
    static func eligible(_ e: CompiledEndpoint, ready useReady: Bool, zone: UInt64) -> Bool {
        useReady ? (e.ready && (zone == 0 || e.zoneHints & zone != 0)) : (!e.ready && e.servingTerminating)
    }

    func pick(_ sp: CompiledServicePort, localTo node: Int32, zone: UInt64 = 0, hash: UInt64) -> Int32 {
        let useReady = hasReady(sp, localTo: node)
        var n = 0
        let end = Int(sp.endpointStart + sp.endpointCount)
        for i in Int(sp.endpointStart)..<end {
            let e = table.endpoints[i]
            if node >= 0 && e.node != node { continue }
            if Self.eligible(e, ready: useReady, zone: zone) { n += 1 }
        }
        guard n > 0 else { return -1 }
        var k = Int(hash % UInt64(n))
        for i in Int(sp.endpointStart)..<end {
            let e = table.endpoints[i]
            if node >= 0 && e.node != node { continue }
            guard Self.eligible(e, ready: useReady, zone: zone) else { continue }
            if k == 0 { return Int32(i) }
            k -= 1
        }
        return -1
    }
}

/// The documented deterministic endpoint choice: splitmix64 of the flow (or client) hash xor the
/// seed (`kubeProxy.seed`), modulo the number of usable endpoints, in EndpointSlice order. The same
/// cluster and capture therefore always pick the same endpoints, and distinct flows spread evenly.
public enum EndpointChoice {
    public static func splitmix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public static func hash(flow: FlowKey, seed: UInt64) -> UInt64 { splitmix(flow.mix() ^ seed) }
    public static func hash(client: IPAddress, seed: UInt64) -> UInt64 { splitmix(client.mix ^ seed ^ 0xA5A5) }
}
