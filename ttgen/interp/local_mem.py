"""`CoreLocalMem<T>` (api/core_local_mem.h): a typed view of this core's L1 at an address.

Most of ttnn 0.74.0's kernels reach L1 through it (`CoreLocalMem<uint32_t> buf(get_write_ptr(cb)); buf[i] = v;`).
Every element access is an `L1Pointer` access, so it gets the same checks as a `reinterpret_cast` pointer: inside
a CB window this thread reserved (to write) or waited for (to read), or a semaphore; no NoC transfer in flight.
Arithmetic (`mem + n`, `mem - other`, `+=`) moves by whole elements, as the header's operators do.
"""

from __future__ import annotations

from typing import Any

from . import context as ctx
from . import dataflow as df
from .api import API, DEVICE
from .cruntime import CppObject, CppRuntimeError, wrap_u32

CORE_LOCAL_MEM_H = "api/core_local_mem.h"


class CoreLocalMem(CppObject):
    cpp_name = "CoreLocalMem"
    cpp_methods = frozenset({"get_address", "get_unsafe_ptr"})

    def __init__(self, element: str, address: Any):
        pointee = element.replace("volatile", "").strip()
        if pointee not in df._POINTEE:
            raise CppRuntimeError(f"CoreLocalMem<{element}>: only unsigned integers and float elements are modelled")
        if isinstance(address, df.L1Pointer):
            address = address.address
        self.element = element
        self.pointee = pointee
        self.width = df._POINTEE[pointee][0]
        self.address = wrap_u32(address)

    def _pointer(self) -> df.L1Pointer:
        return df.L1Pointer(ctx.core(), self.address, self.pointee)

    def get_address(self) -> int:
        return self.address

    def get_unsafe_ptr(self) -> df.L1Pointer:
        return self._pointer()

    def cpp_getitem(self, index: int):
        return self._pointer().cpp_getitem(index)

    def cpp_setitem(self, index: int, value) -> None:
        self._pointer().cpp_setitem(index, value)

    def cpp_deref(self):
        return self._pointer().cpp_getitem(0)

    def __add__(self, offset: int) -> "CoreLocalMem":
        return CoreLocalMem(self.element, self.address + int(offset) * self.width)

    def __sub__(self, other: Any) -> "CoreLocalMem | int":
        if isinstance(other, CoreLocalMem):
            return (self.address - other.address) // self.width
        return CoreLocalMem(self.element, self.address - int(other) * self.width)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CoreLocalMem) and other.address == self.address

    def __lt__(self, other: "CoreLocalMem") -> bool:
        return self.address < other.address

    __hash__ = None  # type: ignore[assignment]


def _core_local_mem(targs, address):
    return CoreLocalMem(str(targs[0]), address)


API.type("CoreLocalMem", _core_local_mem, groups=DEVICE, header=CORE_LOCAL_MEM_H, template_args=(1, 2))
