import ClusterModel
import NetworkAddress

/// Where an address sits in the simulated topology (issue 4 item 2).
public enum PlaceKind: UInt8, Sendable, CustomStringConvertible {
    case pod, node, serviceVIP, firewall, apiServer, vnetHost, internet
    public var description: String {
        switch self {
        case .pod: return "pod"
        case .node: return "node"
        case .serviceVIP: return "service address"
        case .firewall: return "Azure Firewall"
        case .apiServer: return "API server"
        case .vnetHost: return "VNet host"
        case .internet: return "Internet"
        }
    }
}

/// A classified address: the kind plus the pod or node index when it is one.
public struct Place: Sendable, Equatable {
    public var kind: PlaceKind
    /// Pod index for `.pod`, node index for `.node`, -1 otherwise.
    public var index: Int32
    /// The node a pod runs on (a node: itself), -1 otherwise or when unknown.
    public var node: Int32
    /// A pod's namespace index, -1 otherwise.
    public var namespace: Int32
    public init(kind: PlaceKind, index: Int32 = -1, node: Int32 = -1, namespace: Int32 = -1) {
        self.kind = kind
        self.index = index
        self.node = node
        self.namespace = namespace
    }
}

/// The compiled address plan: pods, nodes, namespaces and the non-Kubernetes endpoints, with
/// address → object tables for placement. Built once per compile.
public struct Topology: Sendable {
    public struct PodInfo: Sendable {
        public var node: Int32
        public var namespace: Int32
        public var hostNetwork: Bool
    }
    public struct NodeInfo: Sendable {
        /// First InternalIP of each family: the masquerade source (iptables MASQUERADE picks the
        /// outgoing interface's primary address, which on AKS is the first InternalIP).
        public var ipv4: IPAddress?
        public var ipv6: IPAddress?
    }

    public var pods: [PodInfo] = []
    public var nodes: [NodeInfo] = []
    public var podNames: [String] = []
    public var nodeNames: [String] = []
    public var namespaceNames: [String] = []
    public var podByIP = LookupTable<IPAddress>(capacity: 16)
    public var nodeByIP = LookupTable<IPAddress>(capacity: 16)
    /// Pod network for kube-proxy's local-traffic detection and overlay masquerade: the pod
    /// CIDRs of the cluster and of each node (kubenet / overlay); empty with flat Azure CNI.
    public var podCIDRs: [IPPrefix] = []
    /// VNet address spaces and their peerings (placement: a "VNet host").
    public var vnetPrefixes: [IPPrefix] = []
    /// The address spaces of the cluster's own VNet (the VNets holding node addresses; every
    /// modelled VNet when no node address falls in one): with flat Azure CNI, ip-masq-agent leaves
    /// traffic to them un-NATed and masquerades everything else, peered VNets and on-premises
    /// included (AKS's nonMasqueradeCIDRs = the cluster VNet CIDR; azure-cni-overview: "Systems in
    /// the same virtual network as the AKS cluster see the pod IP as the source address for any
    /// traffic from the pod. Systems outside the AKS cluster virtual network see the node IP").
    public var clusterVNetPrefixes: [IPPrefix] = []
    public var firewallIPs: [IPAddress] = []
    public var apiServerIPs: [IPAddress] = []

    public init() {}

    public init(_ cluster: Cluster) {
        var nsIndex: [String: Int32] = [:]
        for ns in cluster.namespaces where nsIndex[ns.name] == nil {
            nsIndex[ns.name] = Int32(namespaceNames.count)
            namespaceNames.append(ns.name)
        }
        func namespace(_ name: String) -> Int32 {
            if let i = nsIndex[name] { return i }
            let i = Int32(namespaceNames.count)
            nsIndex[name] = i
            namespaceNames.append(name)
            return i
        }
        var nodeIndex: [String: Int32] = [:]
        nodeByIP = LookupTable(capacity: cluster.nodes.count * 2 + 8)
        for (i, n) in cluster.nodes.enumerated() {
            nodeIndex[n.name] = Int32(i)
            nodeNames.append(n.name)
            nodes.append(NodeInfo(ipv4: n.internalIPs.first(where: \.isIPv4), ipv6: n.internalIPs.first(where: { !$0.isIPv4 })))
            for a in n.internalIPs + n.externalIPs { nodeByIP.insert(a, Int32(i)) }
            podCIDRs += n.podCIDRs
        }
        podByIP = LookupTable(capacity: cluster.pods.count + 8)
        for (i, p) in cluster.pods.enumerated() {
            let node = nodeIndex[p.nodeName] ?? -1
            pods.append(PodInfo(node: node, namespace: namespace(p.namespace), hostNetwork: p.hostNetwork))
            podNames.append(p.qualifiedName)
            // hostNetwork pods share the node's address: traffic from them is node traffic.
            // The pod's node and namespace ride along with its address (one cache line per lookup).
            let aux = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(UInt32(bitPattern: pods[i].namespace))
            if !p.hostNetwork { for a in p.ips { podByIP.insert(a, Int32(i), aux: aux) } }
        }
        // Per-node pod CIDRs inside a cluster pod CIDR add nothing to the detect-local test.
        let clusterCIDRs = cluster.settings.podCIDRs
        podCIDRs = clusterCIDRs + podCIDRs.filter { n in !clusterCIDRs.contains(where: { $0.contains(n) }) }
        let nodeAddresses = cluster.nodes.flatMap(\.internalIPs)
        for v in cluster.virtualNetworks {
            vnetPrefixes += v.addressSpaces
            for peer in v.peerings { vnetPrefixes += peer.remoteAddressSpaces }
            if v.addressSpaces.contains(where: { p in nodeAddresses.contains(where: { p.contains($0) }) }) {
                clusterVNetPrefixes += v.addressSpaces
            }
        }
        if clusterVNetPrefixes.isEmpty { clusterVNetPrefixes = cluster.virtualNetworks.flatMap(\.addressSpaces) }
        for f in cluster.firewalls { firewallIPs.append(f.privateIP); firewallIPs += f.publicIPs }
        if let a = cluster.settings.apiServer.publicIP { apiServerIPs.append(a) }
        if let a = cluster.settings.apiServer.privateIP { apiServerIPs.append(a) }
    }

    public func pod(_ ip: IPAddress) -> Int32 { podByIP.find(ip) }
    public func node(_ ip: IPAddress) -> Int32 { nodeByIP.find(ip) }

    /// True for addresses in the pod network (kube-proxy's detect-local by cluster CIDR; with
    /// flat Azure CNI, where pods have no separate CIDR, a known pod address).
    public func isPodNetwork(_ ip: IPAddress) -> Bool {
        if podByIP.find(ip) >= 0 { return true }
        for p in podCIDRs where p.contains(ip) { return true }
        return false
    }

    public func inVNet(_ ip: IPAddress) -> Bool {
        for p in vnetPrefixes where p.contains(ip) { return true }
        return false
    }

    /// Inside the cluster's own VNet (not a peering): flat Azure CNI's ip-masq-agent exemption.
    public func inClusterVNet(_ ip: IPAddress) -> Bool {
        for p in clusterVNetPrefixes where p.contains(ip) { return true }
        return false
    }

    /// Classifies an address that is not a Service front door (those are looked up first).
    public func place(_ ip: IPAddress) -> Place {
        let (p, aux) = podByIP.findEntry(ip)
        if p >= 0 {
            return Place(kind: .pod, index: p, node: Int32(bitPattern: UInt32(truncatingIfNeeded: aux >> 32)),
                         namespace: Int32(bitPattern: UInt32(truncatingIfNeeded: aux)))
        }
        let n = nodeByIP.find(ip)
        if n >= 0 { return Place(kind: .node, index: n, node: n) }
        for a in firewallIPs where a == ip { return Place(kind: .firewall) }
        for a in apiServerIPs where a == ip { return Place(kind: .apiServer) }
        if inVNet(ip) { return Place(kind: .vnetHost) }
        for p in podCIDRs where p.contains(ip) { return Place(kind: .vnetHost) }
        return Place(kind: .internet)
    }

    /// The node's own address of the packet's family (masquerade source).
    public func nodeAddress(_ node: Int32, family ip: IPAddress) -> IPAddress? {
        guard node >= 0, Int(node) < nodes.count else { return nil }
        return ip.isIPv4 ? nodes[Int(node)].ipv4 : nodes[Int(node)].ipv6
    }

    public func describe(_ ip: IPAddress) -> String {
        let p = place(ip)
        switch p.kind {
        case .pod:
            let node = pods[Int(p.index)].node
            return "pod \(podNames[Int(p.index)])" + (node >= 0 ? " on node \(nodeNames[Int(node)])" : "")
        case .node: return "node \(nodeNames[Int(p.index)])"
        default: return p.kind.description
        }
    }
}
