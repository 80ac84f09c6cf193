import ClusterModel
import Dataplane
import NetworkAddress
import PacketWire
import XCTest

/// The port-segmented rule index must give exactly the first match of a plain priority-order scan
/// (§1.2 rule 1). A 1,000-rule NSG with random ports/prefixes/protocols, checked against a
/// reference scan written from the model for 5,000 random flows (the rules are sorted once, by priority).
final class AzureNSGIndexTests: XCTestCase {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    func reference(_ rules: [SecurityRule], _ f: FlowKey) -> String {
        for r in rules {
            switch r.proto {
            case .any: break
            case .tcp: if f.proto != .tcp { continue }
            case .udp: if f.proto != .udp { continue }
            case .icmp: if f.proto != .icmp { continue }
            case .esp: if f.proto != .esp { continue }
            case .ah: if f.proto != .ah { continue }
            }
            if f.proto.hasPorts {
                if !r.destinationPorts.contains(where: { $0.contains(f.dstPort) }) { continue }
                if !r.sourcePorts.contains(where: { $0.contains(f.srcPort) }) { continue }
            }
            func side(_ a: [NSGAddress], _ ip: IPAddress) -> Bool {
                a.isEmpty || a.contains { addr in
                    if case .prefix(let p) = addr { return p.contains(ip) }
                    return addr == .any
                }
            }
            if !side(r.sourceAddresses, f.src) || !side(r.destinationAddresses, f.dst) { continue }
            return r.name
        }
        return "DenyAllInBound"
    }

    func testIndexAgreesWithLinearScanOn1000Rules() {
        var rng = SplitMix(state: 42)
        var rules: [SecurityRule] = []
        let protos: [SecurityRuleProtocol] = [.tcp, .tcp, .udp, .any, .icmp, .esp]
        for i in 0..<1000 {
            var ports: [PortRange] = []
            let kind = rng.below(4)
            if kind == 0 { ports = [.any] } else {
                for _ in 0..<(1 + rng.below(3)) {
                    let lo = UInt16(rng.below(2000))
                    ports.append(kind == 1 ? PortRange(single: lo) : PortRange(lo, lo + UInt16(rng.below(50))))
                }
            }
            let src: [NSGAddress] = rng.below(3) == 0 ? [.any] : [.prefix(IPPrefix(address: IPAddress(10, UInt8(rng.below(4)), UInt8(rng.below(256)), 0), length: 16 + rng.below(9)))]
            rules.append(AzureFixture.nsgRule("r\(i)", 100 + i * 3, .Inbound, rng.below(2) == 0 ? .Allow : .Deny,
                                              proto: protos[rng.below(protos.count)], src: src, dstPorts: ports))
        }
        var c = AzureNSGTests.cluster(app: rules)
        c.networkSecurityGroups[2].rules = rules
        let n = AzureNetwork.compiled(c)
        let all = (rules + NetworkSecurityGroup.defaultRules).filter { $0.direction == .Inbound }.sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
        let fprotos: [IPProtocol] = [.tcp, .udp, .icmp, .esp, .gre]
        for _ in 0..<5000 {
            let p = fprotos[rng.below(fprotos.count)]
            let f = FlowKey(src: IPAddress(10, UInt8(rng.below(4)), UInt8(rng.below(256)), UInt8(rng.below(256))), dst: ip("10.1.2.4"),
                            srcPort: UInt16(rng.below(65536)), dstPort: UInt16(rng.below(2100)), proto: p)
            let got = n.subnetSecurityDecision("app", inbound: true, f)?.rule
            let want = reference(all, f)
            if got != "app-nsg/\(want)" {
                XCTFail("\(f): index \(got ?? "nil") reference \(want)")
                return
            }
        }
    }
}
