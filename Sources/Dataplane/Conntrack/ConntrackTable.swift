import CPrefetch
import NetworkAddress
import PacketWire

/// One tracked connection: both tuples, its state and the cached verdict of its first packet.
public struct ConntrackEntry: Sendable {
    // Field order packs the one-byte fields into the tail padding of the 37-byte tuples (Swift
    // places a field right after the previous one's size): 160 bytes per entry.
    /// The tuple of the first packet, as it arrived.
    public var original: FlowKey
    public var state: ConnState
    public var seenReply: Bool
    public var fin: UInt8
    /// The tuple replies carry: from the final destination (after DNAT) to the source as the
    /// receiver saw it (after SNAT). Replies matching it are reverse-NATed and allowed.
    public var reply: FlowKey
    /// Cached decision of the first packet; later packets of a non-allowed flow, in either
    /// direction, repeat it (see `insert`).
    public var verdict: Verdict
    public var stage: Stage
    public var live: Bool
    /// The tuple as it left the first node (after the node's own DNAT/SNAT, before Azure's
    /// translations such as the firewall's SNAT): its reverse is the reply as a capture on that
    /// node's NIC shows it. Equal to `reply.reversed` when Azure translated nothing.
    public var egress: FlowKey
    /// Azure Firewall application rules wait for this flow's first request: the handshake is
    /// allowed (`firewall:pending-application-rule`) and the client's first payload decides.
    public var pendingApplication = false
    /// The views (bit per key kind, see `ConntrackTable`) placed in the index: the ones a removal
    /// must take out again. Views equal to an earlier one (no NAT) or to another entry's are not.
    var views: UInt8 = 0
    public var expires: Int64
    public var lastSeen: Int64
    /// nf_conntrack_udp_packet's `stream_ts`: two seconds after the first packet. A UDP flow
    /// still active after it, with a reply seen, takes the stream timeout.
    public var streamAfter: Int64
    public var rule: RuleID
    /// Counter attribution (node index, namespace index; -1 when none).
    public var node: Int32
    public var namespace: Int32
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
        self.streamAfter = now &+ 2 * ConntrackTimeouts.second
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

/// A bounded connection table (like nf_conntrack_max): open addressing over every view of a
/// connection, with backward-shift deletion. When full, a new connection reclaims an expired entry
/// or evicts the least recently seen among a window of candidates (Linux's early_drop scans a
/// bucket likewise), and `evictions` counts live connections lost that way. Time is the packet
/// timestamp only.
///
/// Storage is two raw buffers owned by the table (a class, one per pipeline, used by one thread):
/// the entries, allocated once for `capacity` (pages are committed as flows first use them), and
/// the index. Array storage cost a uniqueness check and a copy-on-write branch per write, and a
/// retain per read; none of that is on the per-packet path now.
public final class ConntrackTable: @unchecked Sendable {
    /// Entries `0..<used` have been initialised (live or on the free list). `ConntrackEntry` is a
    /// trivial type: the mapping needs no deinitialisation.
    let store: UnsafeMutablePointer<ConntrackEntry>
    let storeMemory: TableMemory
    @exclusivity(unchecked) var used = 0
    /// One slot per placed key: `hash & 0xffff_ffff` in the high half, `(entry << 3 | kind) + 1`
    /// in the low half; 0 when free (so a freshly mapped index needs no initialisation). Kinds: 0 the original tuple, 1 the reply tuple,
    /// 2 the original reversed (a reply captured after reverse NAT, e.g. on the pod's veth), 3 the
    /// reply reversed (the original after NAT, captured on the far side), 4 the egress tuple
    /// reversed (a reply on the sending node's NIC, after Azure undid its own NAT), 5 the egress
    /// tuple (the original as it left the node).
    /// The stored hash bits let a probe skip other keys without reading their entries, and let
    /// growth and deletion re-home keys without rehashing them.
    /// Sized to the live keys (at most half full), doubling up to `maxSlots`: a lookup touches a
    /// compact, cache-resident index instead of a capacity-sized one. Growth happens only while
    /// new flows arrive.
    @exclusivity(unchecked) var slots: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) var slotMemory: TableMemory
    @exclusivity(unchecked) var slotCount: Int
    @exclusivity(unchecked) var mask: Int
    /// Keys placed in `slots`.
    @exclusivity(unchecked) var placed = 0
    /// The index size for a full table: 8 slots per entry. A connection places its distinct views
    /// only — 2 without NAT, 4 with the node's DNAT or SNAT, at most 6 — so a full table of
    /// NATed connections is at most 3/4 full.
    let maxSlots: Int
    @exclusivity(unchecked) var free: [Int32] = []
    @exclusivity(unchecked) var hand = 0
    public let capacity: Int
    @exclusivity(unchecked) public private(set) var count = 0
    @exclusivity(unchecked) public private(set) var evictions: UInt64 = 0
    @exclusivity(unchecked) public private(set) var expired: UInt64 = 0

    static let empty: UInt64 = 0

    public init(capacity: Int) {
        self.capacity = max(16, capacity)
        maxSlots = ConntrackTable.indexSlots(capacity: self.capacity)
        (storeMemory, store) = TableMemory.allocate(ConntrackEntry.self, count: self.capacity)
        slotCount = min(maxSlots, 4096)
        (slotMemory, slots) = TableMemory.allocate(UInt64.self, count: slotCount)
        mask = slotCount - 1
    }

    deinit {
        storeMemory.free()
        slotMemory.free()
    }

    /// The entry index and key kind a used slot stands for.
    @inline(__always)
    static func view(_ s: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: s) &- 1 }

    static func indexSlots(capacity: Int) -> Int {
        var size = 16
        while size < max(16, capacity) * 8 { size <<= 1 }
        return size
    }

    /// Index bytes per entry of capacity, once the index has grown to its full size.
    public static func indexBytesPerEntry(capacity: Int) -> Int {
        indexSlots(capacity: capacity) * MemoryLayout<UInt64>.stride / max(16, capacity)
    }

    /// The tuple a slot's low half stands for; reads only that tuple of the entry.
    @inline(__always)
    func key(_ v: UInt32) -> FlowKey {
        let en = store + Int(v >> 3)
        switch v & 7 {
        case 0: return en.pointee.original
        case 1: return en.pointee.reply
        case 2: return en.pointee.original.reversed
        case 3: return en.pointee.reply.reversed
        case 4: return en.pointee.egress.reversed
        default: return en.pointee.egress
        }
    }

    /// Finds the entry for a packet tuple: (entry index, true when it is the reply direction),
    /// or (-1, false). An expired entry is removed and not returned.
    @inline(__always)
    public func find(_ k: FlowKey, now: Int64) -> (Int32, Bool) {
        let (e, reply) = peek(k, hash: ConntrackTable.hash(k))
        if e < 0 { return (-1, false) }
        if store[Int(e)].expires <= now {
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

    @inline(__always)
    static func tag(_ hash: Int) -> UInt64 { UInt64(UInt32(truncatingIfNeeded: hash)) << 32 }

    /// Starts fetching the index slot of `k` (the reply view a new connection will place).
    @inline(__always)
    func prefetch(_ k: FlowKey) {
        akssim_prefetch(slots + (ConntrackTable.hash(k) & mask))
    }

    /// Lookup without side effects (traces).
    public func peek(_ k: FlowKey) -> (Int32, Bool) {
        peek(k, hash: ConntrackTable.hash(k))
    }

    @inline(__always)
    func peek(_ k: FlowKey, hash: Int) -> (Int32, Bool) {
        let tag = ConntrackTable.tag(hash)
        var i = hash & mask
        while true {
            let s = slots[i]
            if s == ConntrackTable.empty { return (-1, false) }
            if s & 0xFFFF_FFFF_0000_0000 == tag {
                let v = ConntrackTable.view(s)
                if ConntrackTable.same(key(v), k) {
                    let kind = v & 7
                    return (Int32(v >> 3), kind == 1 || kind == 2 || kind == 4)
                }
            }
            i = (i + 1) & mask
        }
    }

    public func entry(_ e: Int32) -> ConntrackEntry { store[Int(e)] }

    /// Every live connection (reload; not the per-packet path).
    public var liveEntries: [ConntrackEntry] {
        (0..<used).compactMap { store[$0].live ? store[$0] : nil }
    }

    /// Inserts a connection keyed by its original tuple and, when `trackReply`, by its reply tuple
    /// and the reversed/translated views too. The pipeline tracks every view of refused flows as
    /// well: Linux discards the unconfirmed conntrack entry of a dropped packet, but the simulator
    /// keeps it as per-flow accounting, so a refused flow's later packets in either direction
    /// (replies included, before or after reverse NAT) are attributed to the one verdict, stage
    /// and rule that refused it. Refused flows share the bounded table (and its eviction) with
    /// the rest, so a flood of them cannot grow memory.
    @discardableResult
    public func insert(_ entry: ConntrackEntry, trackReply: Bool, now: Int64) -> Int32 {
        let e: Int32
        if let f = free.popLast() {
            e = f
            store[Int(e)] = entry
        } else if used < capacity {
            e = Int32(used)
            (store + used).initialize(to: entry)
            used += 1
        } else {
            e = victim(now: now)
            remove(e)
            _ = free.popLast()
            store[Int(e)] = entry
        }
        count += 1
        let en = store + Int(e)
        en.pointee.live = true
        let original = en.pointee.original
        place(UInt32(e) << 3, hash: ConntrackTable.hash(original))
        var views: UInt8 = 1
        if trackReply {
            // Every other distinct view of the connection. Without NAT the reply is the original
            // reversed and the egress tuple the original: two keys, not six.
            let base = UInt32(e) << 3
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 6) { hashes in
                // Hash every distinct view and prefetch its home slot first: the (random, usually
                // uncached) index lines are then fetched together instead of one after another.
                var distinct: UInt8 = 0
                for kind in UInt32(1)...5 {
                    let k = key(base | kind)
                    var repeated = false
                    for j in 0..<kind where ConntrackTable.same(key(base | j), k) { repeated = true; break }
                    if repeated { continue }
                    let h = ConntrackTable.hash(k)
                    hashes[Int(kind)] = h
                    distinct |= 1 << UInt8(kind)
                    akssim_prefetch(slots + (h & mask))
                }
                // A key another connection already holds stays that connection's (the first
                // placed is found first); this one still gets a slot, found once the other goes.
                for kind in UInt32(1)...5 where distinct & (1 << UInt8(kind)) != 0 {
                    place(base | kind, hash: hashes[Int(kind)])
                }
                views |= distinct
            }
        }
        en.pointee.views = views
        return e
    }

    /// Advances the state for a packet of entry `e` and refreshes its timeout, in place.
    @inline(__always)
    public func touch(_ e: Int32, reply: Bool, flags: TCPFlags, sctpChunk: UInt8, now: Int64) {
        let en = store + Int(e)
        // nf_conntrack_in sets IPS_SEEN_REPLY only after the protocol handler ran: the first
        // reply itself is still timed as unreplied.
        let repliedBefore = en.pointee.seenReply
        if reply { en.pointee.seenReply = true }
        let proto = en.pointee.original.proto
        var state = en.pointee.state
        if proto == .tcp {
            var fin = en.pointee.fin
            state = TCPTracker.next(state, flags, reply: reply, fin: &fin)
            en.pointee.fin = fin
            en.pointee.state = state
        } else if proto == .sctp, sctpChunk == 6 || sctpChunk == 14 {
            state = .close   // ABORT / SHUTDOWN COMPLETE
            en.pointee.state = state
        }
        en.pointee.lastSeen = now
        // UDP (nf_conntrack_udp_packet): the stream timeout once a reply was seen AND the flow is
        // still active two seconds after its first packet ("Still active after two seconds?
        // Extend timeout."); a query answered at once keeps the 30 s timeout.
        let answered = proto == .udp ? repliedBefore && now > en.pointee.streamAfter : en.pointee.seenReply
        en.pointee.expires = now &+ ConntrackTimeouts.timeout(state, proto: proto, seenReply: answered)
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
        let en = store + Int(e)
        return Cached(verdict: en.pointee.verdict, stage: en.pointee.stage, rule: en.pointee.rule, node: en.pointee.node,
                      namespace: en.pointee.namespace, pendingApplication: en.pointee.pendingApplication,
                      ingressController: en.pointee.ingressController)
    }

    /// Settles a flow whose verdict waited for its first request (Azure Firewall application rules).
    public func settle(_ e: Int32, verdict: Verdict, stage: Stage, rule: RuleID) {
        let en = store + Int(e)
        en.pointee.pendingApplication = false
        en.pointee.verdict = verdict
        en.pointee.stage = stage
        en.pointee.rule = rule
    }

    /// The flow's first request has been routed by its ingress controller.
    public func requestRouted(_ e: Int32) {
        store[Int(e)].ingressController = -1
    }

    /// Forgets every entry (reload without state).
    public func removeAll() {
        slots.update(repeating: ConntrackTable.empty, count: slotCount)
        placed = 0
        used = 0
        free.removeAll()
        count = 0
    }

    /// Picks the entry to reclaim when the table is full: the first expired one in a window of 32
    /// from a rotating hand, otherwise the least recently seen in that window.
    func victim(now: Int64) -> Int32 {
        var best = -1
        var bestSeen = Int64.max
        for _ in 0..<32 {
            let i = hand
            hand = (hand + 1) % used
            let en = store + i
            guard en.pointee.live else { continue }
            if en.pointee.expires <= now { expired &+= 1; return Int32(i) }
            if en.pointee.lastSeen < bestSeen { bestSeen = en.pointee.lastSeen; best = i }
        }
        evictions &+= 1
        return Int32(max(best, 0))
    }

    func place(_ v: UInt32, hash: Int) {
        if (placed + 1) * 2 > slotCount && slotCount < maxSlots { grow() }
        placed += 1
        var i = hash & mask
        while slots[i] != ConntrackTable.empty { i = (i + 1) & mask }
        slots[i] = ConntrackTable.tag(hash) | UInt64(v + 1)
    }

    /// Doubles the index and re-homes every key by its stored hash bits (amortised over the new
    /// flows that filled it; no entry is read).
    func grow() {
        let old = slots, oldCount = slotCount, oldMemory = slotMemory
        slotCount *= 2
        (slotMemory, slots) = TableMemory.allocate(UInt64.self, count: slotCount)
        mask = slotCount - 1
        for j in 0..<oldCount {
            let s = old[j]
            if s == ConntrackTable.empty { continue }
            var i = Int(s >> 32) & mask
            while slots[i] != ConntrackTable.empty { i = (i + 1) & mask }
            slots[i] = s
        }
        oldMemory.free()
    }

    /// Removes every placed view of entry `e` and frees it.
    func remove(_ e: Int32) {
        let en = store + Int(e)
        guard en.pointee.live else { return }
        let views = en.pointee.views
        for kind in UInt32(0)...5 where views & (1 << UInt8(kind)) != 0 {
            unplace(UInt32(e) << 3 | kind)
        }
        en.pointee.live = false
        en.pointee.views = 0
        free.append(e)
        count -= 1
    }

    /// Backward-shift deletion for linear probing: keeps every remaining key reachable.
    func unplace(_ v: UInt32) {
        var i = ConntrackTable.hash(key(v)) & mask
        while true {
            let s = slots[i]
            if s == ConntrackTable.empty { return }
            if ConntrackTable.view(s) == v { break }
            i = (i + 1) & mask
        }
        placed -= 1
        var j = i
        while true {
            j = (j + 1) & mask
            let sj = slots[j]
            if sj == ConntrackTable.empty { break }
            let home = Int(sj >> 32) & mask
            // Move sj into the hole at i unless its home lies cyclically in (i, j].
            let between = i <= j ? (home > i && home <= j) : (home > i || home <= j)
            if !between {
                slots[i] = sj
                i = j
            }
        }
        slots[i] = ConntrackTable.empty
    }
}
