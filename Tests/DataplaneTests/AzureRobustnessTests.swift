import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import XCTest

/// Incomplete or inconsistent models compile with diagnostics and carry packets without trapping.
final class AzureRobustnessTests: XCTestCase {
    func testEmptyCluster() {
        let n = AzureNetwork.compiled(Cluster())
        XCTAssertAllow(n.send("198.51.100.7", "93.184.215.14", 443))
        XCTAssertDrop(n.send("198.51.100.7", "10.0.0.1", 443), .route, "route:10.0.0.0/8->None")
        XCTAssertAllow(n.send(.init(rawValue: 0), "2001:db8::1", 0, "2001:4860::8888", 0))
        XCTAssertEqual(n.classify(ip("10.0.0.1")), .unroutable)
        XCTAssertNil(n.firewallPrivateIP)
    }

    func testDanglingReferences() {
        var c = AzureFixture.defaultCluster()
        c.virtualNetworks[0].subnets[0].routeTable = "missing-rt"
        c.firewalls[0].policy = "missing-policy"
        c.loadBalancers[0].rules[0].backendPool = "missing-pool"
        c.loadBalancers[0].rules[1].probe = "missing-probe"
        c.networkInterfaces[0].subnet = "nope/nope"
        c.networkInterfaces[1].networkSecurityGroup = "missing-nsg"
        c.nodes[2].internalIPs = []
        c.endpointSlices[1].endpoints[0].nodeName = nil
        c.endpointSlices[1].endpoints[0].addresses = []
        var rt = RouteTable()
        rt.name = "other"
        var r = Route()
        r.name = "bad"
        r.nextHopType = .VirtualAppliance
        rt.routes = [r]
        c.routeTables.append(rt)
        c.virtualNetworks[0].subnets[1].routeTable = "other"
        let n = AzureNetwork.compiled(c)
        let messages = n.diagnostics.map(\.description).joined(separator: "\n")
        for word in ["missing-rt", "missing-policy", "missing-nsg", "nextHopIpAddress"] {
            XCTAssertTrue(messages.contains(word), "no diagnostic for \(word):\n\(messages)")
        }
        // Every kind of leg still produces a verdict.
        XCTAssertEqual(n.send("10.224.0.20", "140.82.112.6", 443, sni: "api.github.com").verdict, .drop)
        XCTAssertDrop(n.send("198.51.100.7", "20.62.20.30", 80), .loadBalancer, "kubernetes/frontend-TCP-80")
        _ = n.send("198.51.100.7", "20.62.20.40", 443)
        _ = n.send("10.224.0.4", "10.224.0.6", 22)
        _ = n.send("168.63.129.16", "10.224.0.6", 22)
    }

    func testIPv6Internet() {
        var c = AzureFixture.defaultCluster()
        c.virtualNetworks[0].addressSpaces.append(cidr("fd00:10::/48"))
        c.virtualNetworks[0].subnets[0].prefixes.append(cidr("fd00:10::/64"))
        c.nodes[0].internalIPs.append(ip("fd00:10::4"))
        let n = AzureNetwork.compiled(c)
        XCTAssertEqual(n.classify(ip("fd00:10::4")), .node(0))
        XCTAssertDrop(n.send("2001:db8::7", "fd00:10::4", 443), .route, "route:fc00::/7->None")
        XCTAssertAllow(n.send("fd00:10::4", "fd00:10::9", 443))
    }

    func testHugeSNIAndOddHostHeaders() {
        let n = AzureNetwork.compiled(AzureFixture.defaultCluster())
        let long = String(repeating: "a", count: 5000) + ".github.com"
        XCTAssertAllow(n.send("10.224.0.20", "140.82.112.6", 443, sni: long), rule: "aks-egress/aks-fqdns/github")
        XCTAssertDrop(n.send("10.224.0.4", "20.61.99.1", 80, host: ":80"), .firewall, "default-deny")
        XCTAssertDrop(n.send("10.224.0.4", "20.61.99.1", 80, host: "."), .firewall, "default-deny")
    }
}
