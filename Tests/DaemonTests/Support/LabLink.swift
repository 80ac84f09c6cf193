import Foundation
import XCTest

/// A veth pair for one test: `tap` stays in the root namespace for the daemon to capture on;
/// `peer` lives in a fresh network namespace that plays a pod of the default cluster. The
/// namespace has a static gateway neighbour, so its packets leave at once (no ARP) addressed
/// to a MAC nobody owns: the root namespace drops them unrouted, and nothing leaves the machine.
final class LabLink {
    let namespace: String
    let tap: String
    let peer: String
    let podIP: String

    private static let counter = Counter()

    /// A fresh id for `init(id:)`: interface names are `akt<id>t` (tap) and `akt<id>p` (peer).
    static func reserveID() -> String { "\(getpid() % 100_000)\(counter.next())" }
    static func tapName(id: String) -> String { "akt\(id)t" }

    /// Creates the pair, or throws XCTSkip when this machine forbids network namespaces.
    init(id: String = LabLink.reserveID(), podIP: String = "10.224.0.20") throws {
        namespace = "akssim-test-\(id)"
        tap = Self.tapName(id: id)
        peer = "akt\(id)p"
        self.podIP = podIP
        guard getuid() == 0 else { throw XCTSkip("network namespaces need root (CI runs as root)") }
        let add = Shell.run(["ip", "netns", "add", namespace])
        guard add.status == 0 else {
            throw XCTSkip("this machine forbids network namespaces: ip netns add: \(add.output)")
        }
        do {
            try Shell.check(["ip", "link", "add", tap, "type", "veth", "peer", "name", peer, "netns", namespace])
            // No IPv6 (router solicitations, MLD) and no forwarding on the tap: only the test's
            // packets cross the link and none is routed onwards.
            try Shell.check(["sysctl", "-qw", "net.ipv6.conf.\(tap).disable_ipv6=1"])
            try Shell.check(["sysctl", "-qw", "net.ipv4.conf.\(tap).forwarding=0"])
            try Shell.check(["ip", "link", "set", tap, "up"])
            try inNamespace(["sysctl", "-qw", "net.ipv6.conf.\(peer).disable_ipv6=1"])
            try inNamespace(["ip", "link", "set", "lo", "up"])
            // A /32 and an on-link default route: every destination, pod or Service, goes to the
            // gateway MAC; none is ARPed for.
            try inNamespace(["ip", "addr", "add", "\(podIP)/32", "dev", peer])
            try inNamespace(["ip", "link", "set", peer, "up"])
            try inNamespace(["ip", "neigh", "replace", "10.224.0.1", "lladdr", "02:00:5e:00:00:01", "dev", peer, "nud", "permanent"])
            try inNamespace(["ip", "route", "add", "default", "via", "10.224.0.1", "dev", peer, "onlink"])
        } catch {
            destroy()
            throw error
        }
    }

    func inNamespace(_ args: [String]) throws {
        try Shell.check(["ip", "netns", "exec", namespace] + args)
    }

    /// `count` UDP datagrams from one socket (one flow) to `dst:port`, sent from the pod.
    func sendUDP(to dst: String, port: UInt16, count: Int) throws {
        try inNamespace([
            "bash", "-c", "exec 3>/dev/udp/\(dst)/\(port); for i in $(seq 1 \(count)); do printf akssim >&3; done; exec 3>&-",
        ])
    }

    /// Deletes the namespace (which deletes both veth ends). Safe to call twice.
    func destroy() {
        _ = Shell.run(["ip", "link", "del", tap])
        _ = Shell.run(["ip", "netns", "del", namespace])
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.withLock { value += 1; return value } }
    }
}

enum Shell {
    struct Result {
        var status: Int32
        var output: String
    }

    static func run(_ args: [String]) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return Result(status: -1, output: "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    static func check(_ args: [String]) throws {
        let r = run(args)
        if r.status != 0 {
            throw ShellError(message: "\(args.joined(separator: " ")) exited \(r.status): \(r.output)")
        }
    }

    struct ShellError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
