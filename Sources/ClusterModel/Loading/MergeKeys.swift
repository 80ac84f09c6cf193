import Yams

/// YAML merge keys (`<<: *defaults`, `<<: [*a, *b]`, yaml.org/type/merge.html), applied to the
/// parsed tree as go-yaml (kubectl, `sigs.k8s.io/yaml`) and Yams' own decoder apply them: the
/// merged mappings' keys are added where the mapping does not give them itself, and among
/// several merged mappings the first listed wins. Without this, a native file sharing fields
/// through an anchor would be refused for an unknown key `<<`.
enum MergeKeys {
    /// Only documents that contain `<<` are rebuilt; the rest are returned as they are.
    static func resolve(_ node: YAMLNode, in text: String) -> YAMLNode {
        text.contains("<<") ? resolve(node) : node
    }

    static func resolve(_ node: YAMLNode) -> YAMLNode {
        switch node {
        case .mapping(let m):
            var explicit: [(YAMLNode, YAMLNode)] = []
            var merged: [(YAMLNode, YAMLNode)] = []
            for (k, v) in m {
                // A quoted "<<" is an ordinary key; only the plain one merges.
                guard case .scalar(let key) = k, key.string == "<<", key.style == .plain || key.style == .any else {
                    explicit.append((k, resolve(v)))
                    continue
                }
                let sources: [YAMLNode]
                switch v {
                case .mapping: sources = [v]
                case .sequence(let s) where s.allSatisfy({ $0.mapping != nil }): sources = Array(s)
                default:
                    // Not a mapping to merge: kept, so the reader reports the key where it stands.
                    explicit.append((k, v))
                    continue
                }
                for source in sources {
                    guard case .mapping(let sm) = resolve(source) else { continue }
                    for (sk, sv) in sm where !merged.contains(where: { $0.0.scalar?.string == sk.scalar?.string }) {
                        merged.append((sk, sv))
                    }
                }
            }
            let given = Set(explicit.compactMap { $0.0.scalar?.string })
            let pairs = explicit + merged.filter { !given.contains($0.0.scalar?.string ?? "") }
            return .mapping(YAMLNode.Mapping(pairs, m.tag, m.style, m.mark))
        case .sequence(let s):
            return .sequence(YAMLNode.Sequence(s.map(resolve), s.tag, s.style, s.mark))
        default:
            return node
        }
    }
}
