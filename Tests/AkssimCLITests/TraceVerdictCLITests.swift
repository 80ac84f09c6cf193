import Foundation
import XCTest

/// `akssim trace --json` on the embedded default cluster: the contract's top-level keys, and for an
/// allowed flow a `stage` that owns the reported `rule` (the last explicit allow or translation).
final class TraceVerdictCLITests: CLITestCase {
    func trace(_ args: [String]) throws -> [String: Any] {
        let run = try Akssim.run(["trace"] + args + ["--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        return try json(run)
    }

    func testAllowedFlowsPairTheRuleWithItsStage() throws {
        // kube-dns over UDP: NetworkPolicy passes (no policy isolates kube-dns), the NSG's
        // AllowVnetInBound is the last explicit allow → stage nsg.
        let dns = try trace(["--protocol", "udp", "--src", "10.224.0.20:5353", "--dst", "10.0.0.10:53"])
        XCTAssertEqual(dns["verdict"] as? String, "allow")
        XCTAssertEqual(dns["rule"] as? String, "aks-agentpool-nsg/AllowVnetInBound")
        XCTAssertEqual(dns["stage"] as? String, "nsg")
        // HTTPS egress through the firewall: its application rule decides → stage firewall.
        let egress = try trace(["--src", "10.224.0.20", "--dst", "140.82.112.6:443", "--sni", "api.github.com"])
        XCTAssertEqual(egress["rule"] as? String, "aks-egress/aks-fqdns/github")
        XCTAssertEqual(egress["stage"] as? String, "firewall")
        XCTAssertEqual((egress["source"] as? [String: Any])?["ip"] as? String, "20.62.10.4", "SNAT to the firewall's public IP")
        // frontend → backend ClusterIP: the backend's policy allows it last → stage networkPolicy.
        let svc = try trace(["--src", "10.224.0.20", "--dst", "10.0.120.10:80"])
        XCTAssertEqual(svc["rule"] as? String, "netpol:shop/backend-allow-frontend")
        XCTAssertEqual(svc["stage"] as? String, "networkPolicy")
        XCTAssertEqual((svc["delivered"] as? [String: Any])?["port"] as? Int, 8080, "named targetPort http resolved")
    }

    func testDroppedFlowsNameTheDecidingStageAndRule() throws {
        let denied = try trace(["--src", "10.224.0.21", "--dst", "10.224.0.30:9090"])
        XCTAssertEqual(denied["verdict"] as? String, "drop")
        XCTAssertEqual(denied["stage"] as? String, "networkPolicy")
        XCTAssertEqual(denied["rule"] as? String, "netpol:default-deny")
        XCTAssertTrue(denied["delivered"] is NSNull)
        let admin = try trace(["--src", "192.0.2.99", "--dst", "20.62.30.1:443"])
        XCTAssertEqual(admin["stage"] as? String, "apiServer")
        XCTAssertEqual(admin["rule"] as? String, "apiserver:authorized-ip-ranges")
        let asym = try trace(["--src", "198.51.100.7", "--dst", "20.62.20.30:80"])
        XCTAssertEqual(asym["stage"] as? String, "firewall")
        XCTAssertEqual(asym["rule"] as? String, "route:0.0.0.0/0->VirtualAppliance")
        let noPort = try trace(["--src", "10.224.0.20", "--dst", "10.0.120.10:81"])
        XCTAssertEqual(noPort["rule"] as? String, "kube-proxy:no-service-port")
    }
}
