import NetworkAddress

/// Typed readers over a cursor. Each reports a precise "expected …" error and returns nil
/// on bad input; callers keep their defaults, so one mistake does not cascade.
extension Cursor {
    func text(_ sink: DiagnosticSink) -> String? {
        guard let s = scalar else {
            sink.error("expected a string, found \(kindName)", at: self)
            return nil
        }
        return s
    }

    func int(_ sink: DiagnosticSink, range: ClosedRange<Int>? = nil) -> Int? {
        guard let s = scalar, let v = Int(s.trimmingCharacters(in: " ")) else {
            sink.error("expected an integer, found \(kindName)", at: self)
            return nil
        }
        if let range, !range.contains(v) {
            sink.error("expected an integer in \(range.lowerBound)–\(range.upperBound), found \(v)", at: self)
            return nil
        }
        return v
    }

    func bool(_ sink: DiagnosticSink) -> Bool? {
        switch scalar?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            sink.error("expected true or false, found \(kindName)", at: self)
            return nil
        }
    }

    func ip(_ sink: DiagnosticSink) -> IPAddress? {
        guard let s = scalar else {
            sink.error("expected an IP address, found \(kindName)", at: self)
            return nil
        }
        guard let a = IPAddress(s) else {
            sink.error("expected an IP address, found \"\(s)\"", at: self)
            return nil
        }
        return a
    }

    /// A CIDR; a bare address reads as a host prefix (Azure accepts both in prefix fields).
    func prefix(_ sink: DiagnosticSink) -> IPPrefix? {
        guard let s = scalar else {
            sink.error("expected a CIDR such as 10.0.0.0/16, found \(kindName)", at: self)
            return nil
        }
        guard let p = IPPrefix(s) else {
            sink.error("expected a CIDR such as 10.0.0.0/16, found \"\(s)\"", at: self)
            return nil
        }
        return p
    }

    /// An enum value, matched case-insensitively (exports are not consistent about case).
    func enumValue<E: RawRepresentable & CaseIterable>(_ type: E.Type, _ sink: DiagnosticSink) -> E? where E.RawValue == String {
        guard let s = scalar else {
            sink.error("expected one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), found \(kindName)", at: self)
            return nil
        }
        if let e = E(rawValue: s) { return e }
        if let e = E.allCases.first(where: { $0.rawValue.lowercased() == s.lowercased() }) { return e }
        sink.error("unknown value \"\(s)\"; expected one of \(E.allCases.map(\.rawValue).joined(separator: ", "))", at: self)
        return nil
    }

    /// A protocol name as Kubernetes writes it (TCP, UDP, SCTP).
    func k8sProtocol(_ sink: DiagnosticSink) -> IPProtocol? {
        switch scalar?.uppercased() {
        case "TCP": return .tcp
        case "UDP": return .udp
        case "SCTP": return .sctp
        default:
            sink.error("unknown value \"\(scalar ?? kindName)\"; expected one of TCP, UDP, SCTP", at: self)
            return nil
        }
    }

    /// Strings from a sequence, or a single scalar read as a one-element list.
    func strings(_ sink: DiagnosticSink) -> [String] {
        if isSequence { return items.compactMap { $0.text(sink) } }
        if let s = scalar { return [s] }
        sink.error("expected a list of strings, found \(kindName)", at: self)
        return []
    }

    func ips(_ sink: DiagnosticSink) -> [IPAddress] {
        if isSequence { return items.compactMap { $0.ip(sink) } }
        return ip(sink).map { [$0] } ?? []
    }

    func prefixes(_ sink: DiagnosticSink) -> [IPPrefix] {
        if isSequence { return items.compactMap { $0.prefix(sink) } }
        return prefix(sink).map { [$0] } ?? []
    }

    /// A string → string map (labels, annotations, matchLabels).
    func stringMap(_ sink: DiagnosticSink) -> [String: String] {
        guard isMapping else {
            sink.error("expected a mapping of strings, found \(kindName)", at: self)
            return [:]
        }
        var out: [String: String] = [:]
        for e in entries {
            if let v = e.value.scalar { out[e.key] = v } else {
                sink.error("expected a string value, found \(e.value.kindName)", at: e.value)
            }
        }
        return out
    }

    /// Azure port syntax: `*`, `80`, `1000-2000`; ints allowed.
    func portRange(_ sink: DiagnosticSink) -> PortRange? {
        guard let s = scalar else {
            sink.error("expected a port or range such as 80, 1000-2000 or *, found \(kindName)", at: self)
            return nil
        }
        if let r = PortRange(azure: s) { return r }
        let parts = s.split(separator: "-")
        if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a > b, a <= 65535 {
            sink.error("port range \(s) is out of order: expected low-high", at: self)
        } else {
            sink.error("expected a port 0–65535, a range low-high or *, found \"\(s)\"", at: self)
        }
        return nil
    }

    func portRanges(_ sink: DiagnosticSink) -> [PortRange] {
        if isSequence { return items.compactMap { $0.portRange(sink) } }
        return portRange(sink).map { [$0] } ?? []
    }

    /// Kubernetes IntOrString: a number is a port (1–65535), anything else a port name.
    func portRef(_ sink: DiagnosticSink) -> PortRef? {
        guard let s = scalar else {
            sink.error("expected a port number or name, found \(kindName)", at: self)
            return nil
        }
        if let n = Int(s) {
            guard (1...65535).contains(n) else {
                sink.error("expected a port number in 1–65535 or a port name, found \(n)", at: self)
                return nil
            }
            return .number(n)
        }
        guard !s.isEmpty, s.count <= 15 else {
            sink.error("expected a port number or an IANA_SVC_NAME (1–15 characters), found \"\(s)\"", at: self)
            return nil
        }
        return .name(s)
    }
}

extension String {
    /// The string without leading and trailing `set` characters (also used by the Dataplane's
    /// firewall compiler, hence `package`).
    package func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

/// Identity of a resource from an Azure resource ID: its last path segment.
func resourceName(fromID id: String) -> String {
    id.split(separator: "/").last.map(String.init) ?? id
}

/// Elements of an optional list field: absent or null reads as empty; any other non-list is
/// reported ("expected a list") rather than silently read as empty — a field akssim uses
/// with the wrong type is an error even in the lenient export readers.
func listed(_ c: Cursor?, _ sink: DiagnosticSink) -> [Cursor] {
    guard let c else { return [] }
    return c.list(sink)
}
