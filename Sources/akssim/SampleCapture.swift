import NetworkAddress
import PacketWire
import PcapIO

/// The bundled sample, Config/samples/aks-sample.pcap: a few seconds of traffic as a node
/// capture of the default cluster `aks-contoso` would show it (addresses from the embedded
/// cluster, see README "Default cluster"). Each conversation is one the simulator has to
/// decide; the comment says what the default cluster makes of it.
enum SampleCapture {
    /// 2026-11-25T09:00:00Z.
    static let start: Int64 = 1_795_597_200 * 1_000_000_000

    // Nodes and pods (Azure CNI: pods take aks-subnet addresses).
    static let node0 = IPAddress(10, 224, 0, 4)
    static let node1 = IPAddress(10, 224, 0, 5)
    static let frontend1 = IPAddress(10, 224, 0, 20)
    static let frontend2 = IPAddress(10, 224, 0, 21)
    static let backend1 = IPAddress(10, 224, 0, 30)
    static let coredns1 = IPAddress(10, 224, 0, 40)
    // Services and Azure front ends.
    static let kubeDNS = IPAddress(10, 0, 0, 10)
    static let backendClusterIP = IPAddress(10, 0, 120, 10)
    static let frontendLB = IPAddress(20, 62, 20, 30)
    static let firewallPublic = IPAddress(20, 62, 10, 4)
    static let apiServer = IPAddress(20, 62, 30, 1)
    static let azureDNS = IPAddress(168, 63, 129, 16)
    // Internet hosts.
    static let client = IPAddress(198, 51, 100, 7)
    static let unauthorizedAdmin = IPAddress(192, 0, 2, 99)
    static let github = IPAddress(140, 82, 112, 6)
    static let exampleCom = IPAddress(93, 184, 215, 14)
    /// One of ntp.ubuntu.com's published addresses (the firewall's `time` rule names the FQDN).
    static let ntpUbuntu = IPAddress(185, 125, 190, 56)

    static func packets() -> [CapturedPacket] {
        var s = TrafficScript(startNanos: start)

        // frontend-1 resolves the backend Service through kube-dns (allowed).
        s.udp(frontend1, 41001, kubeDNS, 53, PacketBuilder.dnsQuery(id: 0x1a01, name: "backend.shop.svc.cluster.local"))
        s.udp(kubeDNS, 53, frontend1, 41001, PacketBuilder.dnsResponse(id: 0x1a01, name: "backend.shop.svc.cluster.local",
                                                                        addresses: [backendClusterIP]), gapMicros: 350)
        // frontend-1 → backend ClusterIP 10.0.120.10:80: kube-proxy DNATs to a backend pod on 8080,
        // the NetworkPolicy allows frontends on 8080 (allowed, with the reply).
        var api = s.connection(frontend1, 43010, backendClusterIP, 80)
        s.handshake(&api)
        s.send(&api, fromClient: true, PacketBuilder.httpRequest(host: "backend.shop.svc.cluster.local", path: "/api/cart"))
        s.send(&api, fromClient: false, Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".utf8))
        s.close(&api)

        // frontend-2 → backend-1 pod directly on 9090: the policy only admits 8080 (denied; SYN retried).
        s.unansweredSYN(s.connection(frontend2, 43020, backend1, 9090))

        // Pods resolve Internet names; coredns forwards to Azure DNS (one VLAN-tagged frame).
        s.udp(frontend1, 41002, kubeDNS, 53, PacketBuilder.dnsQuery(id: 0x1a02, name: "api.github.com"))
        s.udp(coredns1, 52001, azureDNS, 53, PacketBuilder.dnsQuery(id: 0x7c01, name: "api.github.com"), vlans: [100], gapMicros: 120)
        s.udp(azureDNS, 53, coredns1, 52001, PacketBuilder.dnsResponse(id: 0x7c01, name: "api.github.com", addresses: [github]),
              gapMicros: 900)
        s.udp(kubeDNS, 53, frontend1, 41002, PacketBuilder.dnsResponse(id: 0x1a02, name: "api.github.com", addresses: [github]),
              gapMicros: 100)

        // frontend-1 → api.github.com:443 via the firewall: application rule `github` allows *.github.com.
        var gh = s.connection(frontend1, 43030, github, 443)
        s.handshake(&gh, rttMicros: 18_000)
        s.send(&gh, fromClient: true, PacketBuilder.tlsClientHello(sni: "api.github.com"), rttMicros: 18_000)
        s.send(&gh, fromClient: false, serverHello(), rttMicros: 300)
        s.close(&gh, rttMicros: 18_000)

        // frontend-2 → www.example.com:443: no rule allows it; Azure Firewall resets after the ClientHello.
        s.udp(frontend2, 41003, kubeDNS, 53, PacketBuilder.dnsQuery(id: 0x1a03, name: "www.example.com"))
        s.udp(kubeDNS, 53, frontend2, 41003, PacketBuilder.dnsResponse(id: 0x1a03, name: "www.example.com", addresses: [exampleCom]),
              gapMicros: 2_000)
        var ex = s.connection(frontend2, 43040, exampleCom, 443)
        s.handshake(&ex, rttMicros: 2_000)
        s.send(&ex, fromClient: true, PacketBuilder.tlsClientHello(sni: "www.example.com"), rttMicros: 2_000)
        s.reset(&ex, rttMicros: 100)

        // node 0 → ntp.ubuntu.com UDP 123: network rule `time` (allowed).
        s.udp(node0, 123, ntpUbuntu, 123, ntp(mode: 3))
        s.udp(ntpUbuntu, 123, node0, 123, ntp(mode: 4), gapMicros: 25_000)

        // Internet client → frontend LoadBalancer 20.62.20.30:80: the NSG allows it, but with 0.0.0.0/0 routed
        // through the firewall the reply would leave asymmetrically, so the firewall drops the flow.
        var lb = s.connection(client, 51000, frontendLB, 80)
        s.handshake(&lb, rttMicros: 30_000)
        s.send(&lb, fromClient: true, PacketBuilder.httpRequest(host: "20.62.20.30"), rttMicros: 600)
        s.send(&lb, fromClient: false, Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nshop!".utf8), rttMicros: 30_000)
        s.close(&lb, rttMicros: 30_000)

        // Internet client → firewall public IP 20.62.10.4:443, SNI shop.contoso.com: DNAT to the ingress
        // controller's internal LB 10.224.0.100 (allowed, eTP Local), then the Ingress routes to shop/frontend.
        var shop = s.connection(client, 51001, firewallPublic, 443)
        s.handshake(&shop, rttMicros: 30_000)
        s.send(&shop, fromClient: true, PacketBuilder.tlsClientHello(sni: "shop.contoso.com"), rttMicros: 600)
        s.send(&shop, fromClient: false, serverHello(), rttMicros: 30_000)
        s.close(&shop, rttMicros: 30_000)

        // 192.0.2.99 → API server 20.62.30.1:443: outside the authorized IP ranges (denied).
        s.unansweredSYN(s.connection(unauthorizedAdmin, 60000, apiServer, 443))

        // node 0 pings node 1 (allowed inside the VNet), and ARPs for the subnet gateway.
        s.ping(node0, node1, id: 0x0b01, seq: 1)
        s.arp(who: IPAddress(10, 224, 0, 1), tells: node0, answerMAC: [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc])
        return s.packets
    }

    /// A ServerHello-shaped TLS handshake record (content is opaque to the simulator).
    static func serverHello() -> [UInt8] {
        let body: [UInt8] = [0x02, 0x00, 0x00, 0x2e, 0x03, 0x03] + (0..<32).map { UInt8(0x80 | $0) } + [0x00, 0x13, 0x01, 0x00, 0x00, 0x06, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04]
        return [0x16, 0x03, 0x03, 0x00, UInt8(body.count)] + body
    }

    /// A 48-byte NTPv4 packet: client (mode 3) or server (mode 4) — RFC 5905 §7.3.
    static func ntp(mode: UInt8) -> [UInt8] {
        var packet = [UInt8](repeating: 0, count: 48)
        packet[0] = 4 << 3 | mode
        packet[1] = mode == 4 ? 2 : 0   // stratum
        return packet
    }
}
