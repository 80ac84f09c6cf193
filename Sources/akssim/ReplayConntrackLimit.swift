import ArgumentParser
import Dataplane

/// `replay --conntrack-max N`: the bound of the conntrack table, like Linux's
/// net.netfilter.nf_conntrack_max. When the table is full a new connection reclaims an expired
/// entry or evicts a live one (counted in the summary's `conntrack.evictions`), so memory stays
/// flat however many flows a capture opens.
struct ReplayConntrackLimit: ParsableArguments {
    @Option(name: .customLong("conntrack-max"),
            help: ArgumentHelp("Conntrack table capacity per worker (default 262144), like nf_conntrack_max.", valueName: "n"))
    var conntrackMax: Int?

    /// The table rounds anything smaller up to 16; 2^26 entries (~13 GB) is beyond any machine here.
    static let range = 16...(1 << 26)

    func validate() throws {
        if let conntrackMax, !ReplayConntrackLimit.range.contains(conntrackMax) {
            throw ValidationError("--conntrack-max must be between \(ReplayConntrackLimit.range.lowerBound) and "
                                  + "\(ReplayConntrackLimit.range.upperBound), got \(conntrackMax)")
        }
    }

    func apply(to options: inout PipelineOptions) {
        if let conntrackMax { options.conntrackCapacity = conntrackMax }
    }
}
