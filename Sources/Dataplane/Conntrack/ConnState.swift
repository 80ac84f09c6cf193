import NetworkAddress
import PacketWire

/// Connection states, named as `conntrack -L` prints them. UDP, ICMP and other protocols use
/// `open` (with `seenReply` choosing the unreplied or stream timeout). `synSent2` is Linux's
/// TCP_CONNTRACK_SYN_SENT2: a SYN answered by a SYN (simultaneous open).
public enum ConnState: UInt8, Sendable, CustomStringConvertible {
    case synSent, synRecv, established, finWait, closeWait, lastAck, timeWait, close, open, synSent2
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
        case .synSent2: return "SYN_SENT2"
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
    /// nf_conntrack_udp_timeout / _stream (the stream timeout once the flow was answered and is
    /// still active two seconds after its first packet; see `ConntrackTable.touch`).
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
        // tcp_timeouts[TCP_CONNTRACK_SYN_SENT2] is 2 minutes, like SYN_SENT.
        case .synSent, .synSent2: return tcpSynSent
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
    /// in TIME_WAIT (either direction) or CLOSE (original direction) maps to sSS, and
    /// `nf_conntrack_tcp_packet` then calls `nf_ct_kill` and returns -NF_REPEAT — the SYN is looked
    /// up again as a NEW connection, judged afresh by the rules (and a Service endpoint chosen
    /// afresh) — provided the connection was closing (IP_CT_TCP_FLAG_CLOSE_INIT: a FIN seen, `fin`
    /// bits 0–1) or its last segment was an RST from the SYN's own side (`last_dir == dir &&
    /// last_index == TCP_RST_SET`, `fin` bit 2). Otherwise (the server reset the connection and the
    /// client reuses the tuple) the SYN falls through to TCP_CONNTRACK_IGNORE: accepted on the old
    /// entry, its NAT kept. A reply-side SYN in CLOSE is sIV (tcp_conntracks[REPLY][syn][sCL]).
    @inline(__always)
    public static func reopens(_ state: ConnState, _ f: TCPFlags, reply: Bool, fin: UInt8) -> Bool {
        guard f.contains(.syn) && !f.contains(.ack) && !f.contains(.rst) else { return false }
        if state == .timeWait { return true }
        return state == .close && !reply && fin & 0b111 != 0
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

    /// Next state after a segment in direction `reply`: nf_conntrack_proto_tcp's
    /// `tcp_conntracks[dir][get_conntrack_index(th)][state]`, row by row (RST, then SYN or
    /// SYN-ACK, then FIN, then ACK). The table does not ask which side sent a FIN: in FIN_WAIT an
    /// ACK from either side is CLOSE_WAIT and a FIN from either side (a retransmission included)
    /// LAST_ACK. sIV/sIG entries keep the state. `fin` records which sides sent FIN (bit 0
    /// original, bit 1 reply), as IP_CT_TCP_FLAG_CLOSE_INIT does, and whether the last segment
    /// was an RST (bit 2 from the original side, bit 3 from the reply side), as
    /// last_index/last_dir do; `reopens` reads them, the table does not.
    @inline(__always)
    public static func next(_ s: ConnState, _ f: TCPFlags, reply: Bool, fin: inout UInt8) -> ConnState {
        if f.contains(.rst) {   // rst row: sCL from every state
            fin = (fin & 0b11) | (reply ? 0b1000 : 0b100)
            return .close
        }
        fin &= 0b11
        if f.contains(.syn) {
            if f.contains(.ack) {
                // synack row: reply sSS→sSR (the answer); sS2→sSR either way (simultaneous
                // open); original sSR→sSR; everything else sIV/sIG.
                if s == .synSent && reply { return .synRecv }
                if s == .synSent2 { return .synRecv }
                return s
            }
            // syn row: a reply SYN in SYN_SENT is SYN_SENT2 (simultaneous open, 2 minutes, not
            // SYN_RECV's 60 s); TIME_WAIT (either side) and CLOSE (original side) reopen (the
            // pipeline kills the entry first when `reopens`); elsewhere sIG/sIV.
            switch s {
            case .synSent: return reply ? .synSent2 : .synSent
            case .timeWait: fin = 0; return .synSent
            // In CLOSE a SYN the pipeline did not reopen on (see `reopens`) is ignored.
            default: return s
            }
        }
        if f.contains(.fin) {
            switch s {
            case .synRecv, .established: fin |= reply ? 2 : 1; return .finWait
            case .finWait, .closeWait, .lastAck: fin |= reply ? 2 : 1; return .lastAck
            default: return s   // sSS/sS2: sIV; sTW, sCL stay
            }
        }
        if f.contains(.ack) {
            switch s {
            case .synRecv: return reply ? s : .established
            case .finWait, .closeWait: return .closeWait
            case .lastAck, .timeWait: return .timeWait
            default: return s   // sSS: original sIV, reply sIG; sES, sCL stay
            }
        }
        return s
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
