"""The cost model: every kernel thread keeps a clock of modelled Wormhole n150 cycles.

Work advances the clock of the thread doing it, by the constants of `COSTS` (one table, each number with its
source). Waiting synchronises clocks: a thread that waits for CB pages, a semaphore or a NoC transfer resumes
no earlier than the modelled time at which that event happened in the thread that caused it (the producer's
clock at cb_push_back, the consumer's at cb_pop_front, the completion time of the transfer). NoC transfers
queue on the resources they use: the DRAM bank they read or write and the NoC interface of each core they
leave or enter, so bandwidth is shared and multicast sends once.

Timed runs (`timed=True`) schedule threads in modelled-time order, each running at most a quantum ahead of the
next, so that polls (cb_pages_available_at_front) see the state of their modelled time. The checking schedule
runs threads in its own order; CB and semaphore dependencies are exact either way, and the bandwidth channels
accept transfers in any order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .. import arch
from . import trace
from .scheduler import Scheduler, running_thread


@dataclass(frozen=True)
class Costs:
    """Wormhole n150 constants, in cycles of the 1 GHz Tensix clock unless stated."""

    clock_hz: float = 1.0e9  # GEMM_FLOPS.md: "At 1GHz (WH)"
    # One 32x32x32 matmul_tiles: the engine does 8x16 · 16x16 per cycle (GEMM_FLOPS.md, utilisation formula).
    matmul_tile: tuple = (("LoFi", 16), ("HiFi2", 32), ("HiFi3", 48), ("HiFi4", 64))
    # Element-wise FPU ops on a tile (add/sub, broadcasts, copies, reduce): 1024 elements through the engine's
    # 128 lanes plus unpacking two operands. Estimate; multiplies take one pass per fidelity phase.
    eltwise_tile: int = 32
    # SFPU ops: a simple op (compare, scalar arithmetic, relu) walks the tile's 32 rows of 32 in 4-row steps;
    # transcendental ones iterate a polynomial. Estimates.
    sfpu_simple_tile: int = 32
    sfpu_transcendental_tile: int = 96
    pack_tile: int = 32  # packer writes 64 B/cycle: a bf16 tile (2 KiB) in 32 cycles. Estimate.
    cb_call: int = 8  # a CB pointer update (cb_* on any RISC-V). Estimate.
    noc_issue: int = 40  # a RISC-V issuing one NoC command: page address generation, waiting for the command
    # buffer, its register writes. Bounds small transfers ("under 2KB, the bandwidth is limited by ... the RISC
    # latency": tt-metal data_movement plots README). Estimate.
    noc_bytes_per_cycle: int = 32  # a NoC link / core interface: 256-bit flits per cycle on Wormhole
    noc_latency: int = 150  # core-to-core transfer latency. Estimate.
    dram_latency: int = 600  # read request to first data from a GDDR6 bank. Estimate.
    dram_bytes_per_cycle: float = 288 / 12  # 288 GB/s over 12 banks (Saturating_DRAM_bandwidth.md, spec speed)
    dram_efficiency: float = 0.92  # best measured: 267 of 288 GB/s (same report, "DRAM u-benchmark")
    # An unlinked multicast write reserves its path for every NoC packet (at most 8 KiB, NOC_MAX_BURST_SIZE) and
    # collects one write ack per destination, so its bandwidth falls with the number of destinations (tt-metal
    # tests/tt_metal/tt_metal/data_movement, "One to All Multicast": "bandwidth degrades due to path reserve being
    # done after every transaction ... the number of write acks increases"). Cycles per packet per destination,
    # paid before the sender's write barrier returns. Estimate, set once against the whole calibration table.
    mcast_ack: int = 16
    noc_packet_bytes: int = 8192
    # Dispatch of a program with trace: GEMM_FLOPS.md's 512³ bf16 traced rows take 12.5 µs by host time and
    # 9.9 µs by device time (its host- and device-based utilisations), a 2.6 µs gap.
    program_launch: int = 2000

    def matmul(self, fidelity: str) -> int:
        return dict(self.matmul_tile)[fidelity]


COSTS = Costs()
FIDELITY_PHASES = {"LoFi": 1, "HiFi2": 2, "HiFi3": 3, "HiFi4": 4}


BUCKET = 64  # cycles per bandwidth bucket


class Channel:
    """A link or memory port of fixed bandwidth, as a fluid queue over time buckets: a transfer fills the free
    capacity of the buckets from its start time on. Transfers may be placed in any order (the interpreter does
    not run threads in modelled-time order), and a later-placed transfer that starts earlier still finds the
    capacity left before the others."""

    def __init__(self, bytes_per_cycle: float):
        self.rate = bytes_per_cycle
        self.used: dict[int, float] = {}  # bucket -> bytes already placed in it

    def place(self, start: float, size: float) -> float:
        """Place `size` bytes from `start` on; returns when the last byte is through."""
        capacity = self.rate * BUCKET
        bucket = int(start // BUCKET)
        remaining = float(size)
        used = self.used
        while True:
            begin = max(start, bucket * BUCKET)
            filled = used.get(bucket, 0.0)
            room = min(capacity - filled, self.rate * ((bucket + 1) * BUCKET - begin))
            if room > 0:
                take = min(room, remaining)
                used[bucket] = filled + take
                remaining -= take
                if remaining <= 0:
                    # the bytes go through after what fills the bucket before them, and no sooner than their own
                    return max(begin + take / self.rate, bucket * BUCKET + used[bucket] / self.rate)
            bucket += 1


class Resources:
    """The shared resources of the device: each DRAM bank, and the NoC interface of each core (in and out)."""

    def __init__(self) -> None:
        # Timed runs share bandwidth between transfers; the checking schedule, whose clocks nobody reads as
        # time, charges each transfer at the link rate alone (it runs threads out of modelled order anyway).
        self.shared = True
        per_bank = COSTS.dram_bytes_per_cycle * COSTS.dram_efficiency
        self.banks = [Channel(per_bank) for _ in range(arch.NUM_DRAM_BANKS)]
        self.core_in: dict = defaultdict(lambda: Channel(COSTS.noc_bytes_per_cycle))
        self.core_out: dict = defaultdict(lambda: Channel(COSTS.noc_bytes_per_cycle))

    def transfer(self, start: float, size: int, src_bank: int | None, src_core, dst_banks: list[int],
                 dst_cores: list, multicast: bool = False) -> float:
        """A transfer issued at `start`: it crosses every resource it uses (each at its own bandwidth) and
        completes after the slowest of them plus the latency. A multicast also holds its sender's interface for
        the acks of every destination."""
        dram = src_bank is not None or bool(dst_banks)
        if not self.shared:
            return start + size / COSTS.noc_bytes_per_cycle + (COSTS.dram_latency if dram else COSTS.noc_latency)
        channels = ([self.banks[src_bank]] if src_bank is not None else []) + [self.banks[b] for b in dst_banks]
        end = max((ch.place(start, size) for ch in channels), default=start)
        for core in dst_cores:
            end = max(end, self.core_in[core].place(start, size))
        if src_core is not None:
            out = self.core_out[src_core]
            held = size
            if multicast:
                packets = -(-size // COSTS.noc_packet_bytes)
                held += packets * len(dst_cores) * COSTS.mcast_ack * out.rate
            end = max(end, out.place(start, held))
        return end + (COSTS.dram_latency if dram else COSTS.noc_latency)


def charge(cycles: float, what: str = "") -> None:
    """The running thread works for `cycles` (on `what`, for a trace)."""
    t = running_thread()
    if trace.ACTIVE is not None:
        trace.ACTIVE.work(t, what or "work", t.clock, t.clock + cycles)
    t.clock += cycles
    if not t.on_packer:
        t.busy += cycles
    scheduler = Scheduler._current
    if t.clock > scheduler.limit:  # Scheduler.advance, inlined: this runs for every op
        scheduler.preempt()


def on_packer(fn, *args):
    """`fn(*args)` on the packer's clock of a compute kernel (the thread's own clock in a data movement kernel).
    The three TRISCs of a Tensix core pipeline: the packer drains one DST half while the math fills the other,
    and they meet only at the DST handshake (tile_regs_commit / tile_regs_wait / tile_regs_release /
    tile_regs_acquire) and at the CBs the packer fills. The packer's clock is swapped into the thread's while
    it does packer work."""
    t = running_thread()
    if t.packer is None or t.on_packer:
        return fn(*args)
    t.clock, t.packer, t.on_packer = t.packer, t.clock, True
    try:
        return fn(*args)
    finally:
        t.clock, t.packer, t.on_packer = t.packer, t.clock, False


def wait_until(time: float, reason: str, stall: bool = True) -> None:
    """The running thread cannot go on before modelled `time`; the idle cycles are a stall on `reason` (unless
    `stall` is false: a packer waiting for the math it follows is not held up by anything)."""
    t = running_thread()
    if time > t.clock:
        if trace.ACTIVE is not None:
            trace.ACTIVE.wait(t, reason, t.clock, time)
        if stall:
            t.stalls[reason] += time - t.clock
        t.clock = time
        Scheduler.current().advance()


def now() -> float:
    return running_thread().clock


def fidelity() -> str:
    return running_thread().kernel.spec.math_fidelity


def matmul_cost() -> int:
    return COSTS.matmul(fidelity())


def multiply_cost() -> int:
    return COSTS.eltwise_tile * FIDELITY_PHASES[fidelity()]
