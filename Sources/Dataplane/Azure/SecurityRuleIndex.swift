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

    mutating func indexSecurityGroups() {
        ruleBuckets = []
        ruleSegments = []
        ruleCandidates = []
        for g in securityGroups {
            for range in [g.inbound, g.outbound] {
                for bucket in 0..<4 {
                    let wanted: UInt8? = bucket == 0 ? 6 : bucket == 1 ? 17 : bucket == 2 ? 1 : nil
                    let candidates = range.filter { i in
                        let p = securityRules[i].proto
                        if p == 0 { return true }
                        if let w = wanted { return p == w }
                        return p != 6 && p != 17 && p != 1
                    }
                    let segStart = Int32(ruleSegments.count)
                    var lows: [UInt16] = [0]
                    if bucket < 2 {
                        var cuts = Set<UInt16>([0])
                        for i in candidates {
                            let ps = securityRules[i].destinationPorts
                            if ps.any { continue }
                            for k in Int(ps.start)..<Int(ps.start + ps.count) {
                                let r = ports.ranges[k]
                                cuts.insert(r.low)
                                if r.high < 65535 { cuts.insert(r.high + 1) }
                            }
                        }
                        lows = cuts.sorted()
                        if lows.count * candidates.count > AzureNetwork.maxSegmentEntries { lows = [0] }
                    }
                    for low in lows {
                        let start = Int32(ruleCandidates.count)
                        for i in candidates where lows.count == 1 || ports.contains(securityRules[i].destinationPorts, low) {
                            ruleCandidates.append(Int32(i))
                        }
                        ruleSegments.append(RuleSegment(low: low, start: start, count: Int32(ruleCandidates.count) - start))
                    }
                    ruleBuckets.append(RuleBucketRef(start: segStart, count: Int32(ruleSegments.count) - segStart))
                }
            }
        }
    }

    /// First match in priority order (§1.2 rule 1) over the candidates of the packet's bucket and
    /// port segment. Ports count only for TCP/UDP/SCTP (§7.2).
    func evaluate(group: Int32, inbound: Bool, _ f: FlowKey) -> SecurityDecision {
        let bucket = protocolBucket(f.proto)
        let ref = ruleBuckets[Int(group) * 8 + (inbound ? 0 : 4) + bucket]
        // Last segment whose low <= dstPort (a single segment for ICMP/other or when collapsed).
        var lo = Int(ref.start), hi = lo + Int(ref.count)
        if bucket < 2 {
            while hi - lo > 1 {
                let mid = (lo + hi) >> 1
                if ruleSegments[mid].low <= f.dstPort { lo = mid } else { hi = mid }
            }
        }
        let seg = ruleSegments[lo]
        let usePorts = f.proto.hasPorts
        let p = f.proto.rawValue
        var k = Int(seg.start)
        let end = k + Int(seg.count)
        while k < end {
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
