"""What a builtin needs to know about the call it serves: the running thread, its core, kernel and device."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .scheduler import Scheduler, Wait, running_thread

if TYPE_CHECKING:
    from .device import Core, Device
    from .program import KernelInstance


# These run on every builtin call: they read the running scheduler directly (Scheduler.current() checks that
# one runs, which costs a call; outside a run these raise AttributeError, a bug of the caller).

thread = running_thread


def core() -> "Core":
    return Scheduler._current.thread.core


def kernel() -> "KernelInstance":
    return Scheduler._current.thread.kernel


def device() -> "Device":
    return Scheduler._current.thread.kernel.device


def block(wait: Wait) -> None:
    Scheduler.current().block(wait)


__all__ = ["thread", "core", "kernel", "device", "block", "Wait"]
