import NetworkAddress
import PacketWire
import PcapIO

/// Captures for pipeline replay tests against the embedded default cluster (aks-contoso, see
/// /work/shared/design addresses): every packet's expected verdict is stated next to it.
enum ReplayPipelineFixtures {
    static let base: Int64 = 1_795_597_200 * 1_000_000_000
    static let node0 = IPAddress(10, 224, 0, 4)
    static let frontend1 = IPAddress(10, 224, 0, 20)
    static let frontend2 = IPAddress(10, 224, 0, 21)
    static let backend1 = IPAddress(10, 224, 0, 30)
    static let backend2 = IPAddress(10, 224, 0, 31)
    static let kubeDNS = IPAddress(10, 0, 0, 10)
    static let backendVIP = IPAddress(10, 0, 120, 10)
    static let apiServer = IPAddress(20, 62, 30, 1)
    static let admin = IPAddress(192, 0, 2, 99)
    static let exampleCom = IPAddress(93, 184, 215, 14)
    /// An address of ntp.ubuntu.com the default cluster's DNS table does not list.
    static let ntpUnlisted = IPAddress(185, 125, 190, 57)

    /// A capture's packets with 1 ms between them.
    struct Script {
        var frames: [[UInt8]] = []
        mutating func add(_ ip: [UInt8]) { frames.append(PacketBuilder.ethernet(ip)) }
        mutating func tcp(_ s: IPAddress, _ sp: UInt16, _ d: IPAddress, _ dp: UInt16, _ flags: TCPFlags, _ payload: [UInt8] = []) {
            add(PacketBuilder.tcp(src: s, dst: d, sport: sp, dport: dp, flags: flags, payload: payload))
        }
        mutating func udp(_ s: IPAddress, _ sp: UInt16, _ d: IPAddress, _ dp: UInt16, _ payload: [UInt8]) {
            add(PacketBuilder.udp(src: s, dst: d, sport: sp, dport: dp, payload: payload))
        }
        func write(to path: String) throws {
            try PcapWriter.writeAll(path: path, linkType: LinkType.ethernet.rawValue, packets: frames.enumerated().map {
                CapturedPacket(bytes: $0.element, timestampNanos: base + Int64($0.offset) * 1_000_000)
            })
        }
    }

    /// 11 packets, 7 flows, each with a verdict the default cluster's rules make unambiguous:
    /// - frontend-1 → kube-dns 10.0.0.10:53 query and the answer: 2 allowed (DNAT svc:kube-system/kube-dns:53;
    ///   the answer established). The endpoint hash picks coredns-1 on frontend-1's own node, so no NSG;
    /// - frontend-1 → backend ClusterIP 10.0.120.10:80 SYN, SYN-ACK, ACK (pod-side view): 3 allowed
    ///   (svc:shop/backend:80 → backend-1 on node 1: subnet NSG AllowVnetInBound, then
    ///   shop/backend-allow-frontend admits frontends on 8080; 2 established);
    /// - frontend-2 → backend-1 10.224.0.30:9090 SYN twice: 2 dropped at networkPolicy by netpol:default-deny;
    /// - 192.0.2.99 → API server 20.62.30.1:443 SYN: dropped at apiServer (outside the authorized ranges);
    /// - frontend-2 → 93.184.215.14:8443 SYN: masqueraded to node 1 (snat:node-masquerade), routed to the
    ///   firewall; no rule covers port 8443 → dropped at firewall by default-deny;
    /// - frontend-1 → 10.224.0.31:8080 SYN (direct to backend-2 on node 2): AllowVnetInBound, then allowed
    ///   by shop/backend-allow-frontend;
    /// - one ARP request: allowed at decode (platform:non-ip).
    static func verdictScript() -> Script {
        var s = Script()
        s.udp(frontend1, 41001, kubeDNS, 53, PacketBuilder.dnsQuery(id: 1, name: "backend.shop.svc.cluster.local"))
        s.udp(kubeDNS, 53, frontend1, 41001, PacketBuilder.dnsResponse(id: 1, name: "backend.shop.svc.cluster.local",
                                                                       addresses: [backendVIP]))
        s.tcp(frontend1, 43010, backendVIP, 80, [.syn])
        s.tcp(backendVIP, 80, frontend1, 43010, [.syn, .ack])
        s.tcp(frontend1, 43010, backendVIP, 80, [.ack])
        s.tcp(frontend2, 43020, backend1, 9090, [.syn])
        s.tcp(frontend2, 43020, backend1, 9090, [.syn])
        s.tcp(admin, 60000, apiServer, 443, [.syn])
        s.tcp(frontend2, 43040, exampleCom, 8443, [.syn])
        s.tcp(frontend1, 43050, backend2, 8080, [.syn])
        s.frames.append(PacketBuilder.ethernet(PacketBuilder.arp(senderIP: node0, targetIP: IPAddress(10, 224, 0, 1)),
                                               etherType: 0x0806))
        return s
    }

    /// A node's NTP query to an ntp.ubuntu.com address the cluster's DNS table does not list,
    /// preceded (`withAnswer`) or not by the DNS answer that names it: the firewall's network
    /// rule `time` (UDP 123 → FQDN ntp.ubuntu.com) matches only addresses it saw resolved.
    /// Several source ports, so with workers the queries land on more than one worker.
    static func ntpScript(withAnswer: Bool) -> Script {
        var s = Script()
        if withAnswer {
            s.udp(frontend1, 41100, kubeDNS, 53, PacketBuilder.dnsQuery(id: 9, name: "ntp.ubuntu.com"))
            s.udp(kubeDNS, 53, frontend1, 41100, PacketBuilder.dnsResponse(id: 9, name: "ntp.ubuntu.com", addresses: [ntpUnlisted]))
        }
        for port in UInt16(50123)..<50131 {
            s.udp(node0, port, ntpUnlisted, 123, [UInt8](repeating: 0x23, count: 48))
        }
        return s
    }

    /// Connections to the backend ClusterIP seen from two capture points merged into one file:
    /// the client's SYN towards the VIP (pod veth, before kube-proxy's DNAT) and the endpoint's
    /// SYN-ACK after it (node eth0: from backend pod :8080, not from the VIP). Conntrack knows
    /// the post-DNAT reply tuple, so the reply is established — on one thread, and with workers
    /// only if steering puts both forms on the same worker.
    static func mergedNATScript(connections: Int, clientPortBase: UInt16 = 30000) -> Script {
        var s = Script()
        for i in 0..<connections {
            let port = clientPortBase + UInt16(i)
            s.tcp(frontend1, port, backendVIP, 80, [.syn])
        }
        for i in 0..<connections {
            let port = clientPortBase + UInt16(i)
            // The endpoint kube-proxy's hash picks is not known here, so a reply comes from each
            // backend: the chosen one's is established, the other one's is a new (allowed) flow.
            s.tcp(backend1, 8080, frontend1, port, [.syn, .ack])
            s.tcp(backend2, 8080, frontend1, port, [.syn, .ack])
        }
        return s
    }

    /// UDP datagrams frontend-1 → frontend-2 (no policy isolates frontends: allowed), each
    /// answered by an ICMP port unreachable that quotes it: conntrack relates the error to its
    /// connection (rule `related`), so with workers the error must reach that connection's worker.
    static func icmpErrorScript(flows: Int) -> Script {
        var s = Script()
        for i in 0..<flows {
            let datagram = PacketBuilder.udp(src: frontend1, dst: frontend2, sport: UInt16(20000 + i), dport: 9999, payload: [1, 2, 3, 4])
            s.add(datagram)
            s.add(PacketBuilder.icmpError(type: .destinationUnreachable, code: 3, from: frontend2, original: datagram))
        }
        return s
    }

    /// Jumbo frames (8,000-byte UDP payloads, 60 flows): worker batches fill up by bytes before
    /// they fill up by slots.
    static func jumboScript(packets: Int) -> Script {
        var s = Script()
        for i in 0..<packets {
            let flow = UInt16(i % 60)
            s.add(PacketBuilder.udp(src: frontend1, dst: frontend2, sport: 21000 + flow, dport: 7000,
                                    payload: [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 8000)))
        }
        return s
    }
}
