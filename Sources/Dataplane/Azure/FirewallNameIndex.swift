import NetworkAddress
import PacketWire

/// A firewall's application rules indexed by the names they match, so a TLS SNI or HTTP Host
/// finds its candidate rules with one table lookup per label boundary instead of a pattern
/// comparison per rule: Azure Firewall application rules mostly share ports 80/443, so the port
/// buckets that serve network rules leave every application rule a candidate.
///
/// Keys are hashes of lower-cased name bytes taken from the right: an exact target FQDN
/// (`api.github.com`) is keyed by the whole name, a wildcard (`*.github.com`) by its suffix
/// `.github.com`. A name is looked up whole and at each of its dots, which covers every pattern
/// that can match it. Candidates are checked with the real pattern match (a hash collision only
/// costs a comparison), and the first rule in priority order that matches wins, as in the
/// walk-through-the-list definition (azure-networking.md §2.2). Patterns a key cannot express —
/// `*` and a suffix that does not start at a dot (`*contoso.com`) — put their rule on a short list
/// checked for every name.
struct FirewallNameIndex: Sendable {
    struct NameKey: LookupKey, Hashable {
        var hash: UInt64
        var mix: UInt64 {
            var h = hash ^ (hash >> 33)
            h &*= 0xFF51_AFD7_ED55_8CCD
            return h ^ (h >> 33)
        }
    }

    /// Name hash → index into `lists`.
    var table = LookupTable<NameKey>(capacity: 16)
    /// Per key: `postings[start ..< start + count]`, rule indices (into `firewallRules`) ascending.
    var lists: ContiguousArray<(start: Int32, count: Int32)> = []
    var postings: ContiguousArray<Int32> = []
    /// Rules with a pattern no key expresses, ascending.
    var scan: ContiguousArray<Int32> = []

    static let seed: UInt64 = 0xCBF2_9CE4_8422_2325

    /// One byte of the right-to-left, case-folded FNV-1a hash.
    @inline(__always)
    static func step(_ h: UInt64, _ byte: UInt8) -> UInt64 {
        let c = byte >= 65 && byte <= 90 ? byte | 0x20 : byte
        return (h ^ UInt64(c)) &* 0x0000_0100_0000_01B3
    }

    static func key(_ bytes: [UInt8]) -> UInt64 {
        var h = seed
        for c in bytes.reversed() { h = step(h, c) }
        return h
    }

    /// Indexes the application rules `rules` (ascending, priority order) of one firewall.
    init(rules: Range<Int>, firewallRules: ContiguousArray<CompiledFirewallRule>, patterns: ContiguousArray<FQDNPattern>) {
        var byKey: [UInt64: [Int32]] = [:]
        var order: [UInt64] = []
        for i in rules {
            let r = firewallRules[i]
            var keyed: [UInt64] = []
            var unkeyed = false
            for p in patterns[Int(r.patternStart)..<Int(r.patternStart + r.patternCount)] {
                switch p.kind {
                case .exact: keyed.append(FirewallNameIndex.key(p.bytes))
                case .suffix where p.bytes.first == UInt8(ascii: "."): keyed.append(FirewallNameIndex.key(p.bytes))
                default: unkeyed = true
                }
            }
            if unkeyed { scan.append(Int32(i)); continue }
            for k in Set(keyed) {
                if byKey[k] == nil { order.append(k) }
                byKey[k, default: []].append(Int32(i))
            }
        }
        table = LookupTable(capacity: max(16, order.count))
        for k in order {
            let list = byKey[k] ?? []
            table.insert(NameKey(hash: k), Int32(lists.count))
            lists.append((start: Int32(postings.count), count: Int32(list.count)))
            postings.append(contentsOf: list)
        }
    }

    init() {}

    /// Calls `body` with every posting list a host name (`n` bytes, without port or trailing dot)
    /// can match: the name whole and from each dot, then the unkeyed rules.
    @inline(__always)
    func forEachCandidateList(_ name: UnsafeRawBufferPointer, length n: Int, _ body: (UnsafeBufferPointer<Int32>) -> Void) {
        postings.withUnsafeBufferPointer { all in
            var h = FirewallNameIndex.seed
            var i = n - 1
            while i >= 0 {
                h = FirewallNameIndex.step(h, name[i])
                if name[i] == UInt8(ascii: ".") || i == 0 {
                    let l = table.find(NameKey(hash: h))
                    if l >= 0 {
                        let range = lists[Int(l)]
                        body(UnsafeBufferPointer(rebasing: all[Int(range.start)..<Int(range.start + range.count)]))
                    }
                }
                i -= 1
            }
        }
        scan.withUnsafeBufferPointer { body($0) }
    }
}

extension AzureNetwork {
    /// The first application rule of firewall `index` (priority order) that matches a TCP flow's
    /// request by port, source and name; -1 when none. `isHTTP`: `name` is an HTTP Host (else a TLS SNI).
    @inline(__always)
    func firstApplicationRule(_ index: Int, name: UnsafeRawBufferPointer, isHTTP: Bool, _ f: FlowKey) -> Int32 {
        let n = FQDNPattern.hostLength(name)
        guard n > 0 else { return -1 }
        var best = Int32.max
        firewalls[index].appNames.forEachCandidateList(name, length: n) { list in
            for i in list {
                if i >= best { break }   // ascending: nothing later in this list can win
                let r = firewallRules[Int(i)]
                guard let ps = isHTTP ? r.httpPorts : r.httpsPorts, ports.contains(ps, f.dstPort) else { continue }
                guard intervals.contains(r.source, f.src) else { continue }
                guard anyPattern(Int(r.patternStart), Int(r.patternStart + r.patternCount), name) else { continue }
                best = i
                break
            }
        }
        return best == Int32.max ? -1 : best
    }
}
