import Foundation
import NetworkAddress
import XCTest
@testable import ClusterModel

/// `include:` of export files/directories, several `--cluster` paths, and recognition by content.
final class IncludeAndMergeTests: XCTestCase {
    func testNativeFileIncludesExportDirectory() throws {
        let dir = try makeTempDir()
        try write("""
        # Lab additions on top of the exported cluster.
        include: [exports]
        dnsRecords:
          - {fqdn: api.example.com, addresses: [203.0.113.5]}

        """, to: dir.appendingPathComponent("lab.yaml"))
        try write(KubernetesExportTests.nodesJSON, to: dir.appendingPathComponent("exports/whatever-name.txt.json"))
        try write(KubernetesExportTests.podsList, to: dir.appendingPathComponent("exports/nested/p.yaml"))
        let c = try ClusterLoader.load(paths: [dir.appendingPathComponent("lab.yaml").path])
        XCTAssertEqual(c.nodes.count, 2)
        XCTAssertEqual(c.pods.count, 4)
        XCTAssertEqual(c.dnsRecords, [DNSRecord(fqdn: "api.example.com", addresses: [IPAddress("203.0.113.5")!])])
    }

    func testIncludeCycleLoadsEachFileOnce() throws {
        let dir = try makeTempDir()
        try write("include: [b.yaml]\nnamespaces: [a]\n", to: dir.appendingPathComponent("a.yaml"))
        try write("include: [a.yaml]\nnamespaces: [b]\n", to: dir.appendingPathComponent("b.yaml"))
        let c = try ClusterLoader.load(paths: [dir.appendingPathComponent("a.yaml").path])
        XCTAssertEqual(c.namespaces.map(\.name), ["a", "b"])
    }

    func testMissingIncludeNamesTheIncludingLine() throws {
        let dir = try makeTempDir()
        let file = dir.appendingPathComponent("a.yaml")
        try write("namespaces: [a]\ninclude:\n  - nope/\n", to: file)
        XCTAssertThrowsError(try ClusterLoader.load(paths: [file.path])) { error in
            let d = (error as? ModelErrors)?.diagnostics.map(\.description) ?? []
            XCTAssertEqual(d, ["\(file.path):3:5: error: include \(dir.path)/nope/: no such file or directory"])
        }
    }

    func testMissingPathAndUnrecognisedDocument() {
        XCTAssertThrowsError(try ClusterLoader.load(paths: ["/nonexistent/cluster.yaml"])) { error in
            XCTAssertEqual((error as? ModelErrors)?.description, "/nonexistent/cluster.yaml: error: no such file or directory")
        }
        XCTAssertEqual(loadErrors("foo: 1\n"), ["t.yaml:1:1: error: unrecognised document: expected the native format (keys such as settings, nodes, pods), a Kubernetes object (apiVersion/kind) or an az/ARM JSON export"])
    }

    func testSettingsFromTwoSourcesConflict() throws {
        let dir = try makeTempDir()
        try write("settings: {networkPlugin: kubenet}\n", to: dir.appendingPathComponent("a.yaml"))
        try write("""
        {"name": "aks", "type": "Microsoft.ContainerService/ManagedClusters", "networkProfile": {"networkPlugin": "azure"}}
        """, to: dir.appendingPathComponent("aks.json"))
        XCTAssertThrowsError(try ClusterLoader.load(paths: [dir.path])) { error in
            let d = (error as? ModelErrors)?.diagnostics.map(\.description) ?? []
            XCTAssertEqual(d, ["\(dir.path)/aks.json:1:1: error: ManagedCluster aks: cluster settings given twice: here and at \(dir.path)/a.yaml:1:11 (give them once; with `az aks show`, add the API server address as a dnsRecords entry for its FQDN)"])
        }
    }

    func testDerivedEndpointsDoNotReplaceGivenSlices() throws {
        let c = ClusterLoader.loadDefault()
        XCTAssertEqual(c.derivedEndpointSliceCount, 0)
        let dns = try XCTUnwrap(c.endpointSlices.first { $0.serviceName == "kube-dns" })
        XCTAssertEqual(dns.endpoints.compactMap(\.podRef), ["kube-system/coredns-1", "kube-system/coredns-2"])
    }

    func testNodesWithoutNICExportArePlacedInTheirSubnet() throws {
        let dir = try makeTempDir()
        try write(KubernetesExportTests.nodesJSON, to: dir.appendingPathComponent("nodes.json"))
        try write("""
        [{"name": "v", "type": "Microsoft.Network/virtualNetworks", "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
          "subnets": [{"name": "nodes", "id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes", "addressPrefix": "10.0.0.0/24"}]}]
        """, to: dir.appendingPathComponent("vnet.json"))
        let c = try ClusterLoader.load(paths: [dir.path])
        XCTAssertEqual(c.nodes.map(\.subnet), ["v/nodes", "v/nodes"])
        XCTAssertEqual(c.networkInterfaces.map(\.name), ["node-a-nic", "node-b-nic"])
        XCTAssertEqual(c.networkInterfaces.map(\.nodeName), ["node-a", "node-b"])
        XCTAssertEqual(c.networkInterfaces.map(\.subnet), ["v/nodes", "v/nodes"])
    }
}
