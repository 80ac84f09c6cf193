import NetworkAddress

public typealias Labels = [String: String]

/// `IntOrString` as Kubernetes uses it for targetPort and NetworkPolicy ports.
public enum PortRef: Hashable, Sendable, CustomStringConvertible {
    case number(Int)
    case name(String)

    public var description: String {
        switch self {
        case .number(let n): return String(n)
        case .name(let s): return s
        }
    }
}

public struct Namespace: Sendable, Hashable {
    public var name: String
    public var labels: Labels
    public var source: SourceLocation?

    /// Kubernetes adds `kubernetes.io/metadata.name` to every namespace (1.21+); so do we.
    public init(name: String, labels: Labels = [:], source: SourceLocation? = nil) {
        self.name = name
        var l = labels
        l["kubernetes.io/metadata.name"] = name
        self.labels = l
        self.source = source
    }
}

public struct Node: Sendable, Hashable {
    public var name: String = ""
    public var labels: Labels = [:]
    /// InternalIP addresses (first IPv4 is the primary), plus ExternalIP if any.
    public var internalIPs: [IPAddress] = []
    public var externalIPs: [IPAddress] = []
    /// `spec.podCIDRs` (kubenet / overlay: one /24 per node).
    public var podCIDRs: [IPPrefix] = []
    /// VNet subnet the node's NIC sits in, as "vnet/subnet" or just "subnet".
    public var subnet: String = ""
    public var zone: String = ""
    public var ready: Bool = true
    public var source: SourceLocation?
    public init() {}
}

public struct ContainerPort: Sendable, Hashable {
    public var name: String?
    public var port: Int
    public var proto: IPProtocol
    public init(name: String? = nil, port: Int, proto: IPProtocol = .tcp) {
        self.name = name
        self.port = port
        self.proto = proto
    }
}

public enum PodPhase: String, Sendable, CaseIterable {
    case Pending, Running, Succeeded, Failed, Unknown
}

public struct Pod: Sendable, Hashable {
    public var name: String = ""
    public var namespace: String = "default"
    public var labels: Labels = [:]
    public var nodeName: String = ""
    public var ips: [IPAddress] = []
    public var hostNetwork: Bool = false
    public var phase: PodPhase = .Running
    /// The Ready condition.
    public var ready: Bool = true
    /// `metadata.deletionTimestamp` set: the pod is terminating.
    public var terminating: Bool = false
    public var containerPorts: [ContainerPort] = []
    public var source: SourceLocation?
    public init() {}

    public var qualifiedName: String { "\(namespace)/\(name)" }
}

public enum ServiceType: String, Sendable, CaseIterable {
    case ClusterIP, NodePort, LoadBalancer, ExternalName
}

public enum TrafficPolicy: String, Sendable, CaseIterable {
    case Cluster, Local
}

public struct ServicePort: Sendable, Hashable {
    public var name: String = ""
    public var proto: IPProtocol = .tcp
    public var port: Int = 0
    /// Defaults to `port` when absent, as the API server does.
    public var targetPort: PortRef = .number(0)
    public var nodePort: Int?
    public var appProtocol: String?
    public init() {}
}

public struct Service: Sendable, Hashable {
    public var name: String = ""
    public var namespace: String = "default"
    public var type: ServiceType = .ClusterIP
    public var labels: Labels = [:]
    public var annotations: [String: String] = [:]
    /// nil = no selector (endpoints managed by hand). Loaders store `selector: {}` as nil, as the API
    /// server does; an empty map built in code is treated the same way (no derived endpoints).
    public var selector: Labels?
    /// `spec.clusterIPs`; empty with `headless` for `clusterIP: None`.
    public var clusterIPs: [IPAddress] = []
    public var headless: Bool = false
    public var ports: [ServicePort] = []
    public var externalIPs: [IPAddress] = []
    /// `status.loadBalancer.ingress[].ip`.
    public var loadBalancerIngressIPs: [IPAddress] = []
    /// The ingress IPs with `ipMode: Proxy` (KEP-1860, GA 1.32): the load balancer proxies to the
    /// nodes, so kube-proxy programs no rule for the address (only `VIP`, the default, is captured).
    public var loadBalancerProxyModeIPs: [IPAddress] = []
    public var loadBalancerSourceRanges: [IPPrefix] = []
    public var externalTrafficPolicy: TrafficPolicy = .Cluster
    public var internalTrafficPolicy: TrafficPolicy = .Cluster
    public var sessionAffinityClientIP: Bool = false
    /// `sessionAffinityConfig.clientIP.timeoutSeconds`, default 10800.
    public var sessionAffinityTimeoutSeconds: Int = 10800
    public var healthCheckNodePort: Int?
    public var allocateLoadBalancerNodePorts: Bool = true
    /// `publishNotReadyAddresses`: the endpoint-slice controller marks every endpoint ready.
    public var publishNotReadyAddresses: Bool = false
    /// `spec.trafficDistribution` (`PreferClose`, …): kube-proxy honours EndpointSlice zone hints.
    public var trafficDistribution: String?
    public var externalName: String?
    public var source: SourceLocation?
    public init() {}

    public var qualifiedName: String { "\(namespace)/\(name)" }

    /// kube-proxy's canUseTopology precondition (pkg/proxy/topology.go): zone hints are honoured
    /// when `trafficDistribution` is set or the `service.kubernetes.io/topology-mode` (formerly
    /// `topology-aware-hints`) annotation is `Auto`.
    public var usesTopologyHints: Bool {
        if let t = trafficDistribution, !t.isEmpty { return true }
        let mode = annotations["service.kubernetes.io/topology-mode"] ?? annotations["service.kubernetes.io/topology-aware-hints"]
        return mode == "Auto" || mode == "auto"
    }
    /// `service.beta.kubernetes.io/azure-load-balancer-internal: "true"`.
    public var isInternalLoadBalancer: Bool {
        annotations["service.beta.kubernetes.io/azure-load-balancer-internal"]?.lowercased() == "true"
    }
}

public struct Endpoint: Sendable, Hashable {
    public var addresses: [IPAddress] = []
    /// Conditions; nil means "unknown", which consumers read as true for ready/serving (API doc).
    public var ready: Bool?
    public var serving: Bool?
    public var terminating: Bool?
    public var nodeName: String?
    public var zone: String?
    /// `hints.forZones[].name`: the zones whose nodes should use this endpoint (topology-aware routing).
    public var zoneHints: [String] = []
    /// `targetRef` of kind Pod: "namespace/name".
    public var podRef: String?
    public init() {}

    public var isReady: Bool { ready ?? true }
    /// kube-proxy (pkg/proxy/endpointslicecache.go) and the EndpointConditions API doc: a nil
    /// serving condition means true, independently of ready.
    public var isServing: Bool { serving ?? true }
    public var isTerminating: Bool { terminating ?? false }
}

public struct EndpointPort: Sendable, Hashable {
    public var name: String = ""
    public var port: Int = 0
    public var proto: IPProtocol = .tcp
    public init(name: String = "", port: Int, proto: IPProtocol = .tcp) {
        self.name = name
        self.port = port
        self.proto = proto
    }
}

public struct EndpointSlice: Sendable, Hashable {
    public var name: String = ""
    public var namespace: String = "default"
    /// Label `kubernetes.io/service-name`.
    public var serviceName: String = ""
    /// IPv4 | IPv6 | FQDN
    public var addressType: String = "IPv4"
    public var endpoints: [Endpoint] = []
    public var ports: [EndpointPort] = []
    /// True when derived by the loader from a selector and ready pods (no slice given).
    public var derived: Bool = false
    public var source: SourceLocation?
    public init() {}
}

// MARK: - Label selectors

public enum SelectorOperator: String, Sendable, CaseIterable {
    case In, NotIn, Exists, DoesNotExist
}

public struct SelectorRequirement: Sendable, Hashable {
    public var key: String
    public var op: SelectorOperator
    public var values: [String]
    public init(key: String, op: SelectorOperator, values: [String] = []) {
        self.key = key
        self.op = op
        self.values = values
    }
}

/// A metav1.LabelSelector. An empty selector matches everything.
public struct LabelSelector: Sendable, Hashable {
    public var matchLabels: Labels = [:]
    public var matchExpressions: [SelectorRequirement] = []
    public init(matchLabels: Labels = [:], matchExpressions: [SelectorRequirement] = []) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    public var isEmpty: Bool { matchLabels.isEmpty && matchExpressions.isEmpty }

    /// Upstream `labels.Selector.Matches`: all terms ANDed; NotIn and DoesNotExist match
    /// objects without the key.
    public func matches(_ labels: Labels) -> Bool {
        for (k, v) in matchLabels where labels[k] != v { return false }
        for r in matchExpressions {
            let v = labels[r.key]
            switch r.op {
            case .In: guard let v, r.values.contains(v) else { return false }
            case .NotIn: if let v, r.values.contains(v) { return false }
            case .Exists: if v == nil { return false }
            case .DoesNotExist: if v != nil { return false }
            }
        }
        return true
    }
}

// MARK: - NetworkPolicy (networking.k8s.io/v1)

public enum PolicyType: String, Sendable, CaseIterable {
    case Ingress, Egress
}

public struct IPBlock: Sendable, Hashable {
    public var cidr: IPPrefix
    public var except: [IPPrefix]
    public init(cidr: IPPrefix, except: [IPPrefix] = []) {
        self.cidr = cidr
        self.except = except
    }

    public func contains(_ a: IPAddress) -> Bool {
        cidr.contains(a) && !except.contains(where: { $0.contains(a) })
    }
}

/// One `from`/`to` entry. Exactly one of: selectors (pod and/or namespace), or ipBlock.
public struct NetworkPolicyPeer: Sendable, Hashable {
    /// nil = not given. Given alone: pods of the policy's namespace.
    public var podSelector: LabelSelector?
    /// nil = not given. Given: pods in matching namespaces (ANDed with podSelector if both).
    public var namespaceSelector: LabelSelector?
    public var ipBlock: IPBlock?
    public init(podSelector: LabelSelector? = nil, namespaceSelector: LabelSelector? = nil, ipBlock: IPBlock? = nil) {
        self.podSelector = podSelector
        self.namespaceSelector = namespaceSelector
        self.ipBlock = ipBlock
    }
}

public struct NetworkPolicyPort: Sendable, Hashable {
    /// TCP by default.
    public var proto: IPProtocol = .tcp
    /// nil = all ports of the protocol.
    public var port: PortRef?
    public var endPort: Int?
    public init(proto: IPProtocol = .tcp, port: PortRef? = nil, endPort: Int? = nil) {
        self.proto = proto
        self.port = port
        self.endPort = endPort
    }
}

/// An ingress or egress rule: peers (`from` / `to`) and ports; an empty list matches all.
public struct NetworkPolicyRule: Sendable, Hashable {
    public var peers: [NetworkPolicyPeer] = []
    public var ports: [NetworkPolicyPort] = []
    public init(peers: [NetworkPolicyPeer] = [], ports: [NetworkPolicyPort] = []) {
        self.peers = peers
        self.ports = ports
    }
}

public struct NetworkPolicy: Sendable, Hashable {
    public var name: String = ""
    public var namespace: String = "default"
    public var podSelector = LabelSelector()
    /// As written; nil when omitted (see `effectivePolicyTypes`).
    public var policyTypes: [PolicyType]?
    public var ingress: [NetworkPolicyRule] = []
    /// nil when the `egress` key is absent (absent and empty are the same for the policyTypes default).
    public var egress: [NetworkPolicyRule]?
    public var source: SourceLocation?
    public init() {}

    public var qualifiedName: String { "\(namespace)/\(name)" }

    /// Upstream defaulting (pkg/apis/networking/v1 SetDefaults_NetworkPolicy): an omitted or empty
    /// policyTypes means Ingress, plus Egress when the policy has egress *rules*
    /// (`len(spec.Egress) != 0`) — an empty `egress: []` adds nothing, exactly like an absent one.
    public var effectivePolicyTypes: [PolicyType] {
        if let t = policyTypes, !t.isEmpty { return t }
        return (egress?.isEmpty == false) ? [.Ingress, .Egress] : [.Ingress]
    }
}

// MARK: - Ingress (networking.k8s.io/v1)

public enum PathType: String, Sendable, CaseIterable {
    case Exact, Prefix, ImplementationSpecific
}

public struct IngressBackend: Sendable, Hashable {
    public var serviceName: String
    public var port: PortRef
    public init(serviceName: String, port: PortRef) {
        self.serviceName = serviceName
        self.port = port
    }
}

public struct IngressPath: Sendable, Hashable {
    public var path: String = "/"
    public var pathType: PathType = .Prefix
    public var backend: IngressBackend
    public init(path: String = "/", pathType: PathType = .Prefix, backend: IngressBackend) {
        self.path = path
        self.pathType = pathType
        self.backend = backend
    }
}

public struct IngressRule: Sendable, Hashable {
    /// nil/empty = any host. May start with "*." (matches exactly one label).
    public var host: String?
    public var paths: [IngressPath] = []
    public init(host: String? = nil, paths: [IngressPath] = []) {
        self.host = host
        self.paths = paths
    }
}

public struct Ingress: Sendable, Hashable {
    public var name: String = ""
    public var namespace: String = "default"
    public var ingressClassName: String?
    public var defaultBackend: IngressBackend?
    public var rules: [IngressRule] = []
    /// Hosts listed under `spec.tls[].hosts`.
    public var tlsHosts: [String] = []
    public var source: SourceLocation?
    public init() {}
}

public struct IngressClass: Sendable, Hashable {
    public var name: String
    public var controller: String
    public var isDefault: Bool
    public init(name: String, controller: String, isDefault: Bool = false) {
        self.name = name
        self.controller = controller
        self.isDefault = isDefault
    }
}

/// Ties an IngressClass to the Service that receives its traffic (the controller's LB Service).
public struct IngressController: Sendable, Hashable {
    public var className: String
    /// "namespace/name" of the controller's Service.
    public var service: String
    public init(className: String, service: String) {
        self.className = className
        self.service = service
    }
}
