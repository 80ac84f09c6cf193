/// A failure reading, writing or capturing packets. It names the file or interface and, when
/// the failure came from libpcap, quotes libpcap's own text (`pcap_geterr` / errbuf) so a user
/// sees exactly what tcpdump would have told them.
public struct PcapError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// The file or device could not be opened at all (missing, permission, a directory).
        case open
        /// The file exists but holds no bytes.
        case empty
        /// The file is not a classic pcap or pcapng capture.
        case notACapture
        /// The capture ends in the middle of a header or record.
        case truncated
        /// Any other read error from libpcap (corrupt record lengths, I/O errors).
        case read
        /// The BPF expression did not compile or could not be installed.
        case filter
        /// Writing a capture file failed.
        case write
        /// A live capture failed to activate or to read.
        case live
    }

    public var kind: Kind
    /// The capture file path or interface name as the user gave it.
    public var source: String
    /// What went wrong, in our words ("not a pcap or pcapng file").
    public var message: String
    /// libpcap's message, when libpcap produced one.
    public var libpcapText: String?

    public init(kind: Kind, source: String, message: String, libpcapText: String? = nil) {
        self.kind = kind
        self.source = source
        self.message = message
        self.libpcapText = libpcapText
    }

    /// `capture.pcap: not a pcap or pcapng file (libpcap: unknown file format)`
    public var description: String {
        var text = "\(source): \(message)"
        if let libpcapText, !libpcapText.isEmpty { text += " (libpcap: \(libpcapText))" }
        return text
    }
}
