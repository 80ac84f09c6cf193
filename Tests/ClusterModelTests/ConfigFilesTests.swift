import Foundation
import NetworkAddress
import XCTest
@testable import ClusterModel

/// Every file under Config/ loads on its own, and each example loads to known counts.
final class ConfigFilesTests: XCTestCase {
    func testEveryConfigFileLoadsWithoutErrors() throws {
        let config = packageRoot.appendingPathComponent("Config")
        let walker = try XCTUnwrap(FileManager.default.enumerator(at: config, includingPropertiesForKeys: nil))
        var files: [URL] = []
        // Config/daemon.yaml holds `akssim run` settings, not a cluster model (DaemonConfigurationTests loads it).
        for case let f as URL in walker where ["yaml", "yml", "json"].contains(f.pathExtension) && f.lastPathComponent != "daemon.yaml" {
            files.append(f)
        }
        XCTAssertGreaterThanOrEqual(files.count, 16)
        for f in files {
            do {
                _ = try ClusterLoader.load(paths: [f.path])
            } catch {
                XCTFail("\(f.path): \(error)")
            }
        }
    }

    private func load(_ rel: String) throws -> Cluster {
        try ClusterLoader.load(paths: [packageRoot.appendingPathComponent(rel).path])
    }

    func testKubenetExample() throws {
        let c = try load("Config/examples/kubenet.yaml")
        XCTAssertEqual(c.settings.networkPlugin, .kubenet)
        XCTAssertEqual([c.nodes.count, c.pods.count, c.services.count, c.endpointSlices.count, c.networkPolicies.count], [2, 4, 3, 3, 1])
        XCTAssertEqual(c.derivedEndpointSliceCount, 3)
        XCTAssertEqual(c.routeTables.first?.routes.count, 2)
        XCTAssertEqual(c.networkInterfaces.compactMap(\.networkSecurityGroup), ["aks-agentpool-27182818-nsg", "aks-agentpool-27182818-nsg"])
        let mysql = try XCTUnwrap(c.services.first { $0.name == "mysql" })
        XCTAssertTrue(mysql.headless)
        XCTAssertEqual(mysql.ports.first?.targetPort, .number(3306), "targetPort defaults to port")
        let wp = try XCTUnwrap(c.endpointSlices.first { $0.serviceName == "wordpress" })
        XCTAssertEqual(wp.ports, [EndpointPort(name: "http", port: 80)])
        XCTAssertEqual(Set(wp.endpoints.flatMap(\.addresses)), [IPAddress("10.244.0.12")!, IPAddress("10.244.1.8")!])
        XCTAssertEqual(c.notes.filter { $0.severity == .note }.count, 3)
    }

    func testPrivateClusterExample() throws {
        let c = try load("Config/examples/private-cluster.yaml")
        XCTAssertTrue(c.settings.apiServer.privateCluster)
        XCTAssertEqual(c.settings.apiServer.privateIP, IPAddress("10.40.1.250"))
        XCTAssertEqual(c.settings.networkPluginMode, .overlay)
        XCTAssertTrue(c.settings.isCilium)
        XCTAssertEqual([c.nodes.count, c.pods.count, c.services.count, c.networkPolicies.count, c.networkInterfaces.count], [2, 4, 2, 2, 3])
        let cilium = try XCTUnwrap(c.pods.first { $0.name.hasPrefix("cilium") })
        XCTAssertEqual(cilium.ips, [IPAddress("10.40.1.4")!], "hostNetwork pods take the node address")
        XCTAssertTrue(try XCTUnwrap(c.services.first { $0.name == "ledger" }).isInternalLoadBalancer)
        XCTAssertEqual(c.natGateways.first?.publicIPs, [IPAddress("52.169.40.10")!])
        XCTAssertEqual(c.networkSecurityGroups.first?.rules.first?.sourceApplicationSecurityGroups, ["admins"])
        let deny = try XCTUnwrap(c.networkPolicies.first { $0.name == "default-deny" })
        XCTAssertEqual(deny.effectivePolicyTypes, [.Ingress, .Egress])
        XCTAssertTrue(deny.ingress.isEmpty)
        let hub = try XCTUnwrap(c.networkPolicies.first { $0.name == "ledger-from-hub" })
        XCTAssertEqual(hub.ingress.first?.peers.first?.ipBlock, IPBlock(cidr: IPPrefix("10.0.0.0/22")!, except: [IPPrefix("10.0.3.0/24")!]))
        XCTAssertEqual(hub.ingress.first?.ports.first?.port, .name("grpc"))
    }

    /// The export directory and the native file describe one cluster: they load to the same model.
    func testExportsMatchNativeOverlayCluster() throws {
        let native = try load("Config/examples/cni-overlay.yaml")
        let exports = try load("Config/examples/exports")
        XCTAssertEqual(exports.name, "aks-overlay")
        XCTAssertEqual(exports.settings.networkPluginMode, .overlay)
        var ns = native.settings, es = exports.settings
        // az aks show does not carry the API server address; the native file adds it.
        XCTAssertNil(es.apiServer.publicIP)
        ns.apiServer.publicIP = nil
        es.kubernetesVersion = ns.kubernetesVersion
        XCTAssertEqual(ns, es)
        XCTAssertEqual(Self.podSummary(native), Self.podSummary(exports))
        XCTAssertEqual(Self.serviceSummary(native), Self.serviceSummary(exports))
        XCTAssertEqual(native.nodes.map { [$0.name, $0.subnet, $0.zone, "\($0.internalIPs)", "\($0.podCIDRs)"] },
                       exports.nodes.map { [$0.name, $0.subnet, $0.zone, "\($0.internalIPs)", "\($0.podCIDRs)"] })
        XCTAssertEqual(Set(native.namespaces.map(\.labels)), Set(exports.namespaces.map(\.labels)))
        XCTAssertEqual(Self.sliceSummary(native), Self.sliceSummary(exports))
        XCTAssertEqual(native.networkPolicies.map { Self.stripped($0) }, exports.networkPolicies.map { Self.stripped($0) })
        XCTAssertEqual(native.networkSecurityGroups.map { $0.rules.map(NormalizedModel.rule) }, exports.networkSecurityGroups.map { $0.rules.map(NormalizedModel.rule) })
        XCTAssertEqual(native.loadBalancers.map(NormalizedModel.loadBalancer), exports.loadBalancers.map(NormalizedModel.loadBalancer))
        XCTAssertEqual(native.publicIPs.map { [$0.name, "\($0.address)"] }, exports.publicIPs.map { [$0.name, "\($0.address)"] })
        XCTAssertEqual(native.virtualNetworks.map(NormalizedModel.vnet), exports.virtualNetworks.map(NormalizedModel.vnet))
        XCTAssertEqual(exports.networkInterfaces.map(\.nodeName), native.nodes.map(\.name))
    }

    /// A native file next to the exports supplies what `az aks show` lacks: the API server address.
    func testNativeFileAddsAPIServerAddressToExports() throws {
        let dir = try makeTempDir()
        let lab = dir.appendingPathComponent("lab.yaml")
        try write("dnsRecords:\n  - {fqdn: aks-overlay-rg-aks-overlay-6f1c2d-k3j2h1g0.hcp.westeurope.azmk8s.io, addresses: [20.103.90.17]}\n", to: lab)
        let c = try ClusterLoader.load(paths: [packageRoot.appendingPathComponent("Config/examples/exports").path, lab.path])
        XCTAssertEqual(c.settings.apiServer.publicIP, IPAddress("20.103.90.17"))
        XCTAssertEqual(c.notes.filter { $0.severity == .warning }.count, 0)
    }

    static func podSummary(_ c: Cluster) -> [String] {
        c.pods.map { "\($0.qualifiedName) \($0.nodeName) \($0.ips) \($0.labels.filter { $0.key != "pod-template-hash" }) \($0.containerPorts) \($0.phase) \($0.ready)" }.sorted()
    }

    static func serviceSummary(_ c: Cluster) -> [String] {
        c.services.map { s in
            "\(s.qualifiedName) \(s.type) \(s.clusterIPs) \(s.selector ?? [:]) \(s.ports) \(s.loadBalancerIngressIPs) \(s.externalTrafficPolicy)"
        }.sorted()
    }

    static func sliceSummary(_ c: Cluster) -> [String] {
        c.endpointSlices.map { s in
            "\(s.namespace)/\(s.serviceName) derived=\(s.derived) \(Set(s.ports)) \(s.endpoints.map { "\($0.addresses) \($0.isReady) \($0.nodeName ?? "") \($0.zone ?? "") \($0.podRef ?? "")" })"
        }.sorted()
    }

    static func stripped(_ p: NetworkPolicy) -> NetworkPolicy {
        var p = p
        p.source = nil
        return p
    }
}
