#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Zero-filled anonymous memory for the large per-pipeline tables (conntrack entries and index,
/// counters, the compiled lookup tables), mapped once and handed back to the kernel on free.
/// Regions of 256 KiB and more are aligned to 2 MiB and advised as transparent huge pages (`MADV_HUGEPAGE`, honoured when THP is in
/// `madvise` or `always` mode): a table that grows to millions of flows then takes a handful of
/// 2 MiB page faults instead of one 4 KiB fault per 24 entries — on the measured VM a 4 KiB fault
/// cost ~7 µs, a tenth of a replay's time while its table filled — and random lookups into a
/// table of a large cluster miss the TLB far less. Pages are committed on first touch either
/// way, so memory still follows what is used (in 2 MiB steps for huge regions).
struct TableMemory {
    static let hugePage = 2 << 20
    /// Smaller regions stay on 4 KiB pages (a huge page would multiply their memory).
    static let hugeThreshold = 256 << 10
    /// The mapping (for munmap) and the aligned start handed out.
    let mapping: UnsafeMutableRawPointer
    let mappedBytes: Int
    let start: UnsafeMutableRawPointer

    /// Maps `bytes` (≥ 1) of zeroed memory; nil only when the kernel refuses the mapping.
    init?(bytes: Int) {
        let huge = bytes >= TableMemory.hugeThreshold
        let length = huge ? (bytes + TableMemory.hugePage - 1) / TableMemory.hugePage * TableMemory.hugePage + TableMemory.hugePage
                          : max(bytes, 1)
        // No swap reservation (MAP_NORESERVE on Linux): a table is sized for its capacity but
        // commits only the pages its flows touch, so a large `--conntrack-max` must not be
        // refused up front by the kernel's overcommit heuristic.
        #if os(Linux)
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
        #else
        let flags = MAP_PRIVATE | MAP_ANONYMOUS
        #endif
        guard let m = mmap(nil, length, PROT_READ | PROT_WRITE, flags, -1, 0), m != MAP_FAILED else {
            return nil
        }
        mapping = m
        mappedBytes = length
        if huge {
            let aligned = (Int(bitPattern: m) + TableMemory.hugePage - 1) & ~(TableMemory.hugePage - 1)
            start = UnsafeMutableRawPointer(bitPattern: aligned)!
            #if os(Linux)
            _ = madvise(start, length - (aligned - Int(bitPattern: m)), MADV_HUGEPAGE)
            #endif
        } else {
            start = m
        }
    }

    /// Maps `count` zeroed elements of a trivial type, or stops the process: a pipeline cannot run
    /// without its table, and the mapping is sized from the configured capacity (not from input).
    static func allocate<T>(_ type: T.Type, count: Int) -> (TableMemory, UnsafeMutablePointer<T>) {
        guard let m = TableMemory(bytes: max(1, count) * MemoryLayout<T>.stride) else {
            fatalError("akssim: cannot map \(count * MemoryLayout<T>.stride) bytes for a table (errno \(errno))")
        }
        return (m, m.start.bindMemory(to: T.self, capacity: max(1, count)))
    }

    func free() { munmap(mapping, mappedBytes) }
}
