import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import Testing

// A generated large cluster: compiles, classifies many flows, stays within its conntrack bound,
// and is deterministic. No timing assertions (scripts/bench measures throughput).

enum GeneratedCluster {
    /// `pods` pods over `nodes` nodes in 20 namespaces, one Service per 10 pods, `policies`
    /// ingress policies (each selects one app and allows another app on port 8080).
    static func make(pods: Int, nodes: Int, policies: Int) -> Cluster {
        var c = Fixture.defaultCluster()
        c.pods = []
        c.services = []
        c.endpointSlices = []
        c.networkPolicies = []
        c.nodes = (0..<nodes).map { i in
            var n = Node()
            n.name = "node-\(i)"
            n.internalIPs = [IPAddress(v4: 0x0AE0_0000 | UInt32(4 + i))]   // 10.224.0.4+
            return n
        }
        c.namespaces = (0..<20).map { Namespace(name: "ns\($0)", labels: ["tier": $0 % 2 == 0 ? "even" : "odd"]) }
        for i in 0..<pods {
            var p = Pod()
            p.name = "pod-\(i)"
            p.namespace = "ns\(i % 20)"
            p.nodeName = "node-\(i % nodes)"
            p.ips = [IPAddress(v4: 0x0AE1_0000 + UInt32(i))]                  // 10.225.x.y
            p.labels = ["app": "app\(i / 10)"]
            p.containerPorts = [ContainerPort(name: "http", port: 8080)]
            c.pods.append(p)
        }
        for s in 0..<(pods / 10) {
            let members = Array(c.pods[(s * 10)..<(s * 10 + 10)])
            var svc = Fixture.service(members[0].namespace, "svc\(s)", clusterIP: "10.0.\(s / 250).\(s % 250 + 1)",
                                      selector: ["app": "app\(s)"], ports: [Fixture.port("", 80, target: .name("http"))])
            svc.selector = nil
            c.services.append(svc)
            var sl = Fixture.slice(svc, pods: members, ports: [EndpointPort(name: "", port: 8080)])
            sl.name = "svc\(s)-x"
            c.endpointSlices.append(sl)
        }
        for k in 0..<policies {
            c.networkPolicies.append(np("pol\(k)", ns: "ns\((k * 10) % 20)", select: sel(["app": "app\(k)"]),
                                        ingress: [rule([both(ns: ["tier": "even"], pod: ["app": "app\(k + 1)"])], [port(8080)])]))
        }
        return c
    }
}

@Suite struct ScaleTests {
    @Test func largeClusterClassifiesEveryPacketDeterministically() {
        let cluster = GeneratedCluster.make(pods: 5_000, nodes: 50, policies: 250)
        var options = PipelineOptions()
        options.conntrackCapacity = 4_096
        let a = Pipeline(cluster: cluster, options: options)
        let b = Pipeline(cluster: cluster, options: options)
        var packets = 0
        for flow in 0..<8_000 {
            let src = IPAddress(v4: 0x0AE1_0000 + UInt32((flow * 7) % 5_000))
            let svc = (flow * 13) % 500
            for (i, flags) in [TCPFlags.syn, [.ack], [.psh, .ack]].enumerated() {
                var p = Packet.tcp("\(src)", UInt16(10_000 + flow % 50_000), "10.0.\(svc / 250).\(svc % 250 + 1)", 80, flags)
                let t = Double(flow) * 0.01 + Double(i) * 0.001
                let oa = a.feed(p, at: t)
                let ob = b.feed(p, at: t)
                #expect(oa == ob)
                p.reset()
                packets += 1
            }
        }
        let c = a.counters
        #expect(c == b.counters)
        #expect(c.packets == UInt64(packets))
        #expect(c.verdicts.reduce(0, +) == UInt64(packets), "exactly one verdict per packet")
        #expect(c.conntrackEntries <= 4_096)
        #expect(c.conntrackEvictions > 0, "8,000 live flows overflow a 4,096-entry table")
        #expect(c.verdict(.allow) > 0 && c.verdict(.drop) > 0)
    }
}
