"""The device model: DRAM banks and buffers, per-core L1 as bytes, circular buffers as real ring buffers,
and NoC transfers that land only when their barrier retires them.

Memory is bytes, laid out as the hardware lays it out (INTERPRETER.md): a wrong write pointer, a page-size
mismatch or a wrong page id corrupts data here exactly as on a chip, and the numeric check sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import arch
from ..errors import Location
from ..numerics.formats import DataFormat
from .checks import Violation, violation
from .timing import Resources

POISON = 0xFF
# The interpreter holds DRAM contents in host memory; runs needing more than this are refused, not attempted.
MODELLED_DRAM_BYTES = 2 << 30  # bytes of a landing zone before its NoC read completes: NaN in every float format


def align(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment


# ----- DRAM ---------------------------------------------------------------------------------------------------

@dataclass
class DramBuffer:
    """An interleaved DRAM buffer: page p lives in bank p % 12 at base + (p // 12) * aligned_page_size.

    `data` holds every page's aligned slot in page order: a page's bytes, then the padding up to the DRAM
    alignment, which a NoC access may touch (it is in the bank) but which holds no data."""

    index: int
    address: int
    size: int
    page_size: int
    data: np.ndarray = field(repr=False)
    bytes_read: int = 0  # by NoC reads from kernels (not the host's enqueue calls): what the cost model counts
    bytes_written: int = 0

    @property
    def num_pages(self) -> int:
        return self.size // self.page_size

    @property
    def aligned_page_size(self) -> int:
        return align(self.page_size, arch.DRAM_ALIGNMENT)

    @property
    def rows_per_bank(self) -> int:
        return -(-self.num_pages // arch.NUM_DRAM_BANKS)

    @property
    def end_address(self) -> int:
        return self.address + self.rows_per_bank * self.aligned_page_size

    def label(self) -> str:
        return f"DRAM buffer #{self.index} at 0x{self.address:x} ({self.num_pages} pages of {self.page_size} B)"

    def pages(self) -> np.ndarray:
        """(num_pages, page_size) view of the page contents, without the padding."""
        return self.data.reshape(self.num_pages, self.aligned_page_size)[:, :self.page_size]


class Dram:
    def __init__(self) -> None:
        self.buffers: list[DramBuffer] = []
        self.next_address = arch.DRAM_UNRESERVED_BASE
        self.modelled_bytes = 0

    def allocate(self, size: int, page_size: int) -> DramBuffer:
        buffer = DramBuffer(len(self.buffers), self.next_address, size, page_size, np.empty(0, dtype=np.uint8))
        if buffer.end_address > arch.DRAM_BANK_SIZE:
            raise violation("noc-bounds", f"DRAM is full: a buffer of {size} B does not fit in the 12 banks")
        if self.modelled_bytes + size > MODELLED_DRAM_BYTES:
            raise violation("noc-bounds", f"buffers of {self.modelled_bytes + size} B exceed the "
                                          f"{MODELLED_DRAM_BYTES} B of DRAM the interpreter models")
        buffer.data = np.zeros(buffer.num_pages * buffer.aligned_page_size, dtype=np.uint8)
        self.modelled_bytes += size
        self.buffers.append(buffer)
        self.next_address = align(buffer.end_address, arch.DRAM_ALIGNMENT)
        return buffer

    def traffic(self) -> tuple[int, int]:
        """(bytes read, bytes written) by kernels over all buffers."""
        return (sum(b.bytes_read for b in self.buffers), sum(b.bytes_written for b in self.buffers))

    def locate(self, bank: int, address: int, size: int) -> tuple[DramBuffer, int, int]:
        """(buffer, page, offset in page) for `size` bytes at `address` in `bank`; a violation if outside."""
        for buffer in self.buffers:
            if buffer.address <= address < buffer.end_address:
                row, offset = divmod(address - buffer.address, buffer.aligned_page_size)
                page = row * arch.NUM_DRAM_BANKS + bank
                if page >= buffer.num_pages:
                    raise violation("noc-bounds", f"DRAM bank {bank} address 0x{address:x} is page {page} of "
                                                  f"{buffer.label()}, which has no such page")
                if offset + size > buffer.aligned_page_size:
                    raise violation("noc-bounds", f"{size} B at offset {offset} of page {page} run past the end of "
                                                  f"the {buffer.aligned_page_size} B page slot of {buffer.label()}")
                return buffer, page, offset
        raise violation("noc-bounds", f"DRAM bank {bank} address 0x{address:x} is not inside any buffer")


# ----- L1 --------------------------------------------------------------------------------------------------------

def l1_bank_core(bank: int, grid: tuple[int, int]) -> tuple[int, int]:
    """The worker core (logical x, y) holding L1 bank `bank`: one bank per core, row by row."""
    return bank % grid[0], bank // grid[0]


@dataclass
class L1Buffer:
    """An interleaved L1 buffer: one bank per worker core (bank b is core (b % width, b // width)); page p lives
    in bank p % banks at `address + (p // banks) * aligned_page_size`, the same address on every core. tt-metal's
    allocator takes L1 buffers from the top of each bank down, so they meet the CBs (which grow up) only when L1
    is full."""

    index: int
    address: int
    size: int
    page_size: int
    grid: tuple[int, int]

    @property
    def num_pages(self) -> int:
        return self.size // self.page_size

    @property
    def banks(self) -> int:
        return self.grid[0] * self.grid[1]

    @property
    def aligned_page_size(self) -> int:
        return align(self.page_size, arch.L1_ALIGNMENT)

    @property
    def bytes_per_bank(self) -> int:
        return -(-self.num_pages // self.banks) * self.aligned_page_size

    def page_location(self, page: int) -> tuple[tuple[int, int], int]:
        """(core, L1 address) of a page."""
        row, bank = divmod(page, self.banks)
        return l1_bank_core(bank, self.grid), self.address + row * self.aligned_page_size

    def label(self) -> str:
        return f"L1 buffer #{self.index} at 0x{self.address:x} ({self.num_pages} pages of {self.page_size} B)"


# ----- circular buffers --------------------------------------------------------------------------------------

class CircularBuffer:
    """A CB in a core's L1: a ring of pages with the producer (reserve/push) and consumer (wait/pop) windows."""

    def __init__(self, index: int, fmt: DataFormat, page_size: int, total_size: int, base: int):
        self.index = index
        self.fmt = fmt
        self.page_size = page_size
        self.num_pages = total_size // page_size
        self.base = base
        self.size = self.num_pages * page_size
        self.rd = 0  # page index of the front
        self.wr = 0  # page index of the back
        self.filled = 0  # pushed and not yet popped
        self.reserved = 0  # producer window from wr (pages), set by cb_reserve_back
        self.waited = 0  # consumer window from rd (pages), set by cb_wait_front
        self.packed = 0  # pack_tile's running position in the reserved window (reset by push)
        self.producer = None  # the thread that last reserved pages (its window is `reserved`)
        self.consumer = None  # the thread that last waited for pages (its window is `waited`)
        self.verified_accesses: set = set()  # pointer accesses checked under a CB state (L1Pointer._range)
        self.ready_at = [0.0] * self.num_pages  # modelled time each page was last pushed
        self.free_at = [0.0] * self.num_pages  # modelled time each page was last popped

    @property
    def name(self) -> str:
        return f"c_{self.index}"

    def page_address(self, page: int) -> int:
        return self.base + (page % self.num_pages) * self.page_size

    def free(self) -> int:
        return self.num_pages - self.filled

    def describe(self) -> str:
        return f"CB {self.name}: {self.filled}/{self.num_pages} pages filled"

    def contains(self, address: int, size: int) -> bool:
        return address < self.base + self.size and self.base < address + size

    def _window_pages(self, start: int, count: int) -> set[int]:
        return {(start + i) % self.num_pages for i in range(count)}

    def in_window(self, address: int, size: int, start: int, count: int) -> bool:
        if address < self.base or address + size > self.base + self.size:
            return False
        first, last = (address - self.base) // self.page_size, (address + size - 1 - self.base) // self.page_size
        window = self._window_pages(start, count)
        return all(p in window for p in range(first, last + 1))

    def write_conflict(self, address: int, size: int, writer, local: bool) -> str | None:
        """Why writing [address, address + size) of this CB by `writer` would clobber data in use, or None.

        The hardware checks nothing (cb_reserve_back / cb_push_back only move counters and pointers), so the rule
        is the data's: pages pushed and not yet popped are the consumer's, which alone may rewrite the ones it
        waited for (dataflow_api.h: a consumer may "access the tiles (or their sub-tiles)" it waited for), and on
        the CB's own core another thread's reserved window is that producer's. The writer's own window, and free
        pages used as scratch, may be written; so may a receiver's reserved window from another core (the
        sender cannot see it, and semaphores order such writes)."""
        first = (address - self.base) // self.page_size
        last = (address + size - 1 - self.base) // self.page_size
        unconsumed = self._window_pages(self.rd, self.filled)
        own_waited = self._window_pages(self.rd, self.waited) if self.consumer is writer else set()
        others_reserved = self._window_pages(self.wr, self.reserved) if local and self.producer is not writer \
            else set()
        for page in range(first, last + 1):
            if page in unconsumed and page not in own_waited:
                return f"page {page} holds data pushed with cb_push_back and not yet popped"
            if page in others_reserved:
                return f"page {page} is in the window another kernel reserved with cb_reserve_back"
        return None

    def in_reserved(self, address: int, size: int) -> bool:
        return self.in_window(address, size, self.wr, self.reserved)

    def in_waited(self, address: int, size: int) -> bool:
        return self.in_window(address, size, self.rd, self.waited)

    def front_ready_at(self, n: int) -> float:
        """Modelled time the first n pages at the front were all pushed."""
        return max(self.ready_at[self.rd:self.rd + n], default=0.0)

    def back_free_at(self, n: int) -> float:
        """Modelled time the first n pages at the back were all popped."""
        return max(self.free_at[self.wr:self.wr + n], default=0.0)

    def byte_range(self, start_page: int, count: int) -> list[tuple[int, int]]:
        """The L1 byte ranges of `count` pages from `start_page` (two ranges if they wrap)."""
        ranges = []
        for i in range(count):
            address = self.page_address(start_page + i)
            if ranges and ranges[-1][1] == address:
                ranges[-1] = (ranges[-1][0], address + self.page_size)
            else:
                ranges.append((address, address + self.page_size))
        return ranges


# ----- NoC transfers -----------------------------------------------------------------------------------------

@dataclass
class NocTransfer:
    """One issued NoC transaction that has not completed yet.

    Reads capture their source bytes at issue; writes read their L1 source when they complete. Either way the
    bytes land in every destination (one for unicast, several for multicast) only at completion.
    """

    kind: str  # "read" or "write": which barrier retires it
    issued_at: Location | None
    size: int
    dests: list[tuple[np.ndarray, int, "Core | None"]]  # (memory, offset, the core when it is an L1)
    payload: np.ndarray | None = None  # reads: the bytes that will land
    src_core: "Core | None" = None  # writes: where the bytes come from
    src_addr: int = 0
    done_at: float = 0.0  # modelled time the transfer completes (timing.py)
    landed: bool = False  # the bytes are at the destinations; a write's source may still be in use until acked

    def into(self, core: "Core", address: int, end: int) -> bool:
        return any(c is core and off < end and address < off + self.size for _, off, c in self.dests)

    def out_of(self, core: "Core", address: int, end: int) -> bool:
        return self.src_core is core and self.src_addr < end and address < self.src_addr + self.size

    def cores(self) -> list["Core"]:
        touched = [c for _, _, c in self.dests if c is not None]
        return touched + ([self.src_core] if self.src_core is not None else [])

    def land(self) -> None:
        """The bytes arrive at every destination; a write still holds its source until a barrier."""
        if self.landed:
            return
        data = self.payload if self.payload is not None else \
            self.src_core.l1[self.src_addr:self.src_addr + self.size].copy()
        for memory, offset, _ in self.dests:
            memory[offset:offset + self.size] = data
        for core in {c for _, _, c in self.dests if c is not None}:
            if self in core.in_flight and core is not self.src_core:
                core.in_flight.remove(self)
        self.landed = True

    def complete(self) -> None:
        self.land()
        for core in set(self.cores()):
            if self in core.in_flight:
                core.in_flight.remove(self)


# ----- cores -------------------------------------------------------------------------------------------------

class Core:
    """One Tensix core: its L1 bytes, its CBs and the NoC transfers in flight that touch its L1."""

    def __init__(self, x: int, y: int):
        self.x, self.y = x, y
        self.l1 = np.zeros(arch.L1_SIZE, dtype=np.uint8)
        self.cbs: dict[int, CircularBuffer] = {}
        self.in_flight: list[NocTransfer] = []
        self._l1_views: dict[str, np.ndarray] = {}
        self.semaphores: dict[int, int] = {}
        self.sem_time: dict[int, float] = {}  # modelled time each semaphore word was last written

    @property
    def label(self) -> str:
        return f"core ({self.x},{self.y})"

    @property
    def virtual_xy(self) -> tuple[int, int]:
        return self.x + arch.VIRTUAL_TENSIX_START, self.y + arch.VIRTUAL_TENSIX_START

    def l1_view(self, dtype: str) -> np.ndarray:
        """L1 as an array of one element type (sharing its bytes), for aligned pointer accesses."""
        view = self._l1_views.get(dtype)
        if view is None:
            view = self._l1_views[dtype] = self.l1.view(dtype)
        return view

    def cb(self, index: int) -> CircularBuffer:
        cb = self.cbs.get(int(index))
        if cb is None:
            configured = ", ".join(f"c_{i}" for i in sorted(self.cbs)) or "none"
            raise violation("cb-config", f"CB c_{int(index)} is not configured on {self.label} "
                                         f"(configured: {configured})")
        return cb

    def cb_at(self, address: int, size: int) -> CircularBuffer | None:
        for cb in self.cbs.values():
            if cb.contains(address, size):
                return cb
        return None

    def check_l1(self, address: int, size: int, what: str) -> None:
        if arch.in_semaphores(address, size):
            return  # the semaphore words of the kernel-config region
        if address < arch.L1_UNRESERVED_BASE or address + size > arch.L1_SIZE:
            raise violation("noc-bounds", f"{what} touches L1 0x{address:x}..0x{address + size:x} of {self.label}, "
                                          f"outside the usable L1 0x{arch.L1_UNRESERVED_BASE:x}..0x{arch.L1_SIZE:x}")

    def pending_into(self, address: int, end: int) -> NocTransfer | None:
        """A transfer still in flight whose bytes will land in [address, end) of this core's L1."""
        for t in self.in_flight:
            if t.into(self, address, end):
                return t
        return None

    def pending_out_of(self, address: int, end: int) -> NocTransfer | None:
        """A transfer still in flight that will read its bytes from [address, end) of this core's L1."""
        for t in self.in_flight:
            if t.out_of(self, address, end):
                return t
        return None


class Device:
    """A Wormhole chip as the host program sees it: DRAM and the Tensix cores of its compute grid."""

    def __init__(self, grid: tuple[int, int] = arch.DEVICE_GRID):
        self.grid = grid
        self.dram = Dram()
        self.cores: dict[tuple[int, int], Core] = {}
        self.clock = 0.0  # modelled cycles: when the last program ended
        self.resources = Resources()  # DRAM banks and core NoC interfaces, for the cost model
        self.l1_buffers: list[L1Buffer] = []
        self.l1_top = arch.L1_SIZE  # L1 buffers are allocated from here down

    def allocate_l1(self, size: int, page_size: int) -> L1Buffer:
        buffer = L1Buffer(len(self.l1_buffers), 0, size, page_size, self.grid)
        address = (self.l1_top - buffer.bytes_per_bank) // arch.L1_ALIGNMENT * arch.L1_ALIGNMENT
        if address < arch.L1_UNRESERVED_BASE:
            raise violation("l1-overflow", f"an L1 buffer of {size} B ({buffer.bytes_per_bank} B per bank) does not "
                                           f"fit below the L1 buffers already allocated (0x{self.l1_top:x})")
        buffer.address = self.l1_top = address
        self.l1_buffers.append(buffer)
        return buffer

    def l1_buffer_at(self, address: int, size: int) -> L1Buffer | None:
        for buffer in self.l1_buffers:
            if buffer.address <= address and address + size <= buffer.address + buffer.bytes_per_bank:
                return buffer
        return None

    def core(self, x: int, y: int) -> Core:
        if not (0 <= x < self.grid[0] and 0 <= y < self.grid[1]):
            raise violation("noc-bounds", f"core ({x},{y}) is outside the {self.grid[0]}x{self.grid[1]} grid")
        key = (x, y)
        if key not in self.cores:
            self.cores[key] = Core(x, y)
        return self.cores[key]

    def core_at_virtual(self, vx: int, vy: int) -> Core:
        return self.core(vx - arch.VIRTUAL_TENSIX_START, vy - arch.VIRTUAL_TENSIX_START)

    def reset_cores(self) -> None:
        """A new program gets fresh L1 contents and CBs; DRAM buffers and the L1 buffers' bytes persist."""
        kept = {key: core.l1[self.l1_top:].copy() for key, core in self.cores.items()} if self.l1_buffers else {}
        self.cores.clear()
        for (x, y), data in kept.items():
            self.core(x, y).l1[self.l1_top:] = data


def noc_xy_addr(x: int, y: int, address: int) -> int:
    return (y << (arch.NOC_ADDR_LOCAL_BITS + arch.NOC_ADDR_NODE_ID_BITS)) | (x << arch.NOC_ADDR_LOCAL_BITS) | address


def split_noc_addr(noc_addr: int) -> tuple[int, int, int]:
    local = noc_addr & ((1 << arch.NOC_ADDR_LOCAL_BITS) - 1)
    x = (noc_addr >> arch.NOC_ADDR_LOCAL_BITS) & 0x3F
    y = (noc_addr >> (arch.NOC_ADDR_LOCAL_BITS + arch.NOC_ADDR_NODE_ID_BITS)) & 0x3F
    return x, y, local


__all__ = ["Device", "Core", "CircularBuffer", "Dram", "DramBuffer", "L1Buffer", "l1_bank_core", "NocTransfer", "Violation", "align",
           "noc_xy_addr", "split_noc_addr", "POISON"]
