import NetworkAddress

/// What an ingress controller does with one request (issue 5 item 7): which Ingress rule chose
/// which backend Service, or why nothing did. A small value, built per request without allocation.
public struct IngressDecision: Sendable, Equatable {
    public enum Outcome: UInt8, Sendable, CustomStringConvertible {
        /// An Ingress rule's host and path matched.
        case rule
        /// No rule matched; an Ingress `spec.defaultBackend` took the request.
        case defaultBackend
        /// Nothing matched and no default backend applies: the controller answers 404 itself.
        case noMatch
        /// A rule (or default backend) matched, but its Service or port does not exist, or the
        /// Service has no ready endpoint: NGINX answers 503 without opening a connection.
        case backendUnavailable

        public var description: String {
            switch self {
            case .rule: return "rule"
            case .defaultBackend: return "defaultBackend"
            case .noMatch: return "noMatch"
            case .backendUnavailable: return "backendUnavailable"
            }
        }
    }

    /// How the request's host picked the controller's server block.
    public enum HostMatch: UInt8, Sendable, CustomStringConvertible {
        /// An Ingress rule's `host` equals the request host.
        case exact
        /// A `*.domain` rule host matched exactly one leading label.
        case wildcard
        /// Only rules without `host` (they apply to every host) were considered.
        case anyHost
        /// No rule's host applies.
        case none

        public var description: String {
            switch self {
            case .exact: return "exact"
            case .wildcard: return "wildcard"
            case .anyHost: return "any host"
            case .none: return "none"
            }
        }
    }

    public var outcome: Outcome
    /// `ingress:<ingress>/<host><path>` (§5 of the Azure note) (`*` for a rule without host; `@Exact`/`@Prefix`/
    /// `@ImplementationSpecific` appended when one Ingress writes the same host and path with two
    /// path types), `ingress:default-backend`, or `ingress:no-match`.
    public var rule: RuleID
    /// Index into `IngressRouter.backends`, or -1 for `.noMatch`.
    public var backend: Int32
    public var host: HostMatch
    /// With TLS: whether some Ingress of the controller lists the SNI host (or a wildcard covering
    /// it) under `spec.tls[].hosts`. When false NGINX still routes the request but presents its
    /// default ("fake") certificate, which clients that verify certificates reject.
    public var tlsHostListed: Bool

    /// Whether the controller opens a connection to a backend Service (a rule or default backend
    /// with an existing Service port). When false it answers the client itself — 404 for
    /// `.noMatch`, 503 for `.backendUnavailable` — and the client's connection still ends at the
    /// controller pod: network-wise the request was delivered, so the pipeline's verdict stays
    /// `allow` (the HTTP status is the controller's answer, not a packet drop).
    @inlinable
    public var forwarded: Bool { outcome == .rule || outcome == .defaultBackend }

    @inlinable
    public init(outcome: Outcome, rule: RuleID, backend: Int32, host: HostMatch, tlsHostListed: Bool) {
        self.outcome = outcome
        self.rule = rule
        self.backend = backend
        self.host = host
        self.tlsHostListed = tlsHostListed
    }
}

extension IngressRouter {
    /// A backend Service as an Ingress names it, resolved against the model's Services.
    public struct Backend: Sendable, Hashable {
        public var namespace: String
        public var service: String
        /// The port as written in the Ingress (`80` or `http`).
        public var writtenPort: String
        /// Index into `cluster.services`, or -1 when the Service does not exist.
        public var serviceIndex: Int32
        /// The Service port (`spec.ports[].port`) the controller connects to, 0 when unresolved.
        public var port: UInt16
        /// The Service port's name, when it has one.
        public var portName: String
        /// The Service's first ClusterIP; nil for a missing, headless or ExternalName Service.
        public var clusterIP: IPAddress?
        /// Whether an EndpointSlice of the Service has a ready endpoint for this port. ingress-nginx
        /// proxies to the endpoints itself (not the ClusterIP): with none its upstream is empty
        /// and it answers 503 without opening a connection (ExternalName Services count as having
        /// one: NGINX resolves the external name).
        public var hasEndpoints: Bool = true

        /// The Service and port exist: the controller can open the second connection.
        public var resolved: Bool { serviceIndex >= 0 && port > 0 }
        /// `shop/frontend:80`.
        public var qualifiedName: String { "\(namespace)/\(service):\(writtenPort)" }
    }

    /// One ingress controller: the Service that receives its traffic and the classes it serves.
    public struct Controller: Sendable, Hashable {
        /// "namespace/name" of the controller's Service.
        public var service: String
        public var classes: [String]
    }
}
