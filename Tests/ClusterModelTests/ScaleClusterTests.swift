import NetworkAddress
import XCTest
@testable import ClusterModel

/// The scale-cluster generator (`akssim synth cluster`) writes native YAML the loader accepts
/// without errors or warnings, with exactly the requested amounts, on the default cluster's
/// topology, and the same bytes for the same parameters.
final class ScaleClusterTests: XCTestCase {
    func parameters(pods: Int = 120, namespaces: Int = 4, services: Int = 30, endpoints: Int = 3, policies: Int = 20,
                    nsgRules: Int = 40, firewallRules: Int = 11) -> ScaleClusterParameters {
        var p = ScaleClusterParameters()
        p.pods = pods
        p.namespaces = namespaces
        p.services = services
        p.endpointsPerService = endpoints
        p.policies = policies
        p.nsgRules = nsgRules
        p.firewallRules = firewallRules
        return p
    }

    func load(_ p: ScaleClusterParameters) throws -> Cluster {
        try ClusterLoader.load(yaml: ScaleCluster(p).yaml(), file: "scale.yaml")
    }

    func testLoadsWithRequestedCountsAndNoWarnings() throws {
        let p = parameters()
        let c = try load(p)
        XCTAssertEqual(c.pods.count, 120 + 3, "application pods plus two CoreDNS replicas and the ingress controller")
        XCTAssertEqual(c.nodes.count, 4, "120 pods at 30 per node")
        XCTAssertEqual(c.namespaces.count, 4 + 3)
        XCTAssertEqual(c.services.count, 30 + 3, "ClusterIP Services plus kube-dns and the two LoadBalancer Services")
        XCTAssertEqual(c.networkPolicies.count, 20)
        let warnings = c.notes.filter { $0.severity != .note }
        XCTAssertEqual(warnings.map(\.description), [], "a generated cluster is clean: every selector matches pods")
        let nsg = try XCTUnwrap(c.networkSecurityGroups.first { $0.name == "aks-agentpool-nsg" })
        XCTAssertEqual(nsg.rules.filter { $0.name.hasPrefix("allow-partner-") || $0.name.hasPrefix("deny-egress-") }.count, 40)
        XCTAssertEqual(Set(nsg.rules.map(\.priority)).count, nsg.rules.count, "NSG priorities are unique")
    }

    func testEveryServiceHasItsEndpointsPerService() throws {
        let c = try load(parameters(pods: 90, services: 45, endpoints: 3))
        for svc in c.services where svc.name.hasPrefix("svc-") {
            let endpoints = c.endpointSlices.filter { $0.namespace == svc.namespace && $0.serviceName == svc.name }
                .flatMap(\.endpoints)
            XCTAssertEqual(endpoints.count, 3, "\(svc.qualifiedName) selects one group of 3 pods")
        }
        // 45 Services over 30 groups: Service 30 selects group 0 again.
        let s0 = try XCTUnwrap(c.services.first { $0.name == "svc-0" })
        let s30 = try XCTUnwrap(c.services.first { $0.name == "svc-30" })
        XCTAssertEqual(s0.selector, s30.selector)
        XCTAssertEqual(s30.clusterIPs, [IPAddress(10, 0, 1, 30)])
    }

    func testAddressPlanFollowsTheDefaultTopology() throws {
        let c = try load(parameters())
        XCTAssertEqual(c.nodes.first?.internalIPs, [IPAddress(10, 224, 0, 4)])
        XCTAssertEqual(c.nodes.first?.name, "aks-nodepool1-12345678-vmss000000")
        let pod = try XCTUnwrap(c.pods.first { $0.name == "app-0-0" })
        XCTAssertEqual(pod.ips, [IPAddress(10, 224, 16, 0)])
        XCTAssertEqual(c.settings.outboundType, .userDefinedRouting)
        XCTAssertEqual(c.virtualNetworks.first?.addressSpaces, [IPPrefix("10.224.0.0/12")!])
        XCTAssertEqual(c.firewalls.first?.privateIP, IPAddress(10, 225, 0, 4))
        let lbIPs = c.services.flatMap(\.loadBalancerIngressIPs)
        XCTAssertEqual(Set(lbIPs), [IPAddress(20, 62, 20, 30), IPAddress(20, 62, 20, 40)])
    }

    func testFirewallRulesSplitNetworkAndApplication() throws {
        let c = try load(parameters(firewallRules: 11))
        let policy = try XCTUnwrap(c.firewallPolicies.first)
        let partner = try XCTUnwrap(policy.ruleCollectionGroups.first { $0.name == "partner-egress" })
        let counts = partner.collections.map { ($0.name, $0.rules.count) }
        XCTAssertEqual(counts.map(\.0), ["partner-network", "partner-fqdns"])
        XCTAssertEqual(counts.map(\.1), [5, 6])
    }

    func testZeroOptionalObjects() throws {
        let c = try load(parameters(services: 0, policies: 0, nsgRules: 0, firewallRules: 0))
        XCTAssertEqual(c.services.count, 3)
        XCTAssertEqual(c.networkPolicies.count, 0)
        XCTAssertNil(c.firewallPolicies.first?.ruleCollectionGroups.first { $0.name == "partner-egress" })
    }

    func testDeterministic() {
        let p = parameters()
        XCTAssertEqual(ScaleCluster(p).yaml(), ScaleCluster(p).yaml())
        var q = p
        q.policies += 1
        XCTAssertNotEqual(ScaleCluster(p).yaml(), ScaleCluster(q).yaml())
    }

    func testProblemsNameTheBadOption() {
        var p = parameters()
        XCTAssertEqual(p.problems(), [])
        p.pods = 0
        p.nsgRules = 5000
        XCTAssertEqual(p.problems(), ["--pods must be between 1 and 61440, got 0",
                                      "--nsg-rules must be between 0 and 3400, got 5000"])
        p = parameters(pods: 60_000)
        p.podsPerNode = 10
        XCTAssertEqual(p.problems(), ["--pods 60000 at --pods-per-node 10 needs 6000 nodes; at most 4000 fit the node range"])
    }
}
