import ClusterModel
import NetworkAddress
import PacketWire

// Azure Load Balancer (azure-networking.md §3.4): frontend IP + protocol + port → LB rule →
// backend pool nodes that pass the health probe. Probe health is settled at compile time:
// a node fails when it is not Ready, when the NSG in front of it denies the probe from
// 168.63.129.16 (§1.4, §7.6), or — for externalTrafficPolicy Local — when it has no ready
// local endpoint of the Service (kube-proxy answers the /healthz probe non-200 there).

struct CompiledFrontend: Sendable {
    var loadBalancer: String
    var ip: IPAddress
    var rules: Range<Int>
    var noRuleName: RuleID
}

/// Azure Load Balancer distribution modes (learn.microsoft.com/azure/load-balancer/
/// distribution-mode-concepts): `Default` hashes the five-tuple (source IP, source port,
/// destination IP, destination port, protocol); session persistence `SourceIP` ("Client IP")
/// hashes the two-tuple (source IP, destination IP); `SourceIPProtocol` ("Client IP and
/// protocol") the three-tuple (source IP, destination IP, protocol). Ports never enter the
/// persistent modes, so every connection of a client lands on the same backend.
enum LBDistribution: UInt8, Sendable {
    case fiveTuple, sourceIP, sourceIPProtocol

    /// ARM spelling (case-insensitive; `Default` or unknown → five-tuple).
    init(armValue: String) {
        switch armValue.lowercased() {
        case "sourceip": self = .sourceIP
        case "sourceipprotocol": self = .sourceIPProtocol
        default: self = .fiveTuple
        }
    }

    /// The hash the backend is chosen by. Allocation-free.
    @inline(__always)
    func hash(_ f: FlowKey) -> UInt64 {
        switch self {
        case .fiveTuple: return f.mix()
        case .sourceIP: return FlowKey(src: f.src, dst: f.dst, srcPort: 0, dstPort: 0, proto: .tcp).mix()
        case .sourceIPProtocol: return FlowKey(src: f.src, dst: f.dst, srcPort: 0, dstPort: 0, proto: f.proto).mix()
        }
    }
}

struct CompiledLBRule: Sendable {
    var name: RuleID
    /// 1 TCP, 2 UDP, 3 All.
    var protocols: UInt8
    /// 0 with protocol All = HA ports (every port).
    var frontendPort: UInt16
    var backendPort: UInt16
    var floatingIP: Bool
    /// Fields of the flow the backend hash covers (`loadDistribution`).
    var distribution: LBDistribution
    /// Healthy backend nodes (indices into `Cluster.nodes`).
    var backends: Range<Int>
    /// Why nodes were left out (trace text, built at compile time).
    var healthNote: String
}

extension AzureNetwork {
    /// AKS-style LB for services whose ingress IP no modelled LB frontend carries: cloud-provider-azure
    /// writes one rule per service port, floating IP on, TCP probe on the nodePort, HTTP /healthz on
    /// the healthCheckNodePort for externalTrafficPolicy Local (§3.4). Pool = every node.
    static func synthesizedLoadBalancers(_ cluster: Cluster) -> [LoadBalancer] {
        let known = Set(cluster.loadBalancers.flatMap { $0.frontends.map(\.address) })
        var lb = LoadBalancer()
        lb.name = "kubernetes"
        var pool = BackendPool()
        pool.name = "kubernetes"
        pool.nodeNames = cluster.nodes.map(\.name)
        lb.backendPools = [pool]
        for svc in cluster.services where svc.type == .LoadBalancer {
            for ip in svc.loadBalancerIngressIPs where !known.contains(ip) {
                var fe = FrontendIPConfiguration()
                fe.name = "\(svc.namespace)-\(svc.name)-\(ip)"
                fe.address = ip
                if !lb.frontends.contains(where: { $0.address == ip }) { lb.frontends.append(fe) }
                for p in svc.ports {
                    var probe = HealthProbe()
                    probe.name = "\(fe.name)-\(p.proto)-\(p.port)"
                    if svc.externalTrafficPolicy == .Local, let hc = svc.healthCheckNodePort {
                        probe.proto = .Http
                        probe.port = hc
                        probe.requestPath = "/healthz"
                    } else {
                        probe.port = p.nodePort ?? p.port
                    }
                    var rule = LoadBalancingRule()
                    rule.name = "\(fe.name)-\(p.proto)-\(p.port)"
                    rule.frontend = fe.name
                    rule.backendPool = pool.name
                    rule.proto = p.proto == .udp ? "Udp" : "Tcp"
                    rule.frontendPort = p.port
                    rule.backendPort = p.port
                    // ipMode Proxy: the LB proxies rather than delivering the VIP (kube-proxy has no
                    // rule for it), so the synthesized rule sends to the node's NodePort instead.
                    if svc.loadBalancerProxyModeIPs.contains(ip) {
                        rule.enableFloatingIP = false
                        rule.backendPort = p.nodePort ?? p.port
                    }
                    // cloud-provider-azure: sessionAffinity ClientIP → loadDistribution SourceIP.
                    if svc.sessionAffinityClientIP { rule.loadDistribution = "SourceIP" }
                    // §3.4: UDP Cluster services get no probe.
                    if !(p.proto == .udp && svc.externalTrafficPolicy == .Cluster) {
                        lb.probes.append(probe)
                        rule.probe = probe.name
                    }
                    lb.rules.append(rule)
                }
            }
        }
        return lb.frontends.isEmpty ? [] : [lb]
    }

    mutating func compileLoadBalancers(_ cluster: Cluster, names: inout RuleNames) {
        let nodeIndex = Dictionary(cluster.nodes.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        for lb in cluster.loadBalancers + AzureNetwork.synthesizedLoadBalancers(cluster) {
            for fe in lb.frontends {
                let start = lbRules.count
                for r in lb.rules where r.frontend == fe.name || r.frontend.hasSuffix("/\(fe.name)") {
                    let poolName = r.backendPool.split(separator: "/").last.map(String.init) ?? r.backendPool
                    let pool = lb.backendPools.first { $0.name == poolName }
                    var members: [Int] = (pool?.nodeNames ?? []).compactMap { nodeIndex[$0] }
                    // Backend addresses that are not nodes but modelled VM NICs (an NVA behind HA
                    // ports, a VM pool): encoded as -1 - index into `lbBackendIPs`.
                    var vmMembers: [Int32] = []
                    for a in pool?.addresses ?? [] {
                        if let i = nodeIPs.firstIndex(of: a) {
                            if !members.contains(i) { members.append(i) }
                        } else if let h = host(a), h.kind == .nic {
                            vmMembers.append(-1 - Int32(lbBackendIPs.count))
                            lbBackendIPs.append(a)
                        }
                    }
                    let probe = r.probe.flatMap { n in lb.probes.first { $0.name == (n.split(separator: "/").last.map(String.init) ?? n) } }
                    let proto: UInt8 = r.proto.lowercased() == "udp" ? 2 : (r.proto.lowercased() == "all" ? 3 : 1)
                    // The Service behind this frontend/port, for externalTrafficPolicy Local.
                    let svc = cluster.services.first { s in
                        s.type == .LoadBalancer && s.loadBalancerIngressIPs.contains(fe.address)
                            && (r.frontendPort == 0 || s.ports.contains { $0.port == r.frontendPort })
                    }
                    var localNodes: Set<String>? = nil
                    if let svc, svc.externalTrafficPolicy == .Local {
                        var set = Set<String>()
                        for slice in cluster.endpointSlices where slice.namespace == svc.namespace && slice.serviceName == svc.name {
                            // kube-proxy's health server counts local ready endpoints, local meaning
                            // `nodeName` is this node (LocalReadyEndpoints / EndpointSliceCache.isLocal).
                            for ep in slice.endpoints where ep.isReady {
                                if let n = ep.nodeName { set.insert(n) }
                            }
                        }
                        localNodes = set
                    }
                    var healthy: [Int] = []
                    var notes: [String] = []
                    for m in members {
                        let node = cluster.nodes[m]
                        if !node.ready { notes.append("\(node.name) NotReady"); continue }
                        if let local = localNodes, !local.contains(node.name) {
                            notes.append("\(node.name) fails /healthz (externalTrafficPolicy Local, no ready local endpoint)")
                            continue
                        }
                        if let probe, let port = UInt16(exactly: probe.port) {
                            let probeFlow = FlowKey(src: WellKnown.azureHostIP, dst: nodeIPs[m], srcPort: 0, dstPort: port, proto: .tcp)
                            if let denied = destinationGroupsDeny(node: m, probeFlow) {
                                notes.append("\(node.name) probe \(probe.proto.rawValue):\(port) denied by \(names.name(denied))")
                                continue
                            }
                        }
                        healthy.append(m)
                    }
                    let bstart = lbBackends.count
                    lbBackends.append(contentsOf: healthy.map { Int32($0) })
                    lbBackends.append(contentsOf: vmMembers)
                    lbRules.append(CompiledLBRule(
                        name: names.intern("\(lb.name)/\(r.name)"), protocols: proto,
                        frontendPort: UInt16(clamping: r.frontendPort), backendPort: UInt16(clamping: r.backendPort == 0 ? r.frontendPort : r.backendPort),
                        floatingIP: r.enableFloatingIP, distribution: LBDistribution(armValue: r.loadDistribution), backends: bstart..<lbBackends.count,
                        healthNote: notes.joined(separator: "; ")))
                }
                frontends.append(CompiledFrontend(loadBalancer: lb.name, ip: fe.address, rules: start..<lbRules.count,
                                                  noRuleName: names.intern("\(lb.name)/no-matching-rule")))
            }
        }
    }

    /// The destination-side NSG chain for a node at compile time; returns the denying rule.
    func destinationGroupsDeny(node: Int, _ f: FlowKey) -> RuleID? {
        guard let h = host(nodeIPs[node]) else { return nil }
        if h.subnet >= 0, subnets[Int(h.subnet)].group >= 0 {
            let d = evaluate(group: subnets[Int(h.subnet)].group, inbound: true, f)
            if !d.allow { return d.rule }
        }
        if h.nicGroup >= 0 {
            let d = evaluate(group: h.nicGroup, inbound: true, f)
            if !d.allow { return d.rule }
        }
        return nil
    }

    /// Picks the LB rule for a packet to frontend `fe`.
    func lbRule(_ fe: Int, _ f: FlowKey) -> Int? {
        // Load-balancing rules carry TCP and UDP only — `All` (HA ports too) means both, never ICMP
        // or other IP protocols (load-balancer overview, limitations: "Load balancing rules and
        // inbound NAT rules are supported for TCP and UDP and not supported for other IP protocols
        // including ICMP").
        let bit: UInt8 = f.proto == .tcp ? 1 : (f.proto == .udp ? 2 : 0)
        guard bit != 0 else { return nil }
        for i in frontends[fe].rules {
            let r = lbRules[i]
            if r.protocols == 3 && r.frontendPort == 0 { return i }
            if r.protocols & bit != 0 && r.frontendPort == f.dstPort { return i }
        }
        return nil
    }
}
