import ClusterModel
import Dataplane
import Testing

// The compiled router (hash tables, byte pool, sorted path lists) against a plain string
// implementation of the same rules — Ingress v1 matching (element-wise Prefix by splitting on
// `/`, Exact by equality, ImplementationSpecific as a byte-wise NGINX prefix, longest path then
// Exact, Prefix, ImplementationSpecific) inside ingress-nginx server blocks (exact host,
// then one-label wildcard, then host-less; per-host default backend from the Ingress that first
// named the host; catch-all from the first Ingress without rules) — on random Ingress sets.

@Suite struct IngressRouterReferenceTests {
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        mutating func pick<T>(_ a: [T]) -> T { a[Int(next() % UInt64(a.count))] }
        mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }
    }

    static let ruleHosts: [String?] = ["a.x.com", "B.x.com", "*.x.com", "c.y.org", "*.y.org", nil, "deep.q.x.com"]
    static let rulePaths = ["/", "/a", "/a/", "/a/b", "/ab", "/a/b/c", "/b"]
    static let requestHosts = ["a.x.com", "B.X.COM", "q.x.com", "z.q.x.com", "x.com", "c.y.org", "d.y.org", "none.net", "", "deep.q.x.com:443"]
    static let requestPaths = ["/", "/a", "/a/", "/a/b", "/a/bc", "/ab", "/a/b/c/d", "/b/", "/c", ""]
    static let services = ["s0", "s1", "s2", "s3", "missing"]

    static func randomCluster(_ rng: inout Rng) -> Cluster {
        var c = IngressFixture.cluster()
        c.services += ["s0", "s1", "s2", "s3"].enumerated().map { IngressFixture.service("web", $1, "10.0.9.\($0 + 1)") }
        IngressFixture.withEndpoints(&c)
        c.ingresses = (0..<Int(8 + rng.next() % 20)).map { i in
            let rules = (0..<Int(rng.next() % 4)).map { _ in
                IngressRule(host: rng.pick(ruleHosts), paths: (0..<Int(1 + rng.next() % 3)).map { _ in
                    IngressFixture.path(rng.pick(rulePaths), rng.pick([PathType.Exact, .Prefix, .ImplementationSpecific]), rng.pick(services))
                })
            }
            let fallback = rng.chance(40) ? IngressBackend(serviceName: rng.pick(services), port: .number(80)) : nil
            return IngressFixture.ingress("i\(i)", cls: rng.pick(["nginx", "nginx", "other", nil]), rules: rules, defaultBackend: fallback)
        }
        return c
    }

    /// (rule name without an `@PathType` suffix, backend service or "", outcome).
    typealias Expected = (rule: String, service: String, outcome: IngressDecision.Outcome)

    static func reference(_ c: Cluster, classes: [String], host rawHost: String, path rawPath: String) -> Expected {
        let ingresses = c.ingresses.filter { classes.contains($0.ingressClassName ?? "nginx") }
        let exists = { (s: String) in s != "missing" }
        var host = rawHost.lowercased()
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        let path = rawPath.isEmpty ? "/" : rawPath

        var catchAll: IngressBackend?
        for ing in ingresses where ing.rules.isEmpty && ing.defaultBackend != nil { catchAll = ing.defaultBackend; break }
        func serverKey(_ h: String?) -> String { (h ?? "").lowercased() }
        let keys = Set(ingresses.flatMap { $0.rules.map { serverKey($0.host) } })
        var key: String?
        if keys.contains(host), !host.isEmpty {
            key = host
        } else if let dot = host.firstIndex(of: "."), dot != host.startIndex, keys.contains("*." + host[host.index(after: dot)...]) {
            key = "*." + host[host.index(after: dot)...]
        } else if keys.contains("") {
            key = ""
        }
        guard let key else {
            return catchAll.map { ("ingress:default-backend", exists($0.serviceName) ? $0.serviceName : "", exists($0.serviceName) ? .defaultBackend : .backendUnavailable) }
                ?? ("ingress:no-match", "", .noMatch)
        }
        func elements(_ s: String) -> [Substring] { s.split(separator: "/") }
        // Rank at equal length: Exact 2, Prefix 1, ImplementationSpecific 0 (an NGINX byte prefix).
        var best: (len: Int, rank: Int, name: String, service: String)?
        for ing in ingresses {
            for rule in ing.rules where serverKey(rule.host) == key {
                for p in rule.paths {
                    let rank = p.pathType == .Exact ? 2 : (p.pathType == .Prefix ? 1 : 0)
                    let matches = rank == 2 ? p.path == path
                        : rank == 0 ? path.hasPrefix(p.path)
                        : elements(path).starts(with: elements(p.path))
                    guard matches else { continue }
                    var normalized = p.path
                    while rank == 1 && normalized.hasSuffix("/") { normalized.removeLast() }
                    let cand = (normalized.count, rank, "ingress:\(ing.name)/\(key.isEmpty ? "*" : key)\(p.path)", p.backend.serviceName)
                    if let b = best, (b.len > cand.0 || (b.len == cand.0 && b.rank >= rank)) { continue }
                    best = cand
                }
            }
        }
        if let b = best { return (b.name, exists(b.service) ? b.service : "", exists(b.service) ? .rule : .backendUnavailable) }
        let fallback = key.isEmpty ? catchAll : ingresses.first { $0.rules.contains { serverKey($0.host) == key } }?.defaultBackend
        return fallback.map { ("ingress:default-backend", exists($0.serviceName) ? $0.serviceName : "", exists($0.serviceName) ? .defaultBackend : .backendUnavailable) }
            ?? ("ingress:no-match", "", .noMatch)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func matchesTheReference(_ seed: UInt64) {
        var rng = Rng(state: seed &* 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<25 {
            let c = Self.randomCluster(&rng)
            let router = IngressRouter.compile(c)
            for (controller, classes) in [(IngressFixture.nginx, ["nginx"]), (IngressFixture.other, ["other"])] {
                for host in Self.requestHosts {
                    for path in Self.requestPaths {
                        let want = Self.reference(c, classes: classes, host: host, path: path)
                        let d = router.route(controller: controller, host: host, path: path)
                        var name = router.ruleName(d.rule)
                        if let at = name.lastIndex(of: "@") { name = String(name[..<at]) }
                        let service = d.outcome == .rule || d.outcome == .defaultBackend ? router.backends[Int(d.backend)].service : ""
                        #expect(name == want.rule && service == want.service && d.outcome == want.outcome,
                                "seed \(seed) \(controller) \(host)\(path): got \(name) \(service) \(d.outcome), want \(want)")
                        if name != want.rule || d.outcome != want.outcome { return }
                    }
                }
            }
        }
    }

    /// Thousands of hosts: every one found through the hash table, wildcards beside them, and
    /// near-misses (one letter off, an extra label) not found.
    @Test func manyHosts() {
        var c = IngressFixture.cluster()
        c.ingresses = [IngressFixture.ingress("many", rules: (0..<3000).map { i in
            IngressRule(host: i % 10 == 9 ? "*.w\(i).example.com" : "h\(i).example.com",
                        paths: [IngressFixture.path("/p\(i % 7)", .Prefix, "exact")])
        })]
        let r = IngressRouter.compile(c)
        for i in 0..<3000 {
            let host = i % 10 == 9 ? "x.w\(i).example.com" : "H\(i).example.com"
            let d = r.route(controller: IngressFixture.nginx, host: host, path: "/p\(i % 7)/q")
            let pattern = i % 10 == 9 ? "*.w\(i).example.com" : "h\(i).example.com"
            #expect(r.ruleName(d.rule) == "ingress:many/\(pattern)/p\(i % 7)", "\(host)")
            #expect(d.host == (i % 10 == 9 ? .wildcard : .exact))
            let miss = r.route(controller: IngressFixture.nginx, host: i % 10 == 9 ? "a.b.w\(i).example.com" : "h\(i)x.example.com", path: "/p\(i % 7)")
            #expect(miss.outcome == .noMatch && miss.host == .none)
        }
    }
}
