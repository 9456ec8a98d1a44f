"""Kernel debug facilities of `api/debug/dprint.h` and `api/debug/assert.h`: DPRINT and ASSERT.

`DPRINT("n={} cap={}\\n", n, cap);` formats as the device printer does (fmt-style `{}` fields, evaluated
arguments) and appends the text to the kernel instance's `printed` log (a run shows it on request). The pinned
dprint.h removed the legacy stream form (`DPRINT << x << ENDL()`; its `operator<<` is a static_assert), so here
too it does not compile. ASSERT is the watcher's check, so a false condition is a violation at its line.
"""

from __future__ import annotations

from typing import Any

from . import context as ctx
from .api import API, DEVICE
from .checks import violation
from .cruntime import CppRuntimeError

DPRINT_H = "api/debug/dprint.h"


def _device_print(format: str, *args: Any) -> None:
    """DPRINT(format, ...): text is kept whole; a line ends where the format writes a newline."""
    if not isinstance(format, str):
        raise CppRuntimeError("DPRINT's first argument is its format string")
    try:
        text = format.format(*args)
    except (IndexError, ValueError, KeyError) as exc:
        raise CppRuntimeError(f"DPRINT format {format!r} does not match its {len(args)} arguments: {exc}") from None
    log = ctx.kernel().printed
    if not log or log[-1].endswith("\n"):
        log.append("")
    log[-1] += text


for _name in ("DPRINT", "DPRINT_MATH", "DPRINT_PACK", "DPRINT_UNPACK", "DPRINT_DATA0", "DPRINT_DATA1"):
    API.function(_name, groups=DEVICE, header=DPRINT_H, args=(1, 64))(_device_print)


@API.function("ASSERT", groups=DEVICE, header="api/debug/assert.h", args=(1, 2))
def kernel_assert(condition, code=None):
    if not condition:
        raise violation("kernel-assert", "ASSERT failed (the watcher would halt the core here)")
