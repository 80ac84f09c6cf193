import NetworkAddress

/// Derives EndpointSlices for selector Services given without any, the way the
/// endpoint-slice controller would (pkg/controller/endpointslice): pods of the Service's
/// namespace matching the selector, with an IP, not finished; ready = pod Ready and not
/// terminating; serving = pod Ready; named targetPorts resolved per pod against its
/// container ports (a pod lacking the name gets no endpoint for that port); pods with the
/// same resolved ports share a slice.
enum EndpointDerivation {
    static func derive(_ c: inout Cluster) {
        var sliced = Set<String>()
        for s in c.endpointSlices { sliced.insert("\(s.namespace)/\(s.serviceName)") }
        let index = PodIndex(c.pods)
        var nodeZone: [String: String] = [:]
        for n in c.nodes { nodeZone[n.name] = n.zone }

        for svc in c.services {
            guard let selector = svc.selector, !selector.isEmpty, svc.type != .ExternalName,
                  !sliced.contains(svc.qualifiedName) else { continue }
            let sel = LabelSelector(matchLabels: selector)
            // One set of slices per address family of the Service (getAddressTypesForService:
            // a dual-stack Service gets IPv4 and IPv6 slices, each endpoint the pod IP of that
            // family). Families come from the cluster IPs; a headless Service takes each pod's
            // first IP family.
            var families: [Bool?] = []   // isIPv4; nil = the pod's first family
            for ip in svc.clusterIPs where !families.contains(ip.isIPv4) { families.append(ip.isIPv4) }
            if families.isEmpty { families = [nil] }
            // Group endpoints by family and resolved port list (one slice per distinct pair).
            struct GroupKey: Hashable { var v4: Bool; var ports: [EndpointPort] }
            var groups: [GroupKey: [Endpoint]] = [:]
            var order: [GroupKey] = []
            var matched = 0, ready = 0
            for i in index.candidates(namespace: svc.namespace, sel) {
                let pod = c.pods[i]
                guard !pod.ips.isEmpty, pod.phase != .Succeeded, pod.phase != .Failed, sel.matches(pod.labels) else { continue }
                matched += 1
                var ports: [EndpointPort] = []
                for sp in svc.ports {
                    switch sp.targetPort {
                    case .number(let n): ports.append(EndpointPort(name: sp.name, port: n, proto: sp.proto))
                    case .name(let name):
                        if let cp = pod.containerPorts.first(where: { $0.name == name && $0.proto == sp.proto }) {
                            ports.append(EndpointPort(name: sp.name, port: cp.port, proto: sp.proto))
                        }
                    }
                }
                var ep = Endpoint()
                // podToEndpoint (pkg/controller/util/endpointslice): publishNotReadyAddresses makes
                // every endpoint ready and serving, terminating or not.
                ep.ready = svc.publishNotReadyAddresses || (pod.ready && !pod.terminating)
                ep.serving = svc.publishNotReadyAddresses || pod.ready
                ep.terminating = pod.terminating
                ep.nodeName = pod.nodeName.isEmpty ? nil : pod.nodeName
                if let z = nodeZone[pod.nodeName], !z.isEmpty {
                    ep.zone = z
                    // trafficDistribution PreferClose (endpointslice controller's trafficdist
                    // heuristic): each endpoint with a zone is hinted for its own zone.
                    if svc.trafficDistribution != nil { ep.zoneHints = [z] }
                }
                ep.podRef = pod.qualifiedName
                if ep.ready == true { ready += 1 }
                for family in families {
                    let v4 = family ?? (pod.ips.first?.isIPv4 ?? true)
                    guard let ip = pod.ips.first(where: { $0.isIPv4 == v4 }) else { continue }
                    ep.addresses = [ip]
                    let key = GroupKey(v4: v4, ports: ports)
                    if groups[key] == nil { order.append(key) }
                    groups[key, default: []].append(ep)
                }
            }
            for (n, key) in order.enumerated() {
                var s = EndpointSlice()
                s.name = "\(svc.name)-derived\(order.count > 1 ? "-\(n)" : "")"
                s.namespace = svc.namespace
                s.serviceName = svc.name
                s.addressType = key.v4 ? "IPv4" : "IPv6"
                s.ports = key.ports
                s.endpoints = groups[key] ?? []
                s.derived = true
                s.source = svc.source
                c.endpointSlices.append(s)
            }
            c.notes.append(Diagnostic(.note, "no EndpointSlice given; derived from \(matched) matching pod(s), \(ready) ready",
                                      object: "Service \(svc.qualifiedName)", location: svc.source))
        }
    }
}
