import Dataplane
import NetworkAddress
import PacketWire

/// Decoded packets built directly (the decoder's output), for replay-style pipeline tests.
enum Packet {
    static func tcp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, _ flags: TCPFlags, length: UInt32 = 60) -> DecodedPacket {
        var p = DecodedPacket()
        p.network = addr(src).isIPv4 ? .ipv4 : .ipv6
        p.flow = FlowKey(src: addr(src), dst: addr(dst), srcPort: sport, dstPort: dport, proto: .tcp)
        p.hasTransport = true
        p.tcpFlags = flags
        p.wireLength = length
        p.capturedLength = length
        return p
    }

    static func udp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, length: UInt32 = 80) -> DecodedPacket {
        var p = tcp(src, sport, dst, dport, [], length: length)
        p.flow.proto = .udp
        return p
    }

    static func sctp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, chunk: UInt8) -> DecodedPacket {
        var p = tcp(src, sport, dst, dport, [])
        p.flow.proto = .sctp
        p.sctpFirstChunk = chunk
        return p
    }

    static func echo(_ src: String, _ dst: String, id: UInt16, reply: Bool = false) -> DecodedPacket {
        var p = tcp(src, id, dst, id, [])
        p.flow.proto = .icmp
        p.icmpType = reply ? 0 : 8
        p.icmpEchoID = id
        return p
    }

    /// An ICMP error from `from` to `to` quoting `inner`.
    static func icmpError(_ from: String, _ to: String, inner: FlowKey) -> DecodedPacket {
        var p = tcp(from, 0, to, 0, [])
        p.flow.proto = .icmp
        p.icmpType = 3
        p.icmpCode = 3
        p.icmpIsError = true
        p.icmpInner = inner
        p.icmpInnerValid = true
        return p
    }

    static func arp() -> DecodedPacket {
        var p = DecodedPacket()
        p.network = .arp
        p.wireLength = 42
        return p
    }

    static func malformed(_ r: MalformedReason) -> DecodedPacket {
        var p = DecodedPacket()
        p.malformed = r
        p.wireLength = 20
        return p
    }
}

extension Pipeline {
    /// Processes a packet with no payload bytes at `seconds`.
    func feed(_ p: DecodedPacket, at seconds: Double) -> PacketOutcome {
        var q = p
        return process(&q, bytes: UnsafeRawBufferPointer(start: nil, count: 0), timestampNanos: Int64(seconds * 1e9))
    }

    func name(_ o: PacketOutcome) -> String { ruleNames.name(o.rule) }
}

let S: Int64 = 1_000_000_000
