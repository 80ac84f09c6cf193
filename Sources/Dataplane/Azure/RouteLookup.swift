import ClusterModel
import NetworkAddress

// Effective routes per subnet (azure-networking.md §1.7): system routes (VNet, peerings,
// gateway prefixes, 0.0.0.0/0 → Internet, reserved private ranges → None) plus the subnet's
// route table. Longest prefix wins; on equal prefixes a user route beats a system route.

/// Next hop kinds as Azure names them; `peering` and `endpoint` behave like VnetLocal.
enum NextHop: UInt8, Sendable {
    case vnetLocal, peering, endpoint, internet, none, virtualAppliance, gateway

    var label: String {
        switch self {
        case .vnetLocal: return "VnetLocal"
        case .peering: return "VNetPeering"
        case .endpoint: return "InterfaceEndpoint"
        case .internet: return "Internet"
        case .none: return "None"
        case .virtualAppliance: return "VirtualAppliance"
        case .gateway: return "VirtualNetworkGateway"
        }
    }

    init(_ t: NextHopType) {
        switch t {
        case .VirtualAppliance: self = .virtualAppliance
        case .Internet: self = .internet
        case .None: self = .none
        case .VnetLocal: self = .vnetLocal
        case .VirtualNetworkGateway: self = .gateway
        }
    }
}

struct CompiledRoute: Sendable {
    var prefix: IPPrefix
    var nextHop: NextHop
    var nextHopIP: IPAddress
    var user: Bool
    /// `route:<prefix>-><nextHop>` (§5).
    var name: RuleID
}

enum RouteCompiler {
    /// Reserved ranges Azure routes to None unless the VNet's address space holds them (§1.7).
    static let reservedNone: [IPPrefix] = WellKnown.rfc1918 + [WellKnown.rfc6598]

    static func routeName(_ p: IPPrefix, _ hop: NextHop, _ ip: IPAddress?) -> String {
        return "route:\(p)->\(hop.label)"
    }

    /// The effective route list of one subnet, sorted for first-match LPM.
    static func effectiveRoutes(vnet: VirtualNetwork, table: RouteTable?, extraUserRoutes: [Route],
                                privateEndpoints: [IPAddress], serviceTags: [String: [IPPrefix]],
                                names: inout RuleNames, diagnostics: inout [Diagnostic]) -> [CompiledRoute] {
        var out: [CompiledRoute] = []
        func add(_ p: IPPrefix, _ hop: NextHop, _ ip: IPAddress?, user: Bool) {
            out.append(CompiledRoute(prefix: p, nextHop: hop, nextHopIP: ip ?? .zero4, user: user,
                                     name: names.intern(routeName(p, hop, ip))))
        }
        for p in vnet.addressSpaces { add(p, .vnetLocal, nil, user: false) }
        for peer in vnet.peerings { for p in peer.remoteAddressSpaces { add(p, .peering, nil, user: false) } }
        // virtual-networks-udr-overview (Border gateway protocol): a route table with gateway route
        // propagation disabled (`disableBgpRoutePropagation`) keeps the virtual network gateway's
        // routes out of its subnets; the on-premises prefixes then take the remaining routes.
        if table?.disableBgpRoutePropagation != true {
            for p in vnet.gatewayPrefixes { add(p, .gateway, nil, user: false) }
        }
        for ip in privateEndpoints { add(IPPrefix(host: ip), .endpoint, nil, user: false) }
        add(.anyIPv4, .internet, nil, user: false)
        // IPv6 default system route: ::/0 → Internet, like 0.0.0.0/0 — so a user route for ::/0
        // (IPv6 forced tunnelling to an appliance) overrides it on equal prefix instead of losing to
        // a more specific system route. Non-global destinations still end at the Internet edge.
        add(IPPrefix("::/0")!, .internet, nil, user: false)
        for p in reservedNone where !vnet.addressSpaces.contains(where: { $0.contains(p) }) {
            add(p, .none, nil, user: false)
        }
        for r in (table?.routes ?? []) + extraUserRoutes {
            var prefixes = [r.addressPrefix]
            if let tag = r.serviceTag {
                if let list = serviceTags[tag.lowercased()] {
                    prefixes = list
                } else {
                    diagnostics.append(Diagnostic(.warning, "route prefix service tag '\(tag)' is not in the supplied service-tag table; route ignored",
                                                  object: "RouteTable \(table?.name ?? "")", fieldPath: "routes[\(r.name)].addressPrefix", location: table?.source))
                    prefixes = []
                }
            }
            if r.nextHopType == .VirtualAppliance && r.nextHopIP == nil {
                diagnostics.append(Diagnostic(.error, "nextHopType VirtualAppliance needs nextHopIpAddress; route ignored",
                                              object: "RouteTable \(table?.name ?? "")", fieldPath: "routes[\(r.name)].nextHopIpAddress", location: table?.source))
                continue
            }
            for p in prefixes { add(p, NextHop(r.nextHopType), r.nextHopIP, user: true) }
        }
        // LPM as first match: longer prefixes first; on ties user routes before system routes.
        return out.enumerated().sorted { a, b in
            if a.element.prefix.rawLength != b.element.prefix.rawLength { return a.element.prefix.rawLength > b.element.prefix.rawLength }
            if a.element.user != b.element.user { return a.element.user }
            return a.offset < b.offset
        }.map(\.element)
    }
}

extension AzureNetwork {
    /// The route a subnet uses for `dst`, or nil when nothing covers it (no subnet: the Internet side).
    func route(subnet: Int32, _ dst: IPAddress) -> CompiledRoute? {
        guard subnet >= 0 else { return nil }
        for i in subnets[Int(subnet)].routes where routes[i].prefix.contains(dst) {
            return routes[i]
        }
        return nil
    }
}
