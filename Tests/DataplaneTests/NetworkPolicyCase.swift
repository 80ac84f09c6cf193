import ClusterModel
import Dataplane
import NetworkAddress
import Testing

/// A small cluster for the NetworkPolicy table: three namespaces with labels, pods with named
/// container ports over three nodes, a hostNetwork pod, and a Service in front of prod/api.
enum PolicyFixture {
    static func cluster(_ policies: [NetworkPolicy], engine: NetworkPolicyEngine = .azure) -> Cluster {
        var c = Fixture.defaultCluster()
        c.settings.networkPolicy = engine
        c.namespaces += [Namespace(name: "prod", labels: ["env": "prod", "team": "a"]),
                         Namespace(name: "dev", labels: ["env": "dev"]), Namespace(name: "other")]
        var host = Fixture.pod("prod", "host-agent", "10.224.0.6", node: 2, labels: ["app": "api"], ports: [])
        host.hostNetwork = true
        c.pods += [
            Fixture.pod("prod", "api", "10.224.2.10", node: 0, labels: ["app": "api", "tier": "backend"],
                        ports: [ContainerPort(name: "http", port: 8080), ContainerPort(name: "metrics", port: 9090),
                                ContainerPort(name: "dnsu", port: 53, proto: .udp), ContainerPort(name: "sig", port: 7777, proto: .sctp)]),
            Fixture.pod("prod", "web", "10.224.2.11", node: 1, labels: ["app": "web", "tier": "frontend"],
                        ports: [ContainerPort(name: "http", port: 80)]),
            Fixture.pod("prod", "batch", "10.224.2.12", node: 2, labels: ["app": "batch"], ports: []),
            Fixture.pod("dev", "web", "10.224.3.11", node: 0, labels: ["app": "web", "tier": "frontend"], ports: []),
            Fixture.pod("dev", "tool", "10.224.3.12", node: 1, labels: ["app": "tool"], ports: []),
            Fixture.pod("other", "web", "10.224.4.11", node: 2, labels: ["app": "web"], ports: []),
            host,
        ]
        var api = Fixture.service("prod", "api", type: .NodePort, clusterIP: "10.0.80.10", selector: ["app": "api", "tier": "backend"],
                                  ports: [Fixture.port("", 80, target: .name("http"), nodePort: 31080)])
        api.externalTrafficPolicy = .Cluster
        c.services.append(api)
        c.networkPolicies = policies
        return c
    }
}

func sel(_ l: Labels = [:], _ e: [SelectorRequirement] = []) -> LabelSelector { LabelSelector(matchLabels: l, matchExpressions: e) }
func pods(_ l: Labels, _ e: [SelectorRequirement] = []) -> NetworkPolicyPeer { NetworkPolicyPeer(podSelector: sel(l, e)) }
func nss(_ l: Labels, _ e: [SelectorRequirement] = []) -> NetworkPolicyPeer { NetworkPolicyPeer(namespaceSelector: sel(l, e)) }
func both(ns: Labels, pod: Labels) -> NetworkPolicyPeer { NetworkPolicyPeer(podSelector: sel(pod), namespaceSelector: sel(ns)) }
func block(_ cidr: String, except: [String] = []) -> NetworkPolicyPeer {
    NetworkPolicyPeer(ipBlock: IPBlock(cidr: prefix(cidr), except: except.map(prefix)))
}
func port(_ p: Int, _ proto: IPProtocol = .tcp, end: Int? = nil) -> NetworkPolicyPort { NetworkPolicyPort(proto: proto, port: .number(p), endPort: end) }
func named(_ n: String, _ proto: IPProtocol = .tcp) -> NetworkPolicyPort { NetworkPolicyPort(proto: proto, port: .name(n)) }
func rule(_ peers: [NetworkPolicyPeer] = [], _ ports: [NetworkPolicyPort] = []) -> NetworkPolicyRule {
    NetworkPolicyRule(peers: peers, ports: ports)
}
func np(_ name: String, ns: String = "prod", select: LabelSelector = sel(["app": "api"]), types: [PolicyType]? = nil,
        ingress: [NetworkPolicyRule] = [], egress: [NetworkPolicyRule]? = nil) -> NetworkPolicy {
    var p = NetworkPolicy()
    p.name = name
    p.namespace = ns
    p.podSelector = select
    p.policyTypes = types
    p.ingress = ingress
    p.egress = egress
    return p
}

let api = "10.224.2.10", web = "10.224.2.11", batch = "10.224.2.12", devWeb = "10.224.3.11", devTool = "10.224.3.12"
let otherWeb = "10.224.4.11", vnetHost = "10.224.9.9"

/// One row of the NetworkPolicy table.
struct PolicyCase: Sendable, CustomTestStringConvertible {
    var pins: String
    var policies: [NetworkPolicy]
    var engine: NetworkPolicyEngine = .azure
    var proto: IPProtocol = .tcp
    var src: String
    var dst: String
    var dport: UInt16 = 8080
    var verdict: Verdict
    /// Rule of the last deciding networkPolicy hop (allow/drop); nil when every networkPolicy hop passed.
    var policyRule: String?
    var detail: String? = nil

    var testDescription: String { pins }

    func check() {
        let p = Pipeline(cluster: PolicyFixture.cluster(policies, engine: engine))
        let t = p.trace(FlowQuery(proto: proto, src: addr(src), sport: 40000, dst: addr(dst), dport: dport))
        let ctx = Comment(rawValue: "\(pins)\n" + t.explanation)
        #expect(t.verdict == verdict, ctx)
        let deciding = t.hops.last(where: { $0.stage == .networkPolicy && $0.result != .pass })
        #expect(deciding?.rule == policyRule, ctx)
        if verdict == .drop { #expect(t.stage == .networkPolicy && t.rule == "netpol:default-deny", ctx) }
        if let detail { #expect(deciding?.detail.contains(detail) == true, ctx) }
    }
}
