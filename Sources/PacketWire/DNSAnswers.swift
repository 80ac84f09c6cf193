import NetworkAddress

/// Reads the A/AAAA answers of a DNS response (RFC 1035 §4.1, RFC 3596) — how the firewall
/// learns FQDN → IP. Not the per-packet path: names are built as `String`s.
///
/// Names are lower-cased without the trailing dot. Compression pointers (RFC 1035 §4.1.4) are
/// followed at most 32 times and names stop at 255 bytes, so hostile messages cannot loop.
/// Each address is reported under its owner name and, when that owner is reached from the
/// question through CNAME records, under the question name too (a client that asked for
/// `www.example.com` talks to the addresses of its CNAME target).
public enum DNSAnswers {
    /// Calls `body(name, address)` for each A/AAAA answer in `payload` (a DNS message; set
    /// `overTCP` when it starts with the 2-byte TCP length prefix). Queries and garbage yield nothing.
    public static func forEach(
        in payload: UnsafeRawBufferPointer, overTCP: Bool = false, _ body: (_ name: String, _ address: IPAddress) -> Void
    ) {
        let start = overTCP ? 2 : 0
        guard payload.count >= start + 12 else { return }
        let message = UnsafeRawBufferPointer(rebasing: payload[start...])
        let b = Bytes(message)
        guard b.u8(2) & 0x80 != 0 else { return }           // QR = response
        // TC over UDP: the answer was cut and the client retries over TCP, ignoring this
        // response (RFC 2181 §9, RFC 7766 §5) — its partial RRsets teach nothing.
        guard overTCP || b.u8(2) & 0x02 == 0 else { return }
        let questions = Int(b.u16(4)), answers = Int(b.u16(6))
        var o = 12
        var question: String? = nil
        for i in 0..<questions {
            guard let (name, next) = readName(b, o), next + 4 <= b.count else { return }
            if i == 0 { question = name }
            o = next + 4
        }
        var aliases: Set<String> = question.map { [$0] } ?? []
        for _ in 0..<answers {
            guard let (owner, next) = readName(b, o), next + 10 <= b.count else { return }
            let type = b.u16(next), klass = b.u16(next + 2)
            let length = Int(b.u16(next + 8))
            let data = next + 10
            guard data + length <= b.count else { return }
            o = data + length
            guard klass == 1 else { continue }
            switch (type, length) {
            case (1, 4):
                report(owner, IPAddress(v4: b.u32(data)), question, aliases, body)
            case (28, 16):
                report(owner, IPAddress(hi: b.u64(data), lo: b.u64(data + 8)), question, aliases, body)
            case (5, _):
                // CNAME chains are listed in order (RFC 1034 §3.6.2): follow from the question.
                if aliases.contains(owner), let (target, _) = readName(b, data) { aliases.insert(target) }
            default:
                break
            }
        }
    }

    /// Convenience: every (name, address) pair of a response held in an array.
    public static func all(in payload: [UInt8], overTCP: Bool = false) -> [(name: String, address: IPAddress)] {
        var out: [(name: String, address: IPAddress)] = []
        payload.withUnsafeBytes { raw in forEach(in: raw, overTCP: overTCP) { out.append(($0, $1)) } }
        return out
    }

    static func report(
        _ owner: String, _ address: IPAddress, _ question: String?, _ aliases: Set<String>,
        _ body: (String, IPAddress) -> Void
    ) {
        body(owner, address)
        if let q = question, q != owner, aliases.contains(owner) { body(q, address) }
    }

    /// A possibly compressed name at `offset`; returns it and the offset just after it in place.
    static func readName(_ b: Bytes, _ offset: Int) -> (String, Int)? {
        var bytes: [UInt8] = []
        var o = offset
        var after = -1
        var jumps = 0
        while true {
            guard o < b.count else { return nil }
            let length = Int(b.u8(o))
            if length == 0 {
                if after < 0 { after = o + 1 }
                break
            }
            if length & 0xC0 == 0xC0 {
                guard o + 1 < b.count, jumps < 32 else { return nil }
                if after < 0 { after = o + 2 }
                o = (length & 0x3F) << 8 | Int(b.u8(o + 1))
                jumps += 1
                continue
            }
            guard length & 0xC0 == 0, o + 1 + length <= b.count, bytes.count + length + 1 <= 255 else { return nil }
            if !bytes.isEmpty { bytes.append(UInt8(ascii: ".")) }
            for i in 0..<length { bytes.append(PayloadSniffer.lower(b.u8(o + 1 + i))) }
            o += 1 + length
        }
        return (String(decoding: bytes, as: UTF8.self), after)
    }
}
