import Foundation
import NetworkAddress
import XCTest
@testable import ClusterModel

/// kubectl output: List objects, multi-document YAML, JSON, legacy Endpoints, derived slices.
final class KubernetesExportTests: XCTestCase {
    static let podsList = """
    apiVersion: v1
    kind: List
    metadata:
      resourceVersion: ""
    items:
    - apiVersion: v1
      kind: Pod
      metadata:
        name: web-1
        namespace: shop
        labels: {app: web}
        managedFields:
        - manager: kubelet
          operation: Update
        someFutureField: ignored
      spec:
        nodeName: node-a
        containers:
        - name: web
          image: nginx
          ports:
          - {containerPort: 8080, name: http, protocol: TCP}
      status:
        phase: Running
        podIP: 10.1.0.5
        podIPs: [{ip: 10.1.0.5}]
        conditions:
        - {type: Ready, status: "True"}
    - apiVersion: v1
      kind: Pod
      metadata:
        name: web-2
        namespace: shop
        labels: {app: web}
        deletionTimestamp: "2026-11-25T08:00:00Z"
      spec:
        nodeName: node-b
        containers:
        - name: web
          ports:
          - {containerPort: 9090, name: http}
      status:
        phase: Running
        podIPs: [{ip: 10.1.0.6}]
        conditions:
        - {type: Ready, status: "False"}
    - apiVersion: v1
      kind: Pod
      metadata: {name: web-3, namespace: shop, labels: {app: web}}
      spec: {nodeName: node-b, containers: [{name: web}]}
      status: {phase: Pending, conditions: [{type: Ready, status: "False"}]}
    - apiVersion: v1
      kind: Pod
      metadata: {name: agent, namespace: shop, labels: {app: agent}}
      spec: {nodeName: node-a, hostNetwork: true, containers: [{name: a}]}
      status: {phase: Running, podIPs: [{ip: 10.0.0.4}], conditions: [{type: Ready, status: "True"}]}

    """

    static let multiDoc = """
    apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: shop}
    spec:
      type: NodePort
      clusterIP: 10.96.0.20
      selector: {app: web}
      ports:
      - {name: http, port: 80, targetPort: http, nodePort: 30080}
      - {name: admin, port: 9000, protocol: TCP}
      sessionAffinity: ClientIP
      sessionAffinityConfig: {clientIP: {timeoutSeconds: 600}}
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: db, namespace: shop}
    spec:
      clusterIP: None
      ports: [{port: 5432}]
    ---
    apiVersion: v1
    kind: Endpoints
    metadata: {name: db, namespace: shop}
    subsets:
    - addresses: [{ip: 10.1.0.9, nodeName: node-a, targetRef: {kind: Pod, name: db-0, namespace: shop}}]
      notReadyAddresses: [{ip: 10.1.0.10}]
      ports: [{port: 5432, protocol: TCP}]
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: ignored, namespace: shop}

    """

    static let nodesJSON = """
    {"apiVersion": "v1", "kind": "NodeList", "metadata": {}, "items": [
      {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a", "labels": {"topology.kubernetes.io/zone": "eastus-1"}},
       "spec": {"podCIDR": "10.1.0.0/24", "podCIDRs": ["10.1.0.0/24"]},
       "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.4"}, {"type": "Hostname", "address": "node-a"}],
                  "conditions": [{"type": "Ready", "status": "True"}]}},
      {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-b", "labels": {"failure-domain.beta.kubernetes.io/zone": "eastus-2"}},
       "spec": {"podCIDRs": ["10.1.1.0/24"]},
       "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.5"}, {"type": "ExternalIP", "address": "20.0.0.5"}],
                  "conditions": [{"type": "Ready", "status": "False"}]}}]}
    """

    func testListMultiDocAndJSONTogether() throws {
        let dir = try makeTempDir()
        try write(Self.podsList, to: dir.appendingPathComponent("pods.yaml"))
        try write(Self.multiDoc, to: dir.appendingPathComponent("sub/services.yml"))
        try write(Self.nodesJSON, to: dir.appendingPathComponent("nodes.json"))
        try write("not a cluster file", to: dir.appendingPathComponent("README.txt"))
        let c = try ClusterLoader.load(paths: [dir.path])

        XCTAssertEqual(c.nodes.map(\.name), ["node-a", "node-b"])
        XCTAssertEqual(c.nodes[0].internalIPs, [IPAddress("10.0.0.4")!])
        XCTAssertEqual(c.nodes[0].podCIDRs, [IPPrefix("10.1.0.0/24")!])
        XCTAssertEqual(c.nodes.map(\.zone), ["eastus-1", "eastus-2"])
        XCTAssertEqual(c.nodes.map(\.ready), [true, false])
        XCTAssertEqual(c.nodes[1].externalIPs, [IPAddress("20.0.0.5")!])

        XCTAssertEqual(c.pods.map(\.name), ["web-1", "web-2", "web-3", "agent"])
        XCTAssertEqual(c.pods[0].containerPorts, [ContainerPort(name: "http", port: 8080, proto: .tcp)])
        XCTAssertEqual(c.pods.map(\.ready), [true, false, false, true])
        XCTAssertEqual(c.pods.map(\.terminating), [false, true, false, false])
        XCTAssertEqual(c.pods[2].phase, .Pending)
        XCTAssertTrue(c.pods[3].hostNetwork)

        let web = try XCTUnwrap(c.services.first { $0.name == "web" })
        XCTAssertEqual(web.type, .NodePort)
        XCTAssertEqual(web.ports.map(\.targetPort), [.name("http"), .number(9000)], "targetPort defaults to port")
        XCTAssertEqual(web.ports.first?.nodePort, 30080)
        XCTAssertTrue(web.sessionAffinityClientIP)
        XCTAssertEqual(web.sessionAffinityTimeoutSeconds, 600)
        let db = try XCTUnwrap(c.services.first { $0.name == "db" })
        XCTAssertTrue(db.headless)
        XCTAssertNil(db.selector)

        // db has no selector: its legacy Endpoints become a slice.
        let dbSlice = try XCTUnwrap(c.endpointSlices.first { $0.serviceName == "db" })
        XCTAssertFalse(dbSlice.derived)
        XCTAssertEqual(dbSlice.endpoints.map(\.addresses), [[IPAddress("10.1.0.9")!], [IPAddress("10.1.0.10")!]])
        XCTAssertEqual(dbSlice.endpoints.map(\.isReady), [true, false])
        XCTAssertEqual(dbSlice.endpoints.first?.podRef, "shop/db-0")

        // web has a selector and no slice: derived the endpoint-slice controller's way.
        let derived = c.endpointSlices.filter { $0.serviceName == "web" }
        XCTAssertTrue(derived.allSatisfy(\.derived))
        // web-1 and web-2 resolve `http` to different container ports → two slices;
        // web-3 has no IP (Pending) and is left out.
        XCTAssertEqual(derived.count, 2)
        let byPod = Dictionary(uniqueKeysWithValues: derived.flatMap { s in s.endpoints.map { ($0.podRef ?? "", (s.ports, $0)) } })
        XCTAssertEqual(byPod["shop/web-1"]?.0, [EndpointPort(name: "http", port: 8080), EndpointPort(name: "admin", port: 9000)])
        XCTAssertEqual(byPod["shop/web-2"]?.0, [EndpointPort(name: "http", port: 9090), EndpointPort(name: "admin", port: 9000)])
        XCTAssertEqual(byPod["shop/web-1"]?.1.isReady, true)
        XCTAssertEqual(byPod["shop/web-2"]?.1.ready, false, "terminating pods are not ready")
        XCTAssertEqual(byPod["shop/web-2"]?.1.terminating, true)
        XCTAssertEqual(byPod["shop/web-1"]?.1.zone, "eastus-1")
        XCTAssertNil(byPod["shop/web-3"])
        XCTAssertTrue(c.notes.contains { $0.description.contains("Service shop/web: no EndpointSlice given; derived from 2 matching pod(s), 1 ready") })
        XCTAssertTrue(c.notes.contains { $0.description.contains("kind ConfigMap is not modelled") })
    }

    func testEndpointSlicesWinOverLegacyEndpoints() throws {
        let yaml = Self.multiDoc + """
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: db-abcde
          namespace: shop
          labels: {kubernetes.io/service-name: db}
        addressType: IPv4
        endpoints:
        - addresses: [10.1.0.11]
          conditions: {ready: true, serving: true, terminating: false}
          nodeName: node-a
          zone: eastus-1
          targetRef: {kind: Pod, name: db-1, namespace: shop}
        ports:
        - {name: "", port: 5432, protocol: TCP}

        """
        let c = try ClusterLoader.load(yaml: yaml, file: "k.yaml")
        let slices = c.endpointSlices.filter { $0.serviceName == "db" }
        XCTAssertEqual(slices.map(\.name), ["db-abcde"])
        XCTAssertEqual(slices.first?.endpoints.first?.podRef, "shop/db-1")
    }

    /// `selector: {}` is no selector (the API server does not keep an empty map; the endpoint-slice
    /// controller skips nil selectors): no derived slice, not one per pod of the namespace.
    func testEmptyServiceSelectorDerivesNoEndpoints() throws {
        let yaml = Self.multiDoc + """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: everything, namespace: shop}
        spec:
          clusterIP: 10.0.9.9
          selector: {}
          ports: [{port: 80}]

        """
        let c = try ClusterLoader.load(yaml: yaml, file: "k.yaml")
        let svc = try XCTUnwrap(c.services.first { $0.name == "everything" })
        XCTAssertNil(svc.selector)
        XCTAssertTrue(c.endpointSlices.filter { $0.serviceName == "everything" }.isEmpty)
    }

    /// publishNotReadyAddresses: the endpoint-slice controller marks a not-ready pod's endpoint ready.
    func testPublishNotReadyAddressesMakesDerivedEndpointsReady() throws {
        let yaml = """
        apiVersion: v1
        kind: Pod
        metadata: {name: db-0, namespace: shop, labels: {app: db}}
        spec: {nodeName: node-a, containers: [{name: db, image: postgres}]}
        status:
          phase: Running
          podIP: 10.1.0.30
          conditions: [{type: Ready, status: "False"}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: shop}
        spec:
          clusterIP: None
          publishNotReadyAddresses: true
          selector: {app: db}
          ports: [{port: 5432}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: db-ready-only, namespace: shop}
        spec:
          clusterIP: 10.0.9.30
          selector: {app: db}
          ports: [{port: 5432}]

        """
        let c = try ClusterLoader.load(yaml: yaml, file: "k.yaml")
        let published = c.endpointSlices.filter { $0.serviceName == "db" }.flatMap(\.endpoints)
        XCTAssertEqual(published.map(\.isReady), [true])
        let plain = c.endpointSlices.filter { $0.serviceName == "db-ready-only" }.flatMap(\.endpoints)
        XCTAssertEqual(plain.map(\.isReady), [false])
    }

    func testNetworkPolicyFullSpec() throws {
        let yaml = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: np, namespace: shop, generation: 3}
        spec:
          podSelector:
            matchExpressions:
            - {key: app, operator: In, values: [web, api]}
            - {key: canary, operator: DoesNotExist}
          ingress:
          - from:
            - namespaceSelector: {matchLabels: {team: ops}}
              podSelector: {matchLabels: {role: scraper}}
            - ipBlock: {cidr: 172.16.0.0/12, except: [172.16.5.0/24]}
            ports:
            - {protocol: TCP, port: 8000, endPort: 8100}
            - {protocol: UDP, port: metrics}
          egress:
          - {}
        status: {}

        """
        let c = try ClusterLoader.load(yaml: yaml, file: "np.yaml")
        let np = try XCTUnwrap(c.networkPolicies.first)
        XCTAssertNil(np.policyTypes)
        XCTAssertEqual(np.effectivePolicyTypes, [.Ingress, .Egress], "an egress section adds Egress when policyTypes is omitted")
        XCTAssertEqual(np.podSelector.matchExpressions, [SelectorRequirement(key: "app", op: .In, values: ["web", "api"]), SelectorRequirement(key: "canary", op: .DoesNotExist)])
        let peers = try XCTUnwrap(np.ingress.first?.peers)
        XCTAssertEqual(peers[0].namespaceSelector?.matchLabels, ["team": "ops"])
        XCTAssertEqual(peers[0].podSelector?.matchLabels, ["role": "scraper"])
        XCTAssertEqual(peers[1].ipBlock?.except, [IPPrefix("172.16.5.0/24")!])
        XCTAssertEqual(np.ingress.first?.ports, [NetworkPolicyPort(proto: .tcp, port: .number(8000), endPort: 8100), NetworkPolicyPort(proto: .udp, port: .name("metrics"))])
        XCTAssertEqual(np.egress, [NetworkPolicyRule()], "egress: [{}] allows everything")
    }

    func testIngressAndIngressClassRecogniseAppRouting() throws {
        let yaml = """
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata:
          name: webapprouting.kubernetes.azure.com
          annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
        spec: {controller: webapprouting.kubernetes.azure.com/nginx}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: nginx, namespace: app-routing-system}
        spec: {type: LoadBalancer, clusterIP: 10.0.60.10, ports: [{port: 80, nodePort: 30081}], externalTrafficPolicy: Local, healthCheckNodePort: 32000}
        status: {loadBalancer: {ingress: [{ip: 20.62.20.40}]}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: shop, namespace: shop}
        spec:
          rules:
          - host: shop.contoso.com
            http:
              paths:
              - {path: /api, pathType: Exact, backend: {service: {name: api, port: {name: http}}}}
          tls: [{hosts: [shop.contoso.com], secretName: tls}]

        """
        let c = try ClusterLoader.load(yaml: yaml, file: "i.yaml")
        XCTAssertEqual(c.ingressClasses, [IngressClass(name: "webapprouting.kubernetes.azure.com", controller: "webapprouting.kubernetes.azure.com/nginx", isDefault: true)])
        XCTAssertEqual(c.ingressControllers, [IngressController(className: "webapprouting.kubernetes.azure.com", service: "app-routing-system/nginx")])
        let ing = try XCTUnwrap(c.ingresses.first)
        XCTAssertEqual(ing.rules.first?.paths.first, IngressPath(path: "/api", pathType: .Exact, backend: IngressBackend(serviceName: "api", port: .name("http"))))
        XCTAssertEqual(ing.tlsHosts, ["shop.contoso.com"])
        XCTAssertEqual(c.services.first?.healthCheckNodePort, 32000)
        XCTAssertEqual(c.services.first?.loadBalancerIngressIPs, [IPAddress("20.62.20.40")!])
        // The backend Service is missing: a warning, not an error.
        XCTAssertTrue(c.notes.contains { $0.severity == .warning && $0.description.contains("backend Service shop/api not found") })
    }

    /// status.loadBalancer.ingress[].ipMode (KEP-1860): Proxy addresses are kept apart; VIP and
    /// absent are the VIP mode kube-proxy programs; anything else is an error naming the field.
    func testLoadBalancerIngressIPMode() throws {
        let yaml = """
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: n}
        spec: {type: LoadBalancer, clusterIP: 10.0.0.20, ports: [{port: 80, nodePort: 30080}]}
        status: {loadBalancer: {ingress: [{ip: 20.62.20.40, ipMode: Proxy}, {ip: 20.62.20.41, ipMode: VIP}, {ip: 20.62.20.42}]}}

        """
        let c = try ClusterLoader.load(yaml: yaml, file: "s.yaml")
        let s = try XCTUnwrap(c.services.first)
        XCTAssertEqual(s.loadBalancerIngressIPs, ["20.62.20.40", "20.62.20.41", "20.62.20.42"].map { IPAddress($0)! })
        XCTAssertEqual(s.loadBalancerProxyModeIPs, [IPAddress("20.62.20.40")!])
        let bad = yaml.replacingOccurrences(of: "ipMode: VIP", with: "ipMode: Direct")
        XCTAssertEqual(loadErrors(bad).count, 1)
        XCTAssertTrue(loadErrors(bad).first?.contains("expected one of VIP, Proxy") == true, "\(loadErrors(bad))")
    }

    /// EndpointSlice `hints.forZones` and Service `trafficDistribution` load; derived slices of a
    /// PreferClose Service hint each endpoint for its own zone (endpointslice controller).
    func testZoneHintsAndTrafficDistribution() throws {
        let yaml = """
        apiVersion: v1
        kind: Node
        metadata: {name: node-a, labels: {topology.kubernetes.io/zone: eastus-1}}
        status: {addresses: [{type: InternalIP, address: 10.1.0.4}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: w, namespace: n, labels: {app: w}}
        spec: {nodeName: node-a, containers: [{name: c}]}
        status: {phase: Running, podIP: 10.1.0.5, podIPs: [{ip: 10.1.0.5}], conditions: [{type: Ready, status: "True"}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: derived, namespace: n}
        spec: {clusterIP: 10.0.0.21, selector: {app: w}, trafficDistribution: PreferClose, ports: [{port: 80}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: n}
        spec: {clusterIP: 10.0.0.20, ports: [{port: 80}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: s-1, namespace: n, labels: {kubernetes.io/service-name: s}}
        addressType: IPv4
        ports: [{port: 80}]
        endpoints:
        - addresses: [10.1.0.5]
          zone: eastus-1
          hints: {forZones: [{name: eastus-1}, {name: eastus-2}]}

        """
        let c = try ClusterLoader.load(yaml: yaml, file: "z.yaml")
        XCTAssertEqual(c.services.first { $0.name == "derived" }?.trafficDistribution, "PreferClose")
        XCTAssertEqual(c.endpointSlices.first { $0.serviceName == "s" }?.endpoints.first?.zoneHints, ["eastus-1", "eastus-2"])
        XCTAssertEqual(c.endpointSlices.first { $0.serviceName == "derived" }?.endpoints.first?.zoneHints, ["eastus-1"])
    }

    /// A pending LoadBalancer (spec.loadBalancerIP requested, no status yet) has no ingress IP:
    /// kube-proxy reads status.loadBalancer.ingress only. A warning says why.
    func testPendingLoadBalancerIPIsNotAnIngressIP() throws {
        let yaml = """
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: n}
        spec: {type: LoadBalancer, clusterIP: 10.0.0.20, loadBalancerIP: 20.62.20.50, ports: [{port: 80, nodePort: 30080}]}
        status: {loadBalancer: {}}

        """
        let c = try ClusterLoader.load(yaml: yaml, file: "s.yaml")
        XCTAssertEqual(c.services.first?.loadBalancerIngressIPs, [])
        XCTAssertTrue(c.notes.contains { $0.severity == .warning && $0.description.contains("load balancer pending") }, "\(c.notes)")
    }

    func testExportFieldErrorsNameThePath() {
        let yaml = """
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: n}
        spec:
          ports: [{port: 80, protocol: TPC}]

        """
        XCTAssertEqual(loadErrors(yaml), ["t.yaml:5:32: error: Service n/s: spec.ports[0].protocol: unknown value \"TPC\"; expected one of TCP, UDP, SCTP"])
    }

    /// libyaml rejects JSON surrogate-pair escapes; such files are read by Foundation instead.
    func testJSONWithSurrogatePairEscapesLoads() throws {
        let json = #"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fun", "labels": {"emoji": "\ud83d\ude00", "on": true, "n": 3}}}"#
        let c = try ClusterLoader.load(yaml: json, file: "ns.json")
        XCTAssertEqual(c.namespaces.first?.labels["emoji"], "\u{1F600}")
        XCTAssertEqual(c.namespaces.first?.labels["on"], "true")
        XCTAssertEqual(c.namespaces.first?.labels["n"], "3")
    }
}
