/// Everything `akssim run` needs, merged from `Config/daemon.yaml` (if given) and flags
/// (flags win). Validated once at start-up; the daemon never re-reads it (reload re-reads
/// only the cluster model).
public struct DaemonConfiguration: Sendable, Equatable {
    /// Cluster model sources (native YAML files or directories of kubectl/az exports).
    /// Empty means the embedded default cluster.
    public var clusterPaths: [String] = []
    /// Interfaces to tap, each with the node it sits on.
    public var interfaces: [InterfaceTap] = []
    /// BPF capture filter applied to every interface (and to watched files).
    public var filter: String?
    public var snaplen: Int = 262_144
    public var promiscuous: Bool = false
    /// libpcap ring buffer per interface, bytes.
    public var bufferSize: Int = 32 << 20
    /// libpcap immediate mode: every packet handed over as it arrives (TPACKET_V2 on Linux).
    /// Off, the kernel hands over blocks of packets at most 100 ms old (TPACKET_V3), which
    /// sustains several times the packet rate (measured: no kernel drops at 360k pps on a veth
    /// in block mode; drops from ~70k pps in immediate mode).
    public var immediate: Bool = false
    public var listen: ListenAddress = .defaultAddress
    /// A file whose first line is the bearer token for the HTTP API.
    public var tokenFile: String?
    /// A directory whose new capture files are replayed, each once, in order.
    public var watchDirectory: String?
    public var logFormat: LogFormat = .text
    /// Where the final JSON summary goes at shutdown; standard output when nil.
    public var finalReport: String?
    /// How many recent flow records `/v1/flows` keeps.
    public var flowRingSize: Int = 4096
    /// Worker threads judging each input's packets (`--threads`). 1: the input's own thread
    /// judges; N ≥ 2: it reads and decodes, and N workers (steered by flow) judge.
    public var threads: Int = 1

    public init() {}

    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    /// Checks what can be checked without touching the network: limits, the token rule.
    /// Listening beyond loopback without a token would hand the reload endpoint to anyone
    /// who can reach the port, so it is refused.
    public func validate() throws(DaemonConfigurationError) {
        if snaplen < 64 || snaplen > 262_144 {
            throw DaemonConfigurationError(field: "snaplen", message: "expected 64...262144, got \(snaplen)")
        }
        if bufferSize < 65_536 {
            throw DaemonConfigurationError(field: "bufferSize", message: "expected at least 65536 bytes, got \(bufferSize)")
        }
        if flowRingSize < 1 || flowRingSize > 1_000_000 {
            throw DaemonConfigurationError(field: "flowRingSize", message: "expected 1...1000000, got \(flowRingSize)")
        }
        if !(1...64).contains(threads) {
            throw DaemonConfigurationError(field: "threads", message: "expected 1...64, got \(threads)")
        }
        var seen: Set<String> = []
        for tap in interfaces {
            if !seen.insert(tap.name).inserted {
                throw DaemonConfigurationError(field: "interfaces", message: "interface \(tap.name) is listed twice")
            }
        }
        if !listen.isLoopback && tokenFile == nil {
            throw DaemonConfigurationError(
                field: "listen",
                message: "listening on \(listen) (not loopback) requires --token-file, so that POST /v1/reload needs a bearer token")
        }
    }
}

/// One tapped interface and the node it sits on (`--interface eth0=aks-nodepool1-12345678-vmss000000`).
/// Without a node the pipeline places packets by address alone.
public struct InterfaceTap: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var node: String?

    public init(name: String, node: String? = nil) {
        self.name = name
        self.node = node
    }

    /// Parses `IF` or `IF=NODE`.
    public init(argument: String) throws(DaemonConfigurationError) {
        let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard !name.isEmpty, name.count < 16, !name.contains("/"), !name.contains(where: \.isWhitespace) else {
            throw DaemonConfigurationError(
                field: "interface", message: "expected IF or IF=NODE with an interface name of 1-15 characters, got '\(argument)'")
        }
        self.name = name
        if parts.count == 2 {
            guard !parts[1].isEmpty else {
                throw DaemonConfigurationError(field: "interface", message: "expected a node name after '=' in '\(argument)'")
            }
            self.node = String(parts[1])
        }
    }

    public var description: String { node.map { "\(name)=\($0)" } ?? name }
}

/// `host:port` for the HTTP API; IPv6 hosts in brackets (`[::1]:9464`).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public static let defaultAddress = ListenAddress(host: "127.0.0.1", port: 9464)

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(DaemonConfigurationError) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw DaemonConfigurationError(field: "listen", message: "expected [IPv6]:PORT, got '\(text)'")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw DaemonConfigurationError(field: "listen", message: "expected HOST:PORT, got '\(text)'")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw DaemonConfigurationError(field: "listen", message: "expected a port 0-65535 in '\(text)'")
        }
        guard !host.isEmpty else {
            throw DaemonConfigurationError(field: "listen", message: "expected a host before the port in '\(text)'")
        }
        self.host = String(host)
        self.port = port
    }

    /// Loopback: 127.0.0.0/8, ::1 and the name localhost.
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".")
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A configuration problem, naming where it is (file and line when it came from YAML) and
/// what was expected.
public struct DaemonConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var field: String
    public var message: String

    public init(file: String? = nil, line: Int? = nil, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        var where_ = ""
        if let file { where_ += file + ":" }
        if let line { where_ += "\(line):" }
        return "\(where_.isEmpty ? "" : where_ + " ")\(field): \(message)"
    }
}
