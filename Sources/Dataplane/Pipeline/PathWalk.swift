import NetworkAddress
import PacketWire

// The walk of a flow's first packet through the topology (ARCHITECTURE.md "The packet's path"):
// on the sending node kube-proxy, NetworkPolicy egress and node SNAT; across Azure (`carry`,
// only when the packet leaves a host); on the receiving node kube-proxy again (NodePort, LB IP)
// and NetworkPolicy ingress. Hops are recorded only when `rec.enabled` (traces).

extension CompiledCluster {
    public func walk(_ input: FlowInput, affinity: AffinityTable, now: Int64, rec: inout HopRecorder) -> FlowDecision {
        let d = walkLeg(input, affinity: affinity, now: now, rec: &rec)
        // Traces follow a known request (HTTP or TLS) through an ingress controller to its
        // backend; replays judge the controller's second connection as its own flow.
        if rec.enabled, d.verdict == .allow, input.request == .seen {
            return ingressLeg(d, input, affinity: affinity, now: now, rec: &rec)
        }
        return d
    }

    func walkLeg(_ input: FlowInput, affinity: AffinityTable, now: Int64, rec: inout HopRecorder) -> FlowDecision {
        var f = input.flow
        var d = FlowDecision(flow: f)
        let src = topology.place(f.src)
        // The source's Azure host entry (its slot was fetched with the packet's first lookups).
        azure.prefetchHost(f.src)
        var node: Int32 = -1
        var srcPod: Int32 = -1
        switch src.kind {
        case .pod:
            srcPod = src.index
            node = src.node
            if node < 0 { node = input.nodeHint }
            d.namespace = src.namespace
        case .node:
            node = src.index
        default:
            break
        }
        // Loopback, martians, multicast/broadcast, link-local, reserved, WireServer: decided by the
        // sender's kernel or the Azure platform before any rule is read (SpecialAddresses.swift).
        if specialAddress(f, srcPod: srcPod, node: node, hint: input.nodeHint, &d, &rec) { return d }

        if node < 0 {
            // From outside every node (VNet host, Internet): cross Azure first.
            guard let landed = cross(&f, &d, input, &rec) else { return d }
            return arrive(f, at: landing(f, input, azure: landed), d: d, input: input, affinity: affinity, now: now, rec: &rec)
        }
        d.node = node

        // kube-proxy on the sending node. NodePorts match only this node's addresses
        // (`-m addrtype --dst-type LOCAL`); a NodePort of another node is handled there.
        var dnatDone = false
        let beforeProxy = f.src
        let (fd, door) = proxy.table.frontDoorEntry(f.dst, f.dstPort, f.proto)
        if fd >= 0 { proxy.table.prefetchServicePort(door.servicePort) }
        if fd >= 0, door.kind != .nodePort || door.node == node {
            let source = ProxySource(fromPodNetwork: srcPod >= 0 || topology.isPodNetwork(f.src),
                                     fromThisNode: src.kind == .node && src.index == node, pod: srcPod)
            guard serviceProxy(fd, door, &f, &d, source: source, node: node,
                               affinity: affinity, now: now, rec: &rec) else { return d }
            dnatDone = true
        } else if fd < 0, proxy.isUnservedServiceAddress(f.dst) {
            // A ClusterIP on a port/protocol it does not serve: nothing answers. (In iptables and
            // nftables modes an externalIP or LB IP on an undeclared port matches no kube-proxy
            // rule and is routed on; IPVS binds those to kube-ipvs0 too and rejects them.)
            let v: Verdict = proxy.rejectUnservedPorts ? .reject : .drop
            d.decide(v, .serviceProxy, proxy.unservedPortRule)
            rec.add(Hop(stage: .serviceProxy, result: v == .reject ? .reject : .drop, rule: names.name(proxy.unservedPortRule),
                        detail: "\(f.dst) is a Service address but no Service serves \(f.proto)\(f.proto.hasPorts ? " port \(f.dstPort)" : "") on it"))
            return d
        } else if fd < 0, proxy.isUnallocatedClusterIP(f.dst) {
            // nftables mode's cluster-ips-check: "Drop traffic to unallocated ClusterIPs" (an
            // address of the service CIDR no Service holds); iptables mode routes it on.
            d.decide(.drop, .serviceProxy, proxy.unallocatedClusterIPRule)
            rec.add(Hop(stage: .serviceProxy, result: .drop, rule: names.name(proxy.unallocatedClusterIPRule),
                        detail: "\(f.dst) is in the service CIDR but no Service holds it: nftables kube-proxy drops it"))
            return d
        }

        // NetworkPolicy egress of the sending pod, judged on the destination after DNAT.
        let dst = topology.place(f.dst)
        let dstPod: Int32 = dst.kind == .pod ? dst.index : -1
        if dstPod >= 0 { d.namespace = dst.namespace }
        // kubernetes.io "Network Policies": "a pod cannot block access to itself" and "traffic to
        // and from the node where a Pod is running is always allowed" — egress to the pod's own
        // address (directly or hairpinned through a Service) or to its node is never judged.
        if srcPod >= 0, policies.enforced, dstPod == srcPod || (dst.kind == .node && dst.index == node) {
            let rule = dstPod == srcPod ? podSelf : podToLocalNode
            d.pass(.networkPolicy, rule)
            rec.add(Hop(stage: .networkPolicy, result: .allow, rule: names.name(rule),
                        detail: "egress of \(topology.podNames[Int(srcPod)]) to \(dstPod == srcPod ? "itself" : "its own node \(nodeName(node))"): always allowed (a pod cannot block access to itself or its node)"))
        } else if srcPod >= 0 {
            let peer = PolicyPeer(ip: f.dst, pod: dstPod, isClusterAddress: dst.kind == .pod || dst.kind == .node)
            guard networkPolicy(ingress: false, subject: srcPod, peer: peer, dstPod: dstPod, f, &d, &rec) else { return d }
        }

        // Same node: delivered over the node's bridge/veth, never touching Azure.
        let local = (dst.kind == .pod && dst.node == node) || (dst.kind == .node && dst.index == node)
        if local {
            // A kube-proxy masquerade on this node happens after the FORWARD-chain policy check.
            return arrive(f, at: node, d: d, input: input, affinity: affinity, now: now, rec: &rec, dnatDone: true,
                          policySource: beforeProxy)
        }

        // Node SNAT by network plugin for pod traffic leaving the node with its pod address.
        if srcPod >= 0, f.src == input.flow.src, needsNodeMasquerade(to: f.dst), let a = topology.nodeAddress(node, family: f.src) {
            let before = f.src
            f.src = a
            d.pass(.snat, masquerade)
            rec.add(Hop(stage: .snat, result: .nat, rule: names.name(masquerade),
                        detail: "\(before) → \(a) (\(masqueradeReason))"))
        }
        // The destination's Azure host entry, read at delivery after the source side's NSGs and routes.
        azure.prefetchHost(f.dst)
        guard let landed = cross(&f, &d, input, &rec) else { return d }
        return arrive(f, at: landing(f, input, azure: landed), d: d, input: input, affinity: affinity, now: now, rec: &rec,
                      dnatDone: dnatDone)
    }

    /// Pod traffic masqueraded to the node address when it leaves the node: kubenet and Azure CNI
    /// Overlay for anything outside the pod network; flat Azure CNI (pods hold VNet addresses) only
    /// outside the cluster's VNet — peered VNets and on-premises see the node address (AKS's
    /// ip-masq-agent nonMasqueradeCIDRs = the cluster VNet address space, `Topology.clusterVNetPrefixes`).
    func needsNodeMasquerade(to dst: IPAddress) -> Bool {
        if topology.isPodNetwork(dst) { return false }
        if settings.podsUseOverlayAddresses { return true }
        return !topology.inClusterVNet(dst)
    }

    var masqueradeReason: String {
        settings.podsUseOverlayAddresses
            ? "\(settings.networkPlugin == .kubenet ? "kubenet" : "Azure CNI Overlay"): pod address masqueraded to the node address outside the pod network"
            : "Azure CNI: ip-masq-agent masquerades pod traffic leaving the cluster VNet to the node address"
    }

    /// Where a packet lands after an Azure leg: the node owning the destination (pod or node
    /// address); else `--node` (the capture was taken there, so that is where it arrived — even
    /// where the Azure LB would have picked another backend); else the node the Azure layer
    /// delivered to; else — for a Service address — a node chosen like the LB would (one with a
    /// ready local endpoint under externalTrafficPolicy Local).
    func landing(_ f: FlowKey, _ input: FlowInput, azure landed: Int32) -> Int32 {
        let p = topology.place(f.dst)
        if p.kind == .pod { return p.node }
        if p.kind == .node { return p.index }
        if input.nodeHint >= 0 && proxy.table.vips.find(f.dst) >= 0 { return input.nodeHint }
        if landed >= 0 && Int(landed) < topology.nodes.count { return landed }
        let fd = proxy.table.frontDoor(f.dst, f.dstPort, f.proto)
        if fd < 0 { return -1 }
        let door = proxy.table.frontDoors[Int(fd)]
        if door.node >= 0 { return door.node }
        let sp = proxy.table.servicePorts[Int(door.servicePort)]
        let n = topology.nodes.count
        guard n > 0 else { return -1 }
        let start = Int(EndpointChoice.hash(flow: f, seed: proxy.seed) % UInt64(n))
        for k in 0..<n {
            let cand = Int32((start + k) % n)
            if !sp.externalLocal || proxy.hasReady(sp, localTo: cand) { return cand }
        }
        return Int32(start)
    }
}
