import Daemon
import Dataplane
import Foundation
import NetworkAddress
import XCTest

/// The pieces the HTTP API renders: Prometheus text, the flow ring, the watched directory.
final class ReportingPiecesTests: XCTestCase {
    func testExpositionEscapesLabelValuesAndHelp() {
        var out = PrometheusExposition()
        out.family("akssim_rule_hits_total", .counter, help: "Hits \\ per rule\nsecond line")
        out.sample("akssim_rule_hits_total", labels: [("rule", "netpol:shop/\"quoted\"\\x\ny"), ("stage", "networkPolicy")], UInt64(3))
        XCTAssertEqual(out.text, """
            # HELP akssim_rule_hits_total Hits \\\\ per rule\\nsecond line
            # TYPE akssim_rule_hits_total counter
            akssim_rule_hits_total{rule="netpol:shop/\\"quoted\\"\\\\x\\ny",stage="networkPolicy"} 3

            """)
    }

    func testDaemonMetricsFamiliesHaveHelpAndType() {
        var m = DaemonMetrics()
        m.packets = [.init(stage: "networkPolicy", verdict: "drop", value: 3)]
        m.captures = [.init(interface: "eth0", up: true, received: 10, kernelDropped: 1, interfaceDropped: 2)]
        m.reloadsFailed = 1
        m.version = "0.1.0"
        let text = m.exposition
        XCTAssertTrue(text.contains("akssim_packets_total{stage=\"networkPolicy\",verdict=\"drop\"} 3\n"))
        XCTAssertTrue(text.contains("akssim_capture_dropped_total{interface=\"eth0\",kind=\"kernel\"} 1\n"))
        XCTAssertTrue(text.contains("akssim_capture_dropped_total{interface=\"eth0\",kind=\"interface\"} 2\n"))
        XCTAssertTrue(text.contains("akssim_reloads_total{result=\"failure\"} 1\n"))
        XCTAssertTrue(text.contains("akssim_build_info{version=\"0.1.0\"} 1\n"))
        // Every sample's family was introduced by HELP and TYPE lines first.
        var declared: Set<String> = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") { declared.insert(String(line.split(separator: " ")[2])) }
            if !line.hasPrefix("#") {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                XCTAssertTrue(declared.contains(name), "sample before its TYPE: \(line)")
            }
        }
    }

    /// Text format 0.0.4 as Prometheus' parser reads it: one HELP and one TYPE per family,
    /// both before its first sample; counters named `_total`; no series twice; a family with
    /// no samples (no capture interface, no drops yet) still declared and valid.
    func testExpositionIsWellFormedWithEmptyAndMultiSampleFamilies() {
        var m = DaemonMetrics()
        m.ruleHits = [.init(rule: "aks-nsg/DenyAllInBound", stage: "nsg", value: 1),
                      .init(rule: "netpol:a\\b\"c\nd", stage: "networkPolicy", value: 2)]
        m.captures = [.init(interface: "eth0", up: true, received: 1, kernelDropped: 0, interfaceDropped: 0, judgedPerWorker: [1, 0]),
                      .init(interface: "eth1", up: false, received: 0, kernelDropped: 0, interfaceDropped: 0)]
        let text = m.exposition
        XCTAssertTrue(text.hasSuffix("\n"))
        var help: [String: Int] = [:], type: [String: String] = [:], sampled: Set<String> = [], series: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let words = line.split(separator: " ")
            if line.hasPrefix("# HELP ") {
                let name = String(words[2])
                XCTAssertFalse(sampled.contains(name), "HELP after samples: \(line)")
                help[name, default: 0] += 1
            } else if line.hasPrefix("# TYPE ") {
                let name = String(words[2])
                XCTAssertNil(type[name], "TYPE twice: \(line)")
                XCTAssertFalse(sampled.contains(name), "TYPE after samples: \(line)")
                type[name] = String(words[3])
            } else {
                XCTAssertFalse(line.isEmpty || line.hasPrefix("#"), "stray line: \(line)")
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                XCTAssertNotNil(type[name], "sample before its TYPE: \(line)")
                XCTAssertTrue(series.insert(String(line[..<(line.lastIndex(of: " ") ?? line.endIndex)])).inserted, "duplicate series: \(line)")
                XCTAssertNotNil(UInt64(line[line.index(after: line.lastIndex(of: " ") ?? line.startIndex)...]), String(line))
                sampled.insert(name)
            }
        }
        XCTAssertTrue(help.values.allSatisfy { $0 == 1 })
        XCTAssertEqual(Set(help.keys), Set(type.keys))
        for (name, kind) in type where kind == "counter" { XCTAssertTrue(name.hasSuffix("_total"), name) }
        // Declared though empty: no drops, no packets yet.
        XCTAssertEqual(type["akssim_drops_total"], "counter")
        XCTAssertFalse(sampled.contains("akssim_drops_total"))
        XCTAssertTrue(text.contains("akssim_rule_hits_total{rule=\"netpol:a\\\\b\\\"c\\nd\",stage=\"networkPolicy\"} 2\n"))
        XCTAssertTrue(text.contains("akssim_capture_up{interface=\"eth1\"} 0\n"))
        XCTAssertTrue(text.contains("akssim_worker_packets_total{interface=\"eth0\",worker=\"1\"} 0\n"))
    }

    private func record(_ n: UInt16, _ verdict: Verdict) -> FlowRecord {
        FlowRecord(
            timestampNanos: 1_700_000_000_123_456_789, interface: "eth0", node: "", proto: .udp,
            src: IPAddress(10, 224, 0, 20), srcPort: n, dst: IPAddress(10, 224, 0, 30), dstPort: 8080,
            verdict: verdict, stage: .networkPolicy, rule: "")
    }

    func testFlowRingKeepsNewestFirstAndFiltersByVerdict() {
        let ring = FlowRing(capacity: 4)
        for n in 1...6 { ring.append(record(UInt16(n), n % 2 == 0 ? .drop : .allow)) }
        XCTAssertEqual(ring.total, 6)
        XCTAssertEqual(ring.recent(limit: 10).map(\.srcPort), [6, 5, 4, 3])
        XCTAssertEqual(ring.recent(verdict: .drop, limit: 10).map(\.srcPort), [6, 4])
        XCTAssertEqual(ring.recent(limit: 1).map(\.srcPort), [6])
    }

    func testFlowRecordTimeIsRFC3339UTC() {
        XCTAssertEqual(record(1, .allow).json["time"], .string("2023-11-14T22:13:20.123456Z"))
    }

    func testWatchedDirectoryWaitsForStableSizeAndReturnsEachFileOnceInNameOrder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("akssim-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let b = dir.appendingPathComponent("cap-2.pcap"), a = dir.appendingPathComponent("cap-1.pcap")
        try Data([1, 2, 3]).write(to: b)
        try Data([1]).write(to: a)
        try Data([9]).write(to: dir.appendingPathComponent("notes.txt"))
        var watched = WatchedDirectory(path: dir.path)
        XCTAssertEqual(try watched.scan(), [], "first sight: size not yet known to be stable")
        try Data([1, 2]).write(to: a)  // still being written
        XCTAssertEqual(try watched.scan(), [b.path])
        XCTAssertEqual(try watched.scan(), [a.path])
        XCTAssertEqual(try watched.scan(), [], "each file once")
    }
}
