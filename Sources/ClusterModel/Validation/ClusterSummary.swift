/// Object counts per kind, in a fixed order (for `akssim validate` and reports).
extension Cluster {
    public var kindCounts: [(kind: String, count: Int)] {
        [
            ("nodes", nodes.count), ("namespaces", namespaces.count), ("pods", pods.count), ("services", services.count),
            ("endpointSlices", endpointSlices.count), ("networkPolicies", networkPolicies.count), ("ingresses", ingresses.count),
            ("ingressClasses", ingressClasses.count), ("ingressControllers", ingressControllers.count),
            ("vnets", virtualNetworks.count), ("subnets", virtualNetworks.reduce(0) { $0 + $1.subnets.count }),
            ("networkInterfaces", networkInterfaces.count), ("nsgs", networkSecurityGroups.count),
            ("nsgRules", networkSecurityGroups.reduce(0) { $0 + $1.rules.count }), ("asgs", applicationSecurityGroups.count),
            ("routeTables", routeTables.count), ("loadBalancers", loadBalancers.count), ("publicIPs", publicIPs.count),
            ("natGateways", natGateways.count), ("firewalls", firewalls.count), ("firewallPolicies", firewallPolicies.count),
            ("firewallRules", firewallPolicies.reduce(0) { $0 + $1.ruleCollectionGroups.reduce(0) { $0 + $1.collections.reduce(0) { $0 + $1.rules.count } } }
                + firewalls.reduce(0) { $0 + $1.classicCollections.reduce(0) { $0 + $1.rules.count } }),
            ("ipGroups", ipGroups.count), ("serviceTags", serviceTags.count), ("dnsRecords", dnsRecords.count), ("fqdnTags", fqdnTags.count),
        ]
    }

    /// EndpointSlices the loader derived from selectors and pods (none were given).
    public var derivedEndpointSliceCount: Int { endpointSlices.filter(\.derived).count }
}
