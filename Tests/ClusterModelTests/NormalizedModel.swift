@testable import ClusterModel

/// Model values with their source locations cleared, so objects loaded from different files
/// (or shapes) compare equal when they describe the same thing.
enum NormalizedModel {
    static func rule(_ r: SecurityRule) -> SecurityRule {
        var r = r
        r.source = nil
        return r
    }

    static func nsg(_ n: NetworkSecurityGroup) -> NetworkSecurityGroup {
        var n = n
        n.source = nil
        n.rules = n.rules.map(rule)
        return n
    }

    static func loadBalancer(_ l: LoadBalancer) -> LoadBalancer {
        var l = l
        l.source = nil
        return l
    }

    static func vnet(_ v: VirtualNetwork) -> VirtualNetwork {
        var v = v
        v.source = nil
        v.subnets = v.subnets.map {
            var s = $0
            s.source = nil
            return s
        }
        return v
    }

    static func routeTable(_ t: RouteTable) -> RouteTable {
        var t = t
        t.source = nil
        return t
    }

    static func nic(_ n: NetworkInterface) -> NetworkInterface {
        var n = n
        n.source = nil
        return n
    }

    static func firewall(_ f: AzureFirewall) -> AzureFirewall {
        var f = f
        f.source = nil
        return f
    }

    static func policy(_ p: FirewallPolicy) -> FirewallPolicy {
        var p = p
        p.source = nil
        p.ruleCollectionGroups = p.ruleCollectionGroups.map {
            var g = $0
            g.source = nil
            return g
        }
        return p
    }
}
