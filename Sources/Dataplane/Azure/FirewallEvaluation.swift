import ClusterModel
import NetworkAddress
import PacketWire

// One firewall traversal (azure-networking.md §2.1–2.3): threat intel, then DNAT rules, then
// network rules, then application rules (HTTP by Host header, HTTPS by TLS SNI only); the first
// matching rule decides; nothing matched = `default-deny`.

enum FirewallPass: UInt8, Sendable { case threatIntel, dnat, network, application, pendingApplication, none }

/// What the firewall knows of a TCP flow's first request when it judges the flow. Azure Firewall
/// proxies TCP for application rules: it completes the client's handshake itself and decides on
/// the first request (TLS ClientHello SNI / HTTP Host), so a handshake packet cannot be judged by
/// application rules yet.
public enum ApplicationRequest: UInt8, Sendable {
    /// The request was seen (a payload packet was inspected, or `trace --sni/--http-host` named
    /// it): decide now; a payload without a usable name is "SNI missing" / "HTTP Host missing".
    case seen
    /// Only the handshake so far (a payload-less TCP packet opened the flow): when no DNAT or
    /// network rule decides and an application rule covers the port, the leg is allowed pending
    /// (`firewall:pending-application-rule`) and the pipeline decides on the first payload.
    case handshake
    /// A hypothetical flow with no request given (`akssim trace` without --sni/--http-host):
    /// decide as if none comes, and say that the real firewall would wait for it.
    case unknown
}

enum FirewallDenyReason: UInt8, Sendable {
    case none, noRuleMatched, sniMissing, hostMissing, threatIntel

    var text: String {
        switch self {
        case .none: return ""
        case .noRuleMatched: return "no rule matched"
        case .sniMissing: return "SNI missing: HTTPS application rules match on TLS SNI only (§2.2, §7.10)"
        case .hostMissing: return "HTTP Host missing: HTTP application rules match on the Host header (§2.2)"
        case .threatIntel: return "threat intelligence: known-malicious address or FQDN (mode Deny)"
        }
    }
}

struct FirewallDecision: Sendable {
    var allow: Bool
    var pass: FirewallPass
    var rule: RuleID
    var reason: FirewallDenyReason
    /// DNAT target (when `pass == .dnat`).
    var translatedAddress: IPAddress
    var translatedPort: UInt16
    /// Threat intel alerted (mode Alert) without blocking.
    var threatAlert: Bool
}

extension AzureNetwork {
    @inline(__always)
    func protocolBit(_ p: IPProtocol) -> UInt8 {
        switch p.rawValue {
        case 6: return 1
        case 17: return 2
        case 1, 58: return 4
        default: return 8
        }
    }

    @inline(__always)
    func fqdnListContains(_ start: Int32, _ count: Int32, _ a: IPAddress) -> Bool {
        var i = Int(start)
        let end = i + Int(count)
        while i < end {
            for x in resolved[Int(ruleFQDNs[i])] where x == a { return true }
            i += 1
        }
        return false
    }

    @inline(__always)
    func anyPattern(_ start: Int, _ end: Int, _ name: UnsafeRawBufferPointer) -> Bool {
        if name.count == 0 { return false }
        var i = start
        while i < end {
            if patterns[i].matches(name) { return true }
            i += 1
        }
        return false
    }

    /// Network-level match shared by DNAT and network rules.
    @inline(__always)
    func networkMatch(_ r: CompiledFirewallRule, _ f: FlowKey) -> Bool {
        if r.protocols & protocolBit(f.proto) == 0 { return false }
        if f.proto.hasPorts && !ports.contains(r.destinationPorts, f.dstPort) { return false }
        if !intervals.contains(r.source, f.src) { return false }
        if intervals.contains(r.destination, f.dst) { return true }
        return r.fqdnCount > 0 && fqdnListContains(r.fqdnStart, r.fqdnCount, f.dst)
    }

    func evaluateFirewall(_ index: Int, _ f: FlowKey, sni: UnsafeRawBufferPointer, httpHost: UnsafeRawBufferPointer,
                          inboundDNATOnly: Bool, request: ApplicationRequest = .seen) -> FirewallDecision {
        // Fields read in place: a copy of the compiled firewall retained its names and arrays.
        var d = FirewallDecision(allow: false, pass: .none, rule: defaultDenyRule, reason: .noRuleMatched,
                                 translatedAddress: .zero4, translatedPort: 0, threatAlert: false)
        // §2.1: threat intelligence runs before any rule. Inbound it looks at the source, outbound at the destination.
        if firewalls[index].threatIntel != .Off {
            let peer = inboundDNATOnly ? f.src : f.dst
            var hit = intervals.contains(threatFeedIPs, peer) && !intervals.contains(firewalls[index].threatAllowIPs, peer)
            if !hit {
                let name = sni.count > 0 ? sni : httpHost
                hit = anyPattern(threatFeedPatterns.lowerBound, threatFeedPatterns.upperBound, name)
                    && !anyPattern(firewalls[index].threatAllowPatterns.lowerBound, firewalls[index].threatAllowPatterns.upperBound, name)
            }
            if hit {
                if firewalls[index].threatIntel == .Deny {
                    d.pass = .threatIntel
                    d.rule = threatIntelRule
                    d.reason = .threatIntel
                    return d
                }
                d.threatAlert = true
            }
        }
        let bucket = protocolBucket(f.proto)
        let port = bucket < 2 ? f.dstPort : 0
        for c in candidates(ruleBuckets[Int(firewalls[index].bucketBase) + bucket], port: port) {
            let r = firewallRules[Int(ruleCandidates[c])]
            guard networkMatch(r, f) else { continue }
            var target = r.translatedAddress
            if r.fqdnCount > 0 {
                guard let first = resolved[Int(ruleFQDNs[Int(r.fqdnStart)])].first else { continue }
                target = first
            }
            // §2.3 (current text, §7.8): DNAT-matched traffic is allowed and not processed further.
            d.allow = true
            d.pass = .dnat
            d.rule = r.name
            d.reason = .none
            d.translatedAddress = target
            d.translatedPort = r.translatedPort == 0 ? f.dstPort : r.translatedPort
            return d
        }
        // Traffic to the firewall's public IP that matched no DNAT rule has nothing else to match.
        if inboundDNATOnly { return d }
        for c in candidates(ruleBuckets[Int(firewalls[index].bucketBase) + 4 + bucket], port: port) {
            let r = firewallRules[Int(ruleCandidates[c])]
            guard networkMatch(r, f) else { continue }
            d.allow = r.allow
            d.pass = .network
            d.rule = r.name
            d.reason = .none
            return d
        }
        // §2.2 step 3: application rules only for HTTP/HTTPS (TCP) traffic.
        guard f.proto == .tcp, !firewalls[index].application.isEmpty else { return d }
        let isHTTP = httpHost.count > 0
        let isHTTPS = !isHTTP && sni.count > 0
        if !isHTTP && !isHTTPS {
            let https = firewalls[index].httpsAppPorts.contains(f.dstPort)
            let http = !https && firewalls[index].httpAppPorts.contains(f.dstPort)
            if request == .handshake && (https || http) {
                // The proxy answers the handshake; the application rules judge the first request.
                d.allow = true
                d.pass = .pendingApplication
                d.rule = pendingApplicationRule
                d.reason = .none
                return d
            }
            if https { d.reason = .sniMissing } else if http { d.reason = .hostMissing }
            return d
        }
        let i = firstApplicationRule(index, name: isHTTP ? httpHost : sni, isHTTP: isHTTP, f)
        if i >= 0 {
            d.allow = firewallRules[Int(i)].allow
            d.pass = .application
            d.rule = firewallRules[Int(i)].name
            d.reason = .none
        }
        return d
    }
}
