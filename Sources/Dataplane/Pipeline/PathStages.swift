import NetworkAddress
import PacketWire

// The stage steps of the walk, each recording its hop and returning false when it ended the flow.

extension CompiledCluster {
    /// One Azure leg (the packet leaves a host). Returns the landed node (may be -1), nil when dropped.
    func cross(_ f: inout FlowKey, _ d: inout FlowDecision, _ input: FlowInput, _ rec: inout HopRecorder) -> Int32? {
        if d.egress == nil && d.node >= 0 { d.egress = f }
        let r = azure.carry(f, sni: input.sni, httpHost: input.httpHost, request: input.request, recorder: &rec)
        if r.verdict != .allow {
            // The leg's allows before the deny count too (as a Service rule does before a
            // NetworkPolicy deny); the deny stays last.
            d.appendLeg(r.rules, except: .none)
            d.decide(r.verdict, r.stage, r.rule)
            return nil
        }
        if r.pendingApplication {
            d.appendLeg(r.rules, except: azure.pendingApplicationRule)
            d.pendingApplication = true
            d.pass(.firewall, azure.pendingApplicationRule)
        } else {
            d.appendLeg(r.rules, except: r.rule)
            d.pass(r.stage, r.rule)
        }
        f = r.flow
        return r.landedNode
    }

    /// kube-proxy at a front door: DNAT to an endpoint (maybe masquerading), or reject/drop.
    func serviceProxy(_ fd: Int32, _ door: FrontDoor, _ f: inout FlowKey, _ d: inout FlowDecision, source: ProxySource, node: Int32,
                      affinity: AffinityTable, now: Int64, rec: inout HopRecorder) -> Bool {
        let sp = proxy.table.servicePorts[Int(door.servicePort)]
        let remembered = sp.affinity ? affinity.lookup(client: f.src, servicePort: door.servicePort, now: now,
                                                       inclusive: settings.kubeProxy.mode == .iptables) : -1
        let pd = proxy.decide(fd, door: door, flow: f, source: source, node: node, affinityEndpoint: remembered)
        switch pd.action {
        case .reject, .drop:
            d.decide(pd.action == .reject ? .reject : .drop, .serviceProxy, pd.rule)
            if rec.enabled {
                rec.add(Hop(stage: .serviceProxy, result: pd.action == .reject ? .reject : .drop, rule: names.name(pd.rule),
                            detail: "\(frontDoorText(door, sp, f)) on node \(nodeName(node)): \(pd.reason)"))
            }
            return false
        case .dnat:
            let ep = proxy.table.endpoints[Int(pd.endpoint)]
            // The endpoint's placement (read next, for NetworkPolicy) and its Azure host slot
            // (read when the packet is delivered): fetched together now that the address is known.
            topology.podByIP.prefetch(ep.ip)
            azure.hostIndex.prefetch(ep.ip)
            let before = f
            f.dst = ep.ip
            f.dstPort = ep.port
            // Cilium's eBPF kube-proxy replacement (AKS "Azure CNI powered by Cilium" runs no
            // kube-proxy) works in SNAT mode: node-external NodePort/LoadBalancer/externalIP traffic
            // is SNATed only "when ... the backend ... is at a remote node" (Cilium kube-proxy-free
            // docs, "Client Source IP Preservation"); a local backend gets it DNATed only, so the pod
            // sees the client address even under externalTrafficPolicy Cluster.
            let ciliumLocal = pd.reason == .externalCluster && settings.networkDataplane == .cilium && ep.node == node
            if pd.masquerade, !ciliumLocal, let a = topology.nodeAddress(node, family: f.src) { f.src = a }
            d.trail.append(ep.rule)
            d.pass(.serviceProxy, pd.rule)
            if sp.affinity {
                d.affinityServicePort = door.servicePort
                d.affinityEndpoint = pd.endpoint
                d.affinityTimeout = sp.affinityTimeoutNanos
            }
            if rec.enabled {
                let podText = ep.pod >= 0 ? " (pod \(topology.podNames[Int(ep.pod)]))" : ""
                let state = ep.ready ? "" : " [serving-terminating fallback: no ready endpoint]"
                let aff = remembered >= 0 && remembered == pd.endpoint ? " [sessionAffinity ClientIP]" : ""
                let masq = f.src != before.src ? "; source \(before.src) → \(f.src): \(pd.reason)" : ""
                rec.add(Hop(stage: .serviceProxy, result: .nat, rule: names.name(pd.rule),
                            detail: "\(frontDoorText(door, sp, before)) on node \(nodeName(node)): DNAT → endpoint \(ep.ip):\(ep.port)\(podText)\(state)\(aff)\(masq)"))
            }
            return true
        }
    }

    func frontDoorText(_ door: FrontDoor, _ sp: CompiledServicePort, _ f: FlowKey) -> String {
        "\(door.kind) \(f.dst)\(f.proto.hasPorts ? ":\(f.dstPort)" : "")/\(f.proto) of \(proxy.table.serviceNames[Int(sp.service)])"
    }

    /// NetworkPolicy for one direction; records a pass when the pod is not isolated.
    func networkPolicy(ingress: Bool, subject: Int32, peer: PolicyPeer, dstPod: Int32, _ f: FlowKey,
                       _ d: inout FlowDecision, _ rec: inout HopRecorder) -> Bool {
        let v = policies.evaluate(ingress: ingress, subject: subject, peer: peer, dstPod: dstPod, port: f.dstPort, proto: f.proto)
        let dir = ingress ? "ingress" : "egress"
        let who = topology.podNames[Int(subject)]
        if !policies.enforced {
            d.pass(.networkPolicy, .none)
            rec.add(Hop(stage: .networkPolicy, result: .pass, detail: "\(dir) of \(who): no policy engine (networkPolicy none): not enforced"))
            return true
        }
        if !v.isolated {
            d.pass(.networkPolicy, .none)
            rec.add(Hop(stage: .networkPolicy, result: .pass, detail: "\(dir) of \(who): no policy isolates it"))
            return true
        }
        if v.allowed {
            d.trail.append(v.matchedRule)
            d.pass(.networkPolicy, v.rule)
            rec.add(Hop(stage: .networkPolicy, result: .allow, rule: names.name(v.rule), detail: "\(dir) of \(who) allowed"))
            return true
        }
        d.decide(.drop, .networkPolicy, v.rule)
        if rec.enabled {
            let peerName = topology.describe(peer.ip) + " \(peer.ip)"
            let why = policies.explainDeny(ingress: ingress, subject: subject, peer: peer, peerName: peerName, dstPod: dstPod,
                                           port: f.dstPort, proto: f.proto)
            rec.add(Hop(stage: .networkPolicy, result: .drop, rule: names.name(v.rule), detail: "\(dir) of \(who) denied: \(why)"))
        }
        return false
    }

    /// The packet is on `node` (or outside every node when -1): kube-proxy for front doors not yet
    /// translated, a further Azure leg when the endpoint is elsewhere, then NetworkPolicy ingress.
    /// `policySource`: the source NetworkPolicy judges when kube-proxy on this node masqueraded a
    /// packet to a local endpoint — the pre-SNAT one, since MASQUERADE runs in POSTROUTING, after
    /// the FORWARD chain where Azure NPM and Calico enforce policy.
    func arrive(_ flow: FlowKey, at node: Int32, d dIn: FlowDecision, input: FlowInput, affinity: AffinityTable,
                now: Int64, rec: inout HopRecorder, dnatDone: Bool = false, policySource: IPAddress? = nil) -> FlowDecision {
        var f = flow
        var d = dIn
        var policySrc = policySource
        if d.node < 0 { d.node = node }
        if node < 0 {
            d.delivered = f
            return d
        }
        if !dnatDone {
            let (fd, door) = proxy.table.frontDoorEntry(f.dst, f.dstPort, f.proto)
            if fd >= 0, door.kind != .nodePort || door.node == node {
                let srcNode = topology.node(f.src)
                let source = ProxySource(fromPodNetwork: topology.isPodNetwork(f.src), fromThisNode: srcNode == node,
                                         pod: topology.pod(f.src))
                let beforeProxy = f.src
                guard serviceProxy(fd, door, &f, &d, source: source, node: node,
                                   affinity: affinity, now: now, rec: &rec) else { return d }
                policySrc = beforeProxy
                let dst = topology.place(f.dst)
                let target: Int32 = dst.kind == .pod ? dst.node : (dst.kind == .node ? dst.index : -1)
                if target != node {
                    // The endpoint is on another node (or outside): one more Azure leg.
                    guard let landed = cross(&f, &d, input, &rec) else { return d }
                    return arrive(f, at: landed >= 0 ? landed : target, d: d, input: input, affinity: affinity, now: now,
                                  rec: &rec, dnatDone: true)
                }
            }
        }
        let dst = topology.place(f.dst)
        if dst.kind == .pod {
            let pod = dst.index
            d.namespace = dst.namespace
            let podNode = dst.node
            let src = policySrc ?? f.src
            // The node reaching its own pods (kubelet probes) is allowed by every engine AKS ships.
            if podNode >= 0, topology.node(src) == podNode {
                d.pass(.networkPolicy, nodeLocal)
                rec.add(Hop(stage: .networkPolicy, result: .allow, rule: names.name(nodeLocal),
                            detail: "from node \(nodeName(podNode)) to its own pod \(topology.podNames[Int(pod)]): always allowed (kubelet probes)"))
            } else if topology.pod(src) == pod, policies.enforced {
                // "a pod cannot block access to itself" (kubernetes.io "Network Policies").
                d.pass(.networkPolicy, podSelf)
                rec.add(Hop(stage: .networkPolicy, result: .allow, rule: names.name(podSelf),
                            detail: "ingress of \(topology.podNames[Int(pod)]) from itself: always allowed (a pod cannot block access to itself)"))
            } else {
                let srcPod = topology.pod(src)
                let peer = PolicyPeer(ip: src, pod: srcPod, isClusterAddress: srcPod >= 0 || topology.node(src) >= 0)
                guard networkPolicy(ingress: true, subject: pod, peer: peer, dstPod: pod, f, &d, &rec) else { return d }
            }
        }
        d.delivered = f
        return d
    }

    func nodeName(_ i: Int32) -> String {
        i >= 0 && Int(i) < topology.nodeNames.count ? topology.nodeNames[Int(i)] : "?"
    }
}
