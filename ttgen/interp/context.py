"""What a builtin needs to know about the call it serves: the running thread, its core, kernel and device."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .scheduler import KernelThread, Scheduler, Wait

if TYPE_CHECKING:
    from .device import Core, Device
    from .program import KernelInstance


def thread() -> KernelThread:
    return Scheduler.current().thread


def core() -> "Core":
    return Scheduler.current().thread.core


def kernel() -> "KernelInstance":
    return Scheduler.current().thread.kernel


def device() -> "Device":
    return Scheduler.current().thread.kernel.device


def block(wait: Wait) -> None:
    Scheduler.current().block(wait)


__all__ = ["thread", "core", "kernel", "device", "block", "Wait"]
