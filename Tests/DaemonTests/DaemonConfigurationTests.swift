import Daemon
import Foundation
import XCTest

/// `Config/daemon.yaml` parsing and the flag values: strict keys, locations in errors, the
/// token rule for non-loopback listeners.
final class DaemonConfigurationTests: XCTestCase {
    func testFileSettingsParse() throws {
        let yaml = """
            cluster: [a.yaml, exports/]
            interfaces:
              - eth0=aks-nodepool1-12345678-vmss000000
              - name: eth1
                node: aks-nodepool1-12345678-vmss000001
              - eth2
            filter: "tcp or udp"
            snaplen: 1500
            promiscuous: true
            bufferSize: 1048576
            immediate: true
            listen: "[::1]:9500"
            tokenFile: /etc/akssim/token
            watch: /var/lib/akssim/incoming
            logFormat: json
            finalReport: /tmp/final.json
            flowRingSize: 100
            threads: 4
            """
        let c = try DaemonConfigurationFile.parse(yaml, file: "daemon.yaml")
        XCTAssertEqual(c.clusterPaths, ["a.yaml", "exports/"])
        XCTAssertEqual(c.interfaces, [
            InterfaceTap(name: "eth0", node: "aks-nodepool1-12345678-vmss000000"),
            InterfaceTap(name: "eth1", node: "aks-nodepool1-12345678-vmss000001"),
            InterfaceTap(name: "eth2"),
        ])
        XCTAssertEqual(c.filter, "tcp or udp")
        XCTAssertEqual(c.snaplen, 1500)
        XCTAssertTrue(c.promiscuous)
        XCTAssertEqual(c.bufferSize, 1_048_576)
        XCTAssertTrue(c.immediate)
        XCTAssertEqual(c.listen, ListenAddress(host: "::1", port: 9500))
        XCTAssertTrue(c.listen.isLoopback)
        XCTAssertEqual(c.tokenFile, "/etc/akssim/token")
        XCTAssertEqual(c.watchDirectory, "/var/lib/akssim/incoming")
        XCTAssertEqual(c.logFormat, .json)
        XCTAssertEqual(c.finalReport, "/tmp/final.json")
        XCTAssertEqual(c.flowRingSize, 100)
        XCTAssertEqual(c.threads, 4)
        XCTAssertNoThrow(try c.validate())
        var tooMany = c
        tooMany.threads = 65
        XCTAssertThrowsError(try tooMany.validate()) { XCTAssertEqual(($0 as? DaemonConfigurationError)?.field, "threads") }
    }

    func testUnknownKeyNamesFileLineAndAllowedKeys() {
        let yaml = "listen: 127.0.0.1:9464\nsnaplenn: 100\n"
        XCTAssertThrowsError(try DaemonConfigurationFile.parse(yaml, file: "d.yaml")) { error in
            let e = error as? DaemonConfigurationError
            XCTAssertEqual(e?.file, "d.yaml")
            XCTAssertEqual(e?.line, 2)
            XCTAssertEqual(e?.field, "snaplenn")
            XCTAssertTrue(e?.message.contains("snaplen") == true, "\(String(describing: e))")
        }
    }

    func testWrongValueTypeNamesField() {
        XCTAssertThrowsError(try DaemonConfigurationFile.parse("snaplen: lots\n", file: "d.yaml")) { error in
            let e = error as? DaemonConfigurationError
            XCTAssertEqual(e?.field, "snaplen")
            XCTAssertEqual(e?.line, 1)
            XCTAssertEqual(e?.message, "expected an integer")
        }
        XCTAssertThrowsError(try DaemonConfigurationFile.parse("interfaces:\n  - {name: eth0, nod: x}\n", file: "d.yaml")) { error in
            XCTAssertEqual((error as? DaemonConfigurationError)?.field, "interfaces.nod")
        }
    }

    func testEmptyFileKeepsDefaults() throws {
        XCTAssertEqual(try DaemonConfigurationFile.parse("", file: "d.yaml"), DaemonConfiguration())
    }

    func testCommittedDaemonYamlParses() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/daemon.yaml").path
        let c = try DaemonConfigurationFile.load(path: file)
        XCTAssertNoThrow(try c.validate())
    }

    func testNonLoopbackListenRequiresToken() throws {
        var c = DaemonConfiguration()
        c.listen = try ListenAddress(parsing: "0.0.0.0:9464")
        XCTAssertFalse(c.listen.isLoopback)
        XCTAssertThrowsError(try c.validate()) { error in
            XCTAssertEqual((error as? DaemonConfigurationError)?.field, "listen")
        }
        c.tokenFile = "/tmp/token"
        XCTAssertNoThrow(try c.validate())
    }

    func testListenAddressParsing() throws {
        XCTAssertEqual(try ListenAddress(parsing: "127.0.0.1:9464"), .defaultAddress)
        XCTAssertEqual(try ListenAddress(parsing: "localhost:80").isLoopback, true)
        XCTAssertEqual(try ListenAddress(parsing: "127.3.0.1:80").isLoopback, true)
        XCTAssertEqual(try ListenAddress(parsing: "10.0.0.1:80").isLoopback, false)
        XCTAssertEqual(try ListenAddress(parsing: "[::]:80").description, "[::]:80")
        for bad in ["9464", "host:", ":80", "h:70000", "[::1]80", "h:-1"] {
            XCTAssertThrowsError(try ListenAddress(parsing: bad), bad)
        }
    }

    func testInterfaceArgument() throws {
        XCTAssertEqual(try InterfaceTap(argument: "eth0"), InterfaceTap(name: "eth0"))
        XCTAssertEqual(try InterfaceTap(argument: "eth0=n1"), InterfaceTap(name: "eth0", node: "n1"))
        for bad in ["", "=n1", "eth0=", "a-very-long-interface-name", "a/b"] {
            XCTAssertThrowsError(try InterfaceTap(argument: bad), bad)
        }
    }

    func testDuplicateInterfaceAndLimits() {
        var c = DaemonConfiguration()
        c.interfaces = [InterfaceTap(name: "eth0"), InterfaceTap(name: "eth0", node: "x")]
        XCTAssertThrowsError(try c.validate())
        c.interfaces = []
        c.snaplen = 10
        XCTAssertThrowsError(try c.validate())
        c.snaplen = 65535
        c.flowRingSize = 0
        XCTAssertThrowsError(try c.validate())
    }
}
