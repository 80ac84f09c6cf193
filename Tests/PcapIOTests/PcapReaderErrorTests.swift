import PcapIO
import XCTest

/// Files that are not whole captures: each failure has its own kind and names the file.
final class PcapReaderErrorTests: CaptureTestCase {
    private func openError(_ file: String, filter: String? = nil) -> PcapError? {
        do throws(PcapError) {
            _ = try PcapReader(path: file, filter: filter)
            return nil
        } catch {
            return error
        }
    }

    private func threeRecordFile(nanosecond: Bool = true) throws -> (path: String, sizes: [Int]) {
        let file = path("three.pcap")
        let frames = [Frames.dnsQuery, Frames.httpsSyn, Frames.dnsQuery]
        try PcapWriter.writeAll(path: file, linkType: 1, nanosecond: nanosecond, packets: frames.enumerated().map {
            CapturedPacket(bytes: $0.element, timestampNanos: Int64($0.offset + 1) * 1_000_000_000)
        })
        return (file, frames.map(\.count))
    }

    func testTruncatedInsideLastRecordReturnsWholeRecordsThenThrows() throws {
        let (file, sizes) = try threeRecordFile()
        let full = try Data(contentsOf: URL(fileURLWithPath: file))
        XCTAssertEqual(full.count, 24 + sizes.reduce(0) { $0 + 16 + $1 })
        // Cut in the middle of the third record's data.
        let cut = 24 + (16 + sizes[0]) + (16 + sizes[1]) + 16 + 10
        let truncated = try write(Array(full.prefix(cut)), to: "cut-data.pcap")
        let got = readAll(try PcapReader(path: truncated))
        XCTAssertEqual(got.packets.count, 2)
        XCTAssertEqual(got.packets.map(\.bytes), [Frames.dnsQuery, Frames.httpsSyn])
        XCTAssertEqual(got.error?.kind, .truncated)
        XCTAssertEqual(got.error?.source, truncated)
        XCTAssertTrue(got.error?.description.hasPrefix("\(truncated): truncated") ?? false, "\(String(describing: got.error))")
        XCTAssertTrue(got.error?.libpcapText?.contains("truncated dump file") ?? false)
    }

    func testTruncatedInsideRecordHeader() throws {
        let (file, sizes) = try threeRecordFile(nanosecond: false)
        let full = try Data(contentsOf: URL(fileURLWithPath: file))
        let cut = 24 + (16 + sizes[0]) + 7
        let got = readAll(try PcapReader(path: try write(Array(full.prefix(cut)), to: "cut-header.pcap")))
        XCTAssertEqual(got.packets.map(\.bytes), [Frames.dnsQuery])
        XCTAssertEqual(got.error?.kind, .truncated)
    }

    func testTruncatedPcapngBlock() throws {
        let bytes = RawCapture.pcapng(linkType: 1, tsresolNanos: true, records: [(1, Frames.dnsQuery), (2, Frames.httpsSyn)])
        let got = readAll(try PcapReader(path: try write(Array(bytes.dropLast(9)), to: "cut.pcapng")))
        XCTAssertEqual(got.packets.map(\.bytes), [Frames.dnsQuery])
        XCTAssertEqual(got.error?.kind, .truncated)
    }

    func testTruncatedFileHeader() throws {
        let header = RawCapture.pcap(linkType: 1, bigEndian: false, nanosecond: false, records: [])
        let error = openError(try write(Array(header.prefix(10)), to: "short-header.pcap"))
        XCTAssertEqual(error?.kind, .truncated)
        XCTAssertEqual(error?.message, "truncated capture file header")
    }

    func testHeaderOnlyFileIsAnEmptyCaptureNotAnError() throws {
        let header = RawCapture.pcap(linkType: 1, bigEndian: true, nanosecond: true, records: [])
        let got = readAll(try PcapReader(path: try write(header, to: "no-records.pcap")))
        XCTAssertNil(got.error)
        XCTAssertTrue(got.packets.isEmpty)
    }

    func testNotACapture() throws {
        let file = try write(Array("apiVersion: v1\nkind: Pod\n".utf8), to: "capture.pcap")
        let error = openError(file)
        XCTAssertEqual(error?.kind, .notACapture)
        XCTAssertEqual(error?.description, "\(file): not a pcap or pcapng file (libpcap: unknown file format)")
    }

    func testEmptyFile() throws {
        let file = try write([], to: "empty.pcap")
        let error = openError(file)
        XCTAssertEqual(error?.kind, .empty)
        XCTAssertTrue(error?.description.hasPrefix("\(file): empty file") ?? false)
    }

    func testMissingFileAndDirectory() throws {
        let missing = path("does-not-exist.pcap")
        let error = openError(missing)
        XCTAssertEqual(error?.kind, .open)
        XCTAssertEqual(error?.description, "\(missing): cannot open capture file: No such file or directory")
        XCTAssertEqual(openError(directory.path)?.kind, .open)
    }

    func testBadFilterQuotesLibpcap() throws {
        let (file, _) = try threeRecordFile()
        let error = openError(file, filter: "tcp prt 443")
        XCTAssertEqual(error?.kind, .filter)
        XCTAssertEqual(error?.source, file)
        XCTAssertTrue(error?.libpcapText?.contains("syntax error") ?? false, "\(String(describing: error))")
        XCTAssertTrue(error?.description.contains("'tcp prt 443'") ?? false)
        // A filter that parses but means nothing on this link type is also libpcap's call.
        let sllOnly = openError(file, filter: "wlan type mgt")
        XCTAssertEqual(sllOnly?.kind, .filter)
    }

    func testReaderCloseEndsIteration() throws {
        let (file, _) = try threeRecordFile()
        let reader = try PcapReader(path: file)
        var record = PacketRecord()
        XCTAssertTrue(try reader.next(into: &record))
        reader.close()
        XCTAssertFalse(try reader.next(into: &record))
        XCTAssertEqual(reader.recordsRead, 1)
    }
}

/// Damaged files never crash the reader: every corruption of the file header, the first
/// record header or the pcapng blocks either reads or fails with a PcapError naming the file.
final class PcapReaderCorruptionTests: CaptureTestCase {
    private func exercise(_ bytes: [UInt8], name: String) throws {
        let file = try write(bytes, to: name)
        do throws(PcapError) {
            let reader = try PcapReader(path: file)
            let got = readAll(reader)
            if let error = got.error { XCTAssertEqual(error.source, file) }
            XCTAssertLessThanOrEqual(got.packets.count, 2)
        } catch {
            XCTAssertEqual(error.source, file)
            XCTAssertFalse(error.message.isEmpty)
        }
    }

    func testFlippedBytesInClassicHeaders() throws {
        let valid = RawCapture.pcap(linkType: 1, bigEndian: false, nanosecond: true, records: [
            RawRecord(seconds: 1, fraction: 2, data: Frames.dnsQuery), RawRecord(seconds: 3, fraction: 4, data: Frames.httpsSyn),
        ])
        for offset in 0..<(24 + 16) {
            for mask: UInt8 in [0xff, 0x80] {
                var bytes = valid
                bytes[offset] ^= mask
                try exercise(bytes, name: "flip-\(offset)-\(mask).pcap")
            }
        }
    }

    func testFlippedBytesInPcapngBlocks() throws {
        let valid = RawCapture.pcapng(linkType: 1, tsresolNanos: true, records: [(1, Frames.dnsQuery), (2, Frames.httpsSyn)])
        for offset in 0..<(28 + 32 + 28) {
            var bytes = valid
            bytes[offset] ^= 0xff
            try exercise(bytes, name: "ngflip-\(offset).pcapng")
        }
    }

    func testEveryPrefixOfAFile() throws {
        let valid = RawCapture.pcap(linkType: 1, bigEndian: true, nanosecond: false, records: [
            RawRecord(seconds: 1, fraction: 2, data: Frames.dnsQuery), RawRecord(seconds: 3, fraction: 4, data: Frames.httpsSyn),
        ])
        for length in 1..<valid.count {
            let file = try write(Array(valid.prefix(length)), to: "prefix-\(length).pcap")
            do throws(PcapError) {
                let got = readAll(try PcapReader(path: file))
                // Whole records before the cut are returned; a cut inside a record is `.truncated`.
                let firstEnd = 24 + 16 + Frames.dnsQuery.count
                XCTAssertEqual(got.packets.count, length >= firstEnd ? 1 : 0, "prefix \(length)")
                XCTAssertEqual(got.error?.kind, length == 24 || length == firstEnd ? nil : .truncated, "prefix \(length)")
            } catch {
                XCTAssertLessThan(length, 24, "prefix \(length): \(error)")
                XCTAssertEqual(error.kind, .truncated, "prefix \(length)")
            }
        }
    }
}
