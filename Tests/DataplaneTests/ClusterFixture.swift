import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire

// The embedded default cluster's address plan (briefs/addresses.md), built in code so the
// Dataplane tests do not depend on the loaders. Helpers build variations for the semantics tables.

func addr(_ s: String) -> IPAddress { IPAddress(s)! }
func prefix(_ s: String) -> IPPrefix { IPPrefix(s)! }

enum Fixture {
    static let nodeNames = ["aks-nodepool1-12345678-vmss000000", "aks-nodepool1-12345678-vmss000001",
                            "aks-nodepool1-12345678-vmss000002"]

    static func node(_ i: Int, _ address: String, zone: String) -> Node {
        var n = Node()
        n.name = nodeNames[i]
        n.internalIPs = [addr(address)]
        n.subnet = "aks-vnet/aks-subnet"
        n.zone = zone
        return n
    }

    static func pod(_ ns: String, _ name: String, _ address: String, node: Int, labels: Labels,
                    ports: [ContainerPort]) -> Pod {
        var p = Pod()
        p.namespace = ns
        p.name = name
        p.ips = [addr(address)]
        p.nodeName = nodeNames[node]
        p.labels = labels
        p.containerPorts = ports
        return p
    }

    static func port(_ name: String, _ port: Int, _ proto: IPProtocol = .tcp, target: PortRef, nodePort: Int? = nil) -> ServicePort {
        var p = ServicePort()
        p.name = name
        p.port = port
        p.proto = proto
        p.targetPort = target
        p.nodePort = nodePort
        return p
    }

    static func service(_ ns: String, _ name: String, type: ServiceType = .ClusterIP, clusterIP: String, selector: Labels,
                        ports: [ServicePort], lbIP: String? = nil, etp: TrafficPolicy = .Cluster) -> Service {
        var s = Service()
        s.namespace = ns
        s.name = name
        s.type = type
        s.clusterIPs = [addr(clusterIP)]
        s.selector = selector
        s.ports = ports
        if let lbIP { s.loadBalancerIngressIPs = [addr(lbIP)] }
        s.externalTrafficPolicy = etp
        return s
    }

    /// EndpointSlice for `svc` listing `pods` as ready endpoints with the given slice ports.
    static func slice(_ svc: Service, pods: [Pod], ports: [EndpointPort]) -> EndpointSlice {
        var s = EndpointSlice()
        s.namespace = svc.namespace
        s.name = "\(svc.name)-abcde"
        s.serviceName = svc.name
        s.ports = ports
        s.endpoints = pods.map { p in
            var e = Endpoint()
            e.addresses = p.ips
            e.ready = true
            e.nodeName = p.nodeName
            e.podRef = p.qualifiedName
            return e
        }
        return s
    }

    static var frontendPolicy: NetworkPolicy {
        var np = NetworkPolicy()
        np.namespace = "shop"
        np.name = "backend-allow-frontend"
        np.podSelector = LabelSelector(matchLabels: ["app": "my-backend"])
        np.policyTypes = [.Ingress]
        np.ingress = [NetworkPolicyRule(peers: [NetworkPolicyPeer(podSelector: LabelSelector(matchLabels: ["app": "my-frontend"]))],
                                        ports: [NetworkPolicyPort(proto: .tcp, port: .number(8080))])]
        return np
    }

    /// The default cluster `aks-contoso` (Kubernetes side plus the firewall and API server addresses).
    static func defaultCluster() -> Cluster {
        var c = Cluster()
        c.name = "aks-contoso"
        c.settings.networkPlugin = .azure
        c.settings.networkPolicy = .azure
        c.settings.outboundType = .userDefinedRouting
        c.settings.apiServer.publicIP = addr("20.62.30.1")
        c.settings.apiServer.authorizedIPRanges = [prefix("203.0.113.0/24"), prefix("20.62.10.4/32")]
        c.settings.apiServer.fqdn = "aks-contoso-abc123.hcp.eastus.azmk8s.io"
        var vnet = VirtualNetwork()
        vnet.name = "aks-vnet"
        vnet.addressSpaces = [prefix("10.224.0.0/12"), prefix("fd00:224::/48")]
        // Subnets and node NICs without NSGs or route tables: the Azure leg routes inside the VNet
        // and filters nothing, so these tables pin the node-local semantics only.
        var aks = Subnet()
        aks.name = "aks-subnet"
        aks.prefixes = [prefix("10.224.0.0/16"), prefix("fd00:224::/64")]
        var fwSubnet = Subnet()
        fwSubnet.name = "AzureFirewallSubnet"
        fwSubnet.prefixes = [prefix("10.225.0.0/26")]
        vnet.subnets = [aks, fwSubnet]
        c.virtualNetworks = [vnet]
        for (i, n) in nodeNames.enumerated() {
            var nic = NetworkInterface()
            nic.name = "\(n)-nic"
            nic.ipAddresses = [addr("10.224.0.\(4 + i)")]
            nic.subnet = "aks-vnet/aks-subnet"
            nic.nodeName = n
            c.networkInterfaces.append(nic)
        }
        var fw = AzureFirewall()
        fw.name = "aks-fw"
        fw.privateIP = addr("10.225.0.4")
        fw.publicIPs = [addr("20.62.10.4")]
        c.firewalls = [fw]
        c.namespaces = [Namespace(name: "kube-system"), Namespace(name: "default"),
                        Namespace(name: "shop", labels: ["team": "shop"]), Namespace(name: "app-routing-system")]
        c.nodes = [node(0, "10.224.0.4", zone: "1"), node(1, "10.224.0.5", zone: "2"), node(2, "10.224.0.6", zone: "3")]
        let http8080 = [ContainerPort(name: "http", port: 8080)]
        let dns = [ContainerPort(name: "dns", port: 53, proto: .udp), ContainerPort(name: "dns-tcp", port: 53)]
        c.pods = [
            pod("shop", "frontend-1", "10.224.0.20", node: 0, labels: ["app": "my-frontend"], ports: http8080),
            pod("shop", "frontend-2", "10.224.0.21", node: 1, labels: ["app": "my-frontend"], ports: http8080),
            pod("shop", "backend-1", "10.224.0.30", node: 1, labels: ["app": "my-backend"], ports: http8080),
            pod("shop", "backend-2", "10.224.0.31", node: 2, labels: ["app": "my-backend"], ports: http8080),
            pod("kube-system", "coredns-1", "10.224.0.40", node: 0, labels: ["k8s-app": "kube-dns"], ports: dns),
            pod("kube-system", "coredns-2", "10.224.0.41", node: 2, labels: ["k8s-app": "kube-dns"], ports: dns),
            pod("app-routing-system", "nginx-1", "10.224.0.50", node: 0, labels: ["app": "nginx"],
                ports: [ContainerPort(name: "http", port: 80), ContainerPort(name: "https", port: 443)]),
        ]
        let kubeDNS = service("kube-system", "kube-dns", clusterIP: "10.0.0.10", selector: ["k8s-app": "kube-dns"],
                              ports: [port("dns", 53, .udp, target: .name("dns")), port("dns-tcp", 53, target: .name("dns-tcp"))])
        let backend = service("shop", "backend", clusterIP: "10.0.120.10", selector: ["app": "my-backend"],
                              ports: [port("", 80, target: .name("http"))])
        let frontend = service("shop", "frontend", type: .LoadBalancer, clusterIP: "10.0.50.20", selector: ["app": "my-frontend"],
                               ports: [port("", 80, target: .number(8080), nodePort: 30080)], lbIP: "20.62.20.30")
        var nginx = service("app-routing-system", "nginx", type: .LoadBalancer, clusterIP: "10.0.60.10", selector: ["app": "nginx"],
                            ports: [port("http", 80, target: .number(80), nodePort: 30081),
                                    port("https", 443, target: .number(443), nodePort: 30443)],
                            lbIP: "20.62.20.40", etp: .Local)
        nginx.healthCheckNodePort = 32000
        c.services = [kubeDNS, backend, frontend, nginx]
        let p = c.pods
        c.endpointSlices = [
            slice(kubeDNS, pods: [p[4], p[5]], ports: [EndpointPort(name: "dns", port: 53, proto: .udp), EndpointPort(name: "dns-tcp", port: 53)]),
            slice(backend, pods: [p[2], p[3]], ports: [EndpointPort(name: "", port: 8080)]),
            slice(frontend, pods: [p[0], p[1]], ports: [EndpointPort(name: "", port: 8080)]),
            slice(nginx, pods: [p[6]], ports: [EndpointPort(name: "http", port: 80), EndpointPort(name: "https", port: 443)]),
        ]
        c.networkPolicies = [frontendPolicy]
        var ing = Ingress()
        ing.namespace = "shop"
        ing.name = "shop"
        ing.ingressClassName = "webapprouting.kubernetes.azure.com"
        ing.rules = [IngressRule(host: "shop.contoso.com", paths: [IngressPath(path: "/", pathType: .Prefix,
                                                                              backend: IngressBackend(serviceName: "frontend", port: .number(80)))])]
        ing.tlsHosts = ["shop.contoso.com"]
        c.ingresses = [ing]
        c.ingressClasses = [IngressClass(name: "webapprouting.kubernetes.azure.com", controller: "webapprouting.kubernetes.azure.com/nginx")]
        c.ingressControllers = [IngressController(className: "webapprouting.kubernetes.azure.com", service: "app-routing-system/nginx")]
        return c
    }
}

extension Pipeline {
    /// Trace shorthand for tables.
    func t(_ src: String, _ dst: String, _ dport: UInt16, proto: IPProtocol = .tcp, sport: UInt16 = 40000,
           node: String? = nil) -> Trace {
        trace(FlowQuery(proto: proto, src: addr(src), sport: sport, dst: addr(dst), dport: dport, node: node))
    }
}
