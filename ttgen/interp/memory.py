"""Keep freed large blocks in the process heap (glibc) so that the next large array reuses them.

A run allocates and frees many arrays of the size of a whole tensor (inputs, the reference, the comparison). By
default glibc gives blocks over 128 KiB back to the system at free and maps fresh ones at the next allocation,
whose every page then faults on first touch: on a 2048 x 2048 tensor that is most of the cost of an element-wise
step. Raising the mmap and trim thresholds makes freed blocks reusable; the peak memory is unchanged.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1  # glibc <malloc.h>
M_MMAP_THRESHOLD = -3
LIMIT = 1 << 30  # blocks up to 1 GiB come from the heap and stay there

_done = False


def keep_freed_memory() -> None:
    """Idempotent; a no-op where the C library is not glibc."""
    global _done
    if _done:
        return
    _done = True
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(M_MMAP_THRESHOLD, LIMIT)
    mallopt(M_TRIM_THRESHOLD, LIMIT)
