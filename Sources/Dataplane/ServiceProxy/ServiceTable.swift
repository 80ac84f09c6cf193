import CPrefetch
import ClusterModel
import NetworkAddress

/// One Service endpoint for one Service port and address family, with its target port
/// resolved (named targetPorts are resolved per endpoint, from the EndpointSlice port whose
/// name matches the Service port — as kube-proxy does).
public struct CompiledEndpoint: Sendable {
    public var ip: IPAddress
    public var port: UInt16
    /// Index of the backing pod, or -1 (endpoints without a pod, e.g. a VM).
    public var pod: Int32
    /// Node index from `nodeName` (kube-proxy's locality), -1 when absent or unknown.
    public var node: Int32
    public var ready: Bool
    public var servingTerminating: Bool
    /// `hints.forZones` as bits of `ServiceTable.zoneIndex` (0: no hints).
    public var zoneHints: UInt64 = 0
    /// `svc:<ns>/<name>:<port>@<ip>:<port>`: counts connections per endpoint.
    public var rule: RuleID = .none
}

/// One `spec.ports[]` entry of a Service, per address family, with the settings kube-proxy needs.
/// Plain numbers only (its Service's name is in `ServiceTable.serviceNames`): a first packet reads
/// it without retaining anything.
public struct CompiledServicePort: Sendable {
    public var service: Int32
    public var port: UInt16
    public var proto: IPProtocol
    /// `endpoints[endpointStart ..< endpointStart + endpointCount]`.
    public var endpointStart: Int32
    public var endpointCount: Int32
    public var externalLocal: Bool
    public var internalLocal: Bool
    public var affinity: Bool
    public var affinityTimeoutNanos: Int64
    /// Index into `ServiceTable.sourceRanges`, -1 when the Service has none.
    public var sourceRanges: Int32
    public var dnatRule: RuleID
    public var noEndpointsRule: RuleID
    public var noLocalEndpointsRule: RuleID
    /// Topology-aware routing: the zones (bits) some ready endpoint is hinted for, when the
    /// Service asks for hints and every ready endpoint carries some; 0 = cluster-wide choice.
    public var topologyZones: UInt64 = 0
}

/// How a front door was reached (kube-proxy's chains differ per kind).
public enum FrontDoorKind: UInt8, Sendable, CustomStringConvertible {
    case clusterIP, nodePort, loadBalancer, externalIP
    public var description: String {
        switch self {
        case .clusterIP: return "ClusterIP"
        case .nodePort: return "NodePort"
        case .loadBalancer: return "LoadBalancer ingress IP"
        case .externalIP: return "externalIP"
        }
    }
    public var isExternal: Bool { self != .clusterIP }
}

public struct FrontDoor: Sendable {
    public var servicePort: Int32
    public var kind: FrontDoorKind
    /// For NodePorts: the node whose address this is (NodePorts answer on the receiving node).
    public var node: Int32

    public init(servicePort: Int32, kind: FrontDoorKind, node: Int32) {
        self.servicePort = servicePort
        self.kind = kind
        self.node = node
    }

    /// Packed into the address table's payload (service port: 32 bits, kind: 8, node + 1: 24), so
    /// the lookup that finds a front door brings it along.
    var packed: UInt64 {
        UInt64(UInt32(bitPattern: servicePort)) | UInt64(kind.rawValue) << 32 | UInt64(UInt32(bitPattern: node &+ 1) & 0xFF_FFFF) << 40
    }

    init(packed v: UInt64) {
        servicePort = Int32(bitPattern: UInt32(truncatingIfNeeded: v))
        kind = FrontDoorKind(rawValue: UInt8(truncatingIfNeeded: v >> 32)) ?? .clusterIP
        node = Int32(truncatingIfNeeded: v >> 40) - 1
    }
}

/// Every Service front door of the cluster, compiled: (address, port, protocol) → front door →
/// Service port → endpoints. ExternalName and headless Services have no entry (no VIP).
public struct ServiceTable: Sendable {
    public var frontDoors: [FrontDoor] = []
    public var servicePorts: [CompiledServicePort] = []
    /// `<namespace>/<name>` per `CompiledServicePort.service` (index into the cluster's Services).
    public var serviceNames: [String] = []
    public var endpoints: [CompiledEndpoint] = []
    /// `servicePorts[i].endpointStart` again, in a compact array (4 bytes per service port, cache
    /// resident where `servicePorts` is not): a front door's endpoints can be fetched together with
    /// its service port instead of after it (`prefetchServicePort`).
    public var endpointStarts: [Int32] = []
    public var sourceRanges: [[IPPrefix]] = []
    /// Per `sourceRanges` entry, per node: some range contains the node's primary address
    /// (kube-proxy's `allowFromNode`).
    public var sourceRangesCoverNodes: [[Bool]] = []
    /// Per node: the bit of its zone (`topology.kubernetes.io/zone`) among the zones the cluster
    /// names (nodes first, then hints; the first 64), 0 when it has none.
    public var nodeZoneBits: [UInt64] = []
    public var byAddress = LookupTable<FrontDoorKey>(capacity: 16)
    /// Every address that is some front door (for placement: "service address").
    public var vips = LookupTable<IPAddress>(capacity: 16)
    /// The ClusterIPs only: kube-proxy answers for unserved ports of these (nftables mode's
    /// `cluster-ips` set: "Reject traffic to invalid ports of ClusterIPs"; iptables mode loses
    /// them). An externalIP or LB ingress IP on a port no Service declares matches no rule at all
    /// and is routed like any other packet (it may be a real host's address).
    public var clusterVIPs = LookupTable<IPAddress>(capacity: 16)

    public init() {}

    public init(_ cluster: Cluster, topology: Topology, names: inout RuleNames) {
        byAddress = LookupTable(capacity: cluster.services.count * 4 + 16)
        vips = LookupTable(capacity: cluster.services.count * 2 + 16)
        clusterVIPs = LookupTable(capacity: cluster.services.count * 2 + 16)
        var podByName: [String: Int32] = [:]
        for (i, p) in cluster.pods.enumerated() { podByName[p.qualifiedName] = Int32(i) }
        var nodeByName: [String: Int32] = [:]
        for (i, n) in cluster.nodes.enumerated() { nodeByName[n.name] = Int32(i) }
        var slicesByService: [String: [EndpointSlice]] = [:]
        for s in cluster.endpointSlices { slicesByService["\(s.namespace)/\(s.serviceName)", default: []].append(s) }
        let allowedNodePortAddress: (IPAddress) -> Bool = { a in
            let only = cluster.settings.kubeProxy.nodePortAddresses
            return only.isEmpty || only.contains(where: { $0.contains(a) })
        }

        serviceNames = cluster.services.map(\.qualifiedName)
        var zoneIndex: [String: Int] = [:]
        for z in cluster.nodes.map(\.zone) + cluster.endpointSlices.flatMap({ $0.endpoints.flatMap(\.zoneHints) })
        where !z.isEmpty && zoneIndex[z] == nil && zoneIndex.count < 64 {
            zoneIndex[z] = zoneIndex.count
        }
        nodeZoneBits = cluster.nodes.map { n in zoneIndex[n.zone].map { UInt64(1) << UInt64($0) } ?? 0 }
        for (si, svc) in cluster.services.enumerated() {
            // ExternalName: DNS only, no data-plane entry; headless: no VIP (clients use pod IPs).
            if svc.type == .ExternalName || svc.headless { continue }
            var ranges: Int32 = -1
            if !svc.loadBalancerSourceRanges.isEmpty && svc.type == .LoadBalancer {
                ranges = Int32(sourceRanges.count)
                sourceRanges.append(svc.loadBalancerSourceRanges)
                // proxier.nodeIP: the node's primary address of the family (first InternalIP of it).
                sourceRangesCoverNodes.append(cluster.nodes.map { n in
                    let primaries = [n.internalIPs.first(where: \.isIPv4), n.internalIPs.first(where: { !$0.isIPv4 })].compactMap { $0 }
                    return primaries.contains { a in svc.loadBalancerSourceRanges.contains { $0.contains(a) } }
                })
            }
            let slices = slicesByService[svc.qualifiedName] ?? []
            for sp in svc.ports {
                guard sp.port > 0, sp.port <= 65535 else { continue }
                for v6 in [false, true] {
                    let families = svc.clusterIPs.filter { $0.isIPv4 != v6 }
                    // LB ingress IPs with ipMode Proxy get no rule (kube-proxy's LoadBalancerVIPs
                    // keeps `proxyutil.IsVIPMode` ones only): the LB forwards to the nodes itself.
                    let lbVIPs = svc.type == .LoadBalancer ? svc.loadBalancerIngressIPs.filter { !svc.loadBalancerProxyModeIPs.contains($0) } : []
                    let externals = (svc.externalIPs + lbVIPs).filter { $0.isIPv4 != v6 }
                    // A family is served when it has a VIP: a ClusterIP, an external address, or a
                    // NodePort on a node address of that family (exports may omit the ClusterIP).
                    // allocateLoadBalancerNodePorts: false only stops the API server allocating
                    // NodePorts; a nodePort present in the spec is still programmed by kube-proxy
                    // (it reads `nodePort != 0`), so the field itself decides.
                    let hasNodePort = svc.type == .NodePort || svc.type == .LoadBalancer
                    let nodeFamily = hasNodePort && sp.nodePort != nil
                        && cluster.nodes.contains { $0.internalIPs.contains { $0.isIPv4 != v6 } }
                    guard !families.isEmpty || !externals.isEmpty || nodeFamily else { continue }
                    let start = Int32(endpoints.count)
                    let label = "\(svc.qualifiedName):\(sp.port)"
                    var topologyZones: UInt64 = 0
                    var everyReadyHinted = true
                    for var e in ServiceTable.endpoints(for: svc, port: sp, v6: v6, slices: slices, cluster: cluster,
                                                        topology: topology, podByName: podByName, nodeByName: nodeByName,
                                                        zoneIndex: zoneIndex) {
                        if e.ready { topologyZones |= e.zoneHints; everyReadyHinted = everyReadyHinted && e.zoneHints != 0 }
                        e.rule = names.intern("svc:\(label)@\(e.ip.isIPv4 ? "\(e.ip)" : "[\(e.ip)]"):\(e.port)")
                        endpoints.append(e)
                    }
                    let spIndex = Int32(servicePorts.count)
                    endpointStarts.append(start)
                    servicePorts.append(CompiledServicePort(
                        service: Int32(si),
                        port: UInt16(sp.port), proto: sp.proto,
                        endpointStart: start, endpointCount: Int32(endpoints.count) - start,
                        externalLocal: svc.externalTrafficPolicy == .Local,
                        internalLocal: svc.internalTrafficPolicy == .Local,
                        affinity: svc.sessionAffinityClientIP,
                        affinityTimeoutNanos: Int64(max(1, svc.sessionAffinityTimeoutSeconds)) * 1_000_000_000,
                        sourceRanges: ranges,
                        dnatRule: names.intern("svc:\(label)"),
                        noEndpointsRule: names.intern("kube-proxy:no-endpoints:\(label)"),
                        noLocalEndpointsRule: names.intern("kube-proxy:no-local-endpoints:\(label)"),
                        topologyZones: svc.usesTopologyHints && everyReadyHinted ? topologyZones : 0))
                    func add(_ ip: IPAddress, _ port: Int, _ kind: FrontDoorKind, node: Int32 = -1) {
                        guard port > 0, port <= 65535 else { return }
                        let door = FrontDoor(servicePort: spIndex, kind: kind, node: node)
                        byAddress.insert(FrontDoorKey(ip: ip, port: UInt16(port), proto: sp.proto), Int32(frontDoors.count), aux: door.packed)
                        frontDoors.append(door)
                    }
                    for ip in families { add(ip, sp.port, .clusterIP); vips.insert(ip, spIndex); clusterVIPs.insert(ip, spIndex) }
                    for ip in externals {
                        let kind: FrontDoorKind = svc.loadBalancerIngressIPs.contains(ip) && !svc.externalIPs.contains(ip)
                            ? .loadBalancer : .externalIP
                        add(ip, sp.port, kind)
                        vips.insert(ip, spIndex)
                    }
                    // NodePorts answer on every node address unless --nodeport-addresses restricts them.
                    if hasNodePort, let np = sp.nodePort {
                        for (ni, n) in cluster.nodes.enumerated() {
                            for a in n.internalIPs + n.externalIPs where a.isIPv4 != v6 && allowedNodePortAddress(a) {
                                add(a, np, .nodePort, node: Int32(ni))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Endpoints of one Service port and family: from the Service's EndpointSlices (port matched by
    /// name and protocol), or — when the model has no slice for a selector Service — derived from the
    /// ready pods the selector matches, as the EndpointSlice controller would.
    static func endpoints(for svc: Service, port sp: ServicePort, v6: Bool, slices: [EndpointSlice], cluster: Cluster,
                          topology: Topology, podByName: [String: Int32], nodeByName: [String: Int32],
                          zoneIndex: [String: Int]) -> [CompiledEndpoint] {
        var out: [CompiledEndpoint] = []
        if !slices.isEmpty {
            // kube-proxy's EndpointSliceCache.addEndpoints (pkg/proxy/endpointslicecache.go):
            // - only `addresses[0]` is used ("No semantics are defined for additional addresses
            //   beyond the first, and kube-proxy does not look at them", discovery/v1 API), and an
            //   endpoint whose first address is of the other family is skipped;
            // - an endpoint is local only when its `nodeName` names the node (`isLocal`): a
            //   hand-written endpoint without nodeName is local nowhere, whatever pod owns the address;
            // - the same IP:port in several slices is one endpoint (the set is keyed by it; a
            //   local copy is preferred).
            var seen: [IPPort: Int] = [:]
            for s in slices where (s.addressType == "IPv6") == v6 && s.addressType != "FQDN" {
                guard let p = s.ports.first(where: { $0.name == sp.name && $0.proto == sp.proto }),
                      p.port > 0, p.port <= 65535 else { continue }
                for e in s.endpoints {
                    guard let a = e.addresses.first, a.isIPv4 != v6 else { continue }
                    var pod: Int32 = e.podRef.flatMap { podByName[$0] } ?? -1
                    if pod < 0 { pod = topology.pod(a) }
                    let node: Int32 = e.nodeName.flatMap { nodeByName[$0] } ?? -1
                    var ep = CompiledEndpoint(ip: a, port: UInt16(p.port), pod: pod, node: node, ready: e.isReady,
                                              servingTerminating: e.isServing && e.isTerminating)
                    for z in e.zoneHints { if let i = zoneIndex[z] { ep.zoneHints |= UInt64(1) << UInt64(i) } }
                    let key = IPPort(ip: a, port: UInt16(p.port))
                    if let i = seen[key] {
                        if out[i].node < 0 && node >= 0 { out[i] = ep }
                        continue
                    }
                    seen[key] = out.count
                    out.append(ep)
                }
            }
            return out
        }
        guard let selector = svc.selector, !selector.isEmpty else { return out }
        for (pi, pod) in cluster.pods.enumerated() where pod.namespace == svc.namespace && pod.phase == .Running {
            guard selector.allSatisfy({ pod.labels[$0.key] == $0.value }) else { continue }
            let target: Int?
            switch sp.targetPort {
            case .number(let n): target = n == 0 ? sp.port : n
            case .name(let name): target = pod.containerPorts.first(where: { $0.name == name && $0.proto == sp.proto })?.port
            }
            guard let t = target, t > 0, t <= 65535 else { continue }
            for a in pod.ips where a.isIPv4 != v6 {
                out.append(CompiledEndpoint(ip: a, port: UInt16(t), pod: Int32(pi), node: topology.pods[pi].node,
                                            ready: svc.publishNotReadyAddresses || (pod.ready && !pod.terminating),
                                            servingTerminating: pod.ready && pod.terminating))
            }
        }
        return out
    }

    /// kube-proxy's `allowFromNode` for one set of loadBalancerSourceRanges on one node.
    public func sourceRangesCoverNode(_ ranges: Int32, _ node: Int32) -> Bool {
        guard ranges >= 0, Int(ranges) < sourceRangesCoverNodes.count, node >= 0 else { return false }
        let row = sourceRangesCoverNodes[Int(ranges)]
        return Int(node) < row.count && row[Int(node)]
    }

    public func frontDoor(_ ip: IPAddress, _ port: UInt16, _ proto: IPProtocol) -> Int32 {
        byAddress.find(FrontDoorKey(ip: ip, port: port, proto: proto))
    }

    /// Starts fetching a front door's service port and its first endpoints, both needed next.
    @inline(__always)
    func prefetchServicePort(_ sp: Int32) {
        guard sp >= 0, Int(sp) < endpointStarts.count else { return }
        servicePorts.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return }
            let at = UnsafeRawPointer(base + Int(sp))
            akssim_prefetch(at)
            akssim_prefetch(at + (MemoryLayout<CompiledServicePort>.size - 1))
        }
        let start = Int(endpointStarts[Int(sp)])
        endpoints.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress, start < b.count else { return }
            let at = UnsafeRawPointer(base + start)
            akssim_prefetch(at)
            akssim_prefetch(at + (MemoryLayout<CompiledEndpoint>.size - 1))
        }
    }

    /// The front door at (address, port, protocol) with its description from the same table slot;
    /// index -1 when none.
    @inline(__always)
    public func frontDoorEntry(_ ip: IPAddress, _ port: UInt16, _ proto: IPProtocol) -> (index: Int32, door: FrontDoor) {
        let (i, aux) = byAddress.findEntry(FrontDoorKey(ip: ip, port: port, proto: proto))
        return (i, FrontDoor(packed: aux))
    }
}
