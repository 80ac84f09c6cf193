import NetworkAddress

/// NSG rule constraints and references between Azure resources.
extension Validator {
    /// Tags every NSG understands without a service-tag file (azure-networking.md §1.4).
    static let builtinTags: Set<String> = [
        "VirtualNetwork", "Internet", "AzureLoadBalancer", "AzurePlatformDNS", "AzurePlatformIMDS", "AzurePlatformLKM",
    ]

    var knownASGs: Set<String> {
        var s = Set(c.applicationSecurityGroups.map(\.name))
        // Without an ASG export, memberships on NICs are what defines the groups.
        if c.applicationSecurityGroups.isEmpty { for n in c.networkInterfaces { s.formUnion(n.applicationSecurityGroups) } }
        return s
    }

    mutating func securityGroups() {
        let asgs = knownASGs
        // Tag names compare case-insensitively, as the data plane resolves them (`Storage.EastUS`
        // in the service-tags JSON, `Storage.eastus` in many rules).
        let tags = Set(c.serviceTags.map { $0.name.lowercased() }).union(Self.builtinTags.map { $0.lowercased() })
        for nsg in c.networkSecurityGroups {
            let id = "NSG \(nsg.name)"
            var seen: [String: String] = [:]
            for (i, r) in nsg.rules.enumerated() {
                // ARM rejects user rules outside 100–4096 and two rules with one priority and direction.
                if !(100...4096).contains(r.priority) {
                    error(id, field: "rules[\(i)].priority", at: r.source ?? nsg.source,
                          "rule \(r.name): expected a priority in 100–4096, found \(r.priority)")
                }
                let key = "\(r.direction.rawValue)/\(r.priority)"
                if let other = seen[key] {
                    error(id, field: "rules[\(i)].priority", at: r.source ?? nsg.source,
                          "rule \(r.name): priority \(r.priority) is already used by \(r.direction.rawValue) rule \(other)")
                } else {
                    seen[key] = r.name
                }
                for (field, list) in [("sourceASGs", r.sourceApplicationSecurityGroups), ("destinationASGs", r.destinationApplicationSecurityGroups)] {
                    for a in list where !asgs.contains(a) {
                        // Without an ASG export (`az network asg list` is not part of a usual export set)
                        // the group may sit on NICs that were not exported: a partial export, a warning.
                        missing(id, field: "rules[\(i)].\(field)", at: r.source ?? nsg.source, "application security group", a,
                                loadedAny: !c.applicationSecurityGroups.isEmpty, context: "rule \(r.name): ")
                    }
                }
                for a in r.sourceAddresses + r.destinationAddresses {
                    if case .serviceTag(let t) = a, !tags.contains(t.lowercased()) {
                        warning(id, field: "rules[\(i)]", at: r.source ?? nsg.source,
                                "rule \(r.name): service tag \(t) has no known prefixes (add it under serviceTags or load `az network list-service-tags` output); it matches nothing")
                    }
                }
            }
        }
    }

    mutating func azureReferences() {
        let nsgs = Set(c.networkSecurityGroups.map(\.name))
        let tables = Set(c.routeTables.map(\.name))
        let gateways = Set(c.natGateways.map(\.name))
        for v in c.virtualNetworks {
            for s in v.subnets {
                if let n = s.networkSecurityGroup, !nsgs.contains(n) {
                    missing("VNet \(v.name)", field: "subnets.\(s.name).nsg", at: s.source ?? v.source, "network security group", n,
                            loadedAny: !nsgs.isEmpty, context: "subnet \(s.name): ")
                }
                if let t = s.routeTable, !tables.contains(t) {
                    missing("VNet \(v.name)", field: "subnets.\(s.name).routeTable", at: s.source ?? v.source, "route table", t,
                            loadedAny: !tables.isEmpty, context: "subnet \(s.name): ")
                }
                if let g = s.natGateway, !gateways.contains(g) {
                    missing("VNet \(v.name)", field: "subnets.\(s.name).natGateway", at: s.source ?? v.source, "NAT gateway", g,
                            loadedAny: !gateways.isEmpty, context: "subnet \(s.name): ")
                }
            }
        }
        let asgs = knownASGs
        for nic in c.networkInterfaces {
            let id = nic.nodeName.isEmpty ? "NIC \(nic.name)" : "Node \(nic.nodeName)"
            if !nic.subnet.isEmpty && subnet(nic.subnet) == nil {
                missing(id, field: "subnet", at: nic.source, "subnet", nic.subnet, loadedAny: !c.virtualNetworks.isEmpty)
            }
            if let n = nic.networkSecurityGroup, !nsgs.contains(n) {
                missing(id, field: "nsg", at: nic.source, "network security group", n, loadedAny: !nsgs.isEmpty)
            }
            for a in nic.applicationSecurityGroups where !asgs.contains(a) {
                error(id, field: "asgs", at: nic.source, "application security group \(a) not found")
            }
        }
        for g in c.natGateways {
            for s in g.subnets where subnet(s) == nil {
                missing("NATGateway \(g.name)", field: "subnets", at: g.source, "subnet", s, loadedAny: !c.virtualNetworks.isEmpty)
            }
        }
        loadBalancerReferences()
        firewallReferences()
    }

    private mutating func loadBalancerReferences() {
        let nodes = Set(c.nodes.map(\.name))
        for lb in c.loadBalancers {
            let id = "LoadBalancer \(lb.name)"
            let frontends = Set(lb.frontends.map(\.name)), pools = Set(lb.backendPools.map(\.name)), probes = Set(lb.probes.map(\.name))
            for (i, r) in lb.rules.enumerated() {
                if !frontends.contains(r.frontend) { error(id, field: "rules[\(i)].frontend", at: lb.source, "rule \(r.name): frontend \(r.frontend) not found") }
                if !pools.contains(r.backendPool) { error(id, field: "rules[\(i)].backendPool", at: lb.source, "rule \(r.name): backend pool \(r.backendPool) not found") }
                if let p = r.probe, !probes.contains(p) { error(id, field: "rules[\(i)].probe", at: lb.source, "rule \(r.name): probe \(p) not found") }
            }
            for (i, r) in lb.outboundRules.enumerated() {
                for f in r.frontends where !frontends.contains(f) { error(id, field: "outboundRules[\(i)].frontends", at: lb.source, "outbound rule \(r.name): frontend \(f) not found") }
                if !pools.contains(r.backendPool) { error(id, field: "outboundRules[\(i)].backendPool", at: lb.source, "outbound rule \(r.name): backend pool \(r.backendPool) not found") }
            }
            for (i, p) in lb.backendPools.enumerated() {
                for n in p.nodeNames where !nodes.contains(n) {
                    missing(id, field: "backendPools[\(i)].nodes", at: lb.source, "node", n, loadedAny: !nodes.isEmpty, context: "backend pool \(p.name): ")
                }
            }
        }
    }

    private mutating func firewallReferences() {
        let policies = Set(c.firewallPolicies.map(\.name))
        let groups = Set(c.ipGroups.map(\.name))
        let tags = Set(c.serviceTags.map { $0.name.lowercased() })
        let fqdnTags = Set(c.fqdnTags.map(\.name)).union(["AzureKubernetesService"])
        func rules(_ owner: String, _ prefix: String, _ collections: [FirewallRuleCollection], at loc: SourceLocation?) {
            for (ci, rc) in collections.enumerated() {
                for (ri, r) in rc.rules.enumerated() {
                    let path = "\(prefix)collections[\(ci)].rules[\(ri)]"
                    for g in r.sourceIPGroups + r.destinationIPGroups where !groups.contains(g) {
                        missing(owner, field: path, at: loc, "IP group", g, loadedAny: !groups.isEmpty, context: "rule \(r.name): ")
                    }
                    for a in r.destinationAddresses where a != "*" && IPRange(a) == nil && !tags.contains(a.lowercased()) {
                        warning(owner, field: path, at: loc, "rule \(r.name): service tag \(a) has no known prefixes; it matches nothing")
                    }
                    for t in r.fqdnTags where !fqdnTags.contains(t) {
                        warning(owner, field: path, at: loc, "rule \(r.name): FQDN tag \(t) is unknown (add it under fqdnTags); it matches nothing")
                    }
                }
            }
        }
        for fw in c.firewalls {
            if let p = fw.policy, !policies.contains(p) {
                missing("Firewall \(fw.name)", field: "policy", at: fw.source, "firewall policy", p, loadedAny: !policies.isEmpty)
            }
            rules("Firewall \(fw.name)", "", fw.classicCollections, at: fw.source)
        }
        for p in c.firewallPolicies {
            if let base = p.basePolicy, !policies.contains(base) {
                error("FirewallPolicy \(p.name)", field: "basePolicy", at: p.source, "base policy \(base) not found")
            }
            for (gi, g) in p.ruleCollectionGroups.enumerated() {
                rules("FirewallPolicy \(p.name)", "ruleCollectionGroups[\(gi)].", g.collections, at: g.source ?? p.source)
            }
        }
    }
}
