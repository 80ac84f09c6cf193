import NetworkAddress

/// Builds checksum-correct packets for fixtures, the bundled sample and benchmark generators.
/// Allocates freely — never used on the per-packet path.
///
/// Layers compose by nesting; each function returns the bytes of its layer and everything inside:
///
///     let ip = PacketBuilder.tcp(src: a, dst: b, sport: 40000, dport: 443, flags: [.syn])
///     let frame = PacketBuilder.ethernet(ip, vlans: [100])            // or sll, sll2, null, loop, raw (= ip)
///
/// - IP packets: `tcp`, `udp`, `sctp`, `icmpEcho`, `icmpError`, or `ip` for any protocol. The
///   family follows `src` (IPv4 when it is an IPv4 address); IPv6 packets take optional
///   `extensions` (hop-by-hop, routing, destination options, AH) in the order given.
///   IPv4 header, TCP/UDP/ICMP/ICMPv6 checksums and SCTP's CRC32c are filled in.
/// - `fragment(_:mtu:)` splits an IP packet into fragments (IPv4 flags/offset, or an IPv6
///   fragment header after the unfragmentable part).
/// - Link framing (PacketBuilder+Link.swift): `ethernet`, `sll`, `sll2`, `null`, `loop`, `arp`.
/// - Payloads (PacketBuilder+Payload.swift): `tlsClientHello`, `httpRequest`, `dnsQuery`,
///   `dnsResponse`, `vxlan`.
public enum PacketBuilder {
    /// IPv6 extension headers the builder can insert (each the minimal valid size).
    public enum IPv6Extension: Sendable {
        case hopByHop, routing, destinationOptions, authentication
    }

    /// The one chunk an SCTP packet carries.
    public enum SCTPChunk: Sendable {
        case initiation(tag: UInt32)
        case data(tsn: UInt32, payload: [UInt8])
    }

    /// ICMP/ICMPv6 error kinds; numbered per family (v4 3/3 code 4/11/12, v6 1/2/3/4).
    public enum ICMPErrorType: Sendable {
        case destinationUnreachable, packetTooBig, timeExceeded, parameterProblem
    }

    // MARK: IP

    /// An IP packet around `payload`. `id` is the IPv4 identification; `dontFragment` sets DF.
    public static func ip(
        src: IPAddress, dst: IPAddress, proto: IPProtocol, payload: [UInt8], ttl: UInt8 = 64,
        id: UInt16 = 1, dontFragment: Bool = false, extensions: [IPv6Extension] = []
    ) -> [UInt8] {
        if src.isIPv4 {
            var h: [UInt8] = [0x45, 0] + Wire.be16(UInt16(truncatingIfNeeded: 20 + payload.count)) + Wire.be16(id)
            h += Wire.be16(dontFragment ? 0x4000 : 0) + [ttl, proto.rawValue, 0, 0]
            h += Wire.addressBytes(src) + Wire.addressBytes(dst)
            Wire.put16(&h, 10, Checksum.finish(Checksum.sum(h, 0..<20)))
            return h + payload
        }
        var chain: [UInt8] = []
        var next = proto.rawValue
        for ext in extensions.reversed() {
            chain = extensionHeader(ext, next: next) + chain
            next = extensionNumber(ext)
        }
        var h: [UInt8] = [0x60, 0, 0, 0] + Wire.be16(UInt16(truncatingIfNeeded: chain.count + payload.count)) + [next, ttl]
        h += Wire.addressBytes(src) + Wire.addressBytes(dst)
        return h + chain + payload
    }

    static func extensionNumber(_ e: IPv6Extension) -> UInt8 {
        switch e {
        case .hopByHop: return 0
        case .routing: return 43
        case .destinationOptions: return 60
        case .authentication: return 51
        }
    }

    static func extensionHeader(_ e: IPv6Extension, next: UInt8) -> [UInt8] {
        switch e {
        case .hopByHop, .destinationOptions:
            return [next, 0, 1, 4, 0, 0, 0, 0]                    // one PadN option filling 8 bytes
        case .routing:
            return [next, 0, 253, 0, 0, 0, 0, 0]                  // experimental type, segments left 0
        case .authentication:
            // 24 bytes: payload length (24 / 4) - 2 = 4, SPI, sequence, 96-bit ICV.
            return [next, 4, 0, 0] + Wire.be32(0x100) + Wire.be32(1) + [UInt8](repeating: 0xA5, count: 12)
        }
    }

    // MARK: transports

    public static func tcp(
        src: IPAddress, dst: IPAddress, sport: UInt16, dport: UInt16, flags: TCPFlags = [.ack],
        seq: UInt32 = 1, ack: UInt32 = 0, window: UInt16 = 64240, payload: [UInt8] = [],
        ttl: UInt8 = 64, id: UInt16 = 1, extensions: [IPv6Extension] = []
    ) -> [UInt8] {
        var t = Wire.be16(sport) + Wire.be16(dport) + Wire.be32(seq) + Wire.be32(ack)
        t += [0x50, flags.rawValue] + Wire.be16(window) + [0, 0, 0, 0] + payload
        Wire.put16(&t, 16, Checksum.finish(Checksum.sum(t, 0..<t.count, initial: Checksum.pseudo(src, dst, 6, t.count))))
        return ip(src: src, dst: dst, proto: .tcp, payload: t, ttl: ttl, id: id, extensions: extensions)
    }

    public static func udp(
        src: IPAddress, dst: IPAddress, sport: UInt16, dport: UInt16, payload: [UInt8] = [],
        ttl: UInt8 = 64, id: UInt16 = 1, extensions: [IPv6Extension] = []
    ) -> [UInt8] {
        var u = Wire.be16(sport) + Wire.be16(dport) + Wire.be16(UInt16(truncatingIfNeeded: 8 + payload.count)) + [0, 0] + payload
        let c = Checksum.finish(Checksum.sum(u, 0..<u.count, initial: Checksum.pseudo(src, dst, 17, u.count)))
        Wire.put16(&u, 6, c == 0 ? 0xFFFF : c)                   // 0 means "no checksum" (RFC 768)
        return ip(src: src, dst: dst, proto: .udp, payload: u, ttl: ttl, id: id, extensions: extensions)
    }

    public static func sctp(
        src: IPAddress, dst: IPAddress, sport: UInt16, dport: UInt16, vtag: UInt32 = 0,
        chunk: SCTPChunk = .initiation(tag: 0x1234_5678), ttl: UInt8 = 64, id: UInt16 = 1
    ) -> [UInt8] {
        var s = Wire.be16(sport) + Wire.be16(dport) + Wire.be32(vtag) + [0, 0, 0, 0]
        switch chunk {
        case .initiation(let tag):
            // INIT: tag, a_rwnd, outbound/inbound streams, initial TSN (RFC 9260 §3.3.2).
            s += [1, 0] + Wire.be16(20) + Wire.be32(tag) + Wire.be32(65535) + Wire.be16(10) + Wire.be16(10) + Wire.be32(1)
        case .data(let tsn, let payload):
            s += [0, 0x03] + Wire.be16(UInt16(truncatingIfNeeded: 16 + payload.count)) + Wire.be32(tsn)
            s += Wire.be16(0) + Wire.be16(0) + Wire.be32(0) + payload
            s += [UInt8](repeating: 0, count: (4 - payload.count % 4) % 4)
        }
        // CRC32c goes in least-significant byte first (RFC 9260 Appendix A).
        let crc = Checksum.crc32c(s)
        for i in 0..<4 { s[8 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return ip(src: src, dst: dst, proto: .sctp, payload: s, ttl: ttl, id: id)
    }

    public static func icmpEcho(
        src: IPAddress, dst: IPAddress, id: UInt16, seq: UInt16, reply: Bool = false,
        payload: [UInt8] = Array("akssim-ping".utf8), ttl: UInt8 = 64
    ) -> [UInt8] {
        let v6 = !src.isIPv4
        let type: UInt8 = v6 ? (reply ? 129 : 128) : (reply ? 0 : 8)
        let message = [type, 0, 0, 0] + Wire.be16(id) + Wire.be16(seq) + payload
        return icmp(src: src, dst: dst, message: message, ttl: ttl)
    }

    /// An ICMP error sent by `from` about `original` (an IP packet), to the original's source.
    /// The quote is cut to fit 576 (IPv4, RFC 1812 §4.3.2.3) or 1280 bytes (IPv6, RFC 4443 §2.4).
    public static func icmpError(
        type: ICMPErrorType, code: UInt8 = 0, from: IPAddress, original: [UInt8], mtu: UInt32 = 1400, ttl: UInt8 = 64
    ) -> [UInt8] {
        let v6 = !from.isIPv4
        let typeNumber: UInt8
        var code = code
        var rest: UInt32 = 0
        switch (type, v6) {
        case (.destinationUnreachable, false): typeNumber = 3
        case (.packetTooBig, false): typeNumber = 3; code = 4; rest = mtu & 0xFFFF
        case (.timeExceeded, false): typeNumber = 11
        case (.parameterProblem, false): typeNumber = 12
        case (.destinationUnreachable, true): typeNumber = 1
        case (.packetTooBig, true): typeNumber = 2; rest = mtu
        case (.timeExceeded, true): typeNumber = 3
        case (.parameterProblem, true): typeNumber = 4
        }
        let quote = Array(original.prefix(v6 ? 1280 - 48 : 576 - 28))
        var to = IPAddress.zero4
        if original.count >= 20 && original[0] >> 4 == 4 {
            to = IPAddress(original[12], original[13], original[14], original[15])
        } else if original.count >= 40 && original[0] >> 4 == 6 {
            var hi: UInt64 = 0, lo: UInt64 = 0
            for i in 0..<8 { hi = hi << 8 | UInt64(original[8 + i]); lo = lo << 8 | UInt64(original[16 + i]) }
            to = IPAddress(hi: hi, lo: lo)
        }
        let message = [typeNumber, code, 0, 0] + Wire.be32(rest) + quote
        return icmp(src: from, dst: to, message: message, ttl: ttl)
    }

    static func icmp(src: IPAddress, dst: IPAddress, message: [UInt8], ttl: UInt8) -> [UInt8] {
        var m = message
        if src.isIPv4 {
            Wire.put16(&m, 2, Checksum.finish(Checksum.sum(m, 0..<m.count)))
            return ip(src: src, dst: dst, proto: .icmp, payload: m, ttl: ttl)
        }
        Wire.put16(&m, 2, Checksum.finish(Checksum.sum(m, 0..<m.count, initial: Checksum.pseudo(src, dst, 58, m.count))))
        return ip(src: src, dst: dst, proto: .icmpv6, payload: m, ttl: ttl)
    }

    // MARK: fragmentation

    /// Splits an IP packet into fragments of at most `mtu` bytes (data in multiples of 8).
    /// IPv6 uses `id` for the fragment header; IPv4 keeps the packet's own identification.
    public static func fragment(_ packet: [UInt8], mtu: Int, id: UInt32 = 0xA15_0001) -> [[UInt8]] {
        guard let first = packet.first else { return [] }
        var out: [[UInt8]] = []
        if first >> 4 == 4 {
            let ihl = Int(first & 0x0F) * 4
            guard packet.count > ihl else { return [packet] }
            let data = Array(packet[ihl...])
            let step = max(8, (mtu - ihl) & ~7)
            var pos = 0
            while pos < data.count {
                let chunk = Array(data[pos..<min(data.count, pos + step)])
                var h = Array(packet[0..<ihl])
                Wire.put16(&h, 2, UInt16(truncatingIfNeeded: ihl + chunk.count))
                let more: UInt16 = pos + chunk.count < data.count ? 0x2000 : 0
                Wire.put16(&h, 6, more | UInt16(truncatingIfNeeded: pos / 8))
                Wire.put16(&h, 10, 0)
                Wire.put16(&h, 10, Checksum.finish(Checksum.sum(h, 0..<ihl)))
                out.append(h + chunk)
                pos += chunk.count
            }
            return out
        }
        // IPv6: hop-by-hop and routing headers stay in every fragment (RFC 8200 §4.5).
        guard packet.count >= 40 else { return [packet] }
        var nextAt = 6
        var off = 40
        while off + 2 <= packet.count && (packet[nextAt] == 0 || packet[nextAt] == 43) {
            nextAt = off
            off += (Int(packet[off + 1]) + 1) * 8
        }
        guard off <= packet.count else { return [packet] }
        let fragmentable = Array(packet[off...])
        let next = packet[nextAt]
        let step = max(8, (mtu - off - 8) & ~7)
        var pos = 0
        while pos < fragmentable.count {
            let chunk = Array(fragmentable[pos..<min(fragmentable.count, pos + step)])
            var head = Array(packet[0..<off])
            head[nextAt] = 44
            Wire.put16(&head, 4, UInt16(truncatingIfNeeded: off - 40 + 8 + chunk.count))
            let more: UInt16 = pos + chunk.count < fragmentable.count ? 1 : 0
            let fragmentHeader = [next, 0] + Wire.be16(UInt16(truncatingIfNeeded: pos) | more) + Wire.be32(id)
            out.append(head + fragmentHeader + chunk)
            pos += chunk.count
        }
        return out
    }
}
