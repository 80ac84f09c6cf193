import Foundation
import Yams

/// JSON that libyaml rejects although it is valid JSON (surrogate-pair escapes such as
/// `\ud83d\ude00`) is parsed by Foundation instead and converted to the same node tree.
/// Line and column are lost for such a file (diagnostics then name only the file).
enum JSONFallback {
    private enum Value: Decodable {
        case null, bool(Bool), int(Int64), double(Double), string(String), array([Value]), object([(String, Value)])

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: Decoder) throws {
            if let o = try? decoder.container(keyedBy: Key.self) {
                self = .object(try o.allKeys.map { ($0.stringValue, try o.decode(Value.self, forKey: $0)) })
                return
            }
            if var a = try? decoder.unkeyedContainer() {
                var items: [Value] = []
                while !a.isAtEnd { items.append(try a.decode(Value.self)) }
                self = .array(items)
                return
            }
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) } else if let i = try? c.decode(Int64.self) {
                self = .int(i)
            } else if let d = try? c.decode(Double.self) { self = .double(d) } else { self = .string(try c.decode(String.self)) }
        }

        var node: YAMLNode {
            switch self {
            case .null: return YAMLNode("null", .implicit, .plain)
            case .bool(let b): return YAMLNode(b ? "true" : "false", .implicit, .plain)
            case .int(let i): return YAMLNode(String(i), .implicit, .plain)
            case .double(let d): return YAMLNode(String(d), .implicit, .plain)
            case .string(let s): return YAMLNode(s, .implicit, .doubleQuoted)
            case .array(let a): return YAMLNode(a.map(\.node))
            case .object(let o): return YAMLNode(o.map { (YAMLNode($0.0, .implicit, .doubleQuoted), $0.1.node) })
            }
        }
    }

    /// The document as a node tree, or nil when the text is not JSON either.
    static func parse(_ text: String) -> YAMLNode? {
        let trimmed = text.drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        guard trimmed.first == "{" || trimmed.first == "[" else { return nil }
        return (try? JSONDecoder().decode(Value.self, from: Data(text.utf8)))?.node
    }
}
