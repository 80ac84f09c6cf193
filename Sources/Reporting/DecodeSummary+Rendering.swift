import PacketWire

/// `replay` output for the decode summary: JSON (schema in README, "replay --json") and text.
///
/// Hook for the pipeline: `jsonFields()` returns the decode keys in their documented order
/// (`packets`, `bytes`, `files`, `timeSpan`, `linkTypes`, `decode`, `malformed`, `fragments`,
/// `names`, then `encapsulation`, `snapTruncated`, `capturedBytes`); the replay command appends
/// the pipeline's `verdicts`, `stages`, `rules`, `nodes`, `namespaces` after them with
/// `json(appending:)`, and its text lines after `textLines()`.
extension DecodeSummary {
    public func json(appending extra: [(String, JSON)] = []) -> JSON {
        .object(jsonFields() + extra)
    }

    public func jsonFields() -> [(String, JSON)] {
        let p = protocols
        return [
            ("packets", .uint(packets)),
            ("bytes", .uint(bytes)),
            ("files", .array(files.map { file in
                .object([
                    ("path", .string(file.path)),
                    ("linkType", .string(file.linkType.description)),
                    ("packets", .uint(file.packets)),
                    ("truncated", .bool(file.truncated)),
                ])
            })),
            ("timeSpan", .object([
                ("first", firstNanos.map { .string(Timestamp.rfc3339($0)) } ?? .null),
                ("last", lastNanos.map { .string(Timestamp.rfc3339($0)) } ?? .null),
                ("seconds", .double(seconds)),
            ])),
            ("linkTypes", .object(linkTypeTotals().map { ($0.0, .uint($0.1)) })),
            ("decode", .object([
                ("ipv4", .uint(p.ipv4)), ("ipv6", .uint(p.ipv6)), ("tcp", .uint(p.tcp)), ("udp", .uint(p.udp)),
                ("sctp", .uint(p.sctp)), ("icmp", .uint(p.icmp)), ("icmpv6", .uint(p.icmpv6)), ("arp", .uint(p.arp)),
                ("other", .uint(p.other)),
            ])),
            ("malformed", .object(malformedNonZero().map { ($0.0.description, .uint($0.1)) })),
            ("fragments", .object([
                ("total", .uint(fragments.total)), ("first", .uint(fragments.first)),
                ("attributed", .uint(fragments.attributed)), ("orphan", .uint(fragments.orphan)),
            ])),
            ("names", .object([
                ("sni", .array(sni.names.map { .string($0) })),
                ("httpHost", .array(httpHost.names.map { .string($0) })),
            ])),
            ("encapsulation", .object([
                ("vlan", .uint(vlanTagged)), ("qinq", .uint(qinq)), ("vxlan", .uint(vxlan)),
            ])),
            ("snapTruncated", .uint(snapTruncated)),
            ("capturedBytes", .uint(capturedBytes)),
        ]
    }

    /// Human-readable summary, one fact per line, labels aligned.
    public func textLines() -> [String] {
        let p = protocols
        var lines: [(String, String)] = []
        let fileWord = files.count == 1 ? "file" : "files"
        lines.append(("packets", "\(packets) (\(bytes) bytes on the wire) from \(files.count) \(fileWord)"))
        if let firstNanos, let lastNanos {
            lines.append(("time span", "\(Timestamp.rfc3339(firstNanos)) .. \(Timestamp.rfc3339(lastNanos)) (\(Timestamp.seconds(seconds)) s)"))
        } else {
            lines.append(("time span", "-"))
        }
        let links = linkTypeTotals()
        lines.append(("link types", links.isEmpty ? "-" : links.map { "\($0.0) \($0.1)" }.joined(separator: ", ")))
        lines.append(("network", "ipv4 \(p.ipv4), ipv6 \(p.ipv6), arp \(p.arp), other \(p.other)"))
        lines.append(("transport", "tcp \(p.tcp), udp \(p.udp), sctp \(p.sctp), icmp \(p.icmp), icmpv6 \(p.icmpv6)"))
        let bad = malformedNonZero()
        lines.append(("malformed", bad.isEmpty ? "0" : "\(malformedTotal): " + bad.map { "\($0.0) \($0.1)" }.joined(separator: ", ")))
        if snapTruncated > 0 {
            lines.append(("cut by snaplen", "\(snapTruncated) (\(capturedBytes) of \(bytes) bytes captured)"))
        }
        lines.append(("fragments", "\(fragments.total) (first \(fragments.first), attributed \(fragments.attributed), orphan \(fragments.orphan))"))
        lines.append(("encapsulation", "vlan \(vlanTagged) (qinq \(qinq)), vxlan \(vxlan)"))
        lines.append(("TLS SNI", Self.nameList(sni)))
        lines.append(("HTTP Host", Self.nameList(httpHost)))
        for file in files where file.truncated {
            lines.append(("truncated", "\(file.path) after \(file.packets) whole records"))
        }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0 + String(repeating: " ", count: width + 2 - $0.0.count) + $0.1 }
    }

    public var text: String { textLines().joined(separator: "\n") }

    /// Link types merged by name (DLT_RAW's numberings 12, 14, 101 all print as RAW).
    public func linkTypeTotals() -> [(String, UInt64)] {
        var totals: [(String, UInt64)] = []
        for (linkType, count) in linkTypes {
            let name = linkType.description
            if let i = totals.firstIndex(where: { $0.0 == name }) { totals[i].1 += count } else { totals.append((name, count)) }
        }
        return totals
    }

    public func malformedNonZero() -> [(MalformedReason, UInt64)] {
        MalformedReason.allCases.compactMap { reason in
            let n = malformed(reason)
            return n > 0 ? (reason, n) : nil
        }
    }

    private static func nameList(_ set: NameSet) -> String {
        if set.count == 0 { return "-" }
        return set.names.joined(separator: ", ") + (set.overflowed ? " (first \(NameSet.limit) shown)" : "")
    }
}
