import Foundation
import PcapIO
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A real capture on the loopback interface: a UDP datagram sent with a socket must come back
/// through pcap_dispatch with the BPF filter applied, and pcap_stats must count it.
final class LiveCaptureTests: XCTestCase {
    func testInterfacesIncludeLoopback() {
        XCTAssertTrue(LiveCapture.interfaces().contains("lo"), "\(LiveCapture.interfaces())")
    }

    func testUnknownInterfaceFailsWithLibpcapText() {
        do {
            _ = try LiveCapture(interface: "akssim-nope0")
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.kind, .live)
            XCTAssertEqual(error.source, "akssim-nope0")
            XCTAssertNotNil(error.libpcapText)
        }
    }

    func testLoopbackUDPDatagramSeenThroughFilter() throws {
        // A bound receiver gives us a free port; the filter names it so no other traffic counts.
        let receiver = try UDPSocket()
        defer { receiver.close() }
        let port = try receiver.bindLoopback()

        let capture: LiveCapture
        do {
            capture = try LiveCapture(interface: "lo", snaplen: 65535, immediate: true, timeoutMs: 50,
                                      filter: "udp port \(port)")
        } catch {
            // Only a missing privilege is a reason to skip; any other failure is a failure.
            let text = error.libpcapText ?? ""
            if text.contains("ermission") || text.contains("not permitted") {
                throw XCTSkip("live capture needs CAP_NET_RAW: \(error)")
            }
            throw error
        }
        defer { capture.close() }
        XCTAssertEqual(capture.linkType, 1, "Linux loopback is DLT_EN10MB")
        XCTAssertGreaterThanOrEqual(capture.selectableFD, 0)

        let marker = Array("akssim-live-\(port)".utf8)
        let sender = try UDPSocket()
        defer { sender.close() }
        try sender.send(marker, toLoopbackPort: port)
        // Noise on another port must not pass the filter.
        try sender.send(Array("noise".utf8), toLoopbackPort: port == 65535 ? port - 1 : port + 1)

        var seen: [[UInt8]] = []
        var wireLengths: [UInt32] = []
        var timestamps: [Int64] = []
        // Bounded retries, no timing assertion: each dispatch returns after at most timeoutMs.
        for _ in 0..<100 where seen.isEmpty {
            _ = try capture.dispatch(maxPackets: -1) { record in
                seen.append(Array(record.bytes))
                wireLengths.append(record.wireLength)
                timestamps.append(record.timestampNanos)
            }
        }
        XCTAssertFalse(seen.isEmpty, "the datagram never reached the capture")
        for (bytes, wire) in zip(seen, wireLengths) {
            // Ethernet + IPv4 + UDP + payload; the payload ends the frame.
            XCTAssertEqual(Array(bytes.suffix(marker.count)), marker)
            XCTAssertEqual(Int(wire), 14 + 20 + 8 + marker.count)
            XCTAssertEqual(bytes.count, Int(wire))
            XCTAssertEqual(Array(bytes[12..<14]), [0x08, 0x00])
        }
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        XCTAssertLessThan(abs(timestamps[0] - now), 600 * 1_000_000_000, "timestamps are epoch nanoseconds")
        let stats = try capture.stats()
        XCTAssertGreaterThanOrEqual(stats.received, UInt64(seen.count))
        XCTAssertEqual(stats.dropped, 0)
    }

    func testBreakLoopAndNonBlocking() throws {
        let capture: LiveCapture
        do {
            capture = try LiveCapture(interface: "lo", timeoutMs: 50, filter: "udp port 9")
        } catch {
            throw XCTSkip("live capture unavailable: \(error)")
        }
        defer { capture.close() }
        try capture.setNonBlocking(true)
        XCTAssertEqual(try capture.dispatch(maxPackets: 10) { _ in XCTFail("nothing should match") }, 0)
        capture.breakLoop()
        XCTAssertEqual(try capture.dispatch(maxPackets: 10) { _ in }, 0)
    }

    func testBadFilterOnLiveCapture() throws {
        do {
            _ = try LiveCapture(interface: "lo", filter: "udp port")
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.kind, .filter, "\(error)")
            XCTAssertTrue(error.libpcapText?.contains("syntax error") ?? false, "\(error)")
        }
    }
}

/// A minimal IPv4 UDP socket for the test (Glibc calls only, closed by the caller).
final class UDPSocket {
    let fd: Int32

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        if fd < 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    func close() { _ = Glibc.close(fd) }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return addr
    }

    func bindLoopback() throws -> UInt16 {
        var addr = UDPSocket.loopback(port: 0)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: bound.sin_port)
    }

    func send(_ payload: [UInt8], toLoopbackPort port: UInt16) throws {
        var addr = UDPSocket.loopback(port: port)
        let sent = payload.withUnsafeBytes { buf in
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buf.baseAddress, buf.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        if sent != payload.count { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
