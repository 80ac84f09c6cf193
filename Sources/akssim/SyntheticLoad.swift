import NetworkAddress
import PacketWire
import PcapIO

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, so `synth capture` writes the
/// same bytes for the same seed on every machine.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

/// A large synthetic node capture for benchmarks and load tests: `flows` conversations drawn
/// from the default cluster's address plan, interleaved at random, each cycling through a few
/// prebuilt frames (TCP SYN / first payload with TLS SNI or HTTP Host / data / ACK, DNS query and
/// answer, ICMP echo, IPv6, VLAN-tagged and fragmented UDP), so the decoder sees the mix a busy
/// node sees. Frames are built once per flow and written straight to the file.
struct SyntheticLoad {
    var packets: Int
    var flows: Int
    var seed: UInt64

    /// 2026-11-25T10:00:00Z, 2 µs apart on average.
    static let start: Int64 = (1_795_597_200 + 3600) * 1_000_000_000

    func write(to path: String) throws(PcapError) -> Int {
        var rng = SplitMix64(seed: seed)
        var templates: [FlowFrames] = []
        templates.reserveCapacity(flows)
        for index in 0..<flows { templates.append(SyntheticLoad.flowFrames(index: index, rng: &rng)) }
        var cursor = [UInt8](repeating: 0, count: flows)
        let writer = try PcapWriter(path: path, linkType: LinkType.ethernet.rawValue, snaplen: 65535)
        var clock = SyntheticLoad.start
        for _ in 0..<packets {
            let flow = rng.below(flows)
            let flowFrames = templates[flow]
            let frame = flowFrames.frames[Int(cursor[flow])]
            // After the first pass a flow keeps sending its steady-state frames: a TCP flow opens
            // (SYN, first payload) once, then exchanges data and ACKs.
            let next = Int(cursor[flow]) + 1
            cursor[flow] = UInt8(next < flowFrames.frames.count ? next : flowFrames.repeatFrom)
            clock += Int64(1000 + rng.below(2000))
            try writer.write(frame, timestampNanos: clock)
        }
        try writer.close()
        return packets
    }

    static let pods: [IPAddress] = [
        IPAddress(10, 224, 0, 20), IPAddress(10, 224, 0, 21), IPAddress(10, 224, 0, 30), IPAddress(10, 224, 0, 31),
        IPAddress(10, 224, 0, 40), IPAddress(10, 224, 0, 41), IPAddress(10, 224, 0, 50),
    ]
    static let services: [(IPAddress, UInt16)] = [(IPAddress(10, 0, 120, 10), 80), (IPAddress(10, 0, 50, 20), 80),
                                                  (IPAddress(10, 0, 60, 10), 443), (IPAddress(10, 224, 0, 30), 8080)]
    static let internet: [(IPAddress, String)] = [(IPAddress(140, 82, 112, 6), "api.github.com"),
                                                  (IPAddress(93, 184, 215, 14), "www.example.com"),
                                                  (IPAddress(20, 61, 99, 1), "mcr.microsoft.com")]

    /// The frames of one flow, sent in order once; then the flow repeats from `repeatFrom`.
    struct FlowFrames {
        var frames: [[UInt8]]
        var repeatFrom: Int
    }

    static func flowFrames(index: Int, rng: inout SplitMix64) -> FlowFrames {
        let pod = pods[rng.below(pods.count)]
        let sport = UInt16(32768 + index % 28000)
        let dataLength = 64 + rng.below(640)
        let data = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: dataLength)
        let kind = rng.below(100)
        func eth(_ ip: [UInt8], vlans: [UInt16] = []) -> [UInt8] { PacketBuilder.ethernet(ip, vlans: vlans) }
        switch kind {
        case 0..<30:   // pod → Internet HTTPS: SYN, ClientHello with SNI, server data, ACK
            let (dst, name) = internet[rng.below(internet.count)]
            return FlowFrames(frames: [
                eth(PacketBuilder.tcp(src: pod, dst: dst, sport: sport, dport: 443, flags: [.syn])),
                eth(PacketBuilder.tcp(src: pod, dst: dst, sport: sport, dport: 443, flags: [.psh, .ack],
                                      payload: PacketBuilder.tlsClientHello(sni: name))),
                eth(PacketBuilder.tcp(src: dst, dst: pod, sport: 443, dport: sport, flags: [.psh, .ack], payload: data)),
                eth(PacketBuilder.tcp(src: pod, dst: dst, sport: sport, dport: 443, flags: [.ack])),
            ], repeatFrom: 2)
        case 30..<55:  // pod → ClusterIP / pod: SYN, HTTP request with Host, response, ACK
            let (dst, port) = services[rng.below(services.count)]
            return FlowFrames(frames: [
                eth(PacketBuilder.tcp(src: pod, dst: dst, sport: sport, dport: port, flags: [.syn])),
                eth(PacketBuilder.tcp(src: pod, dst: dst, sport: sport, dport: port, flags: [.psh, .ack],
                                      payload: PacketBuilder.httpRequest(host: "backend.shop.svc.cluster.local"))),
                eth(PacketBuilder.tcp(src: dst, dst: pod, sport: port, dport: sport, flags: [.psh, .ack], payload: data)),
                eth(PacketBuilder.tcp(src: pod, dst: dst, sport: sport, dport: port, flags: [.ack])),
            ], repeatFrom: 2)
        case 55..<80:  // DNS to kube-dns and the answer
            let name = internet[rng.below(internet.count)]
            let id = UInt16(truncatingIfNeeded: index)
            let dns = IPAddress(10, 0, 0, 10)
            return FlowFrames(frames: [
                eth(PacketBuilder.udp(src: pod, dst: dns, sport: sport, dport: 53, payload: PacketBuilder.dnsQuery(id: id, name: name.1))),
                eth(PacketBuilder.udp(src: dns, dst: pod, sport: 53, dport: sport,
                                      payload: PacketBuilder.dnsResponse(id: id, name: name.1, addresses: [name.0]))),
            ], repeatFrom: 0)
        case 80..<87:  // Internet client → LB frontend, VLAN-tagged on the wire
            let client = IPAddress(198, 51, 100, UInt8(1 + index % 250))
            let lb = IPAddress(20, 62, 20, 30)
            return FlowFrames(frames: [
                eth(PacketBuilder.tcp(src: client, dst: lb, sport: sport, dport: 80, flags: [.syn]), vlans: [100]),
                eth(PacketBuilder.tcp(src: client, dst: lb, sport: sport, dport: 80, flags: [.psh, .ack],
                                      payload: PacketBuilder.httpRequest(host: "20.62.20.30")), vlans: [100]),
                eth(PacketBuilder.tcp(src: lb, dst: client, sport: 80, dport: sport, flags: [.psh, .ack], payload: data), vlans: [100]),
                eth(PacketBuilder.tcp(src: client, dst: lb, sport: sport, dport: 80, flags: [.ack]), vlans: [100]),
            ], repeatFrom: 2)
        case 87..<93:  // IPv6 with a destination-options header
            let a = IPAddress(hi: 0xfd00_0000_0000_0000, lo: UInt64(index) + 1)
            let b = IPAddress(hi: 0xfd00_0000_0000_0001, lo: 0x10)
            return FlowFrames(frames: [
                eth(PacketBuilder.tcp(src: a, dst: b, sport: sport, dport: 443, flags: [.syn], extensions: [.destinationOptions])),
                eth(PacketBuilder.tcp(src: b, dst: a, sport: 443, dport: sport, flags: [.psh, .ack], payload: data)),
            ], repeatFrom: 1)
        case 93..<97:  // ICMP echo between nodes
            let a = IPAddress(10, 224, 0, 4), b = IPAddress(10, 224, 0, 5)
            let id = UInt16(truncatingIfNeeded: index)
            return FlowFrames(frames: [eth(PacketBuilder.icmpEcho(src: a, dst: b, id: id, seq: 1)),
                                       eth(PacketBuilder.icmpEcho(src: b, dst: a, id: id, seq: 1, reply: true))], repeatFrom: 0)
        default:       // a UDP datagram larger than the MTU, in two fragments
            let big = PacketBuilder.udp(src: pod, dst: IPAddress(10, 224, 0, 41), sport: sport, dport: 8472,
                                        payload: [UInt8](repeating: 0x42, count: 1600), id: UInt16(truncatingIfNeeded: index))
            return FlowFrames(frames: PacketBuilder.fragment(big, mtu: 1500).map { eth($0) }, repeatFrom: 0)
        }
    }
}
