import ArgumentParser

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay pcap/pcapng captures through the pipeline and print a summary."
    )

    @Argument(help: "Capture files (pcap or pcapng).")
    var files: [String] = []

    func run() throws {
        throw CLIFailure.runtime("replay: not built yet")
    }
}
