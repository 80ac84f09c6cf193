import ClusterModel
import NetworkAddress

// Azure Firewall compiled into three flat passes — DNAT, network, application — in the order the
// firewall walks them (azure-networking.md §2.1): parent policy first, then rule collection
// groups by priority, collections by priority, rules in list order. Ties (§7.16) are broken by
// name and reported.

struct CompiledFirewallRule: Sendable {
    var name: RuleID
    var allow: Bool
    /// Bit mask: 1 TCP, 2 UDP, 4 ICMP, 8 every other protocol (`Any`, §2.2).
    var protocols: UInt8
    var source: AddressSet
    var destination: AddressSet
    /// Destination FQDN ids (network rules), resolved through the DNS table per packet.
    var fqdnStart: Int32
    var fqdnCount: Int32
    var destinationPorts: PortSet
    // DNAT
    var translatedAddress: IPAddress
    var translatedPort: UInt16
    // Application
    var httpPorts: PortSet?
    var httpsPorts: PortSet?
    var patternStart: Int32
    var patternCount: Int32
}

struct CompiledFirewall: Sendable {
    var name: String
    var privateIP: IPAddress
    var publicIP: IPAddress?
    var subnet: Int32
    var threatIntel: ThreatIntelMode
    var threatAllowIPs: AddressSet
    var threatAllowPatterns: Range<Int>
    /// Destinations never SNATed by network rules (§2.4).
    var snatPrivate: AddressSet
    var dnat: Range<Int>
    var network: Range<Int>
    var application: Range<Int>
    /// Ports an application rule listens on, for the "SNI missing" / "Host missing" reasons.
    var httpsAppPorts: [UInt16]
    var httpAppPorts: [UInt16]
    /// `SecurityRuleIndex`: buckets base+0…3 DNAT, +4…7 network (by protocol bit); application rules in `appNames`.
    var bucketBase: Int32 = 0
    /// The application rules by the names they match.
    var appNames = FirewallNameIndex()
}

/// Everything the firewall compiler needs from the rest of the network compile.
struct FirewallCompileInput {
    var serviceTags: [String: [IPPrefix]]
    var ipGroups: [String: [String]]
    var fqdnTags: [String: [String]]
}

extension AzureNetwork {
    /// Address strings of a firewall rule: IP, CIDR, range, `*`, or (destination only) a service tag.
    /// Returns nil for `*`.
    static func firewallAddresses(_ list: [String], groups: [String], allowTags: Bool, input: FirewallCompileInput,
                                  object: String, field: String, diagnostics: inout [Diagnostic]) -> [AddressInterval]? {
        var out: [AddressInterval] = []
        if list.isEmpty && groups.isEmpty { return nil }
        for a in list {
            let t = a.trimmingCharacters(in: " ")
            if t == "*" || t.lowercased() == "any" { return nil }
            if let r = IPRange(t) { out.append(AddressInterval(r)); continue }
            if allowTags, let tag = input.serviceTags[t.lowercased()] { out += tag.map { AddressInterval($0) }; continue }
            diagnostics.append(Diagnostic(.warning, "'\(a)' is neither an IP, CIDR, range nor a known service tag; it matches nothing",
                                          object: object, fieldPath: field))
        }
        for g in groups {
            let name = g.split(separator: "/").last.map(String.init) ?? g
            guard let members = input.ipGroups[name.lowercased()] else {
                diagnostics.append(Diagnostic(.warning, "IP group '\(g)' is not defined; it matches nothing", object: object, fieldPath: field))
                continue
            }
            for m in members {
                if let r = IPRange(m) { out.append(AddressInterval(r)) }
            }
        }
        return out
    }

    static func protocolMask(_ list: [String], hasPorts: Bool) -> UInt8 {
        if list.isEmpty { return 0b11 }
        var m: UInt8 = 0
        for p in list {
            switch p.lowercased() {
            case "tcp": m |= 1
            case "udp": m |= 2
            case "icmp": m |= 4
            // §2.2: Any = every IP protocol, but with an explicit destination port only TCP+UDP.
            case "any", "*": m |= hasPorts ? 0b11 : 0b1111
            default: break
            }
        }
        return m
    }

    mutating func compileFirewalls(_ cluster: Cluster, input: FirewallCompileInput, names: inout RuleNames) {
        let policies = Dictionary(cluster.firewallPolicies.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        for fw in cluster.firewalls {
            var chain: [FirewallPolicy] = []
            var next = fw.policy.flatMap { policies[($0.split(separator: "/").last.map(String.init) ?? $0).lowercased()] }
            if fw.policy != nil && next == nil {
                diagnostics.append(Diagnostic(.error, "firewall policy '\(fw.policy ?? "")' is not defined; the firewall denies everything",
                                              object: "AzureFirewall \(fw.name)", fieldPath: "firewallPolicy", location: fw.source))
            }
            while let p = next, !chain.contains(where: { $0.name == p.name }) {
                chain.insert(p, at: 0)
                next = p.basePolicy.flatMap { policies[($0.split(separator: "/").last.map(String.init) ?? $0).lowercased()] }
            }
            let child = chain.last
            // (collection, qualified prefix) in walk order.
            var ordered: [(FirewallRuleCollection, String)] = []
            if chain.isEmpty {
                for c in fw.classicCollections.sorted(by: { ($0.priority, $0.name) < ($1.priority, $1.name) }) { ordered.append((c, c.name)) }
                warnTies(fw.classicCollections.map { ($0.name, $0.priority, $0.kind.rawValue) }, object: "AzureFirewall \(fw.name)")
            } else {
                for p in chain {
                    let groups = p.ruleCollectionGroups.sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
                    warnTies(groups.map { ($0.name, $0.priority, "") }, object: "FirewallPolicy \(p.name)")
                    for g in groups {
                        warnTies(g.collections.map { ($0.name, $0.priority, "") }, object: "RuleCollectionGroup \(g.name)")
                        for c in g.collections.sorted(by: { ($0.priority, $0.name) < ($1.priority, $1.name) }) { ordered.append((c, "\(g.name)/\(c.name)")) }
                    }
                }
            }
            var ranges: [Range<Int>] = []
            var https: Set<UInt16> = [], http: Set<UInt16> = []
            for kind in [RuleCollectionKind.dnat, .network, .application] {
                let start = firewallRules.count
                for (c, prefix) in ordered where c.kind == kind {
                    for r in c.rules {
                        let object = "AzureFirewall \(fw.name)"
                        let field = "\(prefix)/\(r.name)"
                        let src = AzureNetwork.firewallAddresses(r.sourceAddresses, groups: r.sourceIPGroups, allowTags: false, input: input,
                                                                 object: object, field: field, diagnostics: &diagnostics)
                        var dstList = AzureNetwork.firewallAddresses(r.destinationAddresses, groups: r.destinationIPGroups, allowTags: true, input: input,
                                                                     object: object, field: field, diagnostics: &diagnostics)
                        let fqdnStart = Int32(ruleFQDNs.count)
                        for f in r.destinationFQDNs { ruleFQDNs.append(internFQDN(f)) }
                        // A rule without any destination matches nothing (ARM requires one); FQDN-only rules match by DNS.
                        if r.destinationAddresses.isEmpty && r.destinationIPGroups.isEmpty && kind != .application {
                            dstList = []
                            if r.destinationFQDNs.isEmpty {
                                diagnostics.append(Diagnostic(.warning, "rule has no destination address, IP group or FQDN; it matches nothing", object: object, fieldPath: field))
                            }
                        }
                        var rule = CompiledFirewallRule(
                            name: names.intern("\(prefix)/\(r.name)"),
                            allow: c.action != .Deny,
                            protocols: AzureNetwork.protocolMask(r.ipProtocols, hasPorts: !r.destinationPorts.isEmpty && !r.destinationPorts.allSatisfy(\.isAny)),
                            source: src.map { intervals.add($0) } ?? .anyAddress,
                            destination: dstList.map { intervals.add($0) } ?? .anyAddress,
                            fqdnStart: fqdnStart, fqdnCount: Int32(ruleFQDNs.count) - fqdnStart,
                            destinationPorts: ports.add(r.destinationPorts),
                            translatedAddress: r.translatedAddress ?? .zero4,
                            translatedPort: UInt16(clamping: r.translatedPort ?? 0),
                            httpPorts: nil, httpsPorts: nil,
                            patternStart: Int32(patterns.count), patternCount: 0)
                        if kind == .application {
                            rule.protocols = 1
                            var hp: [PortRange] = [], sp: [PortRange] = []
                            for p in r.protocols {
                                guard let port = UInt16(exactly: p.port) else { continue }
                                switch p.type.lowercased() {
                                case "http": hp.append(PortRange(single: port)); http.insert(port)
                                case "https": sp.append(PortRange(single: port)); https.insert(port)
                                default:
                                    diagnostics.append(Diagnostic(.note, "application protocol '\(p.type)' is not simulated (§7.9); only Http/Https match",
                                                                  object: object, fieldPath: field))
                                }
                            }
                            if !hp.isEmpty { rule.httpPorts = ports.add(hp) }
                            if !sp.isEmpty { rule.httpsPorts = ports.add(sp) }
                            var texts = r.targetFQDNs
                            for tag in r.fqdnTags {
                                if let list = input.fqdnTags[tag.lowercased()] { texts += list } else {
                                    diagnostics.append(Diagnostic(.warning, "FQDN tag '\(tag)' has no FQDN table; it matches nothing", object: object, fieldPath: field))
                                }
                            }
                            if !r.webCategories.isEmpty || !r.targetURLs.isEmpty {
                                diagnostics.append(Diagnostic(.note, "webCategories/targetUrls need TLS inspection and are not simulated; those targets match nothing",
                                                              object: object, fieldPath: field))
                            }
                            for t in texts {
                                if let p = FQDNPattern(t) { patterns.append(p) } else {
                                    diagnostics.append(Diagnostic(.warning, "'\(t)' is not a valid target FQDN (only a leading '*' is allowed)", object: object, fieldPath: field))
                                }
                            }
                            rule.patternCount = Int32(patterns.count) - rule.patternStart
                        }
                        if kind == .dnat && r.translatedAddress == nil {
                            if let f = r.translatedFQDN { rule.fqdnStart = Int32(ruleFQDNs.count); ruleFQDNs.append(internFQDN(f)); rule.fqdnCount = 1 } else {
                                diagnostics.append(Diagnostic(.error, "DNAT rule has neither translatedAddress nor translatedFqdn; rule ignored", object: object, fieldPath: field))
                                continue
                            }
                        }
                        firewallRules.append(rule)
                    }
                }
                ranges.append(start..<firewallRules.count)
            }
            let allowStart = patterns.count
            for f in child?.threatIntelAllowFQDNs ?? [] { if let p = FQDNPattern(f) { patterns.append(p) } }
            let privateRanges = child?.snatPrivateRanges ?? fw.snatPrivateRanges ?? (WellKnown.rfc1918 + [WellKnown.rfc6598])
            firewalls.append(CompiledFirewall(
                name: fw.name, privateIP: fw.privateIP, publicIP: fw.publicIPs.first,
                subnet: subnetIndex(containing: fw.privateIP),
                threatIntel: child?.threatIntelMode ?? fw.threatIntelMode,
                threatAllowIPs: intervals.add((child?.threatIntelAllowIPs ?? []).map { AddressInterval($0) }),
                threatAllowPatterns: allowStart..<patterns.count,
                snatPrivate: intervals.add(privateRanges.map { AddressInterval($0) }),
                dnat: ranges[0], network: ranges[1], application: ranges[2],
                httpsAppPorts: https.sorted(), httpAppPorts: http.sorted()))
        }
    }

    private mutating func warnTies(_ items: [(String, Int, String)], object: String) {
        var seen: [String: String] = [:]
        for (name, prio, kind) in items {
            let key = "\(kind)#\(prio)"
            if let other = seen[key] {
                diagnostics.append(Diagnostic(.warning, "'\(other)' and '\(name)' share priority \(prio); Azure does not document the order — evaluating by name (§7.16)",
                                              object: object))
            }
            seen[key] = name
        }
    }

    mutating func internFQDN(_ name: String) -> Int32 {
        var key = name.lowercased()
        while key.hasSuffix(".") { key.removeLast() }
        if let id = fqdnIDs[key] { return id }
        let id = Int32(resolved.count)
        fqdnIDs[key] = id
        resolved.append([])
        return id
    }
}
