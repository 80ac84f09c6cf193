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
