import NetworkAddress

/// `sessionAffinity: ClientIP` memory (kube-proxy's `-m recent` list per endpoint): client address +
/// Service port → endpoint, valid for `timeoutSeconds` after the client's last new connection.
/// Direct-mapped and fixed-size: a colliding client overwrites the slot and falls back to the
/// client-address hash, which picks the same endpoint while the endpoint set is unchanged.
public struct AffinityTable: Sendable {
    struct Slot: Sendable {
        var client: IPAddress
        var servicePort: Int32
        var endpoint: Int32
        var expires: Int64
    }
    var slots: [Slot]
    let mask: Int

    public init(size: Int = 1 << 14) {
        var n = 64
        while n < size { n <<= 1 }
        slots = Array(repeating: Slot(client: .zero6, servicePort: -1, endpoint: -1, expires: 0), count: n)
        mask = n - 1
    }

    func index(_ client: IPAddress, _ sp: Int32) -> Int {
        Int(truncatingIfNeeded: client.mix ^ UInt64(UInt32(bitPattern: sp)) &* 0x9E37_79B9_7F4A_7C15) & mask
    }

    /// The remembered endpoint, or -1 when none or expired. `inclusive`: the choice still holds
    /// exactly `timeoutSeconds` after it was set — iptables mode's `-m recent --rcheck --seconds N`
    /// skips a stamp only when `time_after(now - N, stamp)` (net/netfilter/xt_recent.c). nftables
    /// mode's affinity set elements are expired once `now >= expiration` (nft_set_elem_expired).
    public func lookup(client: IPAddress, servicePort sp: Int32, now: Int64, inclusive: Bool = false) -> Int32 {
        let s = slots[index(client, sp)]
        guard s.servicePort == sp && s.client == client else { return -1 }
        return s.expires > now || (inclusive && s.expires == now) ? s.endpoint : -1
    }

    public mutating func record(client: IPAddress, servicePort sp: Int32, endpoint: Int32, now: Int64, timeout: Int64) {
        slots[index(client, sp)] = Slot(client: client, servicePort: sp, endpoint: endpoint, expires: now &+ timeout)
    }
}
