import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import Testing

// The ingress stage inside the pipeline (issue 5 item 7). Traces: a request that reaches an
// ingress controller pod is routed by IngressRouter (host from the HTTP Host header, else TLS SNI;
// path from the request line) and the controller's own connection to the backend Service is walked
// through kube-proxy and NetworkPolicy. A request the controller answers itself (404 no rule,
// 503 missing Service) stays delivered to the controller pod with verdict allow. Replays: the
// first payload packet of a flow to a controller is counted at stage `ingress` under its rule.

@Suite struct IngressPipelineTests {
    static let client = "198.51.100.7"
    static let nginxLB = "20.62.20.40"
    static let controllerPod = IPPort(ip: addr("10.224.0.50"), port: 80)

    /// The fixture cluster plus `/api` (Exact) → shop/backend and `/gone` → a missing Service.
    static func cluster() -> Cluster {
        var c = Fixture.defaultCluster()
        c.ingresses[0].rules[0].paths += [
            IngressPath(path: "/api", pathType: .Exact, backend: IngressBackend(serviceName: "backend", port: .number(80))),
            IngressPath(path: "/gone", pathType: .Prefix, backend: IngressBackend(serviceName: "removed", port: .number(80))),
        ]
        return c
    }

    func trace(_ p: Pipeline, dport: UInt16 = 80, sni: String? = nil, host: String? = nil, path: String? = nil) -> Trace {
        p.trace(FlowQuery(proto: .tcp, src: addr(Self.client), dst: addr(Self.nginxLB), dport: dport,
                          node: Fixture.nodeNames[0], sni: sni, httpHost: host, httpPath: path))
    }

    // MARK: traces

    @Test func tlsRequestFollowsTheSNIToTheBackend() {
        let t = trace(Pipeline(cluster: Fixture.defaultCluster()), dport: 443, sni: "shop.contoso.com")
        #expect(t.verdict == .allow)
        let hop = t.hops.first { $0.stage == .ingress }
        #expect(hop?.rule == "ingress:shop/shop.contoso.com/" && hop?.result == .forward)
        #expect(hop?.detail.contains("TLS SNI shop.contoso.com (path unknown, routed as /)") == true)
        #expect(hop?.detail.contains("host listed in spec.tls") == true)
        #expect(["10.224.0.20", "10.224.0.21"].contains("\(t.delivered!.ip)") && t.delivered?.port == 8080)
        #expect(t.source?.ip == addr("10.224.0.50"), "the backend sees the controller pod")
    }

    @Test func requestPathPicksTheRule() {
        let p = Pipeline(cluster: Self.cluster())
        // `/` Prefix → shop/frontend: allowed through to a frontend pod.
        let root = trace(p, host: "shop.contoso.com", path: "/cart/items")
        #expect(root.verdict == .allow && root.delivered?.port == 8080)
        #expect(root.hops.contains { $0.stage == .ingress && $0.rule == "ingress:shop/shop.contoso.com/" })
        // `/api` Exact → shop/backend, whose NetworkPolicy (backend-allow-frontend) admits only frontends:
        // the controller's second leg is dropped.
        let api = trace(p, host: "shop.contoso.com", path: "/api")
        #expect(api.hops.contains { $0.stage == .ingress && $0.rule == "ingress:shop/shop.contoso.com/api" })
        #expect(api.verdict == .drop && api.stage == .networkPolicy && api.rule == "netpol:default-deny")
        // Exact: /api/v1 is not /api, so `/` takes it; a query string is not part of the path.
        #expect(trace(p, host: "shop.contoso.com", path: "/api/v1").verdict == .allow)
        #expect(trace(p, host: "shop.contoso.com", path: "/api?x=1").verdict == .drop)
        // Without a path the request is for `/`.
        #expect(trace(p, host: "shop.contoso.com").hops.contains { $0.rule == "ingress:shop/shop.contoso.com/" })
    }

    @Test func secondLegMeetsNetworkPolicy() {
        var c = Fixture.defaultCluster()
        c.networkPolicies.append(np("frontend-deny", ns: "shop", select: sel(["app": "my-frontend"]), types: [.Ingress]))
        let t = trace(Pipeline(cluster: c), host: "shop.contoso.com:80")
        #expect(t.verdict == .drop && t.stage == .networkPolicy && t.rule == "netpol:default-deny")
    }

    @Test func unmatchedHostIsAnsweredByTheControllerWith404() {
        let t = trace(Pipeline(cluster: Fixture.defaultCluster()), host: "nope.example", path: "/x")
        #expect(t.verdict == .allow && t.delivered == Self.controllerPod)
        #expect(t.stage == .ingress && t.rule == "ingress:no-match")
        let last = t.hops.last
        #expect(last?.stage == .ingress && last?.result == .pass && last?.rule == "ingress:no-match")
        #expect(last?.detail.contains("no Ingress rule matches host nope.example path /x") == true)
        #expect(last?.detail.hasSuffix("the controller answers 404 (ingress-nginx default backend)") == true)
        #expect(!t.hops.contains { $0.result == .drop })
    }

    @Test func missingBackendServiceIsAnsweredWith503() {
        let t = trace(Pipeline(cluster: Self.cluster()), host: "shop.contoso.com", path: "/gone/x")
        #expect(t.verdict == .allow && t.delivered == Self.controllerPod)
        let last = t.hops.last
        #expect(last?.result == .pass && last?.rule == "ingress:shop/shop.contoso.com/gone")
        #expect(last?.detail.contains("the controller answers 503") == true)
    }

    /// ingress-nginx proxies to endpoints, not the ClusterIP: a Service without a ready endpoint is
    /// an empty upstream and the controller answers 503 itself — no second connection, so no
    /// kube-proxy reject.
    @Test func serviceWithoutEndpointsIsAnsweredWith503() {
        var c = Self.cluster()
        var svc = Service()
        svc.name = "empty"
        svc.namespace = "shop"
        svc.clusterIPs = [addr("10.0.120.99")]
        svc.selector = ["app": "nothing-here"]
        var sp = ServicePort()
        sp.name = "http"
        sp.port = 80
        sp.targetPort = .number(8080)
        svc.ports = [sp]
        c.services.append(svc)
        c.ingresses[0].rules[0].paths.append(
            IngressPath(path: "/empty", pathType: .Prefix, backend: IngressBackend(serviceName: "empty", port: .number(80))))
        let t = trace(Pipeline(cluster: c), host: "shop.contoso.com", path: "/empty/x")
        #expect(t.verdict == .allow && t.delivered == Self.controllerPod)
        #expect(!t.hops.contains { $0.stage == .serviceProxy && $0.rule.hasPrefix("kube-proxy:no-endpoints") })
        let last = t.hops.last
        #expect(last?.stage == .ingress && last?.result == .pass && last?.rule == "ingress:shop/shop.contoso.com/empty")
        #expect(last?.detail.contains("no ready endpoint: the controller answers 503") == true)
    }

    @Test func withoutARequestTheTraceEndsAtTheController() {
        let t = trace(Pipeline(cluster: Fixture.defaultCluster()))
        #expect(t.verdict == .allow && t.delivered == Self.controllerPod)
        #expect(!t.hops.contains { $0.stage == .ingress })
    }

    /// The controller pod's other ports (metrics, health) are not its Ingress listeners.
    @Test func otherPortsOfTheControllerPodAreNotRouted() {
        let p = Pipeline(cluster: Fixture.defaultCluster())
        let t = p.trace(FlowQuery(proto: .tcp, src: addr("10.224.0.20"), dst: addr("10.224.0.50"), dport: 10254,
                                  httpHost: "shop.contoso.com", httpPath: "/healthz"))
        #expect(t.verdict == .allow && t.delivered == IPPort(ip: addr("10.224.0.50"), port: 10254))
        #expect(!t.hops.contains { $0.stage == .ingress })
        let direct = p.trace(FlowQuery(proto: .tcp, src: addr("10.224.0.20"), dst: addr("10.224.0.50"), dport: 80,
                                       httpHost: "shop.contoso.com"))
        #expect(direct.hops.contains { $0.stage == .ingress && $0.rule == "ingress:shop/shop.contoso.com/" })
    }

    // MARK: replay

    struct Frame {
        var bytes: [UInt8]
        var at: Double
    }

    func tcp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, _ flags: TCPFlags, _ payload: [UInt8] = [],
             at: Double) -> Frame {
        Frame(bytes: PacketBuilder.ethernet(PacketBuilder.tcp(src: addr(src), dst: addr(dst), sport: sport, dport: dport,
                                                              flags: flags, payload: payload)), at: at)
    }

    func run(_ p: Pipeline, _ frames: [Frame]) -> [PacketOutcome] {
        var decoder = PacketDecoder()
        var packet = DecodedPacket()
        return frames.map { f in
            f.bytes.withUnsafeBytes { raw in
                decoder.decode(raw, linkType: .ethernet, wireLength: UInt32(raw.count), into: &packet)
                return p.process(&packet, bytes: raw, timestampNanos: Int64(f.at * 1e9))
            }
        }
    }

    func count(_ p: Pipeline, _ rule: String) -> UInt64 {
        guard let i = p.ruleNames.names.firstIndex(of: rule) else { return 0 }
        return p.counters.rule(RuleID(raw: UInt32(i)))
    }

    /// The embedded default cluster: client → firewall DNAT 20.62.10.4:443 → internal LB → nginx
    /// pod; the ClientHello is the request the ingress stage routes, once.
    @Test func replayCountsTheRuleOfTheFirstRequest() {
        let p = Pipeline(cluster: ClusterLoader.loadDefault(),
                         options: { var o = PipelineOptions(); o.node = Fixture.nodeNames[0]; return o }())
        let fw = "20.62.10.4"
        let o = run(p, [
            tcp(Self.client, 51001, fw, 443, .syn, at: 1.0),
            tcp(fw, 443, Self.client, 51001, [.syn, .ack], at: 1.03),
            tcp(Self.client, 51001, fw, 443, .ack, at: 1.06),
            tcp(Self.client, 51001, fw, 443, [.psh, .ack], PacketBuilder.tlsClientHello(sni: "shop.contoso.com"), at: 1.061),
            tcp(fw, 443, Self.client, 51001, [.psh, .ack], [0x16, 0x03, 0x03, 0x00, 0x01, 0x02], at: 1.09),
            tcp(Self.client, 51001, fw, 443, [.psh, .ack], PacketBuilder.tlsClientHello(sni: "other.example"), at: 1.1),
        ])
        #expect(o.map(\.verdict) == Array(repeating: .allow, count: 6))
        #expect(o[0].newFlow && o[0].stage != .ingress)
        #expect(o[3].stage == .ingress && p.ruleNames.name(o[3].rule) == "ingress:shop/shop.contoso.com/")
        #expect(!o[3].reply && !o[3].newFlow)
        // Only the first request is routed; the reply and later payload are the established flow.
        #expect(o[4].stage == .conntrack && o[4].reply && o[5].stage == .conntrack)
        #expect(count(p, "ingress:shop/shop.contoso.com/") == 1)
        #expect(p.counters.stage(.ingress, .allow) == 1)
    }

    /// HTTP on the fixture cluster: Host + request-line path pick the rule; an unknown host is
    /// `ingress:no-match` with verdict allow (the controller answers 404).
    @Test func replayRoutesHTTPByHostAndPath() {
        let p = Pipeline(cluster: Self.cluster(), options: { var o = PipelineOptions(); o.node = Fixture.nodeNames[0]; return o }())
        func request(_ sport: UInt16, host: String, path: String) -> [Frame] {
            [tcp(Self.client, sport, Self.nginxLB, 80, .syn, at: 1.0),
             tcp(Self.client, sport, Self.nginxLB, 80, .ack, at: 1.01),
             tcp(Self.client, sport, Self.nginxLB, 80, [.psh, .ack], PacketBuilder.httpRequest(host: host, path: path), at: 1.02)]
        }
        let api = run(p, request(52000, host: "shop.contoso.com", path: "/api?page=2"))
        #expect(api[2].stage == .ingress && p.ruleNames.name(api[2].rule) == "ingress:shop/shop.contoso.com/api")
        let miss = run(p, request(52001, host: "www.contoso.com", path: "/"))
        #expect(miss[2].verdict == .allow && miss[2].stage == .ingress && p.ruleNames.name(miss[2].rule) == "ingress:no-match")
        #expect(count(p, "ingress:no-match") == 1)
        // A flow to a pod that is not a controller is not routed.
        let other = run(p, [tcp(Self.client, 52002, "20.62.20.30", 80, .syn, at: 2.0),
                            tcp(Self.client, 52002, "20.62.20.30", 80, [.psh, .ack],
                                PacketBuilder.httpRequest(host: "shop.contoso.com", path: "/api"), at: 2.01)])
        #expect(!other.contains { $0.stage == .ingress })
        // Nor a connection to the controller pod on a port its Service does not send to.
        let metrics = run(p, [tcp("10.224.0.20", 52003, "10.224.0.50", 10254, .syn, at: 3.0),
                              tcp("10.224.0.20", 52003, "10.224.0.50", 10254, [.psh, .ack],
                                  PacketBuilder.httpRequest(host: "10.224.0.50", path: "/metrics"), at: 3.01)])
        #expect(metrics.map(\.verdict) == [.allow, .allow] && !metrics.contains { $0.stage == .ingress })
    }

    /// A flow whose first captured packet already carries the request is routed on that packet.
    @Test func replayRoutesARequestSeenOnTheFirstPacket() {
        let p = Pipeline(cluster: Self.cluster(), options: { var o = PipelineOptions(); o.node = Fixture.nodeNames[0]; return o }())
        let o = run(p, [tcp(Self.client, 53000, Self.nginxLB, 80, [.psh, .ack],
                            PacketBuilder.httpRequest(host: "shop.contoso.com", path: "/"), at: 1.0)])
        #expect(o[0].newFlow && o[0].stage == .ingress && o[0].verdict == .allow)
        #expect(p.ruleNames.name(o[0].rule) == "ingress:shop/shop.contoso.com/")
        #expect(o[0].rules.all.count > 1, "the walk's rules are counted too")
    }
}
