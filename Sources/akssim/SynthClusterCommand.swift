import ArgumentParser
import ClusterModel
import Foundation

/// `akssim synth cluster`: writes a scale cluster in the native YAML format — the default
/// cluster's topology (one VNet, flat Azure CNI, UDR through the Azure Firewall, one Standard
/// LB) with as many nodes, pods, Services, NetworkPolicies, NSG and firewall rules as asked.
/// Used by scripts/bench for the small and the large benchmark clusters.
struct SynthClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Write a scale cluster (native YAML) built on the default cluster's topology.",
        discussion: """
            Deterministic: the same options write the same bytes. Pods are grouped \
            --endpoints-per-service at a time under one `app` label; Service i selects group i \
            (modulo the groups); EndpointSlices are derived from the selectors when loaded.
            """
    )

    @Option(name: .long, help: "Application pods (system pods come on top).")
    var pods: Int = 1000

    @Option(name: .long, help: "Application namespaces.")
    var namespaces: Int = 10

    @Option(name: .long, help: "ClusterIP Services (kube-dns and two LoadBalancer Services come on top).")
    var services: Int = 100

    @Option(name: .customLong("endpoints-per-service"), help: "Pods behind each Service.")
    var endpointsPerService: Int = 3

    @Option(name: .long, help: "NetworkPolicies.")
    var policies: Int = 50

    @Option(name: .customLong("nsg-rules"), help: "Generated NSG rules (besides the AKS-written LB rules and the default rules).")
    var nsgRules: Int = 100

    @Option(name: .customLong("firewall-rules"), help: "Generated Azure Firewall rules (besides the default policy's).")
    var firewallRules: Int = 50

    @Option(name: .customLong("pods-per-node"), help: "Pods per node (Azure CNI default max-pods: 30).")
    var podsPerNode: Int = 30

    @Option(name: .long, help: ArgumentHelp("Output YAML file (- for standard output).", valueName: "path"))
    var out: String

    var parameters: ScaleClusterParameters {
        var p = ScaleClusterParameters()
        p.pods = pods
        p.namespaces = namespaces
        p.services = services
        p.endpointsPerService = endpointsPerService
        p.policies = policies
        p.nsgRules = nsgRules
        p.firewallRules = firewallRules
        p.podsPerNode = podsPerNode
        return p
    }

    func validate() throws {
        let problems = parameters.problems()
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "\n")) }
    }

    func run() throws {
        let p = parameters
        let text = ScaleCluster(p).yaml()
        if out == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out))
        } catch {
            throw CLIFailure.runtime("cannot write \(out): \(error.localizedDescription)")
        }
        print("wrote \(out): \(p.nodeCount) nodes, \(p.pods + 3) pods, \(p.namespaces + 3) namespaces, "
              + "\(p.services + 3) Services, \(p.policies) NetworkPolicies, \(p.nsgRules + 2) NSG rules (+6 default), "
              + "\(p.firewallRules + 6) firewall rules")
    }
}
