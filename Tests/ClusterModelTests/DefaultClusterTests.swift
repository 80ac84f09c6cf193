import Foundation
import NetworkAddress
import XCTest
@testable import ClusterModel

final class DefaultClusterTests: XCTestCase {
    func testEmbeddedDefaultMatchesConfigFile() throws {
        let file = try Data(contentsOf: packageRoot.appendingPathComponent("Config/cluster.yaml"))
        XCTAssertEqual(Data(ClusterLoader.defaultClusterYAML.utf8), file,
                       "run scripts/gen-embedded after editing Config/cluster.yaml")
    }

    func testDefaultClusterLoadsWithKnownCounts() throws {
        let c = try ClusterLoader.load(paths: [])
        XCTAssertEqual(c.name, "aks-contoso")
        XCTAssertEqual(c.nodes.count, 3)
        XCTAssertEqual(c.namespaces.count, 4)
        XCTAssertEqual(c.pods.count, 7)
        XCTAssertEqual(c.services.count, 4)
        XCTAssertEqual(c.endpointSlices.count, 4)
        XCTAssertFalse(c.endpointSlices.contains { $0.derived })
        XCTAssertEqual(c.networkPolicies.count, 1)
        XCTAssertEqual(c.ingresses.count, 1)
        XCTAssertEqual(c.ingressControllers, [IngressController(className: "webapprouting.kubernetes.azure.com", service: "app-routing-system/nginx")])
        XCTAssertEqual(c.networkInterfaces.count, 3)
        XCTAssertEqual(c.networkSecurityGroups.first?.rules.count, 2)
        XCTAssertEqual(c.networkSecurityGroups.first?.allRules.count, 8)
        XCTAssertEqual(c.firewalls.first?.privateIP, IPAddress("10.225.0.4"))
        XCTAssertEqual(c.firewallPolicies.first?.ruleCollectionGroups.map(\.name), ["aks-ingress", "aks-egress"])
        XCTAssertEqual(c.firewallPolicies.first?.ruleCollectionGroups.first?.collections.map(\.rules.count), [2])
        XCTAssertEqual(c.firewallPolicies.first?.ruleCollectionGroups.last?.collections.map(\.rules.count), [4, 2])
        XCTAssertEqual(c.loadBalancers.map(\.rules.count), [1, 2])
        XCTAssertEqual(c.settings.outboundType, .userDefinedRouting)
        XCTAssertEqual(c.settings.apiServer.authorizedIPRanges.map(\.description), ["203.0.113.0/24", "20.62.10.4/32"])
        XCTAssertTrue(c.notes.filter { $0.severity == .error }.isEmpty)
        XCTAssertEqual(ClusterLoader.loadDefault().pods.count, 7)
    }

    func testDefaultClusterAddressPlan() throws {
        let c = ClusterLoader.loadDefault()
        let svc = try XCTUnwrap(c.services.first { $0.qualifiedName == "shop/backend" })
        XCTAssertEqual(svc.clusterIPs, [IPAddress("10.0.120.10")!])
        XCTAssertEqual(svc.ports.first?.targetPort, .name("http"))
        let nginx = try XCTUnwrap(c.services.first { $0.qualifiedName == "app-routing-system/nginx" })
        XCTAssertEqual(nginx.externalTrafficPolicy, .Local)
        XCTAssertEqual(nginx.ports.map(\.nodePort), [30081, 30443])
        XCTAssertEqual(nginx.loadBalancerIngressIPs, [IPAddress("10.224.0.100")!])
        XCTAssertTrue(nginx.isInternalLoadBalancer)
        let np = try XCTUnwrap(c.networkPolicies.first)
        XCTAssertEqual(np.podSelector.matchLabels, ["app": "my-backend"])
        XCTAssertEqual(np.ingress.first?.ports, [NetworkPolicyPort(proto: .tcp, port: .number(8080))])
        XCTAssertEqual(np.ingress.first?.peers.first?.podSelector?.matchLabels, ["app": "my-frontend"])
        XCTAssertEqual(c.nodes.map(\.subnet), Array(repeating: "aks-vnet/aks-subnet", count: 3))
        XCTAssertEqual(c.namespaces.first { $0.name == "shop" }?.labels["team"], "shop")
        let route = try XCTUnwrap(c.routeTables.first?.routes.first)
        XCTAssertEqual(route.nextHopType, .VirtualAppliance)
        XCTAssertEqual(route.nextHopIP, IPAddress("10.225.0.4"))
    }
}
