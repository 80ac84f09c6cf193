/// Writes the Prometheus text exposition format, version 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/): one `# HELP` and one
/// `# TYPE` line per family, then one sample per line, label values escaped as the format
/// requires (backslash, double quote and line feed). Built once per scrape, never per packet.
public struct PrometheusExposition: Sendable {
    public enum MetricType: String, Sendable {
        case counter, gauge
    }

    /// The content type scrapers expect for this format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public private(set) var text = ""

    public init() {}

    /// Starts a metric family. Every sample that follows until the next `family` belongs to it.
    public mutating func family(_ name: String, _ type: MetricType, help: String) {
        text += "# HELP \(name) "
        Self.escapeHelp(help, into: &text)
        text += "\n# TYPE \(name) \(type.rawValue)\n"
    }

    /// One sample. Labels keep the order given, so output is stable between scrapes.
    public mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], _ value: UInt64) {
        writeName(name, labels: labels.map { ($0.key, $0.value) })
        text += String(value)
        text += "\n"
    }

    public mutating func sample(_ name: String, labels: [(String, String)], _ value: UInt64) {
        writeName(name, labels: labels)
        text += String(value)
        text += "\n"
    }

    public mutating func sample(_ name: String, labels: [(String, String)], _ value: Double) {
        writeName(name, labels: labels)
        if value.isNaN {
            text += "NaN"
        } else if value.isInfinite {
            text += value > 0 ? "+Inf" : "-Inf"
        } else {
            text += String(value)
        }
        text += "\n"
    }

    private mutating func writeName(_ name: String, labels: [(String, String)]) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (i, (key, value)) in labels.enumerated() {
                if i > 0 { text += "," }
                text += key
                text += "=\""
                Self.escapeLabelValue(value, into: &text)
                text += "\""
            }
            text += "}"
        }
        text += " "
    }

    /// Label values escape `\`, `"` and line feed (exposition format 0.0.4).
    static func escapeLabelValue(_ value: String, into out: inout String) {
        for u in value.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(u)
            }
        }
    }

    /// HELP text escapes only `\` and line feed.
    static func escapeHelp(_ value: String, into out: inout String) {
        for u in value.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(u)
            }
        }
    }
}
