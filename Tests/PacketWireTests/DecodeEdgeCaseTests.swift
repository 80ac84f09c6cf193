import NetworkAddress
import XCTest
@testable import PacketWire

/// Edge cases where the decoder once disagreed with tshark or the RFCs (conformance audit).
final class DecodeEdgeCaseTests: XCTestCase {
    typealias F = Fixture

    /// RFC 791 allows 8-byte fragments, so a first fragment may end inside the TCP header; Linux
    /// reassembles before TCP reads it and tshark shows it as data awaiting reassembly. It is
    /// not malformed, and its ports still attribute the later fragments.
    func testFirstFragmentCutInsideTheTCPHeader() {
        let ip = PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 40_000, dport: 443, flags: [.ack, .psh],
                                   payload: [UInt8](repeating: 7, count: 40))
        let pieces = PacketBuilder.fragment(ip, mtu: 28)
        XCTAssertGreaterThan(pieces.count, 2)
        var decoder = PacketDecoder()
        let p = pieces.map { decoder.decode($0, linkType: .ipv4) }
        XCTAssertEqual(p[0].payloadLength, 0)
        for (i, q) in p.enumerated() {
            XCTAssertEqual(q.malformed, .none, "fragment \(i)")
            XCTAssertEqual(q.flow, FlowKey(src: F.pod, dst: F.internet, srcPort: 40_000, dstPort: 443, proto: .tcp), "fragment \(i)")
            XCTAssertFalse(q.isOrphanFragment, "fragment \(i)")
        }
        // IPv6: RFC 8200 §4.5 — Linux (`ipv6frag_thdr_truncated`) discards a first fragment
        // without the whole TCP header, so it stays malformed.
        let ip6 = PacketBuilder.tcp(src: F.pod6, dst: F.service6, sport: 40_000, dport: 443, payload: [UInt8](repeating: 7, count: 40))
        let first6 = F.decode(PacketBuilder.fragment(ip6, mtu: 56)[0], .ipv6)
        XCTAssertTrue(first6.isFirstFragment)
        XCTAssertEqual(first6.malformed, .tcpTruncated)
        // TCP options continuing into the next fragment: not a bad data offset either.
        let options = PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 1, dport: 2, payload: [1, 2, 3, 4])
        var withOptions = options
        withOptions[20 + 12] = 0xF0                      // data offset 60 bytes, past this fragment
        withOptions[6] = 0x20                            // MF, offset 0
        let first = F.decode(withOptions, .ipv4)
        XCTAssertEqual(first.malformed, .none)
        XCTAssertEqual(first.flow.dstPort, 2)
        // Not a fragment: the same cut header is still truncated.
        let whole = F.decode(Array(options.prefix(28)) , .ipv4, wire: 28)
        XCTAssertNotEqual(whole.malformed, .none)
    }

    /// Linux `icmp_is_err` (read by nf_conntrack_proto_icmp) counts source quench (4) and
    /// redirect (5) as errors quoting a datagram, as tshark dissects them.
    func testRedirectAndSourceQuenchQuoteTheOriginalDatagram() {
        let original = PacketBuilder.udp(src: F.internet, dst: F.pod, sport: 53, dport: 40_000, payload: Array("abcdefgh".utf8))
        for (type, code) in [(UInt8(5), UInt8(1)), (4, 0)] {
            let message = [type, code, 0, 0] + [10, 224, 0, 2] + original
            let ip = PacketBuilder.icmp(src: F.router, dst: F.internet, message: message, ttl: 64)
            let p = F.decode(ip, .ipv4)
            XCTAssertTrue(p.icmpIsError, "type \(type)")
            XCTAssertTrue(p.icmpInnerValid, "type \(type)")
            XCTAssertEqual(p.icmpInner, FlowKey(src: F.internet, dst: F.pod, srcPort: 53, dstPort: 40_000, proto: .udp))
        }
    }

    /// RFC 9112 §3.2.2: with an absolute-form target the Host field is ignored and the target's
    /// authority is the host (nginx's `$host` precedence too); userinfo and port are not part of it.
    func testAbsoluteFormTargetNamesTheHost() {
        let cases: [(String, String)] = [
            ("GET http://abs.example.com/x HTTP/1.1\r\nHost: other.example.com\r\n\r\n", "abs.example.com"),
            ("GET HTTPS://user:pw@Abs2.example.com:8443?q=1 HTTP/1.1\r\nAccept: */*\r\n\r\n", "Abs2.example.com"),
            ("GET http://[fd00::1]:80/ HTTP/1.1\r\n\r\n", "[fd00::1]"),
            ("GET /http://not.this/ HTTP/1.1\r\nHost: origin.example.com\r\n\r\n", "origin.example.com"),
            ("CONNECT conn.example.com:443 HTTP/1.1\r\nHost: conn.example.com:443\r\n\r\n", "conn.example.com"),
        ]
        for (request, host) in cases {
            let ip = PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 2, dport: 80, payload: Array(request.utf8))
            let p = F.decode(ip, .ipv4)
            XCTAssertTrue(p.httpRequest, request)
            XCTAssertEqual(F.text(p.httpHost, ip), host, request)
        }
    }

    /// A UDP response with TC set is ignored by the client, which retries over TCP (RFC 2181 §9).
    func testTruncatedDNSResponseTeachesNothing() {
        var response = PacketBuilder.dnsResponse(id: 1, name: "api.example.com", addresses: [F.internet])
        XCTAssertEqual(DNSAnswers.all(in: response).count, 1)
        response[2] |= 0x02
        XCTAssertTrue(DNSAnswers.all(in: response).isEmpty)
        // A CNAME answer still teaches both names.
        let chain = PacketBuilder.dnsResponse(id: 1, name: "www.example.com", addresses: [F.internet], cname: "edge.example.net")
        XCTAssertEqual(Set(DNSAnswers.all(in: chain).map(\.name)), ["www.example.com", "edge.example.net"])
    }
}

extension DecodeEdgeCaseTests {
    /// RFC 9112 §2.2: empty lines before the request line are ignored (tshark and nginx too);
    /// RFC 9112 §3.2: two Host lines are a 400, so the request has no usable host.
    func testLeadingEmptyLinesAndDuplicateHost() {
        let cases: [(String, String?)] = [
            ("\r\nGET / HTTP/1.1\r\nHost: crlf.example.com\r\n\r\n", "crlf.example.com"),
            ("\nGET / HTTP/1.1\r\nHost: lf.example.com\r\n\r\n", "lf.example.com"),
            ("GET / HTTP/1.1\r\nHost: a.example.com\r\nAccept: */*\r\nhost: b.example.com\r\n\r\n", nil),
            ("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\nHost: body.example.com\r\n", "a.example.com"),
            ("GET / HTTP/1.1\r\nX-Host: x.example.com\r\nHostname: y\r\nHost: real.example.com\r\n\r\n", "real.example.com"),
        ]
        for (request, host) in cases {
            let ip = PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 2, dport: 80, payload: Array(request.utf8))
            let p = F.decode(ip, .ipv4)
            XCTAssertTrue(p.httpRequest, request)
            if let host { XCTAssertEqual(F.text(p.httpHost, ip), host, request) } else { XCTAssertTrue(p.httpHost.isEmpty, request) }
        }
    }
}

extension DecodeEdgeCaseTests {
    /// RFC 8446 §5.1: a ClientHello may be fragmented across TLS records; tshark and every TLS
    /// server reassemble them. Within one TCP payload the SNI is found, unless a record boundary
    /// cuts the name itself (no contiguous span to point at).
    func testClientHelloFragmentedAcrossRecords() {
        let hello = PacketBuilder.tlsClientHello(sni: "records.example.org")
        let handshake = Array(hello[5...])
        let name = Array("records.example.org".utf8)
        let nameAt = (0...(handshake.count - name.count)).first { Array(handshake[$0..<($0 + name.count)]) == name }!
        func record(_ bytes: ArraySlice<UInt8>) -> [UInt8] { [0x16, 0x03, 0x01, UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes }
        for cut in 1..<handshake.count {
            for cut2 in [cut, min(handshake.count - 1, cut + 7)] where cut2 >= cut {
                let payload = record(handshake[..<cut]) + record(handshake[cut..<cut2]) + record(handshake[cut2...])
                let ip = PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 1, dport: 443, payload: payload)
                let p = F.decode(ip, .ipv4)
                XCTAssertTrue(p.tlsClientHello, "cut \(cut)")
                let nameCut = (cut > nameAt && cut < nameAt + name.count) || (cut2 > nameAt && cut2 < nameAt + name.count)
                XCTAssertEqual(F.text(p.sni, ip), nameCut ? "" : "records.example.org", "cuts \(cut) \(cut2)")
            }
        }
        // The last record cut by the segment end: what is present is read, nothing past it.
        let split = record(handshake[..<40]) + record(handshake[40...])
        for end in 0..<split.count {
            let ip = PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 1, dport: 443, payload: Array(split.prefix(end)))
            let p = F.decode(ip, .ipv4)
            if !p.sni.isEmpty { XCTAssertEqual(F.text(p.sni, ip), "records.example.org") }
        }
    }
}

extension DecodeEdgeCaseTests {
    /// `options` inserted into a UDP datagram's IPv4 header (padded with EOL to 4-byte words).
    func withOptions(_ options: [UInt8]) -> [UInt8] {
        let ip = PacketBuilder.udp(src: F.pod, dst: F.internet, sport: 1, dport: 2, payload: [1, 2, 3, 4])
        let padded = options + [UInt8](repeating: 0, count: (4 - options.count % 4) % 4)
        var out = Array(ip[0..<20]) + padded + Array(ip[20...])
        out[0] = 0x40 | UInt8((20 + padded.count) / 4)
        out[2] = UInt8(out.count >> 8)
        out[3] = UInt8(out.count & 0xFF)
        return out
    }

    /// Linux `ip_options_compile`, run on every received packet with options, drops these
    /// (IPSTATS_MIB_INHDRERRORS, ICMP parameter problem); tshark flags most of them too.
    func testIPv4OptionsLinuxRejects() {
        let accepted: [[UInt8]] = [
            [7, 7, 4, 0, 0, 0, 0],                      // record route, room for one address
            [7, 7, 8, 10, 0, 0, 1],                     // record route, full (pointer past the end)
            [131, 7, 4, 10, 0, 0, 1],                   // loose source route
            [148, 4, 0, 0],                             // router alert
            [68, 8, 5, 0, 0, 0, 0, 0],                  // timestamp, room for one
            [68, 8, 9, 0xE0, 0, 0, 0, 0],               // timestamp full, overflow 14
            [68, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0],     // timestamp + address
            [1, 1, 130, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0],  // NOPs, security (ignored on receipt)
            [0, 7, 1, 1],                               // EOL: the rest is not read
        ]
        let rejected: [[UInt8]] = [
            [7, 2],                                     // record route without a pointer
            [7, 7, 3, 0, 0, 0, 0],                      // pointer below 4
            [7, 7, 6, 0, 0, 0, 0],                      // pointer leaves no room for an address
            [7, 7, 4, 0, 0, 0, 0, 7, 7, 4, 0, 0, 0, 0], // two record routes
            [131, 7, 4, 10, 0, 0, 1, 137, 7, 4, 10, 0, 0, 1], // two source routes
            [148, 2],                                   // router alert shorter than 4
            [68, 3, 5],                                 // timestamp shorter than 4
            [68, 8, 4, 0, 0, 0, 0, 0],                  // timestamp pointer below 5
            [68, 8, 5, 1, 0, 0, 0, 0],                  // timestamp + address without room
            [68, 8, 9, 0xF0, 0, 0, 0, 0],               // full and overflow counter full
            [7, 9, 4],                                  // length past the header
        ]
        for o in accepted {
            let p = F.decode(withOptions(o), .ipv4)
            XCTAssertEqual(p.malformed, .none, "\(o)")
            XCTAssertEqual(p.flow.dstPort, 2, "\(o)")
        }
        for o in rejected { XCTAssertEqual(F.decode(withOptions(o), .ipv4).malformed, .ipv4Options, "\(o)") }
    }
}
