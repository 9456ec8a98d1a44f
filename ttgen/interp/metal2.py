"""Metal 2.0 named kernel arguments and bindings: what a kernel created from a ProgramSpec reads through the names
the JIT build writes for it (jit_build/genfiles.cpp: kernel_args_generated.h and kernel_bindings_generated.h,
included before the kernel's source).

* `args::x` is an `experimental::RtaArg<uint32_t>{byte offset}` (a named runtime arg), a `CrtaArg` (a named common
  runtime arg) or a `CtaVal{value}` (a named compile-time arg), read with `experimental::get_arg`
  (experimental/kernel_args.h); `get_vararg(i)` / `get_common_vararg(i)` read the args after the named ones.
* `dfb::x` is a `DFBAccessor{id}` (api/dataflow/dataflow_buffer.h), which converts to the CB id it names.
* `sem::x` is a semaphore id.
* `tensor::x` is a `tensor_accessor::TensorBindingToken<CTA_OFFSET, ADDR_CRTA_OFFSET>`
  (api/tensor/tensor_binding_token.h): `TensorAccessor(tensor::x)` reads its TensorAccessorArgs at CTA_OFFSET and its
  base address from the common runtime arg at byte ADDR_CRTA_OFFSET (api/tensor/tensor_accessor.h).

A run gives a kernel its `Bindings` (the host's spec); a file compiled alone gets the bindings such a spec would
produce for the names it uses (`Bindings.for_source`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import context as ctx
from .api import API, DEVICE
from .checks import violation
from .cpp import GENERATED_HEADERS as GENERATED
from .cruntime import CppObject
from .dataflow import get_arg_val, get_common_arg_val

KERNEL_ARGS_H = "experimental/kernel_args.h"


@dataclass(frozen=True)
class RtaArg(CppObject):
    byte_offset: int
    cpp_name = "experimental::RtaArg"


@dataclass(frozen=True)
class CrtaArg(CppObject):
    byte_offset: int
    cpp_name = "experimental::CrtaArg"


@dataclass(frozen=True)
class CtaVal(CppObject):
    value: int
    cpp_name = "experimental::CtaVal"


@dataclass(frozen=True)
class TensorBindingToken(CppObject):
    cta_offset: int
    addr_crta_offset: int  # bytes
    cpp_name = "tensor_accessor::TensorBindingToken"


@dataclass
class Bindings:
    """The names a kernel's ProgramSpec gives it, in the layout genfiles.cpp writes: named runtime args at byte
    4·i of the kernel's runtime args in declaration order (common ones likewise), compile-time args by value."""

    runtime_args: list[str] = field(default_factory=list)
    common_runtime_args: list[str] = field(default_factory=list)
    compile_args: dict[str, int] = field(default_factory=dict)
    dfbs: dict[str, int] = field(default_factory=dict)
    semaphores: dict[str, int] = field(default_factory=dict)
    tensors: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (CTA offset, address CRTA byte)

    def value(self, qualified: str):
        """The value of `args::x`, `dfb::x`, `sem::x` or `tensor::x`; None when the spec does not name it."""
        space, _, name = qualified.partition("::")
        if space == "args":
            if name in self.runtime_args:
                return RtaArg(4 * self.runtime_args.index(name))
            if name in self.common_runtime_args:
                return CrtaArg(4 * self.common_runtime_args.index(name))
            if name in self.compile_args:
                return CtaVal(self.compile_args[name])
            return None
        table = {"dfb": self.dfbs, "sem": self.semaphores, "tensor": self.tensors}.get(space, {})
        if name not in table:
            return None
        return TensorBindingToken(*table[name]) if space == "tensor" else table[name]

    def names(self, space: str) -> list[str]:
        if space == "args":
            return [*self.runtime_args, *self.common_runtime_args, *self.compile_args]
        return list({"dfb": self.dfbs, "sem": self.semaphores, "tensor": self.tensors}.get(space, {}))

    @classmethod
    def for_source(cls, source: str) -> "Bindings":
        """What a host spec naming exactly the names `source` uses would bind: every `args::x` a runtime arg (in
        order of first use), DFBs and semaphores numbered from 0, each tensor two compile-time args (an
        interleaved accessor's config and page size) and one common-arg address word after the previous one's."""
        found: dict[str, list[str]] = {"args": [], "dfb": [], "sem": [], "tensor": []}
        for space, name in re.findall(r"\b(args|dfb|sem|tensor)::([A-Za-z_]\w*)", source):
            if name not in found[space]:
                found[space].append(name)
        return cls(runtime_args=found["args"], dfbs={n: i for i, n in enumerate(found["dfb"])},
                   semaphores={n: i for i, n in enumerate(found["sem"])},
                   tensors={n: (2 * i, 4 * i) for i, n in enumerate(found["tensor"])})


def _bindings() -> Bindings:
    bindings = ctx.kernel().spec.bindings
    return bindings if bindings is not None else Bindings()


@API.function("experimental::get_arg", groups=DEVICE, header=KERNEL_ARGS_H)
def get_arg(arg):
    if isinstance(arg, RtaArg):
        return get_arg_val(("uint32_t",), arg.byte_offset // 4)
    if isinstance(arg, CrtaArg):
        return get_common_arg_val(("uint32_t",), arg.byte_offset // 4)
    if isinstance(arg, CtaVal):
        return arg.value
    raise violation("runtime-args", f"get_arg takes an args:: accessor (RtaArg, CrtaArg or CtaVal), not {arg!r}")


@API.function("get_vararg", groups=DEVICE, header=GENERATED)
def get_vararg(idx):
    return get_arg_val(("uint32_t",), len(_bindings().runtime_args) + int(idx))


@API.function("get_common_vararg", groups=DEVICE, header=GENERATED)
def get_common_vararg(idx):
    return get_common_arg_val(("uint32_t",), len(_bindings().common_runtime_args) + int(idx))
