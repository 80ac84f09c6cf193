import Foundation
import Yams

/// Loads a cluster from native YAML files, Kubernetes exports and Azure exports (files or
/// directories, recognised by content), merges them, derives what the cluster would derive
/// (EndpointSlices, node subnets) and validates the result.
public enum ClusterLoader {
    /// Loads and merges `paths`; no paths → the embedded default cluster. Throws every
    /// error-severity diagnostic; warnings and notes end up in `cluster.notes`.
    public static func load(paths: [String]) throws(ModelErrors) -> Cluster {
        if paths.isEmpty { return try embeddedDefault.get() }
        var b = ClusterBuilder()
        var reader = SourceReader()
        for p in paths { reader.loadPath(p, into: &b, origin: nil) }
        return try finish(&b)
    }

    /// Loads one in-memory document set (native or export), as if read from `file`.
    public static func load(yaml: String, file: String) throws(ModelErrors) -> Cluster {
        var b = ClusterBuilder()
        var reader = SourceReader()
        reader.loadText(yaml, file: file, directory: FileManager.default.currentDirectoryPath, into: &b)
        return try finish(&b)
    }

    /// The embedded default cluster (Config/cluster.yaml compiled in). It is tested to load
    /// without errors; should it ever fail, the failure is kept in `notes`.
    public static func loadDefault() -> Cluster {
        switch embeddedDefault {
        case .success(let c): return c
        case .failure(let error):
            var c = Cluster()
            c.notes = error.diagnostics
            return c
        }
    }

    /// Parsed once per process: every command and test that wants the default shares it.
    private static let embeddedDefault: Result<Cluster, ModelErrors> = Result { () throws(ModelErrors) -> Cluster in
        try load(yaml: defaultClusterYAML, file: SourceLocation.embedded.file)
    }

    /// The embedded default cluster's source text (generated from Config/cluster.yaml).
    public static let defaultClusterYAML: String = EmbeddedDefaultCluster.yaml

    /// Source order (file, line, column); diagnostics without a location keep their order, last.
    static func sortedBySource(_ d: [Diagnostic]) -> [Diagnostic] {
        d.enumerated().sorted { a, b in
            switch (a.element.location, b.element.location) {
            case let (l?, r?):
                if l.file != r.file { return l.file < r.file }
                if l.line != r.line { return l.line < r.line }
                if l.column != r.column { return l.column < r.column }
                return a.offset < b.offset
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.offset < b.offset
            }
        }.map(\.element)
    }

    private static func finish(_ b: inout ClusterBuilder) throws(ModelErrors) -> Cluster {
        ClusterResolver.resolve(&b)
        var diags = b.sink.items
        if !b.sink.hasErrors {
            diags += validate(b.cluster)
        }
        diags = sortedBySource(diags)
        let errors = diags.filter { $0.severity == .error }
        if !errors.isEmpty { throw ModelErrors(errors) }
        b.cluster.notes += diags
        return b.cluster
    }
}

/// Walks files and directories, parses YAML/JSON documents and hands each to the loader
/// that recognises its content.
struct SourceReader {
    private var visited: Set<String> = []

    static let extensions: Set<String> = ["yaml", "yml", "json"]

    mutating func loadPath(_ path: String, into b: inout ClusterBuilder, origin: Cursor?) {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            if let origin {
                b.sink.add(Diagnostic(.error, "include \(path): no such file or directory", location: origin.location))
            } else {
                b.sink.add(Diagnostic(.error, "no such file or directory", location: SourceLocation(file: path)))
            }
            return
        }
        if isDir.boolValue {
            guard let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else { return }
            var files: [URL] = []
            for case let f as URL in walker where Self.extensions.contains(f.pathExtension.lowercased()) {
                files.append(f)
            }
            for f in files.sorted(by: { $0.path < $1.path }) { loadFile(f, into: &b) }
        } else {
            loadFile(url, into: &b)
        }
    }

    private mutating func loadFile(_ url: URL, into b: inout ClusterBuilder) {
        let key = url.resolvingSymlinksInPath().path
        guard visited.insert(key).inserted else { return }  // include cycles and repeats load once
        let display = url.path.hasPrefix(FileManager.default.currentDirectoryPath + "/")
            ? String(url.path.dropFirst(FileManager.default.currentDirectoryPath.count + 1)) : url.path
        guard let data = FileManager.default.contents(atPath: url.path) else {
            b.sink.add(Diagnostic(.error, "cannot read file", location: SourceLocation(file: display)))
            return
        }
        // Windows PowerShell 5.1 writes `az … -o json > file` as UTF-16 with a byte-order mark.
        let utf16BOM = data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF])
        guard let text = utf16BOM ? String(data: data, encoding: .utf16) : String(data: data, encoding: .utf8) else {
            b.sink.add(Diagnostic(.error, "expected UTF-8 text (YAML or JSON)", location: SourceLocation(file: display)))
            return
        }
        loadText(text, file: display, directory: url.deletingLastPathComponent().path, into: &b)
    }

    mutating func loadText(_ text: String, file: String, directory: String, into b: inout ClusterBuilder) {
        // Documents are parsed one at a time so a syntax error is reported, not swallowed
        // (YamlSequence keeps errors to itself). The basic resolver skips Yams' regex tag
        // resolution of every scalar: readers interpret scalar text themselves.
        var docs: [YAMLNode] = []
        do {
            let parser = try Parser(yaml: text, resolver: .basic)
            while let doc = try parser.nextRoot() { docs.append(doc) }
        } catch {
            if let json = JSONFallback.parse(text) {
                docs = [json]
            } else {
                b.sink.add(Diagnostic(.error, "not valid YAML/JSON: \(Self.describe(error))", location: Self.location(of: error, file: file)))
                return
            }
        }
        for doc in docs {
            let root = Cursor(node: doc, file: file, strict: false)
            if root.isNull { continue }
            if NativeLoader.recognises(root) {
                let strictRoot = Cursor(node: doc, file: file, strict: true)
                let includes = NativeLoader.load(strictRoot, into: &b)
                for inc in includes {
                    guard let rel = inc.text(b.sink) else { continue }
                    let path = rel.hasPrefix("/") ? rel : directory + "/" + rel
                    loadPath(path, into: &b, origin: inc)
                }
            } else if KubernetesExportLoader.recognises(root) {
                KubernetesExportLoader.load(root, into: &b)
            } else if root.isSequence, !root.items.isEmpty, root.items.allSatisfy(KubernetesExportLoader.recognises) {
                // `kubectl get … -o json | jq .items`: a bare array of objects.
                for item in root.items { KubernetesExportLoader.load(item, into: &b) }
            } else if AzureExportLoader.recognises(root) {
                AzureExportLoader.load(root, into: &b)
            } else {
                b.sink.add(Diagnostic(.error, "unrecognised document: expected the native format (keys such as settings, nodes, pods), a Kubernetes object (apiVersion/kind) or an az/ARM JSON export", location: root.location))
            }
        }
    }

    static func describe(_ error: Error) -> String {
        if let y = error as? YamlError {
            switch y {
            case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _):
                return [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            case .duplicatedKeysInMapping(let dups, _):
                return "duplicate key \(dups.joined(separator: ", ")) in one mapping"
            default: return "\(y)"
            }
        }
        return "\(error)"
    }

    static func location(of error: Error, file: String) -> SourceLocation {
        if let y = error as? YamlError {
            switch y {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _):
                return SourceLocation(file: file, line: mark.line, column: mark.column)
            case .duplicatedKeysInMapping(_, let context):
                return SourceLocation(file: file, line: context.mark.line, column: context.mark.column)
            default: break
            }
        }
        return SourceLocation(file: file)
    }
}
