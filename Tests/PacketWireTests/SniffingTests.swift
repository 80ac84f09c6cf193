import NetworkAddress
import XCTest
@testable import PacketWire

final class SniffingTests: XCTestCase {
    typealias F = Fixture

    func testTLSClientHelloSNI() {
        let frame = PacketBuilder.ethernet(PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 40_001, dport: 443,
                                                             flags: [.ack, .psh], payload: PacketBuilder.tlsClientHello(sni: "login.microsoftonline.com")))
        let p = F.decode(frame)
        XCTAssertTrue(p.tlsClientHello)
        XCTAssertEqual(F.text(p.sni, frame), "login.microsoftonline.com")
        XCTAssertFalse(p.httpRequest)
        // Sniffing off: nothing found.
        let off = F.decode(frame, options: DecoderOptions(sniff: false))
        XCTAssertFalse(off.tlsClientHello)
        XCTAssertTrue(off.sni.isEmpty)
    }

    func testClientHelloCutBeforeTheNameHasNoSNI() {
        let hello = PacketBuilder.tlsClientHello(sni: "example.org")
        for cut in 0..<hello.count {
            let ip = PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 1, dport: 443, payload: Array(hello.prefix(cut)))
            let p = F.decode(ip, .ipv4)
            XCTAssertEqual(p.malformed, .none)
            if !p.sni.isEmpty { XCTAssertEqual(F.text(p.sni, ip), "example.org", "cut \(cut)") }
        }
    }

    func testGarbageTLSNeverTraps() {
        var rng = SplitMix(seed: 0x7115)
        let hello = PacketBuilder.tlsClientHello(sni: "x.example")
        for _ in 0..<5000 {
            var payload = hello
            for _ in 0..<4 { payload[Int(rng.next() % UInt64(payload.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            let ip = PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 1, dport: 443, payload: payload)
            let p = F.decode(ip, .ipv4)
            XCTAssertLessThanOrEqual(Int(p.sni.offset) + Int(p.sni.length), ip.count)
        }
    }

    func testHTTPHostHeader() {
        let cases: [(String, String)] = [
            ("web.default.svc.cluster.local", "web.default.svc.cluster.local"),
            ("shop.example.com:8080", "shop.example.com"),
            ("[fd00::1]:80", "[fd00::1]"),
            ("10.0.0.10", "10.0.0.10"),
        ]
        for (header, host) in cases {
            let ip = PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 2, dport: 80, payload: PacketBuilder.httpRequest(host: header, path: "/healthz"))
            let p = F.decode(ip, .ipv4)
            XCTAssertTrue(p.httpRequest, header)
            XCTAssertEqual(F.text(p.httpHost, ip), host)
        }
        // Header names are case-insensitive; surrounding whitespace is not part of the value.
        let raw = Array("POST /x HTTP/1.0\r\nhOsT:   api.internal  \r\n\r\n".utf8)
        let ip = PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 2, dport: 80, payload: raw)
        XCTAssertEqual(F.text(F.decode(ip, .ipv4).httpHost, ip), "api.internal")
        // Not HTTP/1.x: no request.
        let h2 = PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 2, dport: 80, payload: Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8))
        XCTAssertFalse(F.decode(h2, .ipv4).httpRequest)
        // A request without Host (HTTP/1.0) is a request with no host.
        let noHost = PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 2, dport: 80, payload: Array("GET / HTTP/1.0\r\n\r\n".utf8))
        let n = F.decode(noHost, .ipv4)
        XCTAssertTrue(n.httpRequest)
        XCTAssertTrue(n.httpHost.isEmpty)
    }

    func testDNSFlagOverUDPAndTCP() {
        let q = F.decode(PacketBuilder.udp(src: F.pod, dst: F.service, sport: 5000, dport: 53,
                                           payload: PacketBuilder.dnsQuery(id: 9, name: "kubernetes.default.svc.cluster.local")), .ipv4)
        XCTAssertTrue(q.isDNS)
        XCTAssertFalse(q.dnsResponse)
        let response = PacketBuilder.dnsResponse(id: 9, name: "a.example", addresses: [F.internet])
        let r = F.decode(PacketBuilder.udp(src: F.service, dst: F.pod, sport: 53, dport: 5000, payload: response), .ipv4)
        XCTAssertTrue(r.isDNS)
        XCTAssertTrue(r.dnsResponse)
        let lengthPrefixed = [UInt8(response.count >> 8), UInt8(response.count & 0xFF)] + response
        let t = F.decode(PacketBuilder.tcp(src: F.service, dst: F.pod, sport: 53, dport: 5001, payload: lengthPrefixed), .ipv4)
        XCTAssertTrue(t.isDNS)
        XCTAssertTrue(t.dnsResponse)
        let other = F.decode(PacketBuilder.udp(src: F.pod, dst: F.service, sport: 5000, dport: 54, payload: response), .ipv4)
        XCTAssertFalse(other.isDNS)
    }

    func testDNSAnswers() {
        let v6 = IPAddress("2001:db8::7")!
        let response = PacketBuilder.dnsResponse(id: 1, name: "API.Example.com", addresses: [F.internet, IPAddress(198, 51, 100, 1)])
        let answers = DNSAnswers.all(in: response)
        XCTAssertEqual(answers.map(\.name), ["api.example.com", "api.example.com"])
        XCTAssertEqual(answers.map(\.address), [F.internet, IPAddress(198, 51, 100, 1)])

        let aaaa = DNSAnswers.all(in: PacketBuilder.dnsResponse(id: 1, name: "v6.example", addresses: [v6]))
        XCTAssertEqual(aaaa.map(\.address), [v6])

        // CNAME: the address is reported under the target and under the name asked for.
        let cname = DNSAnswers.all(in: PacketBuilder.dnsResponse(id: 1, name: "www.example.com", addresses: [F.internet],
                                                                 cname: "www.example.com.edgekey.net"))
        XCTAssertEqual(cname.map(\.name), ["www.example.com.edgekey.net", "www.example.com"])
        XCTAssertEqual(cname.map(\.address), [F.internet, F.internet])

        // Over TCP, with the length prefix.
        let tcp = [UInt8(response.count >> 8), UInt8(response.count & 0xFF)] + response
        XCTAssertEqual(DNSAnswers.all(in: tcp, overTCP: true).count, 2)
        // A query has no answers; a pointer loop ends.
        XCTAssertTrue(DNSAnswers.all(in: PacketBuilder.dnsQuery(id: 1, name: "x.y")).isEmpty)
        var loop = response
        let answerStart = 12 + 17 + 4                    // header, "api.example.com" name, type+class
        loop[answerStart] = 0xC0
        loop[answerStart + 1] = UInt8(answerStart)       // points at itself
        XCTAssertTrue(DNSAnswers.all(in: loop).isEmpty)
        // Every cut and flip is safe.
        for cut in 0..<response.count { _ = DNSAnswers.all(in: Array(response.prefix(cut))) }
        for i in 0..<response.count {
            var flipped = response
            flipped[i] ^= 0xFF
            _ = DNSAnswers.all(in: flipped)
        }
    }
}

/// Deterministic generator for fuzz loops (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
