import Foundation
import NetworkAddress
import PacketWire
import PcapIO
import XCTest

/// The conntrack flood through the binary (issue 7: memory flat over a flood of distinct flows,
/// bounded table, evictions counted): `synth capture --flow-starts-only` streams one opening
/// frame per flow with no two flows sharing a 5-tuple (also past 64,512 flows, where source
/// ports wrap), `--out -` writes the capture to standard output, and `replay --conntrack-max`
/// bounds the table so a flood larger than it keeps it full and counts every eviction.
final class FloodCLITests: CLITestCase {
    func writeCluster() throws -> String {
        let r = try Akssim.run(["synth", "cluster", "--pods", "60", "--namespaces", "3", "--services", "20", "--policies", "6",
                                "--nsg-rules", "10", "--firewall-rules", "4", "--out", path("c.yaml")])
        XCTAssertEqual(r.status, 0, r.stderr)
        return path("c.yaml")
    }

    /// Runs a shell pipeline with the binary as "$0" (stdout and stderr captured).
    func shell(_ script: String) throws -> AkssimRun {
        try Akssim.runTool(URL(fileURLWithPath: "/bin/sh"), ["-c", script, try Akssim.binary().path])
    }

    func flowKeys(_ file: String) throws -> (keys: [FlowKey], openers: Int) {
        let reader = try PcapReader(path: file)
        defer { reader.close() }
        var record = PacketRecord()
        var decoder = PacketDecoder()
        var packet = DecodedPacket()
        var keys: [FlowKey] = []
        var openers = 0
        while try reader.next(into: &record) {
            decoder.decode(record.bytes, linkType: .ethernet, wireLength: record.wireLength, into: &packet)
            keys.append(packet.flow)
            // A flow's first packet: a bare SYN, or a DNS query to port 53.
            if packet.flow.proto == .tcp ? packet.tcpFlags == [.syn] : packet.flow.dstPort == 53 { openers += 1 }
        }
        return (keys, openers)
    }

    /// 70,000 flows: source ports 1024…65535 wrap once, and the second round still repeats no
    /// tuple. Standard output carries the same bytes as a file, and the summary moves to stderr.
    func testFlowStartsAreDistinctPastThePortRangeAndStreamToStandardOutput() throws {
        let cluster = try writeCluster()
        let file = path("flood.pcap"), piped = path("piped.pcap")
        let w = try Akssim.run(["synth", "capture", "--cluster", cluster, "--flows", "70000", "--flow-starts-only", "--out", file])
        XCTAssertEqual(w.status, 0, w.stderr)
        XCTAssertTrue(w.stdout.contains("wrote 70000 packets"), w.stdout)
        let p = try shell("\"$0\" synth capture --cluster '\(cluster)' --flows 70000 --flow-starts-only --out - > '\(piped)'")
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertTrue(p.stderr.contains("wrote 70000 packets"), "the summary goes to stderr when stdout is the capture: \(p.stderr)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: piped)), try Data(contentsOf: URL(fileURLWithPath: file)))

        let (keys, openers) = try flowKeys(file)
        XCTAssertEqual(keys.count, 70000)
        XCTAssertEqual(Set(keys).count, 70000, "every flow has its own 5-tuple")
        XCTAssertEqual(openers, 70000, "every packet opens its flow (SYN or DNS query)")
        XCTAssertEqual(keys[0].srcPort, 1024)
        XCTAssertEqual(keys[64511].srcPort, 65535)
        XCTAssertEqual(keys[64512].srcPort, 1024, "ports wrap after 64,512 flows")
        XCTAssertNotEqual(keys[64512].src, keys[0].src, "and the next round comes from other sources")
    }

    /// Each flow is generated from (seed, index) alone: a shorter flood is a prefix of a longer
    /// one, and another seed gives another mix.
    func testFlowStartsAreGeneratedFromTheirIndex() throws {
        let cluster = try writeCluster()
        var captures: [Data] = []
        for (flows, seed) in [("1000", "7"), ("3000", "7"), ("1000", "8")] {
            let file = path("f-\(flows)-\(seed).pcap")
            let w = try Akssim.run(["synth", "capture", "--cluster", cluster, "--flows", flows, "--seed", seed, "--flow-starts-only", "--out", file])
            XCTAssertEqual(w.status, 0, w.stderr)
            captures.append(try Data(contentsOf: URL(fileURLWithPath: file)))
        }
        XCTAssertEqual(captures[1].prefix(captures[0].count), captures[0])
        XCTAssertNotEqual(captures[2], captures[0])
    }

    /// 20,000 distinct flows streamed into replay with a 1,000-entry table: every packet is
    /// judged once and opens a flow, the table ends full, and each flow past its capacity
    /// evicted one live entry (none had expired: the flood spans 40 ms of capture time, the
    /// shortest timeout is UDP's 30 s).
    func testFloodThroughABoundedTableCountsEveryEviction() throws {
        let cluster = try writeCluster()
        let r = try shell("\"$0\" synth capture --cluster '\(cluster)' --flows 20000 --flow-starts-only --out - "
                          + "| \"$0\" replay --cluster '\(cluster)' --conntrack-max 1000 --json -")
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try json(r)
        XCTAssertEqual(o["packets"] as? Int, 20000)
        let verdicts = try XCTUnwrap(o["verdicts"] as? [String: Int])
        XCTAssertEqual(verdicts.values.reduce(0, +), 20000, "one verdict per packet: \(verdicts)")
        let conntrack = try XCTUnwrap(o["conntrack"] as? [String: Int])
        XCTAssertEqual(conntrack["newFlows"], 20000)
        XCTAssertEqual(conntrack["entries"], 1000, "bounded at --conntrack-max")
        XCTAssertEqual(conntrack["expired"], 0)
        XCTAssertEqual(conntrack["evictions"], 19000, "every flow past the capacity evicts one")

        // The default bound holds all 20,000: nothing is evicted.
        let d = try shell("\"$0\" synth capture --cluster '\(cluster)' --flows 20000 --flow-starts-only --out - "
                          + "| \"$0\" replay --cluster '\(cluster)' --json -")
        XCTAssertEqual(d.status, 0, d.stderr)
        let dc = try XCTUnwrap(try json(d)["conntrack"] as? [String: Int])
        XCTAssertEqual(dc["entries"], 20000)
        XCTAssertEqual(dc["evictions"], 0)
    }

    func testBadFloodOptionsExitTwoNamingTheOption() throws {
        let cluster = try writeCluster()
        let cases: [([String], String)] = [
            (["synth", "capture", "--cluster", cluster, "--flows", "0", "--flow-starts-only", "--out", path("x.pcap")], "--flows"),
            (["synth", "capture", "--cluster", cluster, "--flows", "2000000", "--out", path("x.pcap")], "--flows must be between 1 and 1000000"),
            // About 60 pods × 64,512 source ports ≈ 4 million distinct tuples.
            (["synth", "capture", "--cluster", cluster, "--flows", "100000000", "--flow-starts-only", "--out", path("x.pcap")],
             "distinct flows its"),
            (["replay", "--conntrack-max", "5", "--cluster", cluster, path("x.pcap")], "--conntrack-max must be between 16"),
            (["replay", "--conntrack-max", "100", "--read-only", path("x.pcap")], "--conntrack-max"),
        ]
        for (arguments, message) in cases {
            let r = try Akssim.run(arguments)
            XCTAssertEqual(r.status, 2, "\(arguments): \(r.stdout) \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.pcap")), "nothing written for a refused flood")
    }
}
