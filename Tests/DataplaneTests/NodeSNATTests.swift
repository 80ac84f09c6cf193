import ClusterModel
import Dataplane
import NetworkAddress
import Testing

// Pod traffic leaving its node, SNAT per network plugin (AKS docs "CNI overview"; ip-masq-agent):
// kubenet and Azure CNI Overlay masquerade to the node address outside the pod network; flat
// Azure CNI keeps pod addresses inside the VNet and masquerades only traffic leaving it.

@Suite struct NodeSNATTests {
    static func overlay(kubenet: Bool) -> Cluster {
        var c = Fixture.defaultCluster()
        c.settings.networkPlugin = kubenet ? .kubenet : .azure
        c.settings.networkPluginMode = kubenet ? nil : .overlay
        c.settings.podCIDRs = [prefix("10.244.0.0/16")]
        for i in c.nodes.indices { c.nodes[i].podCIDRs = [prefix("10.244.\(i).0/24")] }
        let moved = ["10.244.0.20", "10.244.1.21", "10.244.1.30", "10.244.2.31", "10.244.0.40", "10.244.2.41", "10.244.0.50"]
        for (i, a) in moved.enumerated() { c.pods[i].ips = [addr(a)] }
        c.endpointSlices = []   // derived from the selectors
        return c
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var pins: String
        var kubenet: Bool?        // nil = flat Azure CNI (default cluster)
        var src: String
        var dst: String
        var masquerade: String?   // expected SNAT source, nil = no snat hop
        var testDescription: String { pins }
    }

    @Test(arguments: [
        Row(pins: "kubenet: pod → VNet host is masqueraded to the node", kubenet: true, src: "10.244.0.20", dst: "10.224.9.9", masquerade: "10.224.0.4"),
        Row(pins: "kubenet: pod → pod on another node keeps the pod address", kubenet: true, src: "10.244.0.20", dst: "10.244.1.21", masquerade: nil),
        Row(pins: "kubenet: pod → Internet is masqueraded to the node", kubenet: true, src: "10.244.1.21", dst: "140.82.112.6", masquerade: "10.224.0.5"),
        Row(pins: "CNI Overlay: pod → VNet host is masqueraded to the node", kubenet: false, src: "10.244.2.31", dst: "10.224.9.9", masquerade: "10.224.0.6"),
        Row(pins: "CNI Overlay: pod → pod keeps the pod address", kubenet: false, src: "10.244.2.31", dst: "10.244.0.50", masquerade: nil),
        Row(pins: "flat CNI: pod → VNet host keeps the pod address", kubenet: nil, src: "10.224.0.20", dst: "10.224.9.9", masquerade: nil),
        Row(pins: "flat CNI: pod → Internet is masqueraded by ip-masq-agent", kubenet: nil, src: "10.224.0.21", dst: "140.82.112.6", masquerade: "10.224.0.5"),
        Row(pins: "flat CNI: pod → pod on another node keeps the pod address", kubenet: nil, src: "10.224.0.20", dst: "10.224.0.41", masquerade: nil),
    ])
    func snat(_ r: Row) {
        let c = r.kubenet.map { Self.overlay(kubenet: $0) } ?? Fixture.defaultCluster()
        let t = Pipeline(cluster: c).trace(FlowQuery(proto: .tcp, src: addr(r.src), dst: addr(r.dst), dport: 443))
        let hop = t.hops.first(where: { $0.stage == .snat && $0.rule == "snat:node-masquerade" })
        let ctx = Comment(rawValue: r.pins + "\n" + t.explanation)
        if let m = r.masquerade {
            #expect(hop?.detail.hasPrefix("\(r.src) → \(m)") == true, ctx)
        } else {
            #expect(hop == nil, ctx)
        }
    }

    /// In-cluster NetworkPolicy sees pod addresses on overlay too (no SNAT between pods).
    @Test func overlayPodsStillMeetPolicy() {
        let p = Pipeline(cluster: Self.overlay(kubenet: true))
        #expect(p.t("10.244.0.20", "10.244.1.30", 8080).verdict == .allow)
        #expect(p.t("10.244.0.40", "10.244.1.30", 8080).verdict == .drop)
    }
}
