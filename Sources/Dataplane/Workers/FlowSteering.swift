import NetworkAddress
import PacketWire

/// Picks the worker for a packet so that every packet a connection's conntrack entry must see
/// lands on the worker that owns that entry (each worker has its own `Pipeline`, hence its own
/// conntrack).
///
/// The key is one endpoint of the flow, the same in both directions: the one with the higher
/// port (as a rule a client's ephemeral port), unless that one is a Service side — a Service front
/// door (ClusterIP, NodePort, LB ingress IP, externalIP) or a Service endpoint (pod IP:targetPort) —
/// then the other one. Equal ports fall back to the two endpoints, unordered, or to the one that
/// is not a Service side.
///
/// NAT: a capture point sees both directions on the same side of a translation (the pod's veth
/// sees client → ClusterIP and ClusterIP → client; the node's eth0 sees pod → endpoint pod and
/// back), so any symmetric key is enough there. Captures merged from several points may hold a
/// connection in both forms: client → ClusterIP:80 and the endpoint's reply endpoint:8080 →
/// client. kube-proxy's DNAT never touches the client's side (without masquerade), and the rule
/// above never hashes a Service side, so both forms hash the client and meet on one worker.
///
/// Not handled: a capture merged from both sides of a source NAT (e.g. the node's view
/// pod:43030 → 140.82.112.6:443 and the firewall's public side 140.82.112.6:443 →
/// 20.62.10.4:43030). No endpoint survives both translations except the server's, and hashing
/// the server alone would pile all traffic to one popular server onto one worker; so such a
/// merged capture may judge the SNATed reply as a new flow with workers where a single thread
/// recognises it. Captures taken at one point never mix the two forms.
///
/// ICMP errors are steered by the connection they quote (conntrack relates them to it).
public struct FlowSteering: Sendable {
    public let workers: Int
    var serviceSides: LookupTable<FrontDoorKey>
    /// Ports any Service side uses, one bit per (protocol bucket TCP/UDP/SCTP, port): a packet
    /// whose port is not among them cannot be that side, so most packets skip one or both table
    /// probes (the reader thread's per-packet cost bounds `--threads`).
    var sidePorts: [UInt64]

    /// Built once from a compiled pipeline (every worker's pipeline compiles the same cluster).
    public init(pipeline: Pipeline, workers: Int) {
        self.workers = max(1, workers)
        let table = pipeline.compiled.proxy.table
        var sides = LookupTable<FrontDoorKey>(capacity: max(16, table.byAddress.count + table.endpoints.count))
        for key in table.byAddress.keys { sides.insert(key, 0) }
        for sp in table.servicePorts where sp.endpointCount > 0 {
            let start = Int(sp.endpointStart)
            for e in table.endpoints[start..<(start + Int(sp.endpointCount))] {
                sides.insert(FrontDoorKey(ip: e.ip, port: e.port, proto: sp.proto), 1)
            }
        }
        serviceSides = sides
        var ports = Array(repeating: UInt64(0), count: 3 * 1024)
        for key in sides.keys {
            let b = FlowSteering.bit(key.proto, key.port)
            if b >= 0 { ports[b >> 6] |= 1 << UInt64(b & 63) }
        }
        sidePorts = ports
    }

    /// The bit of (protocol, port) in `sidePorts`, -1 for protocols without ports.
    @inline(__always)
    static func bit(_ proto: IPProtocol, _ port: UInt16) -> Int {
        let bucket: Int
        switch proto.rawValue {
        case 6: bucket = 0
        case 17: bucket = 1
        case 132: bucket = 2
        default: return -1
        }
        return bucket << 16 | Int(port)
    }

    @inline(__always)
    func maybeSide(_ proto: IPProtocol, _ port: UInt16) -> Bool {
        let b = FlowSteering.bit(proto, port)
        return b >= 0 && sidePorts.withUnsafeBufferPointer { $0[b >> 6] } & (1 << UInt64(b & 63)) != 0
    }

    /// The worker index in `0..<workers` for a decoded packet.
    @inlinable
    public func worker(for p: DecodedPacket) -> Int {
        if workers == 1 { return 0 }
        let flow = p.icmpIsError && p.icmpInnerValid ? p.icmpInner : p.flow
        return Int(truncatingIfNeeded: hash(flow) % UInt64(workers))
    }

    @usableFromInline
    func hash(_ f: FlowKey) -> UInt64 {
        guard f.proto.hasPorts else { return f.mix(symmetric: true) }
        if f.srcPort == f.dstPort {
            // Equal ports (53 ↔ 53, 123 ↔ 123): the exact test, both sides.
            let srcSide = isSide(f.src, f.srcPort, f.proto), dstSide = isSide(f.dst, f.dstPort, f.proto)
            if srcSide != dstSide { return endpointHash(srcSide ? f.dst : f.src, f.srcPort, f.proto) }
            return f.mix(symmetric: true)
        }
        // Hash one endpoint: the one with the higher port (a client's ephemeral port, as a rule),
        // unless it is a Service side, then the other. Both directions of a connection pick the same
        // endpoint. Both forms of a connection seen around kube-proxy's DNAT (client → front door,
        // endpoint → client) pick the client, which DNAT leaves alone: whichever of the client and
        // the Service side has the higher port, a Service side is never the one hashed. Only the
        // higher port's endpoint is looked up, and only when its port is some Service side's port
        // (`sidePorts`): one bit test for most packets, the reader's per-packet cost.
        let srcHigh = f.srcPort > f.dstPort
        let high = srcHigh ? (f.src, f.srcPort) : (f.dst, f.dstPort)
        let low = srcHigh ? (f.dst, f.dstPort) : (f.src, f.srcPort)
        if isSide(high.0, high.1, f.proto) { return endpointHash(low.0, low.1, f.proto) }
        return endpointHash(high.0, high.1, f.proto)
    }

    @inline(__always)
    func isSide(_ ip: IPAddress, _ port: UInt16, _ proto: IPProtocol) -> Bool {
        maybeSide(proto, port) && serviceSides.find(FrontDoorKey(ip: ip, port: port, proto: proto)) >= 0
    }

    @inline(__always)
    func endpointHash(_ ip: IPAddress, _ port: UInt16, _ proto: IPProtocol) -> UInt64 {
        FlowKey(src: ip, dst: ip, srcPort: port, dstPort: port, proto: proto).mix()
    }
}
