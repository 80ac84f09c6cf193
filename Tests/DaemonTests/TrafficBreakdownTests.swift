@testable import Daemon
import Dataplane
import XCTest

/// The daemon's own per-packet breakdowns and how they survive a reload whose compile numbers
/// rules, nodes and namespaces differently.
final class TrafficBreakdownTests: XCTestCase {
    func testCountsAndRemapByName() {
        var old = RuleNames()
        let deny = old.intern("netpol:default-deny")
        let allowRule = old.intern("svc:kube-system/kube-dns:53")
        var b = TrafficBreakdown(rules: old.count, nodes: 2, namespaces: 2)
        b.count(PacketOutcome(verdict: .drop, stage: .networkPolicy, rule: deny, node: 1, namespace: 0), wireLength: 100)
        b.count(PacketOutcome(verdict: .drop, stage: .networkPolicy, rule: deny, node: 1, namespace: 0), wireLength: 100)
        b.count(PacketOutcome(verdict: .allow, stage: .serviceProxy, rule: allowRule, node: -1, namespace: -1), wireLength: 60)

        let series = b.series(rules: old, nodes: ["n0", "n1"], namespaces: ["shop", "kube-system"])
        XCTAssertEqual(series.bytes[.init(stage: .networkPolicy, verdict: .drop)], 200)
        XCTAssertEqual(series.bytes[.init(stage: .serviceProxy, verdict: .allow)], 60)
        XCTAssertEqual(series.ruleHits[.init(rule: "netpol:default-deny", stage: .networkPolicy)], 2)
        XCTAssertEqual(series.drops[.init(reason: .networkPolicy, node: "n1", namespace: "shop")], 2)
        XCTAssertEqual(series.drops.count, 1, "allowed packets are not drops")

        // The new compile interns names in another order and lists nodes/namespaces differently.
        var new = RuleNames()
        _ = new.intern("svc:kube-system/kube-dns:53")
        _ = new.intern("something-new")
        _ = new.intern("netpol:default-deny")
        let moved = b.remapped(
            from: (old, ["n0", "n1"], ["shop", "kube-system"]), to: (new, ["n1", "n0", "n2"], ["kube-system", "shop"]))
        let after = moved.series(rules: new, nodes: ["n1", "n0", "n2"], namespaces: ["kube-system", "shop"])
        XCTAssertEqual(after.ruleHits, series.ruleHits)
        XCTAssertEqual(after.drops, series.drops)
        XCTAssertEqual(after.bytes, series.bytes)
    }
}
