import Foundation
import NetworkAddress
import XCTest
@testable import ClusterModel

/// The az CLI shape (properties flattened) and the ARM shape (nested `properties`) of the same
/// resources load to the same model. The ARM variant is produced from the az fixture by
/// `armify`, the inverse of what the CLI does.
final class AzureShapesTests: XCTestCase {
    static let sub = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/resourceGroups/rg/providers/Microsoft.Network"

    static let azCLI = """
    [
      {"name": "hub-vnet", "id": "\(sub)/virtualNetworks/hub-vnet", "type": "Microsoft.Network/virtualNetworks", "location": "eastus",
       "etag": "W/\\"1\\"", "provisioningState": "Succeeded", "resourceGroup": "rg",
       "addressSpace": {"addressPrefixes": ["10.50.0.0/16"]},
       "subnets": [
         {"name": "app", "id": "\(sub)/virtualNetworks/hub-vnet/subnets/app", "addressPrefix": "10.50.1.0/24",
          "networkSecurityGroup": {"id": "\(sub)/networkSecurityGroups/app-nsg", "resourceGroup": "rg"},
          "routeTable": {"id": "\(sub)/routeTables/app-rt"}, "privateEndpointNetworkPolicies": "Enabled", "type": "Microsoft.Network/virtualNetworks/subnets"},
         {"name": "AzureFirewallSubnet", "id": "\(sub)/virtualNetworks/hub-vnet/subnets/AzureFirewallSubnet", "addressPrefixes": ["10.50.0.0/26"]}],
       "virtualNetworkPeerings": [{"name": "hub-to-spoke", "id": "\(sub)/virtualNetworks/hub-vnet/virtualNetworkPeerings/hub-to-spoke",
          "remoteAddressSpace": {"addressPrefixes": ["10.60.0.0/16"]}, "peeringState": "Connected"}]},
      {"name": "app-nsg", "id": "\(sub)/networkSecurityGroups/app-nsg", "type": "Microsoft.Network/networkSecurityGroups", "flushConnection": true,
       "securityRules": [
         {"name": "web", "id": "\(sub)/networkSecurityGroups/app-nsg/securityRules/web", "access": "Allow", "direction": "Inbound", "priority": 200,
          "protocol": "TCP", "sourceAddressPrefix": null, "sourceAddressPrefixes": ["Internet"], "sourcePortRange": "*", "sourcePortRanges": [],
          "destinationAddressPrefix": "10.50.1.0/24", "destinationAddressPrefixes": [], "destinationPortRange": null, "destinationPortRanges": ["80", "8000-8080"],
          "type": "Microsoft.Network/networkSecurityGroups/securityRules"},
         {"name": "db", "id": "\(sub)/networkSecurityGroups/app-nsg/securityRules/db", "access": "Deny", "direction": "Outbound", "priority": 300,
          "protocol": "*", "sourceApplicationSecurityGroups": [{"id": "\(sub)/applicationSecurityGroups/web-asg"}],
          "destinationApplicationSecurityGroups": [{"id": "\(sub)/applicationSecurityGroups/db-asg"}], "sourcePortRange": "*", "destinationPortRange": "1433"}],
       "defaultSecurityRules": [{"name": "DenyAllInBound", "id": "\(sub)/networkSecurityGroups/app-nsg/defaultSecurityRules/DenyAllInBound",
          "access": "Deny", "direction": "Inbound", "priority": 65500, "protocol": "*", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
          "sourcePortRange": "*", "destinationPortRange": "*"}]},
      {"name": "web-asg", "id": "\(sub)/applicationSecurityGroups/web-asg", "type": "Microsoft.Network/applicationSecurityGroups"},
      {"name": "db-asg", "id": "\(sub)/applicationSecurityGroups/db-asg", "type": "Microsoft.Network/applicationSecurityGroups"},
      {"name": "app-rt", "id": "\(sub)/routeTables/app-rt", "type": "Microsoft.Network/routeTables", "disableBgpRoutePropagation": true,
       "routes": [{"name": "default", "id": "\(sub)/routeTables/app-rt/routes/default", "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.50.0.4"},
                  {"name": "storage", "id": "\(sub)/routeTables/app-rt/routes/storage", "addressPrefix": "Storage", "nextHopType": "Internet"}]},
      {"name": "vm1-nic", "id": "\(sub)/networkInterfaces/vm1-nic", "type": "Microsoft.Network/networkInterfaces", "macAddress": "00-0D-3A-11-22-33",
       "enableIPForwarding": false, "networkSecurityGroup": {"id": "\(sub)/networkSecurityGroups/app-nsg"},
       "ipConfigurations": [{"name": "ipconfig1", "id": "\(sub)/networkInterfaces/vm1-nic/ipConfigurations/ipconfig1", "privateIPAddress": "10.50.1.10",
          "subnet": {"id": "\(sub)/virtualNetworks/hub-vnet/subnets/app"}, "applicationSecurityGroups": [{"id": "\(sub)/applicationSecurityGroups/web-asg"}]}]},
      {"name": "fw-pip", "id": "\(sub)/publicIPAddresses/fw-pip", "type": "Microsoft.Network/publicIPAddresses", "ipAddress": "20.10.0.4", "publicIPAllocationMethod": "Static"},
      {"name": "fw", "id": "\(sub)/azureFirewalls/fw", "type": "Microsoft.Network/azureFirewalls", "threatIntelMode": "Deny",
       "additionalProperties": {"Network.SNAT.PrivateRanges": "IANAPrivateRanges, 52.0.0.0/8"},
       "ipConfigurations": [{"name": "cfg", "id": "\(sub)/azureFirewalls/fw/azureFirewallIpConfigurations/cfg", "privateIPAddress": "10.50.0.4",
          "publicIPAddress": {"id": "\(sub)/publicIPAddresses/fw-pip"}, "subnet": {"id": "\(sub)/virtualNetworks/hub-vnet/subnets/AzureFirewallSubnet"}}],
       "networkRuleCollections": [{"name": "net", "id": "\(sub)/azureFirewalls/fw/networkRuleCollections/net", "priority": 200, "action": {"type": "Allow"},
          "rules": [{"name": "dns", "protocols": ["UDP"], "sourceAddresses": ["10.50.1.0/24"], "destinationAddresses": ["168.63.129.16"], "destinationPorts": ["53"]}]}],
       "applicationRuleCollections": [{"name": "app", "id": "\(sub)/azureFirewalls/fw/applicationRuleCollections/app", "priority": 300, "action": {"type": "Allow"},
          "rules": [{"name": "ms", "protocols": [{"protocolType": "Https", "port": 443}], "sourceAddresses": ["*"], "targetFqdns": ["*.microsoft.com"]}]}],
       "natRuleCollections": [{"name": "in", "id": "\(sub)/azureFirewalls/fw/natRuleCollections/in", "priority": 100, "action": {"type": "Dnat"},
          "rules": [{"name": "ssh", "protocols": ["TCP"], "sourceAddresses": ["*"], "destinationAddresses": ["20.10.0.4"], "destinationPorts": ["2222"],
                     "translatedAddress": "10.50.1.10", "translatedPort": "22"}]}]},
      {"name": "base", "id": "\(sub)/firewallPolicies/base", "type": "Microsoft.Network/FirewallPolicies", "threatIntelMode": "Alert"},
      {"name": "pol", "id": "\(sub)/firewallPolicies/pol", "type": "Microsoft.Network/FirewallPolicies", "threatIntelMode": "Deny",
       "basePolicy": {"id": "\(sub)/firewallPolicies/base"}, "threatIntelWhitelist": {"ipAddresses": ["20.1.2.3"], "fqdns": ["ok.example.com"]},
       "snat": {"privateRanges": ["10.0.0.0/8", "IANAPrivateRanges"]}, "dnsSettings": {"enableProxy": true, "servers": []},
       "ruleCollectionGroups": [{"id": "\(sub)/firewallPolicies/pol/ruleCollectionGroups/egress"}]},
      {"name": "egress", "id": "\(sub)/firewallPolicies/pol/ruleCollectionGroups/egress", "type": "Microsoft.Network/FirewallPolicies/RuleCollectionGroups",
       "priority": 200, "ruleCollections": [
         {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "net", "priority": 100, "action": {"type": "Allow"},
          "rules": [{"ruleType": "NetworkRule", "name": "api", "ipProtocols": ["TCP", "UDP"], "sourceAddresses": [], "sourceIpGroups": ["\(sub)/ipGroups/nodes"],
                     "destinationAddresses": ["AzureCloud.eastus"], "destinationIpGroups": [], "destinationFqdns": [], "destinationPorts": ["1194", "9000"]}]},
         {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "web", "priority": 200, "action": {"type": "Deny"},
          "rules": [{"ruleType": "ApplicationRule", "name": "block", "protocols": [{"protocolType": "http", "port": "80"}, {"protocolType": "Https", "port": 443}],
                     "sourceAddresses": ["10.50.1.0/24"], "targetFqdns": ["*.example.com"], "fqdnTags": [], "terminateTLS": false}]},
         {"ruleCollectionType": "FirewallPolicyNatRuleCollection", "name": "dnat", "priority": 100, "action": {"type": "DNAT"},
          "rules": [{"ruleType": "NatRule", "name": "web", "ipProtocols": ["TCP"], "sourceAddresses": ["*"], "destinationAddresses": ["20.10.0.4"],
                     "destinationPorts": ["80"], "translatedAddress": "10.50.1.10", "translatedPort": "8080"}]}]},
      {"name": "nodes", "id": "\(sub)/ipGroups/nodes", "type": "Microsoft.Network/IpGroups", "ipAddresses": ["10.50.1.0/24", "10.60.0.1-10.60.0.9"]},
      {"name": "web-pip", "id": "\(sub)/publicIPAddresses/web-pip", "type": "Microsoft.Network/publicIPAddresses", "ipAddress": "20.10.0.8", "publicIPAllocationMethod": "Static"},
      {"name": "web-lb", "id": "\(sub)/loadBalancers/web-lb", "type": "Microsoft.Network/loadBalancers", "sku": {"name": "Standard", "tier": "Regional"},
       "frontendIPConfigurations": [{"name": "fe", "id": "\(sub)/loadBalancers/web-lb/frontendIPConfigurations/fe", "publicIPAddress": {"id": "\(sub)/publicIPAddresses/web-pip"}},
                                    {"name": "ilb", "id": "\(sub)/loadBalancers/web-lb/frontendIPConfigurations/ilb", "privateIPAddress": "10.50.1.100",
                                     "subnet": {"id": "\(sub)/virtualNetworks/hub-vnet/subnets/app"}}],
       "backendAddressPools": [{"name": "pool", "id": "\(sub)/loadBalancers/web-lb/backendAddressPools/pool",
          "backendIPConfigurations": [{"id": "\(sub)/networkInterfaces/vm1-nic/ipConfigurations/ipconfig1"}],
          "loadBalancerBackendAddresses": [{"name": "a1", "ipAddress": "10.50.1.20"}]}],
       "probes": [{"name": "http", "id": "\(sub)/loadBalancers/web-lb/probes/http", "protocol": "Http", "port": 80, "requestPath": "/healthz", "intervalInSeconds": 15, "numberOfProbes": 3}],
       "loadBalancingRules": [{"name": "web", "id": "\(sub)/loadBalancers/web-lb/loadBalancingRules/web", "protocol": "Tcp", "frontendPort": 80, "backendPort": 8080,
          "enableFloatingIP": false, "idleTimeoutInMinutes": 10, "loadDistribution": "SourceIP", "disableOutboundSnat": true,
          "frontendIPConfiguration": {"id": "\(sub)/loadBalancers/web-lb/frontendIPConfigurations/fe"},
          "backendAddressPool": {"id": "\(sub)/loadBalancers/web-lb/backendAddressPools/pool"}, "probe": {"id": "\(sub)/loadBalancers/web-lb/probes/http"}}],
       "outboundRules": [{"name": "out", "id": "\(sub)/loadBalancers/web-lb/outboundRules/out", "protocol": "All", "allocatedOutboundPorts": 1024, "idleTimeoutInMinutes": 4,
          "frontendIPConfigurations": [{"id": "\(sub)/loadBalancers/web-lb/frontendIPConfigurations/fe"}],
          "backendAddressPool": {"id": "\(sub)/loadBalancers/web-lb/backendAddressPools/pool"}}]},
      {"name": "db", "id": "\(sub)/virtualNetworks/hub-vnet/subnets/db", "type": "Microsoft.Network/virtualNetworks/subnets", "addressPrefix": "10.50.2.0/24",
       "networkSecurityGroup": {"id": "\(sub)/networkSecurityGroups/app-nsg"}}
    ]
    """

    /// Moves every property of resources and sub-resources (objects with `name` and `id`)
    /// under `properties`, as ARM / `az resource show` print them.
    static func armify(_ v: Any) -> Any {
        if let a = v as? [Any] { return a.map(armify) }
        guard let o = v as? [String: Any] else { return v }
        var out: [String: Any] = [:]
        if o["name"] != nil, o["id"] != nil {
            var props: [String: Any] = [:]
            for (k, val) in o {
                if ["name", "id", "type", "etag", "location", "tags", "sku", "zones", "resourceGroup"].contains(k) { out[k] = val } else { props[k] = armify(val) }
            }
            out["properties"] = props
        } else {
            for (k, val) in o { out[k] = armify(val) }
        }
        return out
    }

    func testCLIAndARMShapesLoadToTheSameModel() throws {
        let cli = try ClusterLoader.load(yaml: Self.azCLI, file: "az.json")
        let parsed = try JSONSerialization.jsonObject(with: Data(Self.azCLI.utf8))
        let armText = String(decoding: try JSONSerialization.data(withJSONObject: Self.armify(parsed), options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
        XCTAssertTrue(armText.contains("\"properties\""))
        let arm = try ClusterLoader.load(yaml: armText, file: "arm.json")

        XCTAssertEqual(cli.virtualNetworks.map(NormalizedModel.vnet), arm.virtualNetworks.map(NormalizedModel.vnet))
        XCTAssertEqual(cli.networkSecurityGroups.map(NormalizedModel.nsg), arm.networkSecurityGroups.map(NormalizedModel.nsg))
        XCTAssertEqual(cli.routeTables.map(NormalizedModel.routeTable), arm.routeTables.map(NormalizedModel.routeTable))
        XCTAssertEqual(cli.networkInterfaces.map(NormalizedModel.nic), arm.networkInterfaces.map(NormalizedModel.nic))
        XCTAssertEqual(cli.firewalls.map(NormalizedModel.firewall), arm.firewalls.map(NormalizedModel.firewall))
        XCTAssertEqual(cli.firewallPolicies.map(NormalizedModel.policy), arm.firewallPolicies.map(NormalizedModel.policy))
        XCTAssertEqual(cli.ipGroups.map(\.addresses), arm.ipGroups.map(\.addresses))
        XCTAssertEqual(cli.applicationSecurityGroups.map(\.name), arm.applicationSecurityGroups.map(\.name))
        XCTAssertEqual(cli.loadBalancers.map(NormalizedModel.loadBalancer), arm.loadBalancers.map(NormalizedModel.loadBalancer))

        let lb = try XCTUnwrap(cli.loadBalancers.first)
        XCTAssertEqual(lb.frontends.map(\.address), [IPAddress("20.10.0.8")!, IPAddress("10.50.1.100")!], "public frontends take the public IP's address")
        XCTAssertEqual(lb.frontends.map(\.subnet), [nil, "hub-vnet/app"])
        XCTAssertEqual(lb.backendPools.first?.addresses, [IPAddress("10.50.1.20")!, IPAddress("10.50.1.10")!], "NIC members resolve to their addresses")
        XCTAssertEqual(lb.probes.first, {
            var p = HealthProbe(); p.name = "http"; p.proto = .Http; p.port = 80; p.requestPath = "/healthz"; p.intervalSeconds = 15; p.numberOfProbes = 3
            return p
        }())
        XCTAssertEqual(lb.rules.first?.backendPort, 8080)
        XCTAssertEqual(lb.rules.first?.enableFloatingIP, false)
        XCTAssertEqual(lb.rules.first?.loadDistribution, "SourceIP")
        XCTAssertEqual(lb.outboundRules.first?.frontends, ["fe"])
        XCTAssertEqual(lb.outboundRules.first?.allocatedOutboundPorts, 1024)
        // A subnet exported on its own joins its VNet.
        XCTAssertEqual(cli.virtualNetworks.first?.subnets.map(\.name), ["app", "AzureFirewallSubnet", "db"])
        XCTAssertEqual(cli.virtualNetworks.first?.subnets.last?.networkSecurityGroup, "app-nsg")

        // And the model is what the JSON says.
        let vnet = try XCTUnwrap(cli.virtualNetworks.first)
        XCTAssertEqual(vnet.subnets.map(\.name), ["app", "AzureFirewallSubnet", "db"])
        XCTAssertEqual(vnet.subnets[0].networkSecurityGroup, "app-nsg")
        XCTAssertEqual(vnet.subnets[0].routeTable, "app-rt")
        XCTAssertEqual(vnet.subnets[1].prefixes, [IPPrefix("10.50.0.0/26")!])
        XCTAssertEqual(vnet.peerings.first?.remoteAddressSpaces, [IPPrefix("10.60.0.0/16")!])
        let nsg = try XCTUnwrap(cli.networkSecurityGroups.first)
        XCTAssertTrue(nsg.flushConnection)
        XCTAssertEqual(nsg.rules.count, 2, "defaultSecurityRules are not user rules")
        XCTAssertEqual(nsg.rules[0].proto, .tcp)
        XCTAssertEqual(nsg.rules[0].sourceAddresses, [.serviceTag("Internet")])
        XCTAssertEqual(nsg.rules[0].destinationAddresses, [.prefix(IPPrefix("10.50.1.0/24")!)])
        XCTAssertEqual(nsg.rules[0].destinationPorts, [PortRange(single: 80), PortRange(8000, 8080)])
        XCTAssertEqual(nsg.rules[1].sourceApplicationSecurityGroups, ["web-asg"])
        XCTAssertEqual(nsg.rules[1].destinationApplicationSecurityGroups, ["db-asg"])
        XCTAssertEqual(nsg.rules[1].sourceAddresses, [])
        let rt = try XCTUnwrap(cli.routeTables.first)
        XCTAssertEqual(rt.routes[1].serviceTag, "Storage")
        XCTAssertEqual(rt.routes[0].nextHopIP, IPAddress("10.50.0.4"))
        let nic = try XCTUnwrap(cli.networkInterfaces.first)
        XCTAssertEqual(nic.subnet, "hub-vnet/app")
        XCTAssertEqual(nic.applicationSecurityGroups, ["web-asg"])
        XCTAssertEqual(nic.nodeName, "")
        let fw = try XCTUnwrap(cli.firewalls.first)
        XCTAssertEqual(fw.privateIP, IPAddress("10.50.0.4"))
        XCTAssertEqual(fw.publicIPs, [IPAddress("20.10.0.4")!])
        XCTAssertEqual(fw.threatIntelMode, .Deny)
        XCTAssertEqual(fw.snatPrivateRanges?.count, 5)
        XCTAssertEqual(fw.classicCollections.map(\.kind), [.dnat, .network, .application])
        XCTAssertEqual(fw.classicCollections[0].rules.first?.translatedPort, 22)
        XCTAssertEqual(fw.classicCollections[1].rules.first?.ipProtocols, ["UDP"])
        let pol = try XCTUnwrap(cli.firewallPolicies.first { $0.name == "pol" })
        XCTAssertEqual(pol.basePolicy, "base")
        XCTAssertTrue(pol.dnsProxyEnabled)
        XCTAssertEqual(pol.threatIntelAllowFQDNs, ["ok.example.com"])
        let rcg = try XCTUnwrap(pol.ruleCollectionGroups.first)
        XCTAssertEqual(rcg.collections.map(\.kind), [.network, .application, .dnat])
        XCTAssertEqual(rcg.collections.map(\.action), [.Allow, .Deny, .DNAT])
        XCTAssertEqual(rcg.collections[0].rules.first?.sourceIPGroups, ["nodes"])
        XCTAssertEqual(rcg.collections[1].rules.first?.protocols, [ApplicationProtocol(type: "Http", port: 80), ApplicationProtocol(type: "Https", port: 443)])
        XCTAssertEqual(rcg.collections[2].rules.first?.translatedAddress, IPAddress("10.50.1.10"))
    }

    func testManagedClusterShapes() throws {
        let cli = """
        {"name": "aks1", "type": "Microsoft.ContainerService/ManagedClusters", "id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
         "location": "eastus", "kubernetesVersion": "1.33", "currentKubernetesVersion": "1.33.2", "fqdn": "aks1-abc.hcp.eastus.azmk8s.io",
         "privateFqdn": null, "nodeResourceGroup": "MC_rg_aks1_eastus",
         "apiServerAccessProfile": {"authorizedIpRanges": ["203.0.113.0/24"], "enablePrivateCluster": false},
         "networkProfile": {"networkPlugin": "kubenet", "networkPluginMode": null, "networkPolicy": null, "podCidr": "10.244.0.0/16",
           "serviceCidr": "10.0.0.0/16", "dnsServiceIp": "10.0.0.10", "outboundType": "userDefinedRouting"}}
        """
        let parsed = try JSONSerialization.jsonObject(with: Data(cli.utf8))
        let armText = String(decoding: try JSONSerialization.data(withJSONObject: Self.armify(parsed)), as: UTF8.self)
        let a = try ClusterLoader.load(yaml: cli, file: "aks.json")
        let b = try ClusterLoader.load(yaml: armText, file: "aks.arm.json")
        XCTAssertEqual(a.settings, b.settings)
        XCTAssertEqual(a.name, "aks1")
        XCTAssertEqual(a.settings.networkPlugin, .kubenet)
        XCTAssertEqual(a.settings.networkPolicy, .none, "a null networkPolicy means no engine")
        XCTAssertEqual(a.settings.podCIDRs, [IPPrefix("10.244.0.0/16")!])
        XCTAssertEqual(a.settings.outboundType, .userDefinedRouting)
        XCTAssertEqual(a.settings.apiServer.fqdn, "aks1-abc.hcp.eastus.azmk8s.io")
        XCTAssertEqual(a.settings.apiServer.authorizedIPRanges, [IPPrefix("203.0.113.0/24")!])
        XCTAssertEqual(a.settings.kubernetesVersion, "1.33.2")
    }

    func testServiceTagsFileAndWrappedCreateOutput() throws {
        let tags = """
        {"changeNumber": 120, "cloud": "Public", "id": "/subscriptions/x/providers/Microsoft.Network/serviceTags/Public", "name": "Public", "type": "Microsoft.Network/serviceTags",
         "values": [{"id": "AzureCloud.eastus", "name": "AzureCloud.eastus", "properties": {"addressPrefixes": ["20.42.0.0/17", "2603:1030::/45"], "region": "eastus"}},
                    {"id": "Storage", "name": "Storage", "properties": {"addressPrefixes": ["20.60.0.0/16"]}}]}
        """
        let c = try ClusterLoader.load(yaml: tags, file: "tags.json")
        XCTAssertEqual(c.serviceTags.map(\.name), ["AzureCloud.eastus", "Storage"])
        XCTAssertEqual(c.serviceTags[0].prefixes.count, 2)
        let created = """
        {"NewNSG": {"name": "x", "type": "Microsoft.Network/networkSecurityGroups", "securityRules": [], "defaultSecurityRules": []}}
        """
        XCTAssertEqual(try ClusterLoader.load(yaml: created, file: "create.json").networkSecurityGroups.map(\.name), ["x"])
    }

    func testVMSSInstanceNamesFollowAKS() {
        let id = "/subscriptions/x/resourceGroups/MC/providers/Microsoft.Compute/virtualMachineScaleSets/aks-np-1-vmss/virtualMachines/37"
        XCTAssertEqual(AzureExportLoader.vmssNodeName(fromID: id), "aks-np-1-vmss000011")
        XCTAssertNil(AzureExportLoader.vmssNodeName(fromID: "/subscriptions/x/providers/Microsoft.Compute/virtualMachines/jumpbox"))
    }

    func testPrivateClusterEndpointGivesAPIServerAddress() throws {
        let json = """
        [{"name": "aks2", "type": "Microsoft.ContainerService/ManagedClusters", "privateFqdn": "aks2-x.privatelink.eastus.azmk8s.io",
          "apiServerAccessProfile": {"enablePrivateCluster": true}, "networkProfile": {"networkPlugin": "azure", "networkPluginMode": "overlay", "podCidr": "10.244.0.0/16"}},
         {"name": "kube-apiserver", "type": "Microsoft.Network/privateEndpoints", "id": "/subscriptions/x/resourceGroups/MC/providers/Microsoft.Network/privateEndpoints/kube-apiserver",
          "customDnsConfigs": [{"fqdn": "aks2-x.privatelink.eastus.azmk8s.io", "ipAddresses": ["10.40.1.250"]}],
          "privateLinkServiceConnections": [{"name": "kube-apiserver", "groupIds": ["management"]}]}]
        """
        let c = try ClusterLoader.load(yaml: json, file: "private.json")
        XCTAssertTrue(c.settings.apiServer.privateCluster)
        XCTAssertEqual(c.settings.apiServer.fqdn, "aks2-x.privatelink.eastus.azmk8s.io")
        XCTAssertEqual(c.settings.apiServer.privateIP, IPAddress("10.40.1.250"))
        XCTAssertFalse(c.notes.contains { $0.description.contains("apiServer") })
    }

    func testNativeSNATPrivateRangesAcceptIANAPrivateRanges() throws {
        // snat-private-range.md: `IANAPrivateRanges` stands for RFC 1918 + RFC 6598 in a custom list.
        let c = try ClusterLoader.load(yaml: """
            firewallPolicies:
              - {name: p, snatPrivateRanges: [IANAPrivateRanges, 99.99.99.0/24]}
            firewalls:
              - {name: fw, privateIP: 10.0.1.4, snatPrivateRanges: [IANAPrivateRanges]}
            """, file: "snat.yaml")
        XCTAssertEqual(c.firewallPolicies[0].snatPrivateRanges?.map(\.description),
                       ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "99.99.99.0/24"])
        XCTAssertEqual(c.firewalls[0].snatPrivateRanges?.count, 4)
        XCTAssertFalse(loadErrors("firewalls:\n  - {name: fw, privateIP: 10.0.1.4, snatPrivateRanges: [RFC1918]}\n").isEmpty)
    }
}
