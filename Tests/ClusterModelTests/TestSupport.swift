import Foundation
import XCTest
@testable import ClusterModel

/// Package root, found from this file's path (Tests/ClusterModelTests/…).
let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh temporary directory for fixtures written by a test.
func makeTempDir(_ name: String = #function) throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("akssim-model-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

func write(_ text: String, to url: URL) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
}

/// Loads `yaml` expecting failure; returns the rendered diagnostics.
func loadErrors(_ yaml: String, file: String = "t.yaml") -> [String] {
    do {
        _ = try ClusterLoader.load(yaml: yaml, file: file)
        return []
    } catch {
        return error.diagnostics.map(\.description)
    }
}
