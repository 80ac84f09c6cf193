import NetworkAddress

/// Azure value syntaxes shared by the native format and az/ARM exports.
enum AzureValues {
    /// Classic spellings map to the current tag names (service-tags-overview).
    static let classicTags = ["VIRTUAL_NETWORK": "VirtualNetwork", "INTERNET": "Internet", "AZURE_LOADBALANCER": "AzureLoadBalancer"]

    /// Service tag names: letters first, then letters, digits, `.`, `-`, `_` (`AzureCloud.eastus`).
    static func looksLikeTag(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, (f >= "A" && f <= "Z") || (f >= "a" && f <= "z") else { return false }
        return s.unicodeScalars.allSatisfy { ($0 >= "A" && $0 <= "Z") || ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "." || $0 == "-" || $0 == "_" }
    }

    /// An NSG source/destination: `*`/`Any`, an IP, a CIDR or a service tag.
    static func nsgAddress(_ c: Cursor, _ sink: DiagnosticSink) -> NSGAddress? {
        guard let s = c.text(sink) else { return nil }
        if s == "*" || s.lowercased() == "any" { return .any }
        if let p = IPPrefix(s) { return .prefix(p) }
        // A tag never contains "/" or ":" and does not start with a digit; such text is a mistyped address.
        if looksLikeTag(s) { return .serviceTag(classicTags[s] ?? s) }
        sink.error("expected *, an IP address, a CIDR or a service tag, found \"\(s)\"", at: c)
        return nil
    }

    static func nsgAddresses(_ c: Cursor, _ sink: DiagnosticSink) -> [NSGAddress] {
        if c.isSequence { return c.items.compactMap { nsgAddress($0, sink) } }
        return nsgAddress(c, sink).map { [$0] } ?? []
    }

    /// A rule side that names neither addresses nor application security groups matches any
    /// address; the native and az/ARM loaders both apply this once a rule is read.
    static func defaultEmptySidesToAny(_ rule: inout SecurityRule) {
        if rule.sourceAddresses.isEmpty && rule.sourceApplicationSecurityGroups.isEmpty { rule.sourceAddresses = [.any] }
        if rule.destinationAddresses.isEmpty && rule.destinationApplicationSecurityGroups.isEmpty { rule.destinationAddresses = [.any] }
    }

    /// NSG protocol; exports have been seen with `TCP`, so case-insensitive; `Any` = `*`.
    static func securityProtocol(_ c: Cursor, _ sink: DiagnosticSink) -> SecurityRuleProtocol? {
        guard let s = c.text(sink) else { return nil }
        if s.lowercased() == "any" { return .any }
        if let p = SecurityRuleProtocol.allCases.first(where: { $0.rawValue.lowercased() == s.lowercased() }) { return p }
        sink.error("unknown value \"\(s)\"; expected one of Tcp, Udp, Icmp, Esp, Ah, *", at: c)
        return nil
    }

    /// Firewall SNAT private ranges: CIDRs or `IANAPrivateRanges` (RFC 1918 + RFC 6598), which Azure
    /// accepts in `snat.privateRanges` and `Network.SNAT.PrivateRanges` alike (snat-private-range.md).
    static func snatPrivateRanges(_ c: Cursor, _ sink: DiagnosticSink) -> [IPPrefix] {
        var out: [IPPrefix] = []
        for item in c.isSequence ? c.items : [c] {
            guard let s = item.text(sink) else { continue }
            if s.lowercased() == "ianaprivateranges" { out += WellKnown.rfc1918 + [WellKnown.rfc6598] } else if let p = IPPrefix(s) { out.append(p) } else {
                sink.error("expected a CIDR or IANAPrivateRanges, found \"\(s)\"", at: item)
            }
        }
        return out
    }

    static func lbProtocol(_ c: Cursor, _ sink: DiagnosticSink) -> String? {
        guard let s = c.text(sink) else { return nil }
        for v in ["Tcp", "Udp", "All"] where v.lowercased() == s.lowercased() { return v }
        sink.error("unknown value \"\(s)\"; expected one of Tcp, Udp, All", at: c)
        return nil
    }

    /// A UDR. The prefix may be a service tag (routes accept tags).
    static func route(name: Cursor?, prefix: Cursor?, hopType: Cursor?, hopIP: Cursor?, at c: Cursor, _ sink: DiagnosticSink) -> Route? {
        var r = Route()
        r.name = name?.text(sink) ?? ""
        guard let pc = prefix, let ps = pc.text(sink) else {
            sink.error("expected addressPrefix (a CIDR or service tag)", at: c)
            return nil
        }
        if let p = IPPrefix(ps) {
            r.addressPrefix = p
        } else if looksLikeTag(ps) {
            r.serviceTag = ps
        } else {
            sink.error("expected a CIDR such as 10.0.0.0/16 or a service tag, found \"\(ps)\"", at: pc)
            return nil
        }
        guard let hc = hopType else {
            sink.error("expected nextHopType (one of \(NextHopType.allCases.map(\.rawValue).joined(separator: ", ")))", at: c)
            return nil
        }
        guard let h = hc.enumValue(NextHopType.self, sink) else { return nil }
        r.nextHopType = h
        if let ic = hopIP { r.nextHopIP = ic.ip(sink) }
        if h == .VirtualAppliance && r.nextHopIP == nil && hopIP == nil {
            sink.error("nextHopType VirtualAppliance expects nextHopIpAddress", at: c)
        }
        return r
    }

    /// Firewall port list entries: `*`, `443`, `8000-8080`.
    static func firewallPorts(_ c: Cursor, _ sink: DiagnosticSink) -> [PortRange] { c.portRanges(sink) }

    /// Application-rule protocols: `{protocolType, port}` objects or `Https:443` strings.
    static func applicationProtocols(_ c: Cursor, _ sink: DiagnosticSink) -> [ApplicationProtocol] {
        var out: [ApplicationProtocol] = []
        for p in c.isSequence ? c.items : [c] {
            var type: String?
            var port: Int?
            if let s = p.scalar, !p.isMapping {
                let parts = s.split(separator: ":")
                type = parts.first.map(String.init)
                port = parts.count == 2 ? Int(parts[1]) : nil
                if parts.count != 2 || port == nil {
                    sink.error("expected Protocol:port such as Https:443, found \"\(s)\"", at: p)
                    continue
                }
            } else {
                type = (p["protocolType"] ?? p["type"])?.text(sink)
                port = p["port"]?.int(sink, range: 1...65535)
            }
            guard let t = type, let portValue = port else {
                sink.error("expected protocolType and port", at: p)
                continue
            }
            guard let canonical = ["Http", "Https", "Mssql"].first(where: { $0.lowercased() == t.lowercased() }) else {
                sink.error("unknown value \"\(t)\"; expected one of Http, Https, Mssql", at: p)
                continue
            }
            guard (1...65535).contains(portValue) else {
                sink.error("expected a port in 1–65535, found \(portValue)", at: p)
                continue
            }
            out.append(ApplicationProtocol(type: canonical, port: portValue))
        }
        return out
    }

    /// `TCP`, `UDP`, `ICMP`, `Any` as Azure Firewall writes them.
    static func firewallProtocols(_ c: Cursor, _ sink: DiagnosticSink) -> [String] {
        var out: [String] = []
        for p in c.isSequence ? c.items : [c] {
            guard let s = p.text(sink) else { continue }
            guard let v = ["TCP", "UDP", "ICMP", "Any"].first(where: { $0.lowercased() == s.lowercased() }) else {
                sink.error("unknown value \"\(s)\"; expected one of TCP, UDP, ICMP, Any", at: p)
                continue
            }
            out.append(v)
        }
        return out
    }

    /// Firewall source/destination address text: IP, CIDR, range or `*` (tags checked by the caller).
    static func checkFirewallAddress(_ c: Cursor, allowTags: Bool, _ sink: DiagnosticSink) -> String? {
        guard let s = c.text(sink) else { return nil }
        if s == "*" || IPRange(s) != nil { return s }
        if allowTags && looksLikeTag(s) { return s }
        let what = allowTags ? "an IP, a CIDR, a range a-b, * or a service tag" : "an IP, a CIDR, a range a-b or *"
        sink.error("expected \(what), found \"\(s)\"", at: c)
        return nil
    }

    static func firewallAddresses(_ c: Cursor?, allowTags: Bool, _ sink: DiagnosticSink) -> [String] {
        guard let c else { return [] }
        return (c.isSequence ? c.items : [c]).compactMap { checkFirewallAddress($0, allowTags: allowTags, sink) }
    }
}
