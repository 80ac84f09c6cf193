import CPcap
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few libpcap idioms every wrapper needs, kept in one place so the unsafe calls are
/// documented once: error buffers, `pcap_geterr`, and installing a BPF program.
enum Libpcap {
    /// libpcap's error buffer size (PCAP_ERRBUF_SIZE is 256 in every release).
    static let errbufSize = 256

    /// Calls `body` with a zeroed PCAP_ERRBUF_SIZE buffer and returns its result and the text
    /// libpcap left in it.
    static func withErrbuf<R>(_ body: (UnsafeMutablePointer<CChar>) -> R) -> (R, String) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: errbufSize) { buf in
            buf.initialize(repeating: 0)
            let result = body(buf.baseAddress!)
            return (result, String(cString: buf.baseAddress!))
        }
    }

    /// The handle's last error (`pcap_geterr`), copied out of libpcap's buffer.
    static func lastError(_ handle: OpaquePointer) -> String {
        guard let text = pcap_geterr(handle) else { return "" }
        return String(cString: text)
    }

    /// Compiles `expression` against the handle's link type (optimised, netmask unknown as
    /// tcpdump does for offline files) and installs it with `pcap_setfilter`; libpcap keeps its
    /// own copy of the program, so ours is freed at once.
    static func installFilter(_ expression: String, on handle: OpaquePointer, source: String) throws(PcapError) {
        var program = bpf_program()
        let netmaskUnknown: bpf_u_int32 = 0xffff_ffff   // PCAP_NETMASK_UNKNOWN
        if pcap_compile(handle, &program, expression, 1, netmaskUnknown) != 0 {
            throw PcapError(kind: .filter, source: source, message: "bad filter expression '\(expression)'",
                            libpcapText: lastError(handle))
        }
        defer { pcap_freecode(&program) }
        if pcap_setfilter(handle, &program) != 0 {
            throw PcapError(kind: .filter, source: source, message: "cannot install filter '\(expression)'",
                            libpcapText: lastError(handle))
        }
    }

    /// The openers' last set-up step: installs `expression` when one is given and, when that
    /// fails, closes `handle` before rethrowing, because the opener throws and nothing else
    /// would release it. Callers keep the handle out of their own property until this returns.
    static func installFilter(_ expression: String?, orClose handle: OpaquePointer, source: String) throws(PcapError) {
        guard let expression else { return }
        do throws(PcapError) {
            try installFilter(expression, on: handle, source: source)
        } catch {
            pcap_close(handle)
            throw error
        }
    }

    /// Seconds + sub-second field of a libpcap header as nanoseconds. With nanosecond
    /// precision libpcap stores nanoseconds in `tv_usec` (pcap(3PCAP), "time stamp precision").
    @inline(__always)
    static func nanos(_ ts: timeval, nanosecondPrecision: Bool) -> Int64 {
        Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_usec) &* (nanosecondPrecision ? 1 : 1000)
    }

    static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
