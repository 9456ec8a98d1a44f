"""Kernel debug facilities of `api/debug/dprint.h` and `api/debug/assert.h`: DPRINT streams and ASSERT.

`DPRINT << "x=" << x << ENDL();` evaluates its operands as the device would and appends the line to the kernel
instance's `printed` log (a run shows it on request); ASSERT is the watcher's check, so a false condition is a
violation at its line.
"""

from __future__ import annotations

from typing import Any

from . import context as ctx
from .api import API, DEVICE
from .checks import violation
from .cruntime import CppObject

DPRINT_H = "api/debug/dprint.h"


class _Endl:
    cpp_name = "ENDL"


class DebugPrinter(CppObject):
    """The `DPRINT` stream of the running kernel (and its DPRINT_MATH/PACK/UNPACK/DATA0/DATA1 variants)."""

    cpp_name = "DebugPrinter"

    def __lshift__(self, value: Any) -> "DebugPrinter":
        log = ctx.kernel().printed
        if not log or log[-1].endswith("\n"):
            log.append("")
        log[-1] += "\n" if isinstance(value, _Endl) else str(value)
        return self


_PRINTER = DebugPrinter()
for _name in ("DPRINT", "DPRINT_MATH", "DPRINT_PACK", "DPRINT_UNPACK", "DPRINT_DATA0", "DPRINT_DATA1"):
    API.constant(_name, _PRINTER, groups=DEVICE, header=DPRINT_H)


@API.function("ENDL", groups=DEVICE, header=DPRINT_H)
def endl():
    return _Endl()


@API.function("ASSERT", groups=DEVICE, header="api/debug/assert.h", args=(1, 2))
def kernel_assert(condition, code=None):
    if not condition:
        raise violation("kernel-assert", "ASSERT failed (the watcher would halt the core here)")
