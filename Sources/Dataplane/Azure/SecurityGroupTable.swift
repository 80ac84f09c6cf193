import ClusterModel
import NetworkAddress
import PacketWire

// Network Security Groups compiled per (NSG, subnet) context (azure-networking.md §1).
// The context matters because the VirtualNetwork tag includes the UDR prefixes of the subnet
// that carries the route table (§1.4, issue MicrosoftDocs/azure-docs#124192), so the same NSG
// can mean different things on two subnets.

/// One security rule, pre-parsed: integer intervals, port ranges, a protocol number.
struct CompiledSecurityRule: Sendable {
    var name: RuleID
    var priority: Int32
    var allow: Bool
    /// 0 = `*` (every IP protocol — our reading of §7.1, see `protocolNumber`).
    var proto: UInt8
    var source: AddressSet
    var destination: AddressSet
    var sourcePorts: PortSet
    var destinationPorts: PortSet
}

/// One NSG in one subnet context: per-direction rule arrays sorted by priority (§1.2 rule 1).
struct CompiledSecurityGroup: Sendable {
    var name: String
    var inbound: Range<Int>
    var outbound: Range<Int>
    /// The AzurePlatformDNS/IMDS/LKM tags some rule names (`PlatformTag` bits): flows to those
    /// services at the host virtual IPs are evaluated instead of exempted (§1.2 rule 6).
    var filtersPlatform: UInt8
}

/// What a group decided.
struct SecurityDecision: Sendable {
    var allow: Bool
    var rule: RuleID
}

/// The address meanings an NSG needs in one subnet context.
struct SecurityTagContext {
    /// VNet + peerings + gateway prefixes + 168.63.129.16 + this subnet's UDR prefixes (+ overlay pod CIDRs).
    var virtualNetwork: [AddressInterval]
    /// Public space not inside `virtualNetwork` (§1.4, §7.5).
    var internet: [AddressInterval]
    /// Lower-cased user service tags (`az network list-service-tags`).
    var serviceTags: [String: [AddressInterval]]
    /// Lower-cased ASG name → private IPs of member NICs (§1.5).
    var applicationSecurityGroups: [String: [AddressInterval]]
}

enum SecurityRuleCompiler {
    /// `*` matches every protocol. §7.1: the overview says Any = TCP+UDP+ICMP, but a `*` deny
    /// that let GRE or ESP through would surprise every operator; Azure Firewall's Any also means
    /// all protocols. Esp/Ah are matched by number. Icmp also covers ICMPv6.
    static func protocolNumber(_ p: SecurityRuleProtocol) -> UInt8 {
        switch p {
        case .any: return 0
        case .tcp: return IPProtocol.tcp.rawValue
        case .udp: return IPProtocol.udp.rawValue
        case .icmp: return IPProtocol.icmp.rawValue
        case .esp: return IPProtocol.esp.rawValue
        case .ah: return IPProtocol.ah.rawValue
        }
    }

    /// Intervals for one NSG address; nil = `*`.
    static func intervals(_ a: NSGAddress, _ ctx: SecurityTagContext, nsg: String, rule: String,
                          diagnostics: inout [Diagnostic]) -> [AddressInterval]? {
        switch a {
        case .any: return nil
        case .prefix(let p): return p.length == 0 ? nil : [AddressInterval(p)]
        case .serviceTag(let tag):
            let t = tag.lowercased()
            switch t {
            case "*", "any": return nil
            case "virtualnetwork", "virtual_network": return ctx.virtualNetwork
            case "internet": return ctx.internet
            // §1.4: AzureLoadBalancer is the host virtual IP only (probe traffic).
            case "azureloadbalancer", "azure_loadbalancer": return [AddressInterval(host: WellKnown.azureHostIP)]
            case "azureplatformdns", "azureplatformlkm": return [AddressInterval(host: WellKnown.azureHostIP)]
            case "azureplatformimds": return [AddressInterval(host: WellKnown.imdsIP)]
            default:
                if let list = ctx.serviceTags[t] { return list }
                diagnostics.append(Diagnostic(.warning, "service tag '\(tag)' is not in the supplied service-tag table; the rule matches no address",
                                              object: "NetworkSecurityGroup \(nsg)", fieldPath: "securityRules[\(rule)]"))
                return []
            }
        }
    }

    /// Merges addresses and ASGs of one side: empty addresses and no ASG = `*`.
    static func side(_ addrs: [NSGAddress], _ asgs: [String], _ ctx: SecurityTagContext, nsg: String, rule: String,
                     pool: inout IntervalPool, diagnostics: inout [Diagnostic]) -> AddressSet {
        if addrs.isEmpty && asgs.isEmpty { return .anyAddress }
        var list: [AddressInterval] = []
        for a in addrs {
            guard let iv = intervals(a, ctx, nsg: nsg, rule: rule, diagnostics: &diagnostics) else { return .anyAddress }
            list += iv
        }
        for g in asgs {
            if let iv = ctx.applicationSecurityGroups[g.lowercased()] {
                list += iv
            } else {
                diagnostics.append(Diagnostic(.warning, "application security group '\(g)' has no member NIC; the rule matches no address",
                                              object: "NetworkSecurityGroup \(nsg)", fieldPath: "securityRules[\(rule)]"))
            }
        }
        return pool.add(list)
    }

    static func compile(_ nsg: NetworkSecurityGroup, _ ctx: SecurityTagContext, rules: inout ContiguousArray<CompiledSecurityRule>,
                        pool: inout IntervalPool, ports: inout PortPool, names: inout RuleNames,
                        diagnostics: inout [Diagnostic]) -> CompiledSecurityGroup {
        var filtersPlatform: UInt8 = 0
        var seen: [String: String] = [:]
        func build(_ dir: RuleDirection) -> Range<Int> {
            // §1.2 rule 1: ascending priority; default rules (65000+) sort after every user rule.
            let ordered = nsg.allRules.filter { $0.direction == dir }.sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
            let start = rules.count
            for r in ordered {
                if !r.isDefault {
                    let key = "\(dir.rawValue)#\(r.priority)"
                    if let other = seen[key] {
                        diagnostics.append(Diagnostic(.warning, "rules '\(other)' and '\(r.name)' share priority \(r.priority) in direction \(dir.rawValue); Azure rejects this — evaluating in name order",
                                                      object: "NetworkSecurityGroup \(nsg.name)", fieldPath: "securityRules[\(r.name)].priority", location: r.source))
                    }
                    seen[key] = r.name
                }
                for case .serviceTag(let t) in r.sourceAddresses + r.destinationAddresses {
                    filtersPlatform |= PlatformTag.bit(t)
                }
                rules.append(CompiledSecurityRule(
                    name: names.intern("\(nsg.name)/\(r.name)"),
                    priority: Int32(clamping: r.priority),
                    allow: r.access == .Allow,
                    proto: protocolNumber(r.proto),
                    source: side(r.sourceAddresses, r.sourceApplicationSecurityGroups, ctx, nsg: nsg.name, rule: r.name, pool: &pool, diagnostics: &diagnostics),
                    destination: side(r.destinationAddresses, r.destinationApplicationSecurityGroups, ctx, nsg: nsg.name, rule: r.name, pool: &pool, diagnostics: &diagnostics),
                    sourcePorts: ports.add(r.sourcePorts),
                    destinationPorts: ports.add(r.destinationPorts)))
            }
            return start..<rules.count
        }
        let inbound = build(.Inbound)
        let outbound = build(.Outbound)
        return CompiledSecurityGroup(name: nsg.name, inbound: inbound, outbound: outbound, filtersPlatform: filtersPlatform)
    }
}

/// The AzurePlatform* tags, one bit each: naming one in an NSG subjects that service's traffic
/// (and only that service's) to the NSG's rules.
enum PlatformTag {
    static let dns: UInt8 = 1, imds: UInt8 = 2, lkm: UInt8 = 4

    static func bit(_ tag: String) -> UInt8 {
        switch tag.lowercased() {
        case "azureplatformdns": return dns
        case "azureplatformimds": return imds
        case "azureplatformlkm": return lkm
        default: return 0
        }
    }
}
