import Foundation
import PcapIO
import XCTest

/// `--write-drops` / `--write-accepted` as other tools read them: the input's link type (not
/// only Ethernet) and its nanosecond timestamps survive; named inputs of different link types are
/// refused before anything is judged; standard input of another link type stops the run there,
/// with the packets already judged reported and written (exit 2).
final class ReplayOutputsCLITests: CLITestCase {
    /// A TCP SYN from the Internet (192.0.2.99) to a node's SSH port as a bare IPv4 packet
    /// (LINKTYPE_RAW): the default cluster drops it.
    private func rawSYN() -> [UInt8] {
        var ip: [UInt8] = [0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 192, 0, 2, 99, 10, 224, 0, 4]
        var sum: UInt32 = 0
        for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(ip[i]) << 8 | UInt32(ip[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        ip[10] = UInt8(~sum >> 8 & 0xff)
        ip[11] = UInt8(~sum & 0xff)
        let tcp: [UInt8] = [0xea, 0x60, 0, 22, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xfa, 0xf0, 0, 0, 0, 0]
        return ip + tcp
    }

    private let stamp: Int64 = 1_795_597_200_123_456_789

    private func writeRaw(_ file: String) throws {
        try PcapWriter.writeAll(path: file, linkType: 101, nanosecond: true,
                                packets: [CapturedPacket(bytes: rawSYN(), timestampNanos: stamp)])
    }

    func testRawInputDropsKeepLinkTypeAndNanoseconds() throws {
        let input = path("raw.pcap"), drops = path("drops.pcap")
        try writeRaw(input)
        let run = try Akssim.run(["replay", "--write-drops", drops, input])
        XCTAssertEqual(run.status, 0, run.stderr)
        let reader = try PcapReader(path: drops)
        defer { reader.close() }
        XCTAssertEqual(reader.linkType, try PcapReader(path: input).linkType, "RAW in, RAW out")
        var record = PacketRecord()
        XCTAssertTrue(try reader.next(into: &record))
        XCTAssertEqual(record.timestampNanos, stamp, "nanoseconds kept")
        XCTAssertEqual(Array(record.bytes), rawSYN())
        if let tshark = TsharkCrossCheckTests.tshark {
            let t = try Akssim.runTool(URL(fileURLWithPath: tshark),
                                       ["-r", drops, "-T", "fields", "-e", "frame.time_epoch", "-e", "ip.src", "-e", "tcp.dstport"])
            XCTAssertEqual(t.status, 0, t.stderr)
            XCTAssertEqual(t.stdout, "1795597200.123456789\t192.0.2.99\t22\n")
        }
    }

    func testMixedLinkTypesStopTheRunAndKeepWhatWasJudged() throws {
        let ethernet = path("eth.pcap"), raw = path("raw.pcap")
        try ReplayPipelineFixtures.verdictScript().write(to: ethernet)
        try writeRaw(raw)
        let inputs: Set<String> = ["eth.pcap", "raw.pcap"]
        // Named files are checked before anything is judged.
        let named = try Akssim.run(["replay", "--write-drops", path("d.pcap"), ethernet, raw])
        XCTAssertEqual(named.status, 2)
        XCTAssertTrue(named.stderr.contains("raw.pcap: link type RAW differs from"), named.stderr)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)), inputs)
        // Standard input is known only when reached, after the first file was judged and written:
        // reading stops there, and what was judged is reported and written, then exit 2 (nothing
        // already processed is lost, as after a truncated file); no worker spool is left behind.
        let alone = try json(try Akssim.run(["replay", "--json", ethernet]))
        for threads in ["1", "2"] {
            let late = try Akssim.run(["replay", "--json", "--threads", threads, "--write-drops", path("d.pcap"),
                                       "--write-accepted", path("a.pcap"), ethernet, "-"], stdin: raw)
            XCTAssertEqual(late.status, 2, "threads \(threads)")
            XCTAssertTrue(late.stderr.contains("-: link type RAW differs from the first file's EN10MB"), late.stderr)
            XCTAssertTrue(late.stderr.contains("reading stopped there"), late.stderr)
            let j = try json(late)
            XCTAssertEqual(j["verdicts"] as? [String: Int], alone["verdicts"] as? [String: Int], "threads \(threads): the first file's verdicts")
            let verdicts = alone["verdicts"] as? [String: Int] ?? [:]
            XCTAssertEqual(try Self.count(path("d.pcap")), (verdicts["drop"] ?? 0) + (verdicts["reject"] ?? 0))
            XCTAssertEqual(try Self.count(path("a.pcap")), verdicts["allow"] ?? 0)
            XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)),
                           inputs.union(["d.pcap", "a.pcap"]), "threads \(threads): no worker spool left")
            try FileManager.default.removeItem(atPath: path("d.pcap"))
            try FileManager.default.removeItem(atPath: path("a.pcap"))
        }
    }

    static func count(_ file: String) throws -> Int {
        let reader = try PcapReader(path: file)
        defer { reader.close() }
        var record = PacketRecord()
        var n = 0
        while try reader.next(into: &record) { n += 1 }
        return n
    }
}
