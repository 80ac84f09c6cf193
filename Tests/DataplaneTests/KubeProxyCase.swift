import ClusterModel
import Dataplane
import NetworkAddress
import Testing

/// One row of the kube-proxy table: a cluster variation, a flow, and what upstream kube-proxy does.
struct KubeProxyCase: Sendable, CustomTestStringConvertible {
    var pins: String
    var cluster: Cluster = Fixture.defaultCluster()
    var proto: IPProtocol = .tcp
    var src: String
    var sport: UInt16 = 40000
    var dst: String
    var dport: UInt16
    var node: String? = nil
    var verdict: Verdict = .allow
    /// Rule of the serviceProxy hop (nil: no serviceProxy hop expected).
    var proxyRule: String?
    /// Deciding rule when not allowed.
    var rule: String? = nil
    /// Delivered address must be one of these (allowed flows).
    var delivered: [String] = []
    var deliveredPort: UInt16? = nil
    /// Source as the receiver sees it; "node" = any node address.
    var source: String? = nil

    var testDescription: String { pins }

    func check() {
        let p = Pipeline(cluster: cluster)
        let t = p.trace(FlowQuery(proto: proto, src: addr(src), sport: sport, dst: addr(dst), dport: dport, node: node))
        let ctx = Comment(rawValue: "\(pins)\n" + t.explanation)
        #expect(t.verdict == verdict, ctx)
        let proxyHop = t.hops.first(where: { $0.stage == .serviceProxy })
        #expect(proxyHop?.rule == proxyRule, ctx)
        if let rule { #expect(t.rule == rule, ctx) }
        if verdict == .allow {
            if !delivered.isEmpty { #expect(delivered.contains(t.delivered.map { "\($0.ip)" } ?? "-"), ctx) }
            if let deliveredPort { #expect(t.delivered?.port == deliveredPort, ctx) }
            if let source {
                let got = t.source.map { "\($0.ip)" } ?? "-"
                if source == "node" {
                    #expect(["10.224.0.4", "10.224.0.5", "10.224.0.6"].contains(got), ctx)
                } else {
                    #expect(got == source, ctx)
                }
            }
        } else {
            #expect(t.delivered == nil, ctx)
        }
    }
}

enum Variation {
    static let node0 = Fixture.nodeNames[0], node1 = Fixture.nodeNames[1], node2 = Fixture.nodeNames[2]

    static func with(_ edit: (inout Cluster) -> Void) -> Cluster {
        var c = Fixture.defaultCluster()
        edit(&c)
        return c
    }

    static func service(_ c: inout Cluster, _ ns: String, _ name: String, _ edit: (inout Service) -> Void) {
        if let i = c.services.firstIndex(where: { $0.namespace == ns && $0.name == name }) { edit(&c.services[i]) }
    }

    static func slice(_ c: inout Cluster, _ service: String, _ edit: (inout EndpointSlice) -> Void) {
        if let i = c.endpointSlices.firstIndex(where: { $0.serviceName == service }) { edit(&c.endpointSlices[i]) }
    }

    /// A Service `default/web` with the given endpoints state, no NetworkPolicy involved.
    static func webService(_ c: inout Cluster, type: ServiceType = .ClusterIP, endpoints: [(String, Bool?, Bool?, Bool?)]) {
        var s = Fixture.service("default", "web", type: type, clusterIP: "10.0.70.70", selector: ["app": "web"],
                                ports: [Fixture.port("", 80, target: .number(8080), nodePort: type == .ClusterIP ? nil : 30700)],
                                lbIP: type == .LoadBalancer ? "20.62.20.70" : nil)
        s.selector = nil
        c.services.append(s)
        var sl = EndpointSlice()
        sl.namespace = "default"
        sl.name = "web-1"
        sl.serviceName = "web"
        sl.ports = [EndpointPort(name: "", port: 8080)]
        for (i, e) in endpoints.enumerated() {
            var ep = Endpoint()
            ep.addresses = [addr(e.0)]
            ep.ready = e.1
            ep.serving = e.2
            ep.terminating = e.3
            ep.nodeName = Fixture.nodeNames[i % 3]
            sl.endpoints.append(ep)
        }
        c.endpointSlices.append(sl)
    }
}
