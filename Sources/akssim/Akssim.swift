import ArgumentParser
import Foundation

/// The `akssim` command: a simulated AKS networking data plane.
struct Akssim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "akssim",
        abstract: "Simulated Azure Kubernetes Service networking data plane: replay, trace and tap packets through a model of your cluster.",
        version: AkssimVersion.string,
        subcommands: [
            CheckCommand.self,
            ReplayCommand.self,
            RunCommand.self,
            CaptureCommand.self,
            SynthCommand.self,
            TraceCommand.self,
            ValidateCommand.self,
        ]
    )
}

enum AkssimVersion {
    static let string = "0.1.0"
}
