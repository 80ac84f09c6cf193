import NetworkAddress
import PacketWire

/// What a replay does with each judged packet besides counting it (write it to a pcap, explain
/// a drop, account a flow-log tuple). One per worker, used only on that worker's thread; a
/// concrete type, so the per-packet call is a direct, specialised call.
public protocol PacketSink: SendableMetatype {
    mutating func consume(_ packet: inout DecodedPacket, bytes: UnsafeRawBufferPointer, timestampNanos: Int64,
                          sequence: UInt64, outcome: PacketOutcome, pipeline: Pipeline)
}

/// A sink that does nothing (counters only).
public struct CountingSink: PacketSink, Sendable {
    public init() {}
    @inlinable
    public mutating func consume(_ packet: inout DecodedPacket, bytes: UnsafeRawBufferPointer, timestampNanos: Int64,
                                 sequence: UInt64, outcome: PacketOutcome, pipeline: Pipeline) {}
}

/// The per-packet step shared by the single-threaded loop and every worker, so both replay
/// modes judge a packet identically.
public enum PacketStep {
    @inlinable
    public static func run<S: PacketSink>(_ p: inout DecodedPacket, bytes: UnsafeRawBufferPointer, timestampNanos: Int64,
                                          sequence: UInt64, kind: SlotKind, pipeline: Pipeline, sink: inout S,
                                          dns: inout DNSLearner) {
        if kind != .learnDNS {
            let outcome = pipeline.process(&p, bytes: bytes, timestampNanos: timestampNanos)
            sink.consume(&p, bytes: bytes, timestampNanos: timestampNanos, sequence: sequence, outcome: outcome,
                         pipeline: pipeline)
        }
        if kind != .packet { dns.learn(p, bytes: bytes, pipeline: pipeline) }
    }

    /// The same step without the repeat filter: every DNS response is read (for callers that
    /// judge a few packets, e.g. tests; replay loops keep a `DNSLearner`).
    @inlinable
    public static func run<S: PacketSink>(_ p: inout DecodedPacket, bytes: UnsafeRawBufferPointer, timestampNanos: Int64,
                                          sequence: UInt64, kind: SlotKind, pipeline: Pipeline, sink: inout S) {
        if kind != .learnDNS {
            let outcome = pipeline.process(&p, bytes: bytes, timestampNanos: timestampNanos)
            sink.consume(&p, bytes: bytes, timestampNanos: timestampNanos, sequence: sequence, outcome: outcome,
                         pipeline: pipeline)
        }
        if kind != .packet { pipeline.learnDNS(from: p, bytes: bytes) }
    }

    /// The slot kind for a packet: DNS responses teach the firewall when some firewall rule
    /// names an FQDN (`learnsDNS`, see `Pipeline.learnsDNS`); otherwise there is nothing to learn.
    @inlinable
    public static func kind(of p: DecodedPacket, learnsDNS: Bool = true) -> SlotKind {
        learnsDNS && p.isDNS && p.dnsResponse && p.malformed == .none ? .packetLearningDNS : .packet
    }
}

/// Reads DNS answers for the firewall once per distinct response: a fixed direct-mapped table
/// of 64-bit hashes of the response bytes (ID excluded) skips responses already learned, so a
/// capture that repeats the same answers does not build names (allocate) per packet. Learning
/// is idempotent, so a hash evicted from the table only costs a second read. One per worker.
public struct DNSLearner {
    @usableFromInline var seen: [UInt64]

    public init() { seen = Array(repeating: 0, count: 4096) }

    @inlinable
    public mutating func learn(_ p: DecodedPacket, bytes: UnsafeRawBufferPointer, pipeline: Pipeline) {
        let start = Int(p.payloadOffset) + (p.flow.proto == .tcp ? 4 : 2)   // skip the (TCP length and) ID
        let end = min(bytes.count, Int(p.payloadOffset) + Int(p.payloadLength))
        guard p.isDNS, p.dnsResponse, start < end else { return }
        // Eight bytes per step (a byte-at-a-time FNV-1a over every response cost more than
        // judging the packet); the final avalanche spreads every word into the slot bits.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(end - start)
        var i = start
        while i + 8 <= end {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            i += 8
        }
        while i < end {
            h = (h ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3
            i += 1
        }
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h |= 1   // 0 marks an empty slot
        let slot = Int(truncatingIfNeeded: h >> 52) & (seen.count - 1)
        if seen[slot] == h { return }
        seen[slot] = h
        pipeline.learnDNS(from: p, bytes: bytes)
    }
}

extension Pipeline {
    /// True when some firewall network rule names an FQDN, so DNS answers are worth reading.
    public var learnsDNS: Bool { !compiled.azure.fqdnIDs.isEmpty }

    /// Learns every A/AAAA answer of a DNS response (UDP or TCP) for the firewall's FQDN rules.
    /// Returns how many answers named an FQDN some rule uses. Runs on DNS responses only.
    @discardableResult
    public func learnDNS(from p: DecodedPacket, bytes: UnsafeRawBufferPointer) -> Int {
        guard p.isDNS, p.dnsResponse, p.payloadLength > 0 else { return 0 }
        let start = Int(p.payloadOffset)
        let end = min(bytes.count, start + Int(p.payloadLength))
        guard start < end else { return 0 }
        var learned = 0
        DNSAnswers.forEach(in: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), overTCP: p.flow.proto == .tcp) { name, address in
            if learnDNS(name: name, address: address) { learned += 1 }
        }
        return learned
    }
}
