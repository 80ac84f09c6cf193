import Foundation
import XCTest
import NetworkAddress
@testable import ClusterModel

/// `--cluster` as an outside suite uses it: exports are recognised by content, not by file name
/// (ARCHITECTURE.md), an empty directory is an error rather than an empty model, an az export of a
/// resource type akssim does not read is named, and the `az aks show` fields that decide egress
/// are read.
final class ExportContractTests: XCTestCase {
    /// `kubectl get pods -A -o yaml > pods.out` and `az network nsg list -o json > nsgs` load;
    /// a README, a capture and a script beside them are passed over.
    func testExportsWithoutYAMLOrJSONExtensionLoadByContent() throws {
        let dir = try makeTempDir()
        try write(KubernetesExportTests.podsList, to: dir.appendingPathComponent("pods.out"))
        try write(KubernetesExportTests.nodesJSON, to: dir.appendingPathComponent("nodes"))
        try write(#"[{"name": "nsg", "type": "Microsoft.Network/networkSecurityGroups", "securityRules": []}]"#,
                  to: dir.appendingPathComponent("az-nsgs.txt"))
        try write("# Exports\n\nRun `kubectl get pods -A -o yaml`.\n", to: dir.appendingPathComponent("README.md"))
        try write("name: lab cluster\nowner: platform team\n", to: dir.appendingPathComponent("notes.txt"))
        try write("#!/bin/sh\nkubectl get pods -A -o yaml > pods.out\n", to: dir.appendingPathComponent("export.sh"))
        try Data([0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0xFF, 0xFE, 0, 0]).write(to: dir.appendingPathComponent("sample.pcap"))
        let c = try ClusterLoader.load(paths: [dir.path])
        XCTAssertEqual(c.pods.map(\.name), ["web-1", "web-2", "web-3", "agent"])
        XCTAssertEqual(c.nodes.map(\.name), ["node-a", "node-b"])
        XCTAssertEqual(c.networkSecurityGroups.map(\.name), ["nsg"])
    }

    func testEmptyDirectoryIsAnError() throws {
        let dir = try makeTempDir()
        try write("just notes\n", to: dir.appendingPathComponent("notes.txt"))
        XCTAssertThrowsError(try ClusterLoader.load(paths: [dir.path])) { error in
            let messages = (error as? ModelErrors)?.diagnostics.map(\.description) ?? []
            XCTAssertEqual(messages.count, 1, "\(messages)")
            XCTAssertTrue(messages.first?.contains("directory \(dir.path): no cluster file in it") == true, "\(messages)")
        }
    }

    /// `az vm show -o json` is an Azure export, just not of a type akssim reads: the error says so.
    func testUnreadAzureResourceTypeIsNamed() {
        let vm = #"{"id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1", "name": "vm1", "type": "Microsoft.Compute/virtualMachines"}"#
        let errors = loadErrors(vm, file: "vm.json")
        XCTAssertEqual(errors.count, 1, "\(errors)")
        XCTAssertTrue(errors.first?.hasPrefix("vm.json:1:1: error: Azure resource type Microsoft.Compute/virtualMachines is not one akssim reads") == true, "\(errors)")
        let list = "[\(vm)]"
        XCTAssertTrue(loadErrors(list, file: "vms.json").first?.contains("Microsoft.Compute/virtualMachines is not one akssim reads") == true)
    }

    /// outboundType managedNATGateway: the NAT gateway is AKS's own; `az aks show` names its public
    /// IPs in natGatewayProfile.effectiveOutboundIPs, and node egress leaves from them.
    func testManagedNATGatewayIPsFromTheAKSProfile() throws {
        let rg = "/subscriptions/0/resourceGroups/MC_rg_aks_eastus/providers/Microsoft.Network"
        let aks = """
        {"id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks", "name": "aks",
         "type": "Microsoft.ContainerService/managedClusters", "kubernetesVersion": "1.33.2", "location": "eastus",
         "networkProfile": {"networkPlugin": "azure", "networkPluginMode": "overlay", "networkPolicy": null,
           "podCidr": "10.244.0.0/16", "podCidrs": ["10.244.0.0/16"], "serviceCidr": "10.0.0.0/16", "serviceCidrs": ["10.0.0.0/16"],
           "dnsServiceIp": "10.0.0.10", "outboundType": "managedNATGateway", "loadBalancerProfile": null, "loadBalancerSku": "standard",
           "natGatewayProfile": {"effectiveOutboundIPs": [{"id": "\(rg)/publicIPAddresses/natpip-1", "resourceGroup": "MC_rg_aks_eastus"}],
             "idleTimeoutInMinutes": 4, "managedOutboundIpProfile": {"count": 1}}},
         "apiServerAccessProfile": null, "fqdn": "aks-dns-1.hcp.eastus.azmk8s.io"}
        """
        let pips = """
        [{"id": "\(rg)/publicIPAddresses/natpip-1", "name": "natpip-1", "ipAddress": "20.42.0.7",
          "publicIPAllocationMethod": "Static", "type": "Microsoft.Network/publicIPAddresses"}]
        """
        let dir = try makeTempDir()
        try write(aks, to: dir.appendingPathComponent("aks.json"))
        try write(pips, to: dir.appendingPathComponent("pips.json"))
        let c = try ClusterLoader.load(paths: [dir.path])
        XCTAssertEqual(c.settings.outboundType, .managedNATGateway)
        XCTAssertEqual(c.natGateways.first?.publicIPs, [IPAddress("20.42.0.7")!])
        // With the managed VNet exported, its subnet names the gateway: the reference resolves to it.
        let vnet = """
        {"name": "aks-vnet-1", "type": "Microsoft.Network/virtualNetworks", "addressSpace": {"addressPrefixes": ["10.224.0.0/12"]},
         "subnets": [{"name": "aks-subnet", "addressPrefix": "10.224.0.0/16", "natGateway": {"id": "\(rg)/natGateways/aks-natgw", "resourceGroup": "MC_rg"}}]}
        """
        try write(vnet, to: dir.appendingPathComponent("vnet.json"))
        let withVNet = try ClusterLoader.load(paths: [dir.path])
        XCTAssertEqual(withVNet.natGateways.map(\.name), ["aks-natgw"])
        XCTAssertEqual(withVNet.natGateways.first?.publicIPs, [IPAddress("20.42.0.7")!])
        XCTAssertFalse(withVNet.notes.contains { $0.message.contains("aks-natgw") }, "\(withVNet.notes)")
    }

    /// `az network vnet show`: a peering counts only once Connected; an Initiated (other side
    /// missing) or Disconnected one carries no traffic and is left out with a note.
    func testOnlyConnectedPeeringsAreRead() throws {
        let vnet = """
        {"name": "aks-vnet", "type": "Microsoft.Network/virtualNetworks", "location": "eastus",
         "addressSpace": {"addressPrefixes": ["10.224.0.0/12"]}, "dhcpOptions": {"dnsServers": []},
         "enableDdosProtection": false, "provisioningState": "Succeeded", "resourceGuid": "r",
         "subnets": [{"name": "aks-subnet", "addressPrefix": "10.224.0.0/16", "delegations": [], "ipConfigurations": [{"id": "x"}],
                      "privateEndpointNetworkPolicies": "Disabled", "privateLinkServiceNetworkPolicies": "Enabled", "serviceEndpoints": []}],
         "virtualNetworkPeerings": [
           {"name": "to-hub", "peeringState": "Connected", "peeringSyncLevel": "FullyInSync", "allowForwardedTraffic": true,
            "remoteAddressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "remoteVirtualNetwork": {"id": "hub"}},
           {"name": "to-spoke", "peeringState": "Initiated", "peeringSyncLevel": "RemoteNotInSync",
            "remoteAddressSpace": {"addressPrefixes": ["10.50.0.0/16"]}, "remoteVirtualNetwork": {"id": "spoke"}},
           {"name": "to-old", "peeringState": "Disconnected",
            "remoteAddressSpace": {"addressPrefixes": ["10.60.0.0/16"]}, "remoteVirtualNetwork": {"id": "old"}}]}
        """
        let c = try ClusterLoader.load(yaml: vnet, file: "vnet.json")
        let v = try XCTUnwrap(c.virtualNetworks.first)
        XCTAssertEqual(v.peerings.map(\.name), ["to-hub"])
        XCTAssertEqual(v.peerings.first?.remoteAddressSpaces, [IPPrefix("10.0.0.0/16")!])
        XCTAssertEqual(c.notes.filter { $0.message.contains("not Connected") }.count, 2, "\(c.notes)")
    }

    /// YAML merge keys, as go-yaml (kubectl) applies them: merged keys fill in, given keys win,
    /// the first of several merged mappings wins; a quoted "<<" stays an (unknown) key.
    func testYAMLMergeKeysApply() throws {
        let yaml = """
        name: x
        namespaces: [default]
        pods:
          - &base {name: a, namespace: default, ip: 10.224.0.50, labels: {app: web}}
          - &other {name: z, namespace: default, ip: 10.224.0.59, labels: {app: db}, hostNetwork: false}
          - {<<: *base, name: b, ip: 10.224.0.51}
          - <<: [*base, *other]
            name: c
            ip: 10.224.0.52
        """
        let c = try ClusterLoader.load(yaml: yaml, file: "merge.yaml")
        XCTAssertEqual(c.pods.map(\.name), ["a", "z", "b", "c"])
        XCTAssertEqual(c.pods[2].namespace, "default")
        XCTAssertEqual(c.pods[2].labels, ["app": "web"])
        XCTAssertEqual(c.pods[2].ips, [IPAddress("10.224.0.51")!])
        XCTAssertEqual(c.pods[3].labels, ["app": "web"], "the first merged mapping wins")
        XCTAssertEqual(c.pods[3].namespace, "default")
        let quoted = loadErrors("name: x\npods:\n  - &p {name: a, namespace: default, ip: 10.224.0.50}\n  - {\"<<\": *p, name: b}\n", file: "q.yaml")
        XCTAssertTrue(quoted.first?.contains("unknown key \"<<\"") == true, "\(quoted)")
    }

    /// One message per mistake: a firewall rule whose every ipProtocols/destinationPorts value is
    /// refused is not also told the field is missing.
    func testRefusedFirewallRuleValuesAreReportedOnce() {
        let rcg = """
        {"name": "rcg", "id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/firewallPolicies/p/ruleCollectionGroups/rcg",
         "type": "Microsoft.Network/FirewallPolicies/RuleCollectionGroups", "priority": 100, "ruleCollections": [
          {"name": "c", "priority": 100, "action": {"type": "Allow"}, "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "rules": [
            {"name": "n1", "ruleType": "NetworkRule", "ipProtocols": ["XYZ"], "sourceAddresses": ["*"], "destinationAddresses": ["1.2.3.4"], "destinationPorts": ["abc"]},
            {"name": "n2", "ruleType": "NetworkRule", "ipProtocols": [], "sourceAddresses": ["*"], "destinationAddresses": ["1.2.3.4"]}]}]}
        """
        let errors = loadErrors(rcg, file: "rcg.json")
        XCTAssertEqual(errors.count, 4, errors.joined(separator: "\n"))
        XCTAssertTrue(errors.contains { $0.contains("rules[0].ipProtocols[0]: unknown value \"XYZ\"") }, "\(errors)")
        XCTAssertTrue(errors.contains { $0.contains("rules[0].destinationPorts[0]: expected a port") }, "\(errors)")
        XCTAssertTrue(errors.contains { $0.contains("rules[1]: expected ipProtocols") }, "\(errors)")
        XCTAssertTrue(errors.contains { $0.contains("rules[1]: expected destinationPorts") }, "\(errors)")
    }

    /// `az network nsg list` names its subnets and NICs; a VNet or NIC export printed without its
    /// `networkSecurityGroup` (or a hand-written one) still gets the NSG.
    func testNSGSideAssociationsCompleteSubnetsAndNICs() throws {
        let net = "/subscriptions/0/resourceGroups/MC_rg/providers/Microsoft.Network"
        let vmss = "/subscriptions/0/resourceGroups/MC_rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-123-vmss"
        let json = """
        [{"name": "aks-vnet", "type": "Microsoft.Network/virtualNetworks", "addressSpace": {"addressPrefixes": ["10.224.0.0/12"]},
          "subnets": [{"name": "aks-subnet", "addressPrefix": "10.224.0.0/16"}, {"name": "other", "addressPrefix": "10.225.0.0/16"}]},
         {"name": "aks-nodepool1-123-vmss", "type": "Microsoft.Network/networkInterfaces", "macAddress": "00-0D-3A-00-00-01",
          "id": "\(vmss)/virtualMachines/0/networkInterfaces/aks-nodepool1-123-vmss",
          "ipConfigurations": [{"name": "ipconfig1", "privateIPAddress": "10.224.0.4",
                                "subnet": {"id": "\(net)/virtualNetworks/aks-vnet/subnets/aks-subnet"}}]},
         {"name": "aks-agentpool-123-nsg", "type": "Microsoft.Network/networkSecurityGroups", "securityRules": [],
          "subnets": [{"id": "\(net)/virtualNetworks/AKS-VNET/subnets/aks-subnet", "resourceGroup": "MC_rg"}],
          "networkInterfaces": [{"id": "\(vmss)/virtualMachines/0/networkInterfaces/aks-nodepool1-123-vmss", "resourceGroup": "MC_rg"}]}]
        """
        let c = try ClusterLoader.load(yaml: json, file: "az.json")
        let subnets = try XCTUnwrap(c.virtualNetworks.first).subnets
        XCTAssertEqual(subnets.map(\.networkSecurityGroup), ["aks-agentpool-123-nsg", nil])
        XCTAssertEqual(c.networkInterfaces.map(\.name), ["aks-nodepool1-123-vmss000000/aks-nodepool1-123-vmss"])
        XCTAssertEqual(c.networkInterfaces.first?.networkSecurityGroup, "aks-agentpool-123-nsg")
    }
}
