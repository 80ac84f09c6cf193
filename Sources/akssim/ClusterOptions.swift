import ArgumentParser
import ClusterModel
import Foundation

/// `--cluster PATH` (repeatable), shared by every command that needs the cluster model.
struct ClusterOptions: ParsableArguments {
    @Option(name: .customLong("cluster"),
            help: ArgumentHelp("Cluster model: a native YAML file, or a file/directory of `kubectl get -o yaml|json` and `az … -o json` exports (- reads standard input). Repeat to merge. Default: the embedded aks-contoso cluster.",
                               valueName: "path"))
    var cluster: [String] = []

    /// Loads and validates the model. On errors hands every diagnostic to `report` (by default
    /// one line each on stderr) and fails with exit code 2 (bad input).
    func load(reportingErrors report: ([Diagnostic]) -> Void = ClusterOptions.printToStandardError) throws -> Cluster {
        do {
            return try ClusterLoader.load(paths: cluster)
        } catch {
            report(error.diagnostics)
            throw CLIFailure.badInput("cluster model has \(error.diagnostics.count) error(s)")
        }
    }

    /// One diagnostic a line on standard error.
    static func printToStandardError(_ diagnostics: [Diagnostic]) {
        for d in diagnostics {
            FileHandle.standardError.write(Data("\(d)\n".utf8))
        }
    }

    /// What was loaded, for messages.
    var sourceDescription: String {
        cluster.isEmpty ? "embedded default cluster" : cluster.joined(separator: ", ")
    }
}
