import Dispatch

/// The hand-off between the reader and one worker: a fixed ring of preallocated batches.
/// Single producer (the reader), single consumer (the worker). Two counting semaphores —
/// free batches and filled batches — are signalled once per batch, not per packet, and order
/// the memory accesses of the two threads (a semaphore signal/wait pair is a full barrier).
@usableFromInline
final class BatchQueue: @unchecked Sendable {
    let batches: [PacketBatch]
    private let free: DispatchSemaphore
    private let filled = DispatchSemaphore(value: 0)
    /// Reader side: the batch being filled, and the next one to fill.
    private var fillIndex = 0
    private var filling: PacketBatch?
    /// Worker side.
    private var drainIndex = 0

    init(depth: Int, byteCapacity: Int, slotCapacity: Int) {
        batches = (0..<max(2, depth)).map { _ in PacketBatch(byteCapacity: byteCapacity, slotCapacity: slotCapacity) }
        free = DispatchSemaphore(value: batches.count)
    }

    // MARK: reader

    /// The batch to append to, with room for `length` bytes (publishing a full one and waiting
    /// for a free one when needed).
    @usableFromInline
    func batch(forLength length: Int) -> PacketBatch {
        if let b = filling {
            if b.fits(length) { return b }
            publish()
        }
        free.wait()
        let b = batches[fillIndex]
        fillIndex = (fillIndex + 1) % batches.count
        b.reset()
        filling = b
        return b
    }

    /// Hands the batch being filled (if any) to the worker.
    func publish() {
        // An empty batch is published too: the worker drains batches in ring order.
        guard filling != nil else { return }
        filling = nil
        filled.signal()
    }

    /// Publishes what is pending, then a stop batch.
    func close() {
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
        let b = batches[drainIndex]
        drainIndex = (drainIndex + 1) % batches.count
        return b
    }

    /// Gives a drained batch back to the reader.
    @usableFromInline
    func give() { free.signal() }
}
