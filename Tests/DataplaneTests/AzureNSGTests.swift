import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import XCTest

/// NSG semantics (azure-networking.md §1). A small VNet: subnet `web` (NSG web-nsg) with two VMs,
/// vm-web (NIC NSG web-nic-nsg, ASG AsgWeb) and vm-web2; subnet `app` (NSG app-nsg) with vm-app.
/// A NAT gateway gives the subnets Internet egress.
final class AzureNSGTests: XCTestCase {
    typealias F = AzureFixture

    static func cluster(web: [SecurityRule] = [], nic: [SecurityRule] = [], app: [SecurityRule] = [],
                        webRouteTable: RouteTable? = nil) -> Cluster {
        var c = Cluster()
        c.settings.outboundType = .loadBalancer
        var v = VirtualNetwork()
        v.name = "vnet1"
        v.addressSpaces = [cidr("10.1.0.0/16")]
        var peer = VirtualNetworkPeering()
        peer.name = "to-hub"
        peer.remoteAddressSpaces = [cidr("10.50.0.0/16")]
        v.peerings = [peer]
        var webS = Subnet()
        webS.name = "web"
        webS.prefixes = [cidr("10.1.1.0/24")]
        webS.networkSecurityGroup = "web-nsg"
        webS.natGateway = "nat-1"
        webS.routeTable = webRouteTable?.name
        var appS = Subnet()
        appS.name = "app"
        appS.prefixes = [cidr("10.1.2.0/24")]
        appS.networkSecurityGroup = "app-nsg"
        appS.natGateway = "nat-1"
        v.subnets = [webS, appS]
        c.virtualNetworks = [v]
        if let t = webRouteTable { c.routeTables = [t] }
        var nat = NATGateway()
        nat.name = "nat-1"
        nat.publicIPs = [ip("52.1.1.1")]
        c.natGateways = [nat]
        func nicOf(_ name: String, _ a: String, _ subnet: String, nsg: String? = nil, asgs: [String] = []) -> NetworkInterface {
            var n = NetworkInterface()
            n.name = name
            n.ipAddresses = [ip(a)]
            n.subnet = "vnet1/\(subnet)"
            n.networkSecurityGroup = nsg
            n.applicationSecurityGroups = asgs
            return n
        }
        c.networkInterfaces = [
            nicOf("vm-web", "10.1.1.4", "web", nsg: "web-nic-nsg", asgs: ["AsgWeb"]),
            nicOf("vm-web2", "10.1.1.5", "web"),
            nicOf("vm-app", "10.1.2.4", "app", asgs: ["AsgApp"]),
        ]
        c.applicationSecurityGroups = [ApplicationSecurityGroup(name: "AsgWeb"), ApplicationSecurityGroup(name: "AsgApp")]
        func nsg(_ name: String, _ rules: [SecurityRule]) -> NetworkSecurityGroup {
            var g = NetworkSecurityGroup()
            g.name = name
            g.rules = rules
            return g
        }
        c.networkSecurityGroups = [nsg("web-nsg", web), nsg("web-nic-nsg", nic), nsg("app-nsg", app)]
        c.serviceTags = [ServiceTag(name: "Storage.WestUS", prefixes: [cidr("20.38.0.0/16"), cidr("52.239.0.0/16")])]
        return c
    }

    static func net(web: [SecurityRule] = [], nic: [SecurityRule] = [], app: [SecurityRule] = [], webRouteTable: RouteTable? = nil) -> AzureNetwork {
        AzureNetwork.compiled(cluster(web: web, nic: nic, app: app, webRouteTable: webRouteTable))
    }

    let ssh = PortRange(single: 22)

    // §1.2 rule 1: ascending priority, first match decides.
    func testFirstMatchByPriority() {
        let n = Self.net(app: [F.nsgRule("allow-ssh", 200, dstPorts: [ssh]), F.nsgRule("deny-ssh", 100, .Inbound, .Deny, dstPorts: [ssh])])
        XCTAssertDrop(n.send("10.1.1.4", "10.1.2.4", 22), .nsg, "app-nsg/deny-ssh")
    }

    func testLowerPriorityNumberWinsOverAllow() {
        let n = Self.net(app: [F.nsgRule("deny-ssh", 300, .Inbound, .Deny, dstPorts: [ssh]), F.nsgRule("allow-ssh", 200, dstPorts: [ssh])])
        XCTAssertAllow(n.send("10.1.1.4", "10.1.2.4", 22), rule: "app-nsg/allow-ssh")
    }

    // §1.3: exact default rule names; every NSG produces a verdict.
    func testDefaultDenyAllInBoundFromInternetSource() {
        let n = Self.net()
        let d = n.subnetSecurityDecision("vnet1/app", inbound: true, FlowKey(src: ip("198.51.100.7"), dst: ip("10.1.2.4"), srcPort: 1, dstPort: 8080, proto: .tcp))
        XCTAssertEqual(d?.allow, false)
        XCTAssertEqual(d?.rule, "app-nsg/DenyAllInBound")
    }

    func testDefaultAllowVnetInBoundAttributedToLastNSG() {
        // §1.2 rule 4: an allow is attributed to the last NSG that allowed (NIC NSG inbound).
        let c = Self.net().send("10.1.2.4", "10.1.1.4", 5000)
        XCTAssertAllow(c, rule: "web-nic-nsg/AllowVnetInBound")
        XCTAssertEqual(c.hops.filter { $0.stage == .nsg }.map(\.rule),
                       ["app-nsg/AllowVnetOutBound", "web-nsg/AllowVnetInBound", "web-nic-nsg/AllowVnetInBound"])
    }

    func testDefaultAllowInternetOutBoundThenNATGateway() {
        let c = Self.net().send("10.1.1.4", "198.51.100.7", 443)
        XCTAssertAllow(c, rule: "web-nsg/AllowInternetOutBound")
        XCTAssertEqual(c.flow.src, ip("52.1.1.1"))
        XCTAssertTrue(c.hops.contains { $0.stage == .snat && $0.result == .nat })
    }

    func testIPv6EgressNeedsAnIPv6PublicAddress() {
        // A dual-stack subnet behind an IPv4-only NAT gateway: Azure never translates an IPv6 flow
        // to an IPv4 address, so IPv6 Internet egress has no public source; with an IPv6 public IP
        // on the gateway it is translated to that address.
        var cl = Self.cluster()
        cl.virtualNetworks[0].addressSpaces.append(cidr("fd00:1::/48"))
        cl.virtualNetworks[0].subnets[0].prefixes.append(cidr("fd00:1:0:1::/64"))
        cl.networkInterfaces[1].ipAddresses.append(ip("fd00:1:0:1::5"))
        let c = AzureNetwork.compiled(cl).send("fd00:1:0:1::5", "2606:4700::1", 443)
        XCTAssertDrop(c, .snat, "snat:no-outbound-ip")
        XCTAssertEqual(AzureNetwork.compiled(cl).send("10.1.1.5", "198.51.100.7", 443).flow.src, ip("52.1.1.1"))
        cl.natGateways[0].publicIPs.append(ip("2603:1030:20::9"))
        let v6 = AzureNetwork.compiled(cl).send("fd00:1:0:1::5", "2606:4700::1", 443)
        XCTAssertAllow(v6, rule: "web-nsg/AllowInternetOutBound")
        XCTAssertEqual(v6.flow.src, ip("2603:1030:20::9"))
    }

    func testDenyAllOutBoundForPrivateSpaceOutsideVNet() {
        // 192.168.0.0/16 is neither VirtualNetwork nor Internet (§1.4, §7.5).
        XCTAssertDrop(Self.net().send("10.1.2.4", "192.168.7.7", 443), .nsg, "app-nsg/DenyAllOutBound")
    }

    // §1.2 rule 3: inbound subnet first, then NIC; a subnet deny ends it.
    func testSubnetDenyStopsBeforeNIC() {
        let n = Self.net(web: [F.nsgRule("deny-5000", 100, .Inbound, .Deny, dstPorts: [PortRange(single: 5000)])],
                         nic: [F.nsgRule("nic-allow-5000", 100, dstPorts: [PortRange(single: 5000)])])
        let c = n.send("10.1.2.4", "10.1.1.4", 5000)
        XCTAssertDrop(c, .nsg, "web-nsg/deny-5000")
        XCTAssertFalse(c.hops.contains { $0.rule.hasPrefix("web-nic-nsg/") })
    }

    func testNICDenyAfterSubnetAllow() {
        let n = Self.net(nic: [F.nsgRule("nic-deny-5000", 100, .Inbound, .Deny, dstPorts: [PortRange(single: 5000)])])
        XCTAssertDrop(n.send("10.1.2.4", "10.1.1.4", 5000), .nsg, "web-nic-nsg/nic-deny-5000")
    }

    func testOutboundNICFirstThenSubnet() {
        let n = Self.net(web: [F.nsgRule("subnet-deny-out", 100, .Outbound, .Deny, dstPorts: [PortRange(single: 7000)])],
                         nic: [F.nsgRule("nic-deny-out", 100, .Outbound, .Deny, dstPorts: [PortRange(single: 7000)])])
        XCTAssertDrop(n.send("10.1.1.4", "10.1.2.4", 7000), .nsg, "web-nic-nsg/nic-deny-out")
        // vm-web2 has no NIC NSG: the subnet NSG decides.
        XCTAssertDrop(n.send("10.1.1.5", "10.1.2.4", 7000), .nsg, "web-nsg/subnet-deny-out")
    }

    func testBothMustAllowOutboundSubnetDeny() {
        let n = Self.net(web: [F.nsgRule("subnet-deny-out", 100, .Outbound, .Deny, dstPorts: [PortRange(single: 7000)])],
                         nic: [F.nsgRule("nic-allow-out", 100, .Outbound, .Allow, dstPorts: [PortRange(single: 7000)])])
        XCTAssertDrop(n.send("10.1.1.4", "10.1.2.4", 7000), .nsg, "web-nsg/subnet-deny-out")
    }

    // §1.2 rule 3: intra-subnet traffic is filtered too.
    func testIntraSubnetTrafficIsFiltered() {
        let n = Self.net(nic: [F.nsgRule("deny-from-web2", 100, .Inbound, .Deny, proto: .any, src: [.prefix(cidr("10.1.1.5/32"))])])
        XCTAssertDrop(n.send("10.1.1.5", "10.1.1.4", 80), .nsg, "web-nic-nsg/deny-from-web2")
        XCTAssertAllow(n.send("10.1.1.5", "10.1.1.6", 80))
    }

    // §1.1 protocols.
    func testUdpRuleDoesNotMatchTcp() {
        let n = Self.net(app: [F.nsgRule("deny-udp-53", 100, .Inbound, .Deny, proto: .udp, dstPorts: [PortRange(single: 53)])])
        XCTAssertAllow(n.send(.tcp, "10.1.1.4", 1, "10.1.2.4", 53))
        XCTAssertDrop(n.send(.udp, "10.1.1.4", 1, "10.1.2.4", 53), .nsg, "app-nsg/deny-udp-53")
    }

    func testAnyProtocolMatchesESPAndGRE() {
        // §7.1 choice: `*` covers every IP protocol.
        let n = Self.net(app: [F.nsgRule("deny-all-web", 100, .Inbound, .Deny, proto: .any, src: [.prefix(cidr("10.1.1.0/24"))])])
        XCTAssertDrop(n.send(.esp, "10.1.1.4", 0, "10.1.2.4", 0), .nsg, "app-nsg/deny-all-web")
        XCTAssertDrop(n.send(.gre, "10.1.1.4", 0, "10.1.2.4", 0), .nsg, "app-nsg/deny-all-web")
    }

    func testEspRuleMatchesOnlyESP() {
        let n = Self.net(app: [F.nsgRule("deny-esp", 100, .Inbound, .Deny, proto: .esp)])
        XCTAssertDrop(n.send(.esp, "10.1.1.4", 0, "10.1.2.4", 0), .nsg, "app-nsg/deny-esp")
        XCTAssertAllow(n.send(.ah, "10.1.1.4", 0, "10.1.2.4", 0))
    }

    func testIcmpRuleIgnoresPorts() {
        // §7.2: port fields are wildcards for ICMP (FlowKey carries the echo id in the ports).
        let n = Self.net(app: [F.nsgRule("deny-ping", 100, .Inbound, .Deny, proto: .icmp, dstPorts: [PortRange(single: 80)])])
        XCTAssertDrop(n.send(.icmp, "10.1.1.4", 4321, "10.1.2.4", 4321), .nsg, "app-nsg/deny-ping")
    }

    // §1.1 augmented rules.
    func testAugmentedPortList() {
        let n = Self.net(app: [F.nsgRule("deny-ports", 100, .Inbound, .Deny, dstPorts: [PortRange(single: 80), PortRange(10000, 10005)])])
        XCTAssertDrop(n.send("10.1.1.4", "10.1.2.4", 10003), .nsg, "app-nsg/deny-ports")
        XCTAssertDrop(n.send("10.1.1.4", "10.1.2.4", 80), .nsg, "app-nsg/deny-ports")
        XCTAssertAllow(n.send("10.1.1.4", "10.1.2.4", 9999))
    }

    func testAugmentedPrefixList() {
        let n = Self.net(app: [F.nsgRule("deny-some", 100, .Inbound, .Deny, src: [.prefix(cidr("10.1.1.5/32")), .prefix(cidr("10.50.0.0/16"))])])
        XCTAssertDrop(n.send("10.1.1.5", "10.1.2.4", 80), .nsg, "app-nsg/deny-some")
        XCTAssertAllow(n.send("10.1.1.4", "10.1.2.4", 80))
    }

    func testSourcePortRange() {
        let n = Self.net(app: [F.nsgRule("deny-low-sport", 100, .Inbound, .Deny, srcPorts: [PortRange(1, 1023)])])
        XCTAssertDrop(n.send(.tcp, "10.1.1.4", 999, "10.1.2.4", 80), .nsg, "app-nsg/deny-low-sport")
        XCTAssertAllow(n.send(.tcp, "10.1.1.4", 40000, "10.1.2.4", 80))
    }

    // §1.5 application security groups.
    func testDestinationASGAppliesOnlyToMembers() {
        let n = Self.net(web: [F.nsgRule("deny-to-asgweb", 100, .Inbound, .Deny, proto: .any, dstASG: ["AsgWeb"])])
        XCTAssertDrop(n.send("10.1.2.4", "10.1.1.4", 80), .nsg, "web-nsg/deny-to-asgweb")
        XCTAssertAllow(n.send("10.1.2.4", "10.1.1.5", 80), rule: "web-nsg/AllowVnetInBound")
    }

    func testSourceASG() {
        let n = Self.net(web: [F.nsgRule("deny-from-asgapp", 100, .Inbound, .Deny, proto: .any, srcASG: ["AsgApp"])])
        XCTAssertDrop(n.send("10.1.2.4", "10.1.1.5", 80), .nsg, "web-nsg/deny-from-asgapp")
        XCTAssertAllow(n.send("10.1.1.4", "10.1.1.5", 80))
    }

    // §1.4 service tags.
    func testUserServiceTag() {
        let n = Self.net(app: [F.nsgRule("deny-storage", 100, .Outbound, .Deny, dst: [.serviceTag("Storage.WestUS")])])
        XCTAssertDrop(n.send("10.1.2.4", "52.239.4.4", 443), .nsg, "app-nsg/deny-storage")
        XCTAssertAllow(n.send("10.1.2.4", "52.240.4.4", 443), rule: "app-nsg/AllowInternetOutBound")
    }

    func testUnknownServiceTagMatchesNothingAndWarns() {
        let c = Self.cluster(app: [F.nsgRule("deny-sql", 100, .Outbound, .Deny, dst: [.serviceTag("Sql.EastUS")])])
        let n = AzureNetwork.compiled(c)
        XCTAssertAllow(n.send("10.1.2.4", "52.240.4.4", 1433))
        XCTAssertTrue(n.diagnostics.contains { $0.message.contains("Sql.EastUS") })
    }

    func testInternetTagDoesNotCoverPrivateSpace() {
        let n = Self.net(app: [F.nsgRule("deny-internet", 100, .Outbound, .Deny, proto: .any, dst: [.serviceTag("Internet")])])
        XCTAssertDrop(n.send("10.1.2.4", "198.51.100.7", 443), .nsg, "app-nsg/deny-internet")
        XCTAssertDrop(n.send("10.1.2.4", "172.20.0.1", 443), .nsg, "app-nsg/DenyAllOutBound")
        XCTAssertAllow(n.send("10.1.2.4", "10.1.1.5", 443))
    }

    func testVirtualNetworkTagIncludesPeeredSpace() {
        let c = Self.net().send("10.50.3.3", "10.1.2.4", 8080)
        XCTAssertAllow(c, rule: "app-nsg/AllowVnetInBound")
    }

    func testVirtualNetworkTagContainsHostVirtualIPSoProbesPass() {
        // §1.4 + issue #38326: 168.63.129.16 is in VirtualNetwork: AllowVnetInBound (65000) admits probes.
        XCTAssertAllow(Self.net().send("168.63.129.16", "10.1.2.4", 80), rule: "app-nsg/AllowVnetInBound")
    }

    func testDenyVirtualNetworkInboundAlsoBlocksProbes() {
        let n = Self.net(app: [F.nsgRule("deny-vnet", 100, .Inbound, .Deny, proto: .any, src: [.serviceTag("VirtualNetwork")])])
        XCTAssertDrop(n.send("168.63.129.16", "10.1.2.4", 80), .nsg, "app-nsg/deny-vnet")
    }

    func testAzureLoadBalancerTagIsOnlyTheHostIP() {
        let n = Self.net(app: [F.nsgRule("deny-alb", 100, .Inbound, .Deny, proto: .any, src: [.serviceTag("AzureLoadBalancer")])])
        XCTAssertDrop(n.send("168.63.129.16", "10.1.2.4", 80), .nsg, "app-nsg/deny-alb")
        XCTAssertAllow(n.send("10.1.1.4", "10.1.2.4", 80))
    }

    func testUDRPrefixesEnterTheTagOnlyOnTheRouteTableSubnet() {
        // Issues #22178 / #124192: 0.0.0.0/0 UDR on `web` makes its VirtualNetwork tag everything.
        let rt = F.defaultRoute(table: "web-rt", route: "default", via: "10.1.3.4")
        let n = Self.net(webRouteTable: rt)
        let inet = FlowKey(src: ip("198.51.100.7"), dst: ip("10.1.1.5"), srcPort: 1, dstPort: 8080, proto: .tcp)
        XCTAssertEqual(n.subnetSecurityDecision("web", inbound: true, inet)?.rule, "web-nsg/AllowVnetInBound")
        XCTAssertEqual(n.subnetSecurityDecision("app", inbound: true, inet)?.rule, "app-nsg/DenyAllInBound")
    }

    func testInternetTagStillMatchesPublicSpaceUnderDefaultRouteUDR() {
        // Service tags overview + MicrosoftDocs/azure-docs#81801: Internet is public space outside
        // the VNet, not "outside the VirtualNetwork tag"; a prefix can be in both. With a
        // 0.0.0.0/0 UDR on `web`, a user deny on Internet at a better priority than the default
        // AllowVnetOutBound still stops public destinations; private ones stay VirtualNetwork.
        let rt = F.defaultRoute(table: "web-rt", route: "default", via: "10.1.3.4")
        let deny = F.nsgRule("deny-internet", 100, .Outbound, .Deny, proto: .any, dst: [.serviceTag("Internet")])
        let n = Self.net(web: [deny], webRouteTable: rt)
        XCTAssertDrop(n.send("10.1.1.4", "198.51.100.7", 443), .nsg, "web-nsg/deny-internet")
        let east = FlowKey(src: ip("10.1.1.4"), dst: ip("10.1.2.4"), srcPort: 1, dstPort: 443, proto: .tcp)
        XCTAssertEqual(n.subnetSecurityDecision("web", inbound: false, east)?.rule, "web-nsg/AllowVnetOutBound")
        // Inbound: an allow from Internet matches a public source on the UDR subnet too.
        let allowIn = F.nsgRule("allow-internet-8080", 100, .Inbound, .Allow, proto: .any, src: [.serviceTag("Internet")])
        let m = Self.net(web: [allowIn], webRouteTable: rt)
        let inet = FlowKey(src: ip("198.51.100.7"), dst: ip("10.1.1.5"), srcPort: 1, dstPort: 8080, proto: .tcp)
        XCTAssertEqual(m.subnetSecurityDecision("web", inbound: true, inet)?.rule, "web-nsg/allow-internet-8080")
    }

    // §1.2 rule 6: platform exemptions.
    func testPlatformDNSExemptFromDenyAll() {
        let n = Self.net(app: [F.nsgRule("deny-everything-out", 100, .Outbound, .Deny, proto: .any)])
        XCTAssertAllow(n.send(.udp, "10.1.2.4", 5353, "168.63.129.16", 53), rule: "platform:DNS")
        XCTAssertAllow(n.send("10.1.2.4", "169.254.169.254", 80), rule: "platform:IMDS")
        XCTAssertDrop(n.send("10.1.2.4", "10.1.1.4", 80), .nsg, "app-nsg/deny-everything-out")
    }

    func testAzurePlatformDNSTagRuleFiltersDNS() {
        let n = Self.net(app: [F.nsgRule("deny-platform-dns", 100, .Outbound, .Deny, proto: .any, dst: [.serviceTag("AzurePlatformDNS")])])
        XCTAssertDrop(n.send(.udp, "10.1.2.4", 5353, "168.63.129.16", 53), .nsg, "app-nsg/deny-platform-dns")
    }

    // Naming one platform tag lifts that service's exemption only: an IMDS rule next to a deny-all
    // leaves DNS to 168.63.129.16 exempt, while IMDS now meets the rules.
    func testPlatformTagLiftsOnlyItsOwnServiceExemption() {
        let n = Self.net(app: [
            F.nsgRule("deny-imds", 100, .Outbound, .Deny, proto: .any, dst: [.serviceTag("AzurePlatformIMDS")]),
            F.nsgRule("deny-everything-out", 200, .Outbound, .Deny, proto: .any),
        ])
        XCTAssertAllow(n.send(.udp, "10.1.2.4", 5353, "168.63.129.16", 53), rule: "platform:DNS")
        XCTAssertDrop(n.send("10.1.2.4", "169.254.169.254", 80), .nsg, "app-nsg/deny-imds")
    }

    func testDuplicatePriorityIsReported() {
        let c = Self.cluster(app: [F.nsgRule("a", 100, dstPorts: [ssh]), F.nsgRule("b", 100, .Inbound, .Deny, dstPorts: [ssh])])
        let n = AzureNetwork.compiled(c)
        XCTAssertTrue(n.diagnostics.contains { $0.message.contains("share priority 100") })
        // Name order decides deterministically: "a" (allow) first.
        XCTAssertAllow(n.send("10.1.1.4", "10.1.2.4", 22), rule: "app-nsg/a")
    }

    func testTraceDisabledRecordsNothing() {
        let c = Self.net().send("10.1.2.4", "10.1.1.4", 5000, trace: false)
        XCTAssertAllow(c, rule: "web-nic-nsg/AllowVnetInBound")
        XCTAssertTrue(c.hops.isEmpty)
    }
}
