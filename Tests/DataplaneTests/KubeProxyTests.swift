import ClusterModel
import Dataplane
import NetworkAddress
import Testing

// kube-proxy semantics (iptables/nftables modes), each row citing the upstream behaviour it pins
// (kubernetes.io "Virtual IPs and Service Proxies", "Service", "Traffic policies", and
// pkg/proxy/iptables/proxier.go's chains). Flows are traced through the default cluster or a variation.

let backends = ["10.224.0.30", "10.224.0.31"]
let frontends = ["10.224.0.20", "10.224.0.21"]
let corednses = ["10.224.0.40", "10.224.0.41"]
let n0 = Variation.node0, n1 = Variation.node1, n2 = Variation.node2

let kubeProxyCases: [KubeProxyCase] = [
    // ClusterIP
    KubeProxyCase(pins: "ClusterIP from a pod: DNAT to an endpoint, named targetPort `http` resolved to 8080, source kept (pod network)",
                  src: "10.224.0.20", dst: "10.0.120.10", dport: 80, proxyRule: "svc:shop/backend:80",
                  delivered: backends, deliveredPort: 8080, source: "10.224.0.20"),
    KubeProxyCase(pins: "ClusterIP UDP 53: named targetPort `dns` resolved per endpoint", proto: .udp,
                  src: "10.224.0.20", dst: "10.0.0.10", dport: 53, proxyRule: "svc:kube-system/kube-dns:53",
                  delivered: corednses, deliveredPort: 53, source: "10.224.0.20"),
    KubeProxyCase(pins: "multi-protocol Service: TCP 53 uses the `dns-tcp` port of the same Service",
                  src: "10.224.0.21", dst: "10.0.0.10", dport: 53, proxyRule: "svc:kube-system/kube-dns:53",
                  delivered: corednses, deliveredPort: 53, source: "10.224.0.21"),
    KubeProxyCase(pins: "a Service IP on a protocol it does not serve (SCTP 53): no rule matches, iptables mode loses it",
                  proto: .sctp, src: "10.224.0.20", dst: "10.0.0.10", dport: 53, verdict: .drop, proxyRule: "kube-proxy:no-service-port"),
    KubeProxyCase(pins: "a ClusterIP on a port it does not serve: dropped (iptables)", src: "10.224.0.20", dst: "10.0.120.10",
                  dport: 81, verdict: .drop, proxyRule: "kube-proxy:no-service-port"),
    KubeProxyCase(pins: "nftables mode rejects traffic to unserved ports of Service IPs",
                  cluster: Variation.with { $0.settings.kubeProxy.mode = .nftables }, src: "10.224.0.20", dst: "10.0.120.10",
                  dport: 81, verdict: .reject, proxyRule: "kube-proxy:no-service-port"),
    KubeProxyCase(pins: "ClusterIP from the node (not the pod network): masqueraded (KUBE-MARK-MASQ for ! -s clusterCIDR)",
                  proto: .udp, src: "10.224.0.5", dst: "10.0.0.10", dport: 53, proxyRule: "svc:kube-system/kube-dns:53",
                  delivered: corednses, source: "10.224.0.5"),
    KubeProxyCase(pins: "masqueradeAll: even pod traffic to a ClusterIP is SNATed to the node address",
                  cluster: Variation.with { $0.settings.kubeProxy.masqueradeAll = true }, proto: .udp,
                  src: "10.224.0.21", dst: "10.0.0.10", dport: 53, proxyRule: "svc:kube-system/kube-dns:53",
                  delivered: corednses, source: "10.224.0.5"),
    KubeProxyCase(pins: "hairpin: a pod reaching itself through its Service is masqueraded to the node address",
                  cluster: Variation.with { c in Variation.slice(&c, "backend") { $0.endpoints.removeLast() } },
                  src: "10.224.0.30", dst: "10.0.120.10", dport: 80, proxyRule: "svc:shop/backend:80",
                  delivered: ["10.224.0.30"], deliveredPort: 8080, source: "10.224.0.5"),
    KubeProxyCase(pins: "multi-port Service: ClusterIP port 443 maps to targetPort 443", src: "10.224.0.20", dst: "10.0.60.10",
                  dport: 443, proxyRule: "svc:app-routing-system/nginx:443", delivered: ["10.224.0.50"], deliveredPort: 443,
                  source: "10.224.0.20"),
    KubeProxyCase(pins: "a Service with no endpoints is REJECTed (ICMP port unreachable / TCP RST), not dropped",
                  cluster: Variation.with { Variation.webService(&$0, endpoints: []) }, src: "10.224.0.20", dst: "10.0.70.70",
                  dport: 80, verdict: .reject, proxyRule: "kube-proxy:no-endpoints:default/web:80",
                  rule: "kube-proxy:no-endpoints:default/web:80"),
    KubeProxyCase(pins: "no ready endpoint: fall back to serving+terminating endpoints (ProxyTerminatingEndpoints, GA 1.28)",
                  cluster: Variation.with { Variation.webService(&$0, endpoints: [("10.224.1.1", false, true, true)]) },
                  src: "10.224.0.20", dst: "10.0.70.70", dport: 80, proxyRule: "svc:default/web:80",
                  delivered: ["10.224.1.1"], deliveredPort: 8080),
    KubeProxyCase(pins: "terminating and not serving: not usable → no endpoints → REJECT",
                  cluster: Variation.with { Variation.webService(&$0, endpoints: [("10.224.1.1", false, false, true)]) },
                  src: "10.224.0.20", dst: "10.0.70.70", dport: 80, verdict: .reject,
                  proxyRule: "kube-proxy:no-endpoints:default/web:80"),
    KubeProxyCase(pins: "not ready and not terminating: not usable → REJECT",
                  cluster: Variation.with { Variation.webService(&$0, endpoints: [("10.224.1.1", false, nil, nil)]) },
                  src: "10.224.0.20", dst: "10.0.70.70", dport: 80, verdict: .reject,
                  proxyRule: "kube-proxy:no-endpoints:default/web:80"),
    KubeProxyCase(pins: "ready endpoints win over serving-terminating ones",
                  cluster: Variation.with { Variation.webService(&$0, endpoints: [("10.224.1.1", false, true, true), ("10.224.1.2", true, true, false)]) },
                  src: "10.224.0.20", sport: 41111, dst: "10.0.70.70", dport: 80, proxyRule: "svc:default/web:80", delivered: ["10.224.1.2"]),
    KubeProxyCase(pins: "unset conditions mean ready (EndpointConditions: nil ready is true)",
                  cluster: Variation.with { Variation.webService(&$0, endpoints: [("10.224.1.3", nil, nil, nil)]) },
                  src: "10.224.0.20", dst: "10.0.70.70", dport: 80, proxyRule: "svc:default/web:80", delivered: ["10.224.1.3"]),
    KubeProxyCase(pins: "serving unset means serving (endpointslicecache: Serving == nil || *Serving): a terminating, not-ready endpoint is the fallback",
                  cluster: Variation.with { Variation.webService(&$0, endpoints: [("10.224.1.4", false, nil, true)]) },
                  src: "10.224.0.20", dst: "10.0.70.70", dport: 80, proxyRule: "svc:default/web:80", delivered: ["10.224.1.4"]),
    KubeProxyCase(pins: "an empty selector selects nothing (the endpoint-slice controller skips it): no endpoints → REJECT",
                  cluster: Variation.with { c in
                      c.services.append(Fixture.service("shop", "everything", clusterIP: "10.0.70.99", selector: [:],
                                                        ports: [Fixture.port("", 80, target: .number(8080))]))
                  },
                  src: "10.224.0.20", dst: "10.0.70.99", dport: 80, verdict: .reject,
                  proxyRule: "kube-proxy:no-endpoints:shop/everything:80"),
    KubeProxyCase(pins: "internalTrafficPolicy Local: only endpoints on the client's node (coredns-1 on node 0)",
                  cluster: Variation.with { c in Variation.service(&c, "kube-system", "kube-dns") { $0.internalTrafficPolicy = .Local } },
                  proto: .udp, src: "10.224.0.20", dst: "10.0.0.10", dport: 53, proxyRule: "svc:kube-system/kube-dns:53",
                  delivered: ["10.224.0.40"]),
    KubeProxyCase(pins: "internalTrafficPolicy Local with no local endpoint: dropped (not rejected)",
                  cluster: Variation.with { c in Variation.service(&c, "kube-system", "kube-dns") { $0.internalTrafficPolicy = .Local } },
                  proto: .udp, src: "10.224.0.21", dst: "10.0.0.10", dport: 53, verdict: .drop,
                  proxyRule: "kube-proxy:no-local-endpoints:kube-system/kube-dns:53"),
    KubeProxyCase(pins: "headless Service (clusterIP None): no VIP, clients reach pods directly",
                  cluster: Variation.with { c in Variation.service(&c, "kube-system", "kube-dns") { $0.headless = true; $0.clusterIPs = [] } },
                  proto: .udp, src: "10.224.0.20", dst: "10.224.0.41", dport: 53, proxyRule: nil, delivered: ["10.224.0.41"]),
    KubeProxyCase(pins: "ExternalName: DNS only, no data-plane entry even if a clusterIP is written",
                  cluster: Variation.with { c in
                      var s = Fixture.service("default", "ext", clusterIP: "10.224.99.99", selector: [:], ports: [Fixture.port("", 80, target: .number(80))])
                      s.type = .ExternalName; s.externalName = "example.com"; c.services.append(s)
                  },
                  src: "10.224.0.20", dst: "10.224.99.99", dport: 80, proxyRule: nil, delivered: ["10.224.99.99"]),
    // LoadBalancer / NodePort / externalIPs
    KubeProxyCase(pins: "LB ingress IP, externalTrafficPolicy Cluster: DNAT and masquerade to the receiving node",
                  src: "198.51.100.7", dst: "20.62.20.30", dport: 80, node: n1, proxyRule: "svc:shop/frontend:80",
                  delivered: frontends, deliveredPort: 8080, source: "node"),
    KubeProxyCase(pins: "LB ingress IP, externalTrafficPolicy Local on a node with a local endpoint: client IP kept",
                  src: "198.51.100.7", dst: "20.62.20.40", dport: 80, node: n0, proxyRule: "svc:app-routing-system/nginx:80",
                  delivered: ["10.224.0.50"], deliveredPort: 80, source: "198.51.100.7"),
    KubeProxyCase(pins: "externalTrafficPolicy Local, second port (443) of the same Service", src: "198.51.100.7",
                  dst: "20.62.20.40", dport: 443, node: n0, proxyRule: "svc:app-routing-system/nginx:443",
                  delivered: ["10.224.0.50"], deliveredPort: 443, source: "198.51.100.7"),
    KubeProxyCase(pins: "externalTrafficPolicy Local and no local endpoint on the receiving node: dropped",
                  src: "198.51.100.7", dst: "20.62.20.40", dport: 80, node: n1, verdict: .drop,
                  proxyRule: "kube-proxy:no-local-endpoints:app-routing-system/nginx:80",
                  rule: "kube-proxy:no-local-endpoints:app-routing-system/nginx:80"),
    KubeProxyCase(pins: "NodePort on a node address from the VNet, eTP Cluster: DNAT + masquerade to that node",
                  src: "10.224.9.9", dst: "10.224.0.5", dport: 30080, proxyRule: "svc:shop/frontend:80",
                  delivered: frontends, deliveredPort: 8080, source: "10.224.0.5"),
    KubeProxyCase(pins: "NodePort, eTP Local, node with a local endpoint: client source kept", src: "10.224.9.9",
                  dst: "10.224.0.4", dport: 30081, proxyRule: "svc:app-routing-system/nginx:80",
                  delivered: ["10.224.0.50"], deliveredPort: 80, source: "10.224.9.9"),
    KubeProxyCase(pins: "NodePort, eTP Local, node without a local endpoint: dropped", src: "10.224.9.9", dst: "10.224.0.5",
                  dport: 30081, verdict: .drop, proxyRule: "kube-proxy:no-local-endpoints:app-routing-system/nginx:80"),
    KubeProxyCase(pins: "NodePort 30443, eTP Local, node 2 without a local endpoint: dropped", src: "10.224.9.9",
                  dst: "10.224.0.6", dport: 30443, verdict: .drop, proxyRule: "kube-proxy:no-local-endpoints:app-routing-system/nginx:443"),
    KubeProxyCase(pins: "NodePort reached by a pod on the same node (dst-type LOCAL): DNAT + masquerade (eTP Cluster)",
                  src: "10.224.0.20", dst: "10.224.0.4", dport: 30080, proxyRule: "svc:shop/frontend:80",
                  delivered: frontends, source: "10.224.0.4"),
    KubeProxyCase(pins: "NodePort of another node: not translated at the source node, DNATed on the target node",
                  src: "10.224.0.20", dst: "10.224.0.6", dport: 30080, proxyRule: "svc:shop/frontend:80",
                  delivered: frontends, source: "10.224.0.6"),
    KubeProxyCase(pins: "pod → LB IP of an eTP Local Service: short-circuited to cluster-wide endpoints, no SNAT",
                  src: "10.224.0.30", dst: "20.62.20.40", dport: 80, proxyRule: "svc:app-routing-system/nginx:80",
                  delivered: ["10.224.0.50"], source: "10.224.0.30"),
    KubeProxyCase(pins: "pod → LB IP of an eTP Cluster Service: masqueraded (KUBE-EXT marks all external traffic)",
                  src: "10.224.0.31", dst: "20.62.20.30", dport: 80, proxyRule: "svc:shop/frontend:80",
                  delivered: frontends, source: "10.224.0.6"),
    KubeProxyCase(pins: "node → LB IP of an eTP Local Service: masqueraded and sent to any endpoint (src-type LOCAL)",
                  src: "10.224.0.5", dst: "20.62.20.40", dport: 80, proxyRule: "svc:app-routing-system/nginx:80",
                  delivered: ["10.224.0.50"], source: "10.224.0.5"),
    KubeProxyCase(pins: "--nodeport-addresses: NodePorts answer only on listed node addresses (node 1 excluded)",
                  cluster: Variation.with { $0.settings.kubeProxy.nodePortAddresses = [prefix("10.224.0.4/32")] },
                  src: "10.224.9.9", dst: "10.224.0.5", dport: 30080, proxyRule: nil, delivered: ["10.224.0.5"], deliveredPort: 30080),
    KubeProxyCase(pins: "--nodeport-addresses: a listed node address still serves the NodePort",
                  cluster: Variation.with { $0.settings.kubeProxy.nodePortAddresses = [prefix("10.224.0.4/32")] },
                  src: "10.224.9.9", dst: "10.224.0.4", dport: 30080, proxyRule: "svc:shop/frontend:80", delivered: frontends),
    KubeProxyCase(pins: "allocateLoadBalancerNodePorts false (no nodePort allocated): the LB Service has no NodePort",
                  cluster: Variation.with { c in Variation.service(&c, "shop", "frontend") {
                      $0.allocateLoadBalancerNodePorts = false; $0.ports[0].nodePort = nil } },
                  src: "10.224.9.9", dst: "10.224.0.4", dport: 30080, proxyRule: nil, delivered: ["10.224.0.4"]),
    KubeProxyCase(pins: "allocateLoadBalancerNodePorts false with a nodePort still in the spec: kube-proxy serves it (it reads nodePort != 0)",
                  cluster: Variation.with { c in Variation.service(&c, "shop", "frontend") { $0.allocateLoadBalancerNodePorts = false } },
                  src: "10.224.9.9", dst: "10.224.0.4", dport: 30080, proxyRule: "svc:shop/frontend:80", delivered: frontends),
    KubeProxyCase(pins: "loadBalancerSourceRanges: a source outside the ranges is dropped at the LB IP",
                  cluster: Variation.with { c in Variation.service(&c, "shop", "frontend") { $0.loadBalancerSourceRanges = [prefix("203.0.113.0/24")] } },
                  src: "198.51.100.7", dst: "20.62.20.30", dport: 80, node: n0, verdict: .drop,
                  proxyRule: "kube-proxy:loadBalancerSourceRanges", rule: "kube-proxy:loadBalancerSourceRanges"),
    KubeProxyCase(pins: "loadBalancerSourceRanges: a source inside the ranges passes",
                  cluster: Variation.with { c in Variation.service(&c, "shop", "frontend") { $0.loadBalancerSourceRanges = [prefix("203.0.113.0/24")] } },
                  src: "203.0.113.5", dst: "20.62.20.30", dport: 80, node: n0, proxyRule: "svc:shop/frontend:80", delivered: frontends),
    KubeProxyCase(pins: "loadBalancerSourceRanges: the node's own address is not exempt (KUBE-FW: -s range only; allowFromNode admits the VIP as source, not the node)",
                  cluster: Variation.with { c in Variation.service(&c, "shop", "frontend") { $0.loadBalancerSourceRanges = [prefix("203.0.113.0/24")] } },
                  src: "10.224.0.4", dst: "20.62.20.30", dport: 80, verdict: .drop,
                  proxyRule: "kube-proxy:loadBalancerSourceRanges", rule: "kube-proxy:loadBalancerSourceRanges"),
    KubeProxyCase(pins: "loadBalancerSourceRanges: a pod outside the ranges is dropped at the LB IP",
                  cluster: Variation.with { c in Variation.service(&c, "shop", "frontend") { $0.loadBalancerSourceRanges = [prefix("203.0.113.0/24")] } },
                  src: "10.224.0.20", dst: "20.62.20.30", dport: 80, verdict: .drop,
                  proxyRule: "kube-proxy:loadBalancerSourceRanges", rule: "kube-proxy:loadBalancerSourceRanges"),
    KubeProxyCase(pins: "loadBalancerSourceRanges covering the node: the node reaches the LB IP",
                  cluster: Variation.with { c in Variation.service(&c, "shop", "frontend") { $0.loadBalancerSourceRanges = [prefix("10.224.0.0/16")] } },
                  src: "10.224.0.4", dst: "20.62.20.30", dport: 80, proxyRule: "svc:shop/frontend:80", delivered: frontends),
    KubeProxyCase(pins: "allowFromNode: with a range covering the node IP, the LB VIP itself is an admitted source",
                  cluster: Variation.with { c in Variation.service(&c, "shop", "frontend") { $0.loadBalancerSourceRanges = [prefix("10.224.0.0/16")] } },
                  src: "20.62.20.30", dst: "20.62.20.30", dport: 80, node: n0, proxyRule: "svc:shop/frontend:80", delivered: frontends),
    KubeProxyCase(pins: "loadBalancerSourceRanges apply to the LB IP only, not the NodePort",
                  cluster: Variation.with { c in Variation.service(&c, "shop", "frontend") { $0.loadBalancerSourceRanges = [prefix("203.0.113.0/24")] } },
                  src: "10.224.9.9", dst: "10.224.0.4", dport: 30080, proxyRule: "svc:shop/frontend:80", delivered: frontends),
    KubeProxyCase(pins: "externalIPs are front doors like LB IPs (eTP Cluster: masquerade)",
                  cluster: Variation.with { c in Variation.service(&c, "kube-system", "kube-dns") { $0.externalIPs = [addr("10.224.100.53")] } },
                  proto: .udp, src: "10.224.9.9", dst: "10.224.100.53", dport: 53, node: n2, proxyRule: "svc:kube-system/kube-dns:53",
                  delivered: corednses, deliveredPort: 53, source: "10.224.0.6"),
    KubeProxyCase(pins: "an LB Service without endpoints rejects at its LB IP too",
                  cluster: Variation.with { Variation.webService(&$0, type: .LoadBalancer, endpoints: []) },
                  src: "198.51.100.7", dst: "20.62.20.70", dport: 80, node: n0, verdict: .reject,
                  proxyRule: "kube-proxy:no-endpoints:default/web:80"),
    KubeProxyCase(pins: "NodePort Service type: NodePort on every node address", 
                  cluster: Variation.with { Variation.webService(&$0, type: .NodePort, endpoints: [("10.224.1.1", true, true, false)]) },
                  src: "10.224.9.9", dst: "10.224.0.6", dport: 30700, proxyRule: "svc:default/web:80",
                  delivered: ["10.224.1.1"], deliveredPort: 8080, source: "10.224.0.6"),
    KubeProxyCase(pins: "an LB Service exported without its ClusterIP still answers on its LB IP",
                  cluster: Variation.with { c in Variation.service(&c, "shop", "frontend") { $0.clusterIPs = [] } },
                  src: "198.51.100.7", dst: "20.62.20.30", dport: 80, node: n0, proxyRule: "svc:shop/frontend:80", delivered: frontends),
    KubeProxyCase(pins: "a NodePort Service has no LB ingress front door: its ClusterIP still works",
                  cluster: Variation.with { Variation.webService(&$0, type: .NodePort, endpoints: [("10.224.1.1", true, true, false)]) },
                  src: "10.224.0.21", dst: "10.0.70.70", dport: 80, proxyRule: "svc:default/web:80",
                  delivered: ["10.224.1.1"], source: "10.224.0.21"),
]

@Suite struct KubeProxyTests {
    @Test(arguments: kubeProxyCases) func flow(_ c: KubeProxyCase) { c.check() }

    @Test func atLeastFortyFlows() { #expect(kubeProxyCases.count >= 40) }

    /// Endpoint choice is a hash of the 5-tuple and the seed: the same flow always gets the same
    /// endpoint, and many flows spread evenly over the endpoints.
    @Test func endpointChoiceIsDeterministicAndEven() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        var hits: [String: Int] = [:]
        for sport in UInt16(20000)..<UInt16(24000) {
            let a = p.t("10.224.0.20", "10.0.120.10", 80, sport: sport)
            let b = p.t("10.224.0.20", "10.0.120.10", 80, sport: sport)
            #expect(a.delivered == b.delivered)
            hits["\(a.delivered!.ip)", default: 0] += 1
        }
        #expect(hits.count == 2)
        for (_, n) in hits { #expect(n > 1800 && n < 2200, "each of 2 endpoints gets about half of 4000 flows: \(hits)") }
    }

    @Test func seedChangesTheChoice() {
        let a = Pipeline(cluster: Fixture.defaultCluster())
        let b = Pipeline(cluster: Variation.with { $0.settings.kubeProxy.seed = 12345 })
        var differ = 0
        for sport in UInt16(30000)..<UInt16(30100) where a.t("10.224.0.20", "10.0.120.10", 80, sport: sport).delivered
            != b.t("10.224.0.20", "10.0.120.10", 80, sport: sport).delivered { differ += 1 }
        #expect(differ > 20 && differ < 80)
    }

    /// sessionAffinity ClientIP: every connection of one client reaches the same endpoint.
    @Test func clientIPAffinityKeepsTheEndpoint() {
        let p = Pipeline(cluster: Variation.with { c in Variation.service(&c, "shop", "backend") { $0.sessionAffinityClientIP = true } })
        let first = p.t("10.224.0.20", "10.0.120.10", 80, sport: 1000).delivered
        for sport in UInt16(1001)..<UInt16(1100) {
            #expect(p.t("10.224.0.20", "10.0.120.10", 80, sport: sport).delivered == first)
        }
    }

    /// Named targetPorts are resolved per endpoint: pods naming `web` differently get their own port.
    @Test func namedTargetPortPerEndpoint() {
        var c = Fixture.defaultCluster()
        var a = Fixture.pod("default", "web-a", "10.224.0.60", node: 0, labels: ["app": "web"], ports: [ContainerPort(name: "web", port: 8080)])
        var b = Fixture.pod("default", "web-b", "10.224.0.61", node: 1, labels: ["app": "web"], ports: [ContainerPort(name: "web", port: 9090)])
        a.ready = true; b.ready = true
        c.pods += [a, b]
        c.services.append(Fixture.service("default", "web", clusterIP: "10.0.70.71", selector: ["app": "web"],
                                          ports: [Fixture.port("", 80, target: .name("web"))]))
        let p = Pipeline(cluster: c)
        var seen: [String: UInt16] = [:]
        for sport in UInt16(100)..<UInt16(140) {
            let t = p.t("10.224.0.20", "10.0.70.71", 80, sport: sport)
            seen["\(t.delivered!.ip)"] = t.delivered!.port
        }
        #expect(seen == ["10.224.0.60": 8080, "10.224.0.61": 9090])
    }

    /// Dual-stack: the IPv6 ClusterIP selects IPv6 endpoints from the IPv6 EndpointSlice.
    @Test func dualStackUsesTheFamilysEndpoints() {
        var c = Fixture.defaultCluster()
        Variation.service(&c, "shop", "backend") { $0.clusterIPs.append(addr("fd00:10::120")) }
        c.pods[0].ips.append(addr("fd00:224::20"))
        c.pods[2].ips.append(addr("fd00:224::30"))
        var v6 = Fixture.slice(c.services[1], pods: [c.pods[2]], ports: [EndpointPort(name: "", port: 8080)])
        v6.name = "backend-v6"
        v6.addressType = "IPv6"
        v6.endpoints[0].addresses = [addr("fd00:224::30")]
        c.endpointSlices.append(v6)
        let p = Pipeline(cluster: c)
        let t = p.t("fd00:224::20", "fd00:10::120", 80)
        #expect(t.verdict == .allow)
        #expect(t.delivered == IPPort(ip: addr("fd00:224::30"), port: 8080))
        let v4 = p.t("10.224.0.20", "10.0.120.10", 80)
        #expect(backends.contains("\(v4.delivered!.ip)"))
    }
}
