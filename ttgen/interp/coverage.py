"""Front-end coverage of real kernels: how many of a corpus of C++ kernel files the interpreter's compiler accepts.

The corpus is every `*/kernels/**/*.cpp` of the pinned `ttnn` wheel (production kernels of tt-metal's ops),
read straight out of the wheel's zip so nothing of it is unpacked or kept. Each file is compiled with every
builtin module loaded, as its kind (compute when its path says so, else dataflow); the outcome is accepted, a
clean `CompileError` (grouped by its message with the quoted code stripped), or a crash (an exception that is not
a diagnosis: a front-end bug). `scripts/frontend_coverage.py` prints the figures.
"""

from __future__ import annotations

import re
import traceback
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import all_api  # noqa: F401 - importing registers the API entries
from .cpp import CompileError, compile_source
from .declared import HeaderTree
from .metal2 import Bindings

KERNEL_PATH = re.compile(r"/kernels/.*\.cpp$")


COMPUTE_API = "tt_metal/hw/inc/api/compute/"


def kernel_kind(path: str, source: str = "", headers: HeaderTree | None = None) -> str:
    """The core a kernel file runs on: compute if it includes the compute API (directly, or through a helper
    header when `headers` can follow includes) or its path says so."""
    if re.search(r'#include\s*["<](api/compute/|compute_kernel_api)', source):
        return "compute"
    if headers is not None and any(h.startswith(COMPUTE_API) for h in headers.visible(source, path).unconditional):
        return "compute"
    lowered = path.lower()
    return "compute" if "/compute/" in lowered or "compute" in Path(lowered).name else "dataflow"


def wheel_kernels(wheel: Path) -> Iterator[tuple[str, str]]:
    """(path inside the wheel, source text) of each kernel file of a ttnn wheel."""
    with zipfile.ZipFile(wheel) as archive:
        for name in sorted(archive.namelist()):
            if KERNEL_PATH.search(name):
                yield name, archive.read(name).decode("utf-8", errors="replace")


@dataclass
class Outcome:
    path: str
    status: str  # "accepted", "refused" or "crashed"
    reason: str = ""  # the refusal's message class, or the crash's exception line
    detail: str = ""  # the full first line of the diagnosis
    unmodelled: tuple[str, ...] = ()  # accepted names the headers declare but no module models

    @property
    def fully_modelled(self) -> bool:
        return self.status == "accepted" and not self.unmodelled


def refusal_class(message: str) -> str:
    """A refusal message with the quoted code removed, so equal causes group together."""
    text = re.sub(r"^[^:]*:\d+: ", "", message.split("\n")[0])
    text = re.sub(r"\): .*$", ")", text)  # unsupported C++ (what): <snippet>
    text = re.sub(r"near: .*$", "near ...", text)
    text = re.sub(r"'[^']*'", "'…'", text)
    return text


def compile_one(path: str, source: str, headers: HeaderTree | None = None) -> Outcome:
    try:
        compiled = compile_source(source, kernel_kind(path, source, headers), path=path, headers=headers,
                                  standalone=True, bindings=Bindings.for_source(source))
    except CompileError as exc:
        return Outcome(path, "refused", refusal_class(str(exc)), str(exc).split("\n")[0])
    except Exception as exc:  # noqa: BLE001 - a crash is what this measures
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return Outcome(path, "crashed", f"{type(exc).__name__}: {exc} ({Path(frame.filename).name}:{frame.lineno})")
    return Outcome(path, "accepted", unmodelled=tuple(sorted(compiled.unmodelled)))


@dataclass
class Coverage:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def top(self, status: str, n: int = 15) -> list[tuple[str, int]]:
        return Counter(o.reason for o in self.outcomes if o.status == status).most_common(n)

    @property
    def fully_modelled(self) -> int:
        return sum(1 for o in self.outcomes if o.fully_modelled)

    def top_unmodelled(self, n: int = 15) -> list[tuple[str, int]]:
        """The unmodelled names accepted files use most, counted once per file."""
        return Counter(name for o in self.outcomes for name in o.unmodelled).most_common(n)


def measure(files: Iterable[tuple[str, str]], headers: HeaderTree | None = None) -> Coverage:
    """Compile each file; with `headers`, names they declare are accepted as unmodelled (see `declared`)."""
    return Coverage([compile_one(path, source, headers) for path, source in files])
