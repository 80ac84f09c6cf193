import Foundation
import NetworkAddress
import PacketWire
import PcapIO
import XCTest

/// `akssim replay` through the built binary: JSON contract, exact counts, exit codes.
final class ReplayCLITests: CLITestCase {
    func testJSONKeysAndExactCounts() throws {
        let file = path("mixed.pcap")
        try ReplayFixtures.write(ReplayFixtures.mixedFrames(), to: file)
        let run = try Akssim.run(["replay", "--json", file])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(Array(topLevelKeys(run.stdout).prefix(9)),
                       ["packets", "bytes", "files", "timeSpan", "linkTypes", "decode", "malformed", "fragments", "names"])
        let j = try json(run)
        XCTAssertEqual(j["packets"] as? Int, 15)
        let bytes = ReplayFixtures.mixedFrames().reduce(0) { $0 + $1.count }
        XCTAssertEqual(j["bytes"] as? Int, bytes)
        XCTAssertEqual(j["decode"] as? [String: Int], [
            "ipv4": 11, "ipv6": 2, "tcp": 5, "udp": 4, "sctp": 1, "icmp": 1, "icmpv6": 1, "arp": 1, "other": 1,
        ])
        XCTAssertEqual(j["malformed"] as? [String: Int], ["tcp.truncated": 1])
        XCTAssertEqual(j["fragments"] as? [String: Int], ["total": 2, "first": 1, "attributed": 1, "orphan": 0])
        XCTAssertEqual(j["linkTypes"] as? [String: Int], ["EN10MB": 15])
        let names = j["names"] as? [String: [String]]
        XCTAssertEqual(names?["sni"], ["api.github.com"])
        XCTAssertEqual(names?["httpHost"], ["shop.contoso.com"])
        XCTAssertEqual(j["encapsulation"] as? [String: Int], ["vlan": 2, "qinq": 1, "vxlan": 0])
        let span = j["timeSpan"] as? [String: Any]
        XCTAssertEqual(span?["first"] as? String, "2026-11-25T09:00:00.000000000Z")
        XCTAssertEqual(span?["last"] as? String, "2026-11-25T09:00:14.000000000Z")
        XCTAssertEqual(span?["seconds"] as? Int, 14)
        let files = j["files"] as? [[String: Any]]
        XCTAssertEqual(files?.count, 1)
        XCTAssertEqual(files?.first?["packets"] as? Int, 15)
        XCTAssertEqual(files?.first?["truncated"] as? Bool, false)
    }

    func testTextSummaryOfBundledSample() throws {
        let sample = Akssim.packageRoot.appendingPathComponent("Config/samples/aks-sample.pcap").path
        let run = try Akssim.run(["replay", sample])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("packets        66 "), run.stdout)
        XCTAssertTrue(run.stdout.contains("TLS SNI        api.github.com, www.example.com, shop.contoso.com"), run.stdout)
        XCTAssertTrue(run.stdout.contains("encapsulation  vlan 1 (qinq 0), vxlan 0"), run.stdout)
        XCTAssertTrue(run.stdout.contains("arp 2"), run.stdout)
        XCTAssertEqual(run.stderr, "", "no progress line when stderr is not a terminal")
    }

    /// The committed sample is exactly what the committed generator writes.
    func testCommittedSampleIsTheGeneratorsOutput() throws {
        let out = path("sample.pcap")
        let run = try Akssim.run(["synth", "sample", "--out", out])
        XCTAssertEqual(run.status, 0, run.stderr)
        let committed = try Data(contentsOf: Akssim.packageRoot.appendingPathComponent("Config/samples/aks-sample.pcap"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), committed)
        XCTAssertLessThan(committed.count, 1 << 20)
    }

    func testSynthCaptureIsDeterministic() throws {
        let a = path("a.pcap"), b = path("b.pcap")
        XCTAssertEqual(try Akssim.run(["synth", "capture", "--packets", "2000", "--flows", "50", "--out", a]).status, 0)
        XCTAssertEqual(try Akssim.run(["synth", "capture", "--packets", "2000", "--flows", "50", "--out", b]).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
        let j = try json(try Akssim.run(["replay", "--json", a]))
        XCTAssertEqual(j["packets"] as? Int, 2000)
        XCTAssertEqual(j["malformed"] as? [String: Int], [:])
    }

    func testFilterAndReadOnly() throws {
        let file = path("mixed.pcap")
        try ReplayFixtures.write(ReplayFixtures.mixedFrames(), to: file)
        let udp = try json(try Akssim.run(["replay", "--json", "--filter", "udp and not ip6", file]))
        // BPF `udp` tests the IPv4 protocol field, so both fragments match, while the VLAN/QinQ
        // frames need a `vlan` primitive: DNS query + two fragments. Only the DNS query and the
        // first fragment carry a UDP header.
        XCTAssertEqual(udp["packets"] as? Int, 3)
        XCTAssertEqual((udp["decode"] as? [String: Int])?["udp"], 2)
        XCTAssertEqual((udp["fragments"] as? [String: Int])?["total"], 2)

        let raw = try json(try Akssim.run(["replay", "--json", "--read-only", file]))
        XCTAssertEqual(raw["packets"] as? Int, 15)
        XCTAssertEqual((raw["decode"] as? [String: Int])?.values.reduce(0, +), 0, "the raw loop decodes nothing")
    }

    /// A snap length cuts packets short: they still count (by their wire length in `bytes`)
    /// and are decoded as far as the captured bytes go.
    func testSnaplenCutPackets() throws {
        let file = path("snap.pcap")
        let full = ReplayFixtures.mixedFrames()[1]   // the TLS ClientHello
        try PcapWriter.writeAll(path: file, linkType: 1, snaplen: 64, packets: [
            CapturedPacket(bytes: Array(full.prefix(64)), timestampNanos: ReplayFixtures.base, wireLength: UInt32(full.count)),
        ])
        let j = try json(try Akssim.run(["replay", "--json", file]))
        XCTAssertEqual(j["packets"] as? Int, 1)
        XCTAssertEqual(j["bytes"] as? Int, full.count)
        XCTAssertEqual(j["capturedBytes"] as? Int, 64)
        XCTAssertEqual(j["snapTruncated"] as? Int, 1)
        XCTAssertEqual((j["decode"] as? [String: Int])?["tcp"], 1)
        XCTAssertEqual((j["names"] as? [String: [String]])?["sni"], [], "the SNI lies beyond the snap length")
    }

    /// Names are kept in first-seen order, each once, at most 1000 of them.
    func testNameSetsAreDistinctOrderedAndBounded() throws {
        let file = path("names.pcap")
        var frames: [[UInt8]] = []
        for i in 0..<1005 {
            let hello = PacketBuilder.tlsClientHello(sni: "host\(i).example.com")
            let ip = PacketBuilder.tcp(src: ReplayFixtures.pod, dst: IPAddress(140, 82, 112, 6), sport: UInt16(20000 + i), dport: 443,
                                       flags: [.psh, .ack], payload: hello)
            frames.append(PacketBuilder.ethernet(ip))
            if i < 3 { frames.append(PacketBuilder.ethernet(ip)) }   // repeats are not new names
        }
        try ReplayFixtures.write(frames, to: file)
        let j = try json(try Akssim.run(["replay", "--json", file]))
        let sni = (j["names"] as? [String: [String]])?["sni"] ?? []
        XCTAssertEqual(sni.count, 1000)
        XCTAssertEqual(Array(sni.prefix(3)), ["host0.example.com", "host1.example.com", "host2.example.com"])
        XCTAssertEqual(sni.last, "host999.example.com")
        XCTAssertEqual(Set(sni).count, 1000)
    }

    func testStandardInput() throws {
        let file = path("mixed.pcap")
        try ReplayFixtures.write(ReplayFixtures.mixedFrames(), to: file)
        let j = try json(try Akssim.run(["replay", "--json", "-"], stdin: file))
        XCTAssertEqual(j["packets"] as? Int, 15)
        XCTAssertEqual(try Akssim.run(["replay", "-", "-"], stdin: file).status, 2)
    }

    /// An overlay packet (VXLAN on UDP 4789) counts once, by its inner frame.
    func testVXLANCountedByInnerFrame() throws {
        let file = path("vxlan.pcap")
        let inner = PacketBuilder.ethernet(PacketBuilder.tcp(src: ReplayFixtures.pod, dst: ReplayFixtures.service, sport: 40000,
                                                             dport: 80, flags: [.syn]))
        let outer = PacketBuilder.udp(src: IPAddress(10, 224, 0, 4), dst: IPAddress(10, 224, 0, 5), sport: 51234, dport: 4789,
                                      payload: PacketBuilder.vxlan(inner: inner, vni: 4096))
        try ReplayFixtures.write([PacketBuilder.ethernet(outer)], to: file)
        let j = try json(try Akssim.run(["replay", "--json", file]))
        XCTAssertEqual(j["encapsulation"] as? [String: Int], ["vlan": 0, "qinq": 0, "vxlan": 1])
        XCTAssertEqual(j["decode"] as? [String: Int], [
            "ipv4": 1, "ipv6": 0, "tcp": 1, "udp": 0, "sctp": 0, "icmp": 0, "icmpv6": 0, "arp": 0, "other": 0,
        ])
    }

    func testMultipleFilesAddUp() throws {
        let a = path("a.pcap"), b = path("b.pcap")
        try ReplayFixtures.write(ReplayFixtures.mixedFrames(), to: a)
        try ReplayFixtures.write(ReplayFixtures.ipPackets(), linkType: .raw, to: b)
        let j = try json(try Akssim.run(["replay", "--json", a, b]))
        XCTAssertEqual(j["packets"] as? Int, 15 + ReplayFixtures.ipPackets().count)
        XCTAssertEqual(j["linkTypes"] as? [String: Int], ["EN10MB": 15, "RAW": ReplayFixtures.ipPackets().count])
        XCTAssertEqual((j["files"] as? [[String: Any]])?.map { $0["path"] as? String }, [a, b])
    }

    // MARK: exit codes

    func testBadFlagExits2() throws {
        let run = try Akssim.run(["replay", "--no-such-flag", "x.pcap"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("--no-such-flag"), run.stderr)
        XCTAssertEqual(try Akssim.run(["replay"]).status, 2)
        XCTAssertEqual(try Akssim.run(["replay", "--read-only", "--decode-only", "x"]).status, 2)
    }

    func testForeignMissingAndEmptyFilesExit2NamingTheFile() throws {
        let foreign = path("cluster.yaml")
        try Data("apiVersion: v1\n".utf8).write(to: URL(fileURLWithPath: foreign))
        let run = try Akssim.run(["replay", foreign])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.stdout, "", "nothing is counted before every file opened")
        XCTAssertEqual(run.stderr, "akssim: \(foreign): not a pcap or pcapng file (libpcap: unknown file format)\n")

        let missing = path("nope.pcap")
        let gone = try Akssim.run(["replay", missing])
        XCTAssertEqual(gone.status, 2)
        XCTAssertTrue(gone.stderr.contains("\(missing): cannot open capture file: No such file or directory"), gone.stderr)

        let empty = path("empty.pcap")
        FileManager.default.createFile(atPath: empty, contents: Data())
        let nothing = try Akssim.run(["replay", empty])
        XCTAssertEqual(nothing.status, 2)
        XCTAssertTrue(nothing.stderr.contains("\(empty): empty file"), nothing.stderr)
    }

    /// A packet whose IP header is malformed never reaches its transport header: it counts under
    /// ipv4 and its malformed reason, not under tcp (tshark: `eth:ethertype:ip`); a cut TCP header
    /// still counts under tcp (tshark: `eth:ethertype:ip:tcp`).
    func testMalformedIPHeaderCountsNoTransport() throws {
        let file = path("ihl.pcap")
        var bad = PacketBuilder.tcp(src: ReplayFixtures.pod, dst: ReplayFixtures.service, sport: 40000, dport: 80, flags: [.syn])
        bad[0] = 0x43   // IHL 3 (12 bytes): below the 20-byte minimum
        var cut = PacketBuilder.tcp(src: ReplayFixtures.pod, dst: ReplayFixtures.service, sport: 40003, dport: 80, flags: [.syn])
        cut = Array(cut.prefix(30))
        cut[2] = 0; cut[3] = 30
        try ReplayFixtures.write([PacketBuilder.ethernet(bad), PacketBuilder.ethernet(cut)], to: file)
        let j = try json(try Akssim.run(["replay", "--json", "--decode-only", file]))
        let d = j["decode"] as? [String: Int]
        XCTAssertEqual(d?["ipv4"], 2)
        XCTAssertEqual(d?["tcp"], 1, "only the packet whose TCP header was reached")
        XCTAssertEqual(j["malformed"] as? [String: Int], ["ipv4.ihl": 1, "tcp.truncated": 1])
    }

    /// A link type the decoder cannot read is bad input named once (exit 2), not N malformed packets.
    func testUnsupportedLinkTypeIsBadInput() throws {
        let file = path("dlt147.pcap")
        try ReplayFixtures.write(ReplayFixtures.mixedFrames(), linkType: LinkType(rawValue: 147), to: file)
        let run = try Akssim.run(["replay", "--json", file])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.stdout, "", "nothing is counted before every file opened")
        XCTAssertEqual(run.stderr, "akssim: \(file): link type DLT_147 is not supported (expected EN10MB, LINUX_SLL, "
                       + "LINUX_SLL2, RAW, NULL, LOOP, IPV4 or IPV6)\n")
        // The raw read loop decodes nothing: it still reads the file.
        XCTAssertEqual(try Akssim.run(["replay", "--read-only", file]).status, 0)
    }

    func testTruncatedFileCountsWholeRecordsThenExits2() throws {
        let file = path("whole.pcap")
        let frames = ReplayFixtures.mixedFrames()
        try ReplayFixtures.write(frames, to: file)
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        let cut = path("cut.pcap")
        try data.prefix(data.count - 5).write(to: URL(fileURLWithPath: cut))   // inside the last record
        let run = try Akssim.run(["replay", "--json", cut])
        XCTAssertEqual(run.status, 2)
        let j = try json(run)
        XCTAssertEqual(j["packets"] as? Int, frames.count - 1)
        XCTAssertEqual((j["files"] as? [[String: Any]])?.first?["truncated"] as? Bool, true)
        XCTAssertTrue(run.stderr.hasPrefix("akssim: \(cut): truncated"), run.stderr)
        XCTAssertTrue(run.stderr.contains("after \(frames.count - 1) whole records"), run.stderr)
    }

    func testBadBPFExits2QuotingLibpcap() throws {
        let file = path("mixed.pcap")
        try ReplayFixtures.write(ReplayFixtures.mixedFrames(), to: file)
        let run = try Akssim.run(["replay", "--filter", "tcp port https-ish", file])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("libpcap:"), run.stderr)
        XCTAssertTrue(run.stderr.contains("'tcp port https-ish'"), run.stderr)
    }
}
