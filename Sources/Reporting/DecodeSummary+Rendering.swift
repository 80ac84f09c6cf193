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

/// Packet timestamps as text, computed from the integer nanoseconds (no locale, no time zone
/// database, so output is identical on every machine).
enum Timestamp {
    /// `2026-11-25T09:00:00.123456789Z`
    static func rfc3339(_ nanos: Int64) -> String {
        var seconds = nanos / 1_000_000_000
        var fraction = nanos % 1_000_000_000
        if fraction < 0 { fraction += 1_000_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):"
            + "\(pad(secondOfDay % 60, 2)).\(pad(fraction, 9))Z"
    }

    /// Seconds with millisecond resolution for text output.
    static func seconds(_ s: Double) -> String {
        let ms = Int64((s * 1000).rounded())
        return "\(ms / 1000).\(pad(ms % 1000, 3))"
    }

    /// Days since 1970-01-01 → proleptic Gregorian (y, m, d); Howard Hinnant's `civil_from_days`.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
