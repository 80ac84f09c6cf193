import Foundation
import XCTest

/// The ingress stage through the built binary on the embedded default cluster: `trace --http-host
/// --http-path`, `--flows` lines with `httpPath`, and the sample replay counting the Ingress rule
/// of the ingress flow's first request (its ClientHello).
final class TraceIngressCLITests: CLITestCase {
    func hop(_ j: [String: Any], stage: String) -> [String: Any]? {
        (j["hops"] as? [[String: Any]])?.first { $0["stage"] as? String == stage }
    }

    func testHTTPRequestIsRoutedByHostAndPath() throws {
        let run = try Akssim.run(["trace", "--src", "198.51.100.7", "--dst", "20.62.10.4:80", "--http-host", "shop.contoso.com",
                                  "--http-path", "/cart?id=3", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let j = try json(run)
        XCTAssertEqual(j["verdict"] as? String, "allow")
        let ingress = try XCTUnwrap(hop(j, stage: "ingress"), run.stdout)
        XCTAssertEqual(ingress["rule"] as? String, "ingress:shop/shop.contoso.com/")
        XCTAssertTrue((ingress["detail"] as? String)?.contains("HTTP Host shop.contoso.com path /cart:") == true, run.stdout)
        let delivered = try XCTUnwrap(j["delivered"] as? [String: Any])
        XCTAssertTrue(["10.224.0.20", "10.224.0.21"].contains(delivered["ip"] as? String ?? ""), run.stdout)
        XCTAssertEqual((j["source"] as? [String: Any])?["ip"] as? String, "10.224.0.50", "the backend sees the controller pod")
    }

    func testUnknownHostIsAnsweredByTheController() throws {
        let run = try Akssim.run(["trace", "--src", "198.51.100.7", "--dst", "20.62.10.4:80", "--http-host", "www.contoso.com", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let j = try json(run)
        XCTAssertEqual(j["verdict"] as? String, "allow")
        XCTAssertEqual(j["rule"] as? String, "ingress:no-match")
        XCTAssertEqual((j["delivered"] as? [String: Any])?["ip"] as? String, "10.224.0.50")
        let ingress = try XCTUnwrap(hop(j, stage: "ingress"))
        XCTAssertEqual(ingress["result"] as? String, "pass")
        XCTAssertTrue((ingress["detail"] as? String)?.contains("the controller answers 404 (ingress-nginx default backend)") == true)
    }

    func testFlowsLinesCarryTheHTTPPath() throws {
        let file = path("flows.jsonl")
        try """
        {"protocol":"tcp","src":"198.51.100.7","dst":"20.62.10.4","dport":80,"httpHost":"shop.contoso.com","httpPath":"/a/b"}
        {"protocol":"tcp","src":"198.51.100.7","dst":"20.62.10.4","dport":80,"httpHost":"shop.contoso.com"}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let run = try Akssim.run(["trace", "--flows", file])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].contains("path /a/b:"), String(lines[0]))
        XCTAssertTrue(lines[1].contains("path /:"), String(lines[1]))
    }

    func testPathsMustBeAbsolute() throws {
        let flag = try Akssim.run(["trace", "--src", "198.51.100.7", "--dst", "20.62.10.4:80", "--http-path", "cart"])
        XCTAssertEqual(flag.status, 2)
        XCTAssertTrue(flag.stderr.contains("--http-path: expected a URL path starting with /, got \"cart\""), flag.stderr)
        let file = path("bad.jsonl")
        try #"{"protocol":"tcp","src":"198.51.100.7","dst":"20.62.10.4","dport":80,"httpPath":"x"}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let line = try Akssim.run(["trace", "--flows", file])
        XCTAssertEqual(line.status, 2)
        XCTAssertTrue(line.stderr.contains("\(file):1: field httpPath: expected a URL path starting with /"), line.stderr)
    }

    func testHelpDocumentsTheIngressRequest() throws {
        let run = try Akssim.run(["help", "trace"])
        XCTAssertTrue(run.stdout.contains("--http-path"), run.stdout)
        XCTAssertTrue(run.stdout.contains("httpPath"), run.stdout)
    }

    func testSampleReplayCountsTheIngressRuleOnce() throws {
        let pcap = path("sample.pcap")
        XCTAssertEqual(try Akssim.run(["synth", "sample", "--out", pcap]).status, 0)
        let run = try Akssim.run(["replay", pcap, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let j = try json(run)
        XCTAssertEqual((j["stages"] as? [String: [String: Int]])?["ingress"], ["allow": 1, "drop": 0, "reject": 0])
        XCTAssertEqual((j["rules"] as? [String: Int])?["ingress:shop/shop.contoso.com/"], 1)
    }
}
