import XCTest
@testable import NetworkAddress

final class IPAddressTests: XCTestCase {
    func testIPv4RoundTrip() {
        let a = IPAddress("10.224.0.4")!
        XCTAssertTrue(a.isIPv4)
        XCTAssertEqual(a.v4, 0x0AE0_0004)
        XCTAssertEqual(a.description, "10.224.0.4")
        XCTAssertEqual(IPAddress(10, 224, 0, 4), a)
    }

    func testIPv4Rejects() {
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.", "a.b.c.d", "1..2.3", "1.2.3.4 "] {
            XCTAssertNil(IPAddress(bad), bad)
        }
        XCTAssertNotNil(IPAddress("0.0.0.0"))
    }

    func testIPv6ParseAndFormat() {
        let cases: [(String, String)] = [
            ("::", "::"), ("::1", "::1"), ("fd00::1", "fd00::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"),
            ("fe80::1234:5678:9abc", "fe80::1234:5678:9abc"),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("1::", "1::"),
            ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ]
        for (input, want) in cases {
            let a = IPAddress(input)
            XCTAssertNotNil(a, input)
            XCTAssertEqual(a?.description, want, input)
            XCTAssertFalse(a?.isIPv4 ?? true)
        }
        XCTAssertEqual(IPAddress("::ffff:10.0.0.1"), IPAddress("10.0.0.1"))
        for bad in [":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", ":1::"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
    }

    func testPrefixContainsAndMasking() {
        let p = IPPrefix("10.224.0.0/16")!
        XCTAssertTrue(p.contains(IPAddress("10.224.255.1")!))
        XCTAssertFalse(p.contains(IPAddress("10.225.0.1")!))
        XCTAssertFalse(p.contains(IPAddress("fd00::1")!))
        XCTAssertEqual(IPPrefix("10.0.0.7/24")!.description, "10.0.0.0/24")
        XCTAssertTrue(IPPrefix.hasHostBits("10.0.0.7/24"))
        XCTAssertFalse(IPPrefix.hasHostBits("10.0.0.0/24"))
        XCTAssertTrue(IPPrefix("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        XCTAssertFalse(IPPrefix("0.0.0.0/0")!.contains(IPAddress("::1")!))
        XCTAssertTrue(IPPrefix("fd00::/8")!.contains(IPAddress("fdff::1")!))
        XCTAssertEqual(IPPrefix("10.0.0.0/30")!.lastAddress.description, "10.0.0.3")
        XCTAssertEqual(IPPrefix("fd00::/64")!.lastAddress.description, "fd00::ffff:ffff:ffff:ffff")
        XCTAssertNil(IPPrefix("10.0.0.0/33"))
        XCTAssertNil(IPPrefix("10.0.0.0/"))
        XCTAssertNil(IPPrefix("10.0.0.0/-1"))
        XCTAssertEqual(IPPrefix("10.1.2.3")!.length, 32)
    }

    func testRangesAndPorts() {
        let r = IPRange("10.0.0.5-10.0.0.9")!
        XCTAssertTrue(r.contains(IPAddress("10.0.0.7")!))
        XCTAssertFalse(r.contains(IPAddress("10.0.0.10")!))
        XCTAssertNil(IPRange("10.0.0.9-10.0.0.5"))
        XCTAssertEqual(PortRange(azure: "*"), .any)
        XCTAssertEqual(PortRange(azure: "1000-2000"), PortRange(1000, 2000))
        XCTAssertNil(PortRange(azure: "2000-1000"))
        XCTAssertNil(PortRange(azure: "70000"))
        XCTAssertEqual(IPProtocol(name: "TCP"), .tcp)
        XCTAssertEqual(IPProtocol(name: "ipv6-icmp"), .icmpv6)
    }
}
