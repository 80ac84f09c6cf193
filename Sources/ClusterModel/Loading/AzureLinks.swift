import NetworkAddress

/// References between Azure exports that are only names until every file is read: public IP
/// IDs on LB frontends, firewalls and NAT gateways; LB backend NIC IP configurations; rule
/// collection groups exported apart from their policy; the AKS outbound IPs.
struct AzureLinks {
    struct FrontendIP { var lb: String; var frontend: String; var publicIP: String; var at: Cursor }
    struct PoolNIC { var lb: String; var pool: String; var nic: String }
    struct FirewallIP { var firewall: String; var publicIP: String; var at: Cursor }
    struct NATIP { var gateway: String; var publicIP: String; var at: Cursor }
    struct Group { var policy: String; var group: RuleCollectionGroup; var at: Cursor }
    struct SubnetLink { var vnet: String; var subnet: Subnet; var at: Cursor }
    struct EndpointNICs { var nics: [String]; var at: Cursor }

    var frontendIPs: [FrontendIP] = []
    var poolNICs: [PoolNIC] = []
    var firewallIPs: [FirewallIP] = []
    var natIPs: [NATIP] = []
    var groups: [Group] = []
    var subnets: [SubnetLink] = []
    var outboundIPs: [(name: String, at: Cursor)] = []
    /// NSG associations as the NSG export lists them (`subnets[].id`, `networkInterfaces[].id`).
    var nsgSubnets: [(nsg: String, subnet: String)] = []
    var nsgNICs: [(nsg: String, nic: String)] = []
    /// `az aks show` `networkProfile.natGatewayProfile.effectiveOutboundIPs` (outboundType managedNATGateway).
    var managedNATIPs: [(name: String, at: Cursor)] = []
    /// The API server private endpoint's NICs, when the endpoint export itself carries no address.
    var endpointNICs: [EndpointNICs] = []

    /// Subnets exported on their own join their VNet (before nodes are placed in subnets).
    static func resolveSubnets(_ b: inout ClusterBuilder) {
        for s in b.azureLinks.subnets {
            if let v = b.cluster.virtualNetworks.firstIndex(where: { $0.name.lowercased() == s.vnet.lowercased() }) {
                // The VNet export may list the same subnet; one copy is enough.
                if !b.cluster.virtualNetworks[v].subnets.contains(where: { $0.name == s.subnet.name }) {
                    b.cluster.virtualNetworks[v].subnets.append(s.subnet)
                }
            } else {
                let hint = "export it with `az network vnet show -o json`"
                if b.cluster.virtualNetworks.isEmpty {
                    b.sink.warning("virtual network \(s.vnet) not found (none loaded; \(hint))", at: s.at)
                } else {
                    b.sink.error("virtual network \(s.vnet) not found (\(hint))", at: s.at)
                }
            }
        }
    }

    /// Applies the links; unresolvable ones are errors naming the reference.
    static func resolve(_ b: inout ClusterBuilder) {
        let l = b.azureLinks
        var pips: [String: IPAddress] = [:]
        for p in b.cluster.publicIPs { pips[p.name.lowercased()] = p.address }   // Azure names ignore case
        let sink = b.sink
        // Links to a kind that was not exported at all are warnings: the export is partial, not wrong.
        func unresolved(_ what: String, _ name: String, hint: String, loadedAny: Bool, at c: Cursor) {
            if loadedAny { sink.error("\(what) \(name) not found (\(hint))", at: c) } else {
                sink.warning("\(what) \(name) not found (none loaded; \(hint))", at: c)
            }
        }
        let pipHint = "export it with `az network public-ip list -o json`"
        for f in l.frontendIPs {
            guard let lb = b.cluster.loadBalancers.firstIndex(where: { $0.name == f.lb }),
                  let fe = b.cluster.loadBalancers[lb].frontends.firstIndex(where: { $0.name == f.frontend }) else { continue }
            if let ip = pips[f.publicIP.lowercased()] {
                b.cluster.loadBalancers[lb].frontends[fe].address = ip
            } else {
                unresolved("public IP", f.publicIP, hint: pipHint, loadedAny: !pips.isEmpty, at: f.at)
            }
        }
        var nodeByNIC: [String: String] = [:]
        for n in b.cluster.networkInterfaces where !n.nodeName.isEmpty { nodeByNIC[n.name.lowercased()] = n.nodeName }
        var nicIPs: [String: [IPAddress]] = [:]
        for n in b.cluster.networkInterfaces { nicIPs[n.name.lowercased()] = n.ipAddresses }
        for p in l.poolNICs {
            guard let lb = b.cluster.loadBalancers.firstIndex(where: { $0.name == p.lb }),
                  let pool = b.cluster.loadBalancers[lb].backendPools.firstIndex(where: { $0.name == p.pool }) else { continue }
            if let node = nodeByNIC[p.nic.lowercased()] {
                b.cluster.loadBalancers[lb].backendPools[pool].nodeNames.append(node)
            } else if let ips = nicIPs[p.nic.lowercased()] {
                b.cluster.loadBalancers[lb].backendPools[pool].addresses += ips
            }
        }
        for f in l.firewallIPs {
            guard let fw = b.cluster.firewalls.firstIndex(where: { $0.name == f.firewall }) else { continue }
            if let ip = pips[f.publicIP.lowercased()] { b.cluster.firewalls[fw].publicIPs.append(ip) } else {
                unresolved("public IP", f.publicIP, hint: pipHint, loadedAny: !pips.isEmpty, at: f.at)
            }
        }
        for n in l.natIPs {
            guard let g = b.cluster.natGateways.firstIndex(where: { $0.name == n.gateway }) else { continue }
            if let ip = pips[n.publicIP.lowercased()] { b.cluster.natGateways[g].publicIPs.append(ip) } else {
                unresolved("public IP", n.publicIP, hint: pipHint, loadedAny: !pips.isEmpty, at: n.at)
            }
        }
        for g in l.groups {
            if let p = b.cluster.firewallPolicies.firstIndex(where: { $0.name.lowercased() == g.policy.lowercased() }) {
                b.cluster.firewallPolicies[p].ruleCollectionGroups.append(g.group)
            } else {
                unresolved("firewall policy", g.policy, hint: "export it with `az network firewall policy show -o json`",
                           loadedAny: !b.cluster.firewallPolicies.isEmpty, at: g.at)
            }
        }
        for e in l.endpointNICs {
            let loaded = b.cluster.networkInterfaces
            let ip = e.nics.lazy.compactMap { n in loaded.first { $0.name.lowercased() == n.lowercased() }?.ipAddresses.first }.first
            if let ip { b.cluster.settings.apiServer.privateIP = ip } else {
                let names = e.nics.isEmpty ? "" : " (export its NIC \(e.nics.joined(separator: ", ")) with `az network nic show -o json`)"
                sink.warning("expected customDnsConfigs[].ipAddresses or ipConfigurations[].privateIPAddress (the endpoint's address)\(names)", at: e.at)
            }
        }
        for o in l.outboundIPs {
            if let ip = pips[o.name.lowercased()] { b.cluster.settings.loadBalancerOutboundIPs.append(ip) } else {
                sink.warning("outbound public IP \(o.name) not found; egress source address unknown", at: o.at)
            }
        }
        managedNATGateway(&b, pips: pips)
        nsgAssociations(&b)
    }

    /// A subnet or NIC exported without its `networkSecurityGroup` takes the NSG whose export lists
    /// it (Azure allows one NSG per subnet and per NIC, so the two sides cannot disagree).
    private static func nsgAssociations(_ b: inout ClusterBuilder) {
        for link in b.azureLinks.nsgSubnets {
            let parts = link.subnet.split(separator: "/", maxSplits: 1).map { $0.lowercased() }
            guard parts.count == 2,
                  let v = b.cluster.virtualNetworks.firstIndex(where: { $0.name.lowercased() == parts[0] }),
                  let s = b.cluster.virtualNetworks[v].subnets.firstIndex(where: { $0.name.lowercased() == parts[1] }),
                  b.cluster.virtualNetworks[v].subnets[s].networkSecurityGroup == nil else { continue }
            b.cluster.virtualNetworks[v].subnets[s].networkSecurityGroup = link.nsg
        }
        for link in b.azureLinks.nsgNICs {
            guard let n = b.cluster.networkInterfaces.firstIndex(where: { $0.name.lowercased() == link.nic.lowercased() }),
                  b.cluster.networkInterfaces[n].networkSecurityGroup == nil else { continue }
            b.cluster.networkInterfaces[n].networkSecurityGroup = link.nsg
        }
    }

    /// With outboundType managedNATGateway AKS creates the NAT gateway itself (in the node resource
    /// group) and `az aks show` names its public IPs in `natGatewayProfile.effectiveOutboundIPs`
    /// (learn.microsoft.com/azure/aks/nat-gateway). When the NAT gateway's own export is absent (or
    /// carries other addresses), the profile's IPs stand for it, first in the list: the cluster's
    /// node egress takes them.
    private static func managedNATGateway(_ b: inout ClusterBuilder, pips: [String: IPAddress]) {
        let l = b.azureLinks
        guard let first = l.managedNATIPs.first else { return }
        var ips: [IPAddress] = []
        for o in l.managedNATIPs {
            if let ip = pips[o.name.lowercased()] { ips.append(ip) } else {
                b.sink.warning("NAT gateway outbound public IP \(o.name) not found (export it with `az network public-ip list -o json`); egress source address unknown", at: o.at)
            }
        }
        guard !ips.isEmpty, !b.cluster.natGateways.contains(where: { !Set($0.publicIPs).isDisjoint(with: ips) }) else { return }
        // The managed VNet's subnet names that gateway (`natGateway.id`) when the VNet was exported:
        // the stand-in takes that name, so the reference resolves and the subnet egresses through it.
        let loaded = Set(b.cluster.natGateways.map { $0.name.lowercased() })
        let referenced = b.cluster.virtualNetworks.lazy.flatMap(\.subnets).compactMap(\.natGateway).first { !loaded.contains($0.lowercased()) }
        var g = NATGateway()
        g.name = referenced ?? "natGatewayProfile"
        g.publicIPs = ips
        g.source = first.at.location
        b.cluster.natGateways.insert(g, at: 0)
    }
}
