import Dataplane

extension DaemonMetrics {
    /// Flattens merged snapshots into labelled series, sorted so scrapes are stable.
    /// `akssim_drops_total{reason}` is the stage that refused the packet (`networkPolicy`, `nsg`,
    /// `firewall`, `decode`, …); node and namespace are those the pipeline attributed the packet
    /// to, "" when none.
    mutating func fill(from s: PathSnapshot) {
        let c = s.counters
        for stage in Stage.allCases {
            for verdict in Verdict.allCases {
                let n = c.stage(stage, verdict)
                if n > 0 { packets.append(.init(stage: stage.description, verdict: verdict.description, value: n)) }
            }
        }
        bytes = s.series.bytes.map { .init(stage: $0.key.stage.description, verdict: $0.key.verdict.description, value: $0.value) }
            .sorted { ($0.stage, $0.verdict) < ($1.stage, $1.verdict) }
        ruleHits = s.series.ruleHits.map { .init(rule: $0.key.rule, stage: $0.key.stage.description, value: $0.value) }
            .sorted { ($0.rule, $0.stage) < ($1.rule, $1.stage) }
        drops = s.series.drops.map {
            .init(reason: $0.key.reason.description, node: $0.key.node, namespace: $0.key.namespace, value: $0.value)
        }.sorted { ($0.reason, $0.node, $0.namespace) < ($1.reason, $1.node, $1.namespace) }
        conntrackEntries = c.conntrackEntries
        conntrackEvictions = c.conntrackEvictions
    }
}
