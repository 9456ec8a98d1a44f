"""Cooperative threads for every kernel on every core, with deadlock detection and run budgets.

Each kernel instance runs in its own greenlet. A blocking call (`cb_wait_front`, `cb_reserve_back`,
`noc_semaphore_wait`, ...) parks the thread with a `Wait` and switches back to the scheduler, which resumes
the next thread whose wait is satisfied. When no live thread can run, that is a deadlock: the report names
every blocked thread with its core, kernel, C++ line and what it waits for.

The default schedule is deterministic (round robin in creation order, each thread running until it blocks).
With a seed, threads are also preempted at random loop iterations, and `random_completion` lets the NoC model
retire transfers early, to shake out races.
"""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

import greenlet
import numpy as np

from ..errors import Location
from . import cruntime
from .checks import Violation, as_violation, cpp_frame_location


QUANTUM = 1000  # modelled cycles a thread may run ahead of the next runnable one before yielding


@dataclass
class Budget:
    max_steps: int = 50_000_000  # loop iterations over all threads
    max_seconds: float = 600.0
    max_elements: int = 1 << 30  # input elements the run may generate (host memory for inputs and references)


@dataclass
class Wait:
    """Why a thread is parked: `ready()` says when it may resume, `describe()` says what it waits for."""

    ready: Callable[[], bool]
    describe: Callable[[], str]


@dataclass
class KernelThread:
    label: str  # "core (0,0) reader_gemm.cpp"
    core: Any  # device.Core
    kernel: Any  # host.KernelInstance: the file, its kind, args and config
    body: Callable[[], Any]
    glet: greenlet.greenlet | None = None
    wait: Wait | None = None
    done: bool = False
    steps: int = 0
    in_flight: list = field(default_factory=list)  # this thread's NocTransfers not yet retired
    state: dict = field(default_factory=dict)  # per-thread API state (compute: DST, inits...)
    clock: float = 0.0  # modelled cycles (timing.py)
    busy: float = 0.0  # cycles of work charged to this thread (a compute kernel: its unpack and math side)
    # A compute kernel's packer (TRISC2) runs beside its unpacker and math: it keeps its own clock, swapped into
    # `clock` while the thread does packer work (timing.on_packer).
    packer: float | None = None
    on_packer: bool = False
    stalls: dict = field(default_factory=lambda: defaultdict(float))  # cycles waited, by what was waited for

    def location(self) -> Location | None:
        return cpp_frame_location(self.glet.gr_frame) if self.glet is not None else None


def _quiet(body: Callable[[], Any]) -> Callable[[], Any]:
    """A kernel body without numpy's floating-point warnings: device arithmetic makes infinities and NaNs by
    design (each greenlet has its own context, so the caller's np.errstate does not reach it)."""
    def run():
        with np.errstate(all="ignore"):
            return body()

    return run


class Scheduler:
    _current: "Scheduler | None" = None

    def __init__(self, threads: list[KernelThread], budget: Budget | None = None, seed: int | None = None,
                 on_thread_exit: Callable[[KernelThread], None] | None = None, timed: bool = False):
        self.threads = threads
        self.budget = budget or Budget()
        self.rng = random.Random(seed) if seed is not None else None
        self.on_thread_exit = on_thread_exit
        self.thread: KernelThread | None = None
        self.hub: greenlet.greenlet | None = None
        self.steps = 0
        self.started = 0.0
        self.limit = float("inf")  # the running thread yields once its clock passes this
        self.timed = timed and seed is None  # run in modelled-time order (for timing) rather than round robin

    # ----- called from builtins inside a thread -------------------------------------------------------------

    @classmethod
    def current(cls) -> "Scheduler":
        if cls._current is None:
            raise RuntimeError("no kernel is running")
        return cls._current

    def block(self, wait: Wait) -> None:
        """Park the running thread until `wait.ready()`; returns at once if it already is."""
        if wait.ready():
            return
        self.thread.wait = wait
        self.hub.switch()

    def preempt(self) -> None:
        """Let other threads run (used by random schedules)."""
        self.thread.wait = None
        self.hub.switch()

    def tick(self) -> None:
        self.steps += 1
        self.thread.steps += 1
        if self.steps > self.budget.max_steps:
            raise Violation("budget", f"more than {self.budget.max_steps} loop iterations in one run "
                                      "(raise it with --max-steps if the kernel is really that long)",
                            cpp_frame_location(sys._getframe(2)))
        if self.steps & 0xFFF == 0 and time.monotonic() - self.started > self.budget.max_seconds:
            raise Violation("budget", f"run exceeded {self.budget.max_seconds:.0f} s of wall-clock time",
                            cpp_frame_location(sys._getframe(2)))
        if self.rng is not None and self.rng.random() < 0.05:
            self.preempt()

    # ----- the loop ----------------------------------------------------------------------------------------

    def run(self) -> None:
        Scheduler._current = self
        outer_hook = cruntime.set_tick_hook(self.tick)  # the host program's, put back when the kernels end
        self.hub = greenlet.getcurrent()
        self.started = time.monotonic()
        try:
            for t in self.threads:
                t.glet = greenlet.greenlet(_quiet(t.body), parent=self.hub)
            self._loop()
        finally:
            self._unwind()
            Scheduler._current = None
            cruntime.set_tick_hook(outer_hook)

    def _unwind(self) -> None:
        """End the threads a violation or a deadlock left suspended, so that their frames (and through them the
        device and its buffers) are freed rather than kept alive by the suspended greenlets."""
        for t in self.threads:
            if t.glet is not None and not t.glet.dead and t.glet:
                try:
                    t.glet.throw(greenlet.GreenletExit)
                except BaseException:  # noqa: BLE001 - whatever the unwinding raises, the run is over
                    pass
            t.glet = None
            t.wait = None

    def _loop(self) -> None:
        if not self.timed:
            return self._round_robin()
        # Modelled-time order: always resume the runnable thread with the earliest clock, and let it run at most
        # QUANTUM cycles past the next runnable one, so that what a thread observes (a CB it polls, a shared
        # link it queues on) is what existed at its modelled time.
        live = list(self.threads)
        while live:
            ready = [t for t in live if t.wait is None or t.wait.ready()]
            if not ready:
                raise self._deadlock(live)
            ready.sort(key=lambda t: t.clock)
            t = ready[0]
            self.limit = (ready[1].clock if len(ready) > 1 else float("inf")) + QUANTUM
            t.wait = None
            self._resume(t)
            if t.done:
                live = [x for x in live if not x.done]

    def _round_robin(self) -> None:
        """The checking schedule: each thread runs until it blocks, in creation order (or, with a seed, in a
        random order with random preemptions)."""
        live = list(self.threads)
        while live:
            order = live if self.rng is None else self.rng.sample(live, len(live))
            progressed = False
            for t in order:
                if t.wait is not None and not t.wait.ready():
                    continue
                t.wait = None
                progressed = True
                self._resume(t)
            live = [t for t in live if not t.done]
            if live and not progressed:
                raise self._deadlock(live)

    def advance(self) -> None:
        """Called when the running thread's clock moved: past the limit, let an earlier thread run first."""
        if self.thread.clock > self.limit:
            self.preempt()

    def _resume(self, t: KernelThread) -> None:
        self.thread = t
        try:
            t.glet.switch()
        except Exception as exc:  # Violations, C++ faults, and faults inside executed C++ all leave located
            raise as_violation(exc, t.label).with_traceback(None) from None
        finally:
            self.thread = None
        if t.glet.dead and not t.done:
            t.done = True
            if self.on_thread_exit is not None:
                self.thread = t
                try:
                    self.on_thread_exit(t)
                except Violation as v:
                    v.who = v.who or t.label
                    raise
                finally:
                    self.thread = None

    def _deadlock(self, blocked: list[KernelThread]) -> Violation:
        """Name every blocked thread; threads of one kernel blocked at the same line on the same wait share a line."""
        groups: dict[tuple[str, str, str], list[str]] = {}
        for t in blocked:
            key = (t.kernel.spec.name, str(t.location()), t.wait.describe())
            groups.setdefault(key, []).append(t.core.label.removeprefix("core "))
        details = []
        for (kernel, where, waiting), cores in groups.items():
            on = f"core {cores[0]}" if len(cores) == 1 else f"{len(cores)} cores {', '.join(cores)}"
            details.append(f"{kernel} on {on}: blocked at {where} in {waiting}")
        return Violation("deadlock", f"all {len(blocked)} live threads are blocked", blocked[0].location(),
                         details=details)


def running_thread() -> KernelThread:
    """The thread whose builtin call is being served. It reads the running scheduler directly (this runs on every
    builtin call; outside a run it raises AttributeError, a bug of the caller)."""
    return Scheduler._current.thread
