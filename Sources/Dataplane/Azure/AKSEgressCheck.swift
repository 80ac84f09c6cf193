import ClusterModel
import NetworkAddress
import PacketWire

// `akssim check egress` (issue 5 item 8): run the documented AKS required egress flows
// (azure-networking.md §3.3) from a node and from a pod through the compiled Azure network and
// say which pass and which rule blocks the others. Pods are sent with their own address (flat
// Azure CNI / pod subnet keep it inside the VNet) or the node's (overlay and kubenet masquerade
// to the node IP when leaving the pod network, §3.1). NetworkPolicy egress is the node-local
// pipeline's job and is not applied here.

public struct EgressCheckResult: Sendable {
    public var requirement: AKSRequiredEgress.Requirement
    /// "node <name>" or "pod <ns/name>".
    public var origin: String
    public var flow: FlowKey
    public var result: AzureLegResult
    /// Name of `result.rule`.
    public var rule: String
    public var hops: [Hop]
    public var passed: Bool { result.verdict == .allow }

    public init(requirement: AKSRequiredEgress.Requirement, origin: String, flow: FlowKey, result: AzureLegResult, rule: String, hops: [Hop]) {
        self.requirement = requirement
        self.origin = origin
        self.flow = flow
        self.result = result
        self.rule = rule
        self.hops = hops
    }
}

public enum AKSEgressCheck {
    /// Destination address for a requirement: the API server for tunnel/API rows, else the first
    /// DNS answer the model knows, else a placeholder from 198.18.0.0/15 (benchmarking space, never
    /// a real destination) so FQDN-based application rules still decide on the SNI.
    static func destination(_ r: AKSRequiredEgress.Requirement, _ cluster: Cluster, index: Int) -> IPAddress {
        let api = cluster.settings.apiServer.publicIP
        if r.fqdn.isEmpty || r.name == "api-server", let api { return api }
        if let rec = cluster.dnsRecords.first(where: { $0.fqdn.lowercased() == r.fqdn.lowercased() }), let a = rec.addresses.first { return a }
        return IPAddress(198, 18, UInt8(truncatingIfNeeded: index / 250), UInt8(truncatingIfNeeded: 1 + index % 250))
    }

    public static func run(_ cluster: Cluster, network: AzureNetwork, trace: Bool = true) -> [EgressCheckResult] {
        var origins: [(String, IPAddress)] = []
        if let node = cluster.nodes.first, let a = node.internalIPs.first { origins.append(("node \(node.name)", a)) }
        if let pod = cluster.pods.first(where: { !$0.hostNetwork && $0.namespace != "kube-system" && !$0.ips.isEmpty }) ?? cluster.pods.first(where: { !$0.hostNetwork && !$0.ips.isEmpty }) {
            var src = pod.ips[0]
            if cluster.settings.podsUseOverlayAddresses,
               let node = cluster.nodes.first(where: { $0.name == pod.nodeName }), let a = node.internalIPs.first { src = a }
            origins.append(("pod \(pod.qualifiedName)", src))
        }
        var out: [EgressCheckResult] = []
        for (i, r) in AKSRequiredEgress.requirements(cluster.settings).enumerated() {
            let dst = destination(r, cluster, index: i)
            for (label, src) in origins {
                let flow = FlowKey(src: src, dst: dst, srcPort: UInt16(40000 + i), dstPort: r.port, proto: r.proto == "udp" ? .udp : .tcp)
                var rec = HopRecorder(enabled: trace)
                // Application requirements carry the FQDN as TLS SNI (HTTPS).
                let sni = Array((r.proto == "tcp" && r.port == 443 ? r.fqdn : "").utf8)
                let res = sni.withUnsafeBytes { s in
                    withUnsafeBytes(of: UInt8(0)) { empty in
                        network.carry(flow, sni: s, httpHost: UnsafeRawBufferPointer(rebasing: empty[0..<0]), recorder: &rec)
                    }
                }
                out.append(EgressCheckResult(requirement: r, origin: label, flow: flow, result: res, rule: network.ruleName(res.rule), hops: rec.hops))
            }
        }
        return out
    }
}
