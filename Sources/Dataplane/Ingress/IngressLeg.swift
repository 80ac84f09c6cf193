import NetworkAddress
import PacketWire

// The ingress stage of a trace (issue 5 item 7): a request delivered to an ingress controller pod
// is routed by `IngressRouter` — host from the HTTP Host header, else the TLS SNI; path from the
// HTTP request line (`--http-path` in traces), `/` for TLS — and the controller's own connection
// to the chosen backend Service is walked like any pod traffic (kube-proxy, NetworkPolicy, Azure).
// ingress-nginx proxies to the Service's ClusterIP:port as this walk does when the Ingress sets
// `nginx.ingress.kubernetes.io/service-upstream`; without it NGINX picks an endpoint itself,
// which reaches the same pods and meets the same NetworkPolicy.
//
// A request no rule takes (404), or whose Service/port does not exist or has no ready endpoint
// (503: ingress-nginx balances over the endpoints itself, an empty upstream), is answered by the
// controller itself: the client's connection was delivered to the controller pod, so the verdict
// stays `allow` with `delivered` = the controller pod, and the hop is a `pass` naming
// `ingress:no-match` (404) or the matched rule (503).

extension CompiledCluster {
    /// After `first` delivered a TCP request to an ingress controller pod: the ingress hop and,
    /// when a backend takes the request, the second leg. The result's verdict, `delivered` and
    /// `source` are the second connection's (the request's end-to-end fate). Traces only.
    func ingressLeg(_ first: FlowDecision, _ input: FlowInput, affinity: AffinityTable, now: Int64,
                    rec: inout HopRecorder) -> FlowDecision {
        guard first.delivered.proto == .tcp else { return first }
        let controller = ingressRouter.controllerIndex(podIP: first.delivered.dst, port: first.delivered.dstPort)
        guard controller >= 0 else { return first }
        // TLS only when there is no readable HTTP request: then the path is encrypted.
        let tls = input.httpHost.count == 0 && input.sni.count > 0
        let host = tls ? input.sni : input.httpHost
        let path = tls ? UnsafeRawBufferPointer(start: nil, count: 0) : input.httpPath
        let decision = ingressRouter.route(controller: controller, host: host, path: path, tls: tls)
        let detail = ingressRouter.explain(decision, controller: controller, host: String(decoding: host, as: UTF8.self),
                                           path: String(decoding: path, as: UTF8.self), tls: tls)
        var d = first
        let backend = decision.backend >= 0 && Int(decision.backend) < ingressRouter.backends.count
            ? ingressRouter.backends[Int(decision.backend)] : nil
        guard decision.forwarded, let backend, let vip = backend.clusterIP else {
            // 404 / 503 (or a headless backend, which has no ClusterIP to walk to): the controller answers.
            d.pass(.ingress, decision.rule)
            let headless = decision.forwarded ? "; the Service has no ClusterIP (headless): the second connection is not followed" : ""
            rec.add(Hop(stage: .ingress, result: .pass, rule: names.name(decision.rule), detail: detail + headless))
            return d
        }
        rec.add(Hop(stage: .ingress, result: .forward, rule: names.name(decision.rule),
                    detail: "\(detail); new connection from the controller pod \(first.delivered.dst)"))
        let second = FlowKey(src: first.delivered.dst, dst: vip, srcPort: first.delivered.srcPort, dstPort: backend.port, proto: .tcp)
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        var next = walkLeg(FlowInput(flow: second, tcpFlags: .syn, nodeHint: -1, sni: empty, httpHost: empty),
                           affinity: affinity, now: now, rec: &rec)
        var trail = first.trail
        trail.append(decision.rule)
        next.trail.forEach { trail.append($0) }
        next.trail = trail
        next.node = first.node
        return next
    }
}
