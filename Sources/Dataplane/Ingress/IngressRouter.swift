import ClusterModel
import NetworkAddress

// Kubernetes Ingress routing as an ingress controller does it (issue 5 item 7, azure-networking.md
// §3.6, networking.k8s.io/v1). The request reached a controller Service; the router picks the
// Ingress rule by host, then path, then falls back to a default backend, then 404.
//
// Host selection follows the controller AKS ships (application routing = ingress-nginx), since the
// Ingress spec leaves precedence between hosts open: every host of the controller's Ingresses is
// one NGINX server block; a request goes to the server whose `host` equals its host, else the one
// whose `*.domain` wildcard covers exactly one leading label (spec: "*.foo.com" matches
// "bar.foo.com", not "baz.bar.foo.com" nor "foo.com"), else the catch-all server that holds the
// rules without `host` (spec: such rules apply to all inbound HTTP traffic). Paths of all
// Ingresses naming the same host are merged into that server; the request never falls through
// to a less specific server. When no path of the chosen server matches, the server's root goes to
// the `spec.defaultBackend` of the first Ingress that named the host; the catch-all server's
// root goes to the `spec.defaultBackend` of the first Ingress without rules (spec: "An Ingress
// with no rules sends all traffic to a single default backend"); otherwise the controller's own
// default backend answers 404 (rule `ingress:no-match`). "First" is model order (NGINX: oldest
// Ingress first).
//
// Classes: an Ingress belongs to the controller when its `ingressClassName` — or, when absent,
// the default IngressClass (annotation ingressclass.kubernetes.io/is-default-class) — is one the
// controller serves. An Ingress without class and without a default class is ignored, as
// ingress-nginx does without --watch-ingress-without-class.
//
// TLS: the host is the SNI of the ClientHello (there is no readable path: routes match for `/`);
// `tlsHostListed` says whether `spec.tls[].hosts` covers it. The decision needs no allocation:
// hosts are found by hash in byte tables, paths compared byte by byte against a compiled pool.

/// Ingress objects compiled per ingress controller into host tables and ordered path lists.
public struct IngressRouter: Sendable {
    /// Controllers in `cluster.ingressControllers` order, one per distinct Service.
    public internal(set) var controllers: [Controller] = []
    /// Backend Services named by the compiled rules; `IngressDecision.backend` indexes this.
    public internal(set) var backends: [Backend] = []
    /// Compile findings (unknown Services/ports, invalid hosts/paths, ignored duplicates).
    public internal(set) var diagnostics: [Diagnostic] = []
    /// The rule-name table as of this compile.
    var names = RuleNames()
    public internal(set) var noMatchRule = RuleID.none
    public internal(set) var defaultBackendRule = RuleID.none

    /// A server block: the paths of one host (or of all host-less rules) of one controller.
    struct Server: Sendable {
        var pathStart: Int32
        var pathCount: Int32
        /// Target for requests no path matches, or -1 (404).
        var fallback: Int32
    }

    /// What a matched path or default backend leads to.
    struct Target: Sendable {
        var backend: Int32
        var rule: RuleID
        var resolved: Bool
    }

    struct ControllerTables: Sendable {
        var exactHosts = HostTable()
        /// Keyed by the part after `*.`.
        var wildcardHosts = HostTable()
        var anyHostServer: Int32 = -1
        /// `spec.defaultBackend` of the first Ingress without rules, or -1.
        var catchAll: Int32 = -1
        var tlsExact = HostTable()
        var tlsWildcard = HostTable()
    }

    var pool: ContiguousArray<UInt8> = []
    var servers: ContiguousArray<Server> = []
    var paths: ContiguousArray<PathEntry> = []
    var targets: ContiguousArray<Target> = []
    var tables: ContiguousArray<ControllerTables> = []
    /// Controller pods (endpoints of the controller Service) and the TCP ports the Service sends
    /// them to (0 = not known: any port), sorted by address, then port.
    var controllerPods: [(ip: IPAddress, port: UInt16, controller: Int32)] = []

    public init() {}

    /// The controller index for a controller Service `namespace/name`, or -1.
    public func controllerIndex(service: String) -> Int32 {
        Int32(controllers.firstIndex { $0.service == service } ?? -1)
    }

    /// The controller a pod address serves (an endpoint of a controller Service), or -1.
    public func controllerIndex(podIP: IPAddress) -> Int32 {
        let i = firstControllerPod(podIP)
        return i < controllerPods.count && controllerPods[i].ip == podIP ? controllerPods[i].controller : -1
    }

    /// The controller whose Service delivers to `podIP:port` (its HTTP/HTTPS listeners), or -1:
    /// where the pipeline learns that a delivered connection reached an ingress controller. Other
    /// ports of the same pod (metrics, health, admission webhook) are not Ingress traffic.
    public func controllerIndex(podIP: IPAddress, port: UInt16) -> Int32 {
        var i = firstControllerPod(podIP)
        while i < controllerPods.count && controllerPods[i].ip == podIP {
            if controllerPods[i].port == port || controllerPods[i].port == 0 { return controllerPods[i].controller }
            i += 1
        }
        return -1
    }

    @inline(__always)
    private func firstControllerPod(_ podIP: IPAddress) -> Int {
        var lo = 0, hi = controllerPods.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if controllerPods[mid].ip < podIP { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The name of an interned rule (`ingress:…`).
    public func ruleName(_ id: RuleID) -> String { names.name(id) }

    /// The request's host bytes (HTTP Host header value or TLS SNI; any case, `:port` allowed)
    /// and URL path bytes (`HTTPRequestTarget.path(in:)`; empty means `/`) → the decision.
    /// `tls` marks a host taken from SNI, for `tlsHostListed`. Allocation-free.
    public func route(controller: Int32, host: UnsafeRawBufferPointer, path: UnsafeRawBufferPointer, tls: Bool = false) -> IngressDecision {
        guard controller >= 0, Int(controller) < tables.count else {
            return IngressDecision(outcome: .noMatch, rule: noMatchRule, backend: -1, host: .none, tlsHostListed: false)
        }
        if path.count == 0 {
            // Unknown (TLS) or empty path: `/`.
            return withUnsafeBytes(of: UInt8(ascii: "/")) { route(controller: controller, host: host, path: $0, tls: tls) }
        }
        if IngressRouter.needsNormalizing(path) {
            // NGINX matches locations against the normalised URI (IngressURINormalization.swift).
            return withUnsafeTemporaryAllocation(byteCount: path.count, alignment: 1) { buf in
                let n = IngressRouter.normalize(path, into: buf)
                let matched = n > 0 ? UnsafeRawBufferPointer(rebasing: buf[..<n]) : path
                return routeAsIs(controller, host: host, path: matched, tls: tls)
            }
        }
        return routeAsIs(controller, host: host, path: path, tls: tls)
    }

    @inline(__always)
    private func routeAsIs(_ controller: Int32, host: UnsafeRawBufferPointer, path: UnsafeRawBufferPointer, tls: Bool) -> IngressDecision {
        pool.withUnsafeBufferPointer { pool in
            tables.withUnsafeBufferPointer { t in
                route(t[Int(controller)], host: host, path: path, tls: tls, pool: pool)
            }
        }
    }

    /// Convenience for traces, tests and tools (allocates; not for the packet path).
    public func route(controller: String, host: String, path: String = "/", tls: Bool = false) -> IngressDecision {
        route(controller: controllerIndex(service: controller), host: host, path: path, tls: tls)
    }

    /// Convenience for traces, tests and tools (allocates; not for the packet path).
    public func route(controller: Int32, host: String, path: String = "/", tls: Bool = false) -> IngressDecision {
        var h = host, p = path
        return h.withUTF8 { hb in
            p.withUTF8 { pb in route(controller: controller, host: UnsafeRawBufferPointer(hb), path: UnsafeRawBufferPointer(pb), tls: tls) }
        }
    }

    @inline(__always)
    private func route(_ t: ControllerTables, host: UnsafeRawBufferPointer, path: UnsafeRawBufferPointer, tls: Bool,
                       pool: UnsafeBufferPointer<UInt8>) -> IngressDecision {
        let (hs, he) = IngressRouter.normalizedHost(host)
        // The part after the first label, for `*.domain` (only when that label is non-empty).
        var dot = hs
        while dot < he && host[dot] != UInt8(ascii: ".") { dot += 1 }
        let hasSuffix = dot > hs && dot + 1 < he

        var match = IngressDecision.HostMatch.exact
        var server = t.exactHosts.lookup(host, hs, he, pool: pool)
        if server < 0 && hasSuffix {
            server = t.wildcardHosts.lookup(host, dot + 1, he, pool: pool)
            match = .wildcard
        }
        if server < 0 {
            server = t.anyHostServer
            match = server >= 0 ? .anyHost : .none
        }
        var listed = false
        if tls {
            listed = t.tlsExact.lookup(host, hs, he, pool: pool) >= 0
                || (hasSuffix && t.tlsWildcard.lookup(host, dot + 1, he, pool: pool) >= 0)
        }

        var fallback = t.catchAll
        if server >= 0 {
            let s = servers[Int(server)]
            var i = Int(s.pathStart)
            let end = i + Int(s.pathCount)
            while i < end {
                let e = paths[i]
                if IngressRouter.matches(e, path, pool: pool) {
                    return decide(e.target, .rule, match, listed)
                }
                i += 1
            }
            fallback = s.fallback
        }
        if fallback >= 0 { return decide(fallback, .defaultBackend, match, listed) }
        return IngressDecision(outcome: .noMatch, rule: noMatchRule, backend: -1, host: match, tlsHostListed: listed)
    }

    @inline(__always)
    private func decide(_ target: Int32, _ outcome: IngressDecision.Outcome, _ host: IngressDecision.HostMatch, _ listed: Bool) -> IngressDecision {
        let t = targets[Int(target)]
        return IngressDecision(outcome: t.resolved ? outcome : .backendUnavailable, rule: t.rule, backend: t.backend, host: host, tlsHostListed: listed)
    }

    /// One line for a trace hop: what the controller did with the request and why. `host` and
    /// `path` are the request's, as the trace shows them; `tls` says the host came from SNI.
    public func explain(_ d: IngressDecision, controller: Int32, host: String = "", path: String = "", tls: Bool = false) -> String {
        let ctl = controller >= 0 && Int(controller) < controllers.count ? controllers[Int(controller)].service : "?"
        var request = tls ? "TLS SNI \(host.isEmpty ? "(none)" : host)" : "HTTP Host \(host.isEmpty ? "(none)" : host)"
        request += tls ? " (path unknown, routed as /)" : " path \(path.isEmpty ? "/" : path)"
        let server: String
        switch d.host {
        case .exact: server = "exact host rule"
        case .wildcard: server = "wildcard host rule"
        case .anyHost: server = "rules without host"
        case .none: server = "no Ingress host applies"
        }
        let cert = tls ? (d.tlsHostListed ? "; host listed in spec.tls" : "; host not in any spec.tls: NGINX presents its default certificate") : ""
        switch d.outcome {
        case .noMatch:
            // Not a drop: the connection reached the controller pod, which answers 404 itself.
            let scope = d.host == .none ? server : "\(server), no path matches"
            let hostText = host.isEmpty ? "(none)" : host
            let pathText = tls ? "/ (TLS, path unknown)" : (path.isEmpty ? "/" : path)
            return "controller \(ctl): no Ingress rule matches host \(hostText) path \(pathText) (\(tls ? "TLS SNI" : "HTTP Host"); \(scope))"
                + " and no default backend: the controller answers 404 (ingress-nginx default backend)\(cert)"
        case .rule, .defaultBackend, .backendUnavailable:
            let b = d.backend >= 0 && Int(d.backend) < backends.count ? backends[Int(d.backend)] : nil
            let via = d.rule == defaultBackendRule ? "\(server), no path matches: default backend" : "\(server): \(ruleName(d.rule))"
            guard let b, b.resolved else {
                return "controller \(ctl): \(request): \(via) → Service \(b?.qualifiedName ?? "?"), which does not exist or has no such TCP port: the controller answers 503\(cert)"
            }
            guard b.hasEndpoints else {
                return "controller \(ctl): \(request): \(via) → Service \(b.qualifiedName), which has no ready endpoint: the controller answers 503 without opening a connection\(cert)"
            }
            let addr = b.clusterIP.map { "\($0):\(b.port)" } ?? "port \(b.port) (no ClusterIP)"
            return "controller \(ctl): \(request): \(via) → Service \(b.namespace)/\(b.service) at \(addr)\(cert)"
        }
    }
}
