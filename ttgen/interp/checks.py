"""What the interpreter reports: named violations located at a C++ file and line.

A builtin that finds a protocol error raises `Violation`; the location is read off the Python call stack,
where compiled C++ frames carry the C++ file name and line (see cpp.py), so no builtin has to be told where
it was called from.
"""

from __future__ import annotations

import sys
from types import FrameType, TracebackType

from ..errors import Location, TtgenError

# Every check the interpreter performs, by name. The names appear in messages and in tests.
CHECKS = {
    "api-argument": "an API argument outside the range its header documents",
    "mismatch": "output differs from the numpy reference beyond the stated tolerance",
    "deadlock": "every live thread is blocked",
    "dst-lifecycle": "DST register used outside acquire/commit/wait/release order, out of range or unwritten",
    "cb-protocol": "circular buffer reserve/push/wait/pop misuse or access outside the reserved/waited window",
    "cb-not-drained": "a circular buffer still holds pages when the program ends",
    "cb-config": "circular buffer configuration inconsistent with how kernels use it",
    "race": "data used before the NoC transaction that produces it completed, or a source reused before its write completed",
    "missing-barrier": "a kernel ended with NoC transactions still in flight",
    "noc-bounds": "NoC access outside any buffer, page or core",
    "noc-alignment": "NoC access not aligned as the hardware requires",
    "l1-overflow": "circular buffers and L1 data do not fit in a core's L1",
    "init-missing": "a compute op without the *_init that configures it",
    "init-mismatch": "a compute op on CBs or data formats other than what the last *_init configured",
    "semaphore": "semaphore misuse",
    "runtime-args": "runtime or compile-time argument missing or out of range",
    "host-api": "host program misuses the host API",
    "host-exception": "the host program ended with an uncaught C++ exception (TT_THROW, TT_FATAL, throw)",
    "host-exit": "the host program returned a non-zero exit status (its own check failed)",
    "kernel-assert": "an ASSERT in kernel code failed (the watcher would halt the core)",
    "budget": "step or wall-clock budget exhausted (endless loop?)",
    "unmodelled": "an API feature the interpreter does not model (reported rather than guessed at)",
    "cpp-fault": "a C++-level fault in executed code (division by zero, bad index, use of an uninitialised value)",
}

_CPP_SUFFIXES = (".cpp", ".hpp", ".cc", ".h")


def cpp_frame_location(frame: FrameType | None) -> Location | None:
    """The innermost compiled-C++ frame at or above `frame`."""
    while frame is not None:
        name = frame.f_code.co_filename
        if name.endswith(_CPP_SUFFIXES):
            return Location(name, frame.f_lineno)
        frame = frame.f_back
    return None


def current_cpp_location() -> Location | None:
    return cpp_frame_location(sys._getframe(1))


def traceback_cpp_location(tb: TracebackType | None) -> Location | None:
    """The innermost compiled-C++ frame of a traceback (where an exception left the C++ code)."""
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(_CPP_SUFFIXES):
            found = Location(tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


class Violation(TtgenError):
    """A named check failed while running emitted code."""

    def __init__(self, check: str, message: str, location: Location | None = None, who: str | None = None,
                 details: list[str] | None = None):
        assert check in CHECKS, check
        super().__init__(message, location)
        self.check = check
        self.who = who  # "core (0,0) reader", filled in by the scheduler
        self.details = details or []

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        who = f" [{self.who}]" if self.who else ""
        lines = [f"{where}{self.check}{who}: {self.message}"]
        lines.extend(f"    {d}" for d in self.details)
        return "\n".join(lines)


def violation(check: str, message: str, details: list[str] | None = None) -> Violation:
    """A violation located at the C++ line that called the current builtin."""
    return Violation(check, message, cpp_frame_location(sys._getframe(1)), details=details)


def as_violation(exc: BaseException, who: str | None = None) -> Violation:
    """Turn anything raised out of executed C++ into a located Violation (never a Python traceback)."""
    from .cruntime import CppException, CppRuntimeError  # local: cruntime is imported by compiled code

    if isinstance(exc, Violation):
        exc.who = exc.who or who
        if exc.location is None:
            exc.location = traceback_cpp_location(exc.__traceback__)
        return exc
    location = traceback_cpp_location(exc.__traceback__)
    if isinstance(exc, CppRuntimeError):
        return Violation("cpp-fault", str(exc), location, who=who)
    if isinstance(exc, CppException):  # no catch took it: std::terminate
        return Violation("host-exception", str(exc), location, who=who)
    if isinstance(exc, RecursionError):
        return Violation("cpp-fault", "recursion too deep", location, who=who)
    return Violation("cpp-fault", f"{type(exc).__name__}: {exc}", location, who=who)
