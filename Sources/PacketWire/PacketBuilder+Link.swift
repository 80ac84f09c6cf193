import NetworkAddress

/// Link-layer framing for built IP packets (raw IP needs none: use the IP bytes as they are).
extension PacketBuilder {
    public static let defaultSourceMAC: [UInt8] = [0x00, 0x0D, 0x3A, 0x00, 0x00, 0x01]      // Azure OUI
    public static let defaultDestinationMAC: [UInt8] = [0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC]

    /// EtherType for an IP packet from its version nibble (0x0800 / 0x86DD).
    static func etherType(of ip: [UInt8]) -> UInt16 {
        ip.first.map { $0 >> 4 == 6 } == true ? Wire.etherIPv6 : Wire.etherIPv4
    }

    /// Ethernet II. `vlans` are VIDs outermost first; with `qinq` the outer tag uses the
    /// 802.1ad TPID (0x88A8) and the rest 802.1Q (0x8100). `etherType` defaults from the IP version.
    public static func ethernet(
        _ payload: [UInt8], vlans: [UInt16] = [], qinq: Bool = false, etherType: UInt16? = nil,
        source: [UInt8] = defaultSourceMAC, destination: [UInt8] = defaultDestinationMAC
    ) -> [UInt8] {
        var f = destination + source
        for (i, vid) in vlans.enumerated() {
            f += Wire.be16(qinq && i == 0 ? Wire.ether8021AD : Wire.ether8021Q) + Wire.be16(vid & 0x0FFF)
        }
        return f + Wire.be16(etherType ?? self.etherType(of: payload)) + payload
    }

    /// Linux cooked capture v1 (DLT 113): outgoing packet (4), ARPHRD_ETHER, 6-byte address.
    public static func sll(_ ip: [UInt8], protocol: UInt16? = nil) -> [UInt8] {
        Wire.be16(4) + Wire.be16(1) + Wire.be16(6) + defaultSourceMAC + [0, 0] + Wire.be16(`protocol` ?? etherType(of: ip)) + ip
    }

    /// Linux cooked capture v2 (DLT 276): protocol, reserved, ifindex 2, ARPHRD_ETHER, outgoing, 6-byte address.
    public static func sll2(_ ip: [UInt8], protocol: UInt16? = nil) -> [UInt8] {
        Wire.be16(`protocol` ?? etherType(of: ip)) + [0, 0] + Wire.be32(2) + Wire.be16(1) + [4, 6] + defaultSourceMAC + [0, 0] + ip
    }

    /// BSD loopback (DLT 0): AF_ value in the capturing host's byte order. `inet6` picks the
    /// BSD flavour's AF_INET6 (24 Net/OpenBSD, 28 FreeBSD, 30 Darwin).
    public static func null(_ ip: [UInt8], bigEndian: Bool, inet6: UInt32 = 30) -> [UInt8] {
        let family: UInt32 = etherType(of: ip) == Wire.etherIPv6 ? inet6 : 2
        let be = Wire.be32(family)
        return (bigEndian ? be : be.reversed()) + ip
    }

    /// OpenBSD loopback (DLT 108): AF_ value in network order.
    public static func loop(_ ip: [UInt8], inet6: UInt32 = 24) -> [UInt8] {
        null(ip, bigEndian: true, inet6: inet6)
    }

    /// An ARP request (or reply) for Ethernet/IPv4, to frame with `ethernet(_:etherType: 0x0806)`.
    public static func arp(
        senderIP: IPAddress, targetIP: IPAddress, reply: Bool = false, senderMAC: [UInt8] = defaultSourceMAC
    ) -> [UInt8] {
        Wire.be16(1) + Wire.be16(Wire.etherIPv4) + [6, 4] + Wire.be16(reply ? 2 : 1)
            + senderMAC + Wire.addressBytes(senderIP) + [0, 0, 0, 0, 0, 0] + Wire.addressBytes(targetIP)
    }
}
