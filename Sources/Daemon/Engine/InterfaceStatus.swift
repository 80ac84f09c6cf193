import Foundation
import PcapIO

/// What `/readyz` and the capture metrics report for one tapped interface.
struct InterfaceStatus: Sendable {
    enum State: Sendable, Equatable {
        case opening
        case up
        /// Failed to open or failed while capturing; retried with backoff.
        case down(reason: String)
        case stopped
    }

    var state: State = .opening
    /// Times the capture was (re)opened successfully.
    var opens: UInt64 = 0
    /// Failed opens and capture errors.
    var failures: UInt64 = 0
    /// libpcap counters summed over every capture session of this interface (each reopen
    /// starts libpcap's counters at zero again).
    var stats = CaptureStats(received: 0, dropped: 0, interfaceDropped: 0)
    /// Packets this daemon processed from the interface.
    var processed: UInt64 = 0
}

extension CaptureStats {
    static func + (a: CaptureStats, b: CaptureStats) -> CaptureStats {
        CaptureStats(
            received: a.received &+ b.received, dropped: a.dropped &+ b.dropped,
            interfaceDropped: a.interfaceDropped &+ b.interfaceDropped)
    }
}
