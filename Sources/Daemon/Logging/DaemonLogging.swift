import Foundation
import Logging
import Reporting
import Synchronization

/// Log handlers for `akssim run`: stderr always (systemd and container runtimes collect it),
/// either human text or one JSON object per line (`--log-format json`) for log shippers.
public enum DaemonLogging {
    /// Installs the handler process-wide. Call once, before the first logger is made.
    public static func bootstrap(format: DaemonConfiguration.LogFormat, level: Logger.Level = .info) {
        LoggingSystem.bootstrap { label in
            var handler = StderrLogHandler(label: label, json: format == .json)
            handler.logLevel = level
            return handler
        }
    }
}

/// Writes one line per event to standard error, with a process-wide lock so lines from capture
/// threads and the HTTP server never interleave.
struct StderrLogHandler: LogHandler {
    let label: String
    let json: Bool
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    private static let lock = Mutex(())

    init(label: String, json: Bool) {
        self.label = label
        self.json = json
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let time = Date().formatted(.iso8601.year().month().day().timeSeparator(.colon).time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        let line: String
        if json {
            var fields: [(String, JSON)] = [
                ("time", .string(time)), ("level", .string(event.level.rawValue)), ("logger", .string(label)),
                ("message", .string(event.message.description)),
            ]
            for key in merged.keys.sorted() {
                fields.append((key, .string(merged[key]!.description)))
            }
            line = JSON.object(fields).compact + "\n"
        } else {
            let meta = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
            line = "\(time) \(event.level.rawValue) \(label): \(event.message)\(meta.isEmpty ? "" : " " + meta)\n"
        }
        Self.lock.withLock { _ in
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}
