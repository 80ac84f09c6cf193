import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import XCTest

/// End-to-end legs on the default cluster (briefs/addresses.md): east-west, DNS, Internet edges.
final class AzureDefaultClusterTests: XCTestCase {
    let n = AzureNetwork.compiled(AzureFixture.defaultCluster())

    func testPodToPodAcrossNodesStaysInTheVNet() {
        let c = n.send("10.224.0.20", "10.224.0.30", 8080)
        XCTAssertAllow(c, rule: "aks-agentpool-nsg/AllowVnetInBound", landed: 1)
        XCTAssertEqual(c.flow.src, ip("10.224.0.20"), "flat Azure CNI keeps the pod IP inside the VNet")
        XCTAssertFalse(c.hops.contains { $0.stage == .firewall })
    }

    func testDNSToCoreDNSPod() {
        XCTAssertAllow(n.send(.udp, "10.224.0.4", 53000, "10.224.0.41", 53), landed: 2)
    }

    func testServiceCIDROutsideTheVNetIsDroppedIfItEverLeavesTheNode() {
        XCTAssertDrop(n.send("10.224.0.20", "10.0.120.10", 80), .route, "route:10.0.0.0/8->None")
    }

    func testInternetToNodePrivateIPHasNoRoute() {
        XCTAssertDrop(n.send("198.51.100.7", "10.224.0.4", 22), .route, "route:10.0.0.0/8->None")
    }

    func testInternetToUnknownPublicAddressIsNotOurs() {
        XCTAssertAllow(n.send("198.51.100.7", "93.184.215.14", 443), landed: -1)
    }

    func testNoRuleToFirewallPublicIP() {
        XCTAssertDrop(n.send("192.0.2.99", "20.62.10.4", 443), .firewall, "default-deny")
    }

    func testFirewallItselfIsReachable() {
        XCTAssertAllow(n.send(.udp, "10.224.0.4", 53001, "10.225.0.4", 53), landed: -1)
    }

    /// The leg's trail names every rule that allowed or translated the packet, in walk order
    /// (recorder off, as on the replay path), the reported rule among them.
    func testLegRuleTrailListsEveryAllowInWalkOrder() {
        // The embedded default cluster (the bundled sample's): firewall DNAT 20.62.10.4:443 →
        // internal LB 10.224.0.100 → node 0, through the subnet NSG.
        let n = AzureNetwork.compiled(ClusterLoader.loadDefault())
        let ingress = n.send("198.51.100.7", "20.62.10.4", 443, sni: "shop.contoso.com", trace: false)
        XCTAssertEqual(ingress.verdict, .allow)
        XCTAssertEqual(ingress.result.rules.all.map(n.ruleName), [
            "aks-ingress/shop-dnat/shop-https",
            "kubernetes-internal/a7b6c5d4e3f2410a9b8c7d6e5f4a3b21-TCP-443",
            "aks-agentpool-nsg/k8s-azure-lb_allow_nginx",
        ])
        XCTAssertEqual(n.ruleName(ingress.result.rule), "aks-agentpool-nsg/k8s-azure-lb_allow_nginx")
        let east = n.send("10.224.0.20", "10.224.0.30", 8080, trace: false)
        XCTAssertEqual(east.result.rules.all.map(n.ruleName),
                       ["aks-agentpool-nsg/AllowVnetOutBound", "aks-agentpool-nsg/AllowVnetInBound"])
        // A drop keeps the allows before it; the deny is the result's rule, not in the trail.
        let denied = n.send("10.224.0.21", "93.184.215.14", 443, sni: "www.example.com", trace: false)
        XCTAssertEqual(denied.verdict, .drop)
        XCTAssertEqual(n.ruleName(denied.result.rule), "default-deny")
        XCTAssertEqual(denied.result.rules.all.map(n.ruleName), ["aks-agentpool-nsg/AllowVnetOutBound"])
    }

    func testCompileHasNoDiagnostics() {
        XCTAssertEqual(n.diagnostics.map(\.description), [])
    }

    func testMissingNSGReferenceIsDiagnosed() {
        var c = AzureFixture.defaultCluster()
        c.virtualNetworks[0].subnets[0].networkSecurityGroup = "nope"
        let net = AzureNetwork.compiled(c)
        XCTAssertTrue(net.diagnostics.contains { $0.message.contains("'nope'") })
        // No NSG at that level = that level allows everything (§1.2 rule 3).
        XCTAssertAllow(net.send("10.224.0.20", "10.224.0.30", 9999), landed: 1)
    }
}
