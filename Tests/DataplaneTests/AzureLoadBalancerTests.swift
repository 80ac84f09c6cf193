import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import XCTest

/// Azure Load Balancer and LoadBalancer Services (azure-networking.md §3.4). The default cluster
/// with outboundType loadBalancer and no UDR, so replies leave symmetrically through the LB.
final class AzureLoadBalancerTests: XCTestCase {
    typealias F = AzureFixture
    let client = "198.51.100.7"

    func net(_ edit: (inout Cluster) -> Void = { _ in }) -> AzureNetwork {
        var c = F.defaultCluster()
        c.settings.outboundType = .loadBalancer
        c.settings.loadBalancerOutboundIPs = [ip("20.62.40.1")]
        c.routeTables = []
        c.virtualNetworks[0].subnets[0].routeTable = nil
        edit(&c)
        return AzureNetwork.compiled(c)
    }

    func testInternetToFrontendFloatingIPKeepsDestination() {
        let c = net().send(client, "20.62.20.30", 80)
        XCTAssertAllow(c, rule: "aks-agentpool-nsg/k8s-azure-lb_allow_frontend_80")
        XCTAssertEqual(c.flow.dst, ip("20.62.20.30"))
        XCTAssertEqual(c.flow.dstPort, 80)
        XCTAssertEqual(c.flow.src, ip(client), "the LB does not SNAT inbound")
        XCTAssertTrue((0...2).contains(c.landed))
        XCTAssertEqual(c.hops.map(\.stage), [.loadBalancer, .nsg])
    }

    func testBackendChoiceIsDeterministicAndSpreads() {
        let n = net()
        var seen = Set<Int32>()
        for port in UInt16(40000)..<40064 {
            let a = n.send(.tcp, client, port, "20.62.20.30", 80)
            let b = n.send(.tcp, client, port, "20.62.20.30", 80)
            XCTAssertEqual(a.landed, b.landed)
            seen.insert(a.landed)
        }
        XCTAssertEqual(seen, [0, 1, 2], "externalTrafficPolicy Cluster: every Ready node passes the TCP probe")
    }

    // learn.microsoft.com/azure/load-balancer/distribution-mode-concepts: SourceIP hashes
    // (source IP, destination IP), SourceIPProtocol adds the protocol; ports never count.
    func testSourceIPDistributionKeepsAClientOnOneBackend() {
        let n = net { c in c.loadBalancers[0].rules[0].loadDistribution = "SourceIP" }
        for client in ["198.51.100.7", "198.51.100.8", "203.0.113.9"] {
            let first = n.send(.tcp, client, 40000, "20.62.20.30", 80).landed
            for port in UInt16(40001)..<40032 {
                XCTAssertEqual(n.send(.tcp, client, port, "20.62.20.30", 80).landed, first, "\(client):\(port)")
            }
        }
        // Different clients still spread over the pool (2-tuple hash, not a constant).
        var seen = Set<Int32>()
        for last in 1...64 { seen.insert(n.send(.tcp, "198.51.100.\(last)", 40000, "20.62.20.30", 80).landed) }
        XCTAssertEqual(seen, [0, 1, 2])
    }

    func testSourceIPProtocolDistributionIgnoresPorts() {
        let n = net { c in c.loadBalancers[0].rules[0].loadDistribution = "SourceIPProtocol" }
        let first = n.send(.tcp, client, 40000, "20.62.20.30", 80).landed
        for port in UInt16(40001)..<40032 {
            XCTAssertEqual(n.send(.tcp, client, port, "20.62.20.30", 80).landed, first)
        }
    }

    func testDefaultDistributionUsesPorts() {
        // The same client on different source ports reaches more than one node (5-tuple).
        let n = net()
        var seen = Set<Int32>()
        for port in UInt16(40000)..<40032 { seen.insert(n.send(.tcp, client, port, "20.62.20.30", 80).landed) }
        XCTAssertGreaterThan(seen.count, 1)
    }

    func testExternalTrafficPolicyLocalOnlyNodesWithLocalEndpoint() {
        let n = net()
        for port in UInt16(41000)..<41032 {
            XCTAssertAllow(n.send(.tcp, client, port, "20.62.20.40", 443), rule: "aks-agentpool-nsg/k8s-azure-lb_allow_nginx", landed: 0)
        }
    }

    func testLocalPolicyWithoutReadyEndpointDropsAtLoadBalancer() {
        let n = net { c in c.endpointSlices[1].endpoints[0].ready = false }
        let c = n.send(client, "20.62.20.40", 443)
        XCTAssertDrop(c, .loadBalancer, "kubernetes/nginx-TCP-443")
        XCTAssertTrue(c.hops.last?.detail.contains("no healthy backend") ?? false)
        XCTAssertTrue(c.hops.last?.detail.contains("/healthz") ?? false)
    }

    func testNoRuleForPort() {
        XCTAssertDrop(net().send(client, "20.62.20.30", 8080), .loadBalancer, "kubernetes/no-matching-rule")
    }

    func testUDPDoesNotMatchTCPRule() {
        XCTAssertDrop(net().send(.udp, client, 5000, "20.62.20.30", 80), .loadBalancer, "kubernetes/no-matching-rule")
    }

    // HA ports (protocol All, port 0) carry every TCP and UDP port, but load-balancing rules never
    // carry ICMP or other IP protocols (load-balancer overview, limitations).
    func testHAPortsRuleCarriesTCPAndUDPButNotICMP() {
        let n = net { c in
            c.loadBalancers[0].rules[0].proto = "All"
            c.loadBalancers[0].rules[0].frontendPort = 0
            c.loadBalancers[0].rules[0].backendPort = 0
        }
        let fe = "20.62.20.30"
        XCTAssertEqual(n.send(.tcp, client, 5000, fe, 8080).hops.first?.rule, "kubernetes/frontend-TCP-80")
        XCTAssertEqual(n.send(.udp, client, 5000, fe, 53).hops.first?.rule, "kubernetes/frontend-TCP-80")
        XCTAssertDrop(n.send(.icmp, client, 7, fe, 7), .loadBalancer, "kubernetes/no-matching-rule")
    }

    // HA ports without floating IP: the backend is the node address, the destination port stays.
    func testHAPortsWithoutFloatingIPKeepsTheDestinationPort() {
        let n = net { c in
            c.loadBalancers[0].rules[0].proto = "All"
            c.loadBalancers[0].rules[0].frontendPort = 0
            c.loadBalancers[0].rules[0].backendPort = 0
            c.loadBalancers[0].rules[0].enableFloatingIP = false
        }
        let c = n.send(.udp, client, 5000, "20.62.20.30", 4789)
        XCTAssertEqual(c.flow.dstPort, 4789)
        XCTAssertTrue(["10.224.0.4", "10.224.0.5", "10.224.0.6"].map(ip).contains(c.flow.dst))
    }

    // A backend pool by IP address holding a VM that is not a node (an NVA, a VM pool): the LB
    // forwards to it and its subnet/NIC NSGs decide, instead of "empty backend pool".
    func testBackendPoolAddressOfAVMNotANode() {
        let n = net { c in
            var vm = NetworkInterface()
            vm.name = "nva"
            vm.ipAddresses = [ip("10.224.0.90")]
            vm.subnet = "aks-vnet/aks-subnet"
            c.networkInterfaces.append(vm)
            var pool = BackendPool()
            pool.name = "vms"
            pool.addresses = [ip("10.224.0.90")]
            c.loadBalancers[0].backendPools.append(pool)
            c.loadBalancers[0].rules[0].backendPool = "vms"
        }
        let c = n.send(client, "20.62.20.30", 80)
        XCTAssertAllow(c, rule: "aks-agentpool-nsg/k8s-azure-lb_allow_frontend_80", landed: -1)
        XCTAssertTrue(c.hops.first?.detail.contains("backend VM 10.224.0.90") ?? false, "\(c.hops)")
        XCTAssertEqual(c.hops.map(\.stage), [.loadBalancer, .nsg])
    }

    func testNotReadyNodeGetsNoFlows() {
        let n = net { c in c.nodes[1].ready = false }
        for port in UInt16(42000)..<42032 { XCTAssertNotEqual(n.send(.tcp, client, port, "20.62.20.30", 80).landed, 1) }
    }

    func testNSGDenyingProbesTakesBackendsOut() {
        // §1.4/§7.6: probes from 168.63.129.16 are filtered by the NSG in front of the node.
        let n = net { c in
            c.networkSecurityGroups[0].rules.append(F.nsgRule("deny-vnet-in", 400, .Inbound, .Deny, proto: .any, src: [.serviceTag("VirtualNetwork")]))
        }
        let c = n.send(client, "20.62.20.30", 80)
        XCTAssertDrop(c, .loadBalancer, "kubernetes/frontend-TCP-80")
        XCTAssertTrue(c.hops.last?.detail.contains("aks-agentpool-nsg/deny-vnet-in") ?? false, "\(c.hops)")
    }

    func testProbeFlowAllowedByAllowVnetInBound() {
        XCTAssertAllow(net().send("168.63.129.16", "10.224.0.5", 30080), rule: "aks-agentpool-nsg/AllowVnetInBound", landed: 1)
    }

    func testWithoutAKSNSGRuleInternetTrafficIsDenied() {
        // Standard LB is closed by default: the NSG must allow the flow (§3.4).
        let n = net { c in c.networkSecurityGroups[0].rules = [] }
        XCTAssertDrop(n.send(client, "20.62.20.30", 80), .nsg, "aks-agentpool-nsg/DenyAllInBound")
    }

    func testLoadBalancerSourceRangesAsNSGRule() {
        let n = net { c in
            c.networkSecurityGroups[0].rules[0].sourceAddresses = [.prefix(cidr("203.0.113.0/24"))]
        }
        XCTAssertAllow(n.send("203.0.113.8", "20.62.20.30", 80), rule: "aks-agentpool-nsg/k8s-azure-lb_allow_frontend_80")
        XCTAssertDrop(n.send(client, "20.62.20.30", 80), .nsg, "aks-agentpool-nsg/DenyAllInBound")
    }

    func testFloatingIPDisabledTargetsNodePort() {
        let n = net { c in
            c.loadBalancers[0].rules[0].enableFloatingIP = false
            c.loadBalancers[0].rules[0].backendPort = 30080
            c.networkSecurityGroups[0].rules.append(F.nsgRule("allow-nodeport", 502, src: [.serviceTag("Internet")], dstPorts: [PortRange(single: 30080)]))
        }
        let c = n.send(client, "20.62.20.30", 80)
        XCTAssertAllow(c, rule: "aks-agentpool-nsg/allow-nodeport")
        XCTAssertEqual(c.flow.dstPort, 30080)
        XCTAssertEqual(c.flow.dst, ip("10.224.0.\(4 + Int(c.landed))"))
    }

    func testSynthesizedLoadBalancerFromServices() {
        let n = net { c in c.loadBalancers = [] }
        XCTAssertAllow(n.send(client, "20.62.20.30", 80), rule: "aks-agentpool-nsg/k8s-azure-lb_allow_frontend_80")
        XCTAssertAllow(n.send(client, "20.62.20.40", 80), landed: 0)
    }

    func testNodeInstancePublicIP() {
        // §1.1: inbound NSG rules see the private IP; the instance IP wins over the LB outbound rule.
        let n = net { c in
            c.nodes[2].externalIPs = [ip("20.62.70.6")]
            c.networkSecurityGroups[0].rules.append(AzureFixture.nsgRule("allow-ssh-node2", 600, src: [.prefix(cidr("203.0.113.0/24"))],
                                                                        dst: [.prefix(cidr("10.224.0.6/32"))], dstPorts: [PortRange(single: 22)]))
        }
        let ssh = n.send("203.0.113.5", "20.62.70.6", 22)
        XCTAssertAllow(ssh, rule: "aks-agentpool-nsg/allow-ssh-node2", landed: 2)
        XCTAssertEqual(ssh.flow.dst, ip("10.224.0.6"))
        XCTAssertDrop(n.send("198.51.100.7", "20.62.70.6", 22), .nsg, "aks-agentpool-nsg/DenyAllInBound")
        XCTAssertEqual(n.send("10.224.0.6", "93.184.215.14", 443).flow.src, ip("20.62.70.6"))
        XCTAssertEqual(n.send("10.224.0.31", "93.184.215.14", 443).flow.src, ip("20.62.70.6"), "a pod leaves through its node")
        XCTAssertEqual(n.send("10.224.0.5", "93.184.215.14", 443).flow.src, ip("20.62.40.1"))
        XCTAssertEqual(n.classify(ip("20.62.70.6")), .nodePublicIP(2))
    }

    func testNodeEgressUsesLoadBalancerOutboundIP() {
        let c = net().send("10.224.0.30", "93.184.215.14", 443)
        XCTAssertAllow(c, rule: "aks-agentpool-nsg/AllowInternetOutBound")
        XCTAssertEqual(c.flow.src, ip("20.62.40.1"))
    }

    // §3.2: with the UDR through the firewall a public LB service breaks (asymmetric routing).
    func testUDRClusterPublicLBIsAsymmetric() {
        let c = AzureNetwork.compiled(F.defaultCluster()).send(client, "20.62.20.30", 80)
        XCTAssertDrop(c, .firewall, "route:0.0.0.0/0->VirtualAppliance")
        XCTAssertTrue(c.hops.last?.detail.contains("asymmetric routing") ?? false)
    }

    // §3.2 recipe: inbound through a firewall DNAT rule to an internal LB frontend stays symmetric.
    func testFirewallDNATToInternalLoadBalancer() {
        var c = F.defaultCluster()
        var svc = F.lbService("shop", "frontend-internal", lbIP: "10.224.0.100", ports: [(80, 30090)], local: false)
        svc.annotations["service.beta.kubernetes.io/azure-load-balancer-internal"] = "true"
        c.services.append(svc)
        var r = F.fwRule("web", .dnat, dst: ["20.62.10.4"], ports: [PortRange(single: 80)])
        r.translatedAddress = ip("10.224.0.100")
        r.translatedPort = 80
        c.firewallPolicies[0].ruleCollectionGroups.append(F.group("inbound", 100, [F.collection("dnat", 100, .dnat, .DNAT, [r])]))
        let out = AzureNetwork.compiled(c).send(client, "20.62.10.4", 80)
        XCTAssertAllow(out)
        XCTAssertTrue((0...2).contains(out.landed))
        XCTAssertEqual(out.flow.dst, ip("10.224.0.100"))
        XCTAssertEqual(out.flow.src, ip("10.225.0.4"))
    }
}
