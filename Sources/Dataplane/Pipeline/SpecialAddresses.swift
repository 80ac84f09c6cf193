import ClusterModel
import NetworkAddress
import PacketWire

// Addresses outside ordinary unicast, decided by the host's kernel or the Azure platform before
// any Kubernetes or Azure rule is read (stage `route`, rules `platform:<what>`):
//
// - Loopback (127.0.0.0/8, ::1) and the unspecified destination (0.0.0.0, ::) from a pod or a
//   node never leave the sender's network namespace: Linux routes them to `lo` (`ip_route_output_key`
//   turns daddr 0 into the source address, else 127.0.0.1; `tcp_v6_connect` turns :: into ::1).
//   Allowed, `platform:loopback`, delivered on the sender itself; a capture on the node never sees them.
// - The same addresses arriving from elsewhere, and sources 0.0.0.0/8 (other than DHCP, answered at
//   decode), multicast or 255.255.255.255, are martians to Linux `ip_route_input_slow`
//   (`martian_destination` / `martian_source`): dropped, `platform:martian-destination` / `-source`.
// - Multicast (224.0.0.0/4, ff00::/8) and broadcast (255.255.255.255 and each subnet's last
//   address): Azure virtual networks carry neither (Azure VNet FAQ: "Multicast, broadcast, IP-in-IP
//   encapsulated packets, and GRE packets are blocked within VNets"). Dropped, `platform:multicast`
//   / `platform:broadcast`. (ND/MLD are answered by the host at decode, before this.)
// - Link-local unicast other than IMDS (169.254.0.0/16, fe80::/10; a fe80:: source other than the
//   Azure probe address fe80::1234:5678:9abc): never forwarded off the link (RFC 3927 §2.7, RFC 4291
//   §2.5.6; Linux `ip6_forward` drops link-local sources); Azure answers only IMDS on it. Dropped,
//   `platform:link-local-unroutable`.
// - 240.0.0.0/4 (RFC 1112 "reserved"; IANA special-purpose registry: not forwardable): dropped,
//   `platform:reserved-address`.
// - Pod → 168.63.129.16 TCP 80 / 32526 (WireServer, HostGAPlugin): AKS nodes drop it in FORWARD
//   (AgentBaker block_wireserver.sh: `iptables -I FORWARD -d 168.63.129.16 -p tcp --dport 80 -j DROP`,
//   and 32526); the node itself (OUTPUT) and DNS (53) stay open. Dropped, `platform:block-wireserver`.
// - DHCP (UDP 67/68 to 255.255.255.255 or from 0.0.0.0) reads as a captured one does (`Pipeline.decide`):
//   allowed at `decode`, `platform:link-local`.

/// The rule names of the special-address decisions, interned once.
public struct SpecialAddressRules: Sendable {
    public let loopback: RuleID
    public let martianSource: RuleID
    public let martianDestination: RuleID
    public let multicast: RuleID
    public let broadcast: RuleID
    public let linkLocal: RuleID
    public let reserved: RuleID
    public let wireServer: RuleID
    /// The last address of every IPv4 VNet subnet (Azure reserves it: the subnet broadcast), sorted.
    let subnetBroadcasts: [IPAddress]

    init(_ cluster: Cluster, names: inout RuleNames) {
        loopback = names.intern("platform:loopback")
        martianSource = names.intern("platform:martian-source")
        martianDestination = names.intern("platform:martian-destination")
        multicast = names.intern("platform:multicast")
        broadcast = names.intern("platform:broadcast")
        linkLocal = names.intern("platform:link-local-unroutable")
        reserved = names.intern("platform:reserved-address")
        wireServer = names.intern("platform:block-wireserver")
        var b: [IPAddress] = []
        for v in cluster.virtualNetworks {
            for s in v.subnets {
                for p in s.prefixes where p.address.isIPv4 && p.length < 31 {
                    let host: UInt32 = p.length == 0 ? ~0 : (1 << UInt32(32 - p.length)) - 1
                    b.append(IPAddress(v4: p.address.v4 | host))
                }
            }
        }
        subnetBroadcasts = Array(Set(b)).sorted()
    }

    @inline(__always)
    func isSubnetBroadcast(_ a: IPAddress) -> Bool {
        var lo = 0, hi = subnetBroadcasts.count
        while lo < hi {
            let m = (lo + hi) / 2
            if subnetBroadcasts[m] < a { lo = m + 1 } else { hi = m }
        }
        return lo < subnetBroadcasts.count && subnetBroadcasts[lo] == a
    }
}

/// Address classes, by the first bits (IPv4 is stored IPv4-mapped).
enum AddressClass {
    @inline(__always) static func isLoopback(_ a: IPAddress) -> Bool {
        a.isIPv4 ? a.v4 >> 24 == 127 : (a.hi == 0 && a.lo == 1)
    }
    @inline(__always) static func isUnspecified(_ a: IPAddress) -> Bool {
        a.isIPv4 ? a.v4 == 0 : (a.hi == 0 && a.lo == 0)
    }
    /// 0.0.0.0/8 ("this network", RFC 1122 §3.2.1.3: a source only).
    @inline(__always) static func isZeroNet(_ a: IPAddress) -> Bool { a.isIPv4 && a.v4 >> 24 == 0 }
    @inline(__always) static func isMulticast(_ a: IPAddress) -> Bool {
        a.isIPv4 ? a.v4 >> 28 == 0xE : a.hi >> 56 == 0xFF
    }
    @inline(__always) static func isLimitedBroadcast(_ a: IPAddress) -> Bool { a.isIPv4 && a.v4 == 0xFFFF_FFFF }
    @inline(__always) static func isClassE(_ a: IPAddress) -> Bool { a.isIPv4 && a.v4 >> 28 == 0xF && a.v4 != 0xFFFF_FFFF }
    @inline(__always) static func isLinkLocal(_ a: IPAddress) -> Bool {
        a.isIPv4 ? a.v4 >> 16 == 0xA9FE : a.hi >> 54 == 0x3FA   // 169.254/16, fe80::/10
    }
}

extension CompiledCluster {
    /// Decides a flow whose source or destination is not ordinary unicast (see the file comment);
    /// false when the walk goes on. `node` is the sending host (-1 outside every node).
    @inline(__always)
    func specialAddress(_ f: FlowKey, srcPod: Int32, node: Int32, hint: Int32, _ d: inout FlowDecision, _ rec: inout HopRecorder) -> Bool {
        // One cheap test in the common case: both addresses ordinary unicast outside the ranges below.
        let s = f.src, t = f.dst
        let unusual = AddressClass.isLoopback(t) || AddressClass.isZeroNet(t) || AddressClass.isUnspecified(t)
            || AddressClass.isMulticast(t) || AddressClass.isLinkLocal(t) || (t.isIPv4 && t.v4 >> 28 == 0xF)
            || AddressClass.isZeroNet(s) || AddressClass.isUnspecified(s) || AddressClass.isMulticast(s) || AddressClass.isLimitedBroadcast(s)
            || AddressClass.isLinkLocal(s) || AddressClass.isLoopback(s)
            || t == WellKnown.azureHostIP || specialRules.isSubnetBroadcast(t)
        guard unusual else { return false }
        return decideSpecialAddress(f, srcPod: srcPod, node: node, hint: hint, &d, &rec)
    }

    /// The rare path, kept out of line so the walk's common case stays small.
    @inline(never)
    func decideSpecialAddress(_ f: FlowKey, srcPod: Int32, node: Int32, hint: Int32, _ d: inout FlowDecision,
                              _ rec: inout HopRecorder) -> Bool {
        let s = f.src, t = f.dst
        let r = specialRules
        d.node = node
        if f.proto == .udp, f.dstPort == 67 || f.dstPort == 68, AddressClass.isLimitedBroadcast(t) || s == IPAddress.zero4 {
            // DHCP, as `Pipeline.decide` reads a captured one: answered by the host (168.63.129.16), never routed.
            d.pass(.decode, linkLocal)
            rec.add(Hop(stage: .decode, result: .allow, rule: names.name(linkLocal), detail: "DHCP \(s) → \(t): answered by the Azure host, never routed"))
            return true
        }
        let toSelf = AddressClass.isLoopback(t) || AddressClass.isUnspecified(t)
        // A loopback source can only have been sent on the host itself (`--node`, when given).
        if toSelf && (node >= 0 || AddressClass.isLoopback(s)) {
            if node < 0 { d.node = hint }
            // Linux output routing: loopback, and 0.0.0.0 (→ the source address) / :: (→ ::1), go to `lo`.
            var to = f
            if AddressClass.isUnspecified(t) {
                to.dst = t.isIPv4 ? (AddressClass.isUnspecified(s) ? IPAddress(127, 0, 0, 1) : s) : IPAddress(hi: 0, lo: 1)
            }
            d.delivered = to
            d.pass(.route, r.loopback)
            rec.add(Hop(stage: .route, result: .allow, rule: names.name(r.loopback),
                        detail: "\(t) is local to the sender (\(srcPod >= 0 ? "pod \(topology.podNames[Int(srcPod)])" : node >= 0 ? "node \(nodeName(node))" : "\(s)")): delivered on its own loopback inside its network namespace; never leaves it (a capture on the node does not see it)"))
            return true
        }
        // IPv6 `::` as a source "must never be forwarded" (RFC 4291 §2.5.2); DAD/MLD from :: stay at decode.
        if AddressClass.isZeroNet(s) || AddressClass.isUnspecified(s) || AddressClass.isMulticast(s) || AddressClass.isLimitedBroadcast(s)
            || (AddressClass.isLoopback(s) && !AddressClass.isLoopback(t)) {
            return refuse(r.martianSource, "source \(s) is a martian to Linux (ip_route_input_slow: 0.0.0.0/8, multicast, broadcast or loopback sources are never routed)", &d, &rec)
        }
        if AddressClass.isLoopback(t) || AddressClass.isZeroNet(t) || AddressClass.isUnspecified(t) {
            return refuse(r.martianDestination, "destination \(t) arriving from \(s) is a martian to Linux (ip_route_input_slow: loopback and 0.0.0.0/8 destinations are not accepted from the network)", &d, &rec)
        }
        if AddressClass.isMulticast(t) {
            return refuse(r.multicast, "\(t) is multicast: Azure virtual networks block multicast", &d, &rec)
        }
        if AddressClass.isLimitedBroadcast(t) || r.isSubnetBroadcast(t) {
            return refuse(r.broadcast, "\(t) is a broadcast address\(AddressClass.isLimitedBroadcast(t) ? "" : " (a subnet's last address, reserved by Azure)"): Azure virtual networks block broadcast", &d, &rec)
        }
        if AddressClass.isLinkLocal(t) && t != WellKnown.imdsIP
            || AddressClass.isLinkLocal(s) && s != WellKnown.imdsIP && s != WellKnown.azureProbeIPv6 {
            return refuse(r.linkLocal, "link-local \(AddressClass.isLinkLocal(t) ? "destination \(t)" : "source \(s)"): never forwarded off its link (\(t.isIPv4 ? "RFC 3927 §2.7" : "RFC 4291 §2.5.6")); Azure answers only IMDS there", &d, &rec)
        }
        if AddressClass.isClassE(t) {
            return refuse(r.reserved, "\(t) is in 240.0.0.0/4, reserved (RFC 1112; not forwardable)", &d, &rec)
        }
        if srcPod >= 0, t == WellKnown.azureHostIP, f.proto == .tcp, f.dstPort == 80 || f.dstPort == 32526 {
            return refuse(r.wireServer, "pods may not reach WireServer \(t):\(f.dstPort): AKS nodes drop it in FORWARD (block_wireserver.sh); DNS and the node itself are unaffected", &d, &rec)
        }
        return false
    }

    func refuse(_ rule: RuleID, _ why: @autoclosure () -> String, _ d: inout FlowDecision, _ rec: inout HopRecorder) -> Bool {
        d.decide(.drop, .route, rule)
        rec.add(Hop(stage: .route, result: .drop, rule: names.name(rule), detail: why()))
        return true
    }
}
