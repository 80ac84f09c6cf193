import NetworkAddress
import PacketWire

// A lookup index over compiled NSG rules so a first packet does not scan every rule: per
// (group, direction, protocol bucket) the destination-port space is cut into segments at every
// rule boundary, and each segment lists — in priority order — only the rules that can match a
// port inside it. First match over that short list is still first match over the whole NSG.

struct RuleSegment: Sendable {
    var low: UInt16
    var start: Int32
    var count: Int32
}

struct RuleBucketRef: Sendable {
    var start: Int32
    var count: Int32
}

/// Protocol buckets: TCP, UDP (port-segmented), ICMP/ICMPv6, everything else.
@inline(__always)
func protocolBucket(_ p: IPProtocol) -> Int {
    switch p.rawValue {
    case 6: return 0
    case 17: return 1
    case 1, 58: return 2
    default: return 3
    }
}

extension AzureNetwork {
    /// Above this many candidate entries per bucket the segments collapse to one (memory bound).
    static let maxSegmentEntries = 1 << 20

    /// Appends one bucket: `candidates` (rule indices, in evaluation order) with the destination
    /// port sets of each; `segmented` cuts the port space at every rule boundary.
    mutating func appendBucket(_ candidates: [Int], portSets: [[PortSet]], segmented: Bool) -> RuleBucketRef {
        let segStart = Int32(ruleSegments.count)
        var lows: [UInt16] = [0]
        if segmented {
            var cuts = Set<UInt16>([0])
            for sets in portSets {
                for ps in sets where !ps.any {
                    for k in Int(ps.start)..<Int(ps.start + ps.count) {
                        let r = ports.ranges[k]
                        cuts.insert(r.low)
                        if r.high < 65535 { cuts.insert(r.high + 1) }
                    }
                }
            }
            lows = cuts.sorted()
            if lows.count * candidates.count > AzureNetwork.maxSegmentEntries { lows = [0] }
        }
        for low in lows {
            let start = Int32(ruleCandidates.count)
            for (n, i) in candidates.enumerated() where lows.count == 1 || portSets[n].contains(where: { ports.contains($0, low) }) {
                ruleCandidates.append(Int32(i))
            }
            ruleSegments.append(RuleSegment(low: low, start: start, count: Int32(ruleCandidates.count) - start))
        }
        return RuleBucketRef(start: segStart, count: Int32(ruleSegments.count) - segStart)
    }

    /// The candidate slice for a packet: bucket `ref`, segment holding `port` (segments only for TCP/UDP buckets).
    @inline(__always)
    func candidates(_ ref: RuleBucketRef, port: UInt16) -> Range<Int> {
        var lo = Int(ref.start), hi = lo + Int(ref.count)
        while hi - lo > 1 {
            let mid = (lo + hi) >> 1
            if ruleSegments[mid].low <= port { lo = mid } else { hi = mid }
        }
        let seg = ruleSegments[lo]
        return Int(seg.start)..<Int(seg.start + seg.count)
    }

    mutating func indexSecurityGroups() {
        for g in securityGroups {
            for range in [g.inbound, g.outbound] {
                for bucket in 0..<4 {
                    let wanted: UInt8? = bucket == 0 ? 6 : bucket == 1 ? 17 : bucket == 2 ? 1 : nil
                    let list = range.filter { i in
                        let p = securityRules[i].proto
                        if p == 0 { return true }
                        if let w = wanted { return p == w }
                        return p != 6 && p != 17 && p != 1
                    }
                    ruleBuckets.append(appendBucket(list, portSets: list.map { [securityRules[$0].destinationPorts] }, segmented: bucket < 2))
                }
            }
        }
    }

    /// Firewall passes: DNAT and network rules bucketed by protocol bit and segmented by port;
    /// application rules (TCP only) by the names they match (`FirewallNameIndex`).
    mutating func indexFirewalls() {
        for k in firewalls.indices {
            firewalls[k].bucketBase = Int32(ruleBuckets.count)
            for range in [firewalls[k].dnat, firewalls[k].network] {
                for bucket in 0..<4 {
                    let bit: UInt8 = 1 << UInt8(bucket)
                    let list = range.filter { firewallRules[$0].protocols & bit != 0 }
                    ruleBuckets.append(appendBucket(list, portSets: list.map { [firewallRules[$0].destinationPorts] }, segmented: bucket < 2))
                }
            }
            firewalls[k].appNames = FirewallNameIndex(rules: firewalls[k].application, firewallRules: firewallRules, patterns: patterns)
        }
    }

    /// First match in priority order (§1.2 rule 1) over the candidates of the packet's bucket and
    /// port segment. Ports count only for TCP/UDP/SCTP (§7.2).
    func evaluate(group: Int32, inbound: Bool, _ f: FlowKey) -> SecurityDecision {
        let bucket = protocolBucket(f.proto)
        let slice = candidates(ruleBuckets[Int(group) * 8 + (inbound ? 0 : 4) + bucket], port: bucket < 2 ? f.dstPort : 0)
        let usePorts = f.proto.hasPorts
        let p = f.proto.rawValue
        var k = slice.lowerBound
        while k < slice.upperBound {
            let r = securityRules[Int(ruleCandidates[k])]
            k += 1
            if r.proto != 0 && r.proto != p && !(r.proto == IPProtocol.icmp.rawValue && p == IPProtocol.icmpv6.rawValue) { continue }
            if usePorts {
                if !ports.contains(r.destinationPorts, f.dstPort) || !ports.contains(r.sourcePorts, f.srcPort) { continue }
            }
            if !intervals.contains(r.destination, f.dst) || !intervals.contains(r.source, f.src) { continue }
            return SecurityDecision(allow: r.allow, rule: r.name)
        }
        // Unreachable with the six default rules present; deny like DenyAll*Bound would.
        return SecurityDecision(allow: false, rule: .none)
    }
}
