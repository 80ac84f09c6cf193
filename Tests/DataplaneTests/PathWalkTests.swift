import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import Testing

@Suite struct PathWalkTests {
    let pipeline = Pipeline(cluster: Fixture.defaultCluster())

    @Test func frontendToBackendClusterIPIsDNATedAndAllowedByPolicy() {
        let tr = pipeline.t("10.224.0.20", "10.0.120.10", 80)
        #expect(tr.verdict == .allow)
        #expect(tr.rule == "netpol:shop/backend-allow-frontend")
        #expect(tr.delivered?.port == 8080)
        #expect(["10.224.0.30", "10.224.0.31"].contains(tr.delivered.map { "\($0.ip)" } ?? ""))
        #expect(tr.source == IPPort(ip: addr("10.224.0.20"), port: 40000))
        #expect(tr.hops.map(\.stage).contains(.serviceProxy))
        print(tr.explanation)
    }

    @Test func corednsToBackendIsDeniedWithNearMiss() {
        let tr = pipeline.t("10.224.0.40", "10.224.0.30", 9090)
        #expect(tr.verdict == .drop)
        #expect(tr.stage == .networkPolicy)
        #expect(tr.rule == "netpol:default-deny")
        let detail = tr.hops.last?.detail ?? ""
        #expect(detail.contains("backend-allow-frontend"))
        print(tr.explanation)
    }
}

