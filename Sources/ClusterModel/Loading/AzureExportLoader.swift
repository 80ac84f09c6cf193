import NetworkAddress

/// `az … -o json` output and ARM resources. Both shapes are read through `prop`, which
/// looks under `properties` first (ARM) and then on the object itself (az CLI flattens).
/// Recognised by `type`, or by tell-tale keys when `type` is missing; never by file name.
enum AzureExportLoader {
    enum Kind: String {
        case managedCluster, virtualNetwork, networkSecurityGroup, routeTable, networkInterface, applicationSecurityGroup
        case loadBalancer, publicIP, natGateway, firewall, firewallPolicy, ruleCollectionGroup, ipGroup, serviceTags, subnet, privateEndpoint
    }

    static let types: [String: Kind] = [
        "microsoft.containerservice/managedclusters": .managedCluster,
        "microsoft.network/virtualnetworks": .virtualNetwork,
        "microsoft.network/virtualnetworks/subnets": .subnet,
        "microsoft.network/networksecuritygroups": .networkSecurityGroup,
        "microsoft.network/routetables": .routeTable,
        "microsoft.network/networkinterfaces": .networkInterface,
        "microsoft.compute/virtualmachinescalesets/virtualmachines/networkinterfaces": .networkInterface,
        "microsoft.network/applicationsecuritygroups": .applicationSecurityGroup,
        "microsoft.network/loadbalancers": .loadBalancer,
        "microsoft.network/publicipaddresses": .publicIP,
        "microsoft.network/natgateways": .natGateway,
        "microsoft.network/azurefirewalls": .firewall,
        "microsoft.network/firewallpolicies": .firewallPolicy,
        "microsoft.network/firewallpolicies/rulecollectiongroups": .ruleCollectionGroup,
        "microsoft.network/ipgroups": .ipGroup,
        "microsoft.network/privateendpoints": .privateEndpoint,
    ]

    /// The resource types read, for messages about the others.
    static let readTypes = "Microsoft.ContainerService/managedClusters, Microsoft.Network/virtualNetworks (and subnets), networkSecurityGroups, routeTables, networkInterfaces, applicationSecurityGroups, loadBalancers, publicIPAddresses, natGateways, azureFirewalls, firewallPolicies (and ruleCollectionGroups), ipGroups, privateEndpoints"

    /// Field of an az (flat) or ARM (nested `properties`) object.
    static func prop(_ c: Cursor, _ key: String) -> Cursor? { c["properties"]?[key] ?? c[key] }

    /// An IP configuration's private address and public IP reference: az prints `…IPAddress`,
    /// some ARM API versions `…IpAddress`; either is read.
    static func privateIPAddress(_ c: Cursor) -> Cursor? { prop(c, "privateIPAddress") ?? prop(c, "privateIpAddress") }
    static func publicIPAddress(_ c: Cursor) -> Cursor? { prop(c, "publicIPAddress") ?? prop(c, "publicIpAddress") }

    static func kind(of c: Cursor) -> Kind? {
        guard c.isMapping else { return nil }
        if let t = c["type"]?.scalar, let k = types[t.lowercased()] { return k }
        if c["values"]?.items.first?["properties"]?["addressPrefixes"] != nil || (c["values"] != nil && c["cloud"] != nil) { return .serviceTags }
        func has(_ k: String) -> Bool { prop(c, k) != nil }
        if has("agentPoolProfiles") || has("networkProfile") && has("kubernetesVersion") { return .managedCluster }
        if has("securityRules") || has("defaultSecurityRules") { return .networkSecurityGroup }
        if has("addressSpace") { return .virtualNetwork }
        if has("frontendIPConfigurations") { return .loadBalancer }
        if has("ruleCollections") { return .ruleCollectionGroup }
        if has("routes") && !has("ipConfigurations") { return .routeTable }
        if has("ipConfigurations") && (has("macAddress") || has("nicType") || has("virtualMachine")) { return .networkInterface }
        if has("ipConfigurations") && (has("networkRuleCollections") || has("sku") && has("firewallPolicy")) { return .firewall }
        if has("threatIntelMode") && (has("ruleCollectionGroups") || has("basePolicy") || has("dnsSettings")) { return .firewallPolicy }
        if has("publicIPAllocationMethod") || has("publicIpAllocationMethod") { return .publicIP }
        if has("ipAddresses") { return .ipGroup }
        return nil
    }

    static func recognises(_ root: Cursor) -> Bool {
        if root.isSequence { return root.items.contains { kind(of: $0) != nil } || root.items.isEmpty }
        if kind(of: root) != nil { return true }
        // `az network nsg create` and friends wrap the object: {"NewNSG": {...}}.
        if root.entries.count == 1, let inner = root.entries.first?.value { return kind(of: inner) != nil }
        return false
    }

    static func load(_ root: Cursor, into b: inout ClusterBuilder) {
        if root.isSequence {
            // A hand-assembled array may mix in Kubernetes objects; each goes to its own reader.
            for item in root.items {
                if KubernetesExportLoader.recognises(item) { KubernetesExportLoader.load(item, into: &b) } else { loadOne(item, into: &b) }
            }
        } else if kind(of: root) == nil, root.entries.count == 1, let inner = root.entries.first?.value {
            loadOne(inner, into: &b)
        } else {
            loadOne(root, into: &b)
        }
    }

    private static func loadOne(_ c: Cursor, into b: inout ClusterBuilder) {
        guard let k = kind(of: c) else {
            b.sink.add(Diagnostic(.note, "unrecognised Azure resource (type \(c["type"]?.scalar ?? "missing")); ignored", location: c.location))
            return
        }
        let name = c["name"]?.scalar ?? ""
        switch k {
        case .managedCluster: AzureExportCluster.managedCluster(c.object("ManagedCluster \(name)"), into: &b)
        case .virtualNetwork: AzureExportNetwork.virtualNetwork(c.object("VNet \(name)"), into: &b)
        case .subnet: AzureExportNetwork.standaloneSubnet(c.object("Subnet \(name)"), into: &b)
        case .networkSecurityGroup: AzureExportNetwork.networkSecurityGroup(c.object("NSG \(name)"), into: &b)
        case .routeTable: AzureExportNetwork.routeTable(c.object("RouteTable \(name)"), into: &b)
        case .networkInterface: AzureExportNetwork.networkInterface(c.object("NIC \(name)"), into: &b)
        case .applicationSecurityGroup:
            b.cluster.applicationSecurityGroups.append(ApplicationSecurityGroup(name: name, source: c.location))
        case .publicIP:
            let o = c.object("PublicIP \(name)")
            // An unallocated dynamic public IP has no address yet; nothing to model.
            if let ipC = prop(o, "ipAddress"), let ip = ipC.ip(b.sink) {
                b.cluster.publicIPs.append(PublicIP(name: name, address: ip, source: o.location))
            }
        case .natGateway: AzureExportNetwork.natGateway(c.object("NATGateway \(name)"), into: &b)
        case .loadBalancer: AzureExportLoadBalancer.loadBalancer(c.object("LoadBalancer \(name)"), into: &b)
        case .firewall: AzureExportFirewall.firewall(c.object("Firewall \(name)"), into: &b)
        case .firewallPolicy: AzureExportFirewall.policy(c.object("FirewallPolicy \(name)"), into: &b)
        case .ruleCollectionGroup: AzureExportFirewall.ruleCollectionGroup(c.object("RuleCollectionGroup \(name)"), into: &b)
        case .ipGroup:
            let o = c.object("IPGroup \(name)")
            let addrs = AzureValues.firewallAddresses(prop(o, "ipAddresses"), allowTags: false, b.sink)
            b.cluster.ipGroups.append(IPGroup(name: name, addresses: addrs, source: o.location))
        case .privateEndpoint: AzureExportCluster.privateEndpoint(c.object("PrivateEndpoint \(name)"), into: &b)
        case .serviceTags:
            for v in listed(c["values"], b.sink) {
                guard let n = v["name"]?.scalar else { continue }
                let prefixes = (listed(prop(v, "addressPrefixes"), b.sink)).compactMap { $0.prefix(b.sink) }
                b.cluster.serviceTags.append(ServiceTag(name: n, prefixes: prefixes))
            }
        }
    }

    /// Name from `{ "id": "…/<name>" }`.
    static func refName(_ c: Cursor?) -> String? {
        guard let id = c?["id"]?.scalar ?? c?.scalar, !id.isEmpty else { return nil }
        return resourceName(fromID: id)
    }

    /// "vnet/subnet" from a subnet resource ID (`…/virtualNetworks/<v>/subnets/<s>`).
    static func subnetRef(_ c: Cursor?) -> String? {
        guard let id = c?["id"]?.scalar else { return nil }
        let parts = id.split(separator: "/").map(String.init)
        guard let i = parts.lastIndex(where: { $0.lowercased() == "subnets" }), i > 0, i + 1 < parts.count else {
            return resourceName(fromID: id)
        }
        return "\(parts[i - 1])/\(parts[i + 1])"
    }

    /// AKS VMSS node names: the scale set name plus the instance ID in base 36, six digits
    /// (`aks-nodepool1-12345678-vmss` instance 10 → `aks-nodepool1-12345678-vmss00000a`).
    static func vmssNodeName(fromID id: String) -> String? {
        let parts = id.split(separator: "/").map(String.init)
        guard let i = parts.lastIndex(where: { $0.lowercased() == "virtualmachinescalesets" }), i + 3 < parts.count,
              parts[i + 2].lowercased() == "virtualmachines", let instance = Int(parts[i + 3]) else { return nil }
        let b36 = String(instance, radix: 36)
        // Node names are lower-case DNS labels; IDs sometimes carry the scale set name upper-cased.
        return (parts[i + 1] + String(repeating: "0", count: max(0, 6 - b36.count)) + b36).lowercased()
    }
}
