import ClusterModel
import NetworkAddress

/// A port clause of a NetworkPolicy rule. A named port (`namedPort >= 0`, an interned container
/// port name) is resolved against the destination pod's container ports at evaluation time.
public struct CompiledPolicyPort: Sendable {
    public var proto: IPProtocol
    public var low: UInt16
    public var high: UInt16
    public var namedPort: Int32
}

/// One ingress or egress rule of one policy, with its peers pre-resolved: selector peers to a pod
/// bit set, ipBlocks kept as CIDR-minus-except.
public struct CompiledPolicyRule: Sendable {
    public var policy: Int32
    public var ruleIndex: Int32
    public var allPeers: Bool
    public var pods: PodSet
    public var ipBlocks: [IPBlock]
    public var allPorts: Bool
    public var ports: [CompiledPolicyPort]
    /// `netpol:<ns>/<policy>@ingress[i]` / `@egress[i]`: counts hits per policy rule.
    public var rule: RuleID
}

public struct CompiledPolicy: Sendable {
    public var qualifiedName: String
    public var allowRule: RuleID
    public var ingress: Bool
    public var egress: Bool
}

/// A pod's container port, name interned.
public struct NamedContainerPort: Sendable {
    public var name: Int32
    public var port: UInt16
    public var proto: IPProtocol
}

/// All NetworkPolicies compiled per pod: for each pod, whether it is isolated for ingress/egress
/// and the flat list of rules of every policy selecting it — so a packet never scans all policies.
public struct PolicySet: Sendable {
    public var enforced: Bool
    /// Cilium: CIDR (ipBlock) rules never select pod or node addresses (they are matched by
    /// identity). Upstream, Azure NPM and Calico: an ipBlock matches any address, pod IPs included.
    public var ipBlockSeesClusterAddresses: Bool
    public var policies: [CompiledPolicy] = []
    public var rules: [CompiledPolicyRule] = []
    /// Per pod: [start, count) into `ingressRefs` / `egressRefs`; isolation flags.
    public var ingressStart: [Int32] = []
    public var ingressCount: [Int32] = []
    public var egressStart: [Int32] = []
    public var egressCount: [Int32] = []
    public var ingressRefs: [Int32] = []
    public var egressRefs: [Int32] = []
    public var ingressIsolated: [Bool] = []
    public var egressIsolated: [Bool] = []
    /// Per pod: the policies isolating it (for trace explanations only).
    public var isolatingIngress: [[Int32]] = []
    public var isolatingEgress: [[Int32]] = []
    /// Per pod: [start, count) into `containerPorts`.
    public var portStart: [Int32] = []
    public var portCount: [Int32] = []
    public var containerPorts: [NamedContainerPort] = []
    public var portNames: [String] = []
    public var defaultDenyRule: RuleID

    public init(_ cluster: Cluster, names: inout RuleNames) {
        enforced = cluster.settings.networkPolicy != .none
        ipBlockSeesClusterAddresses = cluster.settings.networkPolicy != .cilium && cluster.settings.networkDataplane != .cilium
        defaultDenyRule = names.intern("netpol:default-deny")
        var portIndex: [String: Int32] = [:]
        func intern(_ s: String) -> Int32 {
            if let i = portIndex[s] { return i }
            let i = Int32(portNames.count)
            portNames.append(s)
            portIndex[s] = i
            return i
        }
        for p in cluster.pods {
            portStart.append(Int32(containerPorts.count))
            for c in p.containerPorts where c.port > 0 && c.port <= 65535 {
                containerPorts.append(NamedContainerPort(name: c.name.map(intern) ?? -1, port: UInt16(c.port), proto: c.proto))
            }
            portCount.append(Int32(containerPorts.count) - portStart.last!)
        }

        var nsLabels: [String: Labels] = [:]
        for ns in cluster.namespaces { nsLabels[ns.name] = ns.labels }
        func labels(ofNamespace n: String) -> Labels { nsLabels[n] ?? ["kubernetes.io/metadata.name": n] }
        let podCount = cluster.pods.count
        // hostNetwork pods are neither selected by policies nor matched as pod peers.
        var podsByNamespace: [String: [Int]] = [:]
        for (i, p) in cluster.pods.enumerated() where !p.hostNetwork { podsByNamespace[p.namespace, default: []].append(i) }
        var ingressLists = Array(repeating: [Int32](), count: podCount)
        var egressLists = Array(repeating: [Int32](), count: podCount)
        ingressIsolated = Array(repeating: false, count: podCount)
        egressIsolated = Array(repeating: false, count: podCount)
        isolatingIngress = Array(repeating: [], count: podCount)
        isolatingEgress = Array(repeating: [], count: podCount)

        for (pi, pol) in cluster.networkPolicies.enumerated() {
            let types = pol.effectivePolicyTypes
            policies.append(CompiledPolicy(qualifiedName: pol.qualifiedName, allowRule: names.intern("netpol:\(pol.qualifiedName)"),
                                           ingress: types.contains(.Ingress), egress: types.contains(.Egress)))
            func compile(_ r: NetworkPolicyRule, _ index: Int, _ dir: String) -> Int32 {
                var set = PodSet(count: podCount)
                var blocks: [IPBlock] = []
                for peer in r.peers {
                    if let b = peer.ipBlock { blocks.append(b); continue }
                    if peer.podSelector == nil && peer.namespaceSelector == nil { continue }
                    // namespaceSelector given: pods of matching namespaces (each namespace judged once);
                    // absent: the policy's namespace only.
                    let namespaces = peer.namespaceSelector.map { nss in podsByNamespace.keys.filter { nss.matches(labels(ofNamespace: $0)) } }
                        ?? [pol.namespace]
                    for ns in namespaces {
                        for i in podsByNamespace[ns] ?? [] {
                            if let ps = peer.podSelector, !ps.matches(cluster.pods[i].labels) { continue }
                            set.insert(i)
                        }
                    }
                }
                var ports: [CompiledPolicyPort] = []
                for p in r.ports {
                    switch p.port {
                    case nil: ports.append(CompiledPolicyPort(proto: p.proto, low: 0, high: 65535, namedPort: -1))
                    case .number(let n)?:
                        let hi = p.endPort ?? n
                        guard n >= 0, n <= 65535, hi >= n else { continue }
                        ports.append(CompiledPolicyPort(proto: p.proto, low: UInt16(n), high: UInt16(min(hi, 65535)), namedPort: -1))
                    case .name(let s)?:
                        ports.append(CompiledPolicyPort(proto: p.proto, low: 0, high: 0, namedPort: intern(s)))
                    }
                }
                rules.append(CompiledPolicyRule(policy: Int32(pi), ruleIndex: Int32(index), allPeers: r.peers.isEmpty,
                                                pods: set, ipBlocks: blocks, allPorts: r.ports.isEmpty, ports: ports,
                                                rule: names.intern("netpol:\(pol.qualifiedName)@\(dir)[\(index)]")))
                return Int32(rules.count - 1)
            }
            let ingressRules = types.contains(.Ingress) ? pol.ingress.enumerated().map { compile($1, $0, "ingress") } : []
            let egressRules = types.contains(.Egress) ? (pol.egress ?? []).enumerated().map { compile($1, $0, "egress") } : []
            for i in podsByNamespace[pol.namespace] ?? [] {
                guard pol.podSelector.matches(cluster.pods[i].labels) else { continue }
                if types.contains(.Ingress) {
                    ingressIsolated[i] = true; ingressLists[i] += ingressRules; isolatingIngress[i].append(Int32(pi))
                }
                if types.contains(.Egress) {
                    egressIsolated[i] = true; egressLists[i] += egressRules; isolatingEgress[i].append(Int32(pi))
                }
            }
        }
        for i in 0..<podCount {
            ingressStart.append(Int32(ingressRefs.count)); ingressCount.append(Int32(ingressLists[i].count))
            ingressRefs += ingressLists[i]
            egressStart.append(Int32(egressRefs.count)); egressCount.append(Int32(egressLists[i].count))
            egressRefs += egressLists[i]
        }
    }
}
