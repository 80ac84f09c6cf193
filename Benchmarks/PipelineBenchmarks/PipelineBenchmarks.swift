// Micro-benchmarks of the per-packet path with ordo-one/benchmark (`scripts/microbench`).
//
// Each benchmark times one step of the path over packets built in memory (no libpcap, no file):
// decoding a frame, an established packet (a conntrack hit), and a flow's first packet (the full
// classification: placement, kube-proxy, NetworkPolicy, NSG, routes, firewall, conntrack insert),
// on the bench's small cluster (100 Services) and large cluster (30,000 Services). The malloc
// counters of ordo-one/benchmark's interposer show the allocation-free path: `mallocCountTotal`
// must be 0 for every benchmark here (the thresholds below fail the run otherwise).
// `scripts/bench` stays the end-to-end measurement (libpcap read loop, ratios, workers).

import Benchmark
import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire

/// One cluster compiled, and frames of its traffic: `starts` SYNs of distinct flows from pods to
/// ClusterIP Services, and for the first `open` of those flows their client's ACK (the established
/// packet of an open connection).
final class PathFixture: @unchecked Sendable {
    let pipeline: Pipeline
    let starts: [[UInt8]]
    let acks: [[UInt8]]
    var decoded = DecodedPacket()
    var decoder = PacketDecoder()
    var nextStart = 0
    var clock: Int64 = 1_700_000_000_000_000_000

    init(_ parameters: ScaleClusterParameters, flows: Int, open: Int) {
        let cluster: Cluster
        do {
            cluster = try ClusterLoader.load(yaml: ScaleCluster(parameters).yaml(), file: "synth")
        } catch {
            fatalError("the generated cluster does not load: \(error)")   // generator bug, not input
        }
        pipeline = Pipeline(cluster: cluster)
        let pods = cluster.pods.filter { !$0.hostNetwork && !$0.ips.isEmpty }.map { $0.ips[0] }
        var services: [(IPAddress, UInt16)] = []
        for s in cluster.services {
            guard let port = s.ports.first(where: { $0.proto == .tcp }), let ip = s.clusterIPs.first(where: { $0.isIPv4 }) else {
                continue
            }
            services.append((ip, UInt16(truncatingIfNeeded: port.port)))
        }
        var starts: [[UInt8]] = []
        var acks: [[UInt8]] = []
        for j in 0..<flows {
            // Distinct tuples: a pod, a Service spread over the whole table, a source port per round.
            let src = pods[j % pods.count]
            let (svc, port) = services[(j &* 7919) % services.count]
            let sport = UInt16(1024 + (j / pods.count) % 60_000)
            starts.append(PacketBuilder.ethernet(PacketBuilder.tcp(src: src, dst: svc, sport: sport, dport: port, flags: [.syn])))
            if j < open {
                acks.append(PacketBuilder.ethernet(PacketBuilder.tcp(src: src, dst: svc, sport: sport, dport: port, flags: [.ack])))
            }
        }
        self.starts = starts
        self.acks = acks
    }

    /// Judges one frame (decode outside the timing is not possible per call; both are counted
    /// by `decode`'s own benchmark, so the path benchmarks time decode + process).
    @inline(__always)
    func judge(_ frame: [UInt8]) -> Verdict {
        clock &+= 1_000
        return frame.withUnsafeBytes { bytes in
            decoder.decode(bytes, linkType: .ethernet, wireLength: UInt32(bytes.count), into: &decoded)
            return pipeline.process(&decoded, bytes: bytes, timestampNanos: clock).verdict
        }
    }

    /// Opens the `acks.count` connections (their SYNs), so the ACKs are established packets.
    func openConnections() {
        pipeline.forgetConnections()
        for j in 0..<acks.count { _ = judge(starts[j]) }
        nextStart = acks.count
    }

    /// The next never-seen flow's SYN; when all were used, the table is emptied (outside the
    /// measurement) and they start over.
    func freshStarts(_ n: Int) {
        if nextStart + n > starts.count {
            pipeline.forgetConnections()
            nextStart = 0
        }
    }
}

nonisolated(unsafe) var small: PathFixture?
nonisolated(unsafe) var large: PathFixture?

func fixture(large wantLarge: Bool) -> PathFixture {
    if wantLarge {
        if let large { return large }
        var p = ScaleClusterParameters()
        p.pods = 10_000
        p.namespaces = 100
        p.services = 30_000
        p.policies = 500
        p.nsgRules = 1_000
        p.firewallRules = 500
        let f = PathFixture(p, flows: 100_000, open: 1_000)
        large = f
        return f
    }
    if let small { return small }
    let f = PathFixture(ScaleClusterParameters(), flows: 100_000, open: 1_000)
    small = f
    return f
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000,
        thresholds: [.mallocCountTotal: .init(absolute: [.p100: 0])]
    )

    Benchmark("decode: Ethernet/IPv4/TCP frame") { benchmark in
        let f = fixture(large: false)
        let frame = f.acks[0]
        var decoder = PacketDecoder()
        var packet = DecodedPacket()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            frame.withUnsafeBytes { bytes in
                decoder.decode(bytes, linkType: .ethernet, wireLength: UInt32(bytes.count), into: &packet)
            }
            blackHole(packet.flow.dstPort)
        }
    }

    for wantLarge in [false, true] {
        let name = wantLarge ? "large cluster (30,000 Services)" : "small cluster (100 Services)"

        Benchmark("established packet (decode + conntrack hit), \(name)") { benchmark in
            let f = fixture(large: wantLarge)
            f.openConnections()
            let n = f.acks.count
            var i = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(f.judge(f.acks[i]))
                i = i + 1 == n ? 0 : i + 1
            }
        }

        Benchmark("first packet (decode + full classification), \(name)") { benchmark in
            let f = fixture(large: wantLarge)
            let n = benchmark.scaledIterations.count
            f.freshStarts(n)
            var j = f.nextStart
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(f.judge(f.starts[j]))
                j += 1
            }
            benchmark.stopMeasurement()
            f.nextStart = j
        }
    }
}
