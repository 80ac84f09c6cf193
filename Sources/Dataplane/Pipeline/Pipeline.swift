import ClusterModel
import NetworkAddress
import PacketWire

public struct PipelineOptions: Sendable {
    /// The node the capture was taken on (`--node`): where traffic from outside every node enters.
    public var node: String? = nil
    /// Maximum tracked connections (nf_conntrack_max).
    public var conntrackCapacity: Int = 262_144
    public init() {}
}

/// What happened to one packet.
public struct PacketOutcome: Sendable, Equatable {
    public var verdict: Verdict
    public var stage: Stage
    /// The deciding rule (for allowed new flows, the last rule that allowed or translated them).
    public var rule: RuleID
    /// Every rule the decision used (counted per packet), the deciding one last.
    public var rules: RuleTrail
    /// True for the first packet of a connection (classified in full).
    public var newFlow: Bool
    /// True when the packet travelled in the reply direction of a known connection.
    public var reply: Bool
    /// Counter attribution: node and namespace indices, -1 when none.
    public var node: Int32
    public var namespace: Int32
    /// True on the packet that refused its flow: a refused first packet, a pending flow refused
    /// on its first request (Azure Firewall application rules), a malformed packet. Later packets
    /// of a refused flow, in either direction, repeat the verdict with this false — explain
    /// drops per flow (`--trace-drops`) on this flag.
    public var firstRefusal: Bool

    public init(verdict: Verdict, stage: Stage, rule: RuleID, rules: RuleTrail = RuleTrail(), newFlow: Bool = false,
                reply: Bool = false, node: Int32 = -1, namespace: Int32 = -1, firstRefusal: Bool = false) {
        self.firstRefusal = firstRefusal
        self.verdict = verdict
        self.stage = stage
        self.rule = rule
        self.rules = rules.count == 0 ? RuleTrail(rule) : rules
        self.newFlow = newFlow
        self.reply = reply
        self.node = node
        self.namespace = namespace
    }
}

/// The compiled packet pipeline. One per worker thread, never shared: it owns its conntrack,
/// session-affinity memory and counters, so `process` needs no locks and never allocates.
/// `@unchecked Sendable` only so a pipeline built on one thread can be handed to the worker that
/// then uses it exclusively; never call it from two threads at once.
public final class Pipeline: @unchecked Sendable {
    public let cluster: Cluster
    public let options: PipelineOptions
    // The mutable state is unchecked for exclusivity: a pipeline is used by one thread at a time
    // (see above) and never hands out overlapping accesses, while the dynamic checks Swift adds
    // to class properties (swift_beginAccess/endAccess, a thread-local access set) cost about a
    // tenth of an established packet's time.
    public let compiled: CompiledCluster
    let conntrack: ConntrackTable
    @exclusivity(unchecked) var affinity = AffinityTable()
    /// Counters, updated per packet (freed in deinit).
    @exclusivity(unchecked) var stats: CounterCells
    let nodeHint: Int32
    /// Timestamp of the latest packet processed: traces run "now" in the capture's time.
    @exclusivity(unchecked) public private(set) var clock: Int64 = 0

    public init(cluster: Cluster, options: PipelineOptions = .init()) {
        self.cluster = cluster
        self.options = options
        let c = CompiledCluster(cluster)
        compiled = c
        conntrack = ConntrackTable(capacity: options.conntrackCapacity)
        stats = CounterCells(PipelineCounters(rules: c.names.count, nodes: c.topology.nodes.count,
                                              namespaces: c.topology.namespaceNames.count))
        nodeHint = options.node.flatMap { n in cluster.nodes.firstIndex(where: { $0.name == n }) }.map(Int32.init) ?? -1
    }

    deinit { stats.deallocate() }

    public var ruleNames: RuleNames { compiled.names }

    public var counters: PipelineCounters {
        var c = stats.snapshot
        c.conntrackEntries = UInt64(conntrack.count)
        c.conntrackEvictions = conntrack.evictions
        c.conntrackExpired = conntrack.expired
        return c
    }

    /// Node names and namespace names behind the counter indices.
    public var nodeNames: [String] { compiled.topology.nodeNames }
    public var namespaceNames: [String] { compiled.topology.namespaceNames }

    /// Classifies one decoded packet. Exactly one verdict per packet:
    /// - malformed → drop at `decode`, rule `decode:<reason>`;
    /// - not IP (ARP, other EtherTypes) → allow at `decode`, rule `platform:non-ip` (the platform
    ///   forwards them; akssim judges IP traffic only);
    /// - an ICMP error about a tracked connection → allow at `conntrack`, rule `related`;
    /// - a packet of a known allowed connection (either direction) → allow at `conntrack`, `established`;
    /// - a packet of a known refused connection → the refusal again (cached);
    /// - otherwise the first packet of a new connection → the full walk.
    public func process(_ p: inout DecodedPacket, bytes: UnsafeRawBufferPointer, timestampNanos now: Int64) -> PacketOutcome {
        // Conntrack time never runs backwards: the kernel stamps packets with a monotonic clock, so
        // a capture whose timestamps step back (merged or reordered files) is read as packets
        // arriving at the latest time seen — a step back must not shorten (or expire) a
        // connection's timeout, nor a ClientIP affinity's.
        if now > clock { clock = now }
        let o = decide(&p, bytes: bytes, now: clock)
        stats.count(o, bytes: p.wireLength)
        return o
    }

    // Inlined into `process`, and `inout` (read only) so the packet is read in place: a by-value
    // parameter made a 178-byte copy per packet whose reads then stalled on store forwarding.
    @inline(__always)
    func decide(_ p: inout DecodedPacket, bytes: UnsafeRawBufferPointer, now: Int64) -> PacketOutcome {
        if p.malformed != .none {
            return PacketOutcome(verdict: .drop, stage: .decode, rule: compiled.decodeRules[Int(p.malformed.rawValue)],
                                 node: nodeHint, firstRefusal: true)
        }
        guard p.network == .ipv4 || p.network == .ipv6 else {
            return PacketOutcome(verdict: .allow, stage: .decode, rule: compiled.nonIP, node: nodeHint)
        }
        // Link-local control traffic the host answers itself and never routes: IPv6 neighbour
        // discovery / MLD (RFC 4861, RFC 3810) and DHCP (Azure serves it from the host, 168.63.129.16).
        if p.flow.proto == .icmpv6, (130...137).contains(p.icmpType) || p.icmpType == 143 {
            return PacketOutcome(verdict: .allow, stage: .decode, rule: compiled.linkLocal, node: nodeHint)
        }
        if p.flow.proto == .udp, (p.flow.dstPort == 67 || p.flow.dstPort == 68),
           p.flow.dst == Pipeline.broadcast || p.flow.src == IPAddress.zero4 {
            return PacketOutcome(verdict: .allow, stage: .decode, rule: compiled.linkLocal, node: nodeHint)
        }
        if p.icmpIsError && p.icmpInnerValid {
            var (e, _) = conntrack.find(p.icmpInner, now: now)
            if e < 0 { (e, _) = conntrack.find(p.icmpInner.reversed, now: now) }
            // Errors about an allowed connection, and the ICMP answer kube-proxy's REJECT sends back.
            if e >= 0, conntrack.store[Int(e)].verdict != .drop {
                let en = conntrack.entry(e)
                return PacketOutcome(verdict: .allow, stage: .conntrack, rule: compiled.related, reply: true,
                                     node: en.node, namespace: en.namespace)
            }
        }
        var (e, reply) = conntrack.find(p.flow, now: now)
        if e >= 0, p.flow.proto == .tcp, conntrack.store[Int(e)].verdict == .allow,
           TCPTracker.reopens(conntrack.store[Int(e)].state, p.tcpFlags, reply: reply, fin: conntrack.store[Int(e)].fin) {
            // Linux kills the closed connection and treats the SYN as a NEW one (see `reopens`).
            // A refused flow has no Linux entry to kill; its accounting entry keeps every packet.
            conntrack.remove(e)
            (e, reply) = (-1, false)
        }
        if e >= 0 {
            // nf_conntrack_tcp_packet: an RST before the connection saw any reply ("if only reply
            // is a RST ... delete the conntrack immediately") accepts the RST and kills the entry
            // (nf_ct_kill_acct): the flow's next packet, from either side, is a new connection.
            let resetUnreplied = p.flow.proto == .tcp && p.tcpFlags.contains(.rst) && !conntrack.store[Int(e)].seenReply
            conntrack.touch(e, reply: reply, flags: p.tcpFlags, sctpChunk: p.sctpFirstChunk, now: now)
            // The fields read one by one: a copy of the whole 160-byte entry costs a memcpy per packet.
            let en = conntrack.cached(e)
            let firstRequest = !reply && p.flow.proto == .tcp && p.payloadLength > 0
            if en.pendingApplication {
                // The client's first request settles the flow; until then the firewall proxy
                // answers the handshake (either direction, payload-less) on the pending rule.
                if firstRequest {
                    let o = settleApplication(e, p, bytes: bytes, now: now)
                    return o.verdict == .allow && en.ingressController >= 0 ? routeIngressRequest(e, p, bytes: bytes, after: o.rules) : o
                }
                return PacketOutcome(verdict: .allow, stage: .firewall, rule: compiled.azure.pendingApplicationRule,
                                     reply: reply, node: en.node, namespace: en.namespace)
            }
            if firstRequest && en.ingressController >= 0 && en.verdict == .allow {
                return routeIngressRequest(e, p, bytes: bytes, after: RuleTrail())
            }
            if en.verdict == .allow {
                // Refused flows keep their accounting entry (see ConntrackTable.insert).
                if resetUnreplied { conntrack.remove(e) }
                return PacketOutcome(verdict: .allow, stage: .conntrack, rule: compiled.established, reply: reply,
                                     node: en.node, namespace: en.namespace)
            }
            return PacketOutcome(verdict: en.verdict, stage: en.stage, rule: en.rule, reply: reply, node: en.node,
                                 namespace: en.namespace)
        }
        prefetchFirstPacket(p.flow)
        var rec = HopRecorder(enabled: false)
        let d = classify(p, bytes: bytes, now: now, rec: &rec)
        let proto = p.flow.proto
        if (proto == .tcp && !TCPTracker.opens(p.tcpFlags))
            || ((proto == .icmp || proto == .icmpv6) && !ICMPTracker.opens(v6: proto == .icmpv6, type: p.icmpType)) {
            // INVALID to nf_conntrack (a SYN-ACK before its SYN, a stray RST or FIN, an echo reply
            // without its request, an ICMP error about no known connection): judged as it stands,
            // but no entry is created — the connection's real first packet, from either side, is
            // judged afresh, as Linux does.
            return PacketOutcome(verdict: d.verdict, stage: d.stage, rule: d.rule, rules: d.trail, newFlow: false,
                                 node: d.node, namespace: d.namespace, firstRefusal: d.verdict != .allow)
        }
        let state: ConnState = p.flow.proto == .tcp ? TCPTracker.initial(p.tcpFlags) : .open
        let reverse = FlowKey(src: d.delivered.dst, dst: d.delivered.src, srcPort: d.delivered.dstPort,
                              dstPort: d.delivered.srcPort, proto: d.delivered.proto)
        var entry = ConntrackEntry(original: p.flow, reply: reverse, now: now, state: state, verdict: d.verdict,
                                   stage: d.stage, rule: d.rule, node: d.node, namespace: d.namespace)
        if let egress = d.egress { entry.egress = egress }
        entry.pendingApplication = d.verdict == .allow && d.pendingApplication
        if d.verdict == .allow && p.flow.proto == .tcp {
            entry.ingressController = compiled.ingressRouter.controllerIndex(podIP: d.delivered.dst, port: d.delivered.dstPort)
        }
        // Every view of refused flows too: per-flow accounting (see ConntrackTable.insert).
        let inserted = conntrack.insert(entry, trackReply: true, now: now)
        if d.verdict == .allow && d.affinityServicePort >= 0 {
            affinity.record(client: p.flow.src, servicePort: d.affinityServicePort, endpoint: d.affinityEndpoint,
                            now: now, timeout: d.affinityTimeout)
        }
        if entry.pendingApplication {
            return PacketOutcome(verdict: .allow, stage: .firewall, rule: compiled.azure.pendingApplicationRule,
                                 rules: d.trail, newFlow: true, node: d.node, namespace: d.namespace)
        }
        if entry.ingressController >= 0 && p.payloadLength > 0 {
            // A flow first seen with its request (capture started mid-handshake, TCP Fast Open).
            return routeIngressRequest(inserted, p, bytes: bytes, after: d.trail, newFlow: true)
        }
        return PacketOutcome(verdict: d.verdict, stage: d.stage, rule: d.rule, rules: d.trail, newFlow: true,
                             node: d.node, namespace: d.namespace, firstRefusal: d.verdict != .allow)
    }

    /// A new connection's walk starts with lookups whose addresses depend on its tuple alone —
    /// placement of both addresses (pod table, Azure host table), the Service front door, the
    /// conntrack slot its reply will take. Fetched together up front, their cache misses overlap
    /// instead of being paid one after another as the walk reaches each table.
    @inline(__always)
    func prefetchFirstPacket(_ f: FlowKey) {
        let c = compiled
        c.topology.podByIP.prefetch(f.src)
        c.topology.podByIP.prefetch(f.dst)
        c.proxy.table.byAddress.prefetch(FrontDoorKey(ip: f.dst, port: f.dstPort, proto: f.proto))
        c.azure.hostIndex.prefetch(f.src)
        c.azure.hostIndex.prefetch(f.dst)
        conntrack.prefetch(f.reversed)
    }

    /// Forgets every tracked connection and ClientIP affinity, keeping the compiled cluster and the
    /// counters: the next packet of any flow is a first packet again. For micro-benchmarks that
    /// time first packets over and over without recompiling the cluster; not the per-packet path.
    public func forgetConnections() {
        conntrack.removeAll()
        affinity = AffinityTable()
    }

    /// A pending flow's first request (client payload): the walk again, from the flow's original
    /// tuple, now with the sniffed SNI/Host, and the verdict cached for the rest of the flow.
    func settleApplication(_ e: Int32, _ p: DecodedPacket, bytes: UnsafeRawBufferPointer, now: Int64) -> PacketOutcome {
        let en = conntrack.entry(e)
        var rec = HopRecorder(enabled: false)
        let input = FlowInput(flow: en.original, tcpFlags: p.tcpFlags, nodeHint: nodeHint, sni: Pipeline.span(p.sni, in: bytes),
                              httpHost: Pipeline.span(p.httpHost, in: bytes), request: .seen)
        let d = compiled.walk(input, affinity: affinity, now: now, rec: &rec)
        conntrack.settle(e, verdict: d.verdict, stage: d.stage, rule: d.rule)
        return PacketOutcome(verdict: d.verdict, stage: d.stage, rule: d.rule, node: en.node, namespace: en.namespace,
                             firstRefusal: d.verdict != .allow)
    }

    func classify(_ p: DecodedPacket, bytes: UnsafeRawBufferPointer, now: Int64, rec: inout HopRecorder,
                  flow: FlowKey? = nil, request: ApplicationRequest? = nil) -> FlowDecision {
        let sni = Pipeline.span(p.sni, in: bytes)
        let host = Pipeline.span(p.httpHost, in: bytes)
        // A payload-less TCP first packet is a handshake: the firewall may not judge application rules yet.
        let req = request ?? (p.flow.proto == .tcp && p.payloadLength == 0 ? .handshake : .seen)
        // The request path matters only to an ingress controller, which traces follow.
        let path = p.httpRequest && rec.enabled
            ? HTTPRequestTarget.path(in: Pipeline.span(ByteSpan(offset: p.payloadOffset, length: p.payloadLength), in: bytes))
            : UnsafeRawBufferPointer(start: nil, count: 0)
        let input = FlowInput(flow: flow ?? p.flow, tcpFlags: p.tcpFlags, nodeHint: nodeHint, sni: sni, httpHost: host,
                              request: req, httpPath: path)
        return compiled.walk(input, affinity: affinity, now: now, rec: &rec)
    }

    static let broadcast = IPAddress(255, 255, 255, 255)

    static func span(_ s: ByteSpan, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let end = Int(s.offset) + Int(s.length)
        guard s.length > 0, end <= bytes.count, let base = bytes.baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + Int(s.offset), count: Int(s.length))
    }

    /// Reload: keep the connections this pipeline knows (allowed ones: established connections
    /// survive a rule change, as conntrack does on a node) and the counters; everything else is
    /// compiled afresh. Refused flows are forgotten so the new rules judge them again.
    public func adoptState(from old: Pipeline) {
        var names = compiled.names
        let oldNames = old.compiled.names
        let oc = old.counters
        var ruleMap: [UInt32] = []
        for i in 0..<oldNames.count { ruleMap.append(names.intern(oldNames.names[i]).raw) }
        compiled.names = names
        var fresh = PipelineCounters(rules: names.count, nodes: compiled.topology.nodes.count,
                                     namespaces: compiled.topology.namespaceNames.count)
        fresh.packets = oc.packets
        fresh.bytes = oc.bytes
        fresh.verdicts = oc.verdicts
        fresh.stages = oc.stages
        fresh.newFlows = oc.newFlows
        for (i, n) in oc.rules.enumerated() where n > 0 { fresh.rules[Int(ruleMap[i])] &+= n }
        let nodeMap = old.nodeNames.map { n in compiled.topology.nodeNames.firstIndex(of: n).map(Int32.init) ?? -1 }
        let nsMap = old.namespaceNames.map { n in compiled.topology.namespaceNames.firstIndex(of: n).map(Int32.init) ?? -1 }
        let vc = PipelineCounters.verdictCount
        for i in 0..<(oc.nodes.count / vc) where nodeMap[i] >= 0 {
            for v in 0..<vc { fresh.nodes[Int(nodeMap[i]) * vc + v] &+= oc.nodes[i * vc + v] }
        }
        for i in 0..<(oc.namespaces.count / vc) where nsMap[i] >= 0 {
            for v in 0..<vc { fresh.namespaces[Int(nsMap[i]) * vc + v] &+= oc.namespaces[i * vc + v] }
        }
        stats.deallocate()
        stats = CounterCells(fresh)
        clock = old.clock
        // A flow still waiting for its first request keeps its controller, found again by Service.
        let controllerMap = old.compiled.ingressRouter.controllers.map { compiled.ingressRouter.controllerIndex(service: $0.service) }
        for en in old.conntrack.liveEntries where en.verdict == .allow {
            var copy = en
            copy.ingressController = en.ingressController >= 0 && Int(en.ingressController) < controllerMap.count
                ? controllerMap[Int(en.ingressController)] : -1
            copy.node = en.node >= 0 && Int(en.node) < nodeMap.count ? nodeMap[Int(en.node)] : -1
            copy.namespace = en.namespace >= 0 && Int(en.namespace) < nsMap.count ? nsMap[Int(en.namespace)] : -1
            copy.rule = compiled.established
            conntrack.insert(copy, trackReply: true, now: en.lastSeen)
        }
        // ClientIP affinity memory refers to endpoint indices of the old compile: it starts afresh;
        // the client-address hash picks the same endpoint while the endpoint set is unchanged.
    }
}

extension Pipeline {
    /// Teaches the firewall an FQDN → address answer seen in the traffic (the Azure Firewall DNS
    /// proxy resolves FQDN network rules from the answers it relays, azure-networking.md §2.2).
    /// Returns false when no rule names `name`. Not the per-packet path.
    @discardableResult
    public func learnDNS(name: String, address: IPAddress) -> Bool {
        compiled.azure.learnDNS(name: name, address: address)
    }
}
