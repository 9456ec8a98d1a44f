"""The object API of the kernel headers: `Noc`, `CircularBuffer`, `DataflowBuffer`, `UnicastEndpoint`, `Semaphore`
(ttnn 0.74.0).

Most of the pinned release's own kernels use it (`Noc noc; noc.async_read(src, cb, size, {.page_id = i}, {})`,
`CircularBuffer cb(id); cb.reserve_back(1)`), declared in `api/dataflow/noc.h`, `api/dataflow/circular_buffer.h`
and `api/dataflow/endpoints.h`. Each method resolves its source and destination the way the header's
`noc_traits_t<T>` specialisation does, then runs the same builtin as the free-function form, so every protocol
check of those applies unchanged.
"""

from __future__ import annotations

from typing import Any

from . import dataflow as df
from .api import API, DATAFLOW, DEVICE
from .checks import violation
from .cruntime import CppObject, Designated, wrap_u32
from .device import noc_xy_addr

NOC_H = "api/dataflow/noc.h"
CB_OBJ_H = "api/dataflow/circular_buffer.h"
ENDPOINTS_H = "api/dataflow/endpoints.h"

# Fields of each noc_traits_t<T> argument struct, in declaration order (a positional brace list fills them so).
_TENSOR_ARGS = ("page_id", "offset_bytes")  # api/tensor/noc_traits.h
_CB_ARGS = ("offset_bytes",)  # api/dataflow/circular_buffer.h
_ENDPOINT_ARGS = ("noc_x", "noc_y", "addr")  # api/dataflow/endpoints.h
_MCAST_ARGS = ("noc_x_start", "noc_y_start", "noc_x_end", "noc_y_end")  # dst_args_mcast_type


def _fields(args: Any, names: tuple[str, ...], what: str) -> list[int]:
    """The values of an argument struct given as `{.a = 1}`, `{1, 2}`, `{}` or omitted; unset fields are 0."""
    if args is None:
        return [0] * len(names)
    if isinstance(args, Designated):
        unknown = set(args.values) - set(names)
        if unknown:
            raise violation("noc-bounds", f"{what}: no field {', '.join(sorted(unknown))} "
                                          f"(the struct has {', '.join(names)})")
        return [wrap_u32(args.values.get(n, 0)) for n in names]
    if isinstance(args, list):
        if len(args) > len(names):
            raise violation("noc-bounds", f"{what}: {len(args)} values for the {len(names)} fields "
                                          f"({', '.join(names)})")
        return [wrap_u32(v) for v in args] + [0] * (len(names) - len(args))
    raise violation("noc-bounds", f"{what}: expected a brace list of ({', '.join(names)})")


class CircularBuffer(CppObject):
    """`CircularBuffer cb(cb_id)`: the CB calls as methods."""

    cpp_name = "CircularBuffer"
    cpp_methods = frozenset({"get_cb_id", "reserve_back", "push_back", "wait_front", "pop_front", "get_write_ptr",
                             "get_read_ptr", "get_tile_size", "pages_available_at_front",
                             "pages_reservable_at_back"})

    def __init__(self, cb_id: int):
        self.cb_id = wrap_u32(cb_id)

    def get_cb_id(self) -> int:
        return self.cb_id

    def reserve_back(self, num_pages) -> None:
        df.cb_reserve_back(self.cb_id, num_pages)

    def push_back(self, num_pages) -> None:
        df.cb_push_back(self.cb_id, num_pages)

    def wait_front(self, num_pages) -> None:
        df.cb_wait_front(self.cb_id, num_pages)

    def pop_front(self, num_pages) -> None:
        df.cb_pop_front(self.cb_id, num_pages)

    def get_write_ptr(self) -> int:
        return df.get_write_ptr(self.cb_id)

    def get_read_ptr(self) -> int:
        return df.get_read_ptr(self.cb_id)

    def get_tile_size(self) -> int:
        return df.get_tile_size(self.cb_id)

    def pages_available_at_front(self, num_pages) -> bool:
        return df.cb_pages_available_at_front(self.cb_id, num_pages)

    def pages_reservable_at_back(self, num_pages) -> bool:
        return df.cb_pages_reservable_at_back(self.cb_id, num_pages)


class DataflowBuffer(CircularBuffer):
    """`DataflowBuffer dfb(id)` (api/dataflow/dataflow_buffer.h): on Wormhole (tt-1xx) a CB under another name —
    internal/tt-1xx/dataflow_buffer.inl forwards each call to the CB it wraps (entries are pages), and a
    transfer reads it at its read pointer and fills it at its write pointer, as noc_traits_t<DataflowBuffer>."""

    cpp_name = "DataflowBuffer"
    cpp_methods = CircularBuffer.cpp_methods | frozenset({"get_id", "get_entry_size", "get_stride_size", "finish",
                                                          "write_barrier"})

    def get_id(self) -> int:
        return self.cb_id

    def get_entry_size(self) -> int:
        return df.local_cb(self.cb_id).page_size  # fifo_page_size

    get_stride_size = get_entry_size

    def finish(self) -> None:
        pass  # finish_impl is empty on tt-1xx

    def write_barrier(self, noc) -> None:
        noc.async_write_barrier()


class CircularBufferView(CppObject):
    """`use<CircularBuffer::AddrSelector::READ_PTR>(cb)`: a CB whose read (or write) pointer a transfer uses,
    whichever end of the transfer it is (noc_traits_t<CircularBufferView<AddrSel>>)."""

    cpp_name = "CircularBufferView"

    def __init__(self, cb: CircularBuffer, selector: str):
        self.cb, self.selector = cb, selector


_ADDR_SELECTORS = ("WRITE_PTR", "READ_PTR")
API.constants("CircularBuffer::AddrSelector", {name: name for name in _ADDR_SELECTORS}, groups={DATAFLOW},
              header=CB_OBJ_H)


@API.function("use", groups={DATAFLOW}, header=CB_OBJ_H, template_args=(1, 1))
def use(targs, cb):
    if targs[0] not in _ADDR_SELECTORS or not isinstance(cb, CircularBuffer):
        raise violation("noc-bounds", "use<CircularBuffer::AddrSelector::...>(cb) takes a selector and a CB")
    return CircularBufferView(cb, targs[0])


class MulticastEndpoint(CppObject):
    """`MulticastEndpoint{}`: a rectangle of cores, named by the multicast's destination arguments."""

    cpp_name = "MulticastEndpoint"
    cpp_methods = frozenset({"get_noc_multicast_addr"})

    def get_noc_multicast_addr(self, noc_x_start, noc_y_start, noc_x_end, noc_y_end, addr, noc=0) -> int:
        return df.get_noc_multicast_addr(noc_x_start, noc_y_start, noc_x_end, noc_y_end, addr, noc)


class UnicastEndpoint(CppObject):
    """`UnicastEndpoint{}`: a core's L1 named by the transfer's {noc_x, noc_y, addr} arguments."""

    cpp_name = "UnicastEndpoint"


def _address(obj, args, local: bool, role: str, what: str) -> int:
    """Where a transfer reads (`role` "source") or lands ("destination"): a NoC address, or a local L1 address
    when `local`. A CB is read at its read pointer and written at its write pointer."""
    if isinstance(obj, df.TensorAccessor) and not local:
        page_id, offset = _fields(args, _TENSOR_ARGS, what)
        return obj.get_noc_addr(page_id, offset)
    if isinstance(obj, CircularBuffer) and local:
        (offset,) = _fields(args, _CB_ARGS, what)
        pointer = df.get_read_ptr if role == "source" else df.get_write_ptr
        return pointer(obj.cb_id) + offset
    if isinstance(obj, CircularBufferView) and local:
        (offset,) = _fields(args, _CB_ARGS, what)
        pointer = df.get_read_ptr if obj.selector == "READ_PTR" else df.get_write_ptr
        return pointer(obj.cb.cb_id) + offset
    if isinstance(obj, UnicastEndpoint):
        x, y, addr = _fields(args, _ENDPOINT_ARGS, what)
        return addr if local else noc_xy_addr(x, y, addr)
    return _bad_endpoint(obj, role, local, what)


def _multicast_address(obj, args, noc: int, what: str) -> int:
    """Where a multicast lands (noc_traits_t<T>::dst_addr_mcast): a rectangle of cores and the address in each,
    `{.noc_x_start, .noc_y_start, .noc_x_end, .noc_y_end, .addr}` for a MulticastEndpoint, `.offset_bytes` past
    the write pointer for a CB (the same address on every core)."""
    if isinstance(obj, MulticastEndpoint):
        x0, y0, x1, y1, addr = _fields(args, _MCAST_ARGS + ("addr",), what)
        return df.get_noc_multicast_addr(x0, y0, x1, y1, addr, noc)
    if isinstance(obj, CircularBuffer):
        x0, y0, x1, y1, offset = _fields(args, _MCAST_ARGS + ("offset_bytes",), what)
        return df.get_noc_multicast_addr(x0, y0, x1, y1, df.get_write_ptr(obj.cb_id) + offset, noc)
    name = getattr(obj, "cpp_name", type(obj).__name__)
    raise violation("noc-bounds", f"{what}: a {name} cannot be a multicast destination (a MulticastEndpoint or a "
                                  "CB can)")


def _bad_endpoint(obj, role: str, local: bool, what: str) -> int:
    name = getattr(obj, "cpp_name", type(obj).__name__)
    where = "in this core's L1" if local else "reached over the NoC"
    raise violation("noc-bounds", f"{what}: a {name} cannot be the {role} here (it must be {where}; see the "
                                  f"noc_traits_t specialisations of the object API)")


class Noc(CppObject):
    """`Noc noc;` (`Noc(noc_id)`): NoC transfers and barriers as methods."""

    cpp_name = "Noc"
    cpp_methods = frozenset({"get_noc_id", "async_read", "async_write", "async_read_barrier", "async_write_barrier",
                             "async_writes_flushed", "async_full_barrier", "async_atomic_barrier",
                             "async_write_multicast"})

    def __init__(self, noc_id: int | None = None):
        self.noc_id = 0 if noc_id is None else wrap_u32(noc_id)

    def get_noc_id(self) -> int:
        return self.noc_id

    def async_read(self, src, dst, size_bytes, src_args=None, dst_args=None, noc_opts=None) -> None:
        what = "Noc::async_read"
        df.noc_async_read((), _address(src, src_args, False, "source", what),
                          _address(dst, dst_args, True, "destination", what), size_bytes)

    def async_write(self, src, dst, size_bytes, src_args=None, dst_args=None, noc_opts=None) -> None:
        what = "Noc::async_write"
        df.noc_async_write((), _address(src, src_args, True, "source", what),
                           _address(dst, dst_args, False, "destination", what), size_bytes)

    def async_write_multicast(self, src, dst, size_bytes, num_dsts, src_args=None, dst_args=None,
                              linked=False) -> None:
        what = "Noc::async_write_multicast"
        df.noc_async_write_multicast((), _address(src, src_args, True, "source", what),
                                     _multicast_address(dst, dst_args, self.noc_id, what), size_bytes, num_dsts,
                                     linked)

    def async_read_barrier(self, noc_opts=None) -> None:
        df.noc_async_read_barrier()

    def async_write_barrier(self, noc_opts=None) -> None:
        df.noc_async_write_barrier()

    def async_writes_flushed(self, noc_opts=None) -> None:
        df.noc_async_writes_flushed()

    def async_full_barrier(self, noc_opts=None) -> None:
        df.noc_async_full_barrier()

    def async_atomic_barrier(self, noc_opts=None) -> None:
        df.noc_async_atomic_barrier()


API.type("Noc", Noc, groups={DATAFLOW}, header=NOC_H, args=(0, 1))
API.type("CircularBuffer", CircularBuffer, groups=DEVICE, header=CB_OBJ_H, args=(1, 1))
API.type("UnicastEndpoint", UnicastEndpoint, groups={DATAFLOW}, header=ENDPOINTS_H, args=(0, 0))
API.type("MulticastEndpoint", MulticastEndpoint, groups={DATAFLOW}, header=ENDPOINTS_H, args=(0, 0))
API.type("DataflowBuffer", DataflowBuffer, groups=DEVICE, header="api/dataflow/dataflow_buffer.h", args=(1, 1))


# ----- Semaphore (api/dataflow/noc_semaphore.h) ----------------------------------------------------------------

NOC_SEMAPHORE_H = "api/dataflow/noc_semaphore.h"


class Semaphore(CppObject):
    """`Semaphore<> sem(id)`: this core's semaphore `id` with the header's methods, each built on the free
    functions (noc_semaphore_wait/set/inc, multicast set) so their checks apply."""

    cpp_name = "Semaphore"
    cpp_methods = frozenset({"up", "down", "wait", "wait_min", "set", "set_multicast"})

    def __init__(self, semaphore_id: int):
        self.address = df.get_semaphore((), semaphore_id)

    def _local(self) -> df.L1Pointer:
        return df.reinterpret_cast("volatile uint32_t*", self.address)

    def up(self, *args) -> None:
        """up(value): local += value; up(noc, x, y, value[, vc]): atomic increment of (x, y)'s copy."""
        if len(args) == 1:
            ptr = self._local()
            ptr.cpp_setitem(0, ptr.cpp_getitem(0) + int(args[0]))
            return
        if len(args) not in (4, 5) or not isinstance(args[0], Noc):
            raise violation("semaphore", "Semaphore::up takes (value) or (noc, noc_x, noc_y, value[, vc])")
        noc, x, y, value = args[:4]
        df.noc_semaphore_inc((), noc_xy_addr(x, y, self.address), value, noc.noc_id)

    def down(self, value: int) -> None:
        ptr = self._local()
        df.noc_semaphore_wait_min(ptr, value)
        ptr.cpp_setitem(0, ptr.cpp_getitem(0) - int(value))

    def wait(self, value: int) -> None:
        df.noc_semaphore_wait(self._local(), value)

    def wait_min(self, value: int) -> None:
        df.noc_semaphore_wait_min(self._local(), value)

    def set(self, value: int) -> None:
        df.noc_semaphore_set(self._local(), value)

    def set_multicast(self, noc: "Noc", x0: int, y0: int, x1: int, y1: int, num_dests: int, linked: bool = False):
        """Write this semaphore's value into the same semaphore of every core of the rectangle."""
        addr = df.get_noc_multicast_addr(x0, y0, x1, y1, self.address, noc.noc_id)
        df.noc_semaphore_set_multicast(self.address, addr, num_dests, linked, noc.noc_id)


def _semaphore(targs, semaphore_id):
    if targs and str(targs[0]) not in ("ProgrammableCoreType::TENSIX", "TENSIX"):
        raise violation("semaphore", f"Semaphore<{targs[0]}>: only Tensix semaphores are modelled")
    return Semaphore(semaphore_id)


API.type("Semaphore", _semaphore, groups={DATAFLOW}, header=NOC_SEMAPHORE_H, template_args=(0, 1))
