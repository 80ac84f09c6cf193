import ClusterModel
import Dataplane
import NetworkAddress
import Testing

// kube-proxy marks a packet for masquerade in PREROUTING but MASQUERADE runs in POSTROUTING; Azure
// NPM and Calico enforce NetworkPolicy in FORWARD, between the two. A packet DNATed to an endpoint
// on the same node is therefore judged on its original source; one forwarded to another node
// arrives there masqueraded and is judged as that node.
@Suite struct NetworkPolicyMasqueradeTests {
    /// A NodePort (eTP Cluster) Service whose only endpoint is backend-1 on node 1, behind the
    /// fixture's `backend-allow-frontend` policy.
    static func cluster() -> Cluster {
        Variation.with { c in
            let svc = Fixture.service("shop", "backend-np", type: .NodePort, clusterIP: "10.0.120.20", selector: ["app": "my-backend"],
                                      ports: [Fixture.port("", 80, target: .number(8080), nodePort: 30700)])
            c.services.append(svc)
            let backend1 = c.pods.first { $0.name == "backend-1" }!
            c.endpointSlices.append(Fixture.slice(svc, pods: [backend1], ports: [EndpointPort(name: "", port: 8080)]))
        }
    }

    @Test func localEndpointIsJudgedOnThePreMasqueradeSource() {
        let p = Pipeline(cluster: Self.cluster())
        // A VNet host the policy does not admit: masqueraded to node 1's address, yet still denied.
        let outsider = p.t("10.224.9.9", "10.224.0.5", 30700)
        #expect(outsider.verdict == .drop, "\(outsider.explanation)")
        #expect(outsider.rule == "netpol:default-deny", "\(outsider.explanation)")
        // A frontend pod (node 0) the policy admits: allowed by the policy, not as node traffic.
        let frontend = p.t("10.224.0.20", "10.224.0.5", 30700)
        #expect(frontend.verdict == .allow, "\(frontend.explanation)")
        #expect(frontend.rule == "netpol:shop/backend-allow-frontend", "\(frontend.explanation)")
        #expect(frontend.source?.ip == addr("10.224.0.5"), "the pod still sees the node address")
    }

    @Test func remoteEndpointIsJudgedAsTheForwardingNode() {
        let p = Pipeline(cluster: Self.cluster())
        // Reached through node 0's NodePort: forwarded to node 1 masqueraded as node 0.
        let t = p.t("10.224.0.20", "10.224.0.4", 30700)
        #expect(t.verdict == .drop, "\(t.explanation)")
        #expect(t.rule == "netpol:default-deny", "\(t.explanation)")
    }
}
