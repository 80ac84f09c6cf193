import Foundation
import XCTest
@testable import ClusterModel

/// Every validation mistake from the issue has its exact message asserted here
/// (format: `file:line:col: error: Kind ns/name: field.path: expected …`).
final class ValidationTests: XCTestCase {
    /// A small valid base the cases below break one field at a time.
    static let base = """
    settings:
      networkPlugin: azure
      serviceCIDRs: [10.0.0.0/16]
      dnsServiceIP: 10.0.0.10
      apiServer: {publicIP: 20.1.1.1}
    vnets:
      - name: v
        addressSpaces: [10.224.0.0/12]
        subnets:
          - {name: s, prefix: 10.224.0.0/16, nsg: n}
    nsgs:
      - name: n
        rules:
          - {name: a, priority: 100, direction: Inbound, access: Allow, protocol: Tcp, destinationPorts: "80"}
    nodes:
      - {name: n1, ip: 10.224.0.4, subnet: v/s}
    namespaces: [default]
    pods:
      - {name: p, node: n1, ip: 10.224.0.10, labels: {app: a}}

    """

    func testBaseIsValid() throws {
        XCTAssertNoThrow(try ClusterLoader.load(yaml: Self.base, file: "t.yaml"))
    }

    func testInvalidCIDR() {
        let e = loadErrors(Self.base.replacingOccurrences(of: "prefix: 10.224.0.0/16", with: "prefix: 10.224.0.0/33"))
        XCTAssertEqual(e, ["t.yaml:10:27: error: VNet v: subnets[0].prefix: expected a CIDR such as 10.0.0.0/16, found \"10.224.0.0/33\""])
    }

    func testInvalidIP() {
        let e = loadErrors(Self.base.replacingOccurrences(of: "ip: 10.224.0.10", with: "ip: 10.224.0.300"))
        XCTAssertEqual(e, ["t.yaml:19:29: error: Pod default/p: ip: expected an IP address, found \"10.224.0.300\""])
    }

    func testAddressOutsideSubnet() {
        let e = loadErrors(Self.base.replacingOccurrences(of: "ip: 10.224.0.4", with: "ip: 10.225.0.4"))
        XCTAssertEqual(e, ["t.yaml:16:20: error: Node n1: ip: address 10.225.0.4 is outside its subnet v/s (10.224.0.0/16)"])
    }

    func testPodOutsideNodePodCIDR() {
        let yaml = Self.base
            .replacingOccurrences(of: "networkPlugin: azure", with: "networkPlugin: azure\n  networkPluginMode: overlay\n  podCIDRs: [10.244.0.0/16]")
            .replacingOccurrences(of: "subnet: v/s}", with: "subnet: v/s, podCIDRs: [10.244.1.0/24]}")
            .replacingOccurrences(of: "ip: 10.224.0.10", with: "ip: 10.244.2.9")
        XCTAssertEqual(loadErrors(yaml), ["t.yaml:21:29: error: Pod default/p: ip: address 10.244.2.9 is outside the pod CIDR 10.244.1.0/24 of node n1"])
    }

    func testFlatCNIPodOutsideEverySubnet() {
        let e = loadErrors(Self.base.replacingOccurrences(of: "ip: 10.224.0.10", with: "ip: 192.168.0.10"))
        XCTAssertEqual(e, ["t.yaml:19:29: error: Pod default/p: ip: address 192.168.0.10 is outside every VNet subnet (Azure CNI pods take subnet addresses)"])
    }

    func testDuplicateIP() {
        let e = loadErrors(Self.base + "  - {name: q, node: n1, ip: 10.224.0.4}\n")
        XCTAssertEqual(e, ["t.yaml:20:29: error: Pod default/q: ip: address 10.224.0.4 is also used by Node n1 (t.yaml:16:5)"])
    }

    func testDuplicateNSGPriorityInOneDirection() {
        let yaml = Self.base.replacingOccurrences(of: "destinationPorts: \"80\"}", with: """
        destinationPorts: "80"}
              - {name: b, priority: 100, direction: Inbound, access: Deny, protocol: Udp}
              - {name: c, priority: 100, direction: Outbound, access: Deny}
        """)
        XCTAssertEqual(loadErrors(yaml), ["t.yaml:15:29: error: NSG n: rules[1].priority: rule b: priority 100 is already used by Inbound rule a"])
    }

    func testPriorityOutOfRange() {
        let e = loadErrors(Self.base.replacingOccurrences(of: "priority: 100", with: "priority: 4097"))
        XCTAssertEqual(e, ["t.yaml:14:29: error: NSG n: rules[0].priority: rule a: expected a priority in 100–4096, found 4097"])
    }

    func testPortRangeOutOfOrder() {
        let e = loadErrors(Self.base.replacingOccurrences(of: "destinationPorts: \"80\"", with: "destinationPorts: \"9000-8000\""))
        XCTAssertEqual(e, ["t.yaml:14:102: error: NSG n: rules[0].destinationPorts: port range 9000-8000 is out of order: expected low-high"])
    }

    func testNetworkPolicyEndPortBelowPort() {
        let yaml = Self.base + """
        networkPolicies:
          - name: np
            podSelector: {}
            ingress:
              - ports: [{port: 9000, endPort: 8000}]

        """
        XCTAssertEqual(loadErrors(yaml), ["t.yaml:24:39: error: NetworkPolicy default/np: ingress[0].ports[0].endPort: port range 9000-8000 is out of order: expected endPort ≥ port"])
    }

    func testUnknownEnumValueNamesAllowedValues() {
        let e = loadErrors(Self.base.replacingOccurrences(of: "networkPlugin: azure", with: "networkPlugin: flannel"))
        XCTAssertEqual(e, ["t.yaml:2:18: error: Settings: settings.networkPlugin: unknown value \"flannel\"; expected one of kubenet, azure, none"])
    }

    func testUnknownKeyNamesKeyAndAllowedKeys() {
        let e = loadErrors(Self.base.replacingOccurrences(of: "{name: p, node: n1,", with: "{name: p, nodeName: n1,"))
        XCTAssertEqual(e, ["t.yaml:19:15: error: Pod default/p: nodeName: unknown key \"nodeName\"; expected one of: name, namespace, node, ip, ips, labels, hostNetwork, phase, ready, terminating, ports"])
    }

    func testMissingSubnet() {
        let e = loadErrors(Self.base.replacingOccurrences(of: "subnet: v/s}", with: "subnet: v/t}"))
        XCTAssertEqual(e, ["t.yaml:16:40: error: Node n1: subnet: subnet v/t not found"])
    }

    func testMissingNSG() {
        let e = loadErrors(Self.base.replacingOccurrences(of: "nsg: n}", with: "nsg: nn}"))
        XCTAssertEqual(e, ["t.yaml:10:47: error: VNet v: subnets[0].nsg: subnet s: network security group nn not found"])
    }

    func testMissingRouteTable() {
        let yaml = Self.base.replacingOccurrences(of: "nsg: n}", with: "nsg: n, routeTable: rt}") + "routeTables:\n  - {name: other, routes: []}\n"
        XCTAssertEqual(loadErrors(yaml), ["t.yaml:10:62: error: VNet v: subnets[0].routeTable: subnet s: route table rt not found"])
    }

    func testMissingASG() {
        let yaml = Self.base.replacingOccurrences(of: "protocol: Tcp,", with: "protocol: Tcp, sourceASGs: [web],") + "asgs: [db]\n"
        XCTAssertEqual(loadErrors(yaml), ["t.yaml:14:96: error: NSG n: rules[0].sourceASGs: rule a: application security group web not found"])
    }

    func testMissingNode() {
        let e = loadErrors(Self.base.replacingOccurrences(of: "node: n1,", with: "node: n9,"))
        XCTAssertEqual(e, ["t.yaml:19:21: error: Pod default/p: node: node n9 not found"])
    }

    func testMissingIPGroupAndFirewallPolicy() {
        let yaml = Self.base + """
        ipGroups:
          - {name: g1, addresses: [10.0.0.0/8]}
        firewallPolicies:
          - name: pol
            ruleCollectionGroups:
              - name: rcg
                priority: 100
                collections:
                  - name: c
                    priority: 100
                    type: network
                    action: Allow
                    rules:
                      - {name: r, ipProtocols: [TCP], sourceIPGroups: [g2], destinationAddresses: ["*"], destinationPorts: ["443"]}
        firewalls:
          - {name: fw, privateIP: 10.224.1.4, policy: pol2}

        """
        XCTAssertEqual(loadErrors(yaml), [
            "t.yaml:25:9: error: FirewallPolicy pol: ruleCollectionGroups[0].collections[0].rules[0]: rule r: IP group g2 not found",
            "t.yaml:35:47: error: Firewall fw: policy: firewall policy pol2 not found",
        ])
    }

    func testSelectorsMatchingNothingAreWarnings() throws {
        let yaml = Self.base + """
        services:
          - {name: s, clusterIP: 10.0.1.1, selector: {app: nope}, ports: [{port: 80}]}
        networkPolicies:
          - name: np
            podSelector: {matchLabels: {app: a}}
            ingress:
              - from: [{podSelector: {matchLabels: {role: ghost}}}]

        """
        let c = try ClusterLoader.load(yaml: yaml, file: "t.yaml")
        let warnings = c.notes.filter { $0.severity == .warning }.map(\.description)
        XCTAssertEqual(warnings, [
            "t.yaml:21:46: warning: Service default/s: selector: selector {app=nope} matches no pod in namespace default",
            "t.yaml:23:5: warning: NetworkPolicy default/np: spec.ingress[0].from[0].podSelector: selector {role=ghost} matches no pod in namespace(s) default",
        ])
        XCTAssertTrue(c.notes.contains { $0.severity == .note && $0.description.contains("derived from 0 matching pod(s)") })
    }

    // Service tag names resolve case-insensitively in the data plane (`Storage.EastUS` in the tags
    // JSON, `Storage.eastus` in rules); validation must not call such a tag unknown.
    func testServiceTagCaseDoesNotWarn() throws {
        let rules = """
              - {name: st, priority: 200, direction: Outbound, access: Allow, protocol: Tcp, source: "*", destination: storage.EASTUS, destinationPorts: "443"}
              - {name: gone, priority: 210, direction: Outbound, access: Allow, protocol: Tcp, source: "*", destination: Sql.WestUS, destinationPorts: "1433"}
        nodes:
        """
        let yaml = Self.base.replacingOccurrences(of: "nodes:", with: rules) + """
        serviceTags:
          - {name: Storage.EastUS, prefixes: [20.38.0.0/16]}

        """
        let c = try ClusterLoader.load(yaml: yaml, file: "t.yaml")
        let warnings = c.notes.filter { $0.severity == .warning }.map(\.description)
        XCTAssertEqual(warnings.count, 1, "\(warnings)")
        XCTAssertTrue(warnings.first?.contains("service tag Sql.WestUS has no known prefixes") ?? false, "\(warnings)")
    }

    func testPolicyEngineNoneWithPoliciesWarns() throws {
        let yaml = Self.base.replacingOccurrences(of: "networkPlugin: azure", with: "networkPlugin: azure\n  networkPolicy: none") + """
        networkPolicies:
          - {name: np, podSelector: {}}

        """
        let c = try ClusterLoader.load(yaml: yaml, file: "t.yaml")
        XCTAssertEqual(c.notes.filter { $0.severity == .warning }.map(\.description),
                       ["t.yaml:3:18: warning: Settings: settings.networkPolicy: networkPolicy engine is none: 1 NetworkPolicy object(s) will not be enforced"])
    }

    func testYAMLSyntaxErrorNamesLine() {
        let e = loadErrors("nodes:\n  - {name: a\n")
        XCTAssertEqual(e.count, 1)
        XCTAssertTrue(e[0].hasPrefix("t.yaml:3:1: error: not valid YAML/JSON:"), e[0])
    }

    func testDuplicateAcrossFilesNamesBothSources() throws {
        let dir = try makeTempDir()
        try write(Self.base, to: dir.appendingPathComponent("a.yaml"))
        try write("pods:\n  - {name: p, node: n1, ip: 10.224.0.11}\n", to: dir.appendingPathComponent("b.yaml"))
        XCTAssertThrowsError(try ClusterLoader.load(paths: [dir.appendingPathComponent("a.yaml").path, dir.appendingPathComponent("b.yaml").path])) { error in
            let d = (error as? ModelErrors)?.diagnostics.map(\.description) ?? []
            XCTAssertEqual(d.count, 1)
            XCTAssertTrue(d[0].hasSuffix("b.yaml:2:5: error: Pod default/p: defined twice: here and at \(dir.path)/a.yaml:19:5"), d.joined())
        }
    }
}
