import PacketWire

/// What a batch slot asks its worker to do.
public enum SlotKind: UInt8, Sendable {
    /// Run the packet through the worker's pipeline.
    case packet
    /// Run it, then learn the DNS answers it carries.
    case packetLearningDNS
    /// Only learn its DNS answers (a response another worker judges; every worker's firewall
    /// must know the name before the packets that follow it in the capture).
    case learnDNS
}

/// One packet in a batch: the reader's decode (a plain value, no references) and where its bytes
/// sit in the batch's byte slab. The decode's byte spans are offsets into those bytes, so they
/// stay valid after the copy.
public struct BatchSlot: Sendable {
    public var packet: DecodedPacket
    public var offset: Int
    public var length: Int
    public var timestampNanos: Int64
    /// Position in the whole capture stream (0-based), for merging per-worker output in order.
    public var sequence: UInt64
    public var kind: SlotKind
}

/// A preallocated batch: a byte slab and a slot array, filled by the reader, drained by one
/// worker, then reused. Allocated once when the pool starts; nothing is allocated per packet.
/// `@unchecked Sendable`: ownership passes between the reader and one worker through the
/// queue's semaphores (which order the memory accesses), never shared at once.
public final class PacketBatch: @unchecked Sendable {
    public let byteCapacity: Int
    public let slotCapacity: Int
    @usableFromInline let bytes: UnsafeMutableRawPointer
    @usableFromInline let slots: UnsafeMutablePointer<BatchSlot>
    // Unchecked exclusivity: a batch belongs to one thread at a time (above), and the dynamic
    // checks cost the reader two runtime calls per packet.
    @exclusivity(unchecked) public internal(set) var count = 0
    @exclusivity(unchecked) @usableFromInline var bytesUsed = 0
    /// Set on the batch that tells the worker to stop (it carries no slots).
    @exclusivity(unchecked) public internal(set) var stop = false

    init(byteCapacity: Int, slotCapacity: Int) {
        self.byteCapacity = byteCapacity
        self.slotCapacity = slotCapacity
        bytes = UnsafeMutableRawPointer.allocate(byteCount: byteCapacity, alignment: 16)
        slots = UnsafeMutablePointer<BatchSlot>.allocate(capacity: slotCapacity)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
        bytes.deallocate()
    }

    /// True when a packet of `length` bytes still fits.
    @usableFromInline @inline(__always)
    func fits(_ length: Int) -> Bool { count < slotCapacity && bytesUsed + length <= byteCapacity }

    /// Copies a packet in. The caller checked `fits` (or the batch is empty and the packet is cut
    /// to the slab: a record larger than the slab cannot come from libpcap's snaplen).
    @usableFromInline @inline(__always)
    func append(_ p: DecodedPacket, bytes src: UnsafeRawBufferPointer, timestampNanos: Int64, sequence: UInt64,
                kind: SlotKind) {
        let length = min(src.count, max(0, byteCapacity - bytesUsed))
        if length > 0, let base = src.baseAddress { (bytes + bytesUsed).copyMemory(from: base, byteCount: length) }
        (slots + count).initialize(to: BatchSlot(packet: p, offset: bytesUsed, length: length,
                                                 timestampNanos: timestampNanos, sequence: sequence, kind: kind))
        count += 1
        bytesUsed += (length + 15) & ~15
    }

    func reset() {
        slots.deinitialize(count: count)
        count = 0
        bytesUsed = 0
        stop = false
    }

    /// The bytes of a slot.
    @inlinable
    func packetBytes(_ slot: BatchSlot) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: bytes + slot.offset, count: slot.length)
    }

    /// Visits the slots in order: the slot (judged in place, no copy of the decode) and its bytes.
    @inlinable
    public func forEachSlot(_ body: (UnsafeMutablePointer<BatchSlot>, UnsafeRawBufferPointer) -> Void) {
        for i in 0..<count {
            let slot = slots + i
            body(slot, UnsafeRawBufferPointer(start: bytes + slot.pointee.offset, count: slot.pointee.length))
        }
    }
}
