import ArgumentParser
import Foundation

// Exit codes are a contract (README "Exit codes"): 0 success, 1 runtime failure,
// 2 bad usage or bad input. ArgumentParser's own default for usage errors is 64, so
// parsing is driven here to map every usage error to 2.
do {
    var command = try Akssim.parseAsRoot()
    do {
        try command.run()
    } catch let exit as ExitCode {
        Foundation.exit(exit.rawValue)
    } catch let failure as CLIFailure {
        FileHandle.standardError.write(Data("akssim: \(failure.message)\n".utf8))
        Foundation.exit(failure.exitCode)
    } catch {
        let code = Akssim.exitCode(for: error)
        if code == .success {
            Akssim.exit(withError: error)
        }
        FileHandle.standardError.write(Data("akssim: \(error)\n".utf8))
        Foundation.exit(code == .validationFailure ? 2 : 1)
    }
} catch {
    let code = Akssim.exitCode(for: error)
    if code == .success {
        Akssim.exit(withError: error)  // --help, --version
    }
    FileHandle.standardError.write(Data((Akssim.fullMessage(for: error) + "\n").utf8))
    Foundation.exit(2)
}
