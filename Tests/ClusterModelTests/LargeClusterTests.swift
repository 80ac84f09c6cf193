import Foundation
import XCTest
@testable import ClusterModel

/// A generated 10k-pod / 1k-service cluster loads and derives every Service's endpoints.
/// No timing assertion here: scripts/model-load-time measures the load time.
final class LargeClusterTests: XCTestCase {
    /// Native YAML for `pods` pods in `services` Services (10 pods each), 100 nodes,
    /// 50 namespaces and one NetworkPolicy per namespace. Addresses follow flat Azure CNI.
    static func generate(pods: Int, services: Int) -> String {
        var y = """
        name: large
        settings: {networkPlugin: azure, serviceCIDRs: [10.0.0.0/16], dnsServiceIP: 10.0.0.10, apiServer: {publicIP: 20.0.0.1}}
        vnets:
          - {name: v, addressSpaces: [10.224.0.0/12], subnets: [{name: s, prefix: 10.224.0.0/16}]}
        nodes:

        """
        for n in 0..<100 { y += "  - {name: node-\(n), ip: 10.224.0.\(n + 4), subnet: v/s}\n" }
        y += "namespaces:\n"
        for n in 0..<50 { y += "  - {name: ns-\(n), labels: {team: t\(n % 5)}}\n" }
        y += "pods:\n"
        for i in 0..<pods {
            let ns = (i / 10) % 50
            y += "  - {name: p-\(i), namespace: ns-\(ns), node: node-\(i % 100), ip: 10.224.\(1 + i / 250).\(i % 250 + 1), labels: {app: a-\(i / 10)}, ports: [{name: http, port: 8080}]}\n"
        }
        y += "services:\n"
        for s in 0..<services {
            y += "  - {name: s-\(s), namespace: ns-\(s % 50), clusterIP: 10.0.\(1 + s / 250).\(s % 250 + 1), selector: {app: a-\(s)}, ports: [{name: http, port: 80, targetPort: http}]}\n"
        }
        y += "networkPolicies:\n"
        for n in 0..<50 {
            y += "  - {name: np, namespace: ns-\(n), podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: t\(n % 5)}}}], ports: [{port: http}]}]}\n"
        }
        return y
    }

    func testTenThousandPodsOneThousandServicesLoad() throws {
        let c = try ClusterLoader.load(yaml: Self.generate(pods: 10_000, services: 1_000), file: "large.yaml")
        XCTAssertEqual(c.pods.count, 10_000)
        XCTAssertEqual(c.services.count, 1_000)
        XCTAssertEqual(c.nodes.count, 100)
        XCTAssertEqual(c.derivedEndpointSliceCount, 1_000)
        XCTAssertTrue(c.endpointSlices.allSatisfy { $0.endpoints.count == 10 && $0.ports == [EndpointPort(name: "http", port: 8080)] })
        XCTAssertEqual(c.notes.filter { $0.severity == .warning }.count, 0)
    }
}
