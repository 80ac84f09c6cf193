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
        // `--cluster -`: standard input, as `kubectl get … -o yaml | akssim validate --cluster -`.
        if path == "-" && origin == nil {
            guard visited.insert("-").inserted else { return }
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard let text = Self.decodeText(data) else {
                b.sink.add(Diagnostic(.error, "expected UTF-8 text (YAML or JSON)", location: SourceLocation(file: "<stdin>")))
                return
            }
            loadText(text, file: "<stdin>", directory: FileManager.default.currentDirectoryPath, into: &b)
            return
        }
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
            var others: [URL] = []
            for case let f as URL in walker {
                if Self.extensions.contains(f.pathExtension.lowercased()) {
                    files.append(f)
                } else if !f.pathComponents.dropFirst(url.pathComponents.count).contains(where: { $0.hasPrefix(".") }),
                          (try? f.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                    // (Nothing under a hidden directory such as .git is probed.)
                    others.append(f)
                }
            }
            // Exports are recognised by content, not by file name (ARCHITECTURE.md): `kubectl get
            // … > pods.out` or `az … > nsgs` still load. A file of another extension is taken only
            // when every document in it is one akssim recognises, so READMEs, captures and scripts
            // kept beside the exports are passed over.
            for f in others where Self.isClusterDocument(f) { files.append(f) }
            if files.isEmpty {
                // An empty model is never what was meant: every flow would meet an empty cluster.
                let at = origin?.location ?? SourceLocation(file: path)
                b.sink.add(Diagnostic(.error, "directory \(path): no cluster file in it (expected .yaml, .yml or .json files of kubectl/az exports or the native format)", location: at))
                return
            }
            for f in files.sorted(by: { $0.path < $1.path }) { loadFile(f, into: &b) }
        } else {
            loadFile(url, into: &b)
        }
    }

    /// Whether a file of an unlisted extension holds cluster documents: text that parses as
    /// YAML/JSON into at least one document, each recognised by one of the loaders.
    static func isClusterDocument(_ url: URL) -> Bool {
        // A binary file (a capture beside the exports) shows a NUL byte early; it is not read whole.
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        let head = (try? handle.read(upToCount: 4096)) ?? nil
        try? handle.close()
        guard let head, !head.isEmpty else { return false }
        let utf16 = head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF])
        if !utf16 && head.contains(0) { return false }
        guard let data = try? Data(contentsOf: url, options: .mappedIfSafe), let text = decodeText(data) else { return false }
        var docs: [YAMLNode] = []
        if let parser = try? Parser(yaml: text, resolver: .basic) {
            while let doc = try? parser.nextRoot() { docs.append(doc) }
        }
        if docs.isEmpty, let json = JSONFallback.parse(text) { docs = [json] }
        let roots = docs.map { Cursor(node: $0, file: url.path, strict: false) }.filter { !$0.isNull }
        // A native document here must consist of native keys only: `name: …` alone in a notes
        // file is not a cluster.
        return !roots.isEmpty && roots.allSatisfy { r in
            (NativeLoader.recognises(r) && r.entries.allSatisfy { NativeLoader.topLevelKeys.contains($0.key) })
                || KubernetesExportLoader.recognises(r)
                || (r.isSequence && !r.items.isEmpty && r.items.allSatisfy(KubernetesExportLoader.recognises))
                || (AzureExportLoader.recognises(r) && !(r.isSequence && r.items.isEmpty))
        }
    }

    /// UTF-8, or UTF-16 with a byte-order mark: Windows PowerShell 5.1 writes `az … -o json > file` so.
    static func decodeText(_ data: Data) -> String? {
        let utf16BOM = data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF])
        return utf16BOM ? String(data: data, encoding: .utf16) : String(data: data, encoding: .utf8)
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
        guard let text = Self.decodeText(data) else {
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
        for parsed in docs {
            let doc = MergeKeys.resolve(parsed, in: text)
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
            } else if let type = Self.azureType(root) {
                // An az/ARM export of a resource akssim does not model (`az vm show`): say which.
                b.sink.add(Diagnostic(.error, "Azure resource type \(type) is not one akssim reads; expected az/ARM exports of \(AzureExportLoader.readTypes)", location: root.location))
            } else {
                b.sink.add(Diagnostic(.error, "unrecognised document: expected the native format (keys such as settings, nodes, pods), a Kubernetes object (apiVersion/kind) or an az/ARM JSON export", location: root.location))
            }
        }
    }

    /// The ARM `type` of an unrecognised az export (or of the first item of an `az … list` array).
    static func azureType(_ root: Cursor) -> String? {
        let first = root.isSequence ? root.items.first : root
        guard let t = first?["type"]?.scalar, t.contains("/"), t.hasPrefix("Microsoft.") || t.hasPrefix("microsoft.") else { return nil }
        return t
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
