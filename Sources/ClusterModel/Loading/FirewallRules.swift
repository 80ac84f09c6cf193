import NetworkAddress

/// Azure Firewall rule collections and rules. One reader serves the native format and
/// ARM/az exports: exports spell a few fields differently (`sourceIpGroups`,
/// `destinationFqdns`, `targetFqdns`), and classic network rules use `protocols`.
enum FirewallRules {
    static let nativeRuleKeys = [
        "name", "ipProtocols", "protocols", "sourceAddresses", "sourceIPGroups", "destinationAddresses",
        "destinationIPGroups", "destinationFQDNs", "destinationPorts", "translatedAddress", "translatedFQDN",
        "translatedPort", "targetFQDNs", "fqdnTags", "webCategories", "targetURLs", "terminateTLS", "description",
    ]

    /// Whether a field holds something (each refused value was reported where it stands).
    private static func hasItems(_ c: Cursor?) -> Bool {
        guard let c else { return false }
        return !(c.isSequence && c.items.isEmpty)
    }

    static func rule(_ c: Cursor, kind: RuleCollectionKind, _ sink: DiagnosticSink) -> FirewallRule? {
        guard c.expectMapping(nativeRuleKeys, sink) else { return nil }
        let body = c["properties"] ?? c
        func f(_ names: String...) -> Cursor? {
            for n in names { if let v = body[n] { return v } }
            return nil
        }
        var r = FirewallRule()
        r.kind = kind
        r.name = f("name")?.text(sink) ?? c["name"]?.text(sink) ?? ""
        if r.name.isEmpty { sink.error("expected name", at: c) }
        r.sourceAddresses = AzureValues.firewallAddresses(f("sourceAddresses"), allowTags: false, sink)
        r.sourceIPGroups = f("sourceIPGroups", "sourceIpGroups")?.strings(sink).map(resourceName(fromID:)) ?? []
        switch kind {
        case .network, .dnat:
            // One message per mistake: a list whose values were each refused already said why.
            let protocols = f("ipProtocols") ?? (kind == .network || kind == .dnat ? f("protocols") : nil)
            if let p = protocols { r.ipProtocols = AzureValues.firewallProtocols(p, sink) }
            if r.ipProtocols.isEmpty && !Self.hasItems(protocols) { sink.error("expected ipProtocols (TCP, UDP, ICMP, Any)", at: c) }
            r.destinationAddresses = AzureValues.firewallAddresses(f("destinationAddresses"), allowTags: kind == .network, sink)
            r.destinationIPGroups = f("destinationIPGroups", "destinationIpGroups")?.strings(sink).map(resourceName(fromID:)) ?? []
            r.destinationFQDNs = f("destinationFQDNs", "destinationFqdns")?.strings(sink) ?? []
            let ports = f("destinationPorts")
            r.destinationPorts = ports.map { AzureValues.firewallPorts($0, sink) } ?? []
            if r.destinationPorts.isEmpty && !Self.hasItems(ports) { sink.error("expected destinationPorts", at: c) }
            if kind == .dnat {
                r.translatedAddress = f("translatedAddress")?.ip(sink)
                r.translatedFQDN = f("translatedFQDN", "translatedFqdn")?.text(sink)
                if let p = f("translatedPort") { r.translatedPort = p.int(sink, range: 1...65535) }
                if r.translatedAddress == nil && r.translatedFQDN == nil {
                    sink.error("expected translatedAddress or translatedFqdn", at: c)
                }
            }
        case .application:
            if let p = f("protocols") { r.protocols = AzureValues.applicationProtocols(p, sink) }
            r.destinationAddresses = AzureValues.firewallAddresses(f("destinationAddresses"), allowTags: false, sink)
            r.targetFQDNs = f("targetFQDNs", "targetFqdns")?.strings(sink) ?? []
            r.fqdnTags = f("fqdnTags")?.strings(sink) ?? []
            r.webCategories = f("webCategories")?.strings(sink) ?? []
            r.targetURLs = f("targetURLs", "targetUrls")?.strings(sink) ?? []
            r.terminateTLS = f("terminateTLS", "terminateTls")?.bool(sink) ?? false
            // Only a leading `*` is a valid FQDN wildcard (firewall FAQ).
            for item in f("targetFQDNs", "targetFqdns")?.items ?? [] where (item.scalar ?? "").dropFirst().contains("*") {
                sink.error("invalid FQDN \"\(item.scalar ?? "")\": only a leading * wildcard is allowed", at: item)
            }
        }
        if r.sourceAddresses.isEmpty && r.sourceIPGroups.isEmpty && c.strict {
            sink.error("expected sourceAddresses or sourceIPGroups", at: c)
        }
        return r
    }

    /// Native collection `{name, priority, type, action, rules}`.
    static func nativeCollection(_ c: Cursor, _ sink: DiagnosticSink) -> FirewallRuleCollection? {
        guard c.expectMapping(["name", "priority", "type", "action", "rules"], sink) else { return nil }
        var rc = FirewallRuleCollection()
        rc.name = c["name"]?.text(sink) ?? ""
        if rc.name.isEmpty { sink.error("expected name", at: c) }
        if let p = c["priority"] { rc.priority = p.int(sink, range: 100...65000) ?? 0 } else { sink.error("expected priority (100–65000)", at: c) }
        guard let t = c["type"] else {
            sink.error("expected type (one of dnat, network, application)", at: c)
            return nil
        }
        guard let kind = t.enumValue(RuleCollectionKind.self, sink) else { return nil }
        rc.kind = kind
        if let a = c["action"], let v = a.enumValue(RuleCollectionAction.self, sink) { rc.action = v } else if kind == .dnat { rc.action = .DNAT }
        if (kind == .dnat) != (rc.action == .DNAT), let a = c["action"] {
            sink.error(kind == .dnat ? "a dnat collection expects action DNAT" : "expected action Allow or Deny for a \(kind.rawValue) collection", at: a)
        }
        rc.rules = (c["rules"]?.list(sink) ?? []).compactMap { rule($0, kind: kind, sink) }
        return rc
    }
}
