import NetworkAddress
import XCTest
@testable import PacketWire

/// Build with PacketBuilder, decode, check every field the pipeline reads.
final class DecoderTests: XCTestCase {
    typealias F = Fixture

    func testTCPv4OverEthernet() {
        let ip = PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 40_000, dport: 80, flags: [.syn, .ece],
                                   seq: 1000, ack: 7, window: 1234, payload: [1, 2, 3], ttl: 61)
        let frame = PacketBuilder.ethernet(ip)
        let p = F.decode(frame)
        XCTAssertEqual(p.malformed, .none)
        XCTAssertEqual(p.network, .ipv4)
        XCTAssertEqual(p.etherType, 0x0800)
        XCTAssertEqual(p.l3Offset, 14)
        XCTAssertEqual(p.ipHeaderLength, 20)
        XCTAssertEqual(p.ipTotalLength, 43)
        XCTAssertEqual(p.ttl, 61)
        XCTAssertEqual(p.flow, FlowKey(src: F.pod, dst: F.service, srcPort: 40_000, dstPort: 80, proto: .tcp))
        XCTAssertTrue(p.hasTransport)
        XCTAssertEqual(p.tcpFlags, [.syn, .ece])
        XCTAssertEqual(p.tcpSeq, 1000)
        XCTAssertEqual(p.tcpAck, 7)
        XCTAssertEqual(p.tcpWindow, 1234)
        XCTAssertEqual(p.l4Offset, 34)
        XCTAssertEqual(p.payloadOffset, 54)
        XCTAssertEqual(p.payloadLength, 3)
        XCTAssertEqual(p.transportHeaderLength, 20)
        XCTAssertFalse(p.snapTruncated)
        XCTAssertFalse(p.isFragment)
        XCTAssertEqual(p.capturedLength, UInt32(frame.count))
        // Checksums: IPv4 header and TCP over the pseudo-header both fold to 0xFFFF.
        XCTAssertEqual(F.folded(ip, 0..<20), 0xFFFF)
        XCTAssertEqual(F.folded(ip, 20..<ip.count, initial: F.pseudo(ip, proto: 6, length: ip.count - 20)), 0xFFFF)
    }

    func testEthernetPaddingIsNotPayload() {
        // A 40-byte SYN padded to the 60-byte Ethernet minimum: payload is 0, not 6.
        let frame = PacketBuilder.ethernet(PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 1, dport: 2)) + [0, 0, 0, 0, 0, 0]
        let p = F.decode(frame)
        XCTAssertEqual(p.malformed, .none)
        XCTAssertEqual(p.payloadLength, 0)
        XCTAssertEqual(p.ipTotalLength, 40)
    }

    func testTCPv6WithEveryExtensionHeader() {
        let ip = PacketBuilder.tcp(src: F.pod6, dst: F.service6, sport: 5555, dport: 443, flags: [.ack, .psh],
                                   payload: [9, 9], extensions: [.hopByHop, .routing, .destinationOptions, .authentication])
        let p = F.decode(PacketBuilder.ethernet(ip))
        XCTAssertEqual(p.malformed, .none)
        XCTAssertEqual(p.network, .ipv6)
        XCTAssertEqual(p.etherType, 0x86DD)
        XCTAssertEqual(p.flow, FlowKey(src: F.pod6, dst: F.service6, srcPort: 5555, dstPort: 443, proto: .tcp))
        XCTAssertEqual(p.ipHeaderLength, 40 + 8 + 8 + 8 + 24)
        XCTAssertEqual(p.l4Offset, 14 + 88)
        XCTAssertEqual(p.payloadLength, 2)
        XCTAssertEqual(p.tcpFlags, [.ack, .psh])
        XCTAssertEqual(p.ttl, 64)
    }

    func testESPStopsTheChain() {
        let ip = PacketBuilder.ip(src: F.pod6, dst: F.service6, proto: .esp, payload: [UInt8](repeating: 7, count: 32),
                                  extensions: [.destinationOptions])
        let p = F.decode(ip, .ipv6)
        XCTAssertEqual(p.malformed, .none)
        XCTAssertEqual(p.flow.proto, .esp)
        XCTAssertFalse(p.hasTransport)
        XCTAssertEqual(p.l4Offset, 48)
        XCTAssertEqual(p.payloadLength, 32)
    }

    func testUDPv4AndV6() {
        let ip = PacketBuilder.udp(src: F.pod, dst: F.service, sport: 3000, dport: 8125, payload: [1, 2, 3, 4, 5])
        let p = F.decode(ip, .raw)
        XCTAssertEqual(p.malformed, .none)
        XCTAssertEqual(p.flow, FlowKey(src: F.pod, dst: F.service, srcPort: 3000, dstPort: 8125, proto: .udp))
        XCTAssertEqual(p.payloadOffset, 28)
        XCTAssertEqual(p.payloadLength, 5)
        XCTAssertEqual(p.udpLength, 13)
        XCTAssertEqual(p.transportHeaderLength, 8)
        XCTAssertFalse(p.isDNS)
        XCTAssertEqual(F.folded(ip, 20..<ip.count, initial: F.pseudo(ip, proto: 17, length: ip.count - 20)), 0xFFFF)

        let ip6 = PacketBuilder.udp(src: F.pod6, dst: F.service6, sport: 3000, dport: 8125, payload: [1])
        let p6 = F.decode(ip6, .linktypeRaw)
        XCTAssertEqual(p6.malformed, .none)
        XCTAssertEqual(p6.flow, FlowKey(src: F.pod6, dst: F.service6, srcPort: 3000, dstPort: 8125, proto: .udp))
        XCTAssertEqual(p6.payloadLength, 1)
        XCTAssertEqual(F.folded(ip6, 40..<ip6.count, initial: F.pseudo(ip6, proto: 17, length: ip6.count - 40)), 0xFFFF)
    }

    func testSCTPInitAndData() {
        let ip = PacketBuilder.sctp(src: F.pod, dst: F.service, sport: 36412, dport: 38412, vtag: 0, chunk: .initiation(tag: 42))
        let p = F.decode(PacketBuilder.ethernet(ip))
        XCTAssertEqual(p.malformed, .none)
        XCTAssertEqual(p.flow, FlowKey(src: F.pod, dst: F.service, srcPort: 36412, dstPort: 38412, proto: .sctp))
        XCTAssertEqual(p.sctpVerificationTag, 0)
        XCTAssertEqual(p.sctpFirstChunk, 1)
        let data = PacketBuilder.sctp(src: F.pod6, dst: F.service6, sport: 1, dport: 2, vtag: 0xDEAD_BEEF,
                                      chunk: .data(tsn: 5, payload: [1, 2, 3]))
        let d = F.decode(data, .ipv6)
        XCTAssertEqual(d.sctpVerificationTag, 0xDEAD_BEEF)
        XCTAssertEqual(d.sctpFirstChunk, 0)
        XCTAssertEqual(d.payloadLength, 16 + 4)
    }

    func testICMPEchoPutsIdentifierInBothPorts() {
        let ip = PacketBuilder.icmpEcho(src: F.pod, dst: F.internet, id: 0x4242, seq: 3)
        let p = F.decode(ip, .ipv4)
        XCTAssertEqual(p.malformed, .none)
        XCTAssertEqual(p.icmpType, 8)
        XCTAssertEqual(p.icmpEchoID, 0x4242)
        XCTAssertEqual(p.flow, FlowKey(src: F.pod, dst: F.internet, srcPort: 0x4242, dstPort: 0x4242, proto: .icmp))
        XCTAssertFalse(p.icmpIsError)
        XCTAssertEqual(F.folded(ip, 20..<ip.count), 0xFFFF)

        let reply6 = PacketBuilder.icmpEcho(src: F.service6, dst: F.pod6, id: 7, seq: 1, reply: true)
        let r = F.decode(reply6, .ipv6)
        XCTAssertEqual(r.icmpType, 129)
        XCTAssertEqual(r.flow, FlowKey(src: F.service6, dst: F.pod6, srcPort: 7, dstPort: 7, proto: .icmpv6))
        XCTAssertEqual(F.folded(reply6, 40..<reply6.count, initial: F.pseudo(reply6, proto: 58, length: reply6.count - 40)), 0xFFFF)
    }

    func testICMPErrorsExposeTheOriginalFlow() {
        let original = PacketBuilder.udp(src: F.pod, dst: F.internet, sport: 5353, dport: 33434, ttl: 1)
        let err = PacketBuilder.icmpError(type: .timeExceeded, from: F.router, original: original)
        let p = F.decode(PacketBuilder.sll(err), .linuxSLL)
        XCTAssertEqual(p.malformed, .none)
        XCTAssertEqual(p.flow.src, F.router)
        XCTAssertEqual(p.flow.dst, F.pod)
        XCTAssertEqual(p.icmpType, 11)
        XCTAssertTrue(p.icmpIsError)
        XCTAssertTrue(p.icmpInnerValid)
        XCTAssertEqual(p.icmpInner, FlowKey(src: F.pod, dst: F.internet, srcPort: 5353, dstPort: 33434, proto: .udp))

        let tcp6 = PacketBuilder.tcp(src: F.pod6, dst: F.service6, sport: 1111, dport: 443, extensions: [.destinationOptions])
        let ptb = PacketBuilder.icmpError(type: .packetTooBig, from: F.router6, original: tcp6, mtu: 1280)
        let q = F.decode(ptb, .ipv6)
        XCTAssertEqual(q.icmpType, 2)
        XCTAssertEqual(q.flow.dst, F.pod6)
        XCTAssertEqual(q.icmpInner, FlowKey(src: F.pod6, dst: F.service6, srcPort: 1111, dstPort: 443, proto: .tcp))

        let echo = PacketBuilder.icmpEcho(src: F.pod, dst: F.internet, id: 99, seq: 1)
        let unreachable = PacketBuilder.icmpError(type: .destinationUnreachable, code: 1, from: F.router, original: echo)
        let u = F.decode(unreachable, .ipv4)
        XCTAssertEqual(u.icmpType, 3)
        XCTAssertEqual(u.icmpCode, 1)
        XCTAssertEqual(u.icmpInner, FlowKey(src: F.pod, dst: F.internet, srcPort: 99, dstPort: 99, proto: .icmp))

        let fragNeeded = F.decode(PacketBuilder.icmpError(type: .packetTooBig, from: F.router, original: echo), .ipv4)
        XCTAssertEqual(fragNeeded.icmpType, 3)
        XCTAssertEqual(fragNeeded.icmpCode, 4)
        XCTAssertTrue(fragNeeded.icmpInnerValid)
    }

    func testARPAndOtherEtherTypes() {
        let frame = PacketBuilder.ethernet(PacketBuilder.arp(senderIP: F.pod, targetIP: F.router), etherType: 0x0806)
        let p = F.decode(frame)
        XCTAssertEqual(p.malformed, .none)
        XCTAssertEqual(p.network, .arp)
        XCTAssertEqual(p.etherType, 0x0806)
        XCTAssertEqual(p.flow.src, F.pod)
        XCTAssertEqual(p.flow.dst, F.router)
        let lldp = F.decode(PacketBuilder.ethernet([UInt8](repeating: 0, count: 40), etherType: 0x88CC))
        XCTAssertEqual(lldp.network, .other)
        XCTAssertEqual(lldp.etherType, 0x88CC)
        XCTAssertEqual(lldp.malformed, .none)
        let llc = F.decode(PacketBuilder.ethernet([UInt8](repeating: 0, count: 40), etherType: 40))
        XCTAssertEqual(llc.network, .other)
        XCTAssertEqual(llc.etherType, 0)
    }

    func testVLANAndQinQTags() {
        let ip = PacketBuilder.udp(src: F.pod, dst: F.service, sport: 1, dport: 2)
        let one = F.decode(PacketBuilder.ethernet(ip, vlans: [100]))
        XCTAssertEqual(one.vlanCount, 1)
        XCTAssertEqual(one.vlanOuter, 100)
        XCTAssertEqual(one.l3Offset, 18)
        XCTAssertEqual(one.flow.dstPort, 2)

        let qinq = PacketBuilder.ethernet(ip, vlans: [200, 300], qinq: true)
        XCTAssertEqual(Array(qinq[12..<14]), [0x88, 0xA8])
        let q = F.decode(qinq)
        XCTAssertEqual(q.malformed, .none)
        XCTAssertEqual(q.vlanCount, 2)
        XCTAssertEqual(q.vlanOuter, 200)
        XCTAssertEqual(q.vlanInner, 300)
        XCTAssertEqual(q.l3Offset, 22)
        XCTAssertEqual(q.flow.srcPort, 1)

        var legacy = qinq
        legacy[12] = 0x91; legacy[13] = 0x00           // pre-standard QinQ TPID
        let l = F.decode(legacy)
        XCTAssertEqual(l.vlanCount, 2)
        XCTAssertEqual(l.network, .ipv4)

        let deep = F.decode(PacketBuilder.ethernet(ip, vlans: [UInt16](repeating: 5, count: 9)))
        XCTAssertEqual(deep.malformed, .vlanTooDeep)
    }

    func testEveryLinkTypeCarriesTheSameFlow() {
        let v4 = PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 1234, dport: 80)
        let v6 = PacketBuilder.tcp(src: F.pod6, dst: F.service6, sport: 1234, dport: 80)
        let cases: [(String, [UInt8], LinkType, IPAddress)] = [
            ("ethernet", PacketBuilder.ethernet(v4), .ethernet, F.pod),
            ("sll", PacketBuilder.sll(v4), .linuxSLL, F.pod),
            ("sll v6", PacketBuilder.sll(v6), .linuxSLL, F.pod6),
            ("sll2", PacketBuilder.sll2(v4), .linuxSLL2, F.pod),
            ("sll2 v6", PacketBuilder.sll2(v6), .linuxSLL2, F.pod6),
            ("raw 12", v4, .raw, F.pod),
            ("raw 14", v6, .rawOpenBSD, F.pod6),
            ("raw 101", v6, .linktypeRaw, F.pod6),
            ("ipv4 228", v4, .ipv4, F.pod),
            ("ipv6 229", v6, .ipv6, F.pod6),
            ("null LE v4", PacketBuilder.null(v4, bigEndian: false), .null, F.pod),
            ("null BE v4", PacketBuilder.null(v4, bigEndian: true), .null, F.pod),
            ("null LE v6 darwin", PacketBuilder.null(v6, bigEndian: false, inet6: 30), .null, F.pod6),
            ("null BE v6 freebsd", PacketBuilder.null(v6, bigEndian: true, inet6: 28), .null, F.pod6),
            ("null LE v6 openbsd", PacketBuilder.null(v6, bigEndian: false, inet6: 24), .null, F.pod6),
            ("loop v4", PacketBuilder.loop(v4), .loop, F.pod),
            ("loop v6", PacketBuilder.loop(v6), .loop, F.pod6),
        ]
        for (name, frame, link, src) in cases {
            let p = F.decode(frame, link)
            XCTAssertEqual(p.malformed, .none, name)
            XCTAssertEqual(p.linkType, link, name)
            XCTAssertEqual(p.flow.src, src, name)
            XCTAssertEqual(p.flow.srcPort, 1234, name)
            XCTAssertEqual(p.flow.dstPort, 80, name)
            XCTAssertEqual(p.flow.proto, .tcp, name)
        }
        XCTAssertEqual(F.decode([0, 0, 0, 99] + v4, .null).malformed, .nullFamily)
        XCTAssertEqual(F.decode(v4, LinkType(rawValue: 147)).malformed, .linkUnsupported)
        XCTAssertEqual(F.decode([0x55] + v4, .raw).malformed, .ipv4Version)
        XCTAssertEqual(F.decode(v6, .ipv4).malformed, .ipv4Version)
        XCTAssertEqual(F.decode(v4, .ipv6).malformed, .ipv6Version)
    }

    func testVXLANInnerFrameIsDecoded() {
        let inner = PacketBuilder.ethernet(PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 999, dport: 8080))
        let outer = PacketBuilder.udp(src: IPAddress(10, 224, 0, 4), dst: IPAddress(10, 224, 0, 5), sport: 50000, dport: 4789,
                                      payload: PacketBuilder.vxlan(inner: inner, vni: 4096))
        let frame = PacketBuilder.ethernet(outer, vlans: [7])
        let p = F.decode(frame)
        XCTAssertEqual(p.malformed, .none)
        XCTAssertTrue(p.vxlan)
        XCTAssertEqual(p.vxlanVNI, 4096)
        XCTAssertEqual(p.vlanOuter, 7)
        XCTAssertEqual(p.flow, FlowKey(src: F.pod, dst: F.service, srcPort: 999, dstPort: 8080, proto: .tcp))
        XCTAssertEqual(Int(p.l3Offset), 18 + 28 + 8 + 14)

        let off = F.decode(frame, options: DecoderOptions(vxlan: false))
        XCTAssertFalse(off.vxlan)
        XCTAssertEqual(off.flow.dstPort, 4789)
        XCTAssertEqual(off.flow.proto, .udp)

        // Linux's default VXLAN port, when configured; a UDP payload without the I flag stays UDP.
        let linuxPort = PacketBuilder.ethernet(PacketBuilder.udp(src: F.router, dst: F.router, sport: 1, dport: 8472,
                                                                 payload: PacketBuilder.vxlan(inner: inner, vni: 1)))
        XCTAssertFalse(F.decode(linuxPort).vxlan)
        XCTAssertEqual(F.decode(linuxPort, options: DecoderOptions(vxlanPort: 8472)).flow.dstPort, 8080)
        var noFlag = linuxPort
        noFlag[42] = 0
        XCTAssertEqual(F.decode(noFlag, options: DecoderOptions(vxlanPort: 8472)).flow.dstPort, 8472)

        // VXLAN in VXLAN in VXLAN: the depth limit stops it without trapping.
        var nested = inner
        for _ in 0..<4 {
            nested = PacketBuilder.ethernet(PacketBuilder.udp(src: F.pod, dst: F.service, sport: 1, dport: 4789,
                                                              payload: PacketBuilder.vxlan(inner: nested, vni: 1)))
        }
        XCTAssertEqual(F.decode(nested).malformed, .tooDeep)
    }

    func testIPv4OptionsAreWalked() {
        var ip = PacketBuilder.udp(src: F.pod, dst: F.service, sport: 1, dport: 2, payload: [1, 2])
        // Insert a Router Alert option (RFC 2113: type 148, length 4) and fix IHL and total length.
        ip.insert(contentsOf: [148, 4, 0, 0], at: 20)
        ip[0] = 0x46
        ip[3] += 4
        let p = F.decode(ip, .ipv4)
        XCTAssertEqual(p.malformed, .none)
        XCTAssertEqual(p.ipHeaderLength, 24)
        XCTAssertEqual(p.flow.dstPort, 2)
        XCTAssertEqual(p.payloadLength, 2)
        var bad = ip
        bad[21] = 9                                      // option length runs past the header
        XCTAssertEqual(F.decode(bad, .ipv4).malformed, .ipv4Options)
    }

    func testSnaplenCutDecodesAsFarAsItGoes() {
        let ip = PacketBuilder.tcp(src: F.pod, dst: F.service, sport: 1, dport: 443,
                                   payload: PacketBuilder.tlsClientHello(sni: "example.com"))
        let frame = PacketBuilder.ethernet(ip)
        let cut = Array(frame.prefix(60))
        let p = F.decode(cut, wire: frame.count)
        XCTAssertTrue(p.snapTruncated)
        XCTAssertEqual(p.malformed, .none)
        XCTAssertTrue(p.hasTransport)
        XCTAssertEqual(p.payloadLength, 6)
        XCTAssertEqual(p.wireLength, UInt32(frame.count))
        XCTAssertEqual(p.capturedLength, 60)
        // The same cut without a larger wire length means the IP length lies.
        XCTAssertEqual(F.decode(cut).malformed, .ipv4TotalLength)
    }

    func testDecoderReuseResetsEveryField() {
        var decoder = PacketDecoder()
        var p = DecodedPacket()
        let tls = PacketBuilder.ethernet(PacketBuilder.tcp(src: F.pod, dst: F.internet, sport: 1, dport: 443,
                                                           payload: PacketBuilder.tlsClientHello(sni: "a.example")))
        let arp = PacketBuilder.ethernet(PacketBuilder.arp(senderIP: F.pod, targetIP: F.router), etherType: 0x0806)
        tls.withUnsafeBytes { decoder.decode($0, linkType: .ethernet, wireLength: UInt32($0.count), into: &p) }
        XCTAssertFalse(p.sni.isEmpty)
        arp.withUnsafeBytes { decoder.decode($0, linkType: .ethernet, wireLength: UInt32($0.count), into: &p) }
        XCTAssertEqual(p.network, .arp)
        XCTAssertTrue(p.sni.isEmpty)
        XCTAssertFalse(p.tlsClientHello)
        XCTAssertFalse(p.hasTransport)
        XCTAssertEqual(p.flow.srcPort, 0)
    }
}
