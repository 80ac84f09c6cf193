import ClusterModel
import Dataplane
import NetworkAddress
import Testing

// Hand-written EndpointSlices read the way kube-proxy's EndpointSliceCache reads them
// (pkg/proxy/endpointslicecache.go addEndpoints), and which Service addresses kube-proxy answers
// for on ports no Service declares (nftables `cluster-ips` set: ClusterIPs only).

let endpointSliceCases: [KubeProxyCase] = [
    KubeProxyCase(pins: "an endpoint without nodeName is local nowhere (isLocal reads nodeName only): internalTrafficPolicy Local drops, though the address is a pod on the client's node",
                  cluster: Variation.with { c in
                      Variation.webService(&c, endpoints: [("10.224.0.20", true, true, false)])
                      Variation.slice(&c, "web") { $0.endpoints[0].nodeName = nil; $0.endpoints[0].podRef = "shop/frontend-1" }
                      Variation.service(&c, "default", "web") { $0.internalTrafficPolicy = .Local }
                  },
                  src: "10.224.0.40", dst: "10.0.70.70", dport: 80, verdict: .drop,
                  proxyRule: "kube-proxy:no-local-endpoints:default/web:80", rule: "kube-proxy:no-local-endpoints:default/web:80"),
    KubeProxyCase(pins: "the same endpoint with nodeName: internalTrafficPolicy Local delivers to it",
                  cluster: Variation.with { c in
                      Variation.webService(&c, endpoints: [("10.224.0.20", true, true, false)])
                      Variation.service(&c, "default", "web") { $0.internalTrafficPolicy = .Local }
                  },
                  src: "10.224.0.40", dst: "10.0.70.70", dport: 80, proxyRule: "svc:default/web:80",
                  delivered: ["10.224.0.20"], deliveredPort: 8080),
    KubeProxyCase(pins: "an externalIP on a port the Service does not declare matches no kube-proxy rule: routed on to the host owning it (here a node's sshd)",
                  cluster: Variation.with { c in Variation.service(&c, "shop", "backend") { $0.externalIPs = [addr("10.224.0.5")] } },
                  src: "10.224.0.20", dst: "10.224.0.5", dport: 22, proxyRule: nil,
                  delivered: ["10.224.0.5"], deliveredPort: 22),
    KubeProxyCase(pins: "nftables mode rejects unserved ports of ClusterIPs only, not of externalIPs",
                  cluster: Variation.with { c in
                      c.settings.kubeProxy.mode = .nftables
                      Variation.service(&c, "shop", "backend") { $0.externalIPs = [addr("10.224.0.5")] }
                  },
                  src: "10.224.0.20", dst: "10.224.0.5", dport: 22, proxyRule: nil,
                  delivered: ["10.224.0.5"], deliveredPort: 22),
    KubeProxyCase(pins: "IPVS mode rejects unserved ports of every address bound to kube-ipvs0, externalIPs included (KUBE-IPVS-FILTER)",
                  cluster: Variation.with { c in
                      c.settings.kubeProxy.mode = .ipvs
                      Variation.service(&c, "shop", "backend") { $0.externalIPs = [addr("10.224.0.5")] }
                  },
                  src: "10.224.0.20", dst: "10.224.0.5", dport: 22, verdict: .reject, proxyRule: "kube-proxy:no-service-port"),
    KubeProxyCase(pins: "IPVS mode rejects an unserved port of a ClusterIP", cluster: Variation.with { $0.settings.kubeProxy.mode = .ipvs },
                  src: "10.224.0.20", dst: "10.0.120.10", dport: 81, verdict: .reject, proxyRule: "kube-proxy:no-service-port"),
    KubeProxyCase(pins: "the declared port of that externalIP is still a front door (eTP Cluster: masqueraded)",
                  cluster: Variation.with { c in Variation.service(&c, "shop", "frontend") { $0.externalIPs = [addr("10.224.0.5")] } },
                  src: "10.224.0.40", dst: "10.224.0.5", dport: 80, proxyRule: "svc:shop/frontend:80",
                  delivered: frontends, deliveredPort: 8080, source: "10.224.0.4"),
    KubeProxyCase(pins: "nftables mode drops traffic to an unallocated address of the service CIDR (cluster-ips-check)",
                  cluster: Variation.with { $0.settings.kubeProxy.mode = .nftables },
                  src: "10.224.0.20", dst: "10.0.200.200", dport: 80, verdict: .drop,
                  proxyRule: "kube-proxy:unallocated-cluster-ip", rule: "kube-proxy:unallocated-cluster-ip"),
    KubeProxyCase(pins: "iptables mode has no such rule: the unallocated service address is routed on (and lost there)",
                  src: "10.224.0.20", dst: "10.0.200.200", dport: 80, verdict: .drop, proxyRule: nil),
    KubeProxyCase(pins: "a pod to an LB ingress IP on an undeclared port leaves the node (no kube-proxy rule): refused on the way out, not by kube-proxy",
                  src: "10.224.0.20", dst: "20.62.20.30", dport: 81, verdict: .drop, proxyRule: nil),
]

@Suite struct KubeProxyEndpointSliceTests {
    @Test(arguments: endpointSliceCases) func kubeProxy(_ c: KubeProxyCase) { c.check() }

    /// ipMode Proxy (KEP-1860): kube-proxy programs no rule for the address, so a pod's packet to
    /// it is not short-circuited on its node, and the load balancer (synthesized: no floating IP)
    /// hands external traffic to a node's NodePort.
    @Test func proxyModeLoadBalancerIPHasNoKubeProxyRule() {
        let p = Pipeline(cluster: Variation.with { c in
            Variation.service(&c, "shop", "frontend") { $0.loadBalancerProxyModeIPs = $0.loadBalancerIngressIPs }
        })
        let fromPod = p.t("10.224.0.40", "20.62.20.30", 80)
        #expect(fromPod.hops.first?.stage != .serviceProxy, "\(fromPod.explanation)")
        let external = p.t("198.51.100.7", "20.62.20.30", 80)
        #expect(external.verdict == .allow, "\(external.explanation)")
        #expect(external.hops.contains { $0.stage == .serviceProxy && $0.detail.hasPrefix("NodePort") }, "\(external.explanation)")
        #expect(frontends.contains(external.delivered.map { "\($0.ip)" } ?? "-"))
        // The VIP mode (default) is DNATed at the node as the LB IP.
        let vip = Pipeline(cluster: Fixture.defaultCluster()).t("198.51.100.7", "20.62.20.30", 80)
        #expect(vip.hops.contains { $0.stage == .serviceProxy && $0.detail.hasPrefix("LoadBalancer ingress IP") }, "\(vip.explanation)")
    }

    /// Topology-aware routing (kube-proxy's canUseTopology): with `trafficDistribution` set and
    /// every ready endpoint hinted, a node uses the endpoints hinted for its zone; a node whose zone
    /// no endpoint is hinted for, a Service without the field, or one unhinted ready endpoint all
    /// mean the cluster-wide choice.
    @Test func zoneHintsNarrowTheChoice() {
        func cluster(distribution: String?, hintAll: Bool) -> Cluster {
            Variation.with { c in
                // Endpoints on nodes 0, 1, 2 (zones "1", "2", "3"); hinted for zones "1", "2", and "2" or none.
                Variation.webService(&c, endpoints: [("10.224.1.1", true, nil, nil), ("10.224.1.2", true, nil, nil),
                                                     ("10.224.1.3", true, nil, nil)])
                Variation.slice(&c, "web") { s in
                    s.endpoints[0].zoneHints = ["1"]
                    s.endpoints[1].zoneHints = ["2"]
                    s.endpoints[2].zoneHints = hintAll ? ["2"] : []
                }
                Variation.service(&c, "default", "web") { $0.trafficDistribution = distribution }
            }
        }
        func reached(_ p: Pipeline, from src: String) -> Set<String> {
            var seen = Set<String>()
            for sport in UInt16(3000)..<UInt16(3060) { seen.insert(p.t(src, "10.0.70.70", 80, sport: sport).delivered.map { "\($0.ip)" } ?? "-") }
            return seen
        }
        let hinted = Pipeline(cluster: cluster(distribution: "PreferClose", hintAll: true))
        #expect(reached(hinted, from: "10.224.0.20") == ["10.224.1.1"], "node 0, zone 1")
        #expect(reached(hinted, from: "10.224.0.21") == ["10.224.1.2", "10.224.1.3"], "node 1, zone 2")
        #expect(reached(hinted, from: "10.224.0.31") == ["10.224.1.1", "10.224.1.2", "10.224.1.3"], "node 2: zone 3 has no hinted endpoint")
        let all: Set<String> = ["10.224.1.1", "10.224.1.2", "10.224.1.3"]
        #expect(reached(Pipeline(cluster: cluster(distribution: nil, hintAll: true)), from: "10.224.0.20") == all)
        #expect(reached(Pipeline(cluster: cluster(distribution: "PreferClose", hintAll: false)), from: "10.224.0.20") == all)
        let annotated = Variation.with { c in
            c = cluster(distribution: nil, hintAll: true)
            Variation.service(&c, "default", "web") { $0.annotations["service.kubernetes.io/topology-mode"] = "Auto" }
        }
        #expect(reached(Pipeline(cluster: annotated), from: "10.224.0.20") == ["10.224.1.1"])
    }

    /// "No semantics are defined for additional addresses beyond the first, and kube-proxy does
    /// not look at them" (discovery/v1 Endpoint.addresses): only addresses[0] is an endpoint.
    @Test func onlyTheFirstAddressOfAnEndpointIsUsed() {
        let p = Pipeline(cluster: Variation.with { c in
            Variation.webService(&c, endpoints: [("10.224.1.1", true, nil, nil)])
            Variation.slice(&c, "web") { $0.endpoints[0].addresses.append(addr("10.224.1.2")) }
        })
        var seen = Set<String>()
        for sport in UInt16(2000)..<UInt16(2100) {
            let t = p.t("10.224.0.20", "10.0.70.70", 80, sport: sport)
            #expect(t.verdict == .allow)
            seen.insert(t.delivered.map { "\($0.ip)" } ?? "-")
        }
        #expect(seen == ["10.224.1.1"])
    }

    /// The same IP:port listed by two slices is one endpoint (kube-proxy keys its set by it), so
    /// it gets an even share of the flows, not a double one.
    @Test func duplicateEndpointsAcrossSlicesCountOnce() {
        let p = Pipeline(cluster: Variation.with { c in
            Variation.webService(&c, endpoints: [("10.224.1.1", true, nil, nil), ("10.224.1.2", true, nil, nil)])
            var again = c.endpointSlices.last!
            again.name = "web-2"
            again.endpoints.removeLast()
            c.endpointSlices.append(again)
        })
        var first = 0
        let flows = 3000
        for sport in UInt16(10000)..<UInt16(10000 + flows) where p.t("10.224.0.20", "10.0.70.70", 80, sport: sport).delivered?.ip == addr("10.224.1.1") {
            first += 1
        }
        #expect(first > flows * 43 / 100 && first < flows * 57 / 100, "10.224.1.1 got \(first) of \(flows)")
    }
}
