"""What a plan is: every decision about a kernel, made once, for the templates to spell out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..numerics.dataformat import DataFormat
from ..spec import Spec


@dataclass(frozen=True)
class CBPlan:
    """One circular buffer: its index, the tensor it carries, its format and how many pages it holds."""

    index: int
    var: str  # C++ name in kernels, e.g. "cb_a"
    fmt: DataFormat
    pages: int
    purpose: str  # one line for --explain and the host comment
    page_bytes: int | None = None  # a page that is not one tile (raw scalars read with pointers or read_tile_value)

    @property
    def page_size(self) -> int:
        return self.page_bytes or self.fmt.tile_bytes

    @property
    def total_size(self) -> int:
        return self.pages * self.page_size

    @property
    def cpp_index(self) -> str:
        return f"CBIndex::c_{self.index}"


@dataclass(frozen=True)
class OutputFile:
    template: str  # path under templates/
    path: str  # path under the kernel folder


@dataclass
class Plan:
    spec: Spec
    template_set: str
    files: list[OutputFile]
    context: dict[str, Any]  # everything the templates read
    cbs: list[CBPlan]
    metadata: dict[str, Any]  # kernel.json: what `ttgen run` needs besides the C++ (tensors, math)
    explain: list[str] = field(default_factory=list)
    # The C++ index arithmetic the templates print (more context keys), built with sympy only when rendering:
    # checking a spec decides everything else and never loads sympy.
    cpp: Callable[[], dict[str, Any]] | None = None

    def template_context(self) -> dict[str, Any]:
        return self.context | (self.cpp() if self.cpp else {})
