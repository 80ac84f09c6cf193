import ClusterModel
import Dataplane
import NetworkAddress
import Testing

// NetworkPolicy v1 semantics (kubernetes.io "Network Policies" and the networking.k8s.io/v1 API
// reference), each row naming the upstream rule it pins. Engine differences (Cilium ipBlock,
// engine none) are the documented choices of README "NetworkPolicy engines".

let denyAllIngress = np("deny-all", select: sel(), types: [.Ingress])
let allowWeb = np("allow-web", ingress: [rule([pods(["app": "web"])])])
let deny = "netpol:default-deny"

let policyCases: [PolicyCase] = [
    // Isolation
    PolicyCase(pins: "no policy selects the pod: everything allowed (non-isolated)", policies: [], src: web, dst: api, verdict: .allow, policyRule: nil),
    PolicyCase(pins: "an Ingress policy with no rules isolates the pod and allows nothing", policies: [np("none", types: [.Ingress])],
               src: web, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "ingress isolation does not restrict the pod's egress", policies: [np("none", types: [.Ingress])],
               src: api, dst: web, dport: 80, verdict: .allow, policyRule: nil),
    PolicyCase(pins: "a policy selecting other pods does not isolate this one", policies: [np("b", select: sel(["app": "batch"]), types: [.Ingress])],
               src: web, dst: api, verdict: .allow, policyRule: nil),
    PolicyCase(pins: "podSelector {} selects every pod of the policy's namespace", policies: [denyAllIngress],
               src: devWeb, dst: web, dport: 80, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "podSelector {} does not select pods of other namespaces", policies: [denyAllIngress],
               src: devWeb, dst: otherWeb, dport: 80, verdict: .allow, policyRule: nil),
    PolicyCase(pins: "engine none: policies are loaded but not enforced", policies: [denyAllIngress], engine: .none,
               src: web, dst: api, verdict: .allow, policyRule: nil),
    // Peers
    PolicyCase(pins: "podSelector peer alone: pods of the policy's namespace", policies: [allowWeb],
               src: web, dst: api, verdict: .allow, policyRule: "netpol:prod/allow-web"),
    PolicyCase(pins: "podSelector peer alone does not match same-labelled pods in other namespaces", policies: [allowWeb],
               src: devWeb, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "namespaceSelector peer alone: every pod of matching namespaces", policies: [np("ns", ingress: [rule([nss(["env": "dev"])])])],
               src: devTool, dst: api, verdict: .allow, policyRule: "netpol:prod/ns"),
    PolicyCase(pins: "namespaceSelector peer alone does not match the policy's own namespace unless it matches", policies: [np("ns", ingress: [rule([nss(["env": "dev"])])])],
               src: web, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "podSelector AND namespaceSelector in one peer: both must match (dev/web)", policies: [np("and", ingress: [rule([both(ns: ["env": "dev"], pod: ["app": "web"])])])],
               src: devWeb, dst: api, verdict: .allow, policyRule: "netpol:prod/and"),
    PolicyCase(pins: "one peer with both selectors: right namespace, wrong pod → no match", policies: [np("and", ingress: [rule([both(ns: ["env": "dev"], pod: ["app": "web"])])])],
               src: devTool, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "one peer with both selectors: right pod, wrong namespace → no match", policies: [np("and", ingress: [rule([both(ns: ["env": "dev"], pod: ["app": "web"])])])],
               src: web, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "separate peers are ORed: the podSelector item matches prod/web", policies: [np("or", ingress: [rule([nss(["env": "dev"]), pods(["app": "web"])])])],
               src: web, dst: api, verdict: .allow, policyRule: "netpol:prod/or"),
    PolicyCase(pins: "separate peers are ORed: the namespaceSelector item matches dev/tool", policies: [np("or", ingress: [rule([nss(["env": "dev"]), pods(["app": "web"])])])],
               src: devTool, dst: api, verdict: .allow, policyRule: "netpol:prod/or"),
    PolicyCase(pins: "separate peers: other/web matches neither item", policies: [np("or", ingress: [rule([nss(["env": "dev"]), pods(["app": "web"])])])],
               src: otherWeb, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "namespaceSelector {} matches all namespaces", policies: [np("all-ns", ingress: [rule([nss([:])])])],
               src: otherWeb, dst: api, verdict: .allow, policyRule: "netpol:prod/all-ns"),
    PolicyCase(pins: "namespaceSelector {} with podSelector: that pod label in any namespace", policies: [np("web-anywhere", ingress: [rule([both(ns: [:], pod: ["app": "web"])])])],
               src: otherWeb, dst: api, verdict: .allow, policyRule: "netpol:prod/web-anywhere"),
    PolicyCase(pins: "namespaceSelector {} with podSelector: other pod labels still excluded", policies: [np("web-anywhere", ingress: [rule([both(ns: [:], pod: ["app": "web"])])])],
               src: devTool, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "every namespace carries kubernetes.io/metadata.name (1.21+)", policies: [np("by-name", ingress: [rule([nss(["kubernetes.io/metadata.name": "other"])])])],
               src: otherWeb, dst: api, verdict: .allow, policyRule: "netpol:prod/by-name"),
    PolicyCase(pins: "a rule with no from matches all sources", policies: [np("any", ingress: [rule([], [port(8080)])])],
               src: vnetHost, dst: api, verdict: .allow, policyRule: "netpol:prod/any"),
    // Selector expressions
    PolicyCase(pins: "matchExpressions In", policies: [np("in", ingress: [rule([pods([:], [SelectorRequirement(key: "tier", op: .In, values: ["frontend"])])])])],
               src: web, dst: api, verdict: .allow, policyRule: "netpol:prod/in"),
    PolicyCase(pins: "In does not match pods without the key", policies: [np("in", ingress: [rule([pods([:], [SelectorRequirement(key: "tier", op: .In, values: ["frontend"])])])])],
               src: batch, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "NotIn matches pods without the key", policies: [np("notin", ingress: [rule([pods([:], [SelectorRequirement(key: "tier", op: .NotIn, values: ["frontend"])])])])],
               src: batch, dst: api, verdict: .allow, policyRule: "netpol:prod/notin"),
    PolicyCase(pins: "NotIn excludes listed values", policies: [np("notin", ingress: [rule([pods([:], [SelectorRequirement(key: "tier", op: .NotIn, values: ["frontend"])])])])],
               src: web, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "Exists", policies: [np("exists", ingress: [rule([pods([:], [SelectorRequirement(key: "tier", op: .Exists)])])])],
               src: web, dst: api, verdict: .allow, policyRule: "netpol:prod/exists"),
    PolicyCase(pins: "Exists does not match pods without the key", policies: [np("exists", ingress: [rule([pods([:], [SelectorRequirement(key: "tier", op: .Exists)])])])],
               src: batch, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "DoesNotExist matches pods without the key", policies: [np("dne", ingress: [rule([pods([:], [SelectorRequirement(key: "tier", op: .DoesNotExist)])])])],
               src: batch, dst: api, verdict: .allow, policyRule: "netpol:prod/dne"),
    PolicyCase(pins: "DoesNotExist does not match pods with the key", policies: [np("dne", ingress: [rule([pods([:], [SelectorRequirement(key: "tier", op: .DoesNotExist)])])])],
               src: web, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "matchLabels and matchExpressions are ANDed", policies: [np("anded", ingress: [rule([pods(["app": "web"], [SelectorRequirement(key: "tier", op: .In, values: ["backend"])])])])],
               src: web, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "namespace matchExpressions In", policies: [np("ns-in", ingress: [rule([nss([:], [SelectorRequirement(key: "env", op: .In, values: ["dev", "staging"])])])])],
               src: devTool, dst: api, verdict: .allow, policyRule: "netpol:prod/ns-in"),
    PolicyCase(pins: "the policy's own podSelector with expressions decides isolation", policies: [np("sel", select: sel([:], [SelectorRequirement(key: "tier", op: .In, values: ["backend"])]), types: [.Ingress])],
               src: web, dst: api, verdict: .drop, policyRule: deny),
    // ipBlock
    PolicyCase(pins: "ipBlock matches a VNet source in the CIDR", policies: [np("cidr", ingress: [rule([block("10.224.9.0/24")])])],
               src: vnetHost, dst: api, verdict: .allow, policyRule: "netpol:prod/cidr"),
    PolicyCase(pins: "ipBlock except carves addresses out", policies: [np("cidr", ingress: [rule([block("10.224.9.0/24", except: ["10.224.9.8/29"])])])],
               src: vnetHost, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "ipBlock: a source outside the CIDR does not match", policies: [np("cidr", ingress: [rule([block("10.224.8.0/24")])])],
               src: vnetHost, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "upstream/Azure NPM: ipBlock also matches pod IPs (upstream e2e requires it)", policies: [np("cidr", ingress: [rule([block("10.224.2.0/24")])])],
               src: web, dst: api, verdict: .allow, policyRule: "netpol:prod/cidr"),
    PolicyCase(pins: "Calico: ipBlock matches pod IPs too", policies: [np("cidr", ingress: [rule([block("10.224.2.0/24")])])], engine: .calico,
               src: web, dst: api, verdict: .allow, policyRule: "netpol:prod/cidr"),
    PolicyCase(pins: "Cilium: ipBlock never selects pod IPs", policies: [np("cidr", ingress: [rule([block("10.224.2.0/24")])])], engine: .cilium,
               src: web, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "Cilium: ipBlock still matches addresses outside the cluster", policies: [np("cidr", ingress: [rule([block("10.224.9.0/24")])])], engine: .cilium,
               src: vnetHost, dst: api, verdict: .allow, policyRule: "netpol:prod/cidr"),
    PolicyCase(pins: "a CIDR with host bits set is masked, not rejected (10.224.9.77/24 = 10.224.9.0/24)", policies: [np("cidr", ingress: [rule([block("10.224.9.77/24")])])],
               src: vnetHost, dst: api, verdict: .allow, policyRule: "netpol:prod/cidr"),
    // Ports
    PolicyCase(pins: "numeric port matches", policies: [np("p", ingress: [rule([pods(["app": "web"])], [port(8080)])])],
               src: web, dst: api, verdict: .allow, policyRule: "netpol:prod/p"),
    PolicyCase(pins: "numeric port: other ports denied, with the near miss named", policies: [np("p", ingress: [rule([pods(["app": "web"])], [port(8080)])])],
               src: web, dst: api, dport: 9090, verdict: .drop, policyRule: deny, detail: "p ingress[0] matches the peer but not tcp port 9090"),
    PolicyCase(pins: "near miss on the peer", policies: [np("p", ingress: [rule([pods(["app": "web"])], [port(8080)])])],
               src: batch, dst: api, verdict: .drop, policyRule: deny, detail: "matches tcp port 8080 but not the peer"),
    PolicyCase(pins: "protocol defaults to TCP: UDP to the same port is not allowed", policies: [np("p53", ingress: [rule([], [port(53)])])],
               proto: .udp, src: web, dst: api, dport: 53, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "UDP port rule", policies: [np("u53", ingress: [rule([], [port(53, .udp)])])],
               proto: .udp, src: web, dst: api, dport: 53, verdict: .allow, policyRule: "netpol:prod/u53"),
    PolicyCase(pins: "SCTP port rule", policies: [np("s", ingress: [rule([], [port(7777, .sctp)])])],
               proto: .sctp, src: web, dst: api, dport: 7777, verdict: .allow, policyRule: "netpol:prod/s"),
    PolicyCase(pins: "an SCTP rule does not allow TCP on that port", policies: [np("s", ingress: [rule([], [port(7777, .sctp)])])],
               src: web, dst: api, dport: 7777, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "named port resolved against the destination pod's container ports (http = 8080)", policies: [np("n", ingress: [rule([], [named("http")])])],
               src: web, dst: api, verdict: .allow, policyRule: "netpol:prod/n"),
    PolicyCase(pins: "named port: other ports of the pod are not matched", policies: [np("n", ingress: [rule([], [named("http")])])],
               src: web, dst: api, dport: 9090, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "named port with the wrong protocol does not resolve (dnsu is UDP)", policies: [np("n", ingress: [rule([], [named("dnsu")])])],
               src: web, dst: api, dport: 53, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "named port with its protocol", policies: [np("n", ingress: [rule([], [named("dnsu", .udp)])])],
               proto: .udp, src: web, dst: api, dport: 53, verdict: .allow, policyRule: "netpol:prod/n"),
    PolicyCase(pins: "endPort range includes the port", policies: [np("r", ingress: [rule([], [port(8000, end: 8100)])])],
               src: web, dst: api, verdict: .allow, policyRule: "netpol:prod/r"),
    PolicyCase(pins: "endPort is inclusive", policies: [np("r", ingress: [rule([], [port(8000, end: 8080)])])],
               src: web, dst: api, verdict: .allow, policyRule: "netpol:prod/r"),
    PolicyCase(pins: "endPort range excludes ports above it", policies: [np("r", ingress: [rule([], [port(8000, end: 8100)])])],
               src: web, dst: api, dport: 9090, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "a port entry with only a protocol matches every port of it", policies: [np("alludp", ingress: [rule([], [NetworkPolicyPort(proto: .udp)])])],
               proto: .udp, src: web, dst: api, dport: 9999, verdict: .allow, policyRule: "netpol:prod/alludp"),
    PolicyCase(pins: "…and no port of another protocol", policies: [np("alludp", ingress: [rule([], [NetworkPolicyPort(proto: .udp)])])],
               src: web, dst: api, dport: 9999, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "ICMP is not matched by rules with ports", policies: [np("p", ingress: [rule([], [port(8080)])])],
               proto: .icmp, src: web, dst: api, dport: 0, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "ICMP is matched by a rule without ports", policies: [allowWeb],
               proto: .icmp, src: web, dst: api, dport: 0, verdict: .allow, policyRule: "netpol:prod/allow-web"),
    // Egress, policyTypes
    PolicyCase(pins: "egress rule allows the destination pod and port", policies: [np("web-out", select: sel(["app": "web"]), types: [.Egress], egress: [rule([pods(["app": "api"])], [port(8080)])])],
               src: web, dst: api, verdict: .allow, policyRule: "netpol:prod/web-out"),
    PolicyCase(pins: "egress isolation denies other destinations", policies: [np("web-out", select: sel(["app": "web"]), types: [.Egress], egress: [rule([pods(["app": "api"])], [port(8080)])])],
               src: web, dst: batch, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "egress allowed but destination ingress denies: both directions must allow",
               policies: [np("web-out", select: sel(["app": "web"]), types: [.Egress], egress: [rule([pods(["app": "api"])])]), np("none", types: [.Ingress])],
               src: web, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "egress and ingress both allow: the ingress allow is the last decision",
               policies: [np("web-out", select: sel(["app": "web"]), types: [.Egress], egress: [rule([pods(["app": "api"])])]), allowWeb],
               src: web, dst: api, verdict: .allow, policyRule: "netpol:prod/allow-web"),
    PolicyCase(pins: "egress named port resolved against the destination (peer) pod", policies: [np("web-out", select: sel(["app": "web"]), types: [.Egress], egress: [rule([pods(["app": "api"])], [named("http")])])],
               src: web, dst: api, verdict: .allow, policyRule: "netpol:prod/web-out"),
    PolicyCase(pins: "egress named port cannot resolve for a non-pod destination", policies: [np("web-out", select: sel(["app": "web"]), types: [.Egress], egress: [rule([block("10.224.9.0/24")], [named("http")])])],
               src: web, dst: vnetHost, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "egress ipBlock to a VNet host", policies: [np("web-out", select: sel(["app": "web"]), types: [.Egress], egress: [rule([block("10.224.9.0/24")], [port(8080)])])],
               src: web, dst: vnetHost, verdict: .allow, policyRule: "netpol:prod/web-out"),
    PolicyCase(pins: "policyTypes omitted with egress rules: Egress isolation too (only the listed egress is allowed)",
               policies: [np("both", select: sel(["app": "web"]), ingress: [rule()], egress: [rule([pods(["app": "batch"])])])],
               src: web, dst: api, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "policyTypes omitted and egress: [] (no rules): Ingress only — SetDefaults adds Egress only when len(egress) != 0",
               policies: [np("both", select: sel(["app": "web"]), ingress: [rule()], egress: [])],
               src: web, dst: api, verdict: .allow, policyRule: nil),
    PolicyCase(pins: "policyTypes: [] is defaulted like an omitted field (Ingress; Egress only with egress rules)",
               policies: [np("empty-types", select: sel(["app": "web"]), types: [], egress: [])],
               src: web, dst: api, verdict: .allow, policyRule: nil),
    PolicyCase(pins: "policyTypes omitted without egress: ingress only", policies: [np("in-only", select: sel(["app": "web"]), ingress: [])],
               src: web, dst: batch, verdict: .allow, policyRule: nil),
    PolicyCase(pins: "policyTypes [Egress]: the ingress section is ignored and ingress is not isolated",
               policies: [np("eg", select: sel(["app": "web"]), types: [.Egress], ingress: [], egress: [rule()])],
               src: batch, dst: web, dport: 80, verdict: .allow, policyRule: nil),
    // Union
    PolicyCase(pins: "union of policies: a second policy's rule allows", policies: [allowWeb, np("second", ingress: [rule([pods(["app": "batch"])], [port(9090)])])],
               src: batch, dst: api, dport: 9090, verdict: .allow, policyRule: "netpol:prod/second"),
    PolicyCase(pins: "union of policies: no rule of any policy matches", policies: [allowWeb, np("second", ingress: [rule([pods(["app": "batch"])], [port(9090)])])],
               src: batch, dst: api, verdict: .drop, policyRule: deny, detail: "isolated for ingress by prod/allow-web, prod/second"),
    // Nodes and hostNetwork
    PolicyCase(pins: "hostNetwork pods are not selected: traffic to one is node traffic", policies: [np("all", select: sel(), types: [.Ingress])],
               src: web, dst: "10.224.0.6", dport: 10250, verdict: .allow, policyRule: nil),
    PolicyCase(pins: "a hostNetwork pod is not a podSelector peer", policies: [np("from-api", select: sel(["app": "web"]), ingress: [rule([pods(["app": "api"])])])],
               src: "10.224.0.6", dst: web, dport: 80, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "the node reaches its own pods despite deny-all (kubelet probes)", policies: [denyAllIngress],
               src: "10.224.0.4", dst: api, verdict: .allow, policyRule: "platform:node-to-local-pod"),
    PolicyCase(pins: "another node is judged like any source", policies: [denyAllIngress],
               src: "10.224.0.5", dst: api, verdict: .drop, policyRule: deny),
    // kubernetes.io "Network Policies": "a pod cannot block access to itself"; "traffic to and from
    // the node where a Pod is running is always allowed".
    PolicyCase(pins: "a pod cannot block access to itself: deny-all both ways, pod → its own address",
               policies: [np("deny-both", select: sel(), types: [.Ingress, .Egress])],
               src: api, dst: api, verdict: .allow, policyRule: "platform:pod-to-itself"),
    PolicyCase(pins: "traffic to the node where the pod runs is always allowed: deny-all egress, pod → its node",
               policies: [np("deny-both", select: sel(), types: [.Ingress, .Egress])],
               src: api, dst: "10.224.0.4", dport: 10250, verdict: .allow, policyRule: "platform:pod-to-local-node"),
    PolicyCase(pins: "…but another node is judged like any destination",
               policies: [np("deny-both", select: sel(), types: [.Ingress, .Egress])],
               src: api, dst: "10.224.0.5", dport: 10250, verdict: .drop, policyRule: deny),
    PolicyCase(pins: "a pod reaching itself through its Service (hairpin) is allowed under deny-all: judged in FORWARD, before the masquerade to its node, as the pod itself",
               policies: [np("deny-both", select: sel(), types: [.Ingress, .Egress])],
               src: api, dst: "10.0.80.10", dport: 80, verdict: .allow, policyRule: "platform:pod-to-itself"),
    // After translation
    PolicyCase(pins: "judged after Service DNAT: ClusterIP port 80 is allowed by a rule for target port 8080",
               policies: [np("p", ingress: [rule([pods(["app": "web"])], [port(8080)])])],
               src: web, dst: "10.0.80.10", dport: 80, verdict: .allow, policyRule: "netpol:prod/p"),
    PolicyCase(pins: "judged on the translated source: a NodePort on another node masquerades the client away",
               policies: [np("cidr", ingress: [rule([block("10.224.9.0/24")])])],
               src: vnetHost, dst: "10.224.0.5", dport: 31080, verdict: .drop, policyRule: deny),
]

@Suite struct NetworkPolicyTests {
    @Test(arguments: policyCases) func flow(_ c: PolicyCase) { c.check() }

    @Test func atLeastSixtyCases() { #expect(policyCases.count >= 60) }

    /// Per-pod compilation: only policies selecting a pod appear in its lists.
    @Test func compiledPerPod() {
        let c = PolicyFixture.cluster([allowWeb, np("b", select: sel(["app": "batch"]), types: [.Ingress])])
        let set = PolicySet(c, names: &RuleNamesBox.names)
        let apiIndex = c.pods.firstIndex(where: { $0.qualifiedName == "prod/api" })!
        let batchIndex = c.pods.firstIndex(where: { $0.qualifiedName == "prod/batch" })!
        let webIndex = c.pods.firstIndex(where: { $0.qualifiedName == "prod/web" })!
        #expect(set.ingressIsolated[apiIndex] && set.ingressCount[apiIndex] == 1)
        #expect(set.ingressIsolated[batchIndex] && set.ingressCount[batchIndex] == 0)
        #expect(!set.ingressIsolated[webIndex])
    }
}

enum RuleNamesBox { nonisolated(unsafe) static var names = RuleNames() }
