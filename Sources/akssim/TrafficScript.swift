import NetworkAddress
import PacketWire
import PcapIO

/// Writes believable conversations as Ethernet frames with increasing timestamps: TCP with
/// real handshakes, sequence and acknowledgement numbers, data and FIN exchange; UDP
/// request/response; unanswered SYNs retransmitted the way Linux does (1 s, then 2 s later).
/// Used by `akssim synth` to produce the bundled sample; allocation here is fine (not a hot path).
struct TrafficScript {
    private(set) var packets: [CapturedPacket] = []
    /// Current time in ns since the epoch.
    private(set) var clock: Int64
    private var ipID: UInt16 = 0x1000

    init(startNanos: Int64) { clock = startNanos }

    /// Lets `micros` pass before the next packet.
    mutating func wait(micros: Int64) { clock += micros * 1000 }

    /// Appends an IP packet framed in Ethernet (optionally VLAN-tagged), `gapMicros` after the last one.
    mutating func emit(_ ip: [UInt8], vlans: [UInt16] = [], gapMicros: Int64 = 150) {
        clock += gapMicros * 1000
        packets.append(CapturedPacket(bytes: PacketBuilder.ethernet(ip, vlans: vlans), timestampNanos: clock))
    }

    mutating func emitFrame(_ frame: [UInt8], gapMicros: Int64 = 150) {
        clock += gapMicros * 1000
        packets.append(CapturedPacket(bytes: frame, timestampNanos: clock))
    }

    mutating func nextID() -> UInt16 {
        ipID &+= 1
        return ipID
    }

    // MARK: TCP

    struct TCPConnection {
        var client: IPAddress
        var clientPort: UInt16
        var server: IPAddress
        var serverPort: UInt16
        var clientSeq: UInt32
        var serverSeq: UInt32
    }

    func connection(_ client: IPAddress, _ clientPort: UInt16, _ server: IPAddress, _ serverPort: UInt16) -> TCPConnection {
        // Initial sequence numbers derived from the 4-tuple: deterministic, not all alike.
        let seed = UInt32(truncatingIfNeeded: FlowKey(src: client, dst: server, srcPort: clientPort, dstPort: serverPort,
                                                      proto: .tcp).mix())
        return TCPConnection(client: client, clientPort: clientPort, server: server, serverPort: serverPort,
                             clientSeq: seed, serverSeq: seed &* 2_654_435_761)
    }

    private mutating func segment(_ c: TCPConnection, fromClient: Bool, flags: TCPFlags, payload: [UInt8] = [],
                                  gapMicros: Int64) {
        let ip = fromClient
            ? PacketBuilder.tcp(src: c.client, dst: c.server, sport: c.clientPort, dport: c.serverPort, flags: flags,
                                seq: c.clientSeq, ack: flags.contains(.ack) ? c.serverSeq : 0, payload: payload, id: nextID())
            : PacketBuilder.tcp(src: c.server, dst: c.client, sport: c.serverPort, dport: c.clientPort, flags: flags,
                                seq: c.serverSeq, ack: flags.contains(.ack) ? c.clientSeq : 0, payload: payload, id: nextID())
        emit(ip, gapMicros: gapMicros)
    }

    /// SYN, SYN-ACK, ACK. `rttMicros` is the round trip the server side adds.
    mutating func handshake(_ c: inout TCPConnection, rttMicros: Int64 = 400) {
        segment(c, fromClient: true, flags: [.syn], gapMicros: 1000)
        c.clientSeq &+= 1
        segment(c, fromClient: false, flags: [.syn, .ack], gapMicros: rttMicros)
        c.serverSeq &+= 1
        segment(c, fromClient: true, flags: [.ack], gapMicros: 40)
    }

    /// A data segment and the peer's acknowledgement.
    mutating func send(_ c: inout TCPConnection, fromClient: Bool, _ payload: [UInt8], rttMicros: Int64 = 400) {
        segment(c, fromClient: fromClient, flags: [.psh, .ack], payload: payload, gapMicros: 80)
        if fromClient { c.clientSeq &+= UInt32(payload.count) } else { c.serverSeq &+= UInt32(payload.count) }
        segment(c, fromClient: !fromClient, flags: [.ack], gapMicros: rttMicros)
    }

    /// Client FIN, server FIN-ACK, client ACK.
    mutating func close(_ c: inout TCPConnection, rttMicros: Int64 = 400) {
        segment(c, fromClient: true, flags: [.fin, .ack], gapMicros: 200)
        c.clientSeq &+= 1
        segment(c, fromClient: false, flags: [.fin, .ack], gapMicros: rttMicros)
        c.serverSeq &+= 1
        segment(c, fromClient: true, flags: [.ack], gapMicros: 40)
    }

    /// The server (or a middlebox speaking for it) resets the connection.
    mutating func reset(_ c: inout TCPConnection, rttMicros: Int64 = 400) {
        segment(c, fromClient: false, flags: [.rst, .ack], gapMicros: rttMicros)
    }

    /// A SYN nobody answers, retransmitted after 1 s and 2 s more (Linux's initial RTO doubling).
    mutating func unansweredSYN(_ c: TCPConnection) {
        segment(c, fromClient: true, flags: [.syn], gapMicros: 1000)
        segment(c, fromClient: true, flags: [.syn], gapMicros: 1_000_000)
        segment(c, fromClient: true, flags: [.syn], gapMicros: 2_000_000)
    }

    // MARK: UDP / ICMP / ARP

    mutating func udp(_ src: IPAddress, _ sport: UInt16, _ dst: IPAddress, _ dport: UInt16, _ payload: [UInt8],
                      vlans: [UInt16] = [], gapMicros: Int64 = 1000) {
        emit(PacketBuilder.udp(src: src, dst: dst, sport: sport, dport: dport, payload: payload, id: nextID()),
             vlans: vlans, gapMicros: gapMicros)
    }

    mutating func ping(_ src: IPAddress, _ dst: IPAddress, id: UInt16, seq: UInt16, rttMicros: Int64 = 300) {
        emit(PacketBuilder.icmpEcho(src: src, dst: dst, id: id, seq: seq), gapMicros: 1000)
        emit(PacketBuilder.icmpEcho(src: dst, dst: src, id: id, seq: seq, reply: true), gapMicros: rttMicros)
    }

    mutating func arp(who target: IPAddress, tells sender: IPAddress, answerMAC: [UInt8]) {
        let broadcast: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        emitFrame(PacketBuilder.ethernet(PacketBuilder.arp(senderIP: sender, targetIP: target), etherType: 0x0806,
                                         destination: broadcast), gapMicros: 1000)
        emitFrame(PacketBuilder.ethernet(PacketBuilder.arp(senderIP: target, targetIP: sender, reply: true, senderMAC: answerMAC),
                                         etherType: 0x0806, source: answerMAC, destination: PacketBuilder.defaultSourceMAC),
                  gapMicros: 200)
    }
}
