import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import XCTest

// The embedded default cluster's address plan (briefs/addresses.md), built in code, plus helpers
// that carry one packet and return the verdict with its hop trace.

func ip(_ s: String) -> IPAddress { IPAddress(s)! }
func cidr(_ s: String) -> IPPrefix { IPPrefix(s)! }

enum AzureFixture {
    /// A route table holding one route: 0.0.0.0/0 to a virtual appliance (a firewall, or an
    /// on-premises hop for forced tunnelling).
    static func defaultRoute(table: String, route: String, via nextHop: String) -> RouteTable {
        var t = RouteTable()
        t.name = table
        var r = Route()
        r.name = route
        r.addressPrefix = .anyIPv4
        r.nextHopType = .VirtualAppliance
        r.nextHopIP = ip(nextHop)
        t.routes = [r]
        return t
    }

    static let nodeNames = ["aks-nodepool1-12345678-vmss000000", "aks-nodepool1-12345678-vmss000001", "aks-nodepool1-12345678-vmss000002"]

    static func nsgRule(_ name: String, _ prio: Int, _ dir: RuleDirection = .Inbound, _ access: RuleAccess = .Allow,
                        proto: SecurityRuleProtocol = .tcp, src: [NSGAddress] = [.any], dst: [NSGAddress] = [.any],
                        dstPorts: [PortRange] = [.any], srcPorts: [PortRange] = [.any],
                        srcASG: [String] = [], dstASG: [String] = []) -> SecurityRule {
        var r = SecurityRule()
        r.name = name
        r.priority = prio
        r.direction = dir
        r.access = access
        r.proto = proto
        r.sourceAddresses = srcASG.isEmpty ? src : []
        r.destinationAddresses = dstASG.isEmpty ? dst : []
        r.sourceApplicationSecurityGroups = srcASG
        r.destinationApplicationSecurityGroups = dstASG
        r.destinationPorts = dstPorts
        r.sourcePorts = srcPorts
        return r
    }

    static func pod(_ ns: String, _ name: String, _ ipText: String, node: Int, labels: Labels) -> Pod {
        var p = Pod()
        p.namespace = ns
        p.name = name
        p.ips = [ip(ipText)]
        p.nodeName = nodeNames[node]
        p.labels = labels
        return p
    }

    static func slice(_ ns: String, _ svc: String, _ pods: [(String, Int)], port: Int) -> EndpointSlice {
        var s = EndpointSlice()
        s.namespace = ns
        s.name = "\(svc)-abc"
        s.serviceName = svc
        s.ports = [EndpointPort(port: port)]
        s.endpoints = pods.map { a, n in
            var e = Endpoint()
            e.addresses = [ip(a)]
            e.ready = true
            e.nodeName = nodeNames[n]
            return e
        }
        return s
    }

    static func lbService(_ ns: String, _ name: String, lbIP: String, ports: [(Int, Int)], local: Bool, hc: Int? = nil) -> Service {
        var s = Service()
        s.namespace = ns
        s.name = name
        s.type = .LoadBalancer
        s.loadBalancerIngressIPs = [ip(lbIP)]
        s.externalTrafficPolicy = local ? .Local : .Cluster
        s.healthCheckNodePort = hc
        s.ports = ports.map { port, nodePort in
            var p = ServicePort()
            p.port = port
            p.targetPort = .number(port)
            p.nodePort = nodePort
            return p
        }
        return s
    }

    /// The default cluster: Azure CNI flat, UDR egress through aks-fw, public LB, public API server.
    static func defaultCluster() -> Cluster {
        var c = Cluster()
        c.name = "aks-contoso"
        c.settings.location = "eastus"
        c.settings.networkPlugin = .azure
        c.settings.outboundType = .userDefinedRouting
        c.settings.apiServer.publicIP = ip("20.62.30.1")
        c.settings.apiServer.fqdn = "aks-contoso-abc123.hcp.eastus.azmk8s.io"
        c.settings.apiServer.authorizedIPRanges = [cidr("203.0.113.0/24"), cidr("20.62.10.4/32")]

        var vnet = VirtualNetwork()
        vnet.name = "aks-vnet"
        vnet.addressSpaces = [cidr("10.224.0.0/12")]
        var aks = Subnet()
        aks.name = "aks-subnet"
        aks.prefixes = [cidr("10.224.0.0/16")]
        aks.networkSecurityGroup = "aks-agentpool-nsg"
        aks.routeTable = "aks-agentpool-routetable"
        var fwSub = Subnet()
        fwSub.name = "AzureFirewallSubnet"
        fwSub.prefixes = [cidr("10.225.0.0/26")]
        vnet.subnets = [aks, fwSub]
        c.virtualNetworks = [vnet]

        for (i, n) in nodeNames.enumerated() {
            var node = Node()
            node.name = n
            node.internalIPs = [ip("10.224.0.\(4 + i)")]
            node.subnet = "aks-vnet/aks-subnet"
            node.zone = "eastus-\(i + 1)"
            c.nodes.append(node)
            var nic = NetworkInterface()
            nic.name = "\(n)-nic"
            nic.ipAddresses = [ip("10.224.0.\(4 + i)")]
            nic.subnet = "aks-vnet/aks-subnet"
            nic.nodeName = n
            c.networkInterfaces.append(nic)
        }
        c.pods = [
            pod("shop", "frontend-1", "10.224.0.20", node: 0, labels: ["app": "my-frontend"]),
            pod("shop", "frontend-2", "10.224.0.21", node: 1, labels: ["app": "my-frontend"]),
            pod("shop", "backend-1", "10.224.0.30", node: 1, labels: ["app": "my-backend"]),
            pod("shop", "backend-2", "10.224.0.31", node: 2, labels: ["app": "my-backend"]),
            pod("kube-system", "coredns-1", "10.224.0.40", node: 0, labels: ["k8s-app": "kube-dns"]),
            pod("kube-system", "coredns-2", "10.224.0.41", node: 2, labels: ["k8s-app": "kube-dns"]),
            pod("app-routing-system", "nginx-1", "10.224.0.50", node: 0, labels: ["app": "nginx"]),
        ]
        c.services = [
            lbService("shop", "frontend", lbIP: "20.62.20.30", ports: [(80, 30080)], local: false),
            lbService("app-routing-system", "nginx", lbIP: "20.62.20.40", ports: [(80, 30081), (443, 30443)], local: true, hc: 32000),
        ]
        c.endpointSlices = [
            slice("shop", "frontend", [("10.224.0.20", 0), ("10.224.0.21", 1)], port: 8080),
            slice("app-routing-system", "nginx", [("10.224.0.50", 0)], port: 80),
        ]

        var nsg = NetworkSecurityGroup()
        nsg.name = "aks-agentpool-nsg"
        nsg.rules = [
            nsgRule("k8s-azure-lb_allow_frontend_80", 500, src: [.serviceTag("Internet")], dst: [.prefix(cidr("20.62.20.30/32"))], dstPorts: [PortRange(single: 80)]),
            nsgRule("k8s-azure-lb_allow_nginx", 501, src: [.serviceTag("Internet")], dst: [.prefix(cidr("20.62.20.40/32"))],
                    dstPorts: [PortRange(single: 80), PortRange(single: 443)]),
        ]
        c.networkSecurityGroups = [nsg]

        c.routeTables = [defaultRoute(table: "aks-agentpool-routetable", route: "default-via-firewall", via: "10.225.0.4")]

        c.loadBalancers = [kubernetesLB()]

        var fw = AzureFirewall()
        fw.name = "aks-fw"
        fw.privateIP = ip("10.225.0.4")
        fw.publicIPs = [ip("20.62.10.4")]
        fw.policy = "aks-fw-policy"
        c.firewalls = [fw]
        c.firewallPolicies = [defaultPolicy()]
        c.serviceTags = [ServiceTag(name: "AzureCloud.eastus", prefixes: [cidr("20.62.0.0/17")])]
        c.dnsRecords = [
            DNSRecord(fqdn: "ntp.ubuntu.com", addresses: [ip("91.189.91.157")]),
            DNSRecord(fqdn: "mcr.microsoft.com", addresses: [ip("20.61.99.1")]),
            DNSRecord(fqdn: "api.github.com", addresses: [ip("140.82.112.6")]),
            DNSRecord(fqdn: "www.example.com", addresses: [ip("93.184.215.14")]),
        ]
        return c
    }

    static func kubernetesLB() -> LoadBalancer {
        var lb = LoadBalancer()
        lb.name = "kubernetes"
        var f1 = FrontendIPConfiguration()
        f1.name = "fe-frontend"
        f1.address = ip("20.62.20.30")
        var f2 = FrontendIPConfiguration()
        f2.name = "fe-nginx"
        f2.address = ip("20.62.20.40")
        lb.frontends = [f1, f2]
        var pool = BackendPool()
        pool.name = "kubernetes"
        pool.nodeNames = nodeNames
        lb.backendPools = [pool]
        func probe(_ name: String, _ proto: ProbeProtocol, _ port: Int) -> HealthProbe {
            var p = HealthProbe()
            p.name = name
            p.proto = proto
            p.port = port
            return p
        }
        lb.probes = [probe("frontend-TCP-30080", .Tcp, 30080), probe("nginx-healthz", .Http, 32000)]
        func rule(_ name: String, _ fe: String, _ port: Int, _ probe: String) -> LoadBalancingRule {
            var r = LoadBalancingRule()
            r.name = name
            r.frontend = fe
            r.backendPool = "kubernetes"
            r.probe = probe
            r.frontendPort = port
            r.backendPort = port
            r.enableFloatingIP = true
            return r
        }
        lb.rules = [
            rule("frontend-TCP-80", "fe-frontend", 80, "frontend-TCP-30080"),
            rule("nginx-TCP-80", "fe-nginx", 80, "nginx-healthz"),
            rule("nginx-TCP-443", "fe-nginx", 443, "nginx-healthz"),
        ]
        return lb
    }

    static func fwRule(_ name: String, _ kind: RuleCollectionKind = .network, protos: [String] = ["TCP"], src: [String] = ["*"],
                       dst: [String] = [], fqdns: [String] = [], ports: [PortRange] = [], app: [(String, Int)] = [],
                       targets: [String] = [], tags: [String] = []) -> FirewallRule {
        var r = FirewallRule()
        r.name = name
        r.kind = kind
        r.ipProtocols = kind == .application ? [] : protos
        r.sourceAddresses = src
        r.destinationAddresses = dst
        r.destinationFQDNs = fqdns
        r.destinationPorts = ports
        r.protocols = app.map { ApplicationProtocol(type: $0.0, port: $0.1) }
        r.targetFQDNs = targets
        r.fqdnTags = tags
        return r
    }

    static func collection(_ name: String, _ prio: Int, _ kind: RuleCollectionKind, _ action: RuleCollectionAction, _ rules: [FirewallRule]) -> FirewallRuleCollection {
        var c = FirewallRuleCollection()
        c.name = name
        c.priority = prio
        c.kind = kind
        c.action = action
        c.rules = rules
        return c
    }

    static func group(_ name: String, _ prio: Int, _ cols: [FirewallRuleCollection]) -> RuleCollectionGroup {
        var g = RuleCollectionGroup()
        g.name = name
        g.priority = prio
        g.collections = cols
        return g
    }

    static func defaultPolicy() -> FirewallPolicy {
        var p = FirewallPolicy()
        p.name = "aks-fw-policy"
        p.threatIntelMode = .Alert
        p.ruleCollectionGroups = [group("aks-egress", 200, [
            collection("aks-network", 100, .network, .Allow, [
                fwRule("apiudp", protos: ["UDP"], dst: ["AzureCloud.eastus"], ports: [PortRange(single: 1194)]),
                fwRule("apitcp", dst: ["AzureCloud.eastus"], ports: [PortRange(single: 9000)]),
                fwRule("time", protos: ["UDP"], fqdns: ["ntp.ubuntu.com"], ports: [PortRange(single: 123)]),
                fwRule("apiserver", dst: ["20.62.30.1"], ports: [PortRange(single: 443)]),
            ]),
            collection("aks-fqdns", 200, .application, .Allow, [
                fwRule("aks-fqdn-tag", .application, src: ["10.224.0.0/16"], app: [("Http", 80), ("Https", 443)], tags: ["AzureKubernetesService"]),
                fwRule("github", .application, src: ["10.224.0.0/16"], app: [("Https", 443)], targets: ["*.github.com", "github.com"]),
            ]),
        ])]
        return p
    }
}

/// One carried packet: result, rule name, hops.
struct Carried {
    var result: AzureLegResult
    var rule: String
    var hops: [Hop]
    var verdict: Verdict { result.verdict }
    var stage: Stage { result.stage }
    var flow: FlowKey { result.flow }
    var landed: Int32 { result.landedNode }
}

extension AzureNetwork {
    static func compiled(_ c: Cluster) -> AzureNetwork {
        var names = RuleNames()
        return AzureNetwork.compile(c, names: &names)
    }

    func send(_ src: String, _ dst: String, _ dport: UInt16, sni: String = "", host: String = "", trace: Bool = true) -> Carried {
        send(.tcp, src, 40000, dst, dport, sni: sni, host: host, trace: trace)
    }

    func send(_ proto: IPProtocol, _ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16,
              sni: String = "", host: String = "", trace: Bool = true) -> Carried {
        let flow = FlowKey(src: ip(src), dst: ip(dst), srcPort: sport, dstPort: dport, proto: proto)
        var rec = HopRecorder(enabled: trace)
        let sniBytes = Array(sni.utf8), hostBytes = Array(host.utf8)
        let r = sniBytes.withUnsafeBytes { s in hostBytes.withUnsafeBytes { h in carry(flow, sni: s, httpHost: h, recorder: &rec) } }
        return Carried(result: r, rule: ruleName(r.rule), hops: rec.hops)
    }
}

func XCTAssertDrop(_ c: Carried, _ stage: Stage, _ rule: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(c.verdict, .drop, "hops: \(c.hops)", file: file, line: line)
    XCTAssertEqual(c.stage, stage, "hops: \(c.hops)", file: file, line: line)
    XCTAssertEqual(c.rule, rule, "hops: \(c.hops)", file: file, line: line)
}

func XCTAssertAllow(_ c: Carried, rule: String? = nil, landed: Int32? = nil, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(c.verdict, .allow, "rule \(c.rule) hops: \(c.hops)", file: file, line: line)
    if let rule { XCTAssertEqual(c.rule, rule, "hops: \(c.hops)", file: file, line: line) }
    if let landed { XCTAssertEqual(c.landed, landed, "hops: \(c.hops)", file: file, line: line) }
}
