import ArgumentParser
import Daemon
import Dispatch
import Foundation
import Logging

/// `akssim capture`: tap one interface in the foreground through the cluster model and print
/// the replay summary when done (after --count packets, --duration seconds, or Ctrl-C).
struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Tap an interface in the foreground and print the replay summary at the end."
    )

    @Option(name: .customLong("interface"), help: ArgumentHelp("Interface to tap, optionally with the node it sits on.", valueName: "IF[=NODE]"))
    var interface: String

    @Option(help: "Stop after this many packets.")
    var count: UInt64?

    @Option(help: "Stop after this many seconds.")
    var duration: Double?

    @Option(help: "BPF capture filter.")
    var filter: String?

    @Option(name: .customLong("cluster"), help: "Cluster model (repeatable; default: the embedded cluster).")
    var cluster: [String] = []

    @Option(help: "Bytes captured per packet (64-262144).")
    var snaplen: Int = 262_144

    @Flag(help: "Put the interface in promiscuous mode.")
    var promisc = false

    @Option(name: .customLong("buffer-size"), help: "libpcap buffer, bytes.")
    var bufferSize: Int = 32 << 20

    @Flag(help: "libpcap immediate mode: hand over each packet at once.")
    var immediate = false

    @Option(help: ArgumentHelp("Worker threads judging packets; the capture thread reads and steers by flow. 1 judges on the capture thread.", valueName: "N"))
    var threads: Int = 1

    @Flag(help: "Print the summary as JSON (the `replay --json` object).")
    var json = false

    func validate() throws {
        if let count, count == 0 { throw ValidationError("--count must be at least 1") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be a positive number of seconds") }
    }

    func run() throws {
        var config = DaemonConfiguration()
        do {
            config.interfaces = [try InterfaceTap(argument: interface)]
            config.clusterPaths = cluster
            config.filter = filter
            config.snaplen = snaplen
            config.promiscuous = promisc
            config.bufferSize = bufferSize
            config.immediate = immediate
            config.threads = threads
            try config.validate()
        } catch {
            throw CLIFailure.badInput(error.description)
        }
        DaemonLogging.bootstrap(format: .text, level: .warning)
        let runtime: DaemonRuntime
        do {
            runtime = try DaemonRuntime(configuration: config, logger: Logger(label: "akssim"), version: AkssimVersion.string, packetLimit: count)
        } catch {
            throw CLIFailure.badInput(error.description)
        }
        // Ctrl-C / SIGTERM end the capture normally: the summary is the point of the command.
        let interrupted = InterruptFlag()
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { interrupted.set() }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }

        runtime.start()
        let deadline = duration.map { DispatchTime.now() + $0 }
        var failure: String?
        while !interrupted.isSet, !runtime.capturesFinished {
            if let deadline, DispatchTime.now() >= deadline { break }
            if let f = runtime.captureFailure {
                failure = f
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        runtime.stop()
        if let failure { throw CLIFailure.runtime("capture: \(failure)") }
        print(json ? runtime.finalReport().pretty : runtime.finalText())
    }
}

private final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
