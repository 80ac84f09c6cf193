import Dataplane
import NetworkAddress
import PacketWire
import Reporting
import XCTest

final class EgressCheckReportTests: XCTestCase {
    func result(_ name: String, _ verdict: Verdict, _ stage: Stage, _ rule: String, detail: String) -> EgressCheckResult {
        let req = AKSRequiredEgress.Requirement(name: name, proto: "udp", port: 123, fqdn: "ntp.ubuntu.com", note: "NTP")
        let flow = FlowKey(src: IPAddress(10, 224, 0, 4), dst: IPAddress(91, 189, 91, 157), srcPort: 40000, dstPort: 123, proto: .udp)
        return EgressCheckResult(requirement: req, origin: "node n0", flow: flow,
                                 result: AzureLegResult(verdict: verdict, stage: stage, rule: .none, flow: flow, landedNode: -1),
                                 rule: rule, hops: [Hop(stage: stage, result: verdict == .allow ? .allow : .drop, rule: rule, detail: detail)])
    }

    func testBlockedFlowNamesRuleAndReason() {
        let r = [result("ntp", .drop, .firewall, "default-deny", detail: "aks-fw: no rule matched"),
                 result("ntp", .allow, .firewall, "aks-egress/aks-network/time", detail: "")]
        let text = EgressCheckReport.text(r)
        XCTAssertTrue(text.contains("BLOCK ntp  udp/123 ntp.ubuntu.com  from node n0  blocked at firewall by default-deny (aks-fw: no rule matched)"), text)
        XCTAssertTrue(text.contains("PASS  ntp  udp/123 ntp.ubuntu.com  from node n0  allowed by aks-egress/aks-network/time"), text)
        XCTAssertTrue(text.hasSuffix("1 of 2 required egress flows blocked"))
        let json = EgressCheckReport.json(r)
        XCTAssertEqual(json["passed"], .bool(false))
        XCTAssertEqual(json["blocked"], .uint(1))
        guard case .array(let flows)? = json["flows"] else { return XCTFail() }
        XCTAssertEqual(flows[0]["rule"], .string("default-deny"))
        XCTAssertEqual(flows[0]["stage"], .string("firewall"))
        XCTAssertEqual(flows[0]["sni"], .null)
    }
}
