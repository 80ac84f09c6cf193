import PcapIO
import XCTest

final class PcapWriterTests: CaptureTestCase {
    /// Every link type the decoder supports round-trips through libpcap's dumper. DLT_RAW is
    /// stored as LINKTYPE_RAW (101) and read back as DLT_RAW (12), as tcpdump does.
    func testRoundTripEveryLinkTypeKeepsBytesAndTimestamps() throws {
        let expected: [Int32: Int32] = [1: 1, 12: 12, 101: 12, 113: 113, 276: 276, 0: 0, 108: 108, 228: 228, 229: 229]
        for (linkType, reported) in expected.sorted(by: { $0.key < $1.key }) {
            for nanosecond in [true, false] {
                let file = path("rt-\(linkType)-\(nanosecond).pcap")
                let packets = [
                    CapturedPacket(bytes: [1, 2, 3, 4, 5], timestampNanos: 1_764_000_000_123_456_789, wireLength: 60),
                    CapturedPacket(bytes: Array(repeating: 0xab, count: 1500), timestampNanos: 1_764_000_001_000_000_001),
                ]
                try PcapWriter.writeAll(path: file, linkType: linkType, nanosecond: nanosecond, packets: packets)
                let reader = try PcapReader(path: file)
                XCTAssertEqual(reader.linkType, reported, "linktype \(linkType)")
                let got = readAll(reader)
                XCTAssertNil(got.error)
                XCTAssertEqual(got.packets.map(\.bytes), packets.map(\.bytes))
                XCTAssertEqual(got.packets.map(\.wireLength), [60, 1500])
                // µs files lose the sub-microsecond digits and nothing else.
                XCTAssertEqual(got.packets.map(\.timestampNanos), nanosecond
                    ? [1_764_000_000_123_456_789, 1_764_000_001_000_000_001]
                    : [1_764_000_000_123_456_000, 1_764_000_001_000_000_000])
            }
        }
    }

    func testLinktypeRawIsStoredAs101() throws {
        let file = path("raw.pcap")
        try PcapWriter.writeAll(path: file, linkType: 12, packets: [CapturedPacket(bytes: [0x45], timestampNanos: 0)])
        let header = try Array(Data(contentsOf: URL(fileURLWithPath: file)).prefix(24))
        // Native byte order, nanosecond magic, LINKTYPE_RAW at offset 20.
        XCTAssertEqual(header[20..<24].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }, 101)
        XCTAssertEqual(header[0..<4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }, RawCapture.nanoMagic)
    }

    func testWriteErrors() throws {
        do {
            _ = try PcapWriter(path: path("no-such-dir/x.pcap"), linkType: 1)
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.kind, .write)
            XCTAssertTrue(error.description.contains("no-such-dir/x.pcap"))
        }
        let writer = try PcapWriter(path: path("w.pcap"), linkType: 1)
        XCTAssertThrowsError(try writer.write([1], timestampNanos: -1))
        try writer.close()
        XCTAssertThrowsError(try writer.write([1], timestampNanos: 1)) { error in
            XCTAssertEqual((error as? PcapError)?.message, "write after close")
        }
    }
}
