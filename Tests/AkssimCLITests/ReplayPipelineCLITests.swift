import Foundation
import PacketWire
import PcapIO
import XCTest

/// `akssim replay` running the pipeline against the embedded default cluster: exact verdict,
/// stage, rule, node and namespace counts; drop/accept pcaps; one explained line per dropped
/// flow; the Azure flow log; bad input.
final class ReplayPipelineCLITests: CLITestCase {
    var sample: String { Akssim.packageRoot.appendingPathComponent("Config/samples/aks-sample.pcap").path }

    /// Every count of `ReplayPipelineFixtures.verdictScript`, derived flow by flow in its comment.
    func testVerdictCountsOfGeneratedCapture() throws {
        let file = path("verdicts.pcap")
        try ReplayPipelineFixtures.verdictScript().write(to: file)
        let run = try Akssim.run(["replay", "--json", file])
        XCTAssertEqual(run.status, 0, run.stderr)
        let keys = topLevelKeys(run.stdout)
        XCTAssertEqual(Array(keys.prefix(9)),
                       ["packets", "bytes", "files", "timeSpan", "linkTypes", "decode", "malformed", "fragments", "names"])
        let pipelineKeys = keys.filter { ["verdicts", "stages", "rules", "nodes", "namespaces"].contains($0) }
        XCTAssertEqual(pipelineKeys, ["verdicts", "stages", "rules", "nodes", "namespaces"])
        XCTAssertGreaterThan(keys.firstIndex(of: "verdicts") ?? 0, keys.firstIndex(of: "capturedBytes") ?? 99,
                             "pipeline keys follow the decode keys")
        let j = try json(run)
        XCTAssertEqual(j["packets"] as? Int, 11)
        XCTAssertEqual(j["verdicts"] as? [String: Int], ["allow": 7, "drop": 4, "reject": 0])
        XCTAssertEqual(j["stages"] as? [String: [String: Int]], [
            "decode": ["allow": 1, "drop": 0, "reject": 0],
            "conntrack": ["allow": 3, "drop": 0, "reject": 0],
            "networkPolicy": ["allow": 3, "drop": 2, "reject": 0],
            "firewall": ["allow": 0, "drop": 1, "reject": 0],
            "apiServer": ["allow": 0, "drop": 1, "reject": 0],
        ])
        let rules = j["rules"] as? [String: Int] ?? [:]
        XCTAssertEqual(rules["established"], 3)
        XCTAssertEqual(rules["netpol:default-deny"], 2)
        XCTAssertEqual(rules["netpol:shop/backend-allow-frontend"], 2)
        XCTAssertEqual(rules["aks-agentpool-nsg/AllowVnetInBound"], 2)
        XCTAssertEqual(rules["svc:shop/backend:80"], 1)
        XCTAssertEqual(rules["svc:kube-system/kube-dns:53"], 1)
        XCTAssertEqual(rules["svc:kube-system/kube-dns:53@10.224.0.40:53"], 1, "coredns-1, on frontend-1's node")
        XCTAssertEqual(rules["snat:node-masquerade"], 1)
        XCTAssertEqual(rules["default-deny"], 1)
        XCTAssertEqual(rules["apiserver:authorized-ip-ranges"], 1)
        XCTAssertEqual(rules["platform:non-ip"], 1)
        XCTAssertEqual(j["nodes"] as? [String: [String: Int]], [
            "aks-nodepool1-12345678-vmss000000": ["allow": 6, "drop": 0, "reject": 0],
            "aks-nodepool1-12345678-vmss000001": ["allow": 0, "drop": 3, "reject": 0],
        ])
        XCTAssertEqual(j["namespaces"] as? [String: [String: Int]], [
            "kube-system": ["allow": 2, "drop": 0, "reject": 0],
            "shop": ["allow": 4, "drop": 3, "reject": 0],
        ])
    }

    /// The bundled sample: the conversations whose verdicts follow directly from the default
    /// cluster's rules (see Sources/akssim/SampleCapture.swift).
    func testBundledSampleVerdicts() throws {
        let run = try Akssim.run(["replay", "--json", "--trace-drops", sample])
        XCTAssertEqual(run.status, 0, run.stderr)
        let j = try json(run)
        let verdicts = j["verdicts"] as? [String: Int] ?? [:]
        XCTAssertEqual(verdicts.values.reduce(0, +), 66, "one verdict per packet")
        let rules = j["rules"] as? [String: Int] ?? [:]
        // frontend-2 → backend-1:9090, SYN sent three times: the policy admits 8080 only.
        XCTAssertEqual(rules["netpol:default-deny"], 3)
        // 192.0.2.99 → API server, three SYNs, outside 203.0.113.0/24 and 20.62.10.4/32.
        XCTAssertEqual(rules["apiserver:authorized-ip-ranges"], 3)
        // Three DNS queries to the kube-dns ClusterIP; one frontend-1 → backend ClusterIP connection.
        XCTAssertEqual(rules["svc:kube-system/kube-dns:53"], 3)
        XCTAssertEqual(rules["svc:shop/backend:80"], 1)
        XCTAssertEqual(rules["netpol:shop/backend-allow-frontend"], 1)
        // node 0 → ntp.ubuntu.com:123 by network rule `time`; ARP request and reply.
        XCTAssertEqual(rules["aks-egress/aks-network/time"], 1)
        XCTAssertEqual(rules["platform:non-ip"], 2)
        // frontend-1 → api.github.com:443 and frontend-2 → www.example.com:443: the firewall
        // answers each handshake pending its application rules (SYN, SYN-ACK, ACK: 6 packets);
        // the ClientHello's SNI then matches `github` for the first, nothing for the second.
        XCTAssertEqual(rules["firewall:pending-application-rule"], 6)
        // Every rule the Azure leg allowed or translated with counts on the flow's first packet,
        // like the Service and NetworkPolicy rules: the firewall DNAT rule that let
        // 198.51.100.7 → 20.62.10.4:443 in (one flow), the LB rule and NSG rule after it, and the
        // subnet NSG's default outbound allow on every flow leaving a node for another host.
        XCTAssertEqual(rules["aks-ingress/shop-dnat/shop-https"], 1)
        XCTAssertEqual(rules["kubernetes-internal/a7b6c5d4e3f2410a9b8c7d6e5f4a3b21-TCP-443"], 1)
        XCTAssertEqual(rules["aks-agentpool-nsg/k8s-azure-lb_allow_nginx"], 1)
        XCTAssertEqual(rules["aks-agentpool-nsg/AllowVnetOutBound"], 7)
        // Internet → the public frontend 20.62.20.30:80 meets cloud-provider-azure's rule with
        // source Internet (the Internet tag still covers public space under the 0.0.0.0/0 UDR).
        XCTAssertEqual(rules["aks-agentpool-nsg/k8s-azure-lb_allow_frontend_80"], 1)
        XCTAssertEqual(rules["aks-agentpool-nsg/AllowVnetInBound"], 4)
        // Counting more rules changes no verdict.
        XCTAssertEqual(verdicts, ["allow": 47, "drop": 19, "reject": 0])
        XCTAssertEqual(rules["aks-egress/aks-fqdns/github"], 1)
        let stages = j["stages"] as? [String: [String: Int]] ?? [:]
        XCTAssertEqual(stages["networkPolicy"]?["drop"], 3)
        XCTAssertEqual(stages["apiServer"]?["drop"], 3)
        // frontend-2 → www.example.com:443: no firewall rule allows it.
        let traces = j["dropTraces"] as? [[String: Any]] ?? []
        let example = traces.first { $0["src"] as? String == "10.224.0.21" && $0["dst"] as? String == "93.184.215.14" }
        let trace = example?["trace"] as? [String: Any]
        XCTAssertEqual(trace?["stage"] as? String, "firewall")
        XCTAssertEqual(trace?["rule"] as? String, "default-deny")
        let policy = traces.first { $0["dport"] as? Int == 9090 }?["trace"] as? [String: Any]
        XCTAssertEqual(policy?["rule"] as? String, "netpol:default-deny")
        XCTAssertEqual(policy?["verdict"] as? String, "drop")
    }

    func testHumanSummaryShowsVerdictsRulesNodesNamespaces() throws {
        let file = path("verdicts.pcap")
        try ReplayPipelineFixtures.verdictScript().write(to: file)
        let run = try Akssim.run(["replay", file])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("verdicts   allow 7, drop 4, reject 0"), run.stdout)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        // The rule table is sorted by hits: `established` (3) and the subnet NSG's outbound allow
        // (3 flows leave a node through it, counted since the Azure leg's rules are) come before
        // every rule with 2 or 1.
        let ruleRows = lines.drop { !$0.hasPrefix("rule ") }.dropFirst().prefix { !$0.isEmpty }
        let hits = ruleRows.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
        XCTAssertEqual(hits, hits.sorted(by: >), run.stdout)
        let top = ruleRows.prefix(2).compactMap { $0.split(separator: " ").first.map(String.init) }
        XCTAssertEqual(Set(top), ["established", "aks-agentpool-nsg/AllowVnetOutBound"], run.stdout)
        XCTAssertEqual(hits.prefix(3), [3, 3, 2], run.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("aks-nodepool1-12345678-vmss000001") && $0.hasSuffix("0     3       0") }, run.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("shop ") && $0.hasSuffix("4     3       0") }, run.stdout)
    }

    /// `--top N` cuts the text tables to their busiest N rows and says what it left out; the
    /// default (40) keeps a small report whole; 0 lists everything; JSON is never cut.
    func testTopCutsTheTextTablesOnly() throws {
        let file = path("verdicts.pcap")
        try ReplayPipelineFixtures.verdictScript().write(to: file)
        let rules = try json(try Akssim.run(["replay", "--json", "--top", "2", file]))["rules"] as? [String: Int] ?? [:]
        XCTAssertGreaterThan(rules.count, 4, "the JSON has every rule")
        func ruleRows(_ text: String) -> [String] {
            text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                .drop { !$0.hasPrefix("rule ") }.dropFirst().prefix { !$0.isEmpty }.map { $0 }
        }
        let cut = try Akssim.run(["replay", "--top", "2", file])
        XCTAssertEqual(cut.status, 0, cut.stderr)
        let rows = ruleRows(cut.stdout)
        XCTAssertEqual(rows.count, 3, cut.stdout)
        XCTAssertEqual(Set(rows.prefix(2).compactMap { $0.split(separator: " ").first.map(String.init) }),
                       ["established", "aks-agentpool-nsg/AllowVnetOutBound"], cut.stdout)
        let restHits = rules.values.reduce(0, +) - 3 - 3
        XCTAssertEqual(rows.last, "… \(rules.count - 2) more rules, \(restHits) packet hits in all (--top 0 lists every row; --json has them all)")
        let whole = try Akssim.run(["replay", "--top", "0", file])
        XCTAssertEqual(ruleRows(whole.stdout).count, rules.count, whole.stdout)
        // Nodes: the busiest one stays, one line counts the others and their packets.
        let nodeRows = whole.stdout.split(separator: "\n").filter { $0.hasPrefix("aks-nodepool1-") }
        XCTAssertGreaterThan(nodeRows.count, 1, whole.stdout)
        let one = try Akssim.run(["replay", "--top", "1", file]).stdout
        XCTAssertEqual(one.split(separator: "\n").filter { $0.hasPrefix("aks-nodepool1-") }.count, 1, one)
        XCTAssertTrue(one.contains("… \(nodeRows.count - 1) more nodes with "), one)
        XCTAssertEqual(try Akssim.run(["replay", file]).stdout, whole.stdout, "40 rows keep this report whole")
        XCTAssertEqual(try Akssim.run(["replay", "--top", "-1", file]).status, 2)
    }

    /// Dropped and accepted packets go to pcaps with the input's link type and timestamps:
    /// tshark reads them, their counts are the verdict counts, and their records are the input's
    /// records, in input order.
    func testWriteDropsAndAcceptedPcaps() throws {
        let drops = path("drops.pcap"), accepted = path("accepted.pcap")
        let run = try Akssim.run(["replay", "--json", "--write-drops", drops, "--write-accepted", accepted, sample])
        XCTAssertEqual(run.status, 0, run.stderr)
        let verdicts = try json(run)["verdicts"] as? [String: Int] ?? [:]
        let dropRecords = try records(drops), acceptedRecords = try records(accepted)
        XCTAssertEqual(dropRecords.count, (verdicts["drop"] ?? -1) + (verdicts["reject"] ?? -1))
        XCTAssertEqual(acceptedRecords.count, verdicts["allow"])
        let input = try records(sample)
        XCTAssertTrue(isSubsequence(dropRecords, of: input), "drops keep bytes, timestamps and order")
        XCTAssertTrue(isSubsequence(acceptedRecords, of: input), "accepted keep bytes, timestamps and order")
        XCTAssertEqual(try PcapReader(path: drops).linkType, 1, "Ethernet, like the sample")
        if let tshark = TsharkCrossCheckTests.tshark {
            let t = try Akssim.runTool(URL(fileURLWithPath: tshark), ["-r", drops, "-T", "fields", "-e", "tcp.dstport"])
            XCTAssertEqual(t.status, 0, t.stderr)
            let ports = t.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            XCTAssertEqual(ports.count, dropRecords.count)
            XCTAssertEqual(ports.first, "9090", "the first drop is frontend-2's SYN to backend-1:9090")
        }
    }

    /// `--trace-drops` explains each dropped flow once, however many of its packets were dropped
    /// in either direction.
    func testTraceDropsPrintsOneLinePerDroppedFlow() throws {
        let drops = path("drops.pcap")
        let run = try Akssim.run(["replay", "--trace-drops", "--write-drops", drops, sample])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("  2026-") }
        // Distinct flows among the dropped packets: a flow and its replies are one flow (the
        // pipeline attributes a refused flow's replies to the same verdict).
        var flows: [FlowKey] = []
        var decoder = PacketDecoder()
        var packet = DecodedPacket()
        for r in try records(drops) {
            r.bytes.withUnsafeBytes { decoder.decode($0, linkType: .ethernet, wireLength: UInt32($0.count), into: &packet) }
            if !flows.contains(packet.flow) && !flows.contains(packet.flow.reversed) { flows.append(packet.flow) }
        }
        XCTAssertEqual(lines.count, flows.count, run.stdout)
        // netpol 9090, www.example.com (refused on its ClientHello), the Internet → public LB
        // asymmetric-routing drop, the unauthorized API client; api.github.com is allowed by its SNI.
        XCTAssertEqual(lines.count, 4, run.stdout)
        XCTAssertFalse(run.stdout.contains("140.82.112.6"), run.stdout)
        XCTAssertEqual(lines.filter { $0.contains("10.224.0.21:43040 → 93.184.215.14:443 at firewall by default-deny: aks-fw: no rule matched") }.count, 1,
                       run.stdout)
        XCTAssertTrue(run.stdout.contains("dropped flows (\(flows.count)):"), run.stdout)
        let policy = lines.filter { $0.contains("10.224.0.21:43020 → 10.224.0.30:9090") }
        XCTAssertEqual(policy.count, 1, "three SYNs, one flow, one line")
        XCTAssertTrue(policy.first?.contains("DROP tcp 10.224.0.21:43020 → 10.224.0.30:9090 at networkPolicy by netpol:default-deny: ") == true,
                      policy.first ?? "")
        XCTAssertTrue(policy.first?.contains("not tcp port 9090") == true, "the near miss is named")
        XCTAssertEqual(lines.filter { $0.contains("192.0.2.99:60000 → 20.62.30.1:443 at apiServer") }.count, 1)
        let json = try self.json(try Akssim.run(["replay", "--json", "--trace-drops", sample]))
        XCTAssertEqual((json["dropTraces"] as? [Any])?.count, flows.count)
    }

    /// Azure VNet flow-log JSON: records → flowRecords.flows by aclID → flowGroups by rule →
    /// flowTuples of 13 comma-separated fields.
    func testFlowLogShape() throws {
        let file = path("verdicts.pcap"), log = path("flows.json")
        try ReplayPipelineFixtures.verdictScript().write(to: file)
        let run = try Akssim.run(["replay", "--flow-log", log, file])
        XCTAssertEqual(run.status, 0, run.stderr)
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: log))) as? [String: Any]
        let records = doc?["records"] as? [[String: Any]] ?? []
        XCTAssertEqual(records.count, 1, "one minute of traffic, one record")
        let record = records.first ?? [:]
        XCTAssertEqual(record["category"] as? String, "FlowLogFlowEvent")
        XCTAssertEqual(record["flowLogVersion"] as? Int, 4)
        XCTAssertTrue((record["targetResourceID"] as? String)?.hasSuffix("/VIRTUALNETWORKS/AKS-VNET") == true)
        let flows = (record["flowRecords"] as? [String: Any])?["flows"] as? [[String: Any]] ?? []
        var groups: [String: [String]] = [:]
        for acl in flows {
            for g in acl["flowGroups"] as? [[String: Any]] ?? [] {
                groups["\(acl["aclID"] as? String ?? "")|\(g["rule"] as? String ?? "")"] = g["flowTuples"] as? [String]
            }
        }
        for tuple in groups.values.flatMap({ $0 }) {
            let fields = tuple.split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertEqual(fields.count, 13, tuple)
            XCTAssertTrue(["B", "C", "E", "D"].contains(String(fields[7])), tuple)
            XCTAssertEqual(fields[8], "NX", tuple)
        }
        // The 9090 flow: two SYNs out (a D tuple carries no counts, as Azure's), denied by the policy (not an NSG rule: aclID akssim).
        XCTAssertEqual(groups["akssim|netpol:default-deny"], ["1795597200005,10.224.0.21,10.224.0.30,43020,9090,6,O,D,NX,0,0,0,0"])
        // The API server SYN comes from the Internet: inbound.
        XCTAssertEqual(groups["akssim|apiserver:authorized-ip-ranges"], ["1795597200007,192.0.2.99,20.62.30.1,60000,443,6,I,D,NX,0,0,0,0"])
        // The ClusterIP connection crossed the subnet NSG: logged under its rule, begun then
        // continuing with 2 packets out and the SYN-ACK in.
        XCTAssertEqual(groups["aks-agentpool-nsg|DefaultRule_AllowVnetInBound"]?.prefix(2),
                       ["1795597200002,10.224.0.20,10.0.120.10,43010,80,6,O,B,NX,0,0,0,0",
                        "1795597200004,10.224.0.20,10.0.120.10,43010,80,6,O,C,NX,2,108,1,54"])
    }

    func testBadInputExits2() throws {
        let file = path("verdicts.pcap")
        try ReplayPipelineFixtures.verdictScript().write(to: file)
        let node = try Akssim.run(["replay", "--node", "aks-nodepool9-0", file])
        XCTAssertEqual(node.status, 2)
        XCTAssertTrue(node.stderr.contains("aks-nodepool9-0"), node.stderr)
        XCTAssertEqual(node.stdout, "")
        XCTAssertEqual(try Akssim.run(["replay", "--threads", "0", file]).status, 2)
        XCTAssertEqual(try Akssim.run(["replay", "--decode-only", "--write-drops", path("d.pcap"), file]).status, 2)
        let missing = try Akssim.run(["replay", "--cluster", path("nope.yaml"), file])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stdout, "")
    }

    /// A capture cut inside a record: the whole records are judged, the summary with verdicts is
    /// printed, and the exit status is 2.
    func testTruncatedCaptureStillReportsVerdicts() throws {
        let file = path("whole.pcap"), cut = path("cut.pcap")
        try ReplayPipelineFixtures.verdictScript().write(to: file)
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        try data.prefix(data.count - 5).write(to: URL(fileURLWithPath: cut))
        let run = try Akssim.run(["replay", "--json", cut])
        XCTAssertEqual(run.status, 2)
        let j = try json(run)
        XCTAssertEqual((j["verdicts"] as? [String: Int])?.values.reduce(0, +), 10)
        XCTAssertTrue(run.stderr.contains(cut), run.stderr)
    }

    // MARK: helpers

    struct Record: Equatable {
        var bytes: [UInt8]
        var timestampNanos: Int64
    }

    func records(_ file: String) throws -> [Record] {
        let reader = try PcapReader(path: file)
        defer { reader.close() }
        var out: [Record] = []
        var r = PacketRecord()
        while try reader.next(into: &r) { out.append(Record(bytes: Array(r.bytes), timestampNanos: r.timestampNanos)) }
        return out
    }

    func isSubsequence(_ part: [Record], of whole: [Record]) -> Bool {
        var i = 0
        for r in whole where i < part.count && part[i] == r { i += 1 }
        return i == part.count
    }
}
