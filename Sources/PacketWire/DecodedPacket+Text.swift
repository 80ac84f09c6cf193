extension DecodedPacket {
    /// The bytes of `span` as text (for reports and logs, not the per-packet path). Invalid
    /// UTF-8 is replaced, and a span outside `bytes` yields "" rather than trapping.
    public static func text(_ span: ByteSpan, in bytes: UnsafeRawBufferPointer) -> String {
        let start = Int(span.offset), end = start + Int(span.length)
        guard end <= bytes.count else { return "" }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    /// Same, for a frame held in an array.
    public static func text(_ span: ByteSpan, in bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { text(span, in: $0) }
    }
}
