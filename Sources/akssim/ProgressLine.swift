import Foundation

/// A one-line progress report on stderr, rewritten about every half second, only when stderr
/// is a terminal (a pipe or a log file gets nothing). Checked every 16384 packets so the clock
/// is not read per packet.
struct ProgressLine {
    let enabled: Bool
    private var started: UInt64 = 0
    private var lastReport: UInt64 = 0
    private var shown = false

    init(enabled: Bool) {
        self.enabled = enabled
        started = ProgressLine.now()
        lastReport = started
    }

    mutating func tick(path: String, packets: UInt64) {
        guard enabled else { return }
        let now = ProgressLine.now()
        guard now &- lastReport >= 500_000_000 else { return }
        lastReport = now
        let seconds = Double(now &- started) / 1e9
        let rate = seconds > 0 ? Double(packets) / seconds / 1e6 : 0
        let line = "\r\u{1B}[K\(path): \(packets) packets, \((rate * 100).rounded() / 100) Mpps"
        FileHandle.standardError.write(Data(line.utf8))
        shown = true
    }

    /// Clears the line so the summary starts on a clean terminal line.
    mutating func finish() {
        guard enabled, shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }

    private static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
