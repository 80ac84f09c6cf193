import ClusterModel
import Dataplane
import NetworkAddress
import Testing

// Whole paths as `akssim trace` reports them: the stages compose in AKS's order with the right
// addresses at each hop (azure-networking.md §3.1, §4). Small clusters written inline.

@Suite struct PathCompositionTests {
    /// Flat Azure CNI, a peered hub VNet, NIC NSG and subnet NSG on the nodes.
    static let flat = """
    name: flat
    settings:
      networkPlugin: azure
      networkPolicy: azure
      serviceCIDRs: [10.0.0.0/16]
      outboundType: loadBalancer
      loadBalancerOutboundIPs: [20.1.1.1]
    vnets:
      - name: vnet
        addressSpaces: [10.224.0.0/16]
        peerings: [{name: hub, remoteAddressSpaces: [10.100.0.0/16]}]
        subnets:
          - {name: nodes, prefix: 10.224.0.0/24, nsg: subnet-nsg}
          - {name: vms, prefix: 10.224.5.0/24}
    networkInterfaces:
      - {name: vm1, ip: 10.224.5.10, subnet: vnet/vms}
    nodes:
      - {name: n0, ip: 10.224.0.4, subnet: vnet/nodes, nsg: nic-nsg}
      - {name: n1, ip: 10.224.0.5, subnet: vnet/nodes, nsg: nic-nsg}
    namespaces: [default]
    pods:
      - {name: a, namespace: default, node: n0, ip: 10.224.0.20, labels: {app: a}}
      - {name: b, namespace: default, node: n1, ip: 10.224.0.30, labels: {app: b}}
    nsgs:
      - name: nic-nsg
        rules:
          - {name: nic-deny-out-9999, priority: 100, direction: Outbound, access: Deny, protocol: Tcp, source: "*", destination: "*", destinationPorts: "9999"}
          - {name: nic-deny-in-7777, priority: 300, direction: Inbound, access: Deny, protocol: Tcp, source: "*", destination: "*", destinationPorts: "7777"}
      - name: subnet-nsg
        rules:
          - {name: sub-allow-out-9999, priority: 100, direction: Outbound, access: Allow, protocol: Tcp, source: "*", destination: "*", destinationPorts: "9999"}
          - {name: sub-deny-nodesrc, priority: 120, direction: Outbound, access: Deny, protocol: Tcp, source: 10.224.0.4, destination: "*", destinationPorts: "5555"}
          - {name: sub-allow-in-7777, priority: 300, direction: Inbound, access: Allow, protocol: Tcp, source: "*", destination: "*", destinationPorts: "7777"}
    publicIPs: [{name: out, ip: 20.1.1.1}]
    loadBalancers:
      - name: kubernetes
        frontends: [{name: out, ip: 20.1.1.1, publicIP: out}]
        backendPools: [{name: kubernetes, nodes: [n0, n1]}]
        outboundRules: [{name: out, frontends: [out], backendPool: kubernetes, protocol: All}]
    """

    /// Azure CNI Overlay with a jumpbox VM in the VNet and a peered hub.
    static let overlay = """
    name: overlay
    settings:
      networkPlugin: azure
      networkPluginMode: overlay
      networkPolicy: azure
      podCIDRs: [192.168.0.0/16]
      serviceCIDRs: [172.20.0.0/16]
      dnsServiceIP: 172.20.0.10
      outboundType: loadBalancer
    vnets:
      - name: vnet
        addressSpaces: [10.40.0.0/16]
        peerings: [{name: hub, remoteAddressSpaces: [10.0.0.0/22]}]
        subnets:
          - {name: nodes, prefix: 10.40.1.0/24}
          - {name: jumpbox, prefix: 10.40.9.0/27}
    networkInterfaces:
      - {name: jumpbox-nic, ip: 10.40.9.4, subnet: vnet/jumpbox}
    nodes:
      - {name: n0, ip: 10.40.1.4, subnet: vnet/nodes, podCIDRs: [192.168.0.0/24]}
      - {name: n1, ip: 10.40.1.5, subnet: vnet/nodes, podCIDRs: [192.168.1.0/24]}
    namespaces: [default]
    pods:
      - {name: a, namespace: default, node: n0, ip: 192.168.0.21, labels: {app: a}}
      - {name: b, namespace: default, node: n1, ip: 192.168.1.14, labels: {app: b}}
    """

    static func pipeline(_ yaml: String) throws -> Pipeline {
        Pipeline(cluster: try ClusterLoader.load(yaml: yaml, file: "inline.yaml"))
    }

    static func summary(_ t: Trace) -> Comment {
        Comment(rawValue: t.hops.map { "\($0.stage) \($0.result) \($0.rule ?? "-") \($0.detail)" }.joined(separator: "\n"))
    }

    /// azure-cni-overview: "Systems outside the AKS cluster virtual network see the node IP as the
    /// source address for any traffic from the pod" — a peered VNet is outside it (ip-masq-agent's
    /// nonMasqueradeCIDRs = the cluster VNet CIDR), so the subnet NSG judges the node address.
    @Test func flatCNIPodToPeeredVNetIsMasqueradedBeforeTheNSG() throws {
        let p = try Self.pipeline(Self.flat)
        let t = p.t("10.224.0.20", "10.100.0.9", 5555)
        #expect(t.hops.contains { $0.stage == .snat && $0.rule == "snat:node-masquerade" }, Self.summary(t))
        #expect(t.verdict == .drop && t.rule == "subnet-nsg/sub-deny-nodesrc", Self.summary(t))
        #expect(t.hops.contains { $0.stage == .snat && $0.detail.hasPrefix("10.224.0.20 → 10.224.0.4") }, Self.summary(t))
        // The same pod to a VM of its own VNet keeps its pod address.
        let v = p.t("10.224.0.20", "10.224.5.10", 5555)
        #expect(v.verdict == .allow && v.source?.ip == addr("10.224.0.20"), Self.summary(v))
        #expect(!v.hops.contains { $0.stage == .snat }, Self.summary(v))
    }

    /// §1.2: outbound NIC NSG first (its deny wins over the subnet's allow); inbound subnet NSG
    /// first, then the NIC NSG (the NIC's deny still drops after the subnet's allow).
    @Test func nsgOrderNICThenSubnetOutboundSubnetThenNICInbound() throws {
        let p = try Self.pipeline(Self.flat)
        let out = p.t("10.224.0.20", "10.224.0.30", 9999)
        #expect(out.verdict == .drop && out.rule == "nic-nsg/nic-deny-out-9999", Self.summary(out))
        let inb = p.t("10.224.0.20", "10.224.0.30", 7777)
        #expect(inb.verdict == .drop && inb.rule == "nic-nsg/nic-deny-in-7777", Self.summary(inb))
        let nsgHops = inb.hops.filter { $0.stage == .nsg }.map { $0.rule ?? "" }
        #expect(nsgHops == ["nic-nsg/AllowVnetOutBound", "subnet-nsg/AllowVnetOutBound",
                            "subnet-nsg/sub-allow-in-7777", "nic-nsg/nic-deny-in-7777"], Self.summary(inb))
    }

    /// concepts-network-azure-cni-overlay: "Endpoints outside the cluster can't connect to a pod
    /// directly" — a VM in the VNet routes the overlay address like any other (192.168.0.0/16 → None).
    @Test func overlayPodIsUnreachableFromAVNetVM() throws {
        let p = try Self.pipeline(Self.overlay)
        let t = p.t("10.40.9.4", "192.168.0.21", 9090)
        #expect(t.verdict == .drop && t.stage == .route && t.rule == "route:192.168.0.0/16->None", Self.summary(t))
        #expect(t.delivered == nil)
    }

    /// Nor from a peered VNet: the overlay pod CIDR is not part of the VNet the peering advertises.
    @Test func overlayPodIsUnreachableFromAPeeredVNet() throws {
        let p = try Self.pipeline(Self.overlay)
        let t = p.t("10.0.1.5", "192.168.1.14", 9090)
        #expect(t.verdict == .drop && t.stage == .route && t.rule == "route:192.168.0.0/16->None", Self.summary(t))
    }

    /// Nodes are in the overlay: a node reaches a pod on another node (and the pod sees the node).
    @Test func overlayPodIsReachableFromAnotherNode() throws {
        let p = try Self.pipeline(Self.overlay)
        let t = p.t("10.40.1.4", "192.168.1.14", 9090)
        #expect(t.verdict == .allow && t.delivered?.ip == addr("192.168.1.14"), Self.summary(t))
        #expect(t.source?.ip == addr("10.40.1.4"), Self.summary(t))
    }

    /// The default cluster's ingress path seen on the receiving node: the firewall's DNAT output
    /// (source = the firewall's private IP, §2.3) to the internal LB. Its replies go straight back
    /// to the firewall that holds the session — symmetric, not the asymmetric-routing drop.
    @Test func firewallDNATOutputSeenOnTheNodeIsNotAsymmetric() {
        let p = Pipeline(cluster: ClusterLoader.loadDefault())
        let t = p.t("10.225.0.4", "10.224.0.100", 443)
        #expect(t.verdict == .allow && t.delivered == IPPort(ip: addr("10.224.0.50"), port: 443), Self.summary(t))
        #expect(t.source?.ip == addr("10.225.0.4"), Self.summary(t))
        // Still dropped: a request that bypassed the firewall whose reply a 0.0.0.0/0 UDR sends into it.
        let lb = p.t("198.51.100.7", "20.62.20.30", 80)
        #expect(lb.verdict == .drop && lb.stage == .firewall && lb.rule == "route:0.0.0.0/0->VirtualAppliance", Self.summary(lb))
        // The firewall's own Internet traffic leaves through its public IP.
        let out = p.t("10.225.0.4", "93.184.216.34", 443)
        #expect(out.verdict == .allow && out.source?.ip == addr("20.62.10.4"), Self.summary(out))
    }

    /// Overlay + an eTP Cluster LoadBalancer Service whose only endpoint is on n1.
    static func lbCluster(dataplane: String) -> String {
        overlay.replacingOccurrences(of: "  networkPolicy: azure\n", with: "  networkPolicy: cilium\n  networkDataplane: \(dataplane)\n") + """

        services:
          - {name: b, namespace: default, type: LoadBalancer, clusterIP: 172.20.1.3, selector: {app: b},
             ports: [{port: 80, targetPort: 8080, nodePort: 30080}], loadBalancerIngressIPs: [20.1.2.3]}
        publicIPs: [{name: b, ip: 20.1.2.3}]
        loadBalancers:
          - name: kubernetes
            frontends: [{name: b, ip: 20.1.2.3, publicIP: b}]
            backendPools: [{name: kubernetes, nodes: [n0, n1]}]
            probes: [{name: b, protocol: Tcp, port: 30080}]
            rules: [{name: b-TCP-80, frontend: b, backendPool: kubernetes, probe: b, protocol: Tcp, frontendPort: 80, backendPort: 80}]
        """
    }

    /// eTP Cluster: kube-proxy masquerades external traffic to the node address wherever the
    /// endpoint is; Cilium's kube-proxy replacement SNATs only toward a remote backend, so a local
    /// backend sees the client (the LB landing on n1 is pinned with --node).
    @Test(arguments: ["azure", "cilium"])
    func externalTrafficToALocalBackend(dataplane: String) throws {
        let p = try Self.pipeline(Self.lbCluster(dataplane: dataplane))
        let local = p.t("198.51.100.9", "20.1.2.3", 80, node: "n1")
        #expect(local.verdict == .allow && local.delivered?.ip == addr("192.168.1.14"), Self.summary(local))
        #expect(local.source?.ip == addr(dataplane == "cilium" ? "198.51.100.9" : "10.40.1.5"), Self.summary(local))
        // Landing on n0, the backend is remote: both SNAT to n0 and forward to n1.
        let remote = p.t("198.51.100.9", "20.1.2.3", 80, node: "n0")
        #expect(remote.verdict == .allow && remote.source?.ip == addr("10.40.1.4"), Self.summary(remote))
    }

    /// Azure CNI Pod Subnet: pod b takes its address from a dedicated pod subnet with its own NSG
    /// ("separate VNet policies for pods"); that NSG, not the node subnet's, filters b's traffic.
    @Test func podSubnetNSGFiltersPodTraffic() throws {
        let yaml = Self.flat
            .replacingOccurrences(of: "      - {name: vms, prefix: 10.224.5.0/24}",
                                  with: "      - {name: vms, prefix: 10.224.5.0/24}\n      - {name: pods, prefix: 10.224.8.0/24, nsg: pod-nsg}")
            .replacingOccurrences(of: "ip: 10.224.0.30", with: "ip: 10.224.8.30")
            .replacingOccurrences(of: "nsgs:\n", with: """
            nsgs:
              - name: pod-nsg
                rules:
                  - {name: pods-deny-vm, priority: 100, direction: Inbound, access: Deny, protocol: Tcp, source: 10.224.5.0/24, destination: "*", destinationPorts: "8080"}
                  - {name: pods-deny-out-4444, priority: 100, direction: Outbound, access: Deny, protocol: Tcp, source: "*", destination: "*", destinationPorts: "4444"}

            """)
        let p = try Self.pipeline(yaml)
        let inbound = p.t("10.224.5.10", "10.224.8.30", 8080)
        #expect(inbound.verdict == .drop && inbound.rule == "pod-nsg/pods-deny-vm", Self.summary(inbound))
        let outbound = p.t("10.224.8.30", "10.224.5.10", 4444)
        #expect(outbound.verdict == .drop && outbound.rule == "pod-nsg/pods-deny-out-4444", Self.summary(outbound))
        let fromNodeSubnet = p.t("10.224.0.20", "10.224.8.30", 8080)
        #expect(fromNodeSubnet.hops.filter { $0.stage == .nsg }.map { $0.rule ?? "" }
                == ["nic-nsg/AllowVnetOutBound", "subnet-nsg/AllowVnetOutBound", "pod-nsg/AllowVnetInBound", "nic-nsg/AllowVnetInBound"],
                Self.summary(fromNodeSubnet))
    }
}
