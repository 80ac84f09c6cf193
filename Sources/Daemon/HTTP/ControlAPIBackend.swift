import Dataplane
import NetworkAddress
import Reporting

/// What the HTTP control API asks of the running daemon. The router knows only this, so it
/// stays a thin translation between HTTP and the daemon's snapshots.
public protocol ControlAPIBackend: Sendable {
    /// Prometheus text exposition of every counter.
    func metricsText() -> String
    /// The same object `akssim replay --json` prints, for everything counted so far.
    func statsJSON() -> JSON
    /// Recent new flows, newest first.
    func flows(verdict: Verdict?, limit: Int) -> JSON
    /// Traces a hypothetical flow against the live model (`akssim trace --json` shape).
    func trace(_ request: TraceRequest) throws(APIError) -> JSON
    /// Loads, validates and compiles the cluster model again and swaps it in.
    func reload() async -> ReloadOutcome
    /// Whether every configured input is open; the reasons when not.
    func readiness() -> Readiness
}

/// A flow to trace, from `/v1/trace` query parameters (the same fields as `akssim trace --flows`).
public struct TraceRequest: Sendable, Equatable {
    public var proto: IPProtocol
    public var src: IPAddress
    public var srcPort: UInt16
    public var dst: IPAddress
    public var dstPort: UInt16
    public var node: String?
    public var sni: String?
    public var httpHost: String?

    public init(
        proto: IPProtocol, src: IPAddress, srcPort: UInt16, dst: IPAddress, dstPort: UInt16,
        node: String? = nil, sni: String? = nil, httpHost: String? = nil
    ) {
        self.proto = proto
        self.src = src
        self.srcPort = srcPort
        self.dst = dst
        self.dstPort = dstPort
        self.node = node
        self.sni = sni
        self.httpHost = httpHost
    }
}

public enum ReloadOutcome: Sendable, Equatable {
    case reloaded(generation: Int)
    /// The new model was rejected; the old one keeps running. One line per diagnostic.
    case rejected(diagnostics: [String])
}

public struct Readiness: Sendable, Equatable {
    public var ready: Bool
    public var reasons: [String]
    public init(ready: Bool, reasons: [String]) {
        self.ready = ready
        self.reasons = reasons
    }
}

/// A request the API refuses, with the status and the message for `{"error": "..."}`.
public struct APIError: Error, Sendable, Equatable {
    public var status: Int
    public var message: String
    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }
    public static func badRequest(_ message: String) -> APIError { APIError(status: 400, message: message) }
}
