/// `replay --timing`: how long reading and judging the packets took — from the first record read
/// to the last verdict (workers included), without loading the cluster, compiling it or writing the
/// report — printed to standard error after the report, with the process CPU time of that span.
/// What a user checks against `tcpdump -r`; what `scripts/bench` reads for its replay rows.
struct ReplayTimer {
    private var startWall: Int64 = 0
    private var startCPU: Int64 = 0
    private var started = false

    /// Marks the start of packet work (only the first call counts).
    mutating func begin() {
        guard !started else { return }
        started = true
        startWall = Clock.nanos()
        startCPU = Clock.processCPUNanos()
    }

    /// The stderr line for `packets` read and judged since `begin`.
    func line(packets: UInt64) -> String {
        let wall = started ? Double(Clock.nanos() - startWall) / 1e9 : 0
        let cpu = started ? Double(Clock.processCPUNanos() - startCPU) / 1e9 : 0
        let mpps = wall > 0 ? Double(packets) / wall / 1e6 : 0
        return "akssim: timing: \(packets) packets read and judged in " + String(format: "%.3f s (%.2f Mpps), CPU %.3f s", wall, mpps, cpu)
    }
}
