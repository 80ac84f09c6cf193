/// Pods indexed by namespace and by (namespace, label key, value), so selector lookups over
/// large clusters (10k pods, 1k Services) stay linear in the matches, not in all pods.
struct PodIndex {
    private var byNamespace: [String: [Int]] = [:]
    private var byLabel: [String: [Int]] = [:]

    init(_ pods: [Pod]) {
        for (i, p) in pods.enumerated() {
            byNamespace[p.namespace, default: []].append(i)
            for (k, v) in p.labels { byLabel[Self.key(p.namespace, k, v), default: []].append(i) }
        }
    }

    private static func key(_ ns: String, _ k: String, _ v: String) -> String { "\(ns)\u{0}\(k)\u{0}\(v)" }

    /// Indices of pods in `namespace` that may match `selector` (a superset; callers still
    /// call `matches`). Uses the rarest matchLabels pair when there is one.
    func candidates(namespace: String, _ selector: LabelSelector) -> [Int] {
        var best: [Int]? = nil
        for (k, v) in selector.matchLabels {
            let list = byLabel[Self.key(namespace, k, v)] ?? []
            if best == nil || list.count < best!.count { best = list }
        }
        return best ?? byNamespace[namespace] ?? []
    }

    func pods(in namespace: String) -> [Int] { byNamespace[namespace] ?? [] }
}
