import Foundation
import XCTest

/// `--threads N`: one reader, N workers with their own pipelines; the results must be exactly
/// those of a single-threaded replay (issue 7 item 2).
final class ReplayThreadsCLITests: CLITestCase {
    var sample: String { Akssim.packageRoot.appendingPathComponent("Config/samples/aks-sample.pcap").path }

    /// JSON, drop pcap, flow log and drop traces identical for 1 and 2 (and 3) workers, on the
    /// bundled sample and on a synthetic capture with many flows.
    func testWorkersGiveTheSingleThreadedResult() throws {
        let synth = path("synth.pcap")
        let gen = try Akssim.run(["synth", "capture", "--packets", "20000", "--flows", "1500", "--out", synth])
        XCTAssertEqual(gen.status, 0, gen.stderr)
        for capture in [sample, synth] {
            var outputs: [[Data]] = []
            var texts: [String] = []
            for threads in ["1", "2", "3"] {
                let drops = path("drops-\(threads).pcap"), log = path("flows-\(threads).json")
                let j = try Akssim.run(["replay", "--json", "--threads", threads, capture])
                XCTAssertEqual(j.status, 0, j.stderr)
                let t = try Akssim.run(["replay", "--trace-drops", "--threads", threads, "--write-drops", drops, "--flow-log", log, capture])
                XCTAssertEqual(t.status, 0, t.stderr)
                outputs.append([Data(j.stdout.utf8), try Data(contentsOf: URL(fileURLWithPath: drops)),
                                try Data(contentsOf: URL(fileURLWithPath: log))])
                texts.append(t.stdout)
                XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { !$0.contains(".worker") },
                              "worker spools are removed")
            }
            XCTAssertEqual(outputs[1], outputs[0], "\(capture): --threads 2 equals --threads 1")
            XCTAssertEqual(outputs[2], outputs[0], "\(capture): --threads 3 equals --threads 1")
            XCTAssertEqual(texts[1], texts[0])
            XCTAssertEqual(texts[2], texts[0])
            let j = try json(try Akssim.run(["replay", "--json", capture]))
            XCTAssertGreaterThan((j["verdicts"] as? [String: Int])?["drop"] ?? 0, 0, "the capture exercises drops")
            XCTAssertGreaterThan((j["rules"] as? [String: Int])?["established"] ?? 0, 0, "and established connections")
        }
    }

    /// A merged capture holds client → ClusterIP SYNs (before kube-proxy's DNAT) and the
    /// endpoint pods' SYN-ACKs (after it). Conntrack recognises the chosen endpoint's reply as
    /// established; with workers that holds only if steering sends both forms to one worker —
    /// it hashes the client's side, which DNAT leaves alone.
    /// Client ports above both Service ports (the usual ephemeral ports), between the front door's
    /// port 80 and the endpoints' 8080, and below both: steering never hashes the Service side.
    func testNATedRepliesReachTheirConnectionsWorker() throws {
        for base: UInt16 in [30000, 2000, 40] {
            try natedReplies(clientPortBase: base)
        }
    }

    private func natedReplies(clientPortBase: UInt16) throws {
        let file = path("merged-\(clientPortBase).pcap")
        try ReplayPipelineFixtures.mergedNATScript(connections: 40, clientPortBase: clientPortBase).write(to: file)
        var first: String?
        for threads in ["1", "2", "3", "4"] {
            let run = try Akssim.run(["replay", "--json", "--threads", threads, file])
            XCTAssertEqual(run.status, 0, run.stderr)
            let j = try json(run)
            XCTAssertEqual((j["rules"] as? [String: Int])?["established"], 40, "client ports from \(clientPortBase), threads \(threads): every chosen endpoint's reply")
            // The 40 unsolicited SYN-ACKs are INVALID to nf_conntrack: judged, never tracked.
            XCTAssertEqual((j["conntrack"] as? [String: Int])?["newFlows"], 40, "40 connections; unsolicited SYN-ACKs open none")
            if let first { XCTAssertEqual(run.stdout, first, "threads \(threads)") } else { first = run.stdout }
        }
    }

    /// DNS answers in the capture teach the firewall's FQDN network rules (the DNS proxy sees
    /// them): without the answer the unlisted ntp.ubuntu.com address is denied, after it every
    /// query passes `time` — with workers too, whichever worker judged the DNS answer.
    func testDNSAnswersTeachTheFirewallOnEveryWorker() throws {
        let without = path("ntp.pcap"), with = path("ntp-dns.pcap")
        try ReplayPipelineFixtures.ntpScript(withAnswer: false).write(to: without)
        try ReplayPipelineFixtures.ntpScript(withAnswer: true).write(to: with)
        let denied = try json(try Akssim.run(["replay", "--json", without]))
        XCTAssertEqual(denied["verdicts"] as? [String: Int], ["allow": 0, "drop": 8, "reject": 0])
        XCTAssertEqual((denied["rules"] as? [String: Int])?["default-deny"], 8)
        for threads in ["1", "2", "3"] {
            let allowed = try json(try Akssim.run(["replay", "--json", "--threads", threads, with]))
            XCTAssertEqual(allowed["verdicts"] as? [String: Int], ["allow": 10, "drop": 0, "reject": 0], "threads \(threads)")
            XCTAssertEqual((allowed["rules"] as? [String: Int])?["aks-egress/aks-network/time"], 8, "threads \(threads)")
        }
    }

    /// ICMP errors are steered by the connection they quote, so `related` is found with workers.
    func testICMPErrorsReachTheirConnectionsWorker() throws {
        let file = path("icmp.pcap")
        try ReplayPipelineFixtures.icmpErrorScript(flows: 30).write(to: file)
        var first: String?
        for threads in ["1", "2", "3"] {
            let run = try Akssim.run(["replay", "--json", "--threads", threads, file])
            XCTAssertEqual(run.status, 0, run.stderr)
            let j = try json(run)
            XCTAssertEqual(j["verdicts"] as? [String: Int], ["allow": 60, "drop": 0, "reject": 0], "threads \(threads)")
            XCTAssertEqual((j["rules"] as? [String: Int])?["related"], 30, "threads \(threads)")
            if let first { XCTAssertEqual(run.stdout, first, "threads \(threads)") } else { first = run.stdout }
        }
    }

    /// 600 frames of 8 kB: batches hand over when their byte slab is full; nothing is lost,
    /// and the accepted pcap is byte-identical with and without workers.
    func testJumboFramesFillBatchesByBytes() throws {
        let file = path("jumbo.pcap")
        try ReplayPipelineFixtures.jumboScript(packets: 600).write(to: file)
        var pcaps: [Data] = []
        for threads in ["1", "2"] {
            let out = path("accepted-\(threads).pcap")
            let run = try Akssim.run(["replay", "--json", "--threads", threads, "--write-accepted", out, file])
            XCTAssertEqual(run.status, 0, run.stderr)
            let j = try json(run)
            XCTAssertEqual(j["verdicts"] as? [String: Int], ["allow": 600, "drop": 0, "reject": 0])
            XCTAssertEqual((j["rules"] as? [String: Int])?["established"], 540, "60 flows, 10 packets each")
            pcaps.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        XCTAssertEqual(pcaps[1], pcaps[0])
        XCTAssertGreaterThan(pcaps[0].count, 600 * 8000)
    }
}

/// `replay --timing`: the packet loop's duration on stderr, after a report that is unchanged.
final class ReplayTimingCLITests: CLITestCase {
    var sample: String { Akssim.packageRoot.appendingPathComponent("Config/samples/aks-sample.pcap").path }

    func testTimingLineOnStderrLeavesTheReportAlone() throws {
        for extra in [[], ["--threads", "2"], ["--read-only"]] {
            let plain = try Akssim.run(["replay", "--json"] + extra + [sample])
            let timed = try Akssim.run(["replay", "--json", "--timing"] + extra + [sample])
            XCTAssertEqual(timed.status, 0, timed.stderr)
            XCTAssertEqual(timed.stdout, plain.stdout, "\(extra): the report does not change")
            XCTAssertTrue(plain.stderr.isEmpty, plain.stderr)
            let line = timed.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertTrue(line.hasPrefix("akssim: timing: 66 packets read and judged in "), line)
            XCTAssertNotNil(line.range(of: #"in [0-9]+\.[0-9]{3} s \([0-9.]+ Mpps\), CPU [0-9]+\.[0-9]{3} s$"#, options: .regularExpression), line)
        }
    }
}
