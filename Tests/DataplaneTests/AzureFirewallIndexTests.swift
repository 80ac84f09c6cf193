import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import XCTest

/// The protocol/port index over firewall rules must keep first-match order (§2.1): 500 random
/// network rules in three collections, checked against a reference scan for 1,500 random flows.
final class AzureFirewallIndexTests: XCTestCase {
    func testIndexAgreesWithOrderedScanOn500Rules() {
        var rng = AzureNSGIndexTests.SplitMix(state: 7)
        var cols: [FirewallRuleCollection] = []
        var ordered: [(String, FirewallRule, Bool)] = []
        let protoSets: [[String]] = [["TCP"], ["UDP"], ["TCP", "UDP"], ["Any"], ["ICMP"]]
        for (ci, prio) in [300, 100, 200].enumerated() {
            var rules: [FirewallRule] = []
            for ri in 0..<167 {
                var ports: [PortRange] = []
                if rng.below(4) != 0 {
                    for _ in 0..<(1 + rng.below(2)) {
                        let lo = UInt16(rng.below(3000))
                        ports.append(PortRange(lo, lo + UInt16(rng.below(20))))
                    }
                }
                let dst = "140.\(rng.below(4)).\(rng.below(256)).0/\(20 + rng.below(5))"
                rules.append(AzureFixture.fwRule("r\(ci)-\(ri)", protos: protoSets[rng.below(protoSets.count)], dst: [dst], ports: ports))
            }
            cols.append(AzureFixture.collection("c\(ci)", prio, .network, ci == 1 ? .Deny : .Allow, rules))
        }
        for c in cols.sorted(by: { $0.priority < $1.priority }) { for r in c.rules { ordered.append(("g/\(c.name)/\(r.name)", r, c.action == .Allow)) } }
        var cl = AzureFixture.defaultCluster()
        cl.firewallPolicies[0].ruleCollectionGroups = [AzureFixture.group("g", 100, cols)]
        let n = AzureNetwork.compiled(cl)

        func reference(_ f: FlowKey) -> String {
            for (name, r, _) in ordered {
                let protos = Set(r.ipProtocols.map { $0.lowercased() })
                let hasPorts = !r.destinationPorts.isEmpty
                let pOK: Bool
                switch f.proto {
                case .tcp: pOK = protos.contains("tcp") || protos.contains("any")
                case .udp: pOK = protos.contains("udp") || protos.contains("any")
                case .icmp: pOK = protos.contains("icmp") || (protos.contains("any") && !hasPorts)
                default: pOK = protos.contains("any") && !hasPorts
                }
                if !pOK { continue }
                if f.proto.hasPorts && hasPorts && !r.destinationPorts.contains(where: { $0.contains(f.dstPort) }) { continue }
                if !r.destinationAddresses.contains(where: { IPPrefix($0)!.contains(f.dst) }) { continue }
                return name
            }
            return "default-deny"
        }
        let fprotos: [IPProtocol] = [.tcp, .udp, .icmp, .gre]
        for _ in 0..<1500 {
            let p = fprotos[rng.below(fprotos.count)]
            let dst = "140.\(rng.below(4)).\(rng.below(256)).\(rng.below(256))"
            let c = n.send(p, "10.224.0.4", 40000, dst, UInt16(rng.below(3100)))
            let want = reference(FlowKey(src: ip("10.224.0.4"), dst: ip(dst), srcPort: 40000, dstPort: c.flow.dstPort, proto: p))
            // The firewall hop's rule: an allowed non-TCP/UDP flow then drops at SNAT (known issue).
            let got = c.hops.first { $0.stage == .firewall }?.rule ?? c.rule
            if got != want {
                XCTFail("\(p) \(dst):\(c.flow.dstPort): index \(got) reference \(want)")
                return
            }
        }
    }
}
