import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import XCTest

/// `check egress` logic (issue 5 item 8, azure-networking.md §3.3) on the default cluster.
final class AzureEgressCheckTests: XCTestCase {
    func testDefaultClusterPassesEveryRequiredFlow() {
        let c = AzureFixture.defaultCluster()
        let results = AKSEgressCheck.run(c, network: AzureNetwork.compiled(c))
        XCTAssertEqual(results.count, AKSRequiredEgress.requirements(c.settings).count * 2)
        for r in results { XCTAssertTrue(r.passed, "\(r.requirement.name) from \(r.origin): \(r.rule) \(r.hops)") }
        XCTAssertTrue(results.contains { $0.origin.hasPrefix("pod ") && $0.flow.src == ip("10.224.0.20") })
    }

    func testMissingFirewallRuleIsFoundAndNamed() {
        var c = AzureFixture.defaultCluster()
        // Drop the `time` network rule (UDP 123 → ntp.ubuntu.com).
        c.firewallPolicies[0].ruleCollectionGroups[0].collections[0].rules.removeAll { $0.name == "time" }
        let results = AKSEgressCheck.run(c, network: AzureNetwork.compiled(c))
        let failed = results.filter { !$0.passed }
        XCTAssertEqual(Set(failed.map(\.requirement.name)), ["ntp"])
        XCTAssertTrue(failed.allSatisfy { $0.result.stage == .firewall && $0.rule == "default-deny" })
    }

    func testPrivateClusterSkipsTunnelAndAPIRows() {
        var s = ClusterSettings()
        s.apiServer.privateCluster = true
        XCTAssertFalse(AKSRequiredEgress.requirements(s).contains { $0.port == 1194 || $0.port == 9000 || $0.name == "api-server" })
        s.apiServer.privateCluster = false
        XCTAssertTrue(AKSRequiredEgress.requirements(s).contains { $0.port == 1194 })
    }
}
