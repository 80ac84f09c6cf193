import Foundation
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The built `akssim run` binary started as a subprocess on a free loopback port, with helpers
/// to talk to its HTTP API and to stop it. Always `stop()` it (in defer / tearDown).
final class DaemonUnderTest {
    let process = Process()
    let port: Int
    let logFile: URL
    private(set) var exitStatus: Int32?

    /// The `akssim` binary next to the test bundle (`swift build` puts both in one directory);
    /// `AKSSIM_BINARY` overrides.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["AKSSIM_BINARY"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("akssim")
    }

    /// Runs the akssim binary to completion (a one-shot command, or `run` refusing to start).
    static func runToExit(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Standard error is drained on another thread while standard output is read here, so a
        // full pipe on either side cannot block the child.
        let errData = ErrorDrain()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errData.data = err.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        let stderr = errData.data
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    init(arguments: [String], port: Int? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            throw Failure("akssim binary not built at \(Self.binary.path); run `swift build` before `swift test`")
        }
        self.port = try port ?? Self.freePort()
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("akssim-run-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = Self.binary
        process.arguments = ["run", "--listen", "127.0.0.1:\(self.port)"] + arguments
        process.standardError = try FileHandle(forWritingTo: logFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// What the daemon logged so far (for failure messages).
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Waits until /healthz answers (bounded; the process may also exit early with an error).
    func waitUntilServing() async throws {
        for _ in 0..<300 {
            if !process.isRunning { throw Failure("akssim exited \(process.terminationStatus) before serving:\n\(log)") }
            if let (status, _) = try? await get("/healthz"), status == 200 { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw Failure("akssim never served /healthz:\n\(log)")
    }

    func get(_ path: String) async throws -> (Int, Data) {
        try await request("GET", path)
    }

    func request(_ method: String, _ path: String, token: String? = nil) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 10
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    func json(_ path: String, allowing accepted: Set<Int> = [200]) async throws -> [String: Any] {
        let (status, data) = try await get(path)
        guard accepted.contains(status) else { throw Failure("GET \(path) → \(status): \(String(decoding: data, as: UTF8.self))") }
        return try Self.object(data)
    }

    static func object(_ data: Data) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure("not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }

    /// Polls `path` until `condition` holds for its JSON (bounded: about 20 s). No timing is
    /// asserted; the bound only keeps a broken build from hanging the suite.
    func poll(_ path: String, allowing accepted: Set<Int> = [200, 503], until condition: ([String: Any]) -> Bool) async throws
        -> [String: Any]
    {
        var last: [String: Any] = [:]
        for _ in 0..<200 {
            last = try await json(path, allowing: accepted)
            if condition(last) { return last }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw Failure("condition never held for \(path); last: \(last)\nlog:\n\(log)")
    }

    func signal(_ sig: Int32) {
        if process.isRunning { kill(process.processIdentifier, sig) }
    }

    /// Sends `sig` (SIGTERM by default) and waits for the exit status (bounded: SIGKILL after ~20 s).
    @discardableResult
    func stop(_ sig: Int32 = SIGTERM) -> Int32 {
        if let exitStatus { return exitStatus }
        signal(sig)
        for _ in 0..<200 where process.isRunning { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            exitStatus = -9
        } else {
            process.waitUntilExit()
            exitStatus = process.terminationStatus
        }
        try? FileManager.default.removeItem(at: logFile)
        return exitStatus!
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                guard bind(fd, p, len) == 0 else { return -1 }
                return getsockname(fd, p, &len)
            }
        }
        guard bound == 0 else { throw Failure("bind: \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }
}

/// Numbers out of parsed JSON (JSONSerialization gives NSNumber).
func int(_ any: Any?) -> Int { (any as? NSNumber)?.intValue ?? 0 }
func dict(_ any: Any?) -> [String: Any] { any as? [String: Any] ?? [:] }

/// Standard error of `runToExit`, filled by its drain thread before the semaphore is signalled.
private final class ErrorDrain: @unchecked Sendable {
    var data = Data()
}
