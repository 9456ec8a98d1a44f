"""The host program's loop budget: the same bounded-time guarantee the scheduler gives kernels.

Compiled code calls `cruntime.tick()` once per loop iteration. While the host program runs outside any kernel,
this hook counts those ticks and watches the clock, so an endless loop in host code ends with its file and line
instead of hanging `ttgen run`. (While kernels run, the scheduler's hook counts instead, then puts this one back.)
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator

from . import cruntime
from .checks import Violation, cpp_frame_location
from .scheduler import Budget

_CLOCK_EVERY = 0xFFF  # read the clock once per 4096 iterations: time.monotonic() costs more than a tick


@contextlib.contextmanager
def host_watchdog(budget: Budget) -> Iterator[None]:
    started = time.monotonic()
    steps = 0

    def tick() -> None:
        nonlocal steps
        steps += 1
        if steps > budget.max_steps:
            raise Violation("budget", f"host program did not finish: more than {budget.max_steps} loop iterations "
                                      "of host code (an endless loop? raise it with --max-steps)",
                            cpp_frame_location(sys._getframe(1)))
        if steps & _CLOCK_EVERY == 0 and time.monotonic() - started > budget.max_seconds:
            raise Violation("budget", f"host program did not finish within {budget.max_seconds:.0f} s of "
                                      "wall-clock time (an endless loop? raise it with --max-seconds)",
                            cpp_frame_location(sys._getframe(1)))

    outer = cruntime.set_tick_hook(tick)
    try:
        yield
    finally:
        cruntime.set_tick_hook(outer)
