import Foundation

/// Finds capture files to replay in a watched directory (`--watch DIR`), e.g. the rotated
/// output of `tcpdump -G 60 -w 'cap-%Y%m%d%H%M%S.pcap'`. Each file is replayed once, in
/// name order (rotation names sort by time) with modification time breaking ties, and only
/// once its size has stayed the same across two scans — a file still being written is left
/// for a later scan.
public struct WatchedDirectory: Sendable {
    public let path: String
    /// Files already handed out (replayed or being replayed).
    private var done: Set<String> = []
    /// Size seen at the previous scan, for files not yet stable.
    private var lastSize: [String: UInt64] = [:]

    public static let captureExtensions: Set<String> = ["pcap", "pcapng", "cap"]

    public init(path: String) {
        self.path = path
    }

    /// Files ready to replay now, in replay order. Each is returned once over the watcher's life.
    public mutating func scan() throws -> [String] {
        let fm = FileManager.default
        let names = try fm.contentsOfDirectory(atPath: path)
        var candidates: [(name: String, mtime: Date)] = []
        var present: Set<String> = []
        for name in names {
            guard !name.hasPrefix("."), Self.captureExtensions.contains((name as NSString).pathExtension.lowercased()) else { continue }
            present.insert(name)
            guard !done.contains(name) else { continue }
            let full = (path as NSString).appendingPathComponent(name)
            guard let attrs = try? fm.attributesOfItem(atPath: full),
                attrs[.type] as? FileAttributeType == .typeRegular,
                let size = (attrs[.size] as? NSNumber)?.uint64Value
            else { continue }
            let mtime = attrs[.modificationDate] as? Date ?? .distantPast
            // Stable = same non-zero size as last scan: the writer has not appended since.
            if let previous = lastSize[name], previous == size, size > 0 {
                candidates.append((name, mtime))
            } else {
                lastSize[name] = size
            }
        }
        // Forget sizes of files that disappeared before becoming stable.
        lastSize = lastSize.filter { present.contains($0.key) }
        candidates.sort { $0.name == $1.name ? $0.mtime < $1.mtime : $0.name < $1.name }
        for c in candidates {
            done.insert(c.name)
            lastSize[c.name] = nil
        }
        return candidates.map { (path as NSString).appendingPathComponent($0.name) }
    }
}
