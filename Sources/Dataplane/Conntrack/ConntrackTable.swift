import NetworkAddress
import PacketWire

/// One tracked connection: both tuples, its state and the cached verdict of its first packet.
public struct ConntrackEntry: Sendable {
    /// The tuple of the first packet, as it arrived.
    public var original: FlowKey
    /// The tuple replies carry: from the final destination (after DNAT) to the source as the
    /// receiver saw it (after SNAT). Replies matching it are reverse-NATed and allowed.
    public var reply: FlowKey
    /// The tuple as it left the first node (after the node's own DNAT/SNAT, before Azure's
    /// translations such as the firewall's SNAT): its reverse is the reply as a capture on that
    /// node's NIC shows it. Equal to `reply.reversed` when Azure translated nothing.
    public var egress: FlowKey
    public var expires: Int64
    public var lastSeen: Int64
    public var state: ConnState
    public var seenReply: Bool
    public var fin: UInt8
    /// Cached decision of the first packet; later packets of a non-allowed flow, in either
    /// direction, repeat it (see `insert`).
    public var verdict: Verdict
    public var stage: Stage
    public var rule: RuleID
    /// Counter attribution (node index, namespace index; -1 when none).
    public var node: Int32
    public var namespace: Int32
    public var live: Bool
    /// Azure Firewall application rules wait for this flow's first request: the handshake is
    /// allowed (`firewall:pending-application-rule`) and the client's first payload decides.
    public var pendingApplication = false
    /// The ingress controller (index into `IngressRouter.controllers`) an allowed TCP flow was
    /// delivered to, until the client's first payload — its HTTP request or TLS ClientHello —
    /// has been routed by the Ingress rules; -1 otherwise.
    public var ingressController: Int32 = -1

    public init(original: FlowKey, reply: FlowKey, now: Int64, state: ConnState, verdict: Verdict, stage: Stage,
                rule: RuleID, node: Int32, namespace: Int32) {
        self.original = original
        self.reply = reply
        self.egress = reply.reversed
        self.lastSeen = now
        self.state = state
        self.seenReply = false
        self.fin = 0
        self.verdict = verdict
        self.stage = stage
        self.rule = rule
        self.node = node
        self.namespace = namespace
        self.live = true
        self.expires = now &+ ConntrackTimeouts.timeout(state, proto: original.proto, seenReply: false)
    }
}

/// A bounded connection table (like nf_conntrack_max): open addressing over both tuples, with
/// backward-shift deletion. When full, a new connection reclaims an expired entry or evicts the
/// least recently seen among a window of candidates (Linux's early_drop scans a bucket likewise),
/// and `evictions` counts live connections lost that way. Time is the packet timestamp only.
public struct ConntrackTable: Sendable {
    public private(set) var entries: [ConntrackEntry] = []
    /// entry index << 3 | key kind; -1 empty. Kinds: 0 the original tuple, 1 the reply tuple,
    /// 2 the original reversed (a reply captured after reverse NAT, e.g. on the pod's veth),
    /// 3 the reply reversed (the original after NAT, captured on the far side), 4 the egress tuple
    /// reversed (a reply on the sending node's NIC, after Azure undid its own NAT), 5 the egress
    /// tuple (the original as it left the node).
    /// Sized to the live keys (at most half full), doubling up to `maxSlots`: a lookup touches
    /// one compact, cache-resident index instead of a capacity-sized one (16 MB at the default
    /// capacity, a cache and TLB miss per packet). Growth happens only while new flows arrive.
    var slots: [Int32]
    var mask: Int
    /// Keys placed in `slots` (every view of every live entry that did not collide).
    var placed = 0
    /// The index size for a full table: ≥ 12 slots per entry (6 views), so it stays ≤ half full.
    let maxSlots: Int
    var free: [Int32] = []
    var hand = 0
    public let capacity: Int
    public private(set) var count = 0
    public private(set) var evictions: UInt64 = 0
    public private(set) var expired: UInt64 = 0

    public init(capacity: Int) {
        self.capacity = max(16, capacity)
        var size = 16
        while size < self.capacity * 12 { size <<= 1 }
        maxSlots = size
        let initial = min(size, 4096)
        slots = Array(repeating: -1, count: initial)
        mask = initial - 1
        entries.reserveCapacity(min(self.capacity, 1 << 16))
    }

    /// The tuple slot `slot` stands for; reads only that tuple of the entry.
    @inline(__always)
    func key(_ slot: Int32) -> FlowKey {
        let e = Int(slot >> 3)
        switch slot & 7 {
        case 0: return entries[e].original
        case 1: return entries[e].reply
        case 2: return entries[e].original.reversed
        case 3: return entries[e].reply.reversed
        case 4: return entries[e].egress.reversed
        default: return entries[e].egress
        }
    }

    /// Finds the entry for a packet tuple: (entry index, true when it is the reply direction),
    /// or (-1, false). An expired entry is removed and not returned.
    public mutating func find(_ k: FlowKey, now: Int64) -> (Int32, Bool) {
        let (e, reply) = peek(k)
        if e < 0 { return (-1, false) }
        if entries[Int(e)].expires <= now {
            remove(e)
            expired &+= 1
            return (-1, false)
        }
        return (e, reply)
    }

    /// The slot hash of a tuple: FlowKey.mix (asymmetric), spelled out so it inlines here.
    @inline(__always)
    static func hash(_ k: FlowKey) -> Int {
        var h = k.src.mix &+ (k.dst.mix &* 0x9E37_79B9_7F4A_7C15)
        h ^= (UInt64(k.srcPort) << 24 | UInt64(k.dstPort) << 8 | UInt64(k.proto.rawValue)) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        return Int(truncatingIfNeeded: h ^ (h >> 33))
    }

    /// Field-wise tuple equality (the synthesized `==` compiles to a memcmp call).
    @inline(__always)
    static func same(_ a: FlowKey, _ b: FlowKey) -> Bool {
        a.src.lo == b.src.lo && a.dst.lo == b.dst.lo && a.srcPort == b.srcPort && a.dstPort == b.dstPort
            && a.src.hi == b.src.hi && a.dst.hi == b.dst.hi && a.proto.rawValue == b.proto.rawValue
    }

    /// Lookup without side effects (traces).
    public func peek(_ k: FlowKey) -> (Int32, Bool) {
        peek(k, hash: ConntrackTable.hash(k))
    }

    @inline(__always)
    func peek(_ k: FlowKey, hash: Int) -> (Int32, Bool) {
        var i = hash & mask
        while true {
            let s = slots[i]
            if s < 0 { return (-1, false) }
            if ConntrackTable.same(key(s), k) {
                let kind = s & 7
                return (s >> 3, kind == 1 || kind == 2 || kind == 4)
            }
            i = (i + 1) & mask
        }
    }

    public func entry(_ e: Int32) -> ConntrackEntry { entries[Int(e)] }

    /// Inserts a connection keyed by its original tuple and, when `trackReply`, by its reply tuple
    /// and the reversed/translated views too. The pipeline tracks every view of refused flows as
    /// well: Linux discards the unconfirmed conntrack entry of a dropped packet, but the simulator
    /// keeps it as per-flow accounting, so a refused flow's later packets in either direction
    /// (replies included, before or after reverse NAT) are attributed to the one verdict, stage
    /// and rule that refused it. Refused flows share the bounded table (and its eviction) with
    /// the rest, so a flood of them cannot grow memory.
    @discardableResult
    public mutating func insert(_ entry: ConntrackEntry, trackReply: Bool, now: Int64) -> Int32 {
        let e: Int32
        if let f = free.popLast() {
            e = f
            entries[Int(e)] = entry
        } else if entries.count < capacity {
            e = Int32(entries.count)
            entries.append(entry)
        } else {
            e = victim(now: now)
            remove(e)
            _ = free.popLast()
            entries[Int(e)] = entry
        }
        count += 1
        place(e << 3)
        if trackReply {
            // Every other view of the connection, unless it collides with a key already present.
            // One hash per view, shared by the probe and the placement.
            for kind in Int32(1)...5 {
                let k = key(e << 3 | kind)
                let h = ConntrackTable.hash(k)
                if peek(k, hash: h).0 < 0 { place(e << 3 | kind, hash: h) }
            }
        }
        return e
    }

    /// Advances the state for a packet of entry `e` and refreshes its timeout. Updates the
    /// fields in place (copying the entry out and back costs two 164-byte copies per packet).
    public mutating func touch(_ e: Int32, reply: Bool, flags: TCPFlags, sctpChunk: UInt8, now: Int64) {
        let i = Int(e)
        if reply { entries[i].seenReply = true }
        let proto = entries[i].original.proto
        var state = entries[i].state
        if proto == .tcp {
            var fin = entries[i].fin
            state = TCPTracker.next(state, flags, reply: reply, fin: &fin)
            entries[i].fin = fin
            entries[i].state = state
        } else if proto == .sctp, sctpChunk == 6 || sctpChunk == 14 {
            state = .close   // ABORT / SHUTDOWN COMPLETE
            entries[i].state = state
        }
        entries[i].lastSeen = now
        entries[i].expires = now &+ ConntrackTimeouts.timeout(state, proto: proto, seenReply: entries[i].seenReply)
    }

    /// The cached decision of entry `e`, the part a later packet of the flow repeats.
    public struct Cached: Sendable {
        public var verdict: Verdict
        public var stage: Stage
        public var rule: RuleID
        public var node: Int32
        public var namespace: Int32
        public var pendingApplication: Bool
        public var ingressController: Int32
    }

    @inline(__always)
    public func cached(_ e: Int32) -> Cached {
        let i = Int(e)
        return Cached(verdict: entries[i].verdict, stage: entries[i].stage, rule: entries[i].rule, node: entries[i].node,
                      namespace: entries[i].namespace, pendingApplication: entries[i].pendingApplication,
                      ingressController: entries[i].ingressController)
    }

    /// Settles a flow whose verdict waited for its first request (Azure Firewall application rules).
    public mutating func settle(_ e: Int32, verdict: Verdict, stage: Stage, rule: RuleID) {
        entries[Int(e)].pendingApplication = false
        entries[Int(e)].verdict = verdict
        entries[Int(e)].stage = stage
        entries[Int(e)].rule = rule
    }

    /// The flow's first request has been routed by its ingress controller.
    public mutating func requestRouted(_ e: Int32) {
        entries[Int(e)].ingressController = -1
    }

    /// Forgets every entry (reload without state).
    public mutating func removeAll() {
        for i in slots.indices { slots[i] = -1 }
        placed = 0
        entries.removeAll(keepingCapacity: true)
        free.removeAll()
        count = 0
    }

    /// Picks the entry to reclaim when the table is full: the first expired one in a window of 32
    /// from a rotating hand, otherwise the least recently seen in that window.
    mutating func victim(now: Int64) -> Int32 {
        var best = -1
        var bestSeen = Int64.max
        for _ in 0..<32 {
            let i = hand
            hand = (hand + 1) % entries.count
            let en = entries[i]
            guard en.live else { continue }
            if en.expires <= now { expired &+= 1; return Int32(i) }
            if en.lastSeen < bestSeen { bestSeen = en.lastSeen; best = i }
        }
        evictions &+= 1
        return Int32(max(best, 0))
    }

    mutating func place(_ s: Int32) {
        place(s, hash: ConntrackTable.hash(key(s)))
    }

    mutating func place(_ s: Int32, hash: Int) {
        if (placed + 1) * 2 > slots.count && slots.count < maxSlots { grow() }
        placed += 1
        var i = hash & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = s
    }

    /// Doubles the index and re-places every key (amortised over the new flows that filled it).
    mutating func grow() {
        let old = slots
        let size = slots.count * 2
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        for s in old where s >= 0 {
            var i = ConntrackTable.hash(key(s)) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = s
        }
    }

    /// Removes both keys of entry `e` and frees it.
    mutating func remove(_ e: Int32) {
        guard entries[Int(e)].live else { return }
        for kind in Int32(0)...5 { unplace(e << 3 | kind) }
        entries[Int(e)].live = false
        free.append(e)
        count -= 1
    }

    /// Backward-shift deletion for linear probing: keeps every remaining key reachable.
    mutating func unplace(_ s: Int32) {
        let k = key(s)
        var i = ConntrackTable.hash(k) & mask
        while true {
            if slots[i] < 0 { return }
            if slots[i] == s { break }
            i = (i + 1) & mask
        }
        placed -= 1
        var j = i
        while true {
            j = (j + 1) & mask
            let sj = slots[j]
            if sj < 0 { break }
            let home = ConntrackTable.hash(key(sj)) & mask
            // Move sj into the hole at i unless its home lies cyclically in (i, j].
            let between = i <= j ? (home > i && home <= j) : (home > i || home <= j)
            if !between {
                slots[i] = sj
                i = j
            }
        }
        slots[i] = -1
    }
}
