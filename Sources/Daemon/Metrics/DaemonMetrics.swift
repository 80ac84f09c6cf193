/// The daemon's counters at one instant, flattened into labelled series for `/metrics`.
/// Filled from the merged per-thread snapshots; rendering knows nothing about pipelines.
public struct DaemonMetrics: Sendable {
    public struct StageVerdict: Sendable, Equatable {
        public var stage: String, verdict: String, value: UInt64
        public init(stage: String, verdict: String, value: UInt64) { (self.stage, self.verdict, self.value) = (stage, verdict, value) }
    }
    public struct RuleHit: Sendable, Equatable {
        public var rule: String, stage: String, value: UInt64
        public init(rule: String, stage: String, value: UInt64) { (self.rule, self.stage, self.value) = (rule, stage, value) }
    }
    public struct Drop: Sendable, Equatable {
        public var reason: String, node: String, namespace: String, value: UInt64
        public init(reason: String, node: String, namespace: String, value: UInt64) {
            (self.reason, self.node, self.namespace, self.value) = (reason, node, namespace, value)
        }
    }
    public struct Capture: Sendable, Equatable {
        public var interface: String, up: Bool, received: UInt64, kernelDropped: UInt64, interfaceDropped: UInt64
        /// Packets each packet thread of the interface judged (one entry per `--threads` worker).
        public var judgedPerWorker: [UInt64]
        public init(interface: String, up: Bool, received: UInt64, kernelDropped: UInt64, interfaceDropped: UInt64,
                    judgedPerWorker: [UInt64] = []) {
            (self.interface, self.up, self.received, self.kernelDropped, self.interfaceDropped, self.judgedPerWorker) =
                (interface, up, received, kernelDropped, interfaceDropped, judgedPerWorker)
        }
    }

    public var packets: [StageVerdict] = []
    public var bytes: [StageVerdict] = []
    public var ruleHits: [RuleHit] = []
    public var drops: [Drop] = []
    public var conntrackEntries: UInt64 = 0
    public var conntrackEvictions: UInt64 = 0
    public var captures: [Capture] = []
    public var reloadsSucceeded: UInt64 = 0
    public var reloadsFailed: UInt64 = 0
    public var modelGeneration: UInt64 = 0
    public var flowsRecorded: UInt64 = 0
    public var version: String = ""

    public init() {}

    /// Prometheus text exposition 0.0.4. Family and label names are a contract with dashboards
    /// and alerts: change them only with the README.
    public var exposition: String {
        var out = PrometheusExposition()
        out.family("akssim_packets_total", .counter, help: "Packets by the stage that decided them and the verdict.")
        for s in packets { out.sample("akssim_packets_total", labels: [("stage", s.stage), ("verdict", s.verdict)], s.value) }
        out.family("akssim_bytes_total", .counter, help: "Bytes (wire length) by the stage that decided them and the verdict.")
        for s in bytes { out.sample("akssim_bytes_total", labels: [("stage", s.stage), ("verdict", s.verdict)], s.value) }
        out.family("akssim_rule_hits_total", .counter, help: "Packets decided by each named rule.")
        for r in ruleHits { out.sample("akssim_rule_hits_total", labels: [("rule", r.rule), ("stage", r.stage)], r.value) }
        out.family("akssim_drops_total", .counter, help: "Dropped or rejected packets by reason, node and namespace of the endpoint concerned.")
        for d in drops {
            out.sample("akssim_drops_total", labels: [("reason", d.reason), ("node", d.node), ("namespace", d.namespace)], d.value)
        }
        out.family("akssim_conntrack_entries", .gauge, help: "Connection-tracking entries currently held.")
        out.sample("akssim_conntrack_entries", labels: [], conntrackEntries)
        out.family("akssim_conntrack_evictions_total", .counter, help: "Connection-tracking entries evicted because the table was full.")
        out.sample("akssim_conntrack_evictions_total", labels: [], conntrackEvictions)
        out.family("akssim_capture_up", .gauge, help: "1 while the interface capture is open, 0 while it is being retried.")
        for c in captures { out.sample("akssim_capture_up", labels: [("interface", c.interface)], c.up ? UInt64(1) : UInt64(0)) }
        out.family("akssim_capture_packets_total", .counter, help: "Packets libpcap received on the interface (pcap_stats ps_recv).")
        for c in captures { out.sample("akssim_capture_packets_total", labels: [("interface", c.interface)], c.received) }
        out.family("akssim_capture_dropped_total", .counter, help: "Packets lost before akssim saw them: kernel = buffer full (ps_drop), interface = dropped by the NIC/driver (ps_ifdrop).")
        for c in captures {
            out.sample("akssim_capture_dropped_total", labels: [("interface", c.interface), ("kind", "kernel")], c.kernelDropped)
            out.sample("akssim_capture_dropped_total", labels: [("interface", c.interface), ("kind", "interface")], c.interfaceDropped)
        }
        out.family("akssim_worker_packets_total", .counter, help: "Packets judged by each packet thread of an interface (worker 0 alone without --threads): how evenly flow steering spreads the load.")
        for c in captures {
            for (i, n) in c.judgedPerWorker.enumerated() {
                out.sample("akssim_worker_packets_total", labels: [("interface", c.interface), ("worker", "\(i)")], n)
            }
        }
        out.family("akssim_reloads_total", .counter, help: "Cluster model reloads by result.")
        out.sample("akssim_reloads_total", labels: [("result", "success")], reloadsSucceeded)
        out.sample("akssim_reloads_total", labels: [("result", "failure")], reloadsFailed)
        out.family("akssim_model_generation", .gauge, help: "Generation of the cluster model in use (1 at start, +1 per successful reload).")
        out.sample("akssim_model_generation", labels: [], modelGeneration)
        out.family("akssim_flows_total", .counter, help: "New flows recorded (first packet of each connection).")
        out.sample("akssim_flows_total", labels: [], flowsRecorded)
        out.family("akssim_build_info", .gauge, help: "Build information; always 1.")
        out.sample("akssim_build_info", labels: [("version", version)], UInt64(1))
        return out.text
    }
}
