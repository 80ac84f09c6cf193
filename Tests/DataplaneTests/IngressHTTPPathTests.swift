import Dataplane
import NetworkAddress
import PacketWire
import Testing

// The request path read from a TCP payload (RFC 9112 §3 request line, RFC 3986 §3.3 path), and
// the whole request side of an ingress decision from real decoded packets.

@Suite struct IngressHTTPPathTests {
    static func path(_ payload: String) -> String? {
        let bytes = Array(payload.utf8)
        return bytes.withUnsafeBytes { b in
            HTTPRequestTarget.pathRange(in: b).map { String(decoding: b[$0], as: UTF8.self) }
        }
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "/"),
        ("GET /a/b?x=1&y=/z HTTP/1.1\r\n", "/a/b"),                  // query is not part of the path
        ("POST /upload HTTP/1.0\r\n", "/upload"),
        ("DELETE /items/7#frag HTTP/1.1\r\n", "/items/7"),
        ("GET http://shop.contoso.com:80/cart?id=1 HTTP/1.1\r\n", "/cart"),   // absolute-form
        ("GET https://shop.contoso.com HTTP/1.1\r\n", ""),            // absolute-form without path: "/"
        ("OPTIONS * HTTP/1.1\r\n", "*"),                              // asterisk-form
        ("GET /only-line HTTP/1.1", "/only-line"),                    // no CRLF yet: the line is complete enough
        ("\r\nGET /api/v1 HTTP/1.1\r\nHost: a\r\n", "/api/v1"),       // empty line first (RFC 9112 §2.2), as NGINX skips it
        ("\n\r\nPUT /x HTTP/1.1\r\n", "/x"),
    ] as [(String, String)])
    func requestPath(_ payload: String, _ expected: String) {
        #expect(Self.path(payload) == expected)
    }

    @Test(arguments: [
        "",
        "GET",
        "GET /abc",                                   // cut before the version
        "GET /abc HTTP/2\r\n",                         // not HTTP/1.x
        "get / HTTP/1.1\r\n",                          // methods are case-sensitive (RFC 9110 §9.1)
        "CONNECT shop.contoso.com:443 HTTP/1.1\r\n",   // authority-form: no path
        "GET  / HTTP/1.1\r\n",                         // empty target
        "GET /a\r\nb HTTP/1.1\r\n",                    // line ends inside the target
        "\u{16}\u{03}\u{01}\u{00}\u{c8}\u{01}",        // a TLS record
        "SSH-2.0-OpenSSH_9.6\r\n",
        "GET ftp:/x HTTP/1.1\r\n",                     // neither origin- nor absolute-form
    ])
    func notARequestPath(_ payload: String) {
        #expect(Self.path(payload) == nil)
    }

    @Test func everyCutAndCorruptionIsSafe() {
        let request = Array("GET http://a.example/p/q?z=1 HTTP/1.1\r\nHost: a.example\r\n\r\n".utf8)
        for cut in 0...request.count {
            let part = Array(request.prefix(cut))
            part.withUnsafeBytes { b in
                if let r = HTTPRequestTarget.pathRange(in: b) { #expect(r.lowerBound >= 0 && r.upperBound <= b.count) }
            }
        }
        var state: UInt64 = 0x1A55_1A55
        for _ in 0..<3000 {
            var p = request
            for _ in 0..<3 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                p[Int(state >> 33) % p.count] = UInt8(truncatingIfNeeded: state >> 17)
            }
            p.withUnsafeBytes { b in
                let s = HTTPRequestTarget.path(in: b)
                #expect(s.count <= b.count)
            }
        }
    }

    @Test func overlongRequestLineIsNotParsed() {
        let long = "GET /" + String(repeating: "a", count: HTTPRequestTarget.maxRequestLine) + " HTTP/1.1\r\n"
        #expect(Self.path(long) == nil)
    }

    /// Host header and path from a decoded HTTP packet, SNI from a decoded ClientHello, routed.
    @Test func decodedPacketsRouteByHostAndPath() {
        let router = IngressRouter.compile(IngressFixture.cluster())
        let client = IPAddress("198.51.100.7")!, pod = IPAddress("10.224.0.50")!
        func decide(_ payload: [UInt8], dport: UInt16) -> IngressDecision {
            let frame = PacketBuilder.ethernet(PacketBuilder.tcp(src: client, dst: pod, sport: 40001, dport: dport, flags: [.ack, .psh], payload: payload))
            var decoder = PacketDecoder()
            let p = decoder.decode(frame, linkType: .ethernet, wireLength: nil)
            return frame.withUnsafeBytes { b in
                router.route(controller: router.controllerIndex(podIP: p.flow.dst), packet: p, bytes: b)
            }
        }
        let api = decide(PacketBuilder.httpRequest(host: "Foo.Bar.com:80", path: "/api/v1/orders?limit=5"), dport: 80)
        #expect(router.ruleName(api.rule) == "ingress:main/foo.bar.com/api/v1")
        let login = decide(PacketBuilder.httpRequest(host: "foo.bar.com", path: "/login"), dport: 80)
        #expect(router.ruleName(login.rule) == "ingress:main/foo.bar.com/login@Exact")
        #expect(router.backends[Int(login.backend)].service == "login-exact")
        let tls = decide(PacketBuilder.tlsClientHello(sni: "secure.example.com"), dport: 443)
        #expect(tls.outcome == .rule && tls.tlsHostListed && router.backends[Int(tls.backend)].port == 8443)
        let strict = decide(PacketBuilder.httpRequest(host: "strict.example.com", path: "/"), dport: 80)
        #expect(strict.outcome == .noMatch && !strict.forwarded)
        // Absolute-form target: its host wins over the Host header (RFC 9112 §3.2.2), userinfo and port dropped.
        let absolute = decide(PacketBuilder.httpRequest(host: "strict.example.com", path: "http://u:p@Foo.Bar.com:80/api?x=1"), dport: 80)
        #expect(router.ruleName(absolute.rule) == "ingress:main/foo.bar.com/api")
        let noPath = decide(PacketBuilder.httpRequest(host: "strict.example.com", path: "http://foo.bar.com"), dport: 80)
        #expect(router.ruleName(noPath.rule) == "ingress:main/foo.bar.com/")
        // No payload at all: no host, path `/` → the host-less rule.
        let bare = decide([], dport: 80)
        #expect(router.ruleName(bare.rule) == "ingress:main/*/")
    }

    /// Spans that do not fit the buffer (a packet decoded from other bytes) read as empty.
    @Test func spansOutsideTheBufferAreIgnored() {
        let router = IngressRouter.compile(IngressFixture.cluster())
        var p = DecodedPacket()
        p.httpRequest = true
        p.httpHost = ByteSpan(offset: 60, length: 11)
        p.payloadOffset = 40
        p.payloadLength = 400
        let short = [UInt8](repeating: 0x41, count: 64)
        let d = short.withUnsafeBytes { router.route(controller: 0, packet: p, bytes: $0) }
        #expect(router.ruleName(d.rule) == "ingress:main/*/")
    }
}
