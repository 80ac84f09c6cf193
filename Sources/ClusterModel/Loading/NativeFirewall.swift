import NetworkAddress

/// Azure Firewall, Firewall Policy, IP groups and the user-supplied platform tables
/// (service tags, DNS answers, FQDN tags, threat intel) in the native format.
enum NativeFirewall {
    static func firewall(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        let keys = ["name", "privateIP", "publicIPs", "policy", "threatIntelMode", "snatPrivateRanges", "collections"]
        guard let name = NativeLoader.name(c, kind: "Firewall", keys: keys, sink) else { return }
        let o = c.object("Firewall \(name)")
        var fw = AzureFirewall()
        fw.name = name
        fw.source = o.location
        if let ip = o["privateIP"]?.ip(sink) { fw.privateIP = ip } else if o["privateIP"] == nil { sink.error("expected privateIP", at: o) }
        fw.publicIPs = o["publicIPs"]?.ips(sink) ?? []
        fw.policy = o["policy"]?.text(sink)
        b.mark("policy", o["policy"])
        if let t = o["threatIntelMode"]?.enumValue(ThreatIntelMode.self, sink) { fw.threatIntelMode = t }
        fw.snatPrivateRanges = o["snatPrivateRanges"].map { AzureValues.snatPrivateRanges($0, sink) }
        fw.classicCollections = (o["collections"]?.list(sink) ?? []).compactMap { FirewallRules.nativeCollection($0, sink) }
        b.cluster.firewalls.append(fw)
    }

    static func policy(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        let keys = ["name", "basePolicy", "threatIntelMode", "threatIntelAllowIPs", "threatIntelAllowFQDNs",
                    "snatPrivateRanges", "dnsProxy", "ruleCollectionGroups"]
        guard let name = NativeLoader.name(c, kind: "FirewallPolicy", keys: keys, sink) else { return }
        let o = c.object("FirewallPolicy \(name)")
        var p = FirewallPolicy()
        p.name = name
        p.source = o.location
        p.basePolicy = o["basePolicy"]?.text(sink)
        b.mark("basePolicy", o["basePolicy"])
        if let t = o["threatIntelMode"]?.enumValue(ThreatIntelMode.self, sink) { p.threatIntelMode = t }
        p.threatIntelAllowIPs = o["threatIntelAllowIPs"]?.prefixes(sink) ?? []
        p.threatIntelAllowFQDNs = o["threatIntelAllowFQDNs"]?.strings(sink) ?? []
        p.snatPrivateRanges = o["snatPrivateRanges"].map { AzureValues.snatPrivateRanges($0, sink) }
        p.dnsProxyEnabled = o["dnsProxy"]?.bool(sink) ?? false
        for g in o["ruleCollectionGroups"]?.list(sink) ?? [] {
            guard g.expectMapping(["name", "priority", "collections"], sink) else { continue }
            var rcg = RuleCollectionGroup()
            rcg.name = g["name"]?.text(sink) ?? ""
            if rcg.name.isEmpty { sink.error("expected name", at: g) }
            rcg.source = g.location
            if let pr = g["priority"] { rcg.priority = pr.int(sink, range: 100...65000) ?? 0 } else { sink.error("expected priority (100–65000)", at: g) }
            rcg.collections = (g["collections"]?.list(sink) ?? []).compactMap { FirewallRules.nativeCollection($0, sink) }
            p.ruleCollectionGroups.append(rcg)
        }
        b.cluster.firewallPolicies.append(p)
    }

    static func ipGroup(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard let name = NativeLoader.name(c, kind: "IPGroup", keys: ["name", "addresses"], sink) else { return }
        let o = c.object("IPGroup \(name)")
        let addrs = AzureValues.firewallAddresses(o["addresses"], allowTags: false, sink)
        b.cluster.ipGroups.append(IPGroup(name: name, addresses: addrs, source: o.location))
    }

    static func serviceTag(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard let name = NativeLoader.name(c, kind: "ServiceTag", keys: ["name", "prefixes"], sink) else { return }
        b.cluster.serviceTags.append(ServiceTag(name: name, prefixes: c["prefixes"]?.prefixes(sink) ?? []))
    }

    static func dnsRecord(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard c.expectMapping(["fqdn", "addresses"], sink) else { return }
        guard let fqdn = c["fqdn"]?.text(sink) else {
            sink.error("expected fqdn", at: c)
            return
        }
        b.cluster.dnsRecords.append(DNSRecord(fqdn: fqdn, addresses: c["addresses"]?.ips(sink) ?? []))
    }

    static func fqdnTag(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard let name = NativeLoader.name(c, kind: "FQDNTag", keys: ["name", "fqdns"], sink) else { return }
        b.cluster.fqdnTags.append(FQDNTag(name: name, fqdns: c["fqdns"]?.strings(sink) ?? []))
    }

    static func threatIntel(_ c: Cursor, into b: inout ClusterBuilder) {
        let sink = b.sink
        guard c.expectMapping(["addresses", "fqdns"], sink) else { return }
        b.cluster.threatIntel.addresses += c["addresses"]?.prefixes(sink) ?? []
        b.cluster.threatIntel.fqdns += c["fqdns"]?.strings(sink) ?? []
    }
}
