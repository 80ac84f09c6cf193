import Foundation
import PacketWire
import PcapIO
import XCTest

/// `akssim run --threads N` on a real veth: the capture thread reads and steers, N workers judge.
/// The traffic is a synthetic capture of the default cluster (flow starts, replies, NATed
/// connections, DNS, denied flows) played onto the tap with `pcap_inject`; the daemon sees the
/// injected frames as outgoing packets. Its verdict counters must be exactly those of
/// `akssim replay` (one thread) over the same file.
final class LiveWorkersDaemonTests: XCTestCase {
    func testWorkersJudgeALiveLinkExactlyAsAReplayDoes() async throws {
        let link = try LabLink()
        defer { link.destroy() }
        let dir = try LiveCaptureDaemonTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let capture = dir.appendingPathComponent("synth.pcap").path
        let packets = 4000
        try Self.akssim(["synth", "capture", "--packets", "\(packets)", "--flows", "400", "--out", capture])
        let reference = try DaemonUnderTest.object(Data(try Self.akssim(["replay", "--json", capture]).utf8))

        let report = dir.appendingPathComponent("final.json")
        let daemon = try DaemonUnderTest(arguments: [
            "--interface", link.tap, "--threads", "3", "--final-report", report.path,
        ])
        defer { daemon.stop(SIGKILL) }
        try await daemon.waitUntilServing()
        _ = try await daemon.poll("/readyz") { $0["ready"] as? Bool == true }

        try Self.play(capture, onto: link.tap)
        let stats = try await daemon.poll("/v1/stats") { int($0["packets"]) >= packets }
        XCTAssertEqual(int(stats["packets"]), packets)
        let interface = (dict(stats["daemon"])["interfaces"] as? [[String: Any]])?.first ?? [:]
        let perWorker = (interface["workers"] as? [Any] ?? []).map(int)
        XCTAssertEqual(perWorker.count, 3, "one entry per worker: \(interface)")
        XCTAssertEqual(perWorker.reduce(0, +), packets, "every packet judged by exactly one worker")
        XCTAssertGreaterThan(perWorker.filter { $0 > 0 }.count, 1, "400 flows spread over the workers: \(perWorker)")
        XCTAssertEqual(int(interface["processed"]), packets)
        let metrics = String(decoding: try await daemon.get("/metrics").1, as: UTF8.self)
        for (i, n) in perWorker.enumerated() {
            XCTAssertTrue(metrics.contains("akssim_worker_packets_total{interface=\"\(link.tap)\",worker=\"\(i)\"} \(n)\n"), metrics)
        }

        XCTAssertEqual(daemon.stop(SIGTERM), 0, daemon.log)
        let final = try DaemonUnderTest.object(Data(contentsOf: report))
        XCTAssertEqual(int(dict(final["daemon"])["interfaces"].flatMap { ($0 as? [[String: Any]])?.first?["kernelDropped"] }), 0)
        for key in ["packets", "verdicts", "stages", "rules", "nodes", "namespaces"] {
            XCTAssertEqual(Self.canonical(final[key]), Self.canonical(reference[key]), "\(key): daemon --threads 3 vs replay")
        }
        XCTAssertGreaterThan(int(dict(reference["verdicts"])["drop"]), 0, "the capture exercises drops")
        XCTAssertGreaterThan(int(dict(reference["rules"])["established"]), 0, "and established connections")
    }

    /// A reload reaches every worker: each compiled its own pipeline from the new model, and
    /// flows on any worker are judged by it; counters from before survive on every worker.
    func testReloadReachesEveryWorker() async throws {
        let link = try LabLink()
        defer { link.destroy() }
        let dir = try LiveCaptureDaemonTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clusterFile = dir.appendingPathComponent("cluster.yaml")
        let original = try String(contentsOf: LiveCaptureDaemonTests.repoRoot.appendingPathComponent("Config/cluster.yaml"), encoding: .utf8)
        let tcpOnly = "ports: [{protocol: TCP, port: 8080}]"
        XCTAssertTrue(original.contains(tcpOnly), "the default model's backend policy changed; update this test")
        try original.write(to: clusterFile, atomically: true, encoding: .utf8)
        let daemon = try DaemonUnderTest(arguments: [
            "--interface", "\(link.tap)=\(LiveCaptureDaemonTests.node0)", "--filter", "udp", "--cluster", clusterFile.path,
            "--threads", "2",
        ])
        defer { daemon.stop(SIGKILL) }
        try await daemon.waitUntilServing()
        _ = try await daemon.poll("/readyz") { $0["ready"] as? Bool == true }

        // Eight sockets (eight flows, distinct source ports), two datagrams each: refused.
        for _ in 0..<8 { try link.sendUDP(to: "10.224.0.30", port: 8080, count: 2) }
        var stats = try await daemon.poll("/v1/stats") { int(dict($0["verdicts"])["drop"]) >= 16 }
        XCTAssertEqual(int(stats["packets"]), 16)

        try original.replacingOccurrences(of: tcpOnly, with: "ports: [{protocol: UDP, port: 8080}]")
            .write(to: clusterFile, atomically: true, encoding: .utf8)
        let (status, body) = try await daemon.request("POST", "/v1/reload")
        XCTAssertEqual(status, 200, String(decoding: body, as: UTF8.self))
        // Each worker takes the new pipeline before judging the next batch it is given.
        for _ in 0..<8 { try link.sendUDP(to: "10.224.0.30", port: 8080, count: 2) }
        stats = try await daemon.poll("/v1/stats") { int($0["packets"]) >= 32 }
        XCTAssertEqual(int(dict(stats["verdicts"])["allow"]), 16, "new flows on every worker judged by the new model")
        XCTAssertEqual(int(dict(stats["verdicts"])["drop"]), 16, "every worker's counters survive the reload")
        let interface = (dict(stats["daemon"])["interfaces"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual((interface["workers"] as? [Any] ?? []).map(int).reduce(0, +), 32)
        XCTAssertEqual(daemon.stop(SIGTERM), 0, daemon.log)
    }

    /// `--threads` outside 1...64 is refused at start-up, naming the field (exit 2).
    func testThreadsOutOfRangeIsRefused() throws {
        let run = try DaemonUnderTest.runToExit(["run", "--threads", "0"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("threads") && run.stderr.contains("1...64"), run.stderr)
    }

    // MARK: Helpers

    /// Injects every frame of a pcap file onto `interface`, in order.
    static func play(_ file: String, onto interface: String) throws {
        let reader = try PcapReader(path: file)
        defer { reader.close() }
        let sender = try LiveCapture(interface: interface, snaplen: 65_535, timeoutMs: 10)
        defer { sender.close() }
        var record = PacketRecord()
        while try reader.next(into: &record) {
            try sender.inject(record.bytes)
        }
    }

    /// Runs the akssim binary; returns its standard output, failing on a non-zero exit.
    @discardableResult
    static func akssim(_ arguments: [String]) throws -> String {
        let run = try DaemonUnderTest.runToExit(arguments)
        guard run.status == 0 else {
            throw DaemonUnderTest.Failure("akssim \(arguments.joined(separator: " ")) exited \(run.status): \(run.stderr)")
        }
        return run.stdout
    }

    /// A JSON value re-serialised with sorted keys, for equality.
    static func canonical(_ value: Any?) -> String {
        guard let value, JSONSerialization.isValidJSONObject([value]),
              let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) else { return "\(value ?? "nil")" }
        return String(decoding: data, as: UTF8.self)
    }
}
