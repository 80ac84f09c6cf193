import Foundation
import XCTest

/// Runs the built `akssim` binary (next to the test bundle: `.build/<config>/akssim`; `swift
/// test` builds it with the package) and captures its output.
struct AkssimRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Akssim {
    static func binary() throws -> URL {
        var candidates: [URL] = []
        let bundle = Bundle.main.bundleURL
        candidates.append(bundle.appendingPathComponent("akssim"))
        candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("akssim"))
        for testBundle in Bundle.allBundles where testBundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(testBundle.bundleURL.deletingLastPathComponent().appendingPathComponent("akssim"))
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
            return found
        }
        XCTFail("akssim binary not found next to the test bundle (looked in \(candidates.map(\.path))); run `swift build` first")
        throw CocoaError(.fileNoSuchFile)
    }

    /// The package root, for the committed sample.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func run(_ arguments: [String], stdin: String? = nil) throws -> AkssimRun {
        try runTool(binary(), arguments, stdin: stdin)
    }

    static func runTool(_ executable: URL, _ arguments: [String], stdin: String? = nil) throws -> AkssimRun {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let stdin { process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdin)) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read stderr on another thread so neither pipe can fill up and stall the child.
        let errData = ErrorBox()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errData.done { usleep(1000) }
        return AkssimRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData.get(), as: UTF8.self))
    }
}

/// The stderr bytes handed from the reader thread to the test thread.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var finished = false
    var done: Bool { lock.withLock { finished } }
    func set(_ d: Data) { lock.withLock { data = d; finished = true } }
    func get() -> Data { lock.withLock { data } }
}

/// A temporary directory removed after each test.
class CLITestCase: XCTestCase {
    private(set) var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("akssim-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Parses `replay --json` output into a Foundation object.
    func json(_ run: AkssimRun, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        guard let dict = object as? [String: Any] else {
            XCTFail("not a JSON object: \(run.stdout)", file: file, line: line)
            return [:]
        }
        return dict
    }

    /// Top-level keys in document order (JSONSerialization loses the order).
    func topLevelKeys(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  \""), !line.hasPrefix("   ") else { return nil }
            return line.dropFirst(3).split(separator: "\"", maxSplits: 1).first.map(String.init)
        }
    }
}
