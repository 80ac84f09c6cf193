import ArgumentParser
import ClusterModel
import Dataplane
import Foundation
import Reporting

/// `akssim check …`: readiness checks of the cluster model.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the cluster model against what AKS needs.",
        subcommands: [EgressCheckCommand.self]
    )
}

/// `akssim check egress` (issue 5 item 8): the AKS required outbound flows (API server tunnel,
/// MCR, management and login endpoints, packages, NTP; azure-networking.md §3.3) sent from a
/// node and from a pod through the modelled NSGs, routes, firewall and SNAT.
struct EgressCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "egress",
        abstract: "Run the AKS required egress flows from a node and a pod through the model; say which pass and which rule blocks the others.",
        discussion: """
            The flows are the required network rules and FQDNs of Microsoft's "Outbound network and \
            FQDN rules for AKS clusters" for the cluster's cloud and features (private clusters skip \
            the tunnel ports and the API server FQDN). HTTPS flows carry the FQDN as TLS SNI, so \
            Azure Firewall application rules and FQDN tags decide on it. NetworkPolicy egress of the \
            pod is not applied (it is a per-pod choice, not a platform requirement).

            Exit codes: 0 every required flow passes, 1 at least one is blocked, 2 bad usage or a \
            bad cluster model.

            Examples:
              akssim check egress
              akssim check egress --cluster Config/examples/egress-missing-rule.yaml --json
            """
    )

    @OptionGroup var clusterOptions: ClusterOptions

    @Flag(name: .long, help: "Print one JSON object: passed, blocked, and one entry per flow with its hops.")
    var json = false

    func run() throws {
        let cluster = try clusterOptions.load()
        var names = RuleNames()
        let network = AzureNetwork.compile(cluster, names: &names)
        let results = AKSEgressCheck.run(cluster, network: network, trace: true)
        if json {
            print(EgressCheckReport.json(results).pretty)
        } else {
            for d in network.diagnostics where d.severity != .note {
                FileHandle.standardError.write(Data("\(d)\n".utf8))
            }
            let s = cluster.settings
            print("AKS required egress for cluster \(cluster.name) (\(s.location), outbound \(s.outboundType.rawValue)) from \(clusterOptions.sourceDescription)")
            print(EgressCheckReport.text(results))
        }
        if results.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }
}
