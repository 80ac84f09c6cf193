import NetworkAddress

/// Addresses against their subnets, pod CIDRs and service CIDRs; addresses used twice.
extension Validator {
    /// A subnet by "vnet/subnet" or by its bare name.
    func subnet(_ ref: String) -> (vnet: VirtualNetwork, subnet: Subnet)? {
        let parts = ref.split(separator: "/", maxSplits: 1).map(String.init)
        for v in c.virtualNetworks where parts.count == 1 || v.name == parts[0] {
            if let s = v.subnets.first(where: { $0.name == parts.last }) { return (v, s) }
        }
        return nil
    }

    private func describe(_ s: Subnet, in v: VirtualNetwork) -> String {
        "subnet \(v.name)/\(s.name) (\(s.prefixes.map(\.description).joined(separator: ", ")))"
    }

    mutating func addresses() {
        for v in c.virtualNetworks {
            for s in v.subnets {
                for p in s.prefixes where !v.addressSpaces.contains(where: { $0.contains(p) }) {
                    error("VNet \(v.name)", field: "subnets.\(s.name).prefixes", path: "subnets.\(s.name).prefix", at: s.source ?? v.source,
                          "subnet prefix \(p) is outside the address space \(v.addressSpaces.map(\.description).joined(separator: ", "))")
                }
            }
        }
        for n in c.nodes {
            guard !n.subnet.isEmpty, let (v, s) = subnet(n.subnet) else { continue }
            for ip in n.internalIPs where !s.prefixes.contains(where: { $0.contains(ip) }) {
                error("Node \(n.name)", field: "ips", at: n.source, "address \(ip) is outside its \(describe(s, in: v))")
            }
            let clusterPods = c.settings.podCIDRs
            for p in n.podCIDRs where !clusterPods.isEmpty && !clusterPods.contains(where: { $0.contains(p) }) {
                error("Node \(n.name)", field: "podCIDRs", at: n.source,
                      "pod CIDR \(p) is outside the cluster pod CIDRs \(clusterPods.map(\.description).joined(separator: ", "))")
            }
        }
        for nic in c.networkInterfaces where nic.nodeName.isEmpty {
            guard let (v, s) = subnet(nic.subnet) else { continue }
            for ip in nic.ipAddresses where !s.prefixes.contains(where: { $0.contains(ip) }) {
                error("NIC \(nic.name)", field: "ips", at: nic.source, "address \(ip) is outside its \(describe(s, in: v))")
            }
        }
        podAddresses()
        for svc in c.services where !c.settings.serviceCIDRs.isEmpty && c.settingsSource != nil {
            for ip in svc.clusterIPs where !c.settings.serviceCIDRs.contains(where: { $0.contains(ip) }) {
                error("Service \(svc.qualifiedName)", field: "clusterIPs", at: svc.source,
                      "cluster IP \(ip) is outside the service CIDRs \(c.settings.serviceCIDRs.map(\.description).joined(separator: ", "))")
            }
        }
        for lb in c.loadBalancers {
            for (i, f) in lb.frontends.enumerated() {
                guard let name = f.publicIPName, let pip = c.publicIPs.first(where: { $0.name == name }) else { continue }
                if pip.address != f.address {
                    error("LoadBalancer \(lb.name)", field: "frontends[\(i)].ip", at: lb.source,
                          "frontend address \(f.address) differs from public IP \(name) (\(pip.address))")
                }
            }
        }
    }

    private mutating func podAddresses() {
        let s = c.settings
        guard c.settingsSource != nil else { return }
        var nodes: [String: Node] = [:]
        for n in c.nodes { nodes[n.name] = n }
        let vnetSubnets = c.virtualNetworks.flatMap { v in v.subnets.flatMap(\.prefixes) }
        for p in c.pods where !p.ips.isEmpty {
            let node = nodes[p.nodeName]
            let id = "Pod \(p.qualifiedName)"
            if p.hostNetwork {
                if let node, !node.internalIPs.isEmpty, let ip = p.ips.first(where: { !node.internalIPs.contains($0) }) {
                    error(id, field: "ips", at: p.source, "hostNetwork pod address \(ip) is not an address of node \(node.name)")
                }
                continue
            }
            for ip in p.ips {
                if s.podsUseOverlayAddresses {
                    if let node, let nodeCIDR = node.podCIDRs.first(where: { $0.isIPv4 == ip.isIPv4 }), !nodeCIDR.contains(ip) {
                        error(id, field: "ips", at: p.source, "address \(ip) is outside the pod CIDR \(nodeCIDR) of node \(node.name)")
                    } else if !s.podCIDRs.isEmpty, !s.podCIDRs.contains(where: { $0.contains(ip) }) {
                        error(id, field: "ips", at: p.source,
                              "address \(ip) is outside the cluster pod CIDRs \(s.podCIDRs.map(\.description).joined(separator: ", "))")
                    }
                } else if !vnetSubnets.isEmpty, !vnetSubnets.contains(where: { $0.contains(ip) }) {
                    // Flat Azure CNI: pods take addresses from a VNet subnet (node or pod subnet).
                    error(id, field: "ips", at: p.source, "address \(ip) is outside every VNet subnet (Azure CNI pods take subnet addresses)")
                }
            }
        }
    }

    mutating func duplicateAddresses() {
        var owners: [IPAddress: String] = [:]
        func claim(_ ip: IPAddress, _ owner: String, _ loc: SourceLocation?, field: String) {
            if let first = owners[ip] {
                error(owner, field: field, at: loc, "address \(ip) is also used by \(first)")
            } else {
                owners[ip] = loc.map { "\(owner) (\($0))" } ?? owner
            }
        }
        for n in c.nodes { for ip in n.internalIPs { claim(ip, "Node \(n.name)", n.source, field: "ips") } }
        for nic in c.networkInterfaces where nic.nodeName.isEmpty {
            for ip in nic.ipAddresses { claim(ip, "NIC \(nic.name)", nic.source, field: "ips") }
        }
        for fw in c.firewalls where fw.privateIP != .zero4 { claim(fw.privateIP, "Firewall \(fw.name)", fw.source, field: "privateIP") }
        // Finished pods keep their status IP in exports but have released it.
        for p in c.pods where !p.hostNetwork && p.phase != .Succeeded && p.phase != .Failed {
            for ip in p.ips { claim(ip, "Pod \(p.qualifiedName)", p.source, field: "ips") }
        }
        var vips: [IPAddress: String] = [:]
        for s in c.services {
            for ip in s.clusterIPs {
                if let first = vips[ip] {
                    error("Service \(s.qualifiedName)", field: "clusterIPs", at: s.source, "cluster IP \(ip) is also used by \(first)")
                } else {
                    vips[ip] = "Service \(s.qualifiedName)" + (s.source.map { " (\($0))" } ?? "")
                }
            }
        }
        var pips: [IPAddress: String] = [:]
        for p in c.publicIPs {
            if let first = pips[p.address] {
                error("PublicIP \(p.name)", field: "ip", at: p.source, "address \(p.address) is also used by \(first)")
            } else {
                pips[p.address] = "PublicIP \(p.name)" + (p.source.map { " (\($0))" } ?? "")
            }
        }
    }
}
