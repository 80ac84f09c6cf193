import Foundation
import XCTest
@testable import ClusterModel

/// Bad input never crashes the loader: every shape mistake becomes a diagnostic.
final class MalformedInputTests: XCTestCase {
    static let inputs: [String] = [
        "",
        "---\n---\n",
        "[]",
        "nodes: 5\n",
        "nodes: [5, [1], {name: x}]\n",
        "pods:\n  - name: [a]\n    ip: {x: 1}\n    ports: 80\n",
        "services:\n  - {name: s, ports: [{port: x, targetPort: [1]}], clusterIP: [1, 2], selector: [a]}\n",
        "settings: [a]\n",
        "settings: {apiServer: 5, kubeProxy: {seed: -1}, podCIDRs: {a: b}}\n",
        "vnets:\n  - {name: v, subnets: [a, {name: s, prefix: ~}], addressSpaces: ~}\n",
        "nsgs:\n  - {name: n, rules: [{name: r, priority: high, source: [\"10.0.0.0/8\", 1.2.3], destinationPorts: [\"1-2-3\"]}]}\n",
        "networkPolicies:\n  - {name: p, podSelector: {matchExpressions: [{key: a, operator: Maybe}]}, ingress: [{from: [{}]}], egress: 5}\n",
        "firewallPolicies:\n  - {name: p, ruleCollectionGroups: [{name: g, collections: [{name: c, type: bogus}, {name: d, priority: 1, type: application, rules: [{protocols: [\"Ftp:21\", \"Https\"]}]}]}]}\n",
        "include: 5\n",
        "apiVersion: v1\nkind: List\nitems: 5\n",
        "apiVersion: v1\nkind: Pod\nmetadata: 5\nspec: {containers: 5}\nstatus: {podIPs: [{ip: nope}], phase: Dancing}\n",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 0}], clusterIPs: [\"\"]}\n",
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e}\nendpoints: [{addresses: [x]}]\n",
        "{\"type\": \"Microsoft.Network/networkSecurityGroups\", \"properties\": {\"securityRules\": [{\"properties\": {\"priority\": \"x\", \"sourcePortRanges\": [\"70000\"]}}]}}",
        "{\"type\": \"Microsoft.Network/loadBalancers\", \"name\": \"l\", \"frontendIPConfigurations\": 5, \"loadBalancingRules\": [{\"frontendPort\": \"x\"}]}",
        "{\"type\": \"Microsoft.Network/firewallPolicies/ruleCollectionGroups\", \"name\": \"g\", \"ruleCollections\": [{\"rules\": [{\"ruleType\": \"Weird\"}]}]}",
        "{\"type\": \"Microsoft.ContainerService/ManagedClusters\", \"networkProfile\": {\"networkPlugin\": \"weave\", \"podCidrs\": \"x\"}}",
        "[{\"type\": \"Microsoft.Network/networkInterfaces\", \"name\": \"n\", \"ipConfigurations\": [{\"privateIPAddress\": 5}]}, 7]",
        "{\"values\": [{\"name\": \"T\", \"properties\": {\"addressPrefixes\": [\"bad\"]}}], \"cloud\": \"Public\"}",
        "nodes:\n  - &a {name: n, ip: 10.0.0.1}\n  - *a\n",
        "key: [unclosed\n",
        "a: 1\na: 2\n",
    ]

    func testMalformedInputsYieldDiagnosticsNotCrashes() {
        for (i, text) in Self.inputs.enumerated() {
            do {
                _ = try ClusterLoader.load(yaml: text, file: "bad\(i).yaml")
            } catch {
                XCTAssertFalse(error.diagnostics.isEmpty, "input \(i)")
                for d in error.diagnostics {
                    XCTAssertTrue(d.description.hasPrefix("bad\(i).yaml"), "input \(i): \(d)")
                }
            }
        }
    }

    func testMalformedKnownCasesFail() {
        // Each of these is wrong in a way the loader must report (not silently accept).
        for i in [3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18, 20, 21, 23, 25, 26] {
            XCTAssertThrowsError(try ClusterLoader.load(yaml: Self.inputs[i], file: "bad\(i).yaml"), "input \(i) should fail")
        }
    }
}
