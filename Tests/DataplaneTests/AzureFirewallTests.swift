import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import XCTest

/// Azure Firewall semantics (azure-networking.md §2) on the default cluster: egress from pods and
/// nodes is routed 0.0.0.0/0 → aks-fw (userDefinedRouting, §3.2).
final class AzureFirewallTests: XCTestCase {
    typealias F = AzureFixture
    let frontend = "10.224.0.20"   // shop/frontend-1 (flat Azure CNI: pod IP is a VNet IP)
    let node0 = "10.224.0.4"

    func net(_ edit: (inout Cluster) -> Void = { _ in }) -> AzureNetwork {
        var c = F.defaultCluster()
        edit(&c)
        return AzureNetwork.compiled(c)
    }

    func policy(_ c: inout Cluster, _ groups: [RuleCollectionGroup]) {
        c.firewallPolicies[0].ruleCollectionGroups = groups
    }

    // §2.2 application rules: HTTPS by SNI, wildcard, SNAT to the public IP (§2.4).
    func testApplicationRuleBySNIAndSNAT() {
        let c = net().send(frontend, "140.82.112.6", 443, sni: "api.github.com")
        XCTAssertAllow(c, rule: "aks-egress/aks-fqdns/github", landed: -1)
        XCTAssertEqual(c.flow.src, ip("20.62.10.4"))
        XCTAssertEqual(c.flow.dst, ip("140.82.112.6"))
        XCTAssertEqual(c.hops.map(\.stage), [.nsg, .route, .firewall, .snat, .route, .route])
        XCTAssertTrue(c.hops.contains { $0.stage == .snat && $0.detail.contains("20.62.10.4") })
    }

    func testWildcardDoesNotMatchApexButExplicitApexDoes() {
        var n = net { c in
            c.firewallPolicies[0].ruleCollectionGroups[0].collections[1].rules[1].targetFQDNs = ["*.github.com"]
        }
        XCTAssertDrop(n.send(frontend, "140.82.112.3", 443, sni: "github.com"), .firewall, "default-deny")
        n = net()
        XCTAssertAllow(n.send(frontend, "140.82.112.3", 443, sni: "github.com"), rule: "aks-egress/aks-fqdns/github")
    }

    func testWildcardMatchesAnyDepth() {
        XCTAssertAllow(net().send(frontend, "140.82.112.9", 443, sni: "a.b.github.com"), rule: "aks-egress/aks-fqdns/github")
    }

    func testLeadingStarWithoutDotMatchesSuffix() {
        // FAQ: `*contoso.com` also matches `xcontoso.com`.
        let n = net { c in c.firewallPolicies[0].ruleCollectionGroups[0].collections[1].rules[1].targetFQDNs = ["*github.com"] }
        XCTAssertAllow(n.send(frontend, "1.2.3.4", 443, sni: "evilgithub.com"), rule: "aks-egress/aks-fqdns/github")
        XCTAssertAllow(n.send(frontend, "1.2.3.4", 443, sni: "github.com"), rule: "aks-egress/aks-fqdns/github")
    }

    func testSuffixLookalikeDenied() {
        let c = net().send(frontend, "1.2.3.4", 443, sni: "evilgithub.com")
        XCTAssertDrop(c, .firewall, "default-deny")
        XCTAssertTrue(c.hops.last?.detail.contains("no rule matched") ?? false)
    }

    func testSNIMatchIsCaseInsensitive() {
        XCTAssertAllow(net().send(frontend, "140.82.112.6", 443, sni: "API.GitHub.COM"), rule: "aks-egress/aks-fqdns/github")
    }

    // §2.2 / §3.3: FQDN tag AzureKubernetesService.
    func testFQDNTagAllowsMCR() {
        XCTAssertAllow(net().send(node0, "20.61.99.1", 443, sni: "mcr.microsoft.com"), rule: "aks-egress/aks-fqdns/aks-fqdn-tag")
    }

    func testFQDNTagCoversRegionalHCPWildcard() {
        XCTAssertAllow(net().send(node0, "20.62.99.9", 443, sni: "aks-contoso-abc123.hcp.eastus.azmk8s.io"), rule: "aks-egress/aks-fqdns/aks-fqdn-tag")
        XCTAssertDrop(net().send(node0, "20.62.99.9", 443, sni: "x.hcp.westus.azmk8s.io"), .firewall, "default-deny")
    }

    func testFQDNTagTableCanBeOverridden() {
        let n = net { c in c.fqdnTags = [FQDNTag(name: "AzureKubernetesService", fqdns: ["only.example.org"])] }
        XCTAssertDrop(n.send(node0, "20.61.99.1", 443, sni: "mcr.microsoft.com"), .firewall, "default-deny")
        XCTAssertAllow(n.send(node0, "20.61.99.2", 443, sni: "only.example.org"), rule: "aks-egress/aks-fqdns/aks-fqdn-tag")
    }

    // §7.10: HTTPS without SNI.
    func testHTTPSWithoutSNIDeniedWithReason() {
        let c = net().send(frontend, "140.82.112.6", 443)
        XCTAssertDrop(c, .firewall, "default-deny")
        XCTAssertTrue(c.hops.last?.detail.contains("SNI missing") ?? false, "\(c.hops)")
    }

    // §2.2: HTTP by Host header (with a port suffix), on the Http protocol port only.
    func testHTTPHostHeader() {
        XCTAssertAllow(net().send(node0, "20.61.99.1", 80, host: "packages.microsoft.com"), rule: "aks-egress/aks-fqdns/aks-fqdn-tag")
        XCTAssertAllow(net().send(node0, "20.61.99.1", 80, host: "packages.microsoft.com:80"), rule: "aks-egress/aks-fqdns/aks-fqdn-tag")
        // Reading (docs silent): the rule's protocol:port is the TCP destination port; the Host
        // header's port is not compared, only its name (README "How the Azure layer decides").
        XCTAssertAllow(net().send(node0, "20.61.99.1", 80, host: "packages.microsoft.com:8080"), rule: "aks-egress/aks-fqdns/aks-fqdn-tag")
        XCTAssertDrop(net().send(node0, "20.61.99.1", 8080, host: "packages.microsoft.com:80"), .firewall, "default-deny")
        // github rule lists Https:443 only.
        XCTAssertDrop(net().send(node0, "140.82.112.6", 80, host: "api.github.com"), .firewall, "default-deny")
    }

    func testApplicationRuleSourceAddressesApply() {
        let n = net { c in
            c.firewallPolicies[0].ruleCollectionGroups[0].collections[1].rules[1].sourceAddresses = ["10.224.0.21"]
        }
        XCTAssertDrop(n.send(frontend, "140.82.112.6", 443, sni: "api.github.com"), .firewall, "default-deny")
        XCTAssertAllow(n.send("10.224.0.21", "140.82.112.6", 443, sni: "api.github.com"))
    }

    // §2.2 network rules: service tags, FQDNs through DNS, protocols.
    func testNetworkRuleServiceTag() {
        XCTAssertAllow(net().send(.udp, node0, 50000, "20.62.5.5", 1194), rule: "aks-egress/aks-network/apiudp")
        XCTAssertAllow(net().send(.tcp, node0, 50000, "20.62.5.5", 9000), rule: "aks-egress/aks-network/apitcp")
        XCTAssertDrop(net().send(.tcp, node0, 50000, "20.62.5.5", 1194), .firewall, "default-deny")
        XCTAssertDrop(net().send(.udp, node0, 50000, "20.62.200.5", 1194), .firewall, "default-deny")
    }

    func testNetworkRuleFQDNResolvedFromDNSRecords() {
        let c = net().send(.udp, node0, 123, "91.189.91.157", 123)
        XCTAssertAllow(c, rule: "aks-egress/aks-network/time")
        XCTAssertEqual(c.flow.src, ip("20.62.10.4"))
        XCTAssertDrop(net().send(.udp, node0, 123, "185.125.190.56", 123), .firewall, "default-deny")
    }

    func testLearnDNSFeedsFQDNNetworkRules() {
        var n = net()
        XCTAssertTrue(n.learnDNS(name: "NTP.ubuntu.com.", address: ip("185.125.190.56")))
        XCTAssertFalse(n.learnDNS(name: "unused.example.com", address: ip("1.1.1.1")))
        XCTAssertAllow(n.send(.udp, node0, 123, "185.125.190.56", 123), rule: "aks-egress/aks-network/time")
    }

    func testAnyProtocolWithPortIsTCPAndUDPOnly() {
        let n = net { c in
            policy(&c, [F.group("g", 100, [F.collection("c", 100, .network, .Allow, [
                F.fwRule("any-port", protos: ["Any"], dst: ["8.8.8.8"], ports: [PortRange(single: 53)]),
                F.fwRule("any", protos: ["Any"], dst: ["8.8.4.4"]),
            ])])])
        }
        XCTAssertAllow(n.send(.udp, node0, 999, "8.8.8.8", 53), rule: "g/c/any-port")
        XCTAssertDrop(n.send(.icmp, node0, 7, "8.8.8.8", 7), .firewall, "default-deny")
        // `Any` without ports matches ICMP and GRE; toward the Internet they then fail at SNAT
        // (known issue: no SNAT of non-TCP/UDP protocols to the firewall's public IP).
        for proto in [IPProtocol.icmp, .gre] {
            let c = n.send(proto, node0, 7, "8.8.4.4", 7)
            XCTAssertDrop(c, .snat, "snat:no-outbound-ip")
            XCTAssertTrue(c.hops.contains { $0.stage == .firewall && $0.result == .allow && $0.rule == "g/c/any" }, "\(proto)")
        }
    }

    func testICMPNetworkRuleWorksOnlyWithoutPublicSNAT() {
        // Azure Firewall known issues: network rules for non-TCP/UDP protocols don't work for
        // Internet-bound traffic (no SNAT to the public IP); without SNAT they do.
        let rules = [F.group("g", 100, [F.collection("c", 100, .network, .Allow, [F.fwRule("ping", protos: ["ICMP"], dst: ["*"])])])]
        let snatting = net { c in policy(&c, rules) }
        let out = snatting.send(.icmp, node0, 7, "8.8.8.8", 7)
        XCTAssertDrop(out, .snat, "snat:no-outbound-ip")
        XCTAssertTrue(out.hops.last?.detail.contains("non-TCP/UDP") ?? false)
        XCTAssertDrop(snatting.send(.udp, node0, 999, "8.8.8.8", 7), .firewall, "default-deny")
        let neverSNAT = net { c in
            policy(&c, rules)
            c.firewallPolicies[0].snatPrivateRanges = [IPPrefix("0.0.0.0/0")!]
        }
        XCTAssertAllow(neverSNAT.send(.icmp, node0, 7, "8.8.8.8", 7), rule: "g/c/ping")
    }

    func testIPGroupsAndRanges() {
        let n = net { c in
            c.ipGroups = [IPGroup(name: "shop-pods", addresses: ["10.224.0.20-10.224.0.21"])]
            var r = F.fwRule("from-group", dst: ["*"], ports: [PortRange(single: 8443)])
            r.sourceAddresses = []
            r.sourceIPGroups = ["/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/ipGroups/shop-pods"]
            policy(&c, [F.group("g", 100, [F.collection("c", 100, .network, .Allow, [r])])])
        }
        XCTAssertAllow(n.send("10.224.0.21", "1.2.3.4", 8443), rule: "g/c/from-group")
        XCTAssertDrop(n.send("10.224.0.30", "1.2.3.4", 8443), .firewall, "default-deny")
    }

    // §2.1 ordering.
    func testNetworkRulesBeforeApplicationRulesRegardlessOfPriority() {
        let n = net { c in
            c.firewallPolicies[0].ruleCollectionGroups.append(F.group("late", 60000, [
                F.collection("deny-443", 65000, .network, .Deny, [F.fwRule("all-443", dst: ["*"], ports: [PortRange(single: 443)])]),
            ]))
        }
        XCTAssertDrop(n.send(frontend, "140.82.112.6", 443, sni: "api.github.com"), .firewall, "late/deny-443/all-443")
    }

    func testRuleCollectionGroupPriority() {
        let n = net { c in
            policy(&c, [
                F.group("allow-group", 300, [F.collection("c", 100, .network, .Allow, [F.fwRule("r", dst: ["1.1.1.1"], ports: [PortRange(single: 80)])])]),
                F.group("deny-group", 150, [F.collection("c", 500, .network, .Deny, [F.fwRule("r", dst: ["1.1.1.0/24"], ports: [PortRange(single: 80)])])]),
            ])
        }
        XCTAssertDrop(n.send(node0, "1.1.1.1", 80), .firewall, "deny-group/c/r")
    }

    func testRuleCollectionPriorityInsideGroup() {
        let n = net { c in
            policy(&c, [F.group("g", 100, [
                F.collection("allow", 300, .network, .Allow, [F.fwRule("r", dst: ["1.1.1.1"], ports: [PortRange(single: 80)])]),
                F.collection("deny", 200, .network, .Deny, [F.fwRule("r", dst: ["1.1.1.1"], ports: [PortRange(single: 80)])]),
            ])])
        }
        XCTAssertDrop(n.send(node0, "1.1.1.1", 80), .firewall, "g/deny/r")
    }

    func testRulesInListOrderInsideCollection() {
        let n = net { c in
            policy(&c, [F.group("g", 100, [F.collection("c", 100, .network, .Allow, [
                F.fwRule("first", dst: ["1.1.1.0/24"], ports: [PortRange(single: 80)]),
                F.fwRule("second", dst: ["1.1.1.1"], ports: [PortRange(single: 80)]),
            ])])])
        }
        XCTAssertAllow(n.send(node0, "1.1.1.1", 80), rule: "g/c/first")
    }

    func testParentPolicyRulesComeFirst() {
        let n = net { c in
            var base = FirewallPolicy()
            base.name = "base"
            base.ruleCollectionGroups = [F.group("base-rcg", 65000, [
                F.collection("deny-github", 65000, .application, .Deny, [F.fwRule("gh", .application, app: [("Https", 443)], targets: ["api.github.com"])]),
            ])]
            c.firewallPolicies[0].basePolicy = "base"
            c.firewallPolicies.append(base)
        }
        XCTAssertDrop(n.send(frontend, "140.82.112.6", 443, sni: "api.github.com"), .firewall, "base-rcg/deny-github/gh")
    }

    func testTiedPrioritiesAreReported() {
        let n = net { c in
            c.firewallPolicies[0].ruleCollectionGroups.append(F.group("twin", 200, []))
        }
        XCTAssertTrue(n.diagnostics.contains { $0.message.contains("share priority 200") })
    }

    func testClassicFirewallNaming() {
        let n = net { c in
            c.firewalls[0].policy = nil
            c.firewallPolicies = []
            c.firewalls[0].classicCollections = [F.collection("net-coll", 100, .network, .Allow, [F.fwRule("web", dst: ["1.1.1.1"], ports: [PortRange(single: 80)])])]
        }
        XCTAssertAllow(n.send(node0, "1.1.1.1", 80), rule: "net-coll/web")
    }

    // §2.1 threat intelligence.
    func testThreatIntelDenyDropsBeforeRules() {
        let n = net { c in
            c.firewallPolicies[0].threatIntelMode = .Deny
            c.threatIntel.addresses = [cidr("140.82.112.6/32")]
        }
        XCTAssertDrop(n.send(frontend, "140.82.112.6", 443, sni: "api.github.com"), .firewall, "ThreatIntel")
    }

    func testThreatIntelFQDNHit() {
        let n = net { c in
            c.firewallPolicies[0].threatIntelMode = .Deny
            c.threatIntel.fqdns = ["bad.github.com"]
        }
        XCTAssertDrop(n.send(frontend, "140.82.112.7", 443, sni: "bad.github.com"), .firewall, "ThreatIntel")
        XCTAssertAllow(n.send(frontend, "140.82.112.7", 443, sni: "good.github.com"))
    }

    func testThreatIntelAlertOnlyLogs() {
        let n = net { c in c.threatIntel.addresses = [cidr("140.82.112.6/32")] }
        let c = n.send(frontend, "140.82.112.6", 443, sni: "api.github.com")
        XCTAssertAllow(c, rule: "aks-egress/aks-fqdns/github")
        XCTAssertTrue(c.hops.contains { $0.rule == "ThreatIntel" && $0.result == .pass })
    }

    func testThreatIntelOffAndAllowList() {
        var n = net { c in
            c.firewallPolicies[0].threatIntelMode = .Off
            c.threatIntel.addresses = [cidr("140.82.112.6/32")]
        }
        XCTAssertFalse(n.send(frontend, "140.82.112.6", 443, sni: "api.github.com").hops.contains { $0.rule == "ThreatIntel" })
        n = net { c in
            c.firewallPolicies[0].threatIntelMode = .Deny
            c.firewallPolicies[0].threatIntelAllowIPs = [cidr("140.82.112.6/32")]
            c.threatIntel.addresses = [cidr("140.82.112.0/24")]
        }
        XCTAssertAllow(n.send(frontend, "140.82.112.6", 443, sni: "api.github.com"))
    }

    // §2.4 SNAT.
    func peered(_ c: inout Cluster) {
        var peer = VirtualNetworkPeering()
        peer.name = "hub"
        peer.remoteAddressSpaces = [cidr("10.50.0.0/16")]
        c.virtualNetworks[0].peerings = [peer]
        var r = Route()
        r.name = "hub-via-fw"
        r.addressPrefix = cidr("10.50.0.0/16")
        r.nextHopType = .VirtualAppliance
        r.nextHopIP = ip("10.225.0.4")
        c.routeTables[0].routes.append(r)
        c.firewallPolicies[0].ruleCollectionGroups[0].collections[0].rules.append(
            F.fwRule("to-hub", protos: ["TCP"], dst: ["10.50.0.0/16"], ports: [PortRange(single: 5432)]))
    }

    func testNoSNATToPrivateRangesByDefault() {
        let c = net(peered).send(frontend, "10.50.1.1", 5432)
        XCTAssertAllow(c, rule: "aks-egress/aks-network/to-hub")
        XCTAssertEqual(c.flow.src, ip(frontend))
    }

    func testCustomPrivateRangesAlwaysSNAT() {
        let n = net { c in
            peered(&c)
            c.firewallPolicies[0].snatPrivateRanges = [cidr("255.255.255.255/32")]
        }
        // snat-private-range.md: toward a private (VNet/peered) destination the firewall SNATs to
        // one of its AzureFirewallSubnet private IPs, never to its public IP.
        XCTAssertEqual(n.send(frontend, "10.50.1.1", 5432).flow.src, ip("10.225.0.4"))
        // Toward the Internet the same setting still translates to the public IP.
        XCTAssertEqual(n.send(frontend, "20.62.0.9", 9000).flow.src, ip("20.62.10.4"))
    }

    func testForcedTunnellingSNATsInternetTrafficToPrivateIP() {
        // snat-private-range.md: with forced tunnelling (the firewall subnet's default route leads to
        // an appliance/on-premises, not the Internet) Internet-bound traffic is SNATed to a private IP.
        let n = net { c in
            c.routeTables.append(F.defaultRoute(table: "fw-forced-tunnel", route: "default-onprem", via: "10.224.0.250"))
            if let i = c.virtualNetworks[0].subnets.firstIndex(where: { $0.name == "AzureFirewallSubnet" }) {
                c.virtualNetworks[0].subnets[i].routeTable = "fw-forced-tunnel"
            }
        }
        let c = n.send(frontend, "20.62.0.9", 9000)
        XCTAssertAllow(c, rule: "aks-egress/aks-network/apitcp")
        XCTAssertEqual(c.flow.src, ip("10.225.0.4"))
    }

    func testApplicationRulesAlwaysSNATEvenToPrivate() {
        let n = net { c in
            peered(&c)
            c.firewallPolicies[0].ruleCollectionGroups[0].collections[1].rules.append(
                F.fwRule("hub-web", .application, app: [("Https", 443)], targets: ["intranet.contoso.local"]))
        }
        let c = n.send(frontend, "10.50.1.8", 443, sni: "intranet.contoso.local")
        XCTAssertAllow(c, rule: "aks-egress/aks-fqdns/hub-web")
        XCTAssertEqual(c.flow.src, ip("10.225.0.4"))
    }

    // §2.3 DNAT.
    func dnat(_ c: inout Cluster) {
        var r = F.fwRule("nginx-https", .dnat, dst: ["20.62.10.4"], ports: [PortRange(single: 8443)])
        r.translatedAddress = ip("10.224.0.50")
        r.translatedPort = 443
        c.firewallPolicies[0].ruleCollectionGroups.insert(F.group("inbound", 100, [F.collection("dnat", 100, .dnat, .DNAT, [r])]), at: 0)
    }

    func testDNATTranslatesAndSNATsToPrivateIP() {
        let c = net(dnat).send("198.51.100.7", "20.62.10.4", 8443)
        XCTAssertAllow(c, landed: 0)
        XCTAssertEqual(c.flow.dst, ip("10.224.0.50"))
        XCTAssertEqual(c.flow.dstPort, 443)
        XCTAssertEqual(c.flow.src, ip("10.225.0.4"))
        XCTAssertEqual(c.flow.srcPort, 40000)
        XCTAssertTrue(c.hops.contains { $0.stage == .firewall && $0.result == .nat && $0.rule == "inbound/dnat/nginx-https" })
    }

    func testThreatIntelDenyAppliesToInboundSources() {
        let n = net { c in
            dnat(&c)
            c.firewallPolicies[0].threatIntelMode = .Deny
            c.threatIntel.addresses = [cidr("192.0.2.66/32")]
        }
        XCTAssertDrop(n.send("192.0.2.66", "20.62.10.4", 8443), .firewall, "ThreatIntel")
        XCTAssertAllow(n.send("192.0.2.67", "20.62.10.4", 8443), landed: 0)
    }

    func testNoDNATRuleMeansDefaultDeny() {
        XCTAssertDrop(net(dnat).send("198.51.100.7", "20.62.10.4", 22), .firewall, "default-deny")
    }

    func testDNATIsNotSubjectToNetworkDenyRules() {
        // §7.8 (current text): DNAT-matched traffic is not processed by further network rules.
        let n = net { c in
            dnat(&c)
            c.firewallPolicies[0].ruleCollectionGroups.append(F.group("deny", 100, [F.collection("all", 100, .network, .Deny, [F.fwRule("all", protos: ["Any"], dst: ["*"])])]))
        }
        XCTAssertAllow(n.send("198.51.100.7", "20.62.10.4", 8443), landed: 0)
    }

    func testEgressToBlockedSite() {
        let c = net().send(frontend, "93.184.215.14", 443, sni: "www.example.com")
        XCTAssertDrop(c, .firewall, "default-deny")
        XCTAssertEqual(c.hops.first { $0.stage == .route }?.rule, "route:0.0.0.0/0->VirtualAppliance")
    }

    func testDiagnosticsForUnknownTagsAndGroups() {
        let n = net { c in
            c.firewallPolicies[0].ruleCollectionGroups[0].collections[0].rules.append(F.fwRule("bad", dst: ["NoSuchTag"], ports: [PortRange(single: 1)]))
        }
        XCTAssertTrue(n.diagnostics.contains { $0.message.contains("NoSuchTag") })
    }
}
