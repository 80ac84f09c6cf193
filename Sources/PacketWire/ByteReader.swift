/// Unaligned big-endian reads over a raw buffer. Callers check bounds once per header
/// (`has(_:_:)`) and then read fields without further checks — the smoltcp `check_len` pattern.
@usableFromInline
struct Bytes {
    @usableFromInline let base: UnsafeRawBufferPointer

    @inlinable init(_ base: UnsafeRawBufferPointer) { self.base = base }

    @inlinable var count: Int { base.count }

    /// True when `length` bytes starting at `offset` are inside the buffer.
    @inlinable func has(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= base.count &- length
    }

    @inlinable func u8(_ o: Int) -> UInt8 { base.load(fromByteOffset: o, as: UInt8.self) }

    @inlinable func u16(_ o: Int) -> UInt16 {
        UInt16(bigEndian: base.loadUnaligned(fromByteOffset: o, as: UInt16.self))
    }

    @inlinable func u16le(_ o: Int) -> UInt16 {
        UInt16(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt16.self))
    }

    @inlinable func u32(_ o: Int) -> UInt32 {
        UInt32(bigEndian: base.loadUnaligned(fromByteOffset: o, as: UInt32.self))
    }

    @inlinable func u32le(_ o: Int) -> UInt32 {
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt32.self))
    }

    @inlinable func u64(_ o: Int) -> UInt64 {
        UInt64(bigEndian: base.loadUnaligned(fromByteOffset: o, as: UInt64.self))
    }
}

/// Offsets and constants of the protocols we decode, named as in the RFCs.
@usableFromInline
enum Wire {
    @usableFromInline static let etherIPv4: UInt16 = 0x0800
    @usableFromInline static let etherIPv6: UInt16 = 0x86DD
    @usableFromInline static let etherARP: UInt16 = 0x0806
    @usableFromInline static let ether8021Q: UInt16 = 0x8100
    @usableFromInline static let ether8021AD: UInt16 = 0x88A8
    @usableFromInline static let etherQinQLegacy: UInt16 = 0x9100
    @usableFromInline static let maxVLANTags = 8
    @usableFromInline static let maxIPv6ExtHeaders = 16
    @usableFromInline static let maxEncapDepth = 3
}
