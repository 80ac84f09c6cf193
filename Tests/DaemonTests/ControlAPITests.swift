import Foundation
import PacketWire
import PcapIO
import NetworkAddress
import XCTest

/// The HTTP API's edges (authorization, bad requests, trace) and the watched directory, over
/// the real daemon on loopback — no namespace needed.
final class ControlAPITests: XCTestCase {
    func testBearerTokenGuardsPostAndBadRequestsGetJSONErrors() async throws {
        let dir = try LiveCaptureDaemonTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tokenFile = dir.appendingPathComponent("token")
        try "s3cret-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        let daemon = try DaemonUnderTest(arguments: ["--token-file", tokenFile.path])
        defer { daemon.stop(SIGKILL) }
        try await daemon.waitUntilServing()

        for token in [nil, "wrong", "s3cret-token-and-more"] {
            let (status, body) = try await daemon.request("POST", "/v1/reload", token: token)
            XCTAssertEqual(status, 401, "token \(String(describing: token))")
            XCTAssertNotNil(try DaemonUnderTest.object(body)["error"] as? String)
        }
        let authorized = try await daemon.request("POST", "/v1/reload", token: "s3cret-token").0
        XCTAssertEqual(authorized, 200)
        let metricsStatus = try await daemon.get("/metrics").0
        XCTAssertEqual(metricsStatus, 200, "reads need no token")

        let bad = [
            "/v1/flows?verdict=maybe", "/v1/flows?limit=0", "/v1/flows?limit=many",
            "/v1/trace?protocol=tcp&src=10.224.0.20", "/v1/trace?protocol=tcp&src=10.224.0.20&dst=10.224.0.300&dport=80",
            "/v1/trace?protocol=bogus&src=10.224.0.20&dst=10.224.0.30&dport=80",
            "/v1/trace?protocol=tcp&src=10.224.0.20&dst=10.224.0.30&dport=99999",
            "/v1/trace?protocol=tcp&src=10.224.0.20&dst=fd00::1&dport=80",
            "/v1/trace?protocol=tcp&src=198.51.100.7&dst=20.62.20.30&dport=80&node=no-such-node",
        ]
        for path in bad {
            let (status, body) = try await daemon.get(path)
            XCTAssertEqual(status, 400, path)
            let error = try DaemonUnderTest.object(body)["error"] as? String
            XCTAssertFalse(error?.isEmpty ?? true, path)
        }
        let (missing, missingBody) = try await daemon.get("/v2/everything")
        XCTAssertEqual(missing, 404)
        XCTAssertNotNil(try DaemonUnderTest.object(missingBody)["error"])

        // A valid trace answers with the `akssim trace --json` shape.
        let trace = try await daemon.json("/v1/trace?protocol=tcp&src=10.224.0.20&sport=41000&dst=10.224.0.30&dport=8080")
        XCTAssertEqual(trace["verdict"] as? String, "allow")
        XCTAssertEqual(trace["rule"] as? String, "netpol:shop/backend-allow-frontend")
        XCTAssertEqual(dict(trace["delivered"])["ip"] as? String, "10.224.0.30")
        XCTAssertFalse((trace["hops"] as? [Any] ?? []).isEmpty)
        let denied = try await daemon.json("/v1/trace?protocol=udp&src=10.224.0.20&dst=10.224.0.30&dport=8080")
        XCTAssertEqual(denied["verdict"] as? String, "drop")
        XCTAssertEqual(denied["stage"] as? String, "networkPolicy")

        let health = try await daemon.get("/healthz").0
        XCTAssertEqual(health, 200, "still serving after bad requests")
        XCTAssertEqual(daemon.stop(SIGTERM), 0, daemon.log)
    }

    func testNonLoopbackListenWithoutTokenIsRefusedAtStartup() throws {
        let run = try DaemonUnderTest.runToExit(["run", "--listen", "0.0.0.0:\(try DaemonUnderTest.freePort())"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("--token-file"), run.stderr)
    }

    func testWatchedDirectoryReplaysEachNewCaptureFile() async throws {
        try await watchedDirectoryReplays(threads: 1)
    }

    /// The same with two workers: the SYN and its reply meet on one worker (the reply is established).
    func testWatchedDirectoryReplaysWithWorkers() async throws {
        try await watchedDirectoryReplays(threads: 2)
    }

    private func watchedDirectoryReplays(threads: Int) async throws {
        let dir = try LiveCaptureDaemonTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let daemon = try DaemonUnderTest(arguments: ["--watch", dir.path, "--threads", "\(threads)"])
        defer { daemon.stop(SIGKILL) }
        try await daemon.waitUntilServing()

        let frontend = IPAddress(10, 224, 0, 20), backend = IPAddress(10, 224, 0, 30)
        // Three refused UDP datagrams, then an allowed TCP SYN and its reply.
        var frames: [[UInt8]] = (0..<3).map { _ in
            PacketBuilder.ethernet(PacketBuilder.udp(src: frontend, dst: backend, sport: 40001, dport: 8080, payload: [1]))
        }
        frames.append(PacketBuilder.ethernet(PacketBuilder.tcp(src: frontend, dst: backend, sport: 40002, dport: 8080, flags: [.syn])))
        frames.append(PacketBuilder.ethernet(PacketBuilder.tcp(src: backend, dst: frontend, sport: 8080, dport: 40002, flags: [.syn, .ack])))
        try Self.writeCapture(frames, to: dir.appendingPathComponent("cap-0001.pcap"))

        var stats = try await daemon.poll("/v1/stats") { int($0["packets"]) >= 5 }
        XCTAssertEqual(int(stats["packets"]), 5)
        XCTAssertEqual(int(dict(stats["verdicts"])["drop"]), 3)
        XCTAssertEqual(int(dict(stats["verdicts"])["allow"]), 2)
        XCTAssertEqual(int(dict(stats["rules"])["established"]), 1, "the SYN-ACK matched its SYN's connection")

        try Self.writeCapture(Array(frames.prefix(2)), to: dir.appendingPathComponent("cap-0002.pcap"))
        stats = try await daemon.poll("/v1/stats") { int($0["packets"]) >= 7 }
        XCTAssertEqual(int(stats["packets"]), 7)
        XCTAssertEqual(int(dict(dict(stats["daemon"])["watch"])["filesReplayed"]), 2)
        XCTAssertEqual(daemon.stop(SIGTERM), 0, daemon.log)
    }

    static func writeCapture(_ frames: [[UInt8]], to url: URL) throws {
        // Written under a hidden name and renamed, as a rotating writer finishing a file would.
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).part")
        let writer = try PcapWriter(path: temp.path, linkType: 1)
        for (i, frame) in frames.enumerated() {
            try frame.withUnsafeBytes { try writer.write($0, timestampNanos: 1_764_000_000_000_000_000 + Int64(i) * 1_000_000) }
        }
        try writer.close()
        try FileManager.default.moveItem(at: temp, to: url)
    }
}
