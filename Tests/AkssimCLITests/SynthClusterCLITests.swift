import Foundation
import XCTest

/// `akssim synth cluster` and `akssim synth capture --cluster` through the binary: the generated
/// cluster validates, the capture drawn from it replays through the pipeline with every flow
/// classified once, the output is deterministic, and bad options exit 2 naming the option.
final class SynthClusterCLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("akssim-synth-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func writeCluster(_ name: String = "c.yaml") throws -> String {
        let r = try Akssim.run(["synth", "cluster", "--pods", "60", "--namespaces", "3", "--services", "20", "--policies", "6",
                                "--nsg-rules", "10", "--firewall-rules", "4", "--out", path(name)])
        XCTAssertEqual(r.status, 0, r.stderr)
        return path(name)
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testGeneratedClusterValidatesAndIsDeterministic() throws {
        let a = try writeCluster("a.yaml"), b = try writeCluster("b.yaml")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
        let v = try Akssim.run(["validate", "--cluster", a])
        XCTAssertEqual(v.status, 0, v.stdout + v.stderr)
        XCTAssertTrue(v.stdout.contains("0 errors, 0 warning(s)"), v.stdout)
    }

    func testFlowStartsOnlyCaptureClassifiesEveryPacketAsANewFlow() throws {
        let cluster = try writeCluster()
        let cap = path("starts.pcap")
        let w = try Akssim.run(["synth", "capture", "--cluster", cluster, "--flows", "400", "--flow-starts-only", "--out", cap])
        XCTAssertEqual(w.status, 0, w.stderr)
        let r = try Akssim.run(["replay", "--json", "--cluster", cluster, cap])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try json(r.stdout)
        XCTAssertEqual(o["packets"] as? Int, 400)
        let conntrack = try XCTUnwrap(o["conntrack"] as? [String: Any])
        XCTAssertEqual(conntrack["newFlows"] as? Int, 400, "400 distinct flows, one packet each")
        let verdicts = try XCTUnwrap(o["verdicts"] as? [String: Int])
        XCTAssertGreaterThan(verdicts["allow"] ?? 0, 0, "the mix has allowed flows (pod→Service, DNS)")
        XCTAssertGreaterThan(verdicts["drop"] ?? 0, 0, "and denied ones (firewall, NetworkPolicy, unopened LB ports)")
    }

    func testMixedCaptureIsMostlyEstablishedAndPrefixStable() throws {
        let cluster = try writeCluster()
        let short = path("short.pcap"), long = path("long.pcap")
        for (file, packets) in [(short, "3000"), (long, "6000")] {
            let w = try Akssim.run(["synth", "capture", "--cluster", cluster, "--packets", packets, "--flows", "100",
                                    "--seed", "3", "--out", file])
            XCTAssertEqual(w.status, 0, w.stderr)
        }
        let s = try Data(contentsOf: URL(fileURLWithPath: short)), l = try Data(contentsOf: URL(fileURLWithPath: long))
        XCTAssertEqual(l.prefix(s.count), s, "a longer capture with the same flows and seed starts with the shorter one")
        let r = try Akssim.run(["replay", "--json", "--cluster", cluster, short])
        let o = try json(r.stdout)
        XCTAssertEqual(o["packets"] as? Int, 3000)
        let stages = try XCTUnwrap(o["stages"] as? [String: [String: Int]])
        XCTAssertGreaterThan(stages["conntrack"]?["allow"] ?? 0, 1500, "most packets belong to established flows")
    }

    func testWindowedCaptureStartsEveryFlow() throws {
        let cluster = try writeCluster()
        let cap = path("window.pcap")
        let w = try Akssim.run(["synth", "capture", "--cluster", cluster, "--packets", "5000", "--flows", "200",
                                "--concurrency", "20", "--out", cap])
        XCTAssertEqual(w.status, 0, w.stderr)
        let o = try json(try Akssim.run(["replay", "--json", "--cluster", cluster, cap]).stdout)
        let conntrack = try XCTUnwrap(o["conntrack"] as? [String: Any])
        // Every one of the 200 flows starts (plus the reply directions of refused flows, which
        // conntrack sees as flows of their own).
        XCTAssertGreaterThanOrEqual(conntrack["newFlows"] as? Int ?? 0, 200)
    }

    func testBadOptionsExit2NamingTheOption() throws {
        let r = try Akssim.run(["synth", "cluster", "--nsg-rules", "9999", "--out", path("x.yaml")])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--nsg-rules must be between 0 and 3400"), r.stderr)
        let c = try Akssim.run(["synth", "capture", "--flow-starts-only", "--out", path("x.pcap")])
        XCTAssertEqual(c.status, 2)
        XCTAssertTrue(c.stderr.contains("need --cluster"), c.stderr)
        let missing = try Akssim.run(["synth", "capture", "--cluster", path("nope.yaml"), "--out", path("x.pcap")])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("nope.yaml"), missing.stderr)
    }
}
