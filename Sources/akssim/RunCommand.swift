import ArgumentParser
import Daemon
import Dispatch
import Foundation
import Logging

/// `akssim run`: the long-running daemon. Flags override `--config FILE` (Config/daemon.yaml).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Tap interfaces and watch a directory through the cluster model; serve metrics and the control API.",
        discussion: """
            Logs go to standard error. SIGHUP or POST /v1/reload reloads the cluster model (an invalid \
            model keeps the old one); SIGTERM or SIGINT stops the captures, drains them and prints the \
            final JSON summary (or writes it to --final-report).

            HTTP API (default 127.0.0.1:9464): GET /metrics, /v1/stats, /v1/flows?verdict=drop&limit=N, \
            /v1/trace?protocol=tcp&src=…&dst=…&dport=…, /healthz, /readyz; POST /v1/reload.
            """
    )

    @Option(name: .customLong("config"), help: "Daemon settings file (see Config/daemon.yaml); flags override it.")
    var configFile: String?

    @Option(name: .customLong("cluster"), help: "Cluster model: native YAML or a directory of kubectl/az exports (repeatable; default: the embedded cluster).")
    var cluster: [String] = []

    @Option(name: .customLong("interface"), help: ArgumentHelp("Interface to tap, optionally with the node it sits on (repeatable).", valueName: "IF[=NODE]"))
    var interfaces: [String] = []

    @Option(help: "BPF capture filter for every interface and watched file.")
    var filter: String?

    @Option(help: "Bytes captured per packet (64-262144).")
    var snaplen: Int?

    @Flag(inversion: .prefixedNo, help: "Put interfaces in promiscuous mode.")
    var promisc: Bool?

    @Option(name: .customLong("buffer-size"), help: "libpcap buffer per interface, bytes.")
    var bufferSize: Int?

    @Flag(inversion: .prefixedNo, help: "libpcap immediate mode: hand over each packet at once (lower latency, lower top rate). Default: blocks of at most 100 ms.")
    var immediate: Bool?

    @Option(help: "HTTP API address HOST:PORT; beyond loopback requires --token-file.")
    var listen: String?

    @Option(name: .customLong("token-file"), help: "File whose first line is the bearer token required on POST.")
    var tokenFile: String?

    @Option(name: .customLong("watch"), help: ArgumentHelp("Replay capture files that appear in this directory, each once, in name order.", valueName: "DIR"))
    var watch: String?

    @Option(name: .customLong("log-format"), help: "text or json.")
    var logFormat: String?

    @Option(name: .customLong("final-report"), help: "Write the final JSON summary here instead of standard output.")
    var finalReport: String?

    @Option(name: .customLong("flow-ring-size"), help: "Recent flows kept for /v1/flows.")
    var flowRingSize: Int?

    @Option(help: ArgumentHelp("Worker threads judging each interface's (and the watched files') packets; the capture thread reads and steers by flow. 1 judges on the capture thread.", valueName: "N"))
    var threads: Int?

    /// The file's settings with every given flag laid over them.
    func resolvedConfiguration() throws -> DaemonConfiguration {
        do {
            var config = try configFile.map { path throws(DaemonConfigurationError) in try DaemonConfigurationFile.load(path: path) } ?? DaemonConfiguration()
            if !cluster.isEmpty { config.clusterPaths = cluster }
            // A reload reads the model again; standard input can be read only once.
            if config.clusterPaths.contains("-") {
                throw DaemonConfigurationError(field: "cluster", message: "standard input (-) cannot be reloaded; give a file or directory")
            }
            if !interfaces.isEmpty {
                config.interfaces = try interfaces.map { arg throws(DaemonConfigurationError) in try InterfaceTap(argument: arg) }
            }
            if let filter { config.filter = filter }
            if let snaplen { config.snaplen = snaplen }
            if let promisc { config.promiscuous = promisc }
            if let bufferSize { config.bufferSize = bufferSize }
            if let immediate { config.immediate = immediate }
            if let listen { config.listen = try ListenAddress(parsing: listen) }
            if let tokenFile { config.tokenFile = tokenFile }
            if let watch { config.watchDirectory = watch }
            if let logFormat {
                guard let f = DaemonConfiguration.LogFormat(rawValue: logFormat) else {
                    throw DaemonConfigurationError(field: "log-format", message: "expected text or json, got '\(logFormat)'")
                }
                config.logFormat = f
            }
            if let finalReport { config.finalReport = finalReport }
            if let flowRingSize { config.flowRingSize = flowRingSize }
            if let threads { config.threads = threads }
            try config.validate()
            return config
        } catch let error as DaemonConfigurationError {
            throw CLIFailure.badInput(error.description)
        }
    }

    func run() throws {
        let config = try resolvedConfiguration()
        DaemonLogging.bootstrap(format: config.logFormat)
        let logger = Logger(label: "akssim")
        let outcome = runBlocking { try await DaemonService.run(configuration: config, logger: logger, version: AkssimVersion.string) }
        switch outcome {
        case .success(let report):
            if config.finalReport == nil { print(report.pretty) }
        case .failure(let error as DaemonStartError):
            switch error {
            case .configuration, .model: throw CLIFailure.badInput(error.description)
            case .finalReport: throw CLIFailure.runtime(error.description)
            }
        case .failure(let error):
            throw CLIFailure.runtime("\(error)")
        }
    }
}

/// Runs async work from the synchronous command entry point (main.swift drives commands
/// synchronously to own the exit codes).
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> Result<T, any Error> {
    let done = DispatchSemaphore(value: 0)
    let box = ResultBox<T>()
    Task {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return box.result!
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
