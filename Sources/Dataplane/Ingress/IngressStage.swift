import NetworkAddress
import PacketWire

extension CompiledCluster {
    /// After a request reached an ingress controller pod: choose the Ingress route by the Host
    /// header (or TLS SNI) and walk the controller's own connection to the backend Service
    /// (kube-proxy, NetworkPolicy, Azure like any pod traffic). The request path is not sniffed:
    /// routes are matched for `/`. The trace's verdict, `delivered` and `source` become those of
    /// the second connection (the request's end-to-end fate); a controller without a matching
    /// route answers itself (NGINX 404) and the first leg stands.
    func ingressLeg(_ first: FlowDecision, _ input: FlowInput, affinity: AffinityTable, now: Int64,
                    rec: inout HopRecorder) -> FlowDecision {
        let pod = topology.pod(first.delivered.dst)
        guard pod >= 0, Int(pod) < ingress.controllerOfPod.count else { return first }
        let controller = ingress.controllerOfPod[Int(pod)]
        guard controller >= 0 else { return first }
        var host = String(decoding: input.httpHost.count > 0 ? input.httpHost : input.sni, as: UTF8.self)
        if let colon = host.lastIndex(of: ":"), !host.contains("]") { host = String(host[..<colon]) }
        let via = input.httpHost.count > 0 ? "Host header" : "TLS SNI"
        let ctlName = ingress.controllerNames[Int(controller)]
        guard let route = ingress.match(controller: controller, host: host, path: "/") else {
            rec.add(Hop(stage: .ingress, result: .pass,
                        detail: "controller \(ctlName): no Ingress rule for \(via) \(host) and no default backend: the controller answers itself (404)"))
            return first
        }
        guard let vip = route.backendIP, route.backendPort > 0 else {
            var d = first
            d.decide(.drop, .ingress, route.rule)
            rec.add(Hop(stage: .ingress, result: .drop, rule: names.name(route.rule),
                        detail: "\(via) \(host) → backend \(route.backend), which has no ClusterIP/port: the controller answers 503"))
            return d
        }
        let tls = input.sni.count > 0 ? (route.tls ? ", TLS host listed in spec.tls" : ", TLS host not in spec.tls (default certificate)") : ""
        rec.add(Hop(stage: .ingress, result: .forward, rule: names.name(route.rule),
                    detail: "controller \(ctlName) (pod \(topology.podNames[Int(pod)])): \(via) \(host), path / → Service \(route.backend) at \(vip):\(route.backendPort)\(tls); new connection from \(first.delivered.dst)"))
        let second = FlowKey(src: first.delivered.dst, dst: vip, srcPort: first.delivered.srcPort, dstPort: route.backendPort, proto: .tcp)
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        var d = walkLeg(FlowInput(flow: second, tcpFlags: .syn, nodeHint: -1, sni: empty, httpHost: empty),
                        affinity: affinity, now: now, rec: &rec)
        var trail = first.trail
        trail.append(route.rule)
        d.trail.forEach { trail.append($0) }
        d.trail = trail
        d.node = first.node
        return d
    }
}
