import NetworkAddress

/// The other end of a connection as NetworkPolicy sees it.
public struct PolicyPeer: Sendable {
    public var ip: IPAddress
    /// Pod index when the address is a (non-hostNetwork) pod, else -1.
    public var pod: Int32
    /// The address is a pod or node address (Cilium's CIDR rules never select those).
    public var isClusterAddress: Bool
    public init(ip: IPAddress, pod: Int32, isClusterAddress: Bool) {
        self.ip = ip
        self.pod = pod
        self.isClusterAddress = isClusterAddress
    }
}

public struct PolicyVerdict: Sendable {
    /// The subject pod is isolated in this direction (some policy of that type selects it).
    public var isolated: Bool
    public var allowed: Bool
    /// `netpol:<ns>/<policy>` of the first allowing rule, `netpol:default-deny`, or none when not isolated.
    public var rule: RuleID
    /// `netpol:<ns>/<policy>@ingress[i]` of the allowing rule, else none.
    public var matchedRule: RuleID = .none
}

extension PolicySet {
    /// Judges one direction for `subject` (the destination pod for ingress, the source pod for
    /// egress). `dstPod` is the pod whose container ports resolve named ports (ingress: the
    /// subject; egress: the peer when it is a pod). Allowed when any rule of any selecting policy
    /// matches both a peer and a port (union, no order, no deny rules).

    public func evaluate(ingress: Bool, subject: Int32, peer: PolicyPeer, dstPod: Int32, port: UInt16,
                         proto: IPProtocol) -> PolicyVerdict {
        let s = Int(subject)
        guard enforced, subject >= 0, s < ingressIsolated.count else {
            return PolicyVerdict(isolated: false, allowed: true, rule: .none)
        }
        let isolated = ingress ? ingressIsolated[s] : egressIsolated[s]
        if !isolated { return PolicyVerdict(isolated: false, allowed: true, rule: .none) }
        let start = Int(ingress ? ingressStart[s] : egressStart[s])
        let count = Int(ingress ? ingressCount[s] : egressCount[s])
        let refs = ingress ? ingressRefs : egressRefs
        for k in start..<(start + count) {
            let r = rules[Int(refs[k])]
            if peerMatches(r, peer) && portMatches(r, port: port, proto: proto, dstPod: dstPod) {
                return PolicyVerdict(isolated: true, allowed: true, rule: policies[Int(r.policy)].allowRule, matchedRule: r.rule)
            }
        }
        return PolicyVerdict(isolated: true, allowed: false, rule: defaultDenyRule)
    }


    public func peerMatches(_ r: CompiledPolicyRule, _ peer: PolicyPeer) -> Bool {
        if r.allPeers { return true }
        if peer.pod >= 0 && r.pods.contains(Int(peer.pod)) { return true }
        if peer.isClusterAddress && !ipBlockSeesClusterAddresses { return false }
        for b in r.ipBlocks where b.contains(peer.ip) { return true }
        return false
    }

    /// Ports apply to TCP/UDP/SCTP; a rule with a port list never matches ICMP. Named ports are
    /// looked up in the destination pod's container ports (same name and protocol).

    public func portMatches(_ r: CompiledPolicyRule, port: UInt16, proto: IPProtocol, dstPod: Int32) -> Bool {
        if r.allPorts { return true }
        for p in r.ports where p.proto == proto {
            if p.namedPort < 0 {
                if port >= p.low && port <= p.high { return true }
            } else if dstPod >= 0 {
                let s = Int(portStart[Int(dstPod)])
                for c in s..<(s + Int(portCount[Int(dstPod)])) {
                    let cp = containerPorts[c]
                    if cp.name == p.namedPort && cp.proto == proto && cp.port == port { return true }
                }
            }
        }
        return false
    }

    /// For a denial: the isolating policies and, per rule, the near miss ("backend-allow-frontend
    /// matches the peer but not port 9090"). Trace-only; builds strings.
    public func explainDeny(ingress: Bool, subject: Int32, peer: PolicyPeer, peerName: String, dstPod: Int32,
                            port: UInt16, proto: IPProtocol) -> String {
        let s = Int(subject)
        guard s >= 0, s < isolatingIngress.count else { return "" }
        let isolating = ingress ? isolatingIngress[s] : isolatingEgress[s]
        let dir = ingress ? "ingress" : "egress"
        var parts: [String] = []
        let names = isolating.map { policies[Int($0)].qualifiedName }
        parts.append("isolated for \(dir) by \(names.joined(separator: ", "))")
        let start = Int(ingress ? ingressStart[s] : egressStart[s])
        let count = Int(ingress ? ingressCount[s] : egressCount[s])
        let refs = ingress ? ingressRefs : egressRefs
        for pi in isolating {
            let name = policies[Int(pi)].qualifiedName.split(separator: "/").last.map(String.init) ?? ""
            let mine = (start..<(start + count)).map { rules[Int(refs[$0])] }.filter { $0.policy == pi }
            if mine.isEmpty { parts.append("\(name) has no \(dir) rules (denies all \(dir))"); continue }
            for r in mine {
                let peerOK = peerMatches(r, peer)
                let portOK = portMatches(r, port: port, proto: proto, dstPod: dstPod)
                let what = "\(name) \(dir)[\(r.ruleIndex)]"
                let portText = proto.hasPorts ? "\(proto) port \(port)" : "\(proto)"
                if peerOK && !portOK {
                    parts.append("\(what) matches the peer but not \(portText)")
                } else if !peerOK && portOK {
                    parts.append("\(what) matches \(portText) but not the peer \(peerName)")
                } else {
                    parts.append("\(what) matches neither the peer \(peerName) nor \(portText)")
                }
            }
        }
        return parts.joined(separator: "; ")
    }
}
