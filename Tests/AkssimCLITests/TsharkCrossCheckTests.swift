import Foundation
import PacketWire
import PcapIO
import XCTest

/// `replay --json` packet and per-protocol counts must agree with tshark's dissection
/// (`frame.protocols`) on captures with VLAN, QinQ, IPv6 extension headers, fragments and the
/// non-Ethernet link types. IP reassembly is turned off in tshark, so each fragment is one
/// packet and only a first fragment carries its transport header — the same rule akssim counts by.
final class TsharkCrossCheckTests: CLITestCase {
    static let tshark = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }

    struct Counts: Equatable, CustomStringConvertible {
        var packets = 0, ipv4 = 0, ipv6 = 0, tcp = 0, udp = 0, sctp = 0, icmp = 0, icmpv6 = 0, arp = 0
        var description: String {
            "packets \(packets) ipv4 \(ipv4) ipv6 \(ipv6) tcp \(tcp) udp \(udp) sctp \(sctp) icmp \(icmp) icmpv6 \(icmpv6) arp \(arp)"
        }
    }

    func tsharkCounts(_ file: String, tshark: String) throws -> (Counts, String) {
        let run = try Akssim.runTool(URL(fileURLWithPath: tshark), [
            "-r", file, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-T", "fields", "-e", "frame.protocols",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        var c = Counts()
        for line in run.stdout.split(separator: "\n") {
            let tokens = Set(line.split(separator: ":").map(String.init))
            c.packets += 1
            if tokens.contains("ip") { c.ipv4 += 1 }
            if tokens.contains("ipv6") { c.ipv6 += 1 }
            if tokens.contains("tcp") { c.tcp += 1 }
            if tokens.contains("udp") { c.udp += 1 }
            if tokens.contains("sctp") { c.sctp += 1 }
            if tokens.contains("icmp") { c.icmp += 1 }
            if tokens.contains("icmpv6") { c.icmpv6 += 1 }
            if tokens.contains("arp") { c.arp += 1 }
        }
        return (c, run.stdout)
    }

    func akssimCounts(_ file: String) throws -> Counts {
        let run = try Akssim.run(["replay", "--json", file])
        XCTAssertEqual(run.status, 0, run.stderr)
        let j = try json(run)
        let d = j["decode"] as? [String: Int] ?? [:]
        return Counts(packets: j["packets"] as? Int ?? -1, ipv4: d["ipv4"] ?? -1, ipv6: d["ipv6"] ?? -1, tcp: d["tcp"] ?? -1,
                      udp: d["udp"] ?? -1, sctp: d["sctp"] ?? -1, icmp: d["icmp"] ?? -1, icmpv6: d["icmpv6"] ?? -1,
                      arp: d["arp"] ?? -1)
    }

    func testCountsAgreeWithTsharkOnEveryLinkType() throws {
        guard let tshark = Self.tshark else {
            throw XCTSkip("tshark is not installed (scripts/setup --test installs it); skipping the cross-check")
        }
        let ip = ReplayFixtures.ipPackets()
        let v4 = ip.filter { $0.first.map { $0 >> 4 } == 4 }
        let v6 = ip.filter { $0.first.map { $0 >> 4 } == 6 }
        let arp = PacketBuilder.ethernet(PacketBuilder.arp(senderIP: ReplayFixtures.pod, targetIP: ReplayFixtures.service),
                                         etherType: 0x0806)
        let sctp = PacketBuilder.ethernet(PacketBuilder.sctp(src: ReplayFixtures.pod, dst: ReplayFixtures.service, sport: 1, dport: 2))
        let captures: [(String, LinkType, [[UInt8]])] = [
            ("ethernet", .ethernet, ip.map { PacketBuilder.ethernet($0) } + [arp, sctp]),
            ("vlan", .ethernet, ip.map { PacketBuilder.ethernet($0, vlans: [100]) }),
            ("qinq", .ethernet, ip.map { PacketBuilder.ethernet($0, vlans: [300, 100], qinq: true) }),
            ("sll", .linuxSLL, ip.map { PacketBuilder.sll($0) }),
            ("sll2", .linuxSLL2, ip.map { PacketBuilder.sll2($0) }),
            ("raw", .raw, ip),
            ("ipv4", .ipv4, v4),
            ("ipv6", .ipv6, v6),
            ("null", .null, ip.map { PacketBuilder.null($0, bigEndian: false) }),
            ("loop", .loop, ip.map { PacketBuilder.loop($0) }),
        ]
        for (name, linkType, frames) in captures {
            let file = path("\(name).pcap")
            try ReplayFixtures.write(frames, linkType: linkType, to: file)
            let (expected, dissection) = try tsharkCounts(file, tshark: tshark)
            let got = try akssimCounts(file)
            XCTAssertEqual(got, expected, "\(name): akssim vs tshark; tshark saw:\n\(dissection)")
            XCTAssertEqual(got.packets, frames.count, name)
        }
    }
}
