import Foundation
import NetworkAddress
import XCTest
@testable import PacketWire

/// Builder output checked by an independent dissector: tshark verifies every checksum and
/// finds the same ports, SNI, Host and DNS answers the decoder does. Skipped without tshark.
final class TsharkCrossCheckTests: XCTestCase {
    typealias F = Fixture

    static func tshark() -> String? {
        ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Classic little-endian microsecond pcap, written here so this test needs only PacketWire.
    static func pcap(_ frames: [[UInt8]], linkType: UInt32) -> Data {
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        var out = le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(262_144) + le32(linkType)
        for (i, f) in frames.enumerated() {
            out += le32(1_700_000_000) + le32(UInt32(i)) + le32(UInt32(f.count)) + le32(UInt32(f.count)) + f
        }
        return Data(out)
    }

    static func run(_ tool: String, _ file: URL, _ fields: [String]) throws -> [[String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        var args = ["-n", "-r", file.path, "-T", "fields", "-E", "separator=|", "-E", "occurrence=f",
                    "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                    "-o", "sctp.checksum:CRC 32c", "-d", "tcp.port==8443,tls"]
        for f in fields { args += ["-e", f] }
        process.arguments = args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// tshark prints integers in decimal or, for some fields, as 0x-prefixed hex.
    static func number(_ s: String) -> Int? {
        s.hasPrefix("0x") ? Int(s.dropFirst(2), radix: 16) : Int(s)
    }

    func testBuilderChecksumsAndSniffedFieldsAgreeWithTshark() throws {
        guard let tool = Self.tshark() else { throw XCTSkip("tshark not installed") }
        let ips: [[UInt8]] = [
            PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 40_000, dport: 443, flags: [.ack, .psh],
                              payload: PacketBuilder.tlsClientHello(sni: "login.microsoftonline.com")),
            PacketBuilder.tcp(src: F.pod6, dst: F.service6, sport: 40_001, dport: 80, flags: [.ack, .psh],
                              payload: PacketBuilder.httpRequest(host: "web.default:8080"), extensions: [.hopByHop, .destinationOptions]),
            PacketBuilder.udp(src: F.service, dst: F.pod, sport: 53, dport: 40_002,
                              payload: PacketBuilder.dnsResponse(id: 7, name: "mcr.microsoft.com", addresses: [F.internet])),
            PacketBuilder.udp(src: F.service6, dst: F.pod6, sport: 53, dport: 40_003,
                              payload: PacketBuilder.dnsQuery(id: 8, name: "example.com", type: 28)),
            PacketBuilder.sctp(src: F.pod, dst: F.service, sport: 36_412, dport: 38_412, chunk: .initiation(tag: 99)),
            PacketBuilder.sctp(src: F.pod6, dst: F.service6, sport: 5, dport: 6, vtag: 77, chunk: .data(tsn: 1, payload: [1, 2, 3])),
            PacketBuilder.icmpEcho(src: F.pod, dst: F.internet, id: 0x1234, seq: 1),
            PacketBuilder.icmpEcho(src: F.pod6, dst: F.service6, id: 0x4321, seq: 2, reply: true),
            PacketBuilder.icmpError(type: .destinationUnreachable, code: 3, from: F.router,
                                    original: PacketBuilder.udp(src: F.pod, dst: F.internet, sport: 1, dport: 2)),
            PacketBuilder.icmpError(type: .packetTooBig, from: F.router6,
                                    original: PacketBuilder.tcp(src: F.pod6, dst: F.service6, sport: 3, dport: 4)),
        ]
        let frames = ips.enumerated().map { i, ip in PacketBuilder.ethernet(ip, vlans: i % 3 == 0 ? [100] : [], qinq: false) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("akssim-wire-\(getpid()).pcap")
        try Self.pcap(frames, linkType: 1).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let rows = try Self.run(tool, file, [
            "ip.checksum.status", "tcp.checksum.status", "udp.checksum.status", "icmp.checksum.status",
            "icmpv6.checksum.status", "sctp.checksum.status", "tcp.srcport", "udp.srcport", "sctp.srcport",
            "tls.handshake.extensions_server_name", "http.host", "dns.a", "icmp.ident", "icmpv6.echo.identifier",
        ])
        XCTAssertEqual(rows.count, frames.count)
        var decoder = PacketDecoder()
        for (i, row) in rows.enumerated() where row.count == 14 {
            // Checksum status 1 = good (0 bad, 2 unverified); the first six columns.
            for c in 0..<6 where !row[c].isEmpty {
                // The quoted header inside an ICMP error carries its own (unchecked) sums.
                if (i == 8 || i == 9) && c != 3 && c != 4 && c != 0 { continue }
                XCTAssertEqual(row[c], "1", "frame \(i + 1) checksum column \(c)")
            }
            let p = decoder.decode(frames[i], linkType: .ethernet)
            XCTAssertEqual(p.malformed, .none, "frame \(i + 1)")
            let tsharkPort = [row[6], row[7], row[8]].first { !$0.isEmpty }
            if !p.icmpIsError && p.flow.proto.hasPorts { XCTAssertEqual(tsharkPort, String(p.flow.srcPort), "frame \(i + 1)") }
            if !row[9].isEmpty { XCTAssertEqual(F.text(p.sni, frames[i]), row[9]) }
            if !row[10].isEmpty { XCTAssertEqual(F.text(p.httpHost, frames[i]) + ":8080", row[10]) }
            if !row[11].isEmpty {
                let payload = Array(frames[i][Int(p.payloadOffset)...])
                XCTAssertEqual(DNSAnswers.all(in: payload).map(\.address.description), [row[11]])
            }
            for c in 12...13 where !row[c].isEmpty { XCTAssertEqual(Self.number(row[c]), Int(p.icmpEchoID), "frame \(i + 1)") }
        }
        XCTAssertEqual(rows.filter { $0.count > 9 && !$0[9].isEmpty }.count, 1, "tshark found the SNI")
        XCTAssertEqual(rows.filter { $0.count > 10 && !$0[10].isEmpty }.count, 1, "tshark found the Host")
    }

    /// Per link type: tshark's protocol stack and the decoder's network/transport agree.
    func testProtocolCountsAgreeWithTsharkOnEveryLinkType() throws {
        guard let tool = Self.tshark() else { throw XCTSkip("tshark not installed") }
        let big = PacketBuilder.udp(src: F.pod, dst: F.service, sport: 9000, dport: 9001, payload: [UInt8](repeating: 3, count: 2000), id: 77)
        let big6 = PacketBuilder.udp(src: F.pod6, dst: F.service6, sport: 9000, dport: 9001, payload: [UInt8](repeating: 3, count: 2000))
        let ips: [[UInt8]] = [
            PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 1, dport: 2),
            PacketBuilder.tcp(src: F.pod6, dst: F.service6, sport: 1, dport: 2, extensions: [.hopByHop, .routing, .authentication]),
            PacketBuilder.sctp(src: F.pod, dst: F.service, sport: 3, dport: 4),
            PacketBuilder.icmpEcho(src: F.pod6, dst: F.service6, id: 1, seq: 1),
        ] + PacketBuilder.fragment(big, mtu: 1000) + PacketBuilder.fragment(big6, mtu: 1000)
        let framings: [(LinkType, ([UInt8]) -> [UInt8])] = [
            (.ethernet, { PacketBuilder.ethernet($0, vlans: [10, 20], qinq: true) }),
            (.linuxSLL, { PacketBuilder.sll($0) }),
            (.linuxSLL2, { PacketBuilder.sll2($0) }),
            (.linktypeRaw, { $0 }),
            (.null, { PacketBuilder.null($0, bigEndian: false) }),
            (.loop, { PacketBuilder.loop($0) }),
        ]
        for (link, frame) in framings {
            let frames = ips.map(frame)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("akssim-wire-\(getpid())-\(link.rawValue).pcap")
            try Self.pcap(frames, linkType: UInt32(link.rawValue)).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let rows = try Self.run(tool, file, ["frame.protocols"])
            XCTAssertEqual(rows.count, frames.count, "\(link)")
            var decoder = PacketDecoder()
            for (i, row) in rows.enumerated() {
                let layers = Set(row[0].split(separator: ":").map(String.init))
                let p = decoder.decode(frames[i], linkType: link)
                XCTAssertEqual(p.malformed, .none, "\(link) frame \(i + 1)")
                XCTAssertEqual(layers.contains("ip"), p.network == .ipv4, "\(link) frame \(i + 1): \(row[0])")
                XCTAssertEqual(layers.contains("ipv6"), p.network == .ipv6, "\(link) frame \(i + 1): \(row[0])")
                if !p.isFragment {
                    XCTAssertEqual(layers.contains(p.flow.proto.description), true, "\(link) frame \(i + 1): \(row[0])")
                } else {
                    XCTAssertEqual(p.flow.proto, .udp)
                    XCTAssertEqual(p.flow.dstPort, 9001, "fragments resolved on \(link)")
                }
                if link == .ethernet { XCTAssertEqual(p.vlanCount, 2) }
            }
        }
    }

    /// The audit's edge cases, each read the same way by tshark: ICMP redirect and source quench
    /// quote a datagram, an HTTP request after an empty line, an absolute-form target (tshark's
    /// full URI names the host the decoder reports), a tiny IPv4 first fragment (not malformed)
    /// and a ClientHello fragmented across TLS records.
    func testEdgeCasesAgreeWithTshark() throws {
        guard let tool = Self.tshark() else { throw XCTSkip("tshark not installed") }
        let quoted = PacketBuilder.udp(src: F.internet, dst: F.pod, sport: 53, dport: 40_000, payload: Array("abcdefgh".utf8))
        func http(_ text: String, sport: UInt16) -> [UInt8] {
            PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: sport, dport: 80, flags: [.ack, .psh], payload: Array(text.utf8))
        }
        let tcp = PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 40_002, dport: 443, payload: [UInt8](repeating: 9, count: 40))
        // A ClientHello fragmented over two TLS records (RFC 8446 §5.1) in one segment.
        let handshake = Array(PacketBuilder.tlsClientHello(sni: "records.example.org")[5...])
        let recordSplit = [0x16, 0x03, 0x01, 0, 40] + handshake[..<40]
            + [0x16, 0x03, 0x01, UInt8((handshake.count - 40) >> 8), UInt8((handshake.count - 40) & 0xFF)] + handshake[40...]
        let ips: [[UInt8]] = [
            PacketBuilder.icmp(src: F.router, dst: F.internet, message: [5, 1, 0, 0, 10, 224, 0, 2] + quoted, ttl: 64),
            PacketBuilder.icmp(src: F.router, dst: F.internet, message: [4, 0, 0, 0, 0, 0, 0, 0] + quoted, ttl: 64),
            http("\r\nGET / HTTP/1.1\r\nHost: crlf.example.com\r\n\r\n", sport: 40_001),
            http("GET http://abs.example.com/x HTTP/1.1\r\nHost: other.example.com\r\n\r\n", sport: 40_003),
        ] + PacketBuilder.fragment(tcp, mtu: 28).prefix(1) + [
            PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 40_004, dport: 443, flags: [.ack, .psh], payload: recordSplit),
        ]
        let frames = ips.map { PacketBuilder.ethernet($0) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("akssim-wire-edge-\(getpid()).pcap")
        try Self.pcap(frames, linkType: 1).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let rows = try Self.run(tool, file, ["udp.srcport", "http.host", "http.request.full_uri", "ip.flags.mf", "_ws.malformed",
                                            "tls.handshake.extensions_server_name"])
        XCTAssertEqual(rows.count, frames.count)
        guard rows.count == frames.count, rows.allSatisfy({ $0.count == 6 }) else { return }
        var decoder = PacketDecoder()
        let p = frames.map { decoder.decode($0, linkType: .ethernet) }
        for i in 0...1 {
            XCTAssertTrue(p[i].icmpInnerValid, "frame \(i + 1)")
            XCTAssertEqual(rows[i][0], String(p[i].icmpInner.srcPort), "frame \(i + 1): tshark dissects the quoted UDP")
        }
        XCTAssertEqual(rows[2][1], F.text(p[2].httpHost, frames[2]))
        XCTAssertEqual(rows[3][2], "http://\(F.text(p[3].httpHost, frames[3]))/x")
        XCTAssertEqual(rows[4][3], "1")
        XCTAssertEqual(rows[4][4], "", "tshark: not malformed")
        XCTAssertEqual(p[4].malformed, .none)
        XCTAssertEqual(p[4].flow.srcPort, 40_002)
        XCTAssertEqual(rows[5][5], "records.example.org")
        XCTAssertEqual(F.text(p[5].sni, frames[5]), rows[5][5])
    }
}
