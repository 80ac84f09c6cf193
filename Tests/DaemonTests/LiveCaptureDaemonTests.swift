import Foundation
import XCTest

/// `akssim run` on a real interface: a veth whose far end sits in a network namespace playing
/// pod shop/frontend-1 (10.224.0.20) of the default cluster. Real datagrams cross the link; the
/// daemon taps the near end and the tests read its verdicts over real HTTP.
///
/// Expected verdicts come from the default cluster (Config/cluster.yaml):
/// - UDP to kube-dns 10.0.0.10:53 — allowed (ClusterIP DNAT to a CoreDNS pod; kube-system has
///   no NetworkPolicy).
/// - UDP to shop/backend-1 10.224.0.30:8080 — dropped at networkPolicy: backend pods are isolated
///   for ingress by shop/backend-allow-frontend, which allows only TCP 8080.
final class LiveCaptureDaemonTests: XCTestCase {
    static let node0 = "aks-nodepool1-12345678-vmss000000"

    func testLiveTapCountsVerdictsServesMetricsAndFlushesOnSIGTERM() async throws {
        let link = try LabLink()
        defer { link.destroy() }
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("akssim-final-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: report) }
        let daemon = try DaemonUnderTest(arguments: [
            "--interface", "\(link.tap)=\(Self.node0)", "--filter", "udp", "--final-report", report.path,
        ])
        defer { daemon.stop(SIGKILL) }
        try await daemon.waitUntilServing()
        _ = try await daemon.poll("/readyz") { $0["ready"] as? Bool == true }

        try link.sendUDP(to: "10.0.0.10", port: 53, count: 5)
        try link.sendUDP(to: "10.224.0.30", port: 8080, count: 3)

        let stats = try await daemon.poll("/v1/stats") { int($0["packets"]) >= 8 }
        XCTAssertEqual(int(stats["packets"]), 8)
        XCTAssertEqual(int(dict(stats["decode"])["udp"]), 8)
        XCTAssertEqual(int(dict(stats["verdicts"])["allow"]), 5)
        XCTAssertEqual(int(dict(stats["verdicts"])["drop"]), 3)
        XCTAssertEqual(int(dict(dict(stats["stages"])["networkPolicy"])["drop"]), 3)
        XCTAssertEqual(int(dict(stats["rules"])["netpol:default-deny"]), 3)

        let (status, body) = try await daemon.get("/metrics")
        XCTAssertEqual(status, 200)
        let metrics = String(decoding: body, as: UTF8.self)
        XCTAssertTrue(metrics.contains("akssim_packets_total{stage=\"networkPolicy\",verdict=\"drop\"} 3\n"), metrics)
        XCTAssertEqual(Self.sum(metrics, "akssim_packets_total"), 8)
        XCTAssertEqual(Self.sum(metrics, "akssim_drops_total"), 3)
        XCTAssertEqual(Self.sum(metrics, "akssim_rule_hits_total{rule=\"netpol:default-deny\""), 3)
        XCTAssertTrue(metrics.contains("akssim_capture_packets_total{interface=\"\(link.tap)\"} 8\n"), metrics)
        XCTAssertTrue(metrics.contains("akssim_capture_up{interface=\"\(link.tap)\"} 1\n"), metrics)
        XCTAssertTrue(metrics.contains("# TYPE akssim_build_info gauge\n"))

        // One record per new flow: two sockets → two flows, one of them refused.
        let drops = try await daemon.json("/v1/flows?verdict=drop&limit=10")
        let dropFlows = drops["flows"] as? [[String: Any]] ?? []
        XCTAssertEqual(dropFlows.count, 1)
        XCTAssertEqual(dropFlows.first?["dst"] as? String, "10.224.0.30")
        XCTAssertEqual(int(dropFlows.first?["dport"]), 8080)
        XCTAssertEqual(dropFlows.first?["src"] as? String, "10.224.0.20")
        XCTAssertEqual(dropFlows.first?["stage"] as? String, "networkPolicy")
        XCTAssertEqual(dropFlows.first?["interface"] as? String, link.tap)
        let allFlows = try await daemon.json("/v1/flows")
        XCTAssertEqual((allFlows["flows"] as? [Any])?.count, 2)

        XCTAssertEqual(daemon.stop(SIGTERM), 0, daemon.log)
        let final = try DaemonUnderTest.object(Data(contentsOf: report))
        let verdicts = dict(final["verdicts"])
        XCTAssertEqual(int(final["packets"]), 8)
        XCTAssertEqual(int(verdicts["allow"]) + int(verdicts["drop"]) + int(verdicts["reject"]), 8, "verdict totals = packets")
        let interface = (dict(final["daemon"])["interfaces"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(int(interface["received"]), 8, "libpcap received = packets judged")
        XCTAssertEqual(int(interface["processed"]), 8)
        XCTAssertEqual(int(interface["kernelDropped"]), 0)
    }

    func testTwoInterfacesEachOnTheirOwnThreadMergeIntoOneView() async throws {
        let first = try LabLink()
        defer { first.destroy() }
        let second = try LabLink()
        defer { second.destroy() }
        let daemon = try DaemonUnderTest(arguments: [
            "--interface", "\(first.tap)=\(Self.node0)", "--interface", "\(second.tap)=aks-nodepool1-12345678-vmss000001",
            "--filter", "udp",
        ])
        defer { daemon.stop(SIGKILL) }
        try await daemon.waitUntilServing()
        _ = try await daemon.poll("/readyz") { $0["ready"] as? Bool == true }
        try first.sendUDP(to: "10.0.0.10", port: 53, count: 2)
        try second.sendUDP(to: "10.224.0.30", port: 8080, count: 3)
        let stats = try await daemon.poll("/v1/stats") { int($0["packets"]) >= 5 }
        XCTAssertEqual(int(stats["packets"]), 5)
        XCTAssertEqual(int(dict(stats["verdicts"])["allow"]), 2)
        XCTAssertEqual(int(dict(stats["verdicts"])["drop"]), 3)
        let metrics = String(decoding: try await daemon.get("/metrics").1, as: UTF8.self)
        XCTAssertTrue(metrics.contains("akssim_capture_packets_total{interface=\"\(first.tap)\"} 2\n"), metrics)
        XCTAssertTrue(metrics.contains("akssim_capture_packets_total{interface=\"\(second.tap)\"} 3\n"), metrics)
        XCTAssertEqual(daemon.stop(SIGTERM), 0, daemon.log)
    }

    func testReloadSwapsModelAndInvalidModelKeepsOldOne() async throws {
        let link = try LabLink()
        defer { link.destroy() }
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clusterFile = dir.appendingPathComponent("cluster.yaml")
        let original = try String(contentsOf: Self.repoRoot.appendingPathComponent("Config/cluster.yaml"), encoding: .utf8)
        let tcpOnly = "ports: [{protocol: TCP, port: 8080}]"
        XCTAssertTrue(original.contains(tcpOnly), "the default model's backend policy changed; update this test")
        try original.write(to: clusterFile, atomically: true, encoding: .utf8)

        let daemon = try DaemonUnderTest(arguments: [
            "--interface", "\(link.tap)=\(Self.node0)", "--filter", "udp", "--cluster", clusterFile.path,
            "--immediate",  // the other libpcap delivery mode (the rest of the suite uses blocks)
        ])
        defer { daemon.stop(SIGKILL) }
        try await daemon.waitUntilServing()
        _ = try await daemon.poll("/readyz") { $0["ready"] as? Bool == true }

        try link.sendUDP(to: "10.224.0.30", port: 8080, count: 2)
        _ = try await daemon.poll("/v1/stats") { int(dict($0["verdicts"])["drop"]) == 2 }

        // Good model: the policy now admits UDP 8080 instead of TCP.
        try original.replacingOccurrences(of: tcpOnly, with: "ports: [{protocol: UDP, port: 8080}]")
            .write(to: clusterFile, atomically: true, encoding: .utf8)
        let (okStatus, okBody) = try await daemon.request("POST", "/v1/reload")
        XCTAssertEqual(okStatus, 200, String(decoding: okBody, as: UTF8.self))
        XCTAssertEqual(int(try DaemonUnderTest.object(okBody)["generation"]), 2)
        try link.sendUDP(to: "10.224.0.30", port: 8080, count: 2)
        var stats = try await daemon.poll("/v1/stats") { int($0["packets"]) >= 4 }
        XCTAssertEqual(int(dict(stats["verdicts"])["allow"]), 2, "new model judges new flows")
        XCTAssertEqual(int(dict(stats["verdicts"])["drop"]), 2, "counters survive the reload")

        // Bad model: rejected with diagnostics; the previous (UDP-allowing) model keeps running.
        try "pods:\n  - name: broken\n    bogusKey: 1\n".write(to: clusterFile, atomically: true, encoding: .utf8)
        let (badStatus, badBody) = try await daemon.request("POST", "/v1/reload")
        XCTAssertEqual(badStatus, 422)
        let bad = try DaemonUnderTest.object(badBody)
        XCTAssertNotNil(bad["error"] as? String)
        let diagnostics = bad["diagnostics"] as? [String] ?? []
        XCTAssertFalse(diagnostics.isEmpty)
        XCTAssertTrue(diagnostics.contains { $0.contains("cluster.yaml") }, "\(diagnostics)")
        try link.sendUDP(to: "10.224.0.30", port: 8080, count: 2)
        stats = try await daemon.poll("/v1/stats") { int($0["packets"]) >= 6 }
        XCTAssertEqual(int(dict(stats["verdicts"])["allow"]), 4, "old model still in force")
        XCTAssertEqual(int(dict(dict(stats["daemon"])["reloads"])["failure"]), 1)

        // SIGHUP reloads too: the broken file fails again, the fixed one succeeds.
        daemon.signal(SIGHUP)
        _ = try await daemon.poll("/v1/stats") { int(dict(dict($0["daemon"])["reloads"])["failure"]) == 2 }
        try original.write(to: clusterFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        _ = try await daemon.poll("/v1/stats") { int(dict(dict($0["daemon"])["reloads"])["success"]) == 2 }
        let metrics = String(decoding: try await daemon.get("/metrics").1, as: UTF8.self)
        XCTAssertTrue(metrics.contains("akssim_reloads_total{result=\"success\"} 2\n"), metrics)
        XCTAssertTrue(metrics.contains("akssim_reloads_total{result=\"failure\"} 2\n"), metrics)
        XCTAssertTrue(metrics.contains("akssim_model_generation 3\n"), metrics)
        // Daemon-side breakdowns are re-indexed by rule name across both reloads.
        XCTAssertTrue(
            metrics.contains("akssim_rule_hits_total{rule=\"netpol:default-deny\",stage=\"networkPolicy\"} 2\n"), metrics)
        XCTAssertEqual(Self.sum(metrics, "akssim_drops_total{reason=\"networkPolicy\""), 2)
        XCTAssertEqual(daemon.stop(SIGTERM), 0, daemon.log)
    }

    func testMissingInterfaceIsRetriedAndReportedUntilItAppears() async throws {
        let id = LabLink.reserveID()
        let name = LabLink.tapName(id: id)
        guard getuid() == 0 else { throw XCTSkip("network namespaces need root (CI runs as root)") }
        let daemon = try DaemonUnderTest(arguments: ["--interface", name, "--filter", "udp"])
        defer { daemon.stop(SIGKILL) }
        try await daemon.waitUntilServing()
        let (status, body) = try await daemon.get("/readyz")
        XCTAssertEqual(status, 503)
        let reasons = (try DaemonUnderTest.object(body))["reasons"] as? [String] ?? []
        XCTAssertTrue(reasons.contains { $0.hasPrefix("\(name):") }, "\(reasons)")
        let health = try await daemon.get("/healthz").0
        XCTAssertEqual(health, 200, "down inputs do not make the daemon unhealthy")
        let metrics = String(decoding: try await daemon.get("/metrics").1, as: UTF8.self)
        XCTAssertTrue(metrics.contains("akssim_capture_up{interface=\"\(name)\"} 0\n"), metrics)

        var link = try LabLink(id: id)
        defer { link.destroy() }
        _ = try await daemon.poll("/readyz") { $0["ready"] as? Bool == true }
        try link.sendUDP(to: "10.224.0.30", port: 8080, count: 2)
        var stats = try await daemon.poll("/v1/stats") { int($0["packets"]) >= 2 }
        XCTAssertEqual(int(dict(stats["verdicts"])["drop"]), 2)

        // The interface goes away under a running capture: reported, retried, and picked up again
        // when it returns; counts from before survive.
        link.destroy()
        _ = try await daemon.poll("/readyz") { $0["ready"] as? Bool == false }
        link = try LabLink(id: id)
        _ = try await daemon.poll("/readyz") { $0["ready"] as? Bool == true }
        try link.sendUDP(to: "10.224.0.30", port: 8080, count: 3)
        stats = try await daemon.poll("/v1/stats") { int($0["packets"]) >= 5 }
        XCTAssertEqual(int(dict(stats["verdicts"])["drop"]), 5)
        let interface = (dict(stats["daemon"])["interfaces"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(int(interface["received"]), 5, "libpcap counters summed over both capture sessions")
        XCTAssertGreaterThanOrEqual(int(interface["opens"]), 2)
        XCTAssertEqual(daemon.stop(SIGTERM), 0, daemon.log)
    }

    func testCaptureCommandStopsAfterCountAndPrintsSummary() throws {
        let link = try LabLink()
        defer { link.destroy() }
        let process = Process()
        process.executableURL = DaemonUnderTest.binary
        process.arguments = ["capture", "--interface", "\(link.tap)=\(Self.node0)", "--count", "3", "--filter", "udp",
                             "--duration", "30", "--json"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // The capture opens asynchronously: keep sending until it has seen three (bounded).
        for _ in 0..<100 where process.isRunning {
            try link.sendUDP(to: "10.224.0.30", port: 8080, count: 1)
            Thread.sleep(forTimeInterval: 0.2)
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let summary = try DaemonUnderTest.object(data)
        XCTAssertEqual(int(summary["packets"]), 3)
        XCTAssertEqual(int(dict(summary["verdicts"])["drop"]), 3)
    }

    // MARK: Helpers

    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("akssim-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Sum of every sample whose line starts with `prefix` (a family name, or a name with labels).
    static func sum(_ exposition: String, _ prefix: String) -> Int {
        exposition.split(separator: "\n").filter { !$0.hasPrefix("#") && $0.hasPrefix(prefix) }
            .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }
}
