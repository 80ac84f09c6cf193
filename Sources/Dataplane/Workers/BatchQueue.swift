import Dispatch
import PacketWire

/// The hand-off between the reader and one worker: a fixed ring of preallocated batches.
/// Single producer (the reader), single consumer (the worker). Two counting semaphores —
/// free batches and filled batches — are signalled once per batch, not per packet, and order
/// the memory accesses of the two threads (a semaphore signal/wait pair is a full barrier).
/// Public for consumers that run their own worker loop (the daemon's per-interface workers).
public final class BatchQueue: @unchecked Sendable {
    @usableFromInline let batches: [PacketBatch]
    private let free: DispatchSemaphore
    private let filled = DispatchSemaphore(value: 0)
    /// Reader side: the batch being filled, and the next one to fill.
    @exclusivity(unchecked) private var fillIndex = 0
    @exclusivity(unchecked) @usableFromInline var filling: Unmanaged<PacketBatch>?
    /// Worker side.
    @exclusivity(unchecked) private var drainIndex = 0

    public init(depth: Int = 4, byteCapacity: Int = 1 << 20, slotCapacity: Int = 1024) {
        batches = (0..<max(2, depth)).map { _ in PacketBatch(byteCapacity: byteCapacity, slotCapacity: slotCapacity) }
        free = DispatchSemaphore(value: batches.count)
    }

    // MARK: reader
    /// Appends one packet to the batch being filled (publishing a full one and waiting for a free
    /// one when needed). The batch is held unmanaged — `batches` keeps every batch alive — so the
    /// per-packet path retains and releases nothing.
    @usableFromInline @inline(__always)
    func append(_ p: DecodedPacket, bytes: UnsafeRawBufferPointer, timestampNanos: Int64, sequence: UInt64, kind: SlotKind) {
        if let b = filling, b._withUnsafeGuaranteedRef({ $0.fits(bytes.count) }) {
            b._withUnsafeGuaranteedRef { $0.append(p, bytes: bytes, timestampNanos: timestampNanos, sequence: sequence, kind: kind) }
            return
        }
        next(forLength: bytes.count)._withUnsafeGuaranteedRef {
            $0.append(p, bytes: bytes, timestampNanos: timestampNanos, sequence: sequence, kind: kind)
        }
    }

    /// Publishes the batch being filled (if any) and starts the next free one.
    @usableFromInline
    func next(forLength length: Int) -> Unmanaged<PacketBatch> {
        if filling != nil { publish() }
        free.wait()
        let b = batches[fillIndex]
        fillIndex = (fillIndex + 1) % batches.count
        b.reset()
        filling = Unmanaged.passUnretained(b)
        return Unmanaged.passUnretained(b)
    }

    /// Hands the batch being filled (if any) to the worker.
    public func publish() {
        // An empty batch is published too: the worker drains batches in ring order.
        guard filling != nil else { return }
        filling = nil
        filled.signal()
    }

    /// Publishes what is pending, then a stop batch.
    public func close() {
        publish()
        free.wait()
        let b = batches[fillIndex]
        fillIndex = (fillIndex + 1) % batches.count
        b.reset()
        b.stop = true
        filled.signal()
    }

    // MARK: worker

    /// The next filled batch (blocking).
    @usableFromInline
    func take() -> PacketBatch {
        filled.wait()
        return nextFilled()
    }

    /// The next filled batch, or nil when none is filled within `milliseconds` (a worker that
    /// must also act while its input is idle: pick up a reload, publish its counters).
    public func take(waitingAtMost milliseconds: Int) -> PacketBatch? {
        guard filled.wait(timeout: .now() + .milliseconds(milliseconds)) == .success else { return nil }
        return nextFilled()
    }

    /// The batch a `filled` signal stands for, in ring order.
    private func nextFilled() -> PacketBatch {
        let b = batches[drainIndex]
        drainIndex = (drainIndex + 1) % batches.count
        return b
    }

    /// Gives a drained batch back to the reader.
    public func give() { free.signal() }
}
