/// An error that ends the command with a message and an exit code from the contract:
/// 1 runtime failure, 2 bad usage or bad input.
struct CLIFailure: Error {
    var message: String
    var exitCode: Int32

    static func badInput(_ message: String) -> CLIFailure { CLIFailure(message: message, exitCode: 2) }
    static func runtime(_ message: String) -> CLIFailure { CLIFailure(message: message, exitCode: 1) }
}
