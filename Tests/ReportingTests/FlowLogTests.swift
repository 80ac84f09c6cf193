import Dataplane
import NetworkAddress
import PacketWire
@testable import Reporting
import XCTest

/// VNet flow-log v4 shape (azure-networking.md §1.9).
final class FlowLogTests: XCTestCase {
    func key(_ s: String, _ d: String, _ sp: UInt16, _ dp: UInt16, _ p: IPProtocol = .tcp) -> FlowKey {
        FlowKey(src: IPAddress(s)!, dst: IPAddress(d)!, srcPort: sp, dstPort: dp, proto: p)
    }

    func testRuleNamesBecomeDefaultOrUserRules() {
        XCTAssertEqual(FlowLog.split(rule: "aks-agentpool-nsg/DenyAllInBound").acl, "aks-agentpool-nsg")
        XCTAssertEqual(FlowLog.split(rule: "aks-agentpool-nsg/DenyAllInBound").rule, "DefaultRule_DenyAllInBound")
        XCTAssertEqual(FlowLog.split(rule: "aks-agentpool-nsg/k8s-azure-lb_allow_frontend_80").rule, "UserRule_k8s-azure-lb_allow_frontend_80")
        XCTAssertEqual(FlowLog.split(rule: "aks-egress/aks-fqdns/github").acl, "akssim")
    }

    func testTupleFormat() {
        let e = FlowLogEntry(timeMillis: 1_663_146_003_599, flow: key("10.0.0.6", "192.168.0.4", 23956, 22), direction: .outbound,
                             state: .begin, rule: "nsg/AllowVnetOutBound")
        XCTAssertEqual(FlowLog.tuple(e), "1663146003599,10.0.0.6,192.168.0.4,23956,22,6,O,B,NX,0,0,0,0")
        var d = e
        d.state = .denied
        d.direction = .inbound
        d.flow = key("198.51.100.7", "10.224.0.4", 1, 53, .udp)
        d.packetsOut = 1
        d.bytesOut = 60
        // Microsoft's samples write denied tuples without statistics: `…,I,D,NX,0,0,0,0`.
        XCTAssertEqual(FlowLog.tuple(d), "1663146003599,198.51.100.7,10.224.0.4,1,53,17,I,D,NX,0,0,0,0")
        var b = e
        b.packetsOut = 3
        XCTAssertEqual(FlowLog.tuple(b), "1663146003599,10.0.0.6,192.168.0.4,23956,22,6,O,B,NX,0,0,0,0")
        var end = b
        end.state = .end
        end.bytesOut = 767
        end.packetsIn = 2
        end.bytesIn = 1580
        XCTAssertEqual(FlowLog.tuple(end), "1663146003599,10.0.0.6,192.168.0.4,23956,22,6,O,E,NX,3,767,2,1580")
    }

    func testTimestamp() {
        XCTAssertEqual(FlowLog.timestamp(millis: 0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(FlowLog.timestamp(millis: 1_663_146_003_599), "2022-09-14T09:00:03.599Z")
        XCTAssertEqual(FlowLog.timestamp(millis: 951_782_400_007), "2000-02-29T00:00:00.007Z")
    }

    func testDocumentGroupsByMinuteACLAndRule() {
        let t0: UInt64 = 1_700_000_000_000 - 1_700_000_000_000 % 60_000
        let entries = [
            FlowLogEntry(timeMillis: t0 + 10, flow: key("198.51.100.7", "20.62.20.30", 1, 80), direction: .inbound, state: .begin, rule: "nsg-a/UserAllow"),
            FlowLogEntry(timeMillis: t0 + 20, flow: key("198.51.100.8", "20.62.20.30", 2, 80), direction: .inbound, state: .begin, rule: "nsg-a/UserAllow"),
            FlowLogEntry(timeMillis: t0 + 30, flow: key("192.0.2.99", "10.224.0.4", 3, 22), direction: .inbound, state: .denied, rule: "nsg-a/DenyAllInBound"),
            FlowLogEntry(timeMillis: t0 + 61_000, flow: key("10.224.0.4", "1.1.1.1", 4, 443), direction: .outbound, state: .end, rule: "nsg-b/AllowInternetOutBound",
                         packetsOut: 10, bytesOut: 1000, packetsIn: 9, bytesIn: 9000),
        ]
        let doc = FlowLog.document(entries, targetResourceID: "/subscriptions/x/virtualNetworks/aks-vnet")
        guard case .array(let records)? = doc["records"] else { return XCTFail("records") }
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(records[0]["flowLogVersion"], .int(4))
        XCTAssertEqual(records[0]["category"], .string("FlowLogFlowEvent"))
        guard case .array(let flows)? = records[0]["flowRecords"]?["flows"], flows.count == 1,
              case .array(let groups)? = flows[0]["flowGroups"] else { return XCTFail("flows") }
        XCTAssertEqual(flows[0]["aclID"], .string("nsg-a"))
        XCTAssertEqual(groups.count, 2)
        XCTAssertEqual(groups[0]["rule"], .string("UserRule_UserAllow"))
        guard case .array(let tuples)? = groups[0]["flowTuples"] else { return XCTFail("tuples") }
        XCTAssertEqual(tuples.count, 2)
        XCTAssertEqual(groups[1]["rule"], .string("DefaultRule_DenyAllInBound"))
        XCTAssertTrue(doc.compact.contains("\"10.224.0.4,1.1.1.1,4,443,6,O,E,NX,10,1000,9,9000\"") || doc.compact.contains(",10.224.0.4,1.1.1.1,4,443,6,O,E,NX,10,1000,9,9000\""))
    }
}
