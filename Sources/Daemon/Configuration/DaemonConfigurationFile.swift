import Foundation
import Yams

/// Reads `Config/daemon.yaml`. Keys are strict: an unknown key is an error naming the file,
/// the line and the keys that are allowed, so a typo never silently falls back to a default.
public enum DaemonConfigurationFile {
    static let keys = [
        "cluster", "interfaces", "filter", "snaplen", "promiscuous", "bufferSize", "immediate", "listen", "tokenFile",
        "watch", "logFormat", "finalReport", "flowRingSize", "threads",
    ]

    public static func load(path: String) throws(DaemonConfigurationError) -> DaemonConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw DaemonConfigurationError(file: path, field: "file", message: "cannot read: \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(DaemonConfigurationError) -> DaemonConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw DaemonConfigurationError(file: file, field: "yaml", message: "not valid YAML: \(error)")
        }
        var config = DaemonConfiguration()
        guard let root else { return config }  // an empty file keeps every default
        guard case .mapping(let mapping) = root else {
            throw DaemonConfigurationError(file: file, line: root.mark?.line, field: "(top level)", message: "expected a mapping of settings")
        }
        for (keyNode, value) in mapping {
            let line = keyNode.mark?.line
            func fail(_ message: String) -> DaemonConfigurationError {
                DaemonConfigurationError(file: file, line: value.mark?.line ?? line, field: keyNode.string ?? "?", message: message)
            }
            func string() throws(DaemonConfigurationError) -> String {
                guard case .scalar(let s) = value else { throw fail("expected a string") }
                return s.string
            }
            func int() throws(DaemonConfigurationError) -> Int {
                guard case .scalar = value, let i = value.int else { throw fail("expected an integer") }
                return i
            }
            guard let key = keyNode.string, keys.contains(key) else {
                throw DaemonConfigurationError(
                    file: file, line: line, field: keyNode.string ?? "?",
                    message: "unknown key; expected one of \(keys.joined(separator: ", "))")
            }
            switch key {
            case "cluster":
                switch value {
                case .scalar(let s): config.clusterPaths = [s.string]
                case .sequence(let seq):
                    var paths: [String] = []
                    for item in seq {
                        guard case .scalar(let s) = item else { throw fail("expected a list of paths") }
                        paths.append(s.string)
                    }
                    config.clusterPaths = paths
                default: throw fail("expected a path or a list of paths")
                }
            case "interfaces":
                guard case .sequence(let seq) = value else { throw fail("expected a list of interfaces") }
                var taps: [InterfaceTap] = []
                for item in seq {
                    taps.append(try interface(item, file: file))
                }
                config.interfaces = taps
            case "filter": config.filter = try string()
            case "snaplen": config.snaplen = try int()
            case "promiscuous":
                guard case .scalar = value, let b = value.bool else { throw fail("expected true or false") }
                config.promiscuous = b
            case "bufferSize": config.bufferSize = try int()
            case "immediate":
                guard case .scalar = value, let b = value.bool else { throw fail("expected true or false") }
                config.immediate = b
            case "listen":
                do { config.listen = try ListenAddress(parsing: try string()) } catch { throw fail(error.message) }
            case "tokenFile": config.tokenFile = try string()
            case "watch": config.watchDirectory = try string()
            case "logFormat":
                guard let f = DaemonConfiguration.LogFormat(rawValue: try string()) else { throw fail("expected text or json") }
                config.logFormat = f
            case "finalReport": config.finalReport = try string()
            case "flowRingSize": config.flowRingSize = try int()
            case "threads": config.threads = try int()
            default: break
            }
        }
        return config
    }

    /// An interface entry: `eth0`, `eth0=NODE`, or `{name: eth0, node: NODE}`.
    private static func interface(_ node: Node, file: String) throws(DaemonConfigurationError) -> InterfaceTap {
        let line = node.mark?.line
        switch node {
        case .scalar(let s):
            do { return try InterfaceTap(argument: s.string) } catch {
                throw DaemonConfigurationError(file: file, line: line, field: "interfaces", message: error.message)
            }
        case .mapping(let m):
            var tap = InterfaceTap(name: "")
            for (k, v) in m {
                switch k.string {
                case "name": tap.name = v.string ?? ""
                case "node": tap.node = v.string
                default:
                    throw DaemonConfigurationError(
                        file: file, line: k.mark?.line, field: "interfaces.\(k.string ?? "?")", message: "unknown key; expected name, node")
                }
            }
            do { return try InterfaceTap(argument: tap.name).withNode(tap.node) } catch {
                throw DaemonConfigurationError(file: file, line: line, field: "interfaces.name", message: error.message)
            }
        default:
            throw DaemonConfigurationError(file: file, line: line, field: "interfaces", message: "expected IF, IF=NODE or {name, node}")
        }
    }
}

extension InterfaceTap {
    func withNode(_ node: String?) -> InterfaceTap {
        var copy = self
        if let node { copy.node = node }
        return copy
    }
}
