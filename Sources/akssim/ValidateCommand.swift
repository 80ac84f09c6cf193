import ArgumentParser
import ClusterModel
import Foundation
import Reporting

/// `akssim validate`: loads the cluster model and prints a summary, or every error (exit 2).
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Load and check the cluster model; print counts per kind, derived endpoints and warnings, or the errors.",
        discussion: """
        Exit codes: 0 the model is valid (warnings may be printed), 2 the model has errors \
        (each printed as file:line:col: error: Kind ns/name: field.path: expected …).
        """
    )

    @OptionGroup var clusterOptions: ClusterOptions

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let cluster = try clusterOptions.load { diagnostics in
            if json {
                print(report(cluster: nil, diagnostics: diagnostics).pretty)
            } else {
                ClusterOptions.printToStandardError(diagnostics)
            }
        }
        if json {
            print(report(cluster: cluster, diagnostics: cluster.notes).pretty)
            return
        }
        printSummary(cluster)
    }

    private func printSummary(_ c: Cluster) {
        let s = c.settings
        var mode = s.networkPlugin.rawValue
        if let m = s.networkPluginMode { mode += " (\(m.rawValue))" }
        let api = s.apiServer.privateCluster
            ? "private \(s.apiServer.privateIP.map { "\($0)" } ?? "?")"
            : "public \(s.apiServer.publicIP.map { "\($0)" } ?? "?")" + (s.apiServer.authorizedIPRanges.isEmpty ? "" : ", \(s.apiServer.authorizedIPRanges.count) authorized range(s)")
        print("cluster \(c.name) from \(clusterOptions.sourceDescription)")
        print("  network plugin \(mode), dataplane \(s.networkDataplane.rawValue), network policy \(s.networkPolicy.rawValue), outbound \(s.outboundType.rawValue), API server \(api)")
        let counts = c.kindCounts.filter { $0.count > 0 }
        let width = counts.map(\.kind.count).max() ?? 0
        for (kind, n) in counts {
            print("  \(kind.padding(toLength: width, withPad: " ", startingAt: 0))  \(n)")
        }
        print("  derived endpoint slices: \(c.derivedEndpointSliceCount)")
        // Warnings all print; notes (one per derived Service, ignored kind…) are capped so a
        // large export stays readable. `--json` lists every diagnostic.
        let noteLimit = 20
        var notesShown = 0
        for d in c.notes {
            if d.severity == .note {
                notesShown += 1
                if notesShown > noteLimit { continue }
            }
            print("  \(d)")
        }
        if notesShown > noteLimit { print("  … \(notesShown - noteLimit) more note(s); --json lists them all") }
        let warnings = c.notes.filter { $0.severity == .warning }.count
        let notes = c.notes.filter { $0.severity == .note }.count
        print("valid: 0 errors, \(warnings) warning(s), \(notes) note(s)")
    }

    private func report(cluster: Cluster?, diagnostics: [Diagnostic]) -> JSON {
        func count(_ s: Diagnostic.Severity) -> JSON { .int(Int64(diagnostics.filter { $0.severity == s }.count)) }
        var fields: [(String, JSON)] = [
            ("valid", .bool(cluster != nil)),
            ("sources", .array(clusterOptions.cluster.isEmpty ? [.string("<embedded default cluster>")] : clusterOptions.cluster.map { .string($0) })),
        ]
        if let c = cluster {
            fields.append(("cluster", .string(c.name)))
            fields.append(("counts", .object(c.kindCounts.map { ($0.kind, .int(Int64($0.count))) })))
            fields.append(("derivedEndpointSlices", .int(Int64(c.derivedEndpointSliceCount))))
        }
        fields.append(("errors", count(.error)))
        fields.append(("warnings", count(.warning)))
        fields.append(("notes", count(.note)))
        fields.append(("diagnostics", .array(diagnostics.map { d in
            .object([
                ("severity", .string(d.severity.rawValue)),
                ("file", d.location.map { .string($0.file) } ?? .null),
                ("line", d.location.map { .int(Int64($0.line)) } ?? .null),
                ("column", d.location.map { .int(Int64($0.column)) } ?? .null),
                ("object", .string(d.object)),
                ("field", .string(d.fieldPath)),
                ("message", .string(d.message)),
                ("text", .string(d.description)),
            ])
        })))
        return .object(fields)
    }
}
