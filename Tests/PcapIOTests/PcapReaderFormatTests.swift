import PcapIO
import XCTest

/// What a reader returned: owned copies of every record, and the error that ended it, if any.
struct ReadResult {
    var packets: [CapturedPacket] = []
    var error: PcapError?
}

func readAll(_ reader: PcapReader) -> ReadResult {
    var result = ReadResult()
    var record = PacketRecord()
    do throws(PcapError) {
        while try reader.next(into: &record) {
            XCTAssertEqual(Int(record.capturedLength), record.bytes.count)
            result.packets.append(CapturedPacket(bytes: Array(record.bytes), timestampNanos: record.timestampNanos,
                                                 wireLength: record.wireLength))
        }
    } catch {
        result.error = error
    }
    return result
}

/// Classic pcap in both byte orders with µs and ns magic, and pcapng, built byte by byte.
final class PcapReaderFormatTests: CaptureTestCase {
    private let records = [
        RawRecord(seconds: 1_764_000_000, fraction: 123_456, data: Frames.dnsQuery),
        RawRecord(seconds: 1_764_000_001, fraction: 999_999, data: Frames.httpsSyn, wireLength: 1514),
    ]

    func testClassicPcapBothByteOrdersMicroAndNano() throws {
        for bigEndian in [false, true] {
            for nanosecond in [false, true] {
                let name = "classic-\(bigEndian ? "be" : "le")-\(nanosecond ? "ns" : "us").pcap"
                let file = try write(RawCapture.pcap(linkType: 1, bigEndian: bigEndian, nanosecond: nanosecond,
                                                     records: records), to: name)
                let reader = try PcapReader(path: file)
                XCTAssertEqual(reader.linkType, 1, name)
                XCTAssertEqual(reader.snaplen, 65535, name)
                let got = readAll(reader)
                XCTAssertNil(got.error, name)
                XCTAssertEqual(got.packets.count, 2, name)
                XCTAssertEqual(got.packets.map(\.bytes), [Frames.dnsQuery, Frames.httpsSyn], name)
                XCTAssertEqual(got.packets.map(\.wireLength), [UInt32(Frames.dnsQuery.count), 1514], name)
                // µs files are scaled to ns by libpcap; ns files are taken as they are.
                let scale: Int64 = nanosecond ? 1 : 1000
                XCTAssertEqual(got.packets.map(\.timestampNanos),
                               [1_764_000_000 * 1_000_000_000 + 123_456 * scale,
                                1_764_000_001 * 1_000_000_000 + 999_999 * scale], name)
            }
        }
    }

    func testPcapngWithNanosecondAndDefaultMicrosecondResolution() throws {
        for tsresolNanos in [true, false] {
            for bigEndian in [false, true] {
                let units: UInt64 = tsresolNanos ? 1_764_000_000_123_456_789 : 1_764_000_000_123_456
                let bytes = RawCapture.pcapng(linkType: 1, bigEndian: bigEndian, tsresolNanos: tsresolNanos, records: [
                    (units, Frames.dnsQuery), (units + 1000, Frames.httpsSyn),
                ])
                let name = "ng-\(tsresolNanos)-\(bigEndian).pcapng"
                let reader = try PcapReader(path: try write(bytes, to: name))
                XCTAssertEqual(reader.linkType, 1, name)
                let got = readAll(reader)
                XCTAssertNil(got.error, name)
                XCTAssertEqual(got.packets.map(\.bytes), [Frames.dnsQuery, Frames.httpsSyn], name)
                let first: Int64 = tsresolNanos ? 1_764_000_000_123_456_789 : 1_764_000_000_123_456_000
                XCTAssertEqual(got.packets.map(\.timestampNanos), [first, first + (tsresolNanos ? 1000 : 1_000_000)], name)
            }
        }
    }

    /// Link types as stored in files and as libpcap reports them: LINKTYPE_RAW (101) comes
    /// back as DLT_RAW (12); the others keep their number.
    func testEveryLinkTypeFromRawFileHeaders() throws {
        let ip = Frames.ipv4UDP(src: [10, 224, 0, 20], dst: [10, 0, 0, 10], sport: 1, dport: 53, payload: [1, 2, 3])
        let cases: [(file: UInt32, reported: Int32, frame: [UInt8])] = [
            (1, 1, Frames.ethernet(ip)),
            (101, 12, ip),
            (113, 113, Frames.sll(ip)),
            (276, 276, Frames.sll2(ip)),
            (0, 0, Frames.null(ip, networkOrder: false)),
            (108, 108, Frames.null(ip, networkOrder: true)),
            (228, 228, ip),
            (229, 229, Array(repeating: 0x60, count: 1) + Array(repeating: 0, count: 39)),
        ]
        for c in cases {
            let name = "link-\(c.file).pcap"
            let file = try write(RawCapture.pcap(linkType: c.file, bigEndian: false, nanosecond: false,
                                                 records: [RawRecord(seconds: 1, fraction: 2, data: c.frame)]), to: name)
            let reader = try PcapReader(path: file)
            XCTAssertEqual(reader.linkType, c.reported, name)
            let got = readAll(reader)
            XCTAssertNil(got.error, name)
            XCTAssertEqual(got.packets.map(\.bytes), [c.frame], name)
        }
    }

    /// The filter is compiled for the file's link type: the same UDP datagram matches
    /// `udp port 53` behind an Ethernet, cooked or raw-IP header, and the TCP one never does.
    func testFilterCompiledForEachLinkType() throws {
        let udp = Frames.ipv4UDP(src: [10, 224, 0, 20], dst: [10, 0, 0, 10], sport: 40000, dport: 53, payload: [7])
        let tcp = Frames.ipv4TCP(src: [10, 224, 0, 20], dst: [140, 82, 112, 6], sport: 40001, dport: 443)
        let wrappers: [(Int32, ([UInt8]) -> [UInt8])] = [
            (1, { Frames.ethernet($0) }), (12, { $0 }), (113, Frames.sll), (276, Frames.sll2),
            (0, { Frames.null($0, networkOrder: false) }), (228, { $0 }),
        ]
        for (linkType, wrap) in wrappers {
            let file = path("filter-\(linkType).pcap")
            try PcapWriter.writeAll(path: file, linkType: linkType, packets: [
                CapturedPacket(bytes: wrap(tcp), timestampNanos: 1),
                CapturedPacket(bytes: wrap(udp), timestampNanos: 2),
                CapturedPacket(bytes: wrap(tcp), timestampNanos: 3),
            ])
            let got = readAll(try PcapReader(path: file, filter: "udp port 53"))
            XCTAssertNil(got.error)
            XCTAssertEqual(got.packets.map(\.timestampNanos), [2], "link type \(linkType)")
            let all = readAll(try PcapReader(path: file, filter: "tcp"))
            XCTAssertEqual(all.packets.map(\.timestampNanos), [1, 3], "link type \(linkType)")
        }
    }
}
