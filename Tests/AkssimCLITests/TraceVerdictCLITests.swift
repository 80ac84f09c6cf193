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

/// `trace --flows`: one object per input line, in order, a bad line included.
final class TraceFlowsCLITests: CLITestCase {
    func testBadLineKeepsItsPlaceAndExitsTwo() throws {
        let file = path("flows.jsonl")
        try """
        {"protocol":"tcp","src":"10.224.0.20","sport":41000,"dst":"10.0.120.10","dport":80}
        {"protocol":"tcp","src":"10.224.0.20","dst":"10.0.120.10"}

        {"protocol":"udp","src":"10.224.0.20","dst":"10.0.0.10:53"}
        not json
        {"protocol":"icmp","src":"10.224.0.20","dst":"10.224.0.31"}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let run = try Akssim.run(["trace", "--flows", file])
        XCTAssertEqual(run.status, 2)
        let lines = run.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(lines.count, 5, "one object per non-blank input line: \(run.stdout)")
        XCTAssertEqual(lines[0]?["verdict"] as? String, "allow", "lines before a bad one are not lost")
        XCTAssertEqual(lines[1]?["line"] as? Int, 2)
        XCTAssertEqual(lines[1]?["error"] as? String, "\(file):2: field dport: missing (a port is required for tcp)")
        XCTAssertEqual((lines[2]?["delivered"] as? [String: Any])?["port"] as? Int, 53, "dport taken from dst")
        XCTAssertEqual(lines[3]?["line"] as? Int, 5)
        XCTAssertNotNil(lines[4]?["verdict"], "lines after a bad one are traced")
        XCTAssertTrue(run.stderr.contains("\(file):2: field dport: missing"), run.stderr)
        XCTAssertTrue(run.stderr.contains("\(file):5: expected one JSON object per line"), run.stderr)
    }

    func testByteOrderMarkAndCRLFAreNotPartOfTheJSON() throws {
        let file = path("bom.jsonl")
        let text = "\u{FEFF}{\"protocol\":\"tcp\",\"src\":\"10.224.0.20\",\"dst\":\"10.0.120.10:80\"}\r\n"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let run = try Akssim.run(["trace", "--flows", file])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("{\"verdict\":\"allow\""), run.stdout)
    }

    /// `--flows -` reads standard input, as `replay -` does; a JSON line that is not an object
    /// (an array) is named as such, not as a field; a port may be a number or digits in a string,
    /// the protocol a name or its IANA number.
    func testFlowsFromStandardInputAndNonObjectLines() throws {
        let file = path("stdin.jsonl")
        try """
        {"protocol":"tcp","src":"10.224.0.20","dst":"10.0.120.10:80"}
        [1,2]
        {"protocol":"udp","src":"10.224.0.20","sport":"40001","dst":"10.0.0.10","dport":"53"}
        {"protocol":17,"src":"10.224.0.20","sport":40001,"dst":"10.0.0.10:53"}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let run = try Akssim.run(["trace", "--flows", "-"], stdin: file)
        XCTAssertEqual(run.status, 2, run.stderr)
        let lines = run.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(lines.count, 4, run.stdout)
        XCTAssertEqual(lines[0]?["verdict"] as? String, "allow", run.stdout)
        XCTAssertEqual(lines[1]?["error"] as? String, "<stdin>:2: expected one JSON object per line")
        // Ports quoted as strings (scripts often quote every value) read as numbers.
        XCTAssertEqual((lines[2]?["source"] as? [String: Any])?["port"] as? Int, 40001, run.stdout)
        XCTAssertEqual((lines[2]?["delivered"] as? [String: Any])?["port"] as? Int, 53, run.stdout)
        // The protocol by its IANA number, as flow exports print it.
        XCTAssertEqual(lines[3]?["rule"] as? String, lines[2]?["rule"] as? String, run.stdout)
        XCTAssertEqual(lines[3]?["verdict"] as? String, "allow", run.stdout)
    }
}
