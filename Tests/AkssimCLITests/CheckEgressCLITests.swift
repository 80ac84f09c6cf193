import Foundation
import XCTest

/// `akssim check egress` (issue 5 item 8) through the built binary: the required AKS egress flows
/// of azure-networking.md §3.3 on the embedded cluster, on the committed example with a missing
/// firewall rule, and on bad input.
final class CheckEgressCLITests: CLITestCase {
    var example: String { Akssim.packageRoot.appendingPathComponent("Config/examples/egress-missing-rule.yaml").path }

    func testDefaultClusterPassesEveryRequiredFlow() throws {
        let run = try Akssim.run(["check", "egress"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertFalse(run.stdout.contains("BLOCK"))
        XCTAssertTrue(run.stdout.contains("all 24 required egress flows pass"), run.stdout)
        // Both origins, and the deciding firewall rules for NTP and the AKS FQDN tag.
        XCTAssertTrue(run.stdout.contains("from node aks-nodepool1-12345678-vmss000000"))
        XCTAssertTrue(run.stdout.contains("from pod shop/frontend-1"))
        XCTAssertTrue(run.stdout.contains("ntp.ubuntu.com  from node aks-nodepool1-12345678-vmss000000  allowed by aks-egress/aks-network/time"), run.stdout)
        XCTAssertTrue(run.stdout.contains("mcr.microsoft.com  from pod shop/frontend-1  allowed by aks-egress/aks-fqdns/aks-fqdn-tag"), run.stdout)
    }

    func testDefaultClusterJSON() throws {
        let run = try Akssim.run(["check", "egress", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let j = try json(run)
        XCTAssertEqual(j["passed"] as? Bool, true)
        XCTAssertEqual(j["blocked"] as? Int, 0)
        let flows = try XCTUnwrap(j["flows"] as? [[String: Any]])
        XCTAssertEqual(flows.count, 24)
        // The tunnel flow crosses the firewall's apiudp rule, is SNATed to the firewall's public
        // IP and reaches the API server inside its authorized ranges.
        let tunnel = try XCTUnwrap(flows.first { $0["requirement"] as? String == "tunnel-udp" })
        let hops = try XCTUnwrap(tunnel["hops"] as? [[String: Any]])
        XCTAssertTrue(hops.contains { $0["stage"] as? String == "firewall" && $0["rule"] as? String == "aks-egress/aks-network/apiudp" })
        XCTAssertEqual(tunnel["rule"] as? String, "apiserver:authorized-ip-ranges")
    }

    func testExampleWithMissingFirewallRuleFails() throws {
        let run = try Akssim.run(["check", "egress", "--cluster", example])
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        let blocked = run.stdout.split(separator: "\n").filter { $0.hasPrefix("BLOCK") }
        XCTAssertEqual(blocked.count, 2, run.stdout)
        for line in blocked {
            XCTAssertTrue(line.contains("tunnel-udp") && line.contains("udp/1194"), String(line))
            XCTAssertTrue(line.contains("blocked at firewall by default-deny"), String(line))
        }
        XCTAssertTrue(run.stdout.contains("2 of 24 required egress flows blocked"), run.stdout)
        // The other UDP tunnel's sibling, TCP 9000, still passes: only the removed rule matters.
        XCTAssertTrue(run.stdout.contains("PASS  tunnel-tcp"), run.stdout)
    }

    func testExampleWithMissingFirewallRuleJSON() throws {
        let run = try Akssim.run(["check", "egress", "--cluster", example, "--json"])
        XCTAssertEqual(run.status, 1, run.stderr)
        let j = try json(run)
        XCTAssertEqual(j["passed"] as? Bool, false)
        XCTAssertEqual(j["blocked"] as? Int, 2)
        let flows = try XCTUnwrap(j["flows"] as? [[String: Any]])
        let failed = flows.filter { $0["verdict"] as? String != "allow" }
        XCTAssertEqual(Set(failed.compactMap { $0["requirement"] as? String }), ["tunnel-udp"])
        XCTAssertEqual(Set(failed.compactMap { $0["origin"] as? String }), ["node aks-nodepool1-12345678-vmss000000", "pod shop/frontend-1"])
        for f in failed {
            XCTAssertEqual(f["verdict"] as? String, "drop")
            XCTAssertEqual(f["stage"] as? String, "firewall")
            XCTAssertEqual(f["rule"] as? String, "default-deny")
            XCTAssertEqual(f["dport"] as? Int, 1194)
        }
    }

    func testExampleIsAValidModel() throws {
        let run = try Akssim.run(["validate", "--cluster", example])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("valid: 0 errors"), run.stdout)
    }

    func testBadInputExitsTwo() throws {
        let missing = try Akssim.run(["check", "egress", "--cluster", path("nope.yaml")])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("nope.yaml"), missing.stderr)

        let broken = path("broken.yaml")
        try Data("name: x\nsettings:\n  outboundType: sideways\n".utf8).write(to: URL(fileURLWithPath: broken))
        let bad = try Akssim.run(["check", "egress", "--cluster", broken])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("broken.yaml:3"), bad.stderr)
        XCTAssertTrue(bad.stdout.isEmpty)

        let usage = try Akssim.run(["check", "egress", "--frobnicate"])
        XCTAssertEqual(usage.status, 2)
        XCTAssertEqual(try Akssim.run(["check", "nothing"]).status, 2)
    }
}
