import Dataplane
import NetworkAddress
import Reporting
import Synchronization

/// One new flow as the daemon saw it: the first packet of a connection the pipeline had not
/// seen before, and what it decided. Kept for `GET /v1/flows`.
public struct FlowRecord: Sendable, Equatable {
    public var timestampNanos: UInt64
    public var interface: String
    public var node: String
    public var proto: IPProtocol
    public var src: IPAddress
    public var srcPort: UInt16
    public var dst: IPAddress
    public var dstPort: UInt16
    public var verdict: Verdict
    public var stage: Stage
    public var rule: String

    public init(
        timestampNanos: UInt64, interface: String, node: String, proto: IPProtocol, src: IPAddress, srcPort: UInt16,
        dst: IPAddress, dstPort: UInt16, verdict: Verdict, stage: Stage, rule: String
    ) {
        self.timestampNanos = timestampNanos
        self.interface = interface
        self.node = node
        self.proto = proto
        self.src = src
        self.srcPort = srcPort
        self.dst = dst
        self.dstPort = dstPort
        self.verdict = verdict
        self.stage = stage
        self.rule = rule
    }

    public var json: JSON {
        .object([
            ("time", .string(Self.rfc3339(nanos: timestampNanos))),
            ("interface", .string(interface)),
            ("node", node.isEmpty ? .null : .string(node)),
            ("protocol", .string(proto.description)),
            ("src", .string(src.description)),
            ("sport", .uint(UInt64(srcPort))),
            ("dst", .string(dst.description)),
            ("dport", .uint(UInt64(dstPort))),
            ("verdict", .string(verdict.description)),
            ("stage", .string(stage.description)),
            ("rule", rule.isEmpty ? .null : .string(rule)),
        ])
    }

    /// Packet time as RFC 3339 UTC with microseconds (civil-from-days, Howard Hinnant's algorithm).
    static func rfc3339(nanos: UInt64) -> String {
        let seconds = Int64(nanos / 1_000_000_000)
        let micros = Int((nanos % 1_000_000_000) / 1_000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secOfDay = Int(seconds - days * 86_400)
        let (y, m, d) = Timestamp.civil(fromDays: days)
        let (year, month, day) = (Int(y), Int(m), Int(d))
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secOfDay / 3600, 2)):\(pad(secOfDay / 60 % 60, 2)):"
            + "\(pad(secOfDay % 60, 2)).\(pad(micros, 6))Z"
    }
}

/// A bounded ring of the most recent flow records, shared by every capture thread and read by
/// the HTTP API. Writers hold the lock for one slot copy; storage is allocated once.
public final class FlowRing: Sendable {
    private struct Storage {
        var slots: [FlowRecord?]
        var next = 0
        var total: UInt64 = 0
    }

    private let storage: Mutex<Storage>
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage = Mutex(Storage(slots: Array(repeating: nil, count: max(1, capacity))))
    }

    public func append(_ record: FlowRecord) {
        storage.withLock { s in
            s.slots[s.next] = record
            s.next = (s.next + 1) % s.slots.count
            s.total &+= 1
        }
    }

    /// Newest first, optionally only one verdict, at most `limit`.
    public func recent(verdict: Verdict? = nil, limit: Int) -> [FlowRecord] {
        storage.withLock { s in
            var out: [FlowRecord] = []
            out.reserveCapacity(min(limit, s.slots.count))
            var i = s.next
            for _ in 0..<s.slots.count {
                guard out.count < limit else { break }
                i = (i - 1 + s.slots.count) % s.slots.count
                guard let r = s.slots[i] else { break }
                if verdict == nil || r.verdict == verdict { out.append(r) }
            }
            return out
        }
    }

    /// Flows ever recorded (including those the ring has since overwritten).
    public var total: UInt64 { storage.withLock { $0.total } }
}
