import ArgumentParser
import ClusterModel
import Dataplane
import Foundation
import NetworkAddress
import Reporting

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Explain what the cluster does with one flow (or every flow of a JSON-lines file).",
        discussion: """
            Walks a hypothetical flow through the model hop by hop — kube-proxy, NetworkPolicy, NSGs, \
            routes, Azure Load Balancer, Azure Firewall, SNAT, ingress — and prints the verdict, the \
            deciding stage and rule, where the packet is delivered and the source the receiver sees. \
            Nothing is recorded: conntrack and counters are untouched.

            Examples:
              akssim trace --protocol tcp --src 10.224.0.20 --dst 10.0.120.10:80
              akssim trace --src 198.51.100.7 --dst 20.62.10.4:443 --sni shop.contoso.com
              akssim trace --src 198.51.100.7 --dst 20.62.10.4:80 --http-host shop.contoso.com --http-path /cart
              akssim trace --flows flows.jsonl

            A request (--sni, --http-host, --http-path) that reaches an ingress controller pod is \
            routed by the Ingress rules: host from --http-host, else --sni; path from --http-path \
            (default /; with only --sni the path is encrypted and routed as /). The controller's \
            connection to the chosen backend Service is then traced too, and verdict, delivered and \
            source describe it. A request no rule takes is answered by the controller itself \
            (404, rule ingress:no-match; 503 for a missing Service or one without ready \
            endpoints): delivered is the controller pod.

            --flows reads JSON lines with protocol, src, sport, dst, dport and optional node, sni, \
            httpHost, httpPath, and prints one JSON object per line, in order. A bad line prints \
            {"line": N, "error": "FILE:N: field …: what was expected"} in its place (the message also on \
            stderr), the other lines are traced, and the exit code is 2.
            """
    )

    @Option(name: .customLong("protocol"), help: "tcp, udp, sctp or icmp (or the IANA number: 6, 17, 132, 1).")
    var proto: String = "tcp"

    @Option(help: "Source address, optionally with a port: 10.224.0.20, 10.224.0.20:41000, [fd00::1]:41000.")
    var src: String?

    @Option(help: "Destination address and port: 10.0.120.10:80 (the port may be omitted for icmp).")
    var dst: String?

    @Option(help: "The node the flow is observed on (for traffic entering from outside the nodes).")
    var node: String?

    @Option(help: "TLS SNI the client sends (Azure Firewall application rules).")
    var sni: String?

    @Option(name: .customLong("http-host"), help: "HTTP Host header the client sends.")
    var httpHost: String?

    @Option(name: .customLong("http-path"), help: "URL path of the HTTP request (for Ingress path rules; default /).")
    var httpPath: String?

    @Option(help: "JSON-lines file of flows (- for standard input); prints one JSON object per line, in order.")
    var flows: String?

    @Flag(help: "Print the trace as JSON.")
    var json = false

    @OptionGroup var clusterOptions: ClusterOptions

    func validate() throws {
        if flows == nil && (src == nil || dst == nil) {
            throw ValidationError("give --src and --dst (or --flows FILE)")
        }
        if flows != nil && (src != nil || dst != nil) {
            throw ValidationError("--flows cannot be combined with --src/--dst")
        }
        if flows == "-" && clusterOptions.cluster.contains("-") {
            throw ValidationError("standard input (-) cannot be both the flows and the cluster")
        }
    }

    func run() throws {
        let cluster = try clusterOptions.load()
        let pipeline = Pipeline(cluster: cluster)
        if let flows {
            try runFlows(flows, pipeline)
            return
        }
        let q = try FlowText.query(proto: proto, src: src ?? "", dst: dst ?? "", node: node, sni: sni, httpHost: httpHost,
                                   httpPath: httpPath, where: { $0 == "httpPath" ? "--http-path" : "--\($0)" })
        if let n = q.node, !cluster.nodes.contains(where: { $0.name == n }) {
            throw CLIFailure.badInput("--node: no node named \(n) in the cluster (nodes: \(cluster.nodes.map(\.name).joined(separator: ", ")))")
        }
        let t = pipeline.trace(q)
        print(json ? TraceReport.json(t).pretty : TraceReport.text(t))
    }

    /// One JSON object per input line, in order (blank lines skipped). A bad line does not stop
    /// the run: its place in the output holds `{"line": N, "error": "file:N: field …: …"}`, the
    /// same message goes to stderr, the following lines are still traced, and the exit code is 2
    /// — nothing already traced is lost and the output stays aligned with the input.
    func runFlows(_ path: String, _ pipeline: Pipeline) throws {
        // "-" is standard input, as for `replay -` (the shell convention: `… | akssim trace --flows -`).
        let read = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path)
        guard let data = read else {
            let why = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw CLIFailure.badInput("\(path): \(why) (expected a file of JSON lines)")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw CLIFailure.badInput("\(path): not UTF-8 text (expected JSON lines)")
        }
        // A byte-order mark (editors on Windows write one) is not part of the first line's JSON.
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        var out = ""
        var lineNo = 0
        var bad = 0
        let nodes = pipeline.cluster.nodes.map(\.name)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            do {
                let q = try FlowText.query(jsonLine: trimmed, file: path == "-" ? "<stdin>" : path, line: lineNo, nodes: nodes)
                out += TraceReport.json(pipeline.trace(q)).compact
            } catch let failure as CLIFailure {
                bad += 1
                out += JSON.object([("line", .uint(UInt64(lineNo))), ("error", .string(failure.message))]).compact
                FileHandle.standardOutput.write(Data(out.utf8))
                out = ""
                FileHandle.standardError.write(Data("akssim: \(failure.message)\n".utf8))
            }
            out += "\n"
            if out.utf8.count > 1 << 16 { FileHandle.standardOutput.write(Data(out.utf8)); out = "" }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        if bad > 0 { throw ExitCode(2) }
    }
}

/// Parsing of flow descriptions from flags and from JSON lines.
enum FlowText {
    /// "1.2.3.4", "1.2.3.4:80", "[fd00::1]:80", "fd00::1".
    static func endpoint(_ s: String) -> (IPAddress, UInt16?)? {
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]"), let a = IPAddress(s[s.index(after: s.startIndex)..<close]) else { return nil }
            let rest = s[s.index(after: close)...]
            if rest.isEmpty { return (a, nil) }
            guard rest.hasPrefix(":"), let p = UInt16(rest.dropFirst()) else { return nil }
            return (a, p)
        }
        if let a = IPAddress(s) { return (a, nil) }
        guard let colon = s.lastIndex(of: ":"), let a = IPAddress(s[..<colon]), a.isIPv4,
              let p = UInt16(s[s.index(after: colon)...]) else { return nil }
        return (a, p)
    }

    static func proto(_ s: String) -> IPProtocol? {
        // Names, or the IANA protocol numbers a capture's IP header carries (6, 17, 132, 1, 58).
        switch s.lowercased() {
        case "tcp", "6": return .tcp
        case "udp", "17": return .udp
        case "sctp", "132": return .sctp
        case "icmp", "icmpv6", "1", "58": return .icmp
        default: return nil
        }
    }

    static func query(proto p: String, src: String, dst: String, node: String?, sni: String?, httpHost: String?,
                      httpPath: String? = nil, where field: (String) -> String) throws -> FlowQuery {
        guard var proto = proto(p) else { throw CLIFailure.badInput("\(field("protocol")): expected tcp, udp, sctp or icmp (or 6, 17, 132, 1), got \"\(p)\"") }
        guard let (s, sp) = endpoint(src) else { throw CLIFailure.badInput("\(field("src")): expected IP or IP:PORT, got \"\(src)\"") }
        guard let (d, dp) = endpoint(dst) else { throw CLIFailure.badInput("\(field("dst")): expected IP:PORT, got \"\(dst)\"") }
        guard s.isIPv4 == d.isIPv4 else { throw CLIFailure.badInput("\(field("dst")): address family differs from the source") }
        if proto == .icmp && !s.isIPv4 { proto = .icmpv6 }
        guard dp != nil || proto.isICMP else {
            let hint = d.isIPv4 ? "" : "; write an IPv6 address with a port as [\(d)]:PORT"
            throw CLIFailure.badInput("\(field("dst")): expected IP:PORT (a port is required for \(proto))\(hint)")
        }
        // An origin-form request target (RFC 9112 §3.2.1), as Ingress paths are written.
        if let httpPath, httpPath.first != "/" {
            throw CLIFailure.badInput("\(field("httpPath")): expected a URL path starting with /, got \"\(httpPath)\"")
        }
        return FlowQuery(proto: proto, src: s, sport: sp ?? 40000, dst: d, dport: dp ?? 0, node: node, sni: sni, httpHost: httpHost,
                         httpPath: httpPath)
    }

    /// One `--flows` line: {"protocol","src","sport","dst","dport","node"?,"sni"?,"httpHost"?,"httpPath"?}.
    struct Line: Decodable {
        var `protocol`: String
        var src: String
        var sport: PortValue?
        var dst: String
        var dport: PortValue?
        var node: String?
        var sni: String?
        var httpHost: String?
        var httpPath: String?

        enum CodingKeys: String, CodingKey { case `protocol`, src, sport, dst, dport, node, sni, httpHost, httpPath }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // The protocol by name or by its IANA number (a number in JSON, as flow exports print it).
            if let n = try? c.decode(Int.self, forKey: .protocol) { `protocol` = String(n) } else {
                `protocol` = try c.decode(String.self, forKey: .protocol)
            }
            src = try c.decode(String.self, forKey: .src)
            sport = try c.decodeIfPresent(PortValue.self, forKey: .sport)
            dst = try c.decode(String.self, forKey: .dst)
            dport = try c.decodeIfPresent(PortValue.self, forKey: .dport)
            node = try c.decodeIfPresent(String.self, forKey: .node)
            sni = try c.decodeIfPresent(String.self, forKey: .sni)
            httpHost = try c.decodeIfPresent(String.self, forKey: .httpHost)
            httpPath = try c.decodeIfPresent(String.self, forKey: .httpPath)
        }
    }

    /// A port as a JSON number or as digits in a string (`"80"`): scripts that turn CSV or
    /// tcpdump text into JSON lines often quote every value.
    struct PortValue: Decodable {
        var number: Int?
        var text: String

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self) {
                number = n
                text = String(n)
            } else if let s = try? c.decode(String.self) {
                number = Int(s.trimmingCharacters(in: .whitespaces))
                text = "\"\(s)\""
            } else {
                throw DecodingError.typeMismatch(Int.self, .init(codingPath: decoder.codingPath, debugDescription: "port"))
            }
        }
    }

    static func query(jsonLine: String, file: String, line: Int, nodes: [String]) throws -> FlowQuery {
        let at = "\(file):\(line)"
        let l: Line
        do {
            l = try JSONDecoder().decode(Line.self, from: Data(jsonLine.utf8))
        } catch let DecodingError.keyNotFound(key, _) {
            throw CLIFailure.badInput("\(at): field \(key.stringValue): missing")
        } catch let DecodingError.typeMismatch(_, ctx) where ctx.codingPath.isEmpty {
            // The line is JSON but not an object (`[…]`, a string, a number).
            throw CLIFailure.badInput("\(at): expected one JSON object per line")
        } catch let DecodingError.typeMismatch(type, ctx) {
            throw CLIFailure.badInput("\(at): field \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): expected \(type == Int.self ? "a number" : "a string")")
        } catch let DecodingError.valueNotFound(type, ctx) {
            throw CLIFailure.badInput("\(at): field \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): expected \(type == Int.self ? "a number" : "a string"), got null")
        } catch {
            throw CLIFailure.badInput("\(at): expected one JSON object per line")
        }
        func port(_ v: PortValue?, _ name: String) throws -> UInt16? {
            guard let v else { return nil }
            guard let n = v.number, (0...65535).contains(n) else {
                throw CLIFailure.badInput("\(at): field \(name): expected a port number 0-65535, got \(v.text)")
            }
            return UInt16(n)
        }
        let isICMP = proto(l.protocol) == .icmp
        let sport = try port(l.sport, "sport")
        guard let (d, dstPort) = endpoint(l.dst) else { throw CLIFailure.badInput("\(at): field dst: expected an IP address, got \"\(l.dst)\"") }
        // dport may also come with dst ("10.0.0.1:80", "[fd00::1]:80"); an explicit dport wins.
        guard let dport = try port(l.dport, "dport") ?? dstPort ?? (isICMP ? 0 : nil) else {
            throw CLIFailure.badInput("\(at): field dport: missing (a port is required for \(l.protocol))")
        }
        if let node = l.node, !nodes.contains(node) { throw CLIFailure.badInput("\(at): field node: no node named \(node)") }
        let dst = d.isIPv4 ? "\(d):\(dport)" : "[\(d)]:\(dport)"
        var q = try query(proto: l.protocol, src: l.src, dst: dst, node: l.node, sni: l.sni, httpHost: l.httpHost,
                          httpPath: l.httpPath, where: { "\(at): field \($0)" })
        if let sport { q.sport = sport }
        return q
    }
}
