import NetworkAddress

/// Application payloads the decoder sniffs, and VXLAN encapsulation.
extension PacketBuilder {
    /// A TLS 1.3-style ClientHello record carrying `sni` in a server_name extension (RFC 6066 §3),
    /// plus supported_versions so it looks like what clients send.
    public static func tlsClientHello(sni: String) -> [UInt8] {
        let name = Array(sni.utf8)
        let serverName = Wire.be16(UInt16(name.count + 3)) + [0] + Wire.be16(UInt16(name.count)) + name
        var extensions = Wire.be16(0) + Wire.be16(UInt16(serverName.count)) + serverName
        extensions += Wire.be16(43) + Wire.be16(3) + [2, 0x03, 0x04]                      // supported_versions: TLS 1.3
        var body: [UInt8] = [0x03, 0x03] + (0..<32).map { UInt8($0) }                      // legacy_version, random
        body += [32] + [UInt8](repeating: 0x5A, count: 32)                                 // legacy_session_id
        body += Wire.be16(4) + [0x13, 0x01, 0x13, 0x02]                                    // cipher_suites
        body += [1, 0]                                                                     // compression: null
        body += Wire.be16(UInt16(extensions.count)) + extensions
        let handshake = [1, UInt8(body.count >> 16), UInt8((body.count >> 8) & 0xFF), UInt8(body.count & 0xFF)] + body
        return [0x16, 0x03, 0x01] + Wire.be16(UInt16(handshake.count)) + handshake
    }

    public static func httpRequest(host: String, path: String = "/", method: String = "GET") -> [UInt8] {
        Array("\(method) \(path) HTTP/1.1\r\nUser-Agent: akssim\r\nHost: \(host)\r\nAccept: */*\r\n\r\n".utf8)
    }

    static func dnsName(_ name: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8.prefix(63))
            out += [UInt8(bytes.count)] + bytes
        }
        return out + [0]
    }

    /// A recursive query for `name` (type A, or AAAA with `type: 28`).
    public static func dnsQuery(id: UInt16, name: String, type: UInt16 = 1) -> [UInt8] {
        Wire.be16(id) + Wire.be16(0x0100) + Wire.be16(1) + Wire.be16(0) + Wire.be16(0) + Wire.be16(0)
            + dnsName(name) + Wire.be16(type) + Wire.be16(1)
    }

    /// A response to `dnsQuery(id:name:)` with one A/AAAA record per address, owner names
    /// compressed to the question (pointer 0xC00C); `cname` puts a CNAME first and the
    /// addresses under that name.
    public static func dnsResponse(id: UInt16, name: String, addresses: [IPAddress], cname: String? = nil, ttl: UInt32 = 30) -> [UInt8] {
        let question = dnsName(name)
        var answers: [UInt8] = []
        var count = 0
        var owner: [UInt8] = [0xC0, 0x0C]
        if let alias = cname {
            let target = dnsName(alias)
            answers += owner + Wire.be16(5) + Wire.be16(1) + Wire.be32(ttl) + Wire.be16(UInt16(target.count)) + target
            count += 1
            owner = [0xC0, UInt8(12 + question.count + 4 + 12)]        // points at the CNAME target
        }
        for a in addresses {
            let data = Wire.addressBytes(a)
            answers += owner + Wire.be16(a.isIPv4 ? 1 : 28) + Wire.be16(1) + Wire.be32(ttl) + Wire.be16(UInt16(data.count)) + data
            count += 1
        }
        let type: UInt16 = addresses.first.map { $0.isIPv4 ? 1 : 28 } ?? 1
        return Wire.be16(id) + Wire.be16(0x8180) + Wire.be16(1) + Wire.be16(UInt16(count)) + Wire.be16(0) + Wire.be16(0)
            + question + Wire.be16(type) + Wire.be16(1) + answers
    }

    /// VXLAN header (I flag, 24-bit VNI) followed by the inner Ethernet frame: a UDP/4789 payload.
    public static func vxlan(inner frame: [UInt8], vni: UInt32) -> [UInt8] {
        [0x08, 0, 0, 0] + Wire.be32(vni << 8) + frame
    }
}
