import Foundation
import Hummingbird
import Logging
import Reporting
import ServiceLifecycle
import UnixSignals

/// `akssim run` as a set of services under swift-service-lifecycle: the packet threads and the
/// HTTP server in one ServiceGroup that shuts down gracefully on SIGTERM/SIGINT (the server
/// stops accepting first, then captures stop and drain), plus a SIGHUP listener that reloads.
public enum DaemonService {
    /// Runs until SIGTERM/SIGINT; returns the final summary (also written to `--final-report`).
    public static func run(configuration: DaemonConfiguration, logger: Logger, version: String) async throws -> JSON {
        let token = try readToken(configuration.tokenFile)
        let runtime: DaemonRuntime
        do {
            runtime = try DaemonRuntime(configuration: configuration, logger: logger, version: version)
        } catch {
            throw DaemonStartError.model(error.description)
        }
        let router = makeControlAPIRouter(backend: runtime, token: token)
        let listen = configuration.listen
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "akssim"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                logger.info("listening", metadata: ["address": "\(ListenAddress(host: listen.host, port: port))"])
            },
            logger: Logger(label: "akssim.http")
        )
        runtime.start()
        let captures = PacketThreadsService(runtime: runtime)
        let group = ServiceGroup(
            configuration: .init(
                services: [captures, app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let reloads = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) {
                logger.info("SIGHUP: reloading cluster model")
                _ = await runtime.reload()
            }
        }
        defer { reloads.cancel() }
        try await group.run()
        let report = runtime.finalReport()
        if let file = configuration.finalReport {
            do {
                try Data((report.pretty + "\n").utf8).write(to: URL(fileURLWithPath: file))
            } catch {
                throw DaemonStartError.finalReport("cannot write final report \(file): \(error.localizedDescription)")
            }
            logger.info("final report written", metadata: ["file": "\(file)"])
        }
        return report
    }

    /// The bearer token: the first line of the file, trimmed; an empty file is an error.
    static func readToken(_ path: String?) throws -> String? {
        guard let path else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw DaemonStartError.configuration("tokenFile: cannot read \(path): \(error.localizedDescription)")
        }
        let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !token.isEmpty else { throw DaemonStartError.configuration("tokenFile: \(path) is empty; expected the token on its first line") }
        return token
    }
}

public enum DaemonStartError: Error, CustomStringConvertible {
    case configuration(String)
    case model(String)
    case finalReport(String)
    public var description: String {
        switch self {
        case .configuration(let m), .model(let m), .finalReport(let m): return m
        }
    }
}

/// Keeps the packet threads running until graceful shutdown, then stops them. Stopping blocks
/// (threads finish their batch and drain libpcap), so it happens on its own thread, not on the
/// concurrency pool.
struct PacketThreadsService: Service {
    let runtime: DaemonRuntime

    func run() async throws {
        try? await gracefulShutdown()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                runtime.stop()
                continuation.resume()
            }
            thread.name = "shutdown"
            thread.start()
        }
    }
}
