import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import Testing

// Destinations and sources outside ordinary unicast: decided by the sender's kernel or the Azure
// platform (stage `route`, rules `platform:<what>`), not by a rule table further down the path.
@Suite struct SpecialAddressTests {
    let pipeline = Pipeline(cluster: Fixture.defaultCluster())

    @Test func podToLoopbackStaysInsideThePod() {
        let tr = pipeline.t("10.224.0.20", "127.0.0.1", 80)
        #expect(tr.verdict == .allow)
        #expect(tr.stage == .route)
        #expect(tr.rule == "platform:loopback")
        #expect(tr.delivered == IPPort(ip: addr("127.0.0.1"), port: 80))
        #expect(tr.source == IPPort(ip: addr("10.224.0.20"), port: 40000))
        #expect(tr.hops.count == 1)
    }

    @Test func unspecifiedDestinationIsTheSenderItself() {
        // Linux output routing turns daddr 0.0.0.0 into the source address (local delivery on lo).
        let tr = pipeline.t("10.224.0.20", "0.0.0.0", 8080)
        #expect(tr.verdict == .allow)
        #expect(tr.rule == "platform:loopback")
        #expect(tr.delivered == IPPort(ip: addr("10.224.0.20"), port: 8080))
    }

    @Test func nodeLoopbackAndLoopbackSourceOnAGivenNode() {
        #expect(pipeline.t("10.224.0.4", "127.0.0.1", 10248).rule == "platform:loopback")
        let tr = pipeline.t("127.0.0.1", "127.0.0.1", 10248, node: "aks-nodepool1-12345678-vmss000001")
        #expect(tr.verdict == .allow)
        #expect(tr.rule == "platform:loopback")
        #expect(tr.node == "aks-nodepool1-12345678-vmss000001")
    }

    @Test func loopbackAndZeroNetFromTheNetworkAreMartians() {
        for dst in ["127.0.0.1", "0.0.0.0", "0.1.2.3"] {
            let tr = pipeline.t("198.51.100.7", dst, 80)
            #expect(tr.verdict == .drop)
            #expect(tr.stage == .route)
            #expect(tr.rule == "platform:martian-destination")
        }
        #expect(pipeline.t("fd00:224::99", "::1", 80).rule == "platform:martian-destination")
        let zeroSource = pipeline.t("0.0.0.0", "10.224.0.30", 8080, proto: .udp, sport: 5000)
        #expect(zeroSource.verdict == .drop)
        #expect(zeroSource.rule == "platform:martian-source")
        #expect(pipeline.t("224.0.0.9", "10.224.0.30", 8080, proto: .udp).rule == "platform:martian-source")
        #expect(pipeline.t("::", "fd00:224::5", 80).rule == "platform:martian-source")
    }

    @Test func multicastIsNotCarriedByTheVNet() {
        for (src, dst) in [("10.224.0.20", "224.0.0.251"), ("10.224.0.20", "239.1.1.1"), ("198.51.100.7", "224.0.0.1"),
                           ("fd00:224::99", "ff02::fb")] {
            let tr = pipeline.t(src, dst, 5353, proto: .udp)
            #expect(tr.verdict == .drop)
            #expect(tr.stage == .route)
            #expect(tr.rule == "platform:multicast")
        }
    }

    @Test func broadcastIsNotCarriedByTheVNet() {
        // The limited broadcast and each subnet's last address (aks-subnet /16, AzureFirewallSubnet /26).
        for dst in ["255.255.255.255", "10.224.255.255", "10.225.0.63"] {
            let tr = pipeline.t("10.224.0.20", dst, 5000, proto: .udp)
            #expect(tr.verdict == .drop)
            #expect(tr.rule == "platform:broadcast")
        }
        // The address below the subnet broadcast is ordinary unicast.
        #expect(!pipeline.t("10.224.0.20", "10.224.255.254", 5000, proto: .udp).rule.hasPrefix("platform:"))
    }

    @Test func dhcpTracesAsACapturedOneIsClassified() {
        let tr = pipeline.t("0.0.0.0", "255.255.255.255", 67, proto: .udp, sport: 68)
        #expect(tr.verdict == .allow)
        #expect(tr.stage == .decode)
        #expect(tr.rule == "platform:link-local")
        var p = Packet.udp("0.0.0.0", 68, "255.255.255.255", 67)
        let o = pipeline.process(&p, bytes: UnsafeRawBufferPointer(start: nil, count: 0), timestampNanos: 1)
        #expect(o.stage == tr.stage)
        #expect(pipeline.ruleNames.name(o.rule) == tr.rule)
    }

    @Test func linkLocalOtherThanIMDSIsNotRouted() {
        let tr = pipeline.t("10.224.0.20", "169.254.1.1", 80)
        #expect(tr.verdict == .drop)
        #expect(tr.stage == .route)
        #expect(tr.rule == "platform:link-local-unroutable")
        #expect(pipeline.t("fe80::1", "fd00:224::5", 80).rule == "platform:link-local-unroutable")
        #expect(pipeline.t("fd00:224::99", "fe80::2", 80).rule == "platform:link-local-unroutable")
        let imds = pipeline.t("10.224.0.20", "169.254.169.254", 80)
        #expect(imds.verdict == .allow)
        #expect(imds.rule == "platform:IMDS")
    }

    @Test func classEIsReserved() {
        let tr = pipeline.t("10.224.0.20", "240.0.0.1", 80)
        #expect(tr.verdict == .drop)
        #expect(tr.rule == "platform:reserved-address")
    }

    @Test func podsCannotReachWireServerButDNSAndTheNodeCan() {
        for port: UInt16 in [80, 32526] {
            let tr = pipeline.t("10.224.0.20", "168.63.129.16", port)
            #expect(tr.verdict == .drop)
            #expect(tr.stage == .route)
            #expect(tr.rule == "platform:block-wireserver")
        }
        #expect(pipeline.t("10.224.0.20", "168.63.129.16", 53, proto: .udp).rule == "platform:DNS")
        #expect(pipeline.t("10.224.0.20", "168.63.129.16", 53).rule == "platform:DNS")
        #expect(pipeline.t("10.224.0.20", "168.63.129.16", 80, proto: .udp).verdict == .allow)
        let node = pipeline.t("10.224.0.4", "168.63.129.16", 80)
        #expect(node.verdict == .allow)
        #expect(node.rule == "platform:WireServer")
    }

    @Test func replayedPacketsGetTheSameVerdicts() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let mc = p.feed(Packet.udp("10.224.0.20", 5353, "224.0.0.251", 5353), at: 1)
        #expect(mc.verdict == .drop)
        #expect(mc.stage == .route)
        #expect(p.name(mc) == "platform:multicast")
        let lo = p.feed(Packet.tcp("10.224.0.20", 41000, "127.0.0.1", 80, .syn), at: 2)
        #expect(lo.verdict == .allow)
        #expect(p.name(lo) == "platform:loopback")
        let back = p.feed(Packet.tcp("127.0.0.1", 80, "10.224.0.20", 41000, [.syn, .ack]), at: 2.001)
        #expect(back.verdict == .allow)
        #expect(back.stage == .conntrack)
    }
}
