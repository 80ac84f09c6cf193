import NetworkAddress

/// Service and EndpointSlice bodies, shared by the native format and kubectl exports.
extension KubernetesSpecs {
    static let serviceSpecKeys = [
        "type", "clusterIP", "clusterIPs", "selector", "ports", "externalIPs", "loadBalancerIP",
        "loadBalancerSourceRanges", "externalTrafficPolicy", "internalTrafficPolicy", "sessionAffinity",
        "sessionAffinityConfig", "healthCheckNodePort", "allocateLoadBalancerNodePorts", "externalName",
        "ipFamilies", "ipFamilyPolicy", "publishNotReadyAddresses", "loadBalancerClass", "trafficDistribution",
    ]

    /// v1 ServiceSpec fields kube-proxy reads.
    static func serviceSpec(_ c: Cursor, into svc: inout Service, _ sink: DiagnosticSink) {
        if let t = c["type"], let v = t.enumValue(ServiceType.self, sink) { svc.type = v }
        // clusterIPs wins over clusterIP (the API server keeps them consistent; clusterIPs is the full list).
        let ipsC = c["clusterIPs"] ?? c["clusterIP"]
        if let ipsC {
            let texts = ipsC.strings(sink)
            if texts.first?.lowercased() == "none" {
                svc.headless = true
            } else if texts.first != "" {
                svc.clusterIPs = ipsC.ips(sink)
            }
        }
        // An empty selector is no selector: the API server stores `selector: {}` as absent (an empty
        // map does not survive its protobuf storage) and the endpoint-slice controller skips
        // Services whose selector is nil — such a Service gets no endpoints, not every pod.
        if let s = c["selector"] { let m = s.stringMap(sink); if !m.isEmpty { svc.selector = m } }
        for p in c["ports"]?.list(sink) ?? [] {
            guard p.expectMapping(["name", "protocol", "port", "targetPort", "nodePort", "appProtocol"], sink) else { continue }
            var port = ServicePort()
            port.name = p["name"]?.text(sink) ?? ""
            if let pr = p["protocol"], let v = pr.k8sProtocol(sink) { port.proto = v }
            if let pc = p["port"] { port.port = pc.int(sink, range: 1...65535) ?? 0 } else {
                sink.error("expected port (1–65535)", at: p)
            }
            // The API server defaults targetPort to port.
            port.targetPort = p["targetPort"].flatMap { $0.portRef(sink) } ?? .number(port.port)
            if let n = p["nodePort"] { port.nodePort = n.int(sink, range: 1...65535) }
            port.appProtocol = p["appProtocol"]?.text(sink)
            svc.ports.append(port)
        }
        if let e = c["externalIPs"] { svc.externalIPs = e.ips(sink) }
        if let r = c["loadBalancerSourceRanges"] { svc.loadBalancerSourceRanges = r.prefixes(sink) }
        if let e = c["externalTrafficPolicy"] { svc.externalTrafficPolicy = trafficPolicy(e, sink) ?? .Cluster }
        if let e = c["internalTrafficPolicy"] { svc.internalTrafficPolicy = trafficPolicy(e, sink) ?? .Cluster }
        if let a = c["sessionAffinity"] {
            switch a.scalar {
            case "ClientIP": svc.sessionAffinityClientIP = true
            case "None": svc.sessionAffinityClientIP = false
            default: sink.error("unknown value \"\(a.scalar ?? a.kindName)\"; expected one of None, ClientIP", at: a)
            }
        }
        if let t = c["sessionAffinityConfig"]?["clientIP"]?["timeoutSeconds"] {
            svc.sessionAffinityTimeoutSeconds = t.int(sink, range: 1...86400) ?? 10800
        }
        if let h = c["healthCheckNodePort"] { svc.healthCheckNodePort = h.int(sink, range: 1...65535) }
        if let a = c["allocateLoadBalancerNodePorts"] { svc.allocateLoadBalancerNodePorts = a.bool(sink) ?? true }
        if let n = c["externalName"] { svc.externalName = n.text(sink) }
        if let p = c["publishNotReadyAddresses"] { svc.publishNotReadyAddresses = p.bool(sink) ?? false }
        if let t = c["trafficDistribution"]?.text(sink), !t.isEmpty { svc.trafficDistribution = t }
    }

    /// `status.loadBalancer.ingress[].ipMode`: `VIP` (also when absent) or `Proxy`.
    static func loadBalancerIPMode(_ c: Cursor?, _ sink: DiagnosticSink) -> String? {
        guard let c, let v = c.text(sink), !v.isEmpty else { return nil }
        guard v == "VIP" || v == "Proxy" else {
            sink.error("unknown value \"\(v)\"; expected one of VIP, Proxy", at: c)
            return nil
        }
        return v
    }

    /// Older clusters and some docs write `Cluster`/`Local`; very old ones `Global`.
    private static func trafficPolicy(_ c: Cursor, _ sink: DiagnosticSink) -> TrafficPolicy? {
        if c.scalar == "Global" { return .Cluster }
        return c.enumValue(TrafficPolicy.self, sink)
    }

    static let endpointKeys = [
        "addresses", "conditions", "nodeName", "zone", "targetRef", "hostname", "hints", "deprecatedTopology",
        "ready", "serving", "terminating", "pod",
    ]

    /// discovery.k8s.io/v1 endpoints and ports. The native format may put the conditions
    /// directly on the endpoint and name the pod as `pod: ns/name`.
    static func endpointSliceBody(_ c: Cursor, into slice: inout EndpointSlice, _ sink: DiagnosticSink) {
        if let t = c["addressType"], let v = t.text(sink) {
            if ["IPv4", "IPv6", "FQDN"].contains(v) { slice.addressType = v } else {
                sink.error("unknown value \"\(v)\"; expected one of IPv4, IPv6, FQDN", at: t)
            }
        }
        for e in c["endpoints"]?.list(sink) ?? [] {
            guard e.expectMapping(endpointKeys, sink) else { continue }
            var ep = Endpoint()
            if slice.addressType != "FQDN" { ep.addresses = e["addresses"]?.ips(sink) ?? [] }
            let cond = e["conditions"] ?? e
            ep.ready = cond["ready"]?.bool(sink)
            ep.serving = cond["serving"]?.bool(sink)
            ep.terminating = cond["terminating"]?.bool(sink)
            ep.nodeName = e["nodeName"]?.text(sink)
            ep.zone = e["zone"]?.text(sink)
            for z in listed(e["hints"]?["forZones"], sink) {
                if let n = z["name"]?.text(sink), !n.isEmpty { ep.zoneHints.append(n) }
            }
            if let p = e["pod"]?.text(sink) {
                ep.podRef = p.contains("/") ? p : "\(slice.namespace)/\(p)"
            } else if let t = e["targetRef"], t["kind"]?.scalar == "Pod", let n = t["name"]?.scalar {
                ep.podRef = "\(t["namespace"]?.scalar ?? slice.namespace)/\(n)"
            }
            slice.endpoints.append(ep)
        }
        for p in c["ports"]?.list(sink) ?? [] {
            guard p.expectMapping(["name", "port", "protocol", "appProtocol"], sink) else { continue }
            var port = EndpointPort(port: 0)
            port.name = p["name"]?.text(sink) ?? ""
            if let n = p["port"] { port.port = n.int(sink, range: 1...65535) ?? 0 }
            if let pr = p["protocol"], let v = pr.k8sProtocol(sink) { port.proto = v }
            slice.ports.append(port)
        }
    }
}
