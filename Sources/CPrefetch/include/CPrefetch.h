#ifndef AKSSIM_CPREFETCH_H
#define AKSSIM_CPREFETCH_H

/// Asks the CPU to start fetching the cache line holding `address` (for reading, into every cache
/// level) and returns at once: lookups whose addresses are known early are issued together, so
/// their cache misses overlap instead of following one another. A hint only — it never faults.
static inline __attribute__((always_inline)) void akssim_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
