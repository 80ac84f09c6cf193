// The module is header-only (`akssim_prefetch` is static inline); SwiftPM needs one source file.
#include "CPrefetch.h"
