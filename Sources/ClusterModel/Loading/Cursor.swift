import Yams

/// Yams' tree node (our `Node` is the Kubernetes Node).
typealias YAMLNode = Yams.Node

/// Collects diagnostics while a loader walks its input. Loaders never stop at the first
/// mistake: the user gets every error of a file in one run.
final class DiagnosticSink {
    var items: [Diagnostic] = []

    func error(_ message: String, at c: Cursor) {
        items.append(Diagnostic(.error, message, object: c.object, fieldPath: c.path, location: c.location))
    }

    func warning(_ message: String, at c: Cursor) {
        items.append(Diagnostic(.warning, message, object: c.object, fieldPath: c.path, location: c.location))
    }

    func add(_ d: Diagnostic) { items.append(d) }

    var hasErrors: Bool { items.contains { $0.severity == .error } }
}

/// A position in a parsed YAML/JSON document: the node, the file it came from, the field path
/// inside the current object and that object's identity. Every diagnostic is built from one,
/// so each message names `file:line:col`, the object and the field.
struct Cursor {
    let node: YAMLNode
    let file: String
    let path: String
    let object: String
    /// Native files reject unknown keys (a typo must not silently change semantics); exports
    /// carry server-side fields we do not model, so they are read leniently.
    let strict: Bool

    init(node: YAMLNode, file: String, path: String = "", object: String = "", strict: Bool) {
        self.node = node
        self.file = file
        self.path = path
        self.object = object
        self.strict = strict
    }

    var location: SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
    }

    /// The same node seen as the root of a named object (field paths restart there).
    func object(_ identity: String, path: String = "") -> Cursor {
        Cursor(node: node, file: file, path: path, object: identity, strict: strict)
    }

    func with(path newPath: String) -> Cursor {
        Cursor(node: node, file: file, path: newPath, object: object, strict: strict)
    }

    private func joined(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// YAML null (`~`, `null`, empty) and JSON null read as "absent".
    var isNull: Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        switch s.string {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    var isMapping: Bool { if case .mapping = node { return true } else { return false } }
    var isSequence: Bool { if case .sequence = node { return true } else { return false } }

    /// The scalar text, or nil for mappings and sequences.
    var scalar: String? {
        if case .scalar(let s) = node { return s.string }
        return nil
    }

    /// Value of `key` in a mapping; nil when absent, null, or when this is not a mapping. In
    /// exports an empty string is absent too: az/ARM and Go serialisers print unset string fields
    /// as `""` (`"nextHopIpAddress": ""`, `"privateIPAddress": ""`).
    subscript(key: String) -> Cursor? {
        guard case .mapping(let m) = node else { return nil }
        // Index-based: iterating a Yams mapping with for-in copies all its pairs into a new array.
        var i = m.startIndex
        while i != m.endIndex {
            if case .scalar(let k) = m[i].key, k.string == key {
                let c = Cursor(node: m[i].value, file: file, path: joined(key), object: object, strict: strict)
                return c.isNull || (!strict && c.scalar == "") ? nil : c
            }
            i = m.index(after: i)
        }
        return nil
    }

    /// Key/value pairs of a mapping, in document order.
    var entries: [(key: String, keyCursor: Cursor, value: Cursor)] {
        guard case .mapping(let m) = node else { return [] }
        var out: [(String, Cursor, Cursor)] = []
        out.reserveCapacity(m.count)
        var i = m.startIndex
        while i != m.endIndex {
            let (k, v) = m[i]
            i = m.index(after: i)
            let name = k.scalar?.string ?? "?"
            out.append((name, Cursor(node: k, file: file, path: joined(name), object: object, strict: strict),
                        Cursor(node: v, file: file, path: joined(name), object: object, strict: strict)))
        }
        return out
    }

    /// Elements of a sequence (`path[i]`); empty when this is not a sequence.
    var items: [Cursor] {
        guard case .sequence(let s) = node else { return [] }
        var out: [Cursor] = []
        out.reserveCapacity(s.count)
        for (i, v) in s.enumerated() {
            out.append(Cursor(node: v, file: file, path: "\(path)[\(i)]", object: object, strict: strict))
        }
        return out
    }

    /// Elements of a sequence; anything else is reported ("expected a list") and reads as empty.
    func list(_ sink: DiagnosticSink) -> [Cursor] {
        if isSequence { return items }
        sink.error("expected a list, found \(kindName)", at: self)
        return []
    }

    /// In strict mode, reports every key not in `allowed`, naming the allowed keys.
    /// Returns false when this is not a mapping (and reports that).
    @discardableResult
    func expectMapping(_ allowed: [String], _ sink: DiagnosticSink) -> Bool {
        guard case .mapping(let m) = node else {
            sink.error("expected a mapping with keys \(allowed.joined(separator: ", ")), found \(kindName)", at: self)
            return false
        }
        guard strict else { return true }
        var i = m.startIndex
        while i != m.endIndex {
            let k = m[i].key
            let name = k.scalar?.string ?? "?"
            if !allowed.contains(name) {
                let kc = Cursor(node: k, file: file, path: joined(name), object: object, strict: strict)
                sink.error("unknown key \"\(name)\"; expected one of: \(allowed.joined(separator: ", "))", at: kc)
            }
            i = m.index(after: i)
        }
        return true
    }

    var kindName: String {
        switch node {
        case .scalar: return isNull ? "null" : "scalar \"\(scalar ?? "")\""
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .alias: return "an alias"
        }
    }
}
