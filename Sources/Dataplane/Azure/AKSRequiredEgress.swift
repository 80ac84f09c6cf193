import ClusterModel

// The AKS required outbound network rules and FQDNs for Azure public cloud
// (azure-networking.md §3.3, from outbound-rules-control-egress.md ms.date 2026-06-18).
// Used to expand the `AzureKubernetesService` FQDN tag — Microsoft does not publish the tag's
// contents as a list (§7.17), so we take the documented required FQDNs — and by `check egress`.

public enum AKSRequiredEgress {
    /// The FQDNs an `AzureKubernetesService` FQDN tag allows for a cluster in `location`.
    public static func fqdnTag(location: String) -> [String] {
        let region = location.lowercased().replacingOccurrences(of: " ", with: "")
        return [
            "*.hcp.\(region).azmk8s.io",
            "mcr.microsoft.com",
            "*.data.mcr.microsoft.com",
            "mcr-0001.mcr-msedge.net",
            "management.azure.com",
            "login.microsoftonline.com",
            "packages.microsoft.com",
            "acs-mirror.azureedge.net",
            "packages.aks.azure.com",
        ]
    }

    /// A required flow: network-level (protocol/port to an address class) or an HTTPS FQDN.
    public struct Requirement: Sendable, Hashable {
        public var name: String
        public var proto: String
        public var port: UInt16
        /// FQDN for application-level requirements (sent as SNI), empty for network ones.
        public var fqdn: String
        public var note: String
        public init(name: String, proto: String, port: UInt16, fqdn: String, note: String) {
            self.name = name
            self.proto = proto
            self.port = port
            self.fqdn = fqdn
            self.note = note
        }
    }

    /// The required rows of §3.3 for a cluster's settings. Tunnel ports (UDP 1194 / TCP 9000)
    /// are not needed for private clusters; `*.hcp.<region>.azmk8s.io` neither.
    public static func requirements(_ s: ClusterSettings) -> [Requirement] {
        let region = s.location.lowercased()
        var out: [Requirement] = []
        if !s.apiServer.privateCluster {
            out.append(Requirement(name: "tunnel-udp", proto: "udp", port: 1194, fqdn: "", note: "node ↔ control plane tunnel (AzureCloud.\(region))"))
            out.append(Requirement(name: "tunnel-tcp", proto: "tcp", port: 9000, fqdn: "", note: "node ↔ control plane tunnel (AzureCloud.\(region))"))
            let host = s.apiServer.fqdn.isEmpty ? "aks.hcp.\(region).azmk8s.io" : s.apiServer.fqdn
            out.append(Requirement(name: "api-server", proto: "tcp", port: 443, fqdn: host, note: "*.hcp.\(region).azmk8s.io"))
        }
        out.append(Requirement(name: "ntp", proto: "udp", port: 123, fqdn: "ntp.ubuntu.com", note: "NTP (FQDN network rule)"))
        for f in ["mcr.microsoft.com", "mcr-0001.mcr-msedge.net", "management.azure.com", "login.microsoftonline.com",
                  "packages.microsoft.com", "acs-mirror.azureedge.net", "packages.aks.azure.com"] {
            out.append(Requirement(name: f, proto: "tcp", port: 443, fqdn: f, note: "required FQDN (HTTPS)"))
        }
        out.append(Requirement(name: "mcr-data", proto: "tcp", port: 443, fqdn: "\(region).data.mcr.microsoft.com", note: "*.data.mcr.microsoft.com"))
        return out
    }
}
