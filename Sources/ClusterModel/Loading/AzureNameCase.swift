/// Azure resource names are case-insensitive (ARM resolves `…/networkSecurityGroups/AKS-NSG` and
/// `…/aks-nsg` to one resource), and references in exports do not always repeat the referenced
/// resource's casing: an ID as the creator typed it, an upper-cased resource group or name.
/// References are therefore rewritten to the casing of the loaded resource they name, so every
/// later lookup (validation, the Dataplane's compiled tables) can compare names exactly.
/// A reference that matches nothing is left as it is, for validation to report.
enum AzureNameCase {
    /// Canonical spelling by lower-cased name, for one kind of resource.
    struct Names {
        private var byLower: [String: String] = [:]
        init<S: Sequence>(_ names: S) where S.Element == String {
            for n in names where byLower[n.lowercased()] == nil { byLower[n.lowercased()] = n }
        }
        func callAsFunction(_ name: String) -> String { byLower[name.lowercased()] ?? name }
        func callAsFunction(_ name: String?) -> String? { name.map { self($0) } }
        func callAsFunction(_ names: [String]) -> [String] { names.map { self($0) } }
    }

    static func canonicalise(_ c: inout Cluster) {
        let nsgs = Names(c.networkSecurityGroups.map(\.name))
        let routeTables = Names(c.routeTables.map(\.name))
        let natGateways = Names(c.natGateways.map(\.name))
        let asgs = Names(c.applicationSecurityGroups.map(\.name))
        let policies = Names(c.firewallPolicies.map(\.name))
        let ipGroups = Names(c.ipGroups.map(\.name))
        // "vnet/subnet" references; a bare "subnet" (native shorthand) matches by subnet name.
        let subnets = Names(c.virtualNetworks.flatMap { v in v.subnets.flatMap { ["\(v.name)/\($0.name)", $0.name] } })

        for v in c.virtualNetworks.indices {
            for s in c.virtualNetworks[v].subnets.indices {
                c.virtualNetworks[v].subnets[s].networkSecurityGroup = nsgs(c.virtualNetworks[v].subnets[s].networkSecurityGroup)
                c.virtualNetworks[v].subnets[s].routeTable = routeTables(c.virtualNetworks[v].subnets[s].routeTable)
                c.virtualNetworks[v].subnets[s].natGateway = natGateways(c.virtualNetworks[v].subnets[s].natGateway)
            }
        }
        for i in c.networkInterfaces.indices {
            c.networkInterfaces[i].subnet = subnets(c.networkInterfaces[i].subnet)
            c.networkInterfaces[i].networkSecurityGroup = nsgs(c.networkInterfaces[i].networkSecurityGroup)
            c.networkInterfaces[i].applicationSecurityGroups = asgs(c.networkInterfaces[i].applicationSecurityGroups)
        }
        for i in c.nodes.indices { c.nodes[i].subnet = subnets(c.nodes[i].subnet) }
        for n in c.networkSecurityGroups.indices {
            for r in c.networkSecurityGroups[n].rules.indices {
                c.networkSecurityGroups[n].rules[r].sourceApplicationSecurityGroups = asgs(c.networkSecurityGroups[n].rules[r].sourceApplicationSecurityGroups)
                c.networkSecurityGroups[n].rules[r].destinationApplicationSecurityGroups = asgs(c.networkSecurityGroups[n].rules[r].destinationApplicationSecurityGroups)
            }
        }
        for g in c.natGateways.indices { c.natGateways[g].subnets = subnets(c.natGateways[g].subnets) }
        for l in c.loadBalancers.indices {
            for f in c.loadBalancers[l].frontends.indices { c.loadBalancers[l].frontends[f].subnet = subnets(c.loadBalancers[l].frontends[f].subnet) }
        }
        func groups(_ cols: inout [FirewallRuleCollection]) {
            for i in cols.indices {
                for r in cols[i].rules.indices {
                    cols[i].rules[r].sourceIPGroups = ipGroups(cols[i].rules[r].sourceIPGroups)
                    cols[i].rules[r].destinationIPGroups = ipGroups(cols[i].rules[r].destinationIPGroups)
                }
            }
        }
        for f in c.firewalls.indices {
            c.firewalls[f].policy = policies(c.firewalls[f].policy)
            groups(&c.firewalls[f].classicCollections)
        }
        for p in c.firewallPolicies.indices {
            c.firewallPolicies[p].basePolicy = policies(c.firewallPolicies[p].basePolicy)
            for g in c.firewallPolicies[p].ruleCollectionGroups.indices { groups(&c.firewallPolicies[p].ruleCollectionGroups[g].collections) }
        }
    }
}
