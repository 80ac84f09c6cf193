import Foundation
import XCTest

/// A temporary directory per test, removed in tearDown even when the test fails.
class CaptureTestCase: XCTestCase {
    private(set) var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pcapio-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let p = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }
}

/// Hand-built frames, independent of the project's PacketBuilder so these tests check libpcap
/// I/O only. Checksums are left zero: libpcap and BPF do not look at them.
enum Frames {
    static func ipv4UDP(src: [UInt8], dst: [UInt8], sport: UInt16, dport: UInt16, payload: [UInt8]) -> [UInt8] {
        let udpLength = 8 + payload.count
        let total = 20 + udpLength
        var ip: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0x12, 0x34, 0x40, 0, 64, 17, 0, 0]
        ip += src + dst
        let udp: [UInt8] = [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff),
                            UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 0, 0]
        return ip + udp + payload
    }

    static func ipv4TCP(src: [UInt8], dst: [UInt8], sport: UInt16, dport: UInt16) -> [UInt8] {
        var ip: [UInt8] = [0x45, 0, 0, 40, 0x43, 0x21, 0x40, 0, 64, 6, 0, 0]
        ip += src + dst
        let tcp: [UInt8] = [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff),
                            0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]
        return ip + tcp
    }

    static func ethernet(_ ipPacket: [UInt8], etherType: UInt16 = 0x0800) -> [UInt8] {
        [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, UInt8(etherType >> 8), UInt8(etherType & 0xff)] + ipPacket
    }

    /// Linux cooked v1 header (16 bytes): packet type, ARPHRD, address length, address, protocol.
    static func sll(_ ipPacket: [UInt8]) -> [UInt8] {
        [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00] + ipPacket
    }

    /// Linux cooked v2 header (20 bytes): protocol, reserved, ifindex, ARPHRD, type, addr len, addr.
    static func sll2(_ ipPacket: [UInt8]) -> [UInt8] {
        [0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0] + ipPacket
    }

    /// BSD loopback: 4-byte address family, host order for NULL (0), network order for LOOP (108).
    static func null(_ ipPacket: [UInt8], networkOrder: Bool) -> [UInt8] {
        (networkOrder ? [0, 0, 0, 2] : [2, 0, 0, 0]) + ipPacket
    }

    static let dnsQuery = ethernet(ipv4UDP(src: [10, 224, 0, 20], dst: [10, 0, 0, 10], sport: 40000, dport: 53,
                                          payload: Array("dns-query".utf8)))
    static let httpsSyn = ethernet(ipv4TCP(src: [10, 224, 0, 20], dst: [140, 82, 112, 6], sport: 40001, dport: 443))
}

/// A record for the raw file builders: seconds, the sub-second field as the format stores it
/// (µs or ns), data, wire length.
struct RawRecord {
    var seconds: UInt32
    var fraction: UInt32
    var data: [UInt8]
    var wireLength: UInt32? = nil
}

/// Builds capture files byte by byte, so the reader is tested against the formats themselves
/// (pcap-savefile(5) and the pcapng draft), not only against libpcap's own writer.
enum RawCapture {
    static let microMagic: UInt32 = 0xa1b2_c3d4
    static let nanoMagic: UInt32 = 0xa1b2_3c4d

    static func pcap(linkType: UInt32, bigEndian: Bool, nanosecond: Bool, snaplen: UInt32 = 65535,
                     records: [RawRecord]) -> [UInt8] {
        var out = Bytes(bigEndian: bigEndian)
        out.u32(nanosecond ? nanoMagic : microMagic)
        out.u16(2); out.u16(4)        // version 2.4
        out.u32(0); out.u32(0)        // thiszone, sigfigs
        out.u32(snaplen)
        out.u32(linkType)
        for r in records {
            out.u32(r.seconds); out.u32(r.fraction)
            out.u32(UInt32(r.data.count)); out.u32(r.wireLength ?? UInt32(r.data.count))
            out.bytes += r.data
        }
        return out.bytes
    }

    /// One section, one interface, Enhanced Packet Blocks. `tsresolNanos` adds the
    /// if_tsresol option (10^-9); without it pcapng timestamps are microseconds.
    static func pcapng(linkType: UInt16, bigEndian: Bool = false, tsresolNanos: Bool,
                       records: [(timestamp: UInt64, data: [UInt8])]) -> [UInt8] {
        var out = Bytes(bigEndian: bigEndian)
        // Section Header Block.
        out.u32(0x0A0D_0D0A); out.u32(28); out.u32(0x1A2B_3C4D)
        out.u16(1); out.u16(0)
        out.u32(0xffff_ffff); out.u32(0xffff_ffff)   // section length unknown (-1)
        out.u32(28)
        // Interface Description Block.
        let idbLength: UInt32 = tsresolNanos ? 32 : 20
        out.u32(1); out.u32(idbLength)
        out.u16(linkType); out.u16(0); out.u32(65535)
        if tsresolNanos {
            out.u16(9); out.u16(1); out.bytes += [9, 0, 0, 0]   // if_tsresol = 10^-9, padded
            out.u16(0); out.u16(0)                                // opt_endofopt
        }
        out.u32(idbLength)
        // Enhanced Packet Blocks.
        for r in records {
            let padded = (r.data.count + 3) & ~3
            let length = UInt32(32 + padded)
            out.u32(6); out.u32(length)
            out.u32(0)
            out.u32(UInt32(r.timestamp >> 32)); out.u32(UInt32(r.timestamp & 0xffff_ffff))
            out.u32(UInt32(r.data.count)); out.u32(UInt32(r.data.count))
            out.bytes += r.data + [UInt8](repeating: 0, count: padded - r.data.count)
            out.u32(length)
        }
        return out.bytes
    }

    struct Bytes {
        var bigEndian: Bool
        var bytes: [UInt8] = []
        init(bigEndian: Bool) { self.bigEndian = bigEndian }
        mutating func u16(_ v: UInt16) {
            bytes += bigEndian ? [UInt8(v >> 8), UInt8(v & 0xff)] : [UInt8(v & 0xff), UInt8(v >> 8)]
        }
        mutating func u32(_ v: UInt32) {
            let be = [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
            bytes += bigEndian ? be : be.reversed()
        }
    }
}
