import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import XCTest

/// Routing (azure-networking.md §1.7, §3.1, §3.2) and the API server endpoint (§3.5).
final class AzureRouteTests: XCTestCase {
    typealias F = AzureFixture

    /// One VNet, subnet `plain` (no NSG) with VM 10.1.1.4 and a route table we fill per test.
    func net(_ routes: [Route], peering: Bool = false, gateway: Bool = false, nat: Bool = true, edit: (inout Cluster) -> Void = { _ in }) -> AzureNetwork {
        var c = Cluster()
        var v = VirtualNetwork()
        v.name = "v"
        v.addressSpaces = [cidr("10.1.0.0/16")]
        if peering {
            var p = VirtualNetworkPeering()
            p.name = "hub"
            p.remoteAddressSpaces = [cidr("10.50.0.0/16")]
            v.peerings = [p]
        }
        if gateway { v.gatewayPrefixes = [cidr("192.168.100.0/24")] }
        var s = Subnet()
        s.name = "plain"
        s.prefixes = [cidr("10.1.1.0/24")]
        s.routeTable = "rt"
        s.natGateway = nat ? "nat" : nil
        v.subnets = [s]
        c.virtualNetworks = [v]
        var rt = RouteTable()
        rt.name = "rt"
        rt.routes = routes
        c.routeTables = [rt]
        var g = NATGateway()
        g.name = "nat"
        g.publicIPs = [ip("52.9.9.9")]
        c.natGateways = [g]
        var nic = NetworkInterface()
        nic.name = "vm"
        nic.ipAddresses = [ip("10.1.1.4")]
        nic.subnet = "v/plain"
        c.networkInterfaces = [nic]
        c.serviceTags = [ServiceTag(name: "Storage", prefixes: [cidr("20.38.0.0/16")])]
        edit(&c)
        return AzureNetwork.compiled(c)
    }

    func route(_ name: String, _ prefix: String, _ hop: NextHopType, _ nh: String? = nil) -> Route {
        var r = Route()
        r.name = name
        r.addressPrefix = cidr(prefix)
        r.nextHopType = hop
        r.nextHopIP = nh.map(ip)
        return r
    }

    func testLongestPrefixWins() {
        let n = net([route("wide", "8.0.0.0/8", .None), route("narrow", "8.8.8.0/24", .Internet)])
        XCTAssertAllow(n.send("10.1.1.4", "8.8.8.8", 53))
        XCTAssertDrop(n.send("10.1.1.4", "8.8.4.4", 53), .route, "route:8.0.0.0/8->None")
    }

    func testUserRouteBeatsSystemRouteOnEqualPrefix() {
        XCTAssertDrop(net([route("blackhole-vnet", "10.1.0.0/16", .None)]).send("10.1.1.4", "10.1.1.9", 80), .route, "route:10.1.0.0/16->None")
    }

    // The IPv6 default system route is ::/0 → Internet: a user ::/0 route (IPv6 forced tunnelling)
    // replaces it on equal prefix, as 0.0.0.0/0 does for IPv4.
    func testUserIPv6DefaultRouteOverridesSystemDefault() {
        func dualStack(_ routes: [Route]) -> AzureNetwork {
            net(routes) { c in
                c.virtualNetworks[0].addressSpaces.append(cidr("fd00:1::/48"))
                c.virtualNetworks[0].subnets[0].prefixes.append(cidr("fd00:1:0:1::/64"))
                c.networkInterfaces[0].ipAddresses.append(ip("fd00:1:0:1::4"))
            }
        }
        XCTAssertDrop(dualStack([route("v6-none", "::/0", .None)]).send("fd00:1:0:1::4", "2001:db8::1", 443), .route, "route:::/0->None")
        let out = dualStack([]).send("fd00:1:0:1::4", "2001:db8::1", 443)
        XCTAssertEqual(out.hops.first { $0.stage == .route }?.rule, "route:::/0->Internet")
        XCTAssertEqual(dualStack([route("v6-none", "::/0", .None)]).send("fd00:1:0:1::4", "fd00:1:0:1::9", 443).hops.first?.rule,
                       "route:fd00:1::/48->VnetLocal")
    }

    // Azure Firewall does not support IPv6: an IPv6 default route to it leaves IPv6 egress nowhere
    // to go (never translated to the firewall's IPv4 address).
    func testIPv6RoutedToTheFirewallIsDropped() {
        var c = F.defaultCluster()
        c.virtualNetworks[0].addressSpaces.append(cidr("fd00:1::/48"))
        c.virtualNetworks[0].subnets[0].prefixes.append(cidr("fd00:1:0:1::/64"))
        c.routeTables[0].routes.append(route("v6-default", "::/0", .VirtualAppliance, c.firewalls[0].privateIP.description))
        let out = AzureNetwork.compiled(c).send("fd00:1:0:1::4", "2001:db8::1", 443, sni: "github.com")
        XCTAssertDrop(out, .firewall, "default-deny")
        XCTAssertTrue(out.hops.last?.detail.contains("does not carry IPv6") ?? false)
    }

    func testVnetRouteBeatsDefaultUDR() {
        let c = net([route("default", "0.0.0.0/0", .None)]).send("10.1.1.4", "10.1.1.9", 80)
        XCTAssertAllow(c, landed: -1)
        XCTAssertEqual(c.hops.first?.rule, "route:10.1.0.0/16->VnetLocal")
        XCTAssertDrop(net([route("default", "0.0.0.0/0", .None)]).send("10.1.1.4", "1.1.1.1", 80), .route, "route:0.0.0.0/0->None")
    }

    func testSystemNoneForReservedPrivateRanges() {
        XCTAssertDrop(net([]).send("10.1.1.4", "172.20.1.1", 80), .route, "route:172.16.0.0/12->None")
        XCTAssertDrop(net([]).send("10.1.1.4", "100.64.1.1", 80), .route, "route:100.64.0.0/10->None")
        XCTAssertDrop(net([]).send("10.1.1.4", "10.200.1.1", 80), .route, "route:10.0.0.0/8->None")
    }

    func testPeeringAndGatewayRoutes() {
        let n = net([], peering: true, gateway: true)
        XCTAssertEqual(n.send("10.1.1.4", "10.50.0.9", 80).hops.first?.rule, "route:10.50.0.0/16->VNetPeering")
        XCTAssertAllow(n.send("10.1.1.4", "10.50.0.9", 80))
        let gw = n.send("10.1.1.4", "192.168.100.7", 80)
        XCTAssertAllow(gw)
        XCTAssertEqual(gw.hops.first?.rule, "route:192.168.100.0/24->VirtualNetworkGateway")
    }

    // Gateway route propagation disabled on the route table: the on-premises prefixes learned by the
    // gateway are not in the subnet's routes (192.168.100.7 then falls to the reserved None route).
    func testDisabledGatewayRoutePropagation() {
        let off = net([], gateway: true) { c in c.routeTables[0].disableBgpRoutePropagation = true }
        XCTAssertDrop(off.send("10.1.1.4", "192.168.100.7", 80), .route, "route:192.168.0.0/16->None")
        let on = net([], gateway: true).send("10.1.1.4", "192.168.100.7", 80)
        XCTAssertEqual(on.hops.first?.rule, "route:192.168.100.0/24->VirtualNetworkGateway")
    }

    func testVirtualApplianceThatIsNotAFirewall() {
        let c = net([route("nva", "0.0.0.0/0", .VirtualAppliance, "10.1.1.250")]).send("10.1.1.4", "1.1.1.1", 443)
        XCTAssertAllow(c, landed: -1)
        XCTAssertTrue(c.hops.first?.detail.contains("virtual appliance 10.1.1.250") ?? false)
    }

    // virtual-networks-udr-overview: a NIC that forwards traffic for other addresses must have
    // "Enable IP forwarding"; without it the appliance's NIC drops what the route hands it.
    func testVirtualApplianceNICNeedsIPForwarding() {
        func nva(forwarding: Bool) -> AzureNetwork {
            net([route("nva", "0.0.0.0/0", .VirtualAppliance, "10.1.1.5")]) { c in
                var n = NetworkInterface()
                n.name = "nva-nic"
                n.ipAddresses = [ip("10.1.1.5")]
                n.subnet = "v/plain"
                n.enableIPForwarding = forwarding
                c.networkInterfaces.append(n)
            }
        }
        let off = nva(forwarding: false).send("10.1.1.4", "1.1.1.1", 443)
        XCTAssertDrop(off, .route, "route:0.0.0.0/0->VirtualAppliance")
        XCTAssertTrue(off.hops.last?.detail.contains("nva-nic without IP forwarding") ?? false)
        XCTAssertAllow(nva(forwarding: true).send("10.1.1.4", "1.1.1.1", 443), landed: -1)
        // Traffic addressed to the appliance itself is ordinary VNet traffic.
        XCTAssertAllow(nva(forwarding: false).send("10.1.1.4", "10.1.1.5", 443))
    }

    func testServiceTagRouteIsExpanded() {
        var r = route("storage-none", "0.0.0.0/32", .None)
        r.serviceTag = "Storage"
        XCTAssertDrop(net([r]).send("10.1.1.4", "20.38.5.5", 443), .route, "route:20.38.0.0/16->None")
    }

    func testNATGatewaySNAT() {
        let c = net([]).send("10.1.1.4", "1.1.1.1", 443)
        XCTAssertEqual(c.flow.src, ip("52.9.9.9"))
        XCTAssertTrue(c.hops.contains { $0.stage == .snat && $0.detail.contains("NAT gateway") })
    }

    // NAT gateway limitations ("doesn't support ICMP") and LB outbound rules ("the only supported
    // protocols are TCP and UDP"): ICMP to the Internet finds no public source there.
    func testICMPGetsNoSNATFromNATGatewayOrLBOutboundRule() {
        let viaNAT = net([]).send(.icmp, "10.1.1.4", 7, "1.1.1.1", 7)
        XCTAssertDrop(viaNAT, .snat, "snat:no-outbound-ip")
        XCTAssertTrue(viaNAT.hops.last?.detail.contains("NAT gateway translates TCP and UDP only") ?? false)
        XCTAssertEqual(net([]).send(.udp, "10.1.1.4", 7, "1.1.1.1", 53).flow.src, ip("52.9.9.9"))

        var c = AzureFixture.defaultCluster()
        c.settings.outboundType = .loadBalancer
        c.settings.loadBalancerOutboundIPs = [ip("20.62.40.1")]
        c.routeTables = []
        c.virtualNetworks[0].subnets[0].routeTable = nil
        let n = AzureNetwork.compiled(c)
        let ping = n.send(.icmp, "10.224.0.4", 7, "93.184.215.14", 7)
        XCTAssertDrop(ping, .snat, "snat:no-outbound-ip")
        XCTAssertTrue(ping.hops.last?.detail.contains("load balancer outbound rule translates TCP and UDP only") ?? false)
        XCTAssertEqual(n.send("10.224.0.4", "93.184.215.14", 443).flow.src, ip("20.62.40.1"))
    }

    func testManagedNATGatewayOutboundTypeForNodes() {
        var c = AzureFixture.defaultCluster()
        c.settings.outboundType = .managedNATGateway
        c.routeTables = []
        c.virtualNetworks[0].subnets[0].routeTable = nil
        var g = NATGateway()
        g.name = "aks-natgw"
        g.publicIPs = [ip("20.62.50.1")]
        c.natGateways = [g]
        let out = AzureNetwork.compiled(c).send("10.224.0.20", "93.184.215.14", 443)
        XCTAssertAllow(out, rule: "aks-agentpool-nsg/AllowInternetOutBound")
        XCTAssertEqual(out.flow.src, ip("20.62.50.1"))
    }

    func testNoOutboundIPDrops() {
        XCTAssertDrop(net([], nat: false).send("10.1.1.4", "1.1.1.1", 443), .snat, "snat:no-outbound-ip")
    }

    func testInternetToPrivateAddressHasNoRoute() {
        XCTAssertDrop(net([]).send("198.51.100.7", "10.1.1.4", 22), .route, "route:10.0.0.0/8->None")
    }

    // Kubenet (§3.1): AKS writes pod CIDR → node IP routes; pod↔pod keeps pod IPs.
    func kubenet() -> AzureNetwork {
        var c = Cluster()
        c.settings.networkPlugin = .kubenet
        c.settings.podCIDRs = [cidr("10.244.0.0/16")]
        var v = VirtualNetwork()
        v.name = "v"
        v.addressSpaces = [cidr("10.240.0.0/16")]
        var s = Subnet()
        s.name = "nodes"
        s.prefixes = [cidr("10.240.0.0/16")]
        s.networkSecurityGroup = "nsg"
        v.subnets = [s]
        c.virtualNetworks = [v]
        var g = NetworkSecurityGroup()
        g.name = "nsg"
        c.networkSecurityGroups = [g]
        for i in 0..<2 {
            var n = Node()
            n.name = "node\(i)"
            n.internalIPs = [ip("10.240.0.\(4 + i)")]
            n.podCIDRs = [cidr("10.244.\(i).0/24")]
            c.nodes.append(n)
        }
        return AzureNetwork.compiled(c)
    }

    func testKubenetPodRoutesViaNodeIP() {
        let c = kubenet().send("10.244.0.7", "10.244.1.9", 8080)
        XCTAssertAllow(c, landed: 1)
        XCTAssertEqual(c.flow.src, ip("10.244.0.7"))
        XCTAssertTrue(c.hops.contains { $0.rule == "route:10.244.1.0/24->VirtualAppliance" })
    }

    func testKubenetPodCIDRIsInVirtualNetworkTag() {
        // UDR prefixes join the tag on the subnet carrying the route table (§1.4): AllowVnetInBound admits pod traffic.
        XCTAssertAllow(kubenet().send("10.244.0.7", "10.244.1.9", 8080), rule: "nsg/AllowVnetInBound")
    }

    // Azure CNI Overlay: pod CIDR is its own routing domain; subnet NSGs see pod IPs (§3.1).
    func testOverlayPodToPodAcrossNodes() {
        var c = Cluster()
        c.settings.networkPluginMode = .overlay
        c.settings.podCIDRs = [cidr("10.244.0.0/16")]
        var v = VirtualNetwork()
        v.name = "v"
        v.addressSpaces = [cidr("10.240.0.0/16")]
        var s = Subnet()
        s.name = "nodes"
        s.prefixes = [cidr("10.240.0.0/16")]
        s.networkSecurityGroup = "nsg"
        v.subnets = [s]
        c.virtualNetworks = [v]
        var g = NetworkSecurityGroup()
        g.name = "nsg"
        g.rules = [F.nsgRule("deny-pod-9", 100, .Inbound, .Deny, proto: .any, src: [.prefix(cidr("10.244.0.9/32"))])]
        c.networkSecurityGroups = [g]
        for i in 0..<2 {
            var n = Node()
            n.name = "node\(i)"
            n.internalIPs = [ip("10.240.0.\(4 + i)")]
            n.podCIDRs = [cidr("10.244.\(i).0/24")]
            c.nodes.append(n)
        }
        let n = AzureNetwork.compiled(c)
        XCTAssertAllow(n.send("10.244.0.7", "10.244.1.9", 8080), rule: "nsg/AllowVnetInBound", landed: 1)
        XCTAssertDrop(n.send("10.244.0.9", "10.244.1.9", 8080), .nsg, "nsg/deny-pod-9")
        XCTAssertEqual(n.classify(ip("10.244.1.9")), .pod(node: 1))
    }

    // MARK: API server (§3.5)

    func testAPIServerAuthorizedRanges() {
        let n = AzureNetwork.compiled(F.defaultCluster())
        XCTAssertAllow(n.send("203.0.113.9", "20.62.30.1", 443), rule: "apiserver:authorized-ip-ranges")
        XCTAssertDrop(n.send("192.0.2.99", "20.62.30.1", 443), .apiServer, "apiserver:authorized-ip-ranges")
    }

    func testNodeReachesAPIServerThroughFirewallPublicIP() {
        let c = AzureNetwork.compiled(F.defaultCluster()).send("10.224.0.4", "20.62.30.1", 443, sni: "aks-contoso-abc123.hcp.eastus.azmk8s.io")
        XCTAssertAllow(c, rule: "apiserver:authorized-ip-ranges")
        XCTAssertEqual(c.stage, .apiServer)
        XCTAssertEqual(c.flow.src, ip("20.62.10.4"))
    }

    func testFirewallIPMissingFromAuthorizedRangesBlocksNodes() {
        var cl = F.defaultCluster()
        cl.settings.apiServer.authorizedIPRanges = [cidr("203.0.113.0/24")]
        XCTAssertDrop(AzureNetwork.compiled(cl).send("10.224.0.4", "20.62.30.1", 443), .apiServer, "apiserver:authorized-ip-ranges")
    }

    func testNoAuthorizedRangesIsOpen() {
        var cl = F.defaultCluster()
        cl.settings.apiServer.authorizedIPRanges = []
        XCTAssertAllow(AzureNetwork.compiled(cl).send("192.0.2.99", "20.62.30.1", 443))
    }

    func testZeroSlash32MeansLoadBalancerOutboundIPOnly() {
        var cl = F.defaultCluster()
        cl.settings.apiServer.authorizedIPRanges = [cidr("0.0.0.0/32")]
        cl.settings.loadBalancerOutboundIPs = [ip("20.62.40.1")]
        let n = AzureNetwork.compiled(cl)
        XCTAssertAllow(n.send("20.62.40.1", "20.62.30.1", 443))
        XCTAssertDrop(n.send("203.0.113.9", "20.62.30.1", 443), .apiServer, "apiserver:authorized-ip-ranges")
    }

    func testLoadBalancerOutboundIPIsAuthorizedImplicitly() {
        // api-server-authorized-ip-ranges.md: "the outbound public IP for the Standard SKU load
        // balancer for your cluster is also allowed by default in addition to the ranges you specify".
        let n = lbEgress(cluster: { $0.settings.apiServer.authorizedIPRanges = [cidr("203.0.113.0/24")] }) { lb in
            var o = OutboundRule()
            o.name = "aksOutboundRule"
            o.frontends = ["fe-1"]
            o.backendPool = "kubernetes"
            lb.outboundRules = [o]
        }
        let c = n.send("10.224.0.4", "20.62.30.1", 443)
        XCTAssertAllow(c, rule: "apiserver:authorized-ip-ranges")
        XCTAssertEqual(c.flow.src, ip("20.62.40.1"))
        XCTAssertAllow(n.send("203.0.113.9", "20.62.30.1", 443), rule: "apiserver:authorized-ip-ranges")
        XCTAssertDrop(n.send("192.0.2.99", "20.62.30.1", 443), .apiServer, "apiserver:authorized-ip-ranges")
    }

    /// A node-egress cluster (outboundType loadBalancer, no route table) with one public LB
    /// (frontend `fe-1` at 20.62.40.1, pool `kubernetes` of every node).
    func lbEgress(cluster: (inout Cluster) -> Void = { _ in }, _ edit: (inout LoadBalancer) -> Void) -> AzureNetwork {
        var cl = F.defaultCluster()
        cl.settings.outboundType = .loadBalancer
        cl.routeTables = []
        cl.virtualNetworks[0].subnets[0].routeTable = nil
        cluster(&cl)
        var lb = LoadBalancer()
        lb.name = "kubernetes"
        var fe = FrontendIPConfiguration()
        fe.name = "fe-1"
        fe.address = ip("20.62.40.1")
        lb.frontends = [fe]
        var pool = BackendPool()
        pool.name = "kubernetes"
        pool.nodeNames = F.nodeNames
        lb.backendPools = [pool]
        edit(&lb)
        cl.loadBalancers = [lb]
        return AzureNetwork.compiled(cl)
    }

    // outbound-rules.md: an outbound rule chooses "which protocols to provide outbound translation
    // for"; a Tcp-only rule leaves UDP egress without a public source.
    func testOutboundRuleProtocolLimitsSNAT() {
        let n = lbEgress { lb in
            var o = OutboundRule()
            o.name = "tcp-only"
            o.frontends = ["fe-1"]
            o.backendPool = "kubernetes"
            o.proto = "Tcp"
            lb.outboundRules = [o]
        }
        XCTAssertEqual(n.send("10.224.0.4", "93.184.215.14", 443).flow.src, ip("20.62.40.1"))
        let dns = n.send(.udp, "10.224.0.4", 5000, "93.184.215.14", 53)
        XCTAssertDrop(dns, .snat, "snat:no-outbound-ip")
        XCTAssertTrue(dns.hops.last?.detail.contains("covers TCP only") ?? false)
    }

    // Load-balancer outbound connections: without outbound rules, a public load-balancing rule with
    // outbound SNAT left on (disableOutboundSnat false, the ARM default) SNATs its backends through
    // its frontend, for the rule's transport protocol; with it disabled there is no outbound path.
    func testLoadBalancingRuleImplicitOutboundSNAT() {
        func withRule(disableOutboundSnat: Bool) -> AzureNetwork {
            lbEgress { lb in
                var r = LoadBalancingRule()
                r.name = "web-TCP-80"
                r.frontend = "fe-1"
                r.backendPool = "kubernetes"
                r.frontendPort = 80
                r.backendPort = 80
                r.proto = "Tcp"
                r.disableOutboundSnat = disableOutboundSnat
                lb.rules = [r]
            }
        }
        let on = withRule(disableOutboundSnat: false)
        let web = on.send("10.224.0.4", "93.184.215.14", 443)
        XCTAssertAllow(web)
        XCTAssertEqual(web.flow.src, ip("20.62.40.1"))
        XCTAssertDrop(on.send(.udp, "10.224.0.4", 5000, "93.184.215.14", 53), .snat, "snat:no-outbound-ip")
        XCTAssertDrop(withRule(disableOutboundSnat: true).send("10.224.0.4", "93.184.215.14", 443), .snat, "snat:no-outbound-ip")
    }

    func privateCluster() -> AzureNetwork {
        var cl = F.defaultCluster()
        cl.settings.apiServer.privateCluster = true
        cl.settings.apiServer.publicIP = nil
        cl.settings.apiServer.privateIP = ip("10.224.0.200")
        cl.settings.apiServer.authorizedIPRanges = []
        var peer = VirtualNetworkPeering()
        peer.name = "hub"
        peer.remoteAddressSpaces = [cidr("10.50.0.0/16")]
        cl.virtualNetworks[0].peerings = [peer]
        return AzureNetwork.compiled(cl)
    }

    func testPrivateClusterFromNodeUsesPrivateEndpoint() {
        let c = privateCluster().send("10.224.0.4", "10.224.0.200", 443)
        XCTAssertAllow(c, landed: -1)
        XCTAssertFalse(c.hops.contains { $0.stage == .firewall }, "the PE route wins over the 0.0.0.0/0 UDR")
        XCTAssertTrue(c.hops.contains { $0.stage == .apiServer })
    }

    func testPrivateClusterFromPeeredVNet() {
        XCTAssertAllow(privateCluster().send("10.50.3.3", "10.224.0.200", 443))
    }

    func testPrivateClusterHasNoInternetRoute() {
        let c = privateCluster().send("203.0.113.9", "10.224.0.200", 443)
        XCTAssertDrop(c, .route, "route:10.0.0.0/8->None")
        XCTAssertTrue(c.hops.last?.detail.contains("private cluster") ?? false)
        XCTAssertEqual(privateCluster().classify(ip("10.224.0.200")), .apiServer)
    }

    func testVNetIntegratedAPIServerPrivateIPNextToPublicEndpoint() {
        var cl = F.defaultCluster()
        cl.settings.apiServer.privateIP = ip("10.226.0.4")
        cl.virtualNetworks[0].subnets.append({ var s = Subnet(); s.name = "apiserver-subnet"; s.prefixes = [cidr("10.226.0.0/28")]; return s }())
        let n = AzureNetwork.compiled(cl)
        let c = n.send("10.224.0.4", "10.226.0.4", 443)
        XCTAssertAllow(c)
        XCTAssertTrue(c.hops.contains { $0.stage == .apiServer }, "\(c.hops)")
        XCTAssertDrop(n.send("192.0.2.99", "20.62.30.1", 443), .apiServer, "apiserver:authorized-ip-ranges")
    }

    func testClassify() {
        let n = AzureNetwork.compiled(F.defaultCluster())
        XCTAssertEqual(n.classify(ip("10.224.0.5")), .node(1))
        XCTAssertEqual(n.classify(ip("10.224.0.30")), .pod(node: 1))
        XCTAssertEqual(n.classify(ip("10.225.0.4")), .firewall(name: "aks-fw"))
        XCTAssertEqual(n.classify(ip("20.62.10.4")), .firewallPublicIP(name: "aks-fw"))
        XCTAssertEqual(n.classify(ip("20.62.20.40")), .loadBalancerFrontend(loadBalancer: "kubernetes"))
        XCTAssertEqual(n.classify(ip("20.62.30.1")), .apiServer)
        XCTAssertEqual(n.classify(ip("168.63.129.16")), .azurePlatform)
        XCTAssertEqual(n.classify(ip("10.224.9.9")), .vnetUnassigned)
        XCTAssertEqual(n.classify(ip("192.168.1.1")), .unroutable)
        XCTAssertEqual(n.classify(ip("198.51.100.7")), .internet)
        XCTAssertEqual(n.firewallPrivateIP, ip("10.225.0.4"))
    }
}
