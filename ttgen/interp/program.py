"""A Program as the host program built it, and its launch: CBs placed in L1, one thread per kernel per core.

The host builtins (host.py) fill a `ProgramModel`; `launch` turns it into device state and runs it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from .. import arch
from ..errors import Location
from ..numerics.formats import DataFormat
from .checks import Violation
from .cpp import CompiledFile
from .device import POISON, CircularBuffer, Device, align
from . import timing
from .scheduler import Budget, KernelThread, Scheduler

Coord = tuple[int, int]


@dataclass
class KernelSpec:
    handle: int
    path: str  # the file that runs, as found on disk
    kind: str  # "dataflow" or "compute"
    cores: list[Coord]
    compiled: CompiledFile
    created_at: Location | None
    processor: str | None = None  # "RISCV_0" (BRISC) / "RISCV_1" (NCRISC) for data-movement kernels
    noc: int = 0
    compile_args: list[int] = field(default_factory=list)
    math_fidelity: str = "HiFi4"
    fp32_dest_acc_en: bool = False
    dst_full_sync_en: bool = False
    math_approx_mode: bool = False
    bfp8_pack_precise: bool = False  # pack a 32-bit DST straight to Bfp8_b rather than through bfloat16
    unpack_to_dest_fp32: frozenset[int] = frozenset()  # CBs whose Float32 data copy_tile puts into DST unrounded
    runtime_args: dict[Coord, list[int]] = field(default_factory=dict)
    common_args: list[int] = field(default_factory=list)
    compile_error: Exception | None = None  # set by a dry run when the interpreter cannot compile the file
    defines: dict = field(default_factory=dict)  # CreateKernel's defines, as -DNAME=value
    named_compile_args: dict = field(default_factory=dict)  # name -> value, for get_named_compile_time_arg_val
    bindings: Any = None  # metal2.Bindings: the args::, dfb::, sem::, tensor:: names of a ProgramSpec kernel

    @property
    def name(self) -> str:
        return os.path.basename(self.path)


@dataclass
class KernelInstance:
    """One kernel on one core: what a running thread's builtins consult."""

    spec: KernelSpec
    core: Coord
    device: Device
    program: "ProgramModel"
    file_constants: dict = field(default_factory=dict, repr=False, compare=False)  # see per_kernel_constant
    printed: list = field(default_factory=list, repr=False, compare=False)  # DPRINT lines (debug.py)

    @property
    def args(self) -> list[int]:
        return self.spec.runtime_args.get(self.core, [])

    @property
    def label(self) -> str:
        return f"core ({self.core[0]},{self.core[1]}) {self.spec.name}"


@dataclass
class CBConfig:
    cores: list[Coord]
    total_size: int
    formats: dict[int, DataFormat]
    page_sizes: dict[int, int]
    created_at: Location | None


@dataclass
class SemaphoreConfig:
    cores: list[Coord]
    initial_value: int
    created_at: Location | None


@dataclass
class ProgramModel:
    kernels: list[KernelSpec] = field(default_factory=list)
    cbs: list[CBConfig] = field(default_factory=list)
    semaphores: list[SemaphoreConfig] = field(default_factory=list)
    launched: bool = False
    start: float = 0.0  # modelled cycles: when the program began and ended on the device
    end: float = 0.0
    threads: list = field(default_factory=list)  # its kernel threads, with their clocks, after the run
    warnings: list = field(default_factory=list)  # Violations that do not fail the run (cb-not-drained)

    def cores(self) -> set[Coord]:
        """Every core that runs a kernel of this program."""
        return {c for k in self.kernels for c in k.cores}


def _place_cbs(program: ProgramModel, device: Device) -> None:
    """Allocate every CB at the same L1 address on all its cores, in creation order (as tt-metal does)."""
    next_address = arch.L1_UNRESERVED_BASE
    for config in program.cbs:
        address = align(next_address, arch.L1_ALIGNMENT)
        end = address + config.total_size
        if end > device.l1_top and device.l1_buffers:
            raise Violation("l1-overflow",
                            f"circular buffers end at L1 0x{end:x}, past the lowest L1 buffer at "
                            f"0x{device.l1_top:x}: they would clash (tt-metal refuses the program)", config.created_at)
        if end > arch.L1_SIZE:
            raise Violation("l1-overflow",
                            f"circular buffers need {end - arch.L1_UNRESERVED_BASE} B of L1 per core but only "
                            f"{arch.L1_USABLE} B are usable", config.created_at)
        for coord in config.cores:
            core = device.core(*coord)
            for index, fmt in config.formats.items():
                if index in core.cbs:
                    raise Violation("cb-config", f"CB c_{index} is created twice on {core.label}", config.created_at)
                page = config.page_sizes.get(index)
                if page is None:
                    raise Violation("cb-config", f"CB c_{index} has no page size (call set_page_size)",
                                    config.created_at)
                if config.total_size % page:
                    raise Violation("cb-config", f"CB c_{index}: total size {config.total_size} B is not a whole "
                                                 f"number of {page} B pages", config.created_at)
                core.cbs[index] = CircularBuffer(index, fmt, page, config.total_size, address)
                # Never-written CB pages read as NaN, so data consumed before it arrives shows in the output.
                core.l1[address:end] = POISON
        next_address = end


def _check_processors(program: ProgramModel) -> None:
    taken: dict[tuple[Coord, str], KernelSpec] = {}
    for kernel in program.kernels:
        slot = kernel.processor if kernel.kind == "dataflow" else "TRISC"
        for coord in kernel.cores:
            other = taken.get((coord, slot))
            if other is not None:
                raise Violation("host-api", f"{kernel.name} and {other.name} both run on {slot} of core "
                                            f"({coord[0]},{coord[1]})", kernel.created_at)
            taken[(coord, slot)] = kernel


def _thread_exit(t: KernelThread) -> None:
    if t.in_flight:
        first = t.in_flight[0]
        barrier = "noc_async_read_barrier" if first.kind == "read" else "noc_async_write_barrier"
        raise Violation("missing-barrier", f"{t.kernel.spec.name} ended with {len(t.in_flight)} NoC "
                                           f"{first.kind}(s) in flight (missing {barrier}?)", first.issued_at)
    exit_check = t.state.get("exit_check")
    if exit_check is not None:
        exit_check(t)


def launch(program: ProgramModel, device: Device, seed: int | None = None, budget: Budget | None = None,
           timed: bool = False) -> int:
    """Run every kernel of `program` on its cores to completion; returns the loop iterations executed. The
    program starts when the device's previous program ended (plus the launch cost) and its threads' modelled
    clocks are kept in `program.threads`."""
    device.reset_cores()
    device.resources.shared = timed
    _place_cbs(program, device)
    _check_processors(program)
    for sem_id, sem in enumerate(program.semaphores):
        address = arch.SEMAPHORE_BASE + sem_id * arch.L1_ALIGNMENT
        for coord in sem.cores:
            core = device.core(*coord)
            core.semaphores[sem_id] = sem.initial_value
            core.l1[address:address + 4] = np.array([sem.initial_value], dtype="<u4").view(np.uint8)
    threads = []
    for coord in sorted({c for k in program.kernels for c in k.cores}, key=lambda c: (c[1], c[0])):
        for kernel in program.kernels:
            if coord in kernel.cores:
                instance = KernelInstance(kernel, coord, device, program)
                body = kernel.compiled.entry("kernel_main")
                threads.append(KernelThread(instance.label, device.core(*coord), instance, body))
    program.start = device.clock + timing.COSTS.program_launch
    for t in threads:
        t.clock = program.start
        t.packer = program.start if t.kernel.spec.kind == "compute" else None
    scheduler = Scheduler(threads, budget, seed, on_thread_exit=_thread_exit, timed=timed)
    scheduler.run()
    _check_drained(program, device)
    program.launched = True
    program.threads = threads
    for t in threads:  # a compute kernel ends when its packer has packed the last tile
        t.clock = max(t.clock, t.packer or 0.0)
    program.end = max((t.clock for t in threads), default=program.start)
    device.clock = program.end
    return scheduler.steps


def _check_drained(program: ProgramModel, device: Device) -> None:
    """Pages left in a CB at the end are a warning, not a failure: the firmware resets every CB's counters and
    pointers for the next program (trisc.cc zeroes tiles_received; circular_buffer_init.h rewrites the fifo
    pointers at launch), so they cannot leak. A consumer that popped too few usually has a count wrong, which
    the output or a deadlock then shows."""
    for (x, y), core in sorted(device.cores.items()):
        for index, cb in sorted(core.cbs.items()):
            if cb.filled:
                config = next((c for c in program.cbs if index in c.formats and (x, y) in c.cores), None)
                program.warnings.append(Violation(
                    "cb-not-drained", f"CB c_{index} on core ({x},{y}) still holds {cb.filled} page(s) when the "
                                      "program ends: a consumer popped fewer pages than the producer pushed",
                    config.created_at if config else None))


__all__ = ["KernelSpec", "KernelInstance", "CBConfig", "SemaphoreConfig", "ProgramModel", "launch"]
