import NetworkAddress
import XCTest
@testable import ClusterModel

/// The endpoint-slice controller gives a dual-stack Service one slice per address family
/// (getAddressTypesForService), each endpoint carrying the pod IP of that family.
final class DualStackEndpointTests: XCTestCase {
    func testDualStackServiceGetsASlicePerFamily() throws {
        let yaml = """
        name: ds
        settings: {networkPlugin: azure, serviceCIDRs: [10.0.0.0/16, "fd12::/108"]}
        vnets: [{name: v, addressSpaces: [10.224.0.0/12, "fd00:1::/48"], subnets: [{name: s, prefixes: [10.224.0.0/16, "fd00:1::/64"]}]}]
        nodes: [{name: n1, ips: [10.224.0.4, "fd00:1::4"], subnet: v/s}]
        namespaces: [t]
        pods:
          - {name: b, namespace: t, node: n1, ips: [10.224.0.11, "fd00:1::b"], labels: {app: b}}
        services:
          - {name: dual, namespace: t, clusterIPs: [10.0.5.5, "fd12::5"], selector: {app: b}, ports: [{port: 80, targetPort: 8080}]}
          - {name: v6only, namespace: t, clusterIPs: ["fd12::6"], selector: {app: b}, ports: [{port: 80, targetPort: 8080}]}
          - {name: v4only, namespace: t, clusterIP: 10.0.5.7, selector: {app: b}, ports: [{port: 80, targetPort: 8080}]}
        """
        let c = try ClusterLoader.load(yaml: yaml, file: "ds.yaml")
        func slices(_ svc: String) -> [String] {
            c.endpointSlices.filter { $0.serviceName == svc }.map { "\($0.addressType) \($0.endpoints.flatMap(\.addresses))" }
        }
        XCTAssertEqual(slices("dual"), ["IPv4 [10.224.0.11]", "IPv6 [fd00:1::b]"])
        XCTAssertEqual(slices("v6only"), ["IPv6 [fd00:1::b]"], "before: the pod's first (IPv4) address")
        XCTAssertEqual(slices("v4only"), ["IPv4 [10.224.0.11]"])
    }
}
