import NetworkAddress

/// Where a model object came from: the file, and the line/column of its first key in YAML/JSON.
/// Diagnostics name this location plus a field path such as `spec.ingress[0].from[1].podSelector`.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int = 0, column: Int = 0) {
        self.file = file
        self.line = line
        self.column = column
    }

    public static let embedded = SourceLocation(file: "<embedded default cluster>")

    public var description: String {
        line > 0 ? "\(file):\(line):\(column)" : file
    }
}

/// The whole cluster as loaded: Kubernetes objects plus the Azure network around them.
/// Plain values; the Dataplane compiles this into lookup tables.
public struct Cluster: Sendable {
    public var name: String = "aks"
    public var settings = ClusterSettings()
    /// Where the settings came from (native `settings:` or `az aks show`); nil when no source
    /// gave them and the defaults are assumed (validation then skips checks that depend on them).
    public var settingsSource: SourceLocation?

    // Kubernetes
    public var namespaces: [Namespace] = []
    public var nodes: [Node] = []
    public var pods: [Pod] = []
    public var services: [Service] = []
    public var endpointSlices: [EndpointSlice] = []
    public var networkPolicies: [NetworkPolicy] = []
    public var ingresses: [Ingress] = []
    public var ingressClasses: [IngressClass] = []
    /// Which Service receives traffic for an IngressClass (e.g. class `nginx` →
    /// `app-routing-system/nginx`). Loaders fill it from the native YAML or by recognising
    /// well-known controllers (ingress-nginx, application routing add-on).
    public var ingressControllers: [IngressController] = []

    // Azure
    public var virtualNetworks: [VirtualNetwork] = []
    public var networkInterfaces: [NetworkInterface] = []
    public var networkSecurityGroups: [NetworkSecurityGroup] = []
    public var applicationSecurityGroups: [ApplicationSecurityGroup] = []
    public var routeTables: [RouteTable] = []
    public var loadBalancers: [LoadBalancer] = []
    public var publicIPs: [PublicIP] = []
    public var natGateways: [NATGateway] = []
    public var firewalls: [AzureFirewall] = []
    public var firewallPolicies: [FirewallPolicy] = []
    public var ipGroups: [IPGroup] = []

    // User-supplied tables the platform would know
    /// Service tags beyond VirtualNetwork/Internet/AzureLoadBalancer (from `az network list-service-tags`).
    public var serviceTags: [ServiceTag] = []
    /// FQDN → addresses, as the firewall's DNS proxy would resolve them (merged with DNS answers seen in captures).
    public var dnsRecords: [DNSRecord] = []
    /// FQDN tag → FQDN patterns (AzureKubernetesService has a built-in default).
    public var fqdnTags: [FQDNTag] = []
    /// Threat-intelligence feed: known-bad addresses and FQDNs.
    public var threatIntel = ThreatIntelFeed()

    /// Loader notes that are not errors (derived endpoints, selectors matching nothing, …).
    public var notes: [Diagnostic] = []

    /// Where individual fields were written, keyed by `FieldSource.key(object:field:)`, so
    /// validation after loading can still name `file:line:col` and the path as written.
    public var fieldSources: [String: FieldSource] = [:]

    public init() {}
}

/// The location and written path (`status.podIPs[0].ip`, `ip`) of one field of an object.
public struct FieldSource: Hashable, Sendable {
    public var location: SourceLocation
    public var path: String
    public init(location: SourceLocation, path: String) {
        self.location = location
        self.path = path
    }

    /// `object` is the diagnostic identity (`Pod shop/frontend-1`), `field` the model field (`ips`).
    public static func key(object: String, field: String) -> String { "\(object)|\(field)" }
}

/// A diagnostic: an error (load fails, exit 2) or a warning/note (printed by `validate`).
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable { case error, warning, note }
    public var severity: Severity
    public var location: SourceLocation?
    /// Field path inside the object, e.g. `spec.ingress[0].from[1].podSelector`.
    public var fieldPath: String
    /// Object identity, e.g. `NetworkPolicy prod/allow-frontend`.
    public var object: String
    public var message: String

    public init(_ severity: Severity, _ message: String, object: String = "", fieldPath: String = "", location: SourceLocation? = nil) {
        self.severity = severity
        self.message = message
        self.object = object
        self.fieldPath = fieldPath
        self.location = location
    }

    /// `file:line:col: error: NetworkPolicy prod/x: spec.ingress[0].ports[0].port: expected …`
    public var description: String {
        var s = ""
        if let l = location { s += "\(l): " }
        s += "\(severity.rawValue): "
        if !object.isEmpty { s += "\(object): " }
        if !fieldPath.isEmpty { s += "\(fieldPath): " }
        return s + message
    }
}

/// Thrown by loaders and validation: every error found, in source order.
public struct ModelErrors: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ d: [Diagnostic]) { diagnostics = d }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
