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
    /// for measuring the cost of full classification and for flooding the conntrack table; each
    /// frame is built from its flow's index as it is written (constant memory, any flow count).
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
        let writer = try PcapWriter(path: path, linkType: LinkType.ethernet.rawValue, snaplen: 65535)
        var clock = SyntheticLoad.start
        if flowStartsOnly {
            try writeFlowStarts(e, writer: writer, clock: &clock)
            try writer.close()
            return flows
        }
        var rng = SplitMix64(seed: seed)
        var templates: [SyntheticLoad.FlowFrames] = []
        templates.reserveCapacity(flows)
        for index in 0..<flows { templates.append(ClusterTraffic.flowFrames(index: index, e, rng: &rng)) }
        var written = 0
        if concurrency < flows {
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

    /// Where a flow's packets come from. The templated capture draws the pod at random and takes
    /// the outside clients from small documentation ranges; the flood derives all three from the
    /// flow's index so that no two flows share a 5-tuple (`floodSources`).
    struct Sources {
        var pod: IPAddress
        var lbClient: IPAddress
        var scanner: IPAddress
    }

    /// One flow of the mix: its addresses and what it opens with.
    struct FlowPlan {
        enum Request {
            case http(host: String)
            case tls(sni: String)
        }

        enum Opening {
            /// SYN, first request, reply data, ACK; then data and ACKs.
            case connect(Request)
            /// A SYN nobody answers, retransmitted.
            case unanswered
            /// A DNS query to the cluster DNS Service and its answer.
            case dns(name: String, answer: IPAddress)
        }

        var src: IPAddress
        var dst: IPAddress
        var dport: UInt16
        var opening: Opening
    }

    /// The mix, by `kind` (0..<100): 30% pod→Service, 10% pod→pod, 5% pod→pod on an unserved
    /// port, 20% pod→Internet HTTPS, 20% DNS, 10% Internet→LB, 5% scans of a frontend's port 22.
    static func plan(kind: Int, from s: Sources, _ e: Endpoints, rng: inout SplitMix64) -> FlowPlan {
        switch kind {
        case 0..<30 where !e.services.isEmpty:
            let (svc, port) = e.services[rng.below(e.services.count)]
            return FlowPlan(src: s.pod, dst: svc, dport: port, opening: .connect(.http(host: "\(svc)")))
        case 0..<40:
            let peer = e.pods[rng.below(e.pods.count)]
            return FlowPlan(src: s.pod, dst: peer, dport: 8080, opening: .connect(.http(host: "\(peer):8080")))
        case 40..<45:
            return FlowPlan(src: s.pod, dst: e.pods[rng.below(e.pods.count)], dport: 9090, opening: .unanswered)
        case 45..<65:
            let (dst, name) = internet[rng.below(internet.count)]
            return FlowPlan(src: s.pod, dst: dst, dport: 443, opening: .connect(.tls(sni: name)))
        case 65..<85:
            let (answer, name) = internet[rng.below(internet.count)]
            return FlowPlan(src: s.pod, dst: e.dns, dport: 53, opening: .dns(name: name, answer: answer))
        case 85..<95 where !e.loadBalancers.isEmpty:
            let (lb, port) = e.loadBalancers[rng.below(e.loadBalancers.count)]
            return FlowPlan(src: s.lbClient, dst: lb, dport: port, opening: .connect(.http(host: "shop.contoso.com")))
        default:
            // A scan of a public frontend on a port no LB rule or NSG rule opens.
            if e.loadBalancers.isEmpty { return FlowPlan(src: s.scanner, dst: e.nodes[rng.below(e.nodes.count)], dport: 22, opening: .unanswered) }
            return FlowPlan(src: s.scanner, dst: e.loadBalancers[rng.below(e.loadBalancers.count)].0, dport: 22, opening: .unanswered)
        }
    }

    /// Every frame of a templated flow (the first one is `firstFrame`).
    static func flowFrames(index: Int, _ e: Endpoints, rng: inout SplitMix64) -> SyntheticLoad.FlowFrames {
        let pod = e.pods[rng.below(e.pods.count)]
        // Distinct source ports for up to 60,000 flows keep every flow's tuple distinct.
        let sport = UInt16(1024 + index % 60_000)
        let data = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 64 + rng.below(640))
        let kind = rng.below(100)
        let sources = Sources(pod: pod, lbClient: IPAddress(198, 51, 100, UInt8(1 + index % 250)),
                              scanner: IPAddress(192, 0, 2, UInt8(1 + index % 250)))
        let p = plan(kind: kind, from: sources, e, rng: &rng)
        let first = firstFrame(p, sport: sport, index: index)
        func eth(_ ip: [UInt8]) -> [UInt8] { PacketBuilder.ethernet(ip) }
        switch p.opening {
        case .connect(let request):
            let payload: [UInt8]
            switch request {
            case .http(let host): payload = PacketBuilder.httpRequest(host: host)
            case .tls(let sni): payload = PacketBuilder.tlsClientHello(sni: sni)
            }
            return SyntheticLoad.FlowFrames(frames: [
                first,
                eth(PacketBuilder.tcp(src: p.src, dst: p.dst, sport: sport, dport: p.dport, flags: [.psh, .ack], payload: payload)),
                eth(PacketBuilder.tcp(src: p.dst, dst: p.src, sport: p.dport, dport: sport, flags: [.psh, .ack], payload: data)),
                eth(PacketBuilder.tcp(src: p.src, dst: p.dst, sport: sport, dport: p.dport, flags: [.ack])),
            ], repeatFrom: 2)
        case .unanswered:
            return SyntheticLoad.FlowFrames(frames: [first], repeatFrom: 0)
        case .dns(let name, let answer):
            let id = UInt16(truncatingIfNeeded: index)
            return SyntheticLoad.FlowFrames(frames: [
                first,
                eth(PacketBuilder.udp(src: p.dst, dst: p.src, sport: 53, dport: sport,
                                      payload: PacketBuilder.dnsResponse(id: id, name: name, addresses: [answer]))),
            ], repeatFrom: 0)
        }
    }

    /// A flow's opening frame: the SYN of a TCP flow, the query of a DNS flow.
    static func firstFrame(_ p: FlowPlan, sport: UInt16, index: Int) -> [UInt8] {
        switch p.opening {
        case .connect, .unanswered:
            return PacketBuilder.ethernet(PacketBuilder.tcp(src: p.src, dst: p.dst, sport: sport, dport: p.dport, flags: [.syn]))
        case .dns(let name, _):
            let query = PacketBuilder.dnsQuery(id: UInt16(truncatingIfNeeded: index), name: name)
            return PacketBuilder.ethernet(PacketBuilder.udp(src: p.src, dst: p.dst, sport: sport, dport: p.dport, payload: query))
        }
    }
}

/// The flood (`--flow-starts-only`): every packet opens a new flow, generated from its index
/// alone, so memory stays constant however many flows are asked for (a 10M-flow flood for the
/// bounded conntrack table).
extension ClusterTraffic {
    /// Source ports cycle over 1024…65535 (the range a client may pick); flows `index` and
    /// `index + 64512` share a port and differ in their source address.
    static let floodPorts = 65536 - 1024

    /// Distinct 5-tuples the flood can draw from this cluster: every source port from as many
    /// distinct sources per port as there are pods (2^16 outside clients at most).
    static func floodCapacity(_ e: Endpoints) -> Int { floodPorts * min(e.pods.count, 1 << 16) }

    /// The flow's own generator, seeded from (seed, index): flows are independent of each other,
    /// so flow `index` needs no state from the ones before it. SplitMix64's output function is a
    /// bijection, so distinct indices get distinct, well-mixed seeds.
    static func flowSeed(_ seed: UInt64, index: Int) -> UInt64 {
        var m = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        return m.next()
    }

    /// Sources of flood flow `index`: port p = index mod 64512, round r = index / 64512. The pod
    /// is pods[(p + r) mod P] and the outside clients 198.18.0.0/16 (Internet→LB) and
    /// 198.19.0.0/16 (scanners, RFC 2544 benchmarking space) at offset (p + r) mod 2^16: for one
    /// port, r ↦ source is injective while r < P, so no two flows below `floodCapacity` share a
    /// 5-tuple whatever destinations the mix picks (pods are never in 198.18.0.0/15). Consecutive
    /// flows still come from consecutive pods.
    static func floodSources(index: Int, _ e: Endpoints) -> (Sources, sport: UInt16) {
        let port = index % floodPorts, round = index / floodPorts
        let client = UInt16(truncatingIfNeeded: port + round)
        let sources = Sources(pod: e.pods[(port + round) % e.pods.count],
                              lbClient: IPAddress(198, 18, UInt8(client >> 8), UInt8(truncatingIfNeeded: client)),
                              scanner: IPAddress(198, 19, UInt8(client >> 8), UInt8(truncatingIfNeeded: client)))
        return (sources, UInt16(1024 + port))
    }

    /// The first frame of flood flow `index`, same bytes for the same (cluster, seed, index).
    static func floodFrame(index: Int, seed: UInt64, _ e: Endpoints) -> [UInt8] {
        var rng = SplitMix64(seed: flowSeed(seed, index: index))
        let (sources, sport) = floodSources(index: index, e)
        let p = plan(kind: rng.below(100), from: sources, e, rng: &rng)
        return firstFrame(p, sport: sport, index: index)
    }

    /// Writes one frame per flow, 2 µs apart, building each as it is written.
    func writeFlowStarts(_ e: Endpoints, writer: PcapWriter, clock: inout Int64) throws(PcapError) {
        for index in 0..<flows {
            clock += 2000
            try writer.write(ClusterTraffic.floodFrame(index: index, seed: seed, e), timestampNanos: clock)
        }
    }
}

extension ClusterTraffic {
    /// `synth capture --cluster PATH`: loads (and validates) the cluster, then writes the capture.
    static func run(_ options: SynthCommand.Capture, cluster path: String) throws {
        var loader = ClusterOptions()
        loader.cluster = [path]
        let cluster = try loader.load()
        let e = endpoints(of: cluster)
        if let problem = problems(e) { throw CLIFailure.badInput("\(path): \(problem)") }
        if options.flowStartsOnly && options.flows > floodCapacity(e) {
            throw CLIFailure.badInput("\(path): --flows \(options.flows) exceeds the \(floodCapacity(e)) distinct flows its "
                                      + "\(e.pods.count) pods can open (\(floodPorts) source ports each)")
        }
        let traffic = ClusterTraffic(packets: options.packets, flows: options.flows, seed: options.seed,
                                     flowStartsOnly: options.flowStartsOnly, concurrency: options.concurrency ?? options.flows)
        do throws(PcapError) {
            let written = try traffic.write(cluster: cluster, to: options.out)
            SynthCommand.Capture.report("wrote \(written) packets (\(options.flows) flows from \(path), seed \(options.seed)) to \(options.out)",
                                        out: options.out)
        } catch {
            throw CLIFailure.runtime(error.description)
        }
    }
}
