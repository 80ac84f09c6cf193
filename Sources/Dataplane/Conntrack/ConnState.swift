import NetworkAddress
import PacketWire

/// Connection states, named as `conntrack -L` prints them. UDP, ICMP and other protocols use
/// `open` (with `seenReply` choosing the unreplied or stream timeout).
public enum ConnState: UInt8, Sendable, CustomStringConvertible {
    case synSent, synRecv, established, finWait, closeWait, lastAck, timeWait, close, open
    public var description: String {
        switch self {
        case .synSent: return "SYN_SENT"
        case .synRecv: return "SYN_RECV"
        case .established: return "ESTABLISHED"
        case .finWait: return "FIN_WAIT"
        case .closeWait: return "CLOSE_WAIT"
        case .lastAck: return "LAST_ACK"
        case .timeWait: return "TIME_WAIT"
        case .close: return "CLOSE"
        case .open: return "OPEN"
        }
    }
}

/// Linux nf_conntrack default timeouts (net.netfilter.nf_conntrack_*_timeout*), in nanoseconds.
public enum ConntrackTimeouts {
    public static let second: Int64 = 1_000_000_000
    public static let tcpSynSent = 120 * second
    public static let tcpSynRecv = 60 * second
    public static let tcpEstablished = 432_000 * second
    public static let tcpFinWait = 120 * second
    public static let tcpCloseWait = 60 * second
    public static let tcpLastAck = 30 * second
    public static let tcpTimeWait = 120 * second
    public static let tcpClose = 10 * second
    /// nf_conntrack_udp_timeout / _stream.
    public static let udp = 30 * second
    public static let udpStream = 120 * second
    public static let icmp = 30 * second
    /// SCTP: COOKIE_WAIT-like unreplied state kept as long as ICMP; ESTABLISHED 210 s
    /// (nf_conntrack_sctp_timeout_established since "netfilter: conntrack: unify established states
    /// for SCTP paths", Linux 6.2, backported to the stable kernels: hb_interval × max_path_retrans
    /// + rto_max, so a path that misses the SHUTDOWN still expires); ABORT / SHUTDOWN COMPLETE close
    /// it (CLOSED 10 s).
    public static let sctpUnreplied = 30 * second
    public static let sctpEstablished = 210 * second
    /// nf_conntrack_generic_timeout.
    public static let generic = 600 * second

    @inline(__always)
    public static func timeout(_ state: ConnState, proto: IPProtocol, seenReply: Bool) -> Int64 {
        switch state {
        case .synSent: return tcpSynSent
        case .synRecv: return tcpSynRecv
        case .established: return tcpEstablished
        case .finWait: return tcpFinWait
        case .closeWait: return tcpCloseWait
        case .lastAck: return tcpLastAck
        case .timeWait: return tcpTimeWait
        case .close: return tcpClose
        case .open:
            switch proto {
            case .udp: return seenReply ? udpStream : udp
            case .icmp, .icmpv6: return icmp
            case .sctp: return seenReply ? sctpEstablished : sctpUnreplied
            default: return generic
            }
        }
    }
}

/// The TCP state machine, reduced from nf_conntrack_proto_tcp's table to the transitions a
/// well-formed capture produces. Window tracking is not reproduced (captures lose packets).
public enum TCPTracker {
    /// Whether a first segment creates a connection. nf_conntrack_proto_tcp's `tcp_new` looks up
    /// `tcp_conntracks[0][index][sNO]`: a SYN opens SYN_SENT, a bare ACK (data included) is picked
    /// up as ESTABLISHED (nf_conntrack_tcp_loose=1); SYN-ACK, FIN, RST and flagless segments map
    /// to sIV — the packet is INVALID and no entry is created, so a reply seen before its SYN (or a
    /// stray RST/FIN) leaves nothing behind that could decide the connection's real first packet.
    @inline(__always)
    public static func opens(_ f: TCPFlags) -> Bool {
        if f.contains(.rst) { return false }
        // SYN|FIN is no valid combination at all (tcp_error's tcp_valid_flags).
        if f.contains(.syn) { return !f.contains(.ack) && !f.contains(.fin) }
        return f.contains(.ack) && !f.contains(.fin)
    }

    /// Whether a segment of a tracked connection in `state` kills it and starts a new one: a SYN
    /// (either direction) in TIME_WAIT or CLOSE maps to sSS, and `nf_conntrack_tcp_packet` then
    /// calls `nf_ct_kill` and returns -NF_REPEAT — the SYN is looked up again as a NEW connection,
    /// judged afresh by the rules (and a Service endpoint chosen afresh).
    @inline(__always)
    public static func reopens(_ state: ConnState, _ f: TCPFlags) -> Bool {
        (state == .timeWait || state == .close) && f.contains(.syn) && !f.contains(.ack) && !f.contains(.rst)
    }

    /// State for the first packet of a flow. A SYN opens SYN_SENT; any other segment is picked
    /// up mid-connection as ESTABLISHED (nf_conntrack_tcp_loose=1); a lone RST is CLOSE (the
    /// pipeline does not track first segments `opens` refuses).
    public static func initial(_ f: TCPFlags) -> ConnState {
        if f.contains(.rst) { return .close }
        if f.contains(.syn) && !f.contains(.ack) { return .synSent }
        if f.contains(.fin) { return .finWait }
        return .established
    }

    /// Next state after a segment in direction `reply`; `fin` tracks which sides sent FIN
    /// (bit 0 original, bit 1 reply).
    @inline(__always)
    public static func next(_ s: ConnState, _ f: TCPFlags, reply: Bool, fin: inout UInt8) -> ConnState {
        if f.contains(.rst) { return .close }
        switch s {
        case .synSent:
            if reply && f.contains(.syn) && f.contains(.ack) { return .synRecv }
            if reply && f.contains(.syn) { return .synRecv }   // simultaneous open
            return s
        case .synRecv:
            if !reply && f.contains(.ack) && !f.contains(.syn) { return f.contains(.fin) ? finned(&fin, reply) : .established }
            return s
        case .established:
            if f.contains(.fin) { return finned(&fin, reply) }
            return s
        case .finWait, .closeWait:
            if f.contains(.fin) {
                fin |= reply ? 2 : 1
                return fin == 3 ? .lastAck : s
            }
            // The other side acknowledging the first FIN: half-closed (CLOSE_WAIT).
            let firstFinByReply = fin == 2
            if s == .finWait && f.contains(.ack) && reply != firstFinByReply { return .closeWait }
            return s
        case .lastAck:
            if f.contains(.ack) && !f.contains(.fin) { return .timeWait }
            return s
        case .timeWait:
            // A new SYN reusing the tuple reopens it (tcp_conntracks sIV→sSS on reopen).
            if f.contains(.syn) && !f.contains(.ack) && !reply { fin = 0; return .synSent }
            return s
        case .close:
            if f.contains(.syn) && !f.contains(.ack) && !reply { fin = 0; return .synSent }
            return s
        case .open:
            return s
        }
    }

    static func finned(_ fin: inout UInt8, _ reply: Bool) -> ConnState {
        fin |= reply ? 2 : 1
        return fin == 3 ? .lastAck : .finWait
    }
}

/// Which ICMP messages create a connection: nf_conntrack_proto_icmp `icmp_new` accepts only echo,
/// timestamp, information and address-mask requests (`valid_new[]`); icmpv6_new only echo request
/// and node-information query. A reply or any other type without a tracked request is INVALID —
/// judged as it stands, never tracked (errors go through `icmp_error`: RELATED or nothing).
public enum ICMPTracker {
    @inline(__always)
    public static func opens(v6: Bool, type: UInt8) -> Bool {
        v6 ? (type == 128 || type == 139) : (type == 8 || type == 13 || type == 15 || type == 17)
    }
}
