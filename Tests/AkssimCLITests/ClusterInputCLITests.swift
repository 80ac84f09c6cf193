import Foundation
import XCTest

/// `--cluster` from the command line: `-` is standard input (`kubectl get … -o yaml | akssim
/// validate --cluster -`), standard input feeds one input only, and a directory with no cluster
/// file is bad input (exit 2) instead of an empty model every flow would meet.
final class ClusterInputCLITests: CLITestCase {
    func testClusterFromStandardInput() throws {
        let example = Akssim.packageRoot.appendingPathComponent("Config/examples/kubenet.yaml").path
        let run = try Akssim.run(["validate", "--cluster", "-", "--json"], stdin: example)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try json(run)
        XCTAssertEqual(report["cluster"] as? String, "aks-kubenet")
        XCTAssertEqual((report["counts"] as? [String: Any])?["pods"] as? Int, 4)
        let traced = try Akssim.run(["trace", "--cluster", "-", "--src", "10.244.0.12", "--dst", "10.244.1.9:3306", "--json"], stdin: example)
        XCTAssertEqual(traced.status, 0, traced.stderr)
        XCTAssertEqual(try json(traced)["verdict"] as? String, "allow", traced.stdout)
    }

    func testStandardInputFeedsOneInputOnly() throws {
        let flows = path("flows.jsonl")
        try #"{"protocol":"tcp","src":"10.224.0.20","dst":"10.0.120.10:80"}"#.write(toFile: flows, atomically: true, encoding: .utf8)
        let trace = try Akssim.run(["trace", "--flows", "-", "--cluster", "-"], stdin: flows)
        XCTAssertEqual(trace.status, 2)
        XCTAssertTrue(trace.stderr.contains("cannot be both the flows and the cluster"), trace.stderr)
        let replay = try Akssim.run(["replay", "-", "--cluster", "-"], stdin: flows)
        XCTAssertEqual(replay.status, 2)
        XCTAssertTrue(replay.stderr.contains("cannot be both a capture and the cluster"), replay.stderr)
    }

    func testEmptyClusterDirectoryIsBadInput() throws {
        let empty = path("exports")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let run = try Akssim.run(["trace", "--cluster", empty, "--src", "10.224.0.20", "--dst", "10.0.120.10:80", "--json"])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.stdout, "")
        XCTAssertTrue(run.stderr.contains("directory \(empty): no cluster file in it"), run.stderr)
    }
}
