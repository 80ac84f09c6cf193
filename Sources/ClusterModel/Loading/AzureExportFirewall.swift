import NetworkAddress

/// Azure Firewall (classic rules included), Firewall Policy and rule collection groups
/// from az/ARM JSON (azure-networking.md §2.6).
enum AzureExportFirewall {
    private static func prop(_ c: Cursor, _ k: String) -> Cursor? { AzureExportLoader.prop(c, k) }

    static func firewall(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        var fw = AzureFirewall()
        fw.name = c["name"]?.scalar ?? ""
        fw.source = c.location
        for cfg in listed(prop(c, "ipConfigurations"), sink) {
            if let ip = AzureExportLoader.privateIPAddress(cfg), let a = ip.ip(sink), fw.privateIP == .zero4 {
                fw.privateIP = a
            }
            if let pip = AzureExportLoader.refName(AzureExportLoader.publicIPAddress(cfg)) {
                b.azureLinks.firewallIPs.append(.init(firewall: fw.name, publicIP: pip, at: cfg))
            }
        }
        // Virtual-hub firewalls list their addresses directly.
        if let hub = prop(c, "hubIPAddresses") {
            if let ip = hub["privateIPAddress"]?.ip(sink) { fw.privateIP = ip }
            fw.publicIPs += (listed(hub["publicIPs"]?["addresses"], sink)).compactMap { $0["address"]?.ip(sink) }
        }
        fw.policy = AzureExportLoader.refName(prop(c, "firewallPolicy"))
        b.mark("policy", prop(c, "firewallPolicy"))
        if let t = prop(c, "threatIntelMode")?.enumValue(ThreatIntelMode.self, sink) { fw.threatIntelMode = t }
        if let r = prop(c, "additionalProperties")?["Network.SNAT.PrivateRanges"]?.scalar {
            fw.snatPrivateRanges = snatRanges(r.split(separator: ",").map { String($0).trimmingCharacters(in: " ") }, at: c, sink)
        }
        for (key, kind) in [("natRuleCollections", RuleCollectionKind.dnat), ("networkRuleCollections", .network), ("applicationRuleCollections", .application)] {
            for rc in listed(prop(c, key), sink) {
                var col = FirewallRuleCollection()
                col.name = rc["name"]?.scalar ?? ""
                col.kind = kind
                col.priority = prop(rc, "priority")?.int(sink, range: 100...65000) ?? 0
                col.action = action(prop(rc, "action"), kind: kind, sink)
                col.rules = (listed(prop(rc, "rules"), sink)).compactMap { FirewallRules.rule($0, kind: kind, sink) }
                fw.classicCollections.append(col)
            }
        }
        b.cluster.firewalls.append(fw)
    }

    /// `IANAPrivateRanges` stands for RFC 1918 + RFC 6598 (snat-private-range).
    private static func snatRanges(_ items: [String], at c: Cursor, _ sink: DiagnosticSink) -> [IPPrefix] {
        var out: [IPPrefix] = []
        for s in items where !s.isEmpty {
            if s.lowercased() == "ianaprivateranges" { out += WellKnown.rfc1918 + [WellKnown.rfc6598] } else if let p = IPPrefix(s) { out.append(p) } else {
                sink.error("expected a CIDR or IANAPrivateRanges in SNAT private ranges, found \"\(s)\"", at: c)
            }
        }
        return out
    }

    private static func action(_ c: Cursor?, kind: RuleCollectionKind, _ sink: DiagnosticSink) -> RuleCollectionAction {
        let t = (c?["type"] ?? c)?.scalar?.lowercased()
        switch t {
        case "allow": return .Allow
        case "deny": return .Deny
        case "dnat", "snat": return .DNAT
        default: return kind == .dnat ? .DNAT : .Allow
        }
    }

    static func policy(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        var p = FirewallPolicy()
        p.name = c["name"]?.scalar ?? ""
        p.source = c.location
        p.basePolicy = AzureExportLoader.refName(prop(c, "basePolicy"))
        b.mark("basePolicy", prop(c, "basePolicy"))
        if let t = prop(c, "threatIntelMode")?.enumValue(ThreatIntelMode.self, sink) { p.threatIntelMode = t }
        if let w = prop(c, "threatIntelWhitelist") {
            p.threatIntelAllowIPs = w["ipAddresses"]?.prefixes(sink) ?? []
            p.threatIntelAllowFQDNs = w["fqdns"]?.strings(sink) ?? []
        }
        if let r = prop(c, "snat")?["privateRanges"] { p.snatPrivateRanges = snatRanges(r.strings(sink), at: r, sink) }
        p.dnsProxyEnabled = prop(c, "dnsSettings")?["enableProxy"]?.bool(sink) ?? false
        b.cluster.firewallPolicies.append(p)
    }

    /// A group exported on its own; its ID names the policy (`…/firewallPolicies/<p>/ruleCollectionGroups/<g>`).
    static func ruleCollectionGroup(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        var g = RuleCollectionGroup()
        g.name = c["name"]?.scalar ?? ""
        g.source = c.location
        g.priority = prop(c, "priority")?.int(sink, range: 100...65000) ?? 0
        for rc in listed(prop(c, "ruleCollections"), sink) {
            var col = FirewallRuleCollection()
            col.name = rc["name"]?.scalar ?? ""
            col.priority = rc["priority"]?.int(sink, range: 100...65000) ?? 0
            switch rc["ruleCollectionType"]?.scalar {
            case "FirewallPolicyNatRuleCollection": col.kind = .dnat
            case "FirewallPolicyFilterRuleCollection", nil:
                // A filter collection holds network or application rules (one type per collection).
                col.kind = rc["rules"]?.items.first?["ruleType"]?.scalar == "ApplicationRule" ? .application : .network
            case let other?:
                sink.error("unknown value \"\(other)\"; expected one of FirewallPolicyFilterRuleCollection, FirewallPolicyNatRuleCollection", at: rc["ruleCollectionType"] ?? rc)
                continue
            }
            col.action = action(rc["action"], kind: col.kind, sink)
            for r in listed(rc["rules"], sink) {
                let kind: RuleCollectionKind
                switch r["ruleType"]?.scalar {
                case "NetworkRule": kind = .network
                case "ApplicationRule": kind = .application
                case "NatRule": kind = .dnat
                default:
                    sink.error("unknown value \"\(r["ruleType"]?.scalar ?? "missing")\"; expected ruleType NetworkRule, ApplicationRule or NatRule", at: r["ruleType"] ?? r)
                    continue
                }
                if let rule = FirewallRules.rule(r, kind: kind, sink) { col.rules.append(rule) }
            }
            g.collections.append(col)
        }
        let id = c["id"]?.scalar ?? ""
        let parts = id.split(separator: "/").map(String.init)
        if let i = parts.lastIndex(where: { $0.lowercased() == "firewallpolicies" }), i + 1 < parts.count {
            b.azureLinks.groups.append(.init(policy: parts[i + 1], group: g, at: c))
        } else {
            sink.error("expected id …/firewallPolicies/<policy>/ruleCollectionGroups/<name> to name the policy", at: c)
        }
    }
}
