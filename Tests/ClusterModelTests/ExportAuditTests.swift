import Foundation
import NetworkAddress
import XCTest
@testable import ClusterModel

/// Real exports as kubectl and az print them: server-side fields tolerated, every field akssim
/// uses read with its meaning, and wrong types or missing required fields reported, not skipped.
final class ExportAuditTests: XCTestCase {
    private let sub = "/subscriptions/0000/resourceGroups/MC_rg/providers"

    /// `kubectl get pods,nodes -o yaml` shapes: managedFields, ownerReferences, status fields.
    func testKubectlExportFieldsMeanWhatTheySay() throws {
        let yaml = """
        apiVersion: v1
        kind: List
        metadata: {resourceVersion: ""}
        items:
        - apiVersion: v1
          kind: Node
          metadata:
            name: node-a
            labels: {topology.kubernetes.io/zone: "0"}
            managedFields: [{manager: kubelet, operation: Update, fieldsType: FieldsV1, fieldsV1: {f:metadata: {}}}]
          spec: {podCIDR: 10.244.0.0/24, podCIDRs: [10.244.0.0/24], providerID: "azure:///x"}
          status:
            addresses:
            - {address: node-a, type: Hostname}
            - {address: 10.224.0.4, type: InternalIP}
            - {address: 20.1.2.3, type: ExternalIP}
            conditions:
            - {type: MemoryPressure, status: "False"}
            - {type: Ready, status: "True", reason: KubeletReady}
        - apiVersion: v1
          kind: Pod
          metadata:
            name: web-1
            namespace: default
            labels: {app: web}
            ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: u, controller: true}]
          spec:
            nodeName: node-a
            containers: [{name: c, image: nginx, ports: [{containerPort: 8080, name: http, protocol: TCP}]}]
          status:
            phase: Running
            hostIP: 10.224.0.4
            hostIPs: [{ip: 10.224.0.4}]
            podIP: 10.244.0.10
            podIPs: [{ip: 10.244.0.10}]
            conditions:
            - {type: Initialized, status: "True", lastProbeTime: null}
            - {type: Ready, status: "False", lastProbeTime: null}
            containerStatuses: [{name: c, ready: false, restartCount: 3, state: {waiting: {reason: CrashLoopBackOff}}}]
        - apiVersion: v1
          kind: Pod
          metadata: {name: kube-proxy-x, namespace: default}
          spec: {hostNetwork: true, nodeName: node-a, containers: [{name: kp}]}
          status: {phase: Running, hostIP: 10.224.0.4, podIP: 10.224.0.4, podIPs: [{ip: 10.224.0.4}], conditions: [{type: Ready, status: "True"}]}
        """
        let c = try ClusterLoader.load(yaml: yaml, file: "k8s.yaml")
        XCTAssertEqual(c.notes.filter { $0.severity != .note }.map(\.description), [])
        let node = try XCTUnwrap(c.nodes.first)
        XCTAssertEqual(node.internalIPs, [IPAddress("10.224.0.4")!])
        XCTAssertEqual(node.externalIPs, [IPAddress("20.1.2.3")!])
        XCTAssertEqual(node.zone, "0")
        XCTAssertTrue(node.ready)
        let web = try XCTUnwrap(c.pods.first { $0.name == "web-1" })
        XCTAssertEqual(web.ips, [IPAddress("10.244.0.10")!], "podIPs, not hostIP")
        XCTAssertFalse(web.ready, "the Ready condition, not the phase")
        XCTAssertEqual(web.containerPorts.map(\.port), [8080])
        let kp = try XCTUnwrap(c.pods.first { $0.name == "kube-proxy-x" })
        XCTAssertTrue(kp.hostNetwork)
        XCTAssertEqual(kp.ips, [IPAddress("10.224.0.4")!])
    }

    /// A Job's Succeeded pod keeps status.podIPs in the API although the address was released
    /// and reused: the running pod owns it, and no validation error is raised.
    func testFinishedPodReleasesItsAddress() throws {
        let yaml = """
        apiVersion: v1
        kind: PodList
        items:
        - apiVersion: v1
          kind: Pod
          metadata: {name: migrate-x, namespace: default, labels: {job-name: migrate}}
          spec: {nodeName: n, containers: [{name: m}]}
          status: {phase: Succeeded, podIP: 10.244.0.10, podIPs: [{ip: 10.244.0.10}], conditions: [{type: Ready, status: "False", reason: PodCompleted}]}
        - apiVersion: v1
          kind: Pod
          metadata: {name: web, namespace: default}
          spec: {nodeName: n, containers: [{name: c}]}
          status: {phase: Running, podIP: 10.244.0.10, podIPs: [{ip: 10.244.0.10}]}
        """
        let c = try ClusterLoader.load(yaml: yaml, file: "pods.yaml")
        XCTAssertEqual(c.pods.first { $0.name == "migrate-x" }?.ips, [])
        XCTAssertEqual(c.pods.first { $0.name == "web" }?.ips, [IPAddress("10.244.0.10")!])
    }

    /// The API server's typed lists (`kubectl get --raw`) leave kind off their items.
    func testTypedListItemsTakeTheListKind() throws {
        let json = """
        {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "7"},
         "items": [{"metadata": {"name": "p", "namespace": "default"}, "spec": {"containers": [{"name": "c"}]},
                    "status": {"phase": "Running", "podIP": "10.244.0.3", "podIPs": [{"ip": "10.244.0.3"}]}}]}
        """
        let c = try ClusterLoader.load(yaml: json, file: "raw.json")
        XCTAssertEqual(c.pods.map(\.name), ["p"])
        XCTAssertEqual(c.pods.first?.ips, [IPAddress("10.244.0.3")!])
        let errs = loadErrors(#"{"kind": "List", "apiVersion": "v1", "items": [{"metadata": {"name": "p"}}]}"#, file: "l.json")
        XCTAssertEqual(errs, ["l.json:1:48: error: items[0]: expected kind (a List item without kind)"])
    }

    /// A list field akssim reads, given as a mapping, is an error naming file, line, column and field.
    func testWrongTypedListFieldsAreErrors() {
        let pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: default}
        spec: {containers: [{name: c, ports: {containerPort: 8080}}]}
        status: {phase: Running, podIPs: {ip: 10.244.0.3}}
        """
        XCTAssertEqual(loadErrors(pod, file: "pod.yaml"), [
            "pod.yaml:4:38: error: Pod default/p: spec.containers[0].ports: expected a list, found a mapping",
            "pod.yaml:5:34: error: Pod default/p: status.podIPs: expected a list, found a mapping",
        ])
        let node = #"{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}, "status": {"addresses": {"type": "InternalIP"}}}"#
        XCTAssertEqual(loadErrors(node, file: "node.json"), ["node.json:1:89: error: Node n: status.addresses: expected a list, found a mapping"])
        let vnet = #"{"name": "v", "type": "Microsoft.Network/virtualNetworks", "addressSpace": {"addressPrefixes": ["10.0.0.0/8"]}, "subnets": {"name": "s"}}"#
        XCTAssertEqual(loadErrors(vnet, file: "vnet.json"), ["vnet.json:1:124: error: VNet v: subnets: expected a list, found a mapping"])
    }

    /// ARM requires priority, direction, access and protocol on a security rule.
    func testNSGExportRuleWithoutRequiredFieldsIsAnError() {
        let nsg = #"{"name": "n", "type": "Microsoft.Network/networkSecurityGroups", "securityRules": [{"name": "r", "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "sourcePortRange": "*", "destinationPortRange": "80", "access": "Allow"}]}"#
        XCTAssertEqual(loadErrors(nsg, file: "nsg.json"), [
            "nsg.json:1:84: error: NSG n: securityRules[0]: rule r: expected priority (100–4096)",
            "nsg.json:1:84: error: NSG n: securityRules[0]: rule r: expected direction (Inbound or Outbound)",
        ])
    }

    /// `az network nsg list`: securityRules and defaultSecurityRules, plural prefixes and port
    /// ranges next to empty singular ones, ASG references, etag/provisioningState everywhere.
    func testAzNSGListShape() throws {
        let json = """
        [{"defaultSecurityRules": [{"access": "Deny", "direction": "Inbound", "name": "DenyAllInBound", "priority": 65500, "protocol": "*",
            "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "sourcePortRange": "*", "destinationPortRange": "*", "etag": "W/\\"c\\""}],
          "etag": "W/\\"c\\"", "flushConnection": null, "id": "\(sub)/Microsoft.Network/networkSecurityGroups/nsg", "name": "nsg",
          "provisioningState": "Succeeded", "resourceGuid": "g", "type": "Microsoft.Network/networkSecurityGroups",
          "securityRules": [
            {"access": "Deny", "description": null, "destinationAddressPrefix": "", "destinationAddressPrefixes": ["10.224.0.4", "10.224.0.5/32"],
             "destinationApplicationSecurityGroups": null, "destinationPortRange": null, "destinationPortRanges": ["22", "8000-8100"],
             "direction": "Inbound", "name": "deny-mgmt", "priority": 400, "protocol": "*", "sourceAddressPrefix": null,
             "sourceAddressPrefixes": ["198.51.100.0/24", "203.0.113.7"], "sourcePortRange": "*", "sourcePortRanges": [], "provisioningState": "Succeeded"},
            {"access": "Allow", "destinationAddressPrefix": null, "destinationAddressPrefixes": [],
             "destinationApplicationSecurityGroups": [{"id": "\(sub)/Microsoft.Network/applicationSecurityGroups/web-asg", "resourceGroup": "MC_rg"}],
             "destinationPortRange": "443", "destinationPortRanges": [], "direction": "Inbound", "name": "asg", "priority": 410, "protocol": "Tcp",
             "sourceAddressPrefix": "Internet", "sourceAddressPrefixes": [], "sourcePortRange": "*", "sourcePortRanges": []}]}]
        """
        let asg = #"{"id": "x/applicationSecurityGroups/web-asg", "name": "web-asg", "type": "Microsoft.Network/applicationSecurityGroups", "etag": "e"}"#
        let dir = try makeTempDir()
        try write(json, to: dir.appendingPathComponent("nsgs.json"))
        try write(asg, to: dir.appendingPathComponent("asg.json"))
        let c = try ClusterLoader.load(paths: [dir.path])
        let nsg = try XCTUnwrap(c.networkSecurityGroups.first)
        XCTAssertEqual(nsg.rules.map(\.name), ["deny-mgmt", "asg"], "default rules are the model's own")
        let deny = nsg.rules[0]
        XCTAssertEqual(deny.sourceAddresses, [.prefix(IPPrefix("198.51.100.0/24")!), .prefix(IPPrefix("203.0.113.7/32")!)])
        XCTAssertEqual(deny.destinationAddresses, [.prefix(IPPrefix("10.224.0.4/32")!), .prefix(IPPrefix("10.224.0.5/32")!)])
        XCTAssertEqual(deny.destinationPorts, [PortRange(azure: "22")!, PortRange(azure: "8000-8100")!])
        XCTAssertEqual(deny.sourcePorts, [.any])
        XCTAssertEqual(nsg.rules[1].destinationApplicationSecurityGroups, ["web-asg"])
        XCTAssertEqual(nsg.rules[1].destinationAddresses, [], "an ASG side names no addresses")
        XCTAssertEqual(nsg.rules[1].sourceAddresses, [.serviceTag("Internet")])
    }

    /// A subnet printed with `addressPrefixes: []` next to its `addressPrefix` keeps the prefix.
    func testSubnetEmptyAddressPrefixesFallsBackToAddressPrefix() throws {
        let json = #"{"name": "v", "type": "Microsoft.Network/virtualNetworks", "addressSpace": {"addressPrefixes": ["10.0.0.0/8"]}, "subnets": [{"name": "s", "addressPrefix": "10.1.0.0/16", "addressPrefixes": []}]}"#
        let c = try ClusterLoader.load(yaml: json, file: "v.json")
        XCTAssertEqual(c.virtualNetworks.first?.subnets.first?.prefixes, [IPPrefix("10.1.0.0/16")!])
    }
}

extension ExportAuditTests {
    /// With the AKS private DNS zone the private endpoint export names only its NIC; the API
    /// server address comes from that NIC's export.
    func testPrivateEndpointAddressFromItsNIC() throws {
        let json = """
        [{"name": "aks2", "type": "Microsoft.ContainerService/ManagedClusters", "fqdn": null, "privateFqdn": "aks2-x.privatelink.eastus.azmk8s.io",
          "apiServerAccessProfile": {"enablePrivateCluster": true, "privateDnsZone": "system"}, "networkProfile": {"networkPlugin": "azure", "podCidr": "10.244.0.0/16"}},
         {"name": "kube-apiserver", "type": "Microsoft.Network/privateEndpoints", "customDnsConfigs": [], "ipConfigurations": [],
          "networkInterfaces": [{"id": "/subscriptions/x/resourceGroups/MC/providers/Microsoft.Network/networkInterfaces/kube-apiserver.nic.abc"}],
          "privateLinkServiceConnections": [{"name": "kube-apiserver", "groupIds": ["management"]}]},
         {"name": "kube-apiserver.nic.abc", "type": "Microsoft.Network/networkInterfaces", "privateEndpoint": {"id": "x"},
          "ipConfigurations": [{"name": "privateEndpointIpConfig.x", "privateIPAddress": "10.224.0.250", "privateIPAddressVersion": "IPv4"}]}]
        """
        let c = try ClusterLoader.load(yaml: json, file: "private.json")
        XCTAssertEqual(c.settings.apiServer.privateIP, IPAddress("10.224.0.250"))
        XCTAssertFalse(c.notes.contains { $0.description.contains("endpoint") }, "\(c.notes)")
    }
}

extension ExportAuditTests {
    /// podutil.FindPort resolves a named targetPort in the containers, then in sidecars (init
    /// containers with restartPolicy Always); plain init containers do not count.
    func testSidecarNamedPortsResolveForDerivedEndpoints() throws {
        let yaml = """
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: default, labels: {app: a}}
        spec:
          nodeName: n
          initContainers:
          - {name: setup, ports: [{containerPort: 7000, name: metrics}]}
          - {name: proxy, restartPolicy: Always, ports: [{containerPort: 15001, name: metrics}, {containerPort: 15002, name: admin}]}
          containers:
          - {name: app, ports: [{containerPort: 8080, name: http}]}
        status: {phase: Running, podIPs: [{ip: 10.244.0.5}], conditions: [{type: Ready, status: "True"}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: default}
        spec: {clusterIP: 10.0.0.9, selector: {app: a}, ports: [{name: m, port: 9090, targetPort: metrics}, {name: h, port: 80, targetPort: http}]}
        """
        let c = try ClusterLoader.load(yaml: yaml, file: "sidecar.yaml")
        XCTAssertEqual(c.pods.first?.containerPorts.map(\.port), [8080, 15001, 15002])
        let slice = try XCTUnwrap(c.endpointSlices.first { $0.serviceName == "s" })
        XCTAssertEqual(slice.ports.map(\.port), [15001, 8080])
    }
}

extension ExportAuditTests {
    /// `az network nsg list` of a cluster whose rules name ASGs, without `az network asg list`
    /// (not in the usual export set): a partial export, so a warning, as for other kinds.
    func testNSGRuleASGWithoutASGExportIsAWarning() throws {
        let json = #"[{"name": "nsg", "type": "Microsoft.Network/networkSecurityGroups", "securityRules": [{"name": "r", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationPortRange": "443", "destinationApplicationSecurityGroups": [{"id": "/x/applicationSecurityGroups/web-asg"}]}]}]"#
        let c = try ClusterLoader.load(yaml: json, file: "nsgs.json")
        XCTAssertEqual(c.notes.filter { $0.severity == .warning }.map(\.description), [
            "nsgs.json:1:303: warning: NSG nsg: securityRules[0].destinationApplicationSecurityGroups: rule r: application security group web-asg not found (none loaded; add the export to check this reference)",
        ])
    }
}

extension ExportAuditTests {
    /// `az … -o json > file` in Windows PowerShell 5.1 writes UTF-16 with a byte-order mark.
    func testUTF16ExportLoads() throws {
        let json = #"[{"name": "p", "type": "Microsoft.Network/publicIPAddresses", "ipAddress": "20.1.2.3", "publicIPAllocationMethod": "Static"}]"#
        let dir = try makeTempDir()
        let url = dir.appendingPathComponent("pips.json")
        try XCTUnwrap(json.data(using: .utf16)).write(to: url)   // Foundation prepends the BOM
        let c = try ClusterLoader.load(paths: [url.path])
        XCTAssertEqual(c.publicIPs.map(\.address), [IPAddress("20.1.2.3")!])
    }
}

extension ExportAuditTests {
    /// Unset string fields printed as "" read as absent in exports.
    func testEmptyStringsReadAsAbsentInExports() throws {
        let json = """
        [{"name": "rt", "type": "Microsoft.Network/routeTables", "routes": [{"name": "r", "addressPrefix": "0.0.0.0/0", "nextHopType": "Internet", "nextHopIpAddress": ""}]},
         {"name": "lb", "type": "Microsoft.Network/loadBalancers", "frontendIPConfigurations": [{"name": "f", "privateIPAddress": "", "publicIPAddress": {"id": "/x/publicIPAddresses/p"}}]},
         {"name": "p", "type": "Microsoft.Network/publicIPAddresses", "ipAddress": "20.1.2.3", "publicIPAllocationMethod": "Static"}]
        """
        let c = try ClusterLoader.load(yaml: json, file: "e.json")
        XCTAssertEqual(c.routeTables.first?.routes.first?.nextHopIP, nil)
        XCTAssertEqual(c.loadBalancers.first?.frontends.first?.address, IPAddress("20.1.2.3"))
    }
}

extension ExportAuditTests {
    /// An Ingress with a resource backend is valid upstream: the export loads without that path.
    /// A bare JSON array of objects (`kubectl get … -o json | jq .items`) loads like a List.
    func testIngressResourceBackendAndBareObjectArray() throws {
        let json = """
        [{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i", "namespace": "default"},
          "spec": {"ingressClassName": "nginx", "rules": [{"host": "a.example.com", "http": {"paths": [
            {"path": "/static", "pathType": "Prefix", "backend": {"resource": {"apiGroup": "k8s.example.com", "kind": "StorageBucket", "name": "static"}}},
            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}},
         {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}]
        """
        let c = try ClusterLoader.load(yaml: json, file: "i.json")
        XCTAssertEqual(c.namespaces.map(\.name), ["default"])
        XCTAssertEqual(c.ingresses.first?.rules.first?.paths.map(\.path), ["/"])
        XCTAssertTrue(c.notes.contains { $0.severity == .warning && $0.description.contains("resource backend is not modelled") })
    }
}

extension ExportAuditTests {
    /// Azure names are case-insensitive: references whose casing differs from the resource's
    /// own (an ID typed by hand, upper-cased names in VMSS IDs) resolve to it.
    func testAzureReferencesIgnoreCase() throws {
        let s = "/subscriptions/x/resourceGroups/MC_RG/providers"
        let json = """
        [{"name": "aks-vnet", "type": "Microsoft.Network/virtualNetworks", "addressSpace": {"addressPrefixes": ["10.224.0.0/12"]},
          "subnets": [{"name": "aks-subnet", "addressPrefix": "10.224.0.0/16",
                       "networkSecurityGroup": {"id": "\(s)/Microsoft.Network/networkSecurityGroups/AKS-AGENTPOOL-NSG"},
                       "routeTable": {"id": "\(s)/Microsoft.Network/routeTables/Aks-Routes"}}]},
         {"name": "aks-agentpool-nsg", "type": "Microsoft.Network/networkSecurityGroups", "securityRules": [
           {"name": "r", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*",
            "sourcePortRange": "*", "destinationPortRange": "443", "destinationApplicationSecurityGroups": [{"id": "\(s)/Microsoft.Network/applicationSecurityGroups/WEB"}]}]},
         {"name": "web", "type": "Microsoft.Network/applicationSecurityGroups"},
         {"name": "aks-routes", "type": "Microsoft.Network/routeTables", "routes": []},
         {"name": "aks-nodepool1-1234-vmss", "type": "Microsoft.Network/networkInterfaces", "macAddress": "00-0D-3A-00-00-01",
          "id": "\(s)/Microsoft.Compute/virtualMachineScaleSets/AKS-NODEPOOL1-1234-VMSS/virtualMachines/10/networkInterfaces/aks-nodepool1-1234-vmss",
          "ipConfigurations": [{"name": "ipconfig1", "privateIPAddress": "10.224.0.4", "subnet": {"id": "\(s)/Microsoft.Network/virtualNetworks/AKS-VNET/subnets/AKS-SUBNET"},
                                "applicationSecurityGroups": [{"id": "\(s)/Microsoft.Network/applicationSecurityGroups/Web"}]}]}]
        ---
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "aks-nodepool1-1234-vmss00000a"}, "status": {"addresses": [{"type": "InternalIP", "address": "10.224.0.4"}]}}
        """
        let c = try ClusterLoader.load(yaml: json, file: "case.yaml")
        let subnet = try XCTUnwrap(c.virtualNetworks.first?.subnets.first)
        XCTAssertEqual(subnet.networkSecurityGroup, "aks-agentpool-nsg")
        XCTAssertEqual(subnet.routeTable, "aks-routes")
        XCTAssertEqual(c.networkSecurityGroups.first?.rules.first?.destinationApplicationSecurityGroups, ["web"])
        let nic = try XCTUnwrap(c.networkInterfaces.first)
        XCTAssertEqual(nic.nodeName, "aks-nodepool1-1234-vmss00000a")
        XCTAssertEqual(nic.subnet, "aks-vnet/aks-subnet")
        XCTAssertEqual(nic.applicationSecurityGroups, ["web"])
        XCTAssertEqual(c.nodes.first?.subnet, "aks-vnet/aks-subnet")
    }
}

extension ExportAuditTests {
    /// Pods exported without their Namespace objects: a namespaceSelector on the API server's
    /// `kubernetes.io/metadata.name` label still selects their namespace (no spurious warning).
    func testNamespaceSelectorWithoutNamespaceExport() throws {
        let yaml = """
        apiVersion: v1
        kind: Pod
        metadata: {name: b, namespace: other, labels: {app: b}}
        spec: {containers: [{name: c}]}
        status: {phase: Running, podIPs: [{ip: 10.244.0.6}]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p, namespace: shop}
        spec:
          podSelector: {}
          policyTypes: [Ingress]
          ingress:
          - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: other}}}]
        """
        let c = try ClusterLoader.load(yaml: yaml, file: "np.yaml")
        XCTAssertFalse(c.notes.contains { $0.description.contains("matches no namespace") }, "\(c.notes)")
    }
}

extension ExportAuditTests {
    /// networking.k8s.io/v1 IngressSpec.ingressClassName: "when that annotation
    /// [kubernetes.io/ingress.class] is set, it must be given precedence over this field"
    /// (ingress-nginx GetIngressClass reads the annotation first).
    func testIngressClassAnnotationTakesPrecedenceOverTheField() throws {
        let json = """
        [{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
          "metadata": {"name": "i", "namespace": "default", "annotations": {"kubernetes.io/ingress.class": "legacy"}},
          "spec": {"ingressClassName": "nginx", "rules": [{"host": "a.example.com", "http": {"paths": [
            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}},
         {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "j", "namespace": "default"},
          "spec": {"ingressClassName": "nginx", "rules": [{"host": "b.example.com", "http": {"paths": [
            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}]
        """
        let c = try ClusterLoader.load(yaml: json, file: "i.json")
        XCTAssertEqual(c.ingresses.map(\.ingressClassName), ["legacy", "nginx"])
    }
}

extension ExportAuditTests {
    /// A resource backend is valid networking.k8s.io/v1 in the native format too (it keeps the
    /// Kubernetes spec shape): the cluster loads with a warning and without that path or default
    /// backend, as ingress-nginx skips non-Service backends.
    func testNativeIngressResourceBackendIsWarnedNotRefused() throws {
        let yaml = """
        name: t
        namespaces: [{name: web}]
        ingresses:
          - name: i
            namespace: web
            ingressClassName: nginx
            defaultBackend: {resource: {apiGroup: k8s.example.com, kind: StorageBucket, name: b}}
            rules:
              - host: a.example.com
                http:
                  paths:
                    - {path: /static, pathType: Prefix, backend: {resource: {apiGroup: k8s.example.com, kind: StorageBucket, name: s}}}
                    - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
        """
        let c = try ClusterLoader.load(yaml: yaml, file: "native.yaml")
        XCTAssertEqual(c.ingresses.first?.rules.first?.paths.map(\.path), ["/"])
        XCTAssertNil(c.ingresses.first?.defaultBackend)
        XCTAssertEqual(c.notes.filter { $0.severity == .warning && $0.description.contains("resource backend is not modelled") }.count, 2)
    }
}
