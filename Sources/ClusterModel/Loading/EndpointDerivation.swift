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
            // Group endpoints by their resolved port list (one slice per distinct list).
            var groups: [[EndpointPort]: [Endpoint]] = [:]
            var order: [[EndpointPort]] = []
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
                ep.addresses = pod.ips.filter { $0.isIPv4 == (pod.ips.first?.isIPv4 ?? true) }.prefix(1).map { $0 }
                // podToEndpoint (pkg/controller/util/endpointslice): publishNotReadyAddresses makes
                // every endpoint ready and serving, terminating or not.
                ep.ready = svc.publishNotReadyAddresses || (pod.ready && !pod.terminating)
                ep.serving = svc.publishNotReadyAddresses || pod.ready
                ep.terminating = pod.terminating
                ep.nodeName = pod.nodeName.isEmpty ? nil : pod.nodeName
                if let z = nodeZone[pod.nodeName], !z.isEmpty { ep.zone = z }
                ep.podRef = pod.qualifiedName
                if ep.ready == true { ready += 1 }
                if groups[ports] == nil { order.append(ports) }
                groups[ports, default: []].append(ep)
            }
            for (n, ports) in order.enumerated() {
                var s = EndpointSlice()
                s.name = "\(svc.name)-derived\(order.count > 1 ? "-\(n)" : "")"
                s.namespace = svc.namespace
                s.serviceName = svc.name
                s.addressType = (groups[ports]?.first?.addresses.first?.isIPv4 ?? true) ? "IPv4" : "IPv6"
                s.ports = ports
                s.endpoints = groups[ports] ?? []
                s.derived = true
                s.source = svc.source
                c.endpointSlices.append(s)
            }
            c.notes.append(Diagnostic(.note, "no EndpointSlice given; derived from \(matched) matching pod(s), \(ready) ready",
                                      object: "Service \(svc.qualifiedName)", location: svc.source))
        }
    }
}
