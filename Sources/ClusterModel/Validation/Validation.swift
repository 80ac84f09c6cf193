import NetworkAddress

/// Checks a loaded cluster for the mistakes that would make a simulation meaningless:
/// duplicate names and addresses, addresses outside their subnet or pod CIDR, NSG priority
/// rules, references to missing objects, selectors that match nothing. Errors make
/// `ClusterLoader.load` fail (exit 2); warnings and notes are printed by `akssim validate`.
public func validate(_ cluster: Cluster) -> [Diagnostic] {
    var v = Validator(cluster)
    v.duplicateNames()
    v.settings()
    v.addresses()
    v.duplicateAddresses()
    v.securityGroups()
    v.azureReferences()
    v.kubernetesReferences()
    v.selectors()
    return v.out
}

extension Cluster {
    public func validate() -> [Diagnostic] { ClusterModel.validate(self) }
}

struct Validator {
    let c: Cluster
    var out: [Diagnostic] = []

    init(_ c: Cluster) { self.c = c }

    /// Reports at the field's recorded location and written path when the loader recorded
    /// them, else at the object with the model's field path.
    mutating func report(_ severity: Diagnostic.Severity, _ object: String, field: String, path: String? = nil,
                         at fallback: SourceLocation?, _ message: String) {
        if let f = c.fieldSources[FieldSource.key(object: object, field: field)] {
            out.append(Diagnostic(severity, message, object: object, fieldPath: path ?? f.path, location: f.location))
        } else {
            out.append(Diagnostic(severity, message, object: object, fieldPath: path ?? field, location: fallback))
        }
    }

    mutating func error(_ object: String, field: String, path: String? = nil, at loc: SourceLocation?, _ message: String) {
        report(.error, object, field: field, path: path, at: loc, message)
    }

    mutating func warning(_ object: String, field: String, path: String? = nil, at loc: SourceLocation?, _ message: String) {
        report(.warning, object, field: field, path: path, at: loc, message)
    }

    /// A reference to an object that is not there: an error, or only a warning when no object
    /// of that kind was loaded at all (a partial export cannot be checked, but is not wrong).
    mutating func missing(_ object: String, field: String, at loc: SourceLocation?, _ what: String, _ name: String,
                          loadedAny: Bool, context: String = "") {
        if loadedAny {
            error(object, field: field, at: loc, "\(context)\(what) \(name) not found")
        } else {
            warning(object, field: field, at: loc, "\(context)\(what) \(name) not found (none loaded; add the export to check this reference)")
        }
    }

    /// Two objects of one kind with one identity, from one source or from two merged ones.
    mutating func duplicateNames() {
        func check(_ kind: String, _ items: [(String, SourceLocation?)]) {
            var seen: [String: SourceLocation?] = [:]
            for (id, loc) in items {
                if let first = seen[id] {
                    let there = first.map { "\($0)" } ?? "another source"
                    out.append(Diagnostic(.error, "defined twice: here and at \(there)", object: "\(kind) \(id)", location: loc))
                } else {
                    seen[id] = loc
                }
            }
        }
        check("Namespace", c.namespaces.map { ($0.name, $0.source) })
        check("Node", c.nodes.map { ($0.name, $0.source) })
        check("Pod", c.pods.map { ($0.qualifiedName, $0.source) })
        check("Service", c.services.map { ($0.qualifiedName, $0.source) })
        check("EndpointSlice", c.endpointSlices.filter { !$0.derived }.map { ("\($0.namespace)/\($0.name)", $0.source) })
        check("NetworkPolicy", c.networkPolicies.map { ($0.qualifiedName, $0.source) })
        check("Ingress", c.ingresses.map { ("\($0.namespace)/\($0.name)", $0.source) })
        check("VNet", c.virtualNetworks.map { ($0.name, $0.source) })
        check("NIC", c.networkInterfaces.map { ($0.name, $0.source) })
        check("NSG", c.networkSecurityGroups.map { ($0.name, $0.source) })
        check("ASG", c.applicationSecurityGroups.map { ($0.name, $0.source) })
        check("RouteTable", c.routeTables.map { ($0.name, $0.source) })
        check("LoadBalancer", c.loadBalancers.map { ($0.name, $0.source) })
        check("PublicIP", c.publicIPs.map { ($0.name, $0.source) })
        check("Firewall", c.firewalls.map { ($0.name, $0.source) })
        check("FirewallPolicy", c.firewallPolicies.map { ($0.name, $0.source) })
        check("IPGroup", c.ipGroups.map { ($0.name, $0.source) })
        for v in c.virtualNetworks {
            check("VNet \(v.name) subnet", v.subnets.map { ($0.name, $0.source) })
        }
    }

    mutating func settings() {
        let s = c.settings
        guard c.settingsSource != nil else {
            // Kubernetes-only exports: the network profile is unknown, so nothing depends on it.
            if !c.pods.isEmpty || !c.nodes.isEmpty {
                out.append(Diagnostic(.note, "no cluster settings given (native `settings:` or `az aks show -o json`); assuming Azure CNI, service CIDR 10.0.0.0/16, outbound loadBalancer",
                                      object: "Settings"))
            }
            return
        }
        if s.networkPolicy == .none && !c.networkPolicies.isEmpty {
            warning("Settings", field: "networkPolicy", at: nil,
                    "networkPolicy engine is none: \(c.networkPolicies.count) NetworkPolicy object(s) will not be enforced")
        }
        if s.podsUseOverlayAddresses && s.podCIDRs.isEmpty && !c.nodes.contains(where: { !$0.podCIDRs.isEmpty }) {
            warning("Settings", field: "podCIDRs", at: nil,
                    "expected podCIDRs for \(s.networkPlugin == .kubenet ? "kubenet" : "Azure CNI Overlay") (pod addresses are outside the VNet)")
        }
        if !s.serviceCIDRs.isEmpty && !s.serviceCIDRs.contains(where: { $0.contains(s.dnsServiceIP) }) {
            error("Settings", field: "dnsServiceIP", at: nil,
                  "dnsServiceIP \(s.dnsServiceIP) is outside the service CIDRs \(s.serviceCIDRs.map(\.description).joined(separator: ", "))")
        }
        if s.apiServer.privateCluster && !s.apiServer.authorizedIPRanges.isEmpty {
            warning("Settings", field: "apiServer.authorizedIPRanges", at: nil,
                    "authorized IP ranges apply only to a public API server; ignored for a private cluster")
        }
        if s.apiServer.privateCluster && s.apiServer.privateIP == nil {
            warning("Settings", field: "apiServer.privateIP", at: nil, "expected the private endpoint IP of a private cluster's API server")
        }
        if !s.apiServer.privateCluster && s.apiServer.publicIP == nil && !c.nodes.isEmpty {
            warning("Settings", field: "apiServer.publicIP", at: nil, "no API server address given; API server traffic cannot be placed")
        }
    }
}
