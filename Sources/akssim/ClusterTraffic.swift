import ClusterModel
import NetworkAddress
import PacketWire
import PcapIO

/// A node capture drawn from a given cluster (`akssim synth capture --cluster FILE`): flows
/// between the cluster's own pods, Services, LB frontends and the Internet, in the mix a busy
/// AKS node sees — pod→Service (HTTP with Host), pod→pod, pod→pod on an unserved port
/// (NetworkPolicy-denied where a policy isolates the target), pod→Internet HTTPS with SNI
/// (allowed and denied by the firewall), DNS to the cluster DNS Service, Internet→LB, and
/// Internet→LB frontend on a port nothing opens (denied). Each flow sends its opening frames once, then keeps
/// exchanging data and replies (replies carry the Service address, as captured on the client's
/// side after reverse NAT). Deterministic: same cluster, counts and seed, same bytes; a longer
/// capture with the same flows and seed starts with the shorter one's packets.
struct ClusterTraffic {
    var packets: Int
    var flows: Int
    var seed: UInt64
    /// Every packet is the first packet of a distinct flow (`packets` is ignored: one per flow),
    /// for measuring the cost of full classification.
    var flowStartsOnly: Bool
    /// Flows open at a time. At least `flows`: every flow is open from the start and each packet
    /// picks any of them (no locality at all: the worst case for every cache). Fewer: flows run
    /// in a rolling window — each sends about packets/flows packets, then ends and a new flow
    /// starts in its place — the temporal locality a real node capture has.
    var concurrency: Int

    struct Endpoints {
        var pods: [IPAddress] = []
        var services: [(IPAddress, UInt16)] = []
        var loadBalancers: [(IPAddress, UInt16)] = []
        var nodes: [IPAddress] = []
        var dns: IPAddress
    }

    /// (address, SNI): allowed by the firewall's FQDN rules (github, the AKS FQDN tag) and denied (example.com).
    static let internet: [(IPAddress, String)] = [(IPAddress(140, 82, 112, 6), "api.github.com"),
                                                  (IPAddress(20, 61, 99, 1), "mcr.microsoft.com"),
                                                  (IPAddress(93, 184, 215, 14), "www.example.com")]

    static func endpoints(of cluster: Cluster) -> Endpoints {
        var e = Endpoints(dns: cluster.settings.dnsServiceIP)
        for p in cluster.pods where !p.hostNetwork {
            if let ip = p.ips.first(where: { $0.isIPv4 }) { e.pods.append(ip) }
        }
        for s in cluster.services {
            guard let port = s.ports.first(where: { $0.proto == .tcp }), let ip = s.clusterIPs.first(where: { $0.isIPv4 }),
                  ip != cluster.settings.dnsServiceIP else { continue }
            e.services.append((ip, UInt16(truncatingIfNeeded: port.port)))
            for lb in s.loadBalancerIngressIPs where lb.isIPv4 { e.loadBalancers.append((lb, UInt16(truncatingIfNeeded: port.port))) }
        }
        for n in cluster.nodes { if let ip = n.internalIPs.first(where: { $0.isIPv4 }) { e.nodes.append(ip) } }
        return e
    }

    /// Problems that make the cluster unusable as a traffic source.
    static func problems(_ e: Endpoints) -> String? {
        if e.pods.isEmpty { return "the cluster has no pods with an IPv4 address to send traffic from" }
        if e.nodes.isEmpty { return "the cluster has no nodes with an IPv4 address" }
        return nil
    }

    func write(cluster: Cluster, to path: String) throws(PcapError) -> Int {
        let e = ClusterTraffic.endpoints(of: cluster)
        var rng = SplitMix64(seed: seed)
        var templates: [SyntheticLoad.FlowFrames] = []
        templates.reserveCapacity(flows)
        for index in 0..<flows { templates.append(ClusterTraffic.flowFrames(index: index, e, rng: &rng)) }
        let writer = try PcapWriter(path: path, linkType: LinkType.ethernet.rawValue, snaplen: 65535)
        var clock = SyntheticLoad.start
        var written = 0
        if flowStartsOnly {
            for t in templates {
                clock += 2000
                try writer.write(t.frames[0], timestampNanos: clock)
            }
            written = flows
        } else if concurrency < flows {
            written = try writeWindowed(templates, writer: writer, clock: &clock, rng: &rng)
        } else {
            var cursor = [UInt8](repeating: 0, count: flows)
            for _ in 0..<packets {
                let flow = rng.below(flows)
                let t = templates[flow]
                let next = Int(cursor[flow]) + 1
                cursor[flow] = UInt8(next < t.frames.count ? next : t.repeatFrom)
                clock += Int64(1000 + rng.below(2000))
                try writer.write(t.frames[next - 1], timestampNanos: clock)
            }
            written = packets
        }
        try writer.close()
        return written
    }

    /// The rolling window: `concurrency` open flows; a packet picks one at random; a flow that
    /// has sent its share (1…2× the average, drawn at start) makes room for the next flow.
    /// Once every flow has started, the open ones keep going until `packets` are written.
    func writeWindowed(_ templates: [SyntheticLoad.FlowFrames], writer: PcapWriter, clock: inout Int64,
                       rng: inout SplitMix64) throws(PcapError) -> Int {
        let share = max(1, packets / max(flows, 1))
        var open: [(flow: Int, cursor: Int, left: Int)] = []
        var nextFlow = 0
        func start(_ rng: inout SplitMix64) -> (flow: Int, cursor: Int, left: Int) {
            defer { nextFlow += 1 }
            return (nextFlow, 0, 1 + rng.below(2 * share))
        }
        while open.count < concurrency && nextFlow < flows { open.append(start(&rng)) }
        for _ in 0..<packets {
            let slot = rng.below(open.count)
            var f = open[slot]
            let t = templates[f.flow]
            clock += Int64(1000 + rng.below(2000))
            try writer.write(t.frames[f.cursor], timestampNanos: clock)
            f.cursor = f.cursor + 1 < t.frames.count ? f.cursor + 1 : t.repeatFrom
            f.left -= 1
            open[slot] = f.left <= 0 && nextFlow < flows ? start(&rng) : f
        }
        return packets
    }

    static func flowFrames(index: Int, _ e: Endpoints, rng: inout SplitMix64) -> SyntheticLoad.FlowFrames {
        let pod = e.pods[rng.below(e.pods.count)]
        // Distinct source ports for up to 60,000 flows keep every flow's tuple distinct.
        let sport = UInt16(1024 + index % 60_000)
        let data = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 64 + rng.below(640))
        let kind = rng.below(100)
        func eth(_ ip: [UInt8]) -> [UInt8] { PacketBuilder.ethernet(ip) }
        /// SYN, first payload, reply data, ACK; then data and ACKs.
        func tcp(_ src: IPAddress, _ dst: IPAddress, _ dport: UInt16, _ first: [UInt8]) -> SyntheticLoad.FlowFrames {
            SyntheticLoad.FlowFrames(frames: [
                eth(PacketBuilder.tcp(src: src, dst: dst, sport: sport, dport: dport, flags: [.syn])),
                eth(PacketBuilder.tcp(src: src, dst: dst, sport: sport, dport: dport, flags: [.psh, .ack], payload: first)),
                eth(PacketBuilder.tcp(src: dst, dst: src, sport: dport, dport: sport, flags: [.psh, .ack], payload: data)),
                eth(PacketBuilder.tcp(src: src, dst: dst, sport: sport, dport: dport, flags: [.ack])),
            ], repeatFrom: 2)
        }
        /// A SYN nobody answers, retransmitted.
        func unanswered(_ src: IPAddress, _ dst: IPAddress, _ dport: UInt16) -> SyntheticLoad.FlowFrames {
            SyntheticLoad.FlowFrames(frames: [eth(PacketBuilder.tcp(src: src, dst: dst, sport: sport, dport: dport, flags: [.syn]))],
                                     repeatFrom: 0)
        }
        switch kind {
        case 0..<30 where !e.services.isEmpty:
            let (svc, port) = e.services[rng.below(e.services.count)]
            return tcp(pod, svc, port, PacketBuilder.httpRequest(host: "\(svc)"))
        case 0..<40:
            let peer = e.pods[rng.below(e.pods.count)]
            return tcp(pod, peer, 8080, PacketBuilder.httpRequest(host: "\(peer):8080"))
        case 40..<45:
            return unanswered(pod, e.pods[rng.below(e.pods.count)], 9090)
        case 45..<65:
            let (dst, name) = internet[rng.below(internet.count)]
            return tcp(pod, dst, 443, PacketBuilder.tlsClientHello(sni: name))
        case 65..<85:
            let (answer, name) = internet[rng.below(internet.count)]
            let id = UInt16(truncatingIfNeeded: index)
            return SyntheticLoad.FlowFrames(frames: [
                eth(PacketBuilder.udp(src: pod, dst: e.dns, sport: sport, dport: 53, payload: PacketBuilder.dnsQuery(id: id, name: name))),
                eth(PacketBuilder.udp(src: e.dns, dst: pod, sport: 53, dport: sport,
                                      payload: PacketBuilder.dnsResponse(id: id, name: name, addresses: [answer]))),
            ], repeatFrom: 0)
        case 85..<95 where !e.loadBalancers.isEmpty:
            let client = IPAddress(198, 51, 100, UInt8(1 + index % 250))
            let (lb, port) = e.loadBalancers[rng.below(e.loadBalancers.count)]
            return tcp(client, lb, port, PacketBuilder.httpRequest(host: "shop.contoso.com"))
        default:
            // A scan of a public frontend on a port no LB rule or NSG rule opens.
            let client = IPAddress(192, 0, 2, UInt8(1 + index % 250))
            if e.loadBalancers.isEmpty { return unanswered(client, e.nodes[rng.below(e.nodes.count)], 22) }
            return unanswered(client, e.loadBalancers[rng.below(e.loadBalancers.count)].0, 22)
        }
    }
}

extension ClusterTraffic {
    /// `synth capture --cluster PATH`: loads (and validates) the cluster, then writes the capture.
    static func run(_ options: SynthCommand.Capture, cluster path: String) throws {
        var loader = ClusterOptions()
        loader.cluster = [path]
        let cluster = try loader.load()
        if let problem = problems(endpoints(of: cluster)) { throw CLIFailure.badInput("\(path): \(problem)") }
        let traffic = ClusterTraffic(packets: options.packets, flows: options.flows, seed: options.seed,
                                     flowStartsOnly: options.flowStartsOnly, concurrency: options.concurrency ?? options.flows)
        do throws(PcapError) {
            let written = try traffic.write(cluster: cluster, to: options.out)
            print("wrote \(written) packets (\(options.flows) flows from \(path), seed \(options.seed)) to \(options.out)")
        } catch {
            throw CLIFailure.runtime(error.description)
        }
    }
}
