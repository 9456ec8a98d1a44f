"""Kernel-side API shared by data-movement and compute kernels: arguments, circular buffers, NoC transfers.

Signatures follow the ttnn 0.74.0 headers `api/dataflow/dataflow_api.h`, `api/compute/cb_api.h`,
`api/tensor/tensor_accessor.h` and `api/compile_time_args.h`; each builtin checks the protocol rules the
hardware silently relies on (see checks.py for the list).
"""

from __future__ import annotations

import sys

import numpy as np

from .. import arch
from . import context as ctx
from .api import API, DATAFLOW, DEVICE
from . import timing, trace
from .checks import Violation, cpp_frame_location, current_cpp_location, violation
from .cruntime import CppObject, CppRuntimeError, Dynamic, enum_value, wrap_u32
from .declared import NotModelled
from .device import POISON, NocTransfer, l1_bank_core, noc_xy_addr, split_noc_addr

DF_H = "api/dataflow/dataflow_api.h"
CB_H = "api/compute/cb_api.h and api/dataflow/dataflow_api.h"
ARGS_H = "api/compile_time_args.h"
TA_H = "api/tensor/tensor_accessor.h"

API.constants("tt::CBIndex", {f"c_{i}": i for i in range(arch.NUM_CIRCULAR_BUFFERS)}, groups=DEVICE | {"host"},
              header="tt-metalium/circular_buffer_constants.h")


# ----- arguments ----------------------------------------------------------------------------------------------

@API.function("get_arg_val", groups=DEVICE, header=DF_H, template_args=(1, 1))
def get_arg_val(targs, arg_idx):
    args = ctx.kernel().args
    if not 0 <= arg_idx < len(args):
        raise violation("runtime-args", f"get_arg_val({arg_idx}) but the host set {len(args)} runtime args for "
                                        f"{ctx.kernel().label}")
    return args[arg_idx]


def _rta_slot() -> str:
    spec = ctx.kernel().spec
    return "TRISC" if spec.kind == "compute" else (spec.processor or "RISCV_0")


@API.function("get_arg_addr", groups=DEVICE, header=DF_H)
def get_arg_addr(arg_idx):
    """The L1 address of runtime arg `arg_idx`: kernels read variable-length arg lists through a pointer to it."""
    return arch.RTA_BASE + arch.RTA_SLOTS.index(_rta_slot()) * arch.RTA_BLOCK_BYTES + 4 * int(arg_idx)


@API.function("get_common_arg_addr", groups=DEVICE, header=DF_H)
def get_common_arg_addr(arg_idx):
    return get_arg_addr(arch.MAX_RUNTIME_ARGS + int(arg_idx))


def read_runtime_arg_word(address: int) -> int:
    """A 32-bit read through a pointer into the runtime-arg blocks: the arg the host set (its own kernel's only)."""
    slot, common, word = arch.rta_word(address)
    if slot != _rta_slot():
        raise violation("runtime-args", f"read at 0x{address:x} of another processor's runtime args ({slot})")
    args = ctx.kernel().spec.common_args if common else ctx.kernel().args
    if word >= len(args):
        raise violation("runtime-args", f"runtime arg {word} read through a pointer, but the host set {len(args)} "
                                        f"{'common ' if common else ''}runtime args for {ctx.kernel().label}")
    return wrap_u32(args[word])


@API.function("get_common_arg_val", groups=DEVICE, header=DF_H, template_args=(1, 1))
def get_common_arg_val(targs, arg_idx):
    args = ctx.kernel().spec.common_args
    if not 0 <= arg_idx < len(args):
        raise violation("runtime-args", f"get_common_arg_val({arg_idx}) but the host set {len(args)} common args")
    return args[arg_idx]


@API.function("get_compile_time_arg_val", groups=DEVICE, header=ARGS_H)
def get_compile_time_arg_val(arg_idx):
    args = ctx.kernel().spec.compile_args
    if not 0 <= arg_idx < len(args):
        raise violation("runtime-args", f"get_compile_time_arg_val({arg_idx}) but the kernel was created with "
                                        f"{len(args)} compile-time args")
    return args[arg_idx]


@API.function("get_named_compile_time_arg_val", groups=DEVICE, header=ARGS_H)
def get_named_compile_time_arg_val(name):
    named = ctx.kernel().spec.named_compile_args
    if name not in named:
        known = ", ".join(sorted(named)) or "none"
        raise violation("runtime-args", f"get_named_compile_time_arg_val(\"{name}\") but the kernel was created "
                                        f"without that name (named compile-time args: {known})")
    return named[name]


# ----- TensorAccessor ----------------------------------------------------------------------------------------

_IS_SHARDED, _IS_DRAM = 1, 2


class DeviceAccessorArgs(CppObject):
    """`TensorAccessorArgs<CTA>()`: reads [config, aligned page size] from the compile-time args (ttnn 0.74.0)."""

    cpp_name = "TensorAccessorArgs"
    cpp_methods = frozenset({"next_compile_time_args_offset", "get_aligned_page_size"})

    def __init__(self, offset: int):
        self.offset = offset
        self.config = get_compile_time_arg_val(offset)
        if self.config & _IS_SHARDED:
            raise violation("runtime-args", "sharded TensorAccessorArgs are not supported by the interpreter yet")
        self.page_size = get_compile_time_arg_val(offset + 1)

    def next_compile_time_args_offset(self) -> int:
        return self.offset + 2

    def get_aligned_page_size(self) -> int:
        return self.page_size


@API.function("TensorAccessorArgs", groups=DEVICE, header="api/tensor/tensor_accessor_args.h", template_args=(1, 2))
def tensor_accessor_args(targs):
    if not isinstance(targs[0], int):
        raise CppRuntimeError(f"TensorAccessorArgs<{targs[0]}>: the offset must be a compile-time integer")
    return DeviceAccessorArgs(targs[0])


class TensorAccessor(CppObject):
    """An interleaved accessor: page id -> (bank, address) as InterleavedAddrGen computes it."""

    cpp_name = "TensorAccessor"
    cpp_methods = frozenset({"get_noc_addr", "get_aligned_page_size"})

    def __init__(self, args: DeviceAccessorArgs, bank_base_address: int | None = None, page_size: int | None = None):
        if bank_base_address is None:  # TensorAccessor(tensor::x): a Metal 2.0 binding token of the host's spec
            if not hasattr(args, "addr_crta_offset"):  # metal2.TensorBindingToken
                raise NotModelled(f"TensorAccessor({args!r}) with one argument ({TA_H})")
            # the token's TensorAccessorArgs sit at its CTA offset, its base address in its common runtime arg
            bank_base_address = get_common_arg_val(("uint32_t",), args.addr_crta_offset // 4)
            args = DeviceAccessorArgs(args.cta_offset)
        if not isinstance(args, DeviceAccessorArgs):
            raise violation("runtime-args", "TensorAccessor needs a TensorAccessorArgs as its first argument")
        self.is_dram = bool(args.config & _IS_DRAM)
        self.base = wrap_u32(bank_base_address)
        self.page_size = args.page_size if page_size is None else wrap_u32(page_size)
        alignment = arch.DRAM_ALIGNMENT if self.is_dram else arch.L1_ALIGNMENT
        self.aligned_page_size = -(-self.page_size // alignment) * alignment

    def get_aligned_page_size(self) -> int:
        return self.page_size

    def get_noc_addr(self, id, offset=0, noc=0) -> int:
        if not self.is_dram:  # an L1 bank per worker core, as the device's L1Buffer lays pages out
            grid = ctx.device().grid
            row, bank = divmod(id, grid[0] * grid[1])
            x, y = l1_bank_core(bank, grid)
            return noc_xy_addr(x + arch.VIRTUAL_TENSIX_START, y + arch.VIRTUAL_TENSIX_START,
                               row * self.aligned_page_size + self.base + offset)
        bank = id % arch.NUM_DRAM_BANKS
        address = (id // arch.NUM_DRAM_BANKS) * self.aligned_page_size + self.base + offset
        x, y = arch.DRAM_BANK_NOC_XY[bank]
        return noc_xy_addr(x, y, address)


API.type("TensorAccessor", TensorAccessor, groups=DEVICE, header=TA_H, args=(1, 3))


# internal/tt-1xx/wormhole/noc/noc_parameters.h: NOC_MAX_BURST_WORDS * NOC_WORD_BYTES (the RISC_A0_HW branch's 512
# is for A0 silicon, which the JIT build does not target)
API.constant("NOC_MAX_BURST_SIZE", 256 * 32, groups={DATAFLOW}, header="internal/tt-1xx/wormhole/noc/noc_parameters.h")


# ----- the legacy address generators (internal/dataflow/dataflow_api_addrgen.h) ------------------------------

ADDRGEN_H = "internal/dataflow/dataflow_api_addrgen.h"


def _tile_bytes(data_format: int) -> int:
    """MUL_WITH_TILE_SIZE<1024>(format, 1): a 32x32 tile's bytes by the device DataFormat (bfp8 the default)."""
    name = _FORMAT_BY_VALUE.get(int(data_format) & 0x1F, "")
    if name == "UInt8":
        return 1024
    if name in ("UInt16", "Float16", "Float16_b"):
        return 2048
    if name in ("Int32", "UInt32", "Float32"):
        return 4096
    if name in ("Bfp2", "Bfp2_b"):
        return 256 + 64
    if name in ("Bfp4", "Bfp4_b"):
        return 512 + 64
    return 1024 + 64


class InterleavedAddrGen(TensorAccessor):
    """`InterleavedAddrGen<DRAM>{.bank_base_address, .page_size}`: page p at bank p % banks, row p / banks of
    pages aligned to the allocator's alignment (32 B in DRAM, 16 B in L1)."""

    cpp_name = "InterleavedAddrGen"
    cpp_methods = frozenset({"get_noc_addr"})
    cpp_fields = frozenset({"bank_base_address", "page_size"})

    def __init__(self, targs, bank_base_address=0, page_size=0):
        self.is_dram = bool(targs[0])
        self.base, self.page_size = wrap_u32(bank_base_address), wrap_u32(page_size)
        self.bank_base_address = self.base
        alignment = arch.DRAM_ALIGNMENT if self.is_dram else arch.L1_ALIGNMENT
        self.aligned_page_size = -(-self.page_size // alignment) * alignment


class InterleavedAddrGenFast(InterleavedAddrGen):
    """`InterleavedAddrGenFast<DRAM>{.bank_base_address, .page_size, .data_format}`: rows are one tile of
    `data_format` apart (MUL_WITH_TILE_SIZE), whatever `page_size` says; a transfer moves `page_size` bytes."""

    cpp_name = "InterleavedAddrGenFast"
    cpp_fields = frozenset({"bank_base_address", "page_size", "data_format"})

    def __init__(self, targs, bank_base_address=0, page_size=0, data_format=0):
        super().__init__(targs, bank_base_address, page_size)
        self.data_format = data_format
        self.aligned_page_size = _tile_bytes(data_format)


for _cls in (InterleavedAddrGen, InterleavedAddrGenFast):
    API.type(_cls.cpp_name, _cls, groups={DATAFLOW}, header=ADDRGEN_H, template_args=(1, 1), designated=True,
             args=(0, 3))


# ----- NoC addressing ----------------------------------------------------------------------------------------

_DRAM_BANK_BY_XY = {xy: bank for bank, xy in enumerate(arch.DRAM_BANK_NOC_XY)}


@API.function("get_noc_addr", groups={DATAFLOW}, header=DF_H, args=(1, 4))
def get_noc_addr(a, b=None, c=None, d=None):
    """`get_noc_addr(x, y, addr[, noc])`, `get_noc_addr(id, addrgen[, offset, noc])`, or `get_noc_addr(addr[, noc])`:
    the calling core's own L1 `addr` as seen on the NoC (dataflow_api.h builds it from my_x/my_y)."""
    if b is None or (c is None and not isinstance(b, TensorAccessor) and b in (0, 1)):
        # the (addr, noc) overload, as C++ picks it for two integers; the NoC index does not change the address
        x, y = ctx.core().virtual_xy
        return noc_xy_addr(x, y, a)
    if isinstance(b, TensorAccessor):
        return b.get_noc_addr(a, c or 0)
    if c is None:
        raise violation("noc-bounds", "get_noc_addr(x, y, addr) needs three arguments")
    return noc_xy_addr(a, b, c)


@API.function("safe_get_noc_addr", groups={DATAFLOW}, header="fabric/hw/inc/noc_addr.h", args=(3, 4))
def safe_get_noc_addr(dest_noc_x, dest_noc_y, dest_bank_addr, noc_id=0):
    """get_noc_addr for virtual coordinates (x, y >= 16 on Wormhole); physical ones it would translate first,
    and the model has no physical coordinates."""
    if int(dest_noc_x) < 16 and int(dest_noc_y) < 16:
        raise violation("unmodelled", f"safe_get_noc_addr({int(dest_noc_x)}, {int(dest_noc_y)}, ...): physical NoC "
                                      "coordinates are not modelled (the model's cores are at virtual ones)")
    return get_noc_addr(dest_noc_x, dest_noc_y, dest_bank_addr, noc_id)


def _resolve(noc_addr: int, size: int, what: str, direction: str = ""):
    """A NoC address -> (memory, offset, core or None, DRAM bank or None): a DRAM page, or a worker core's L1.
    A DRAM access counts `size` bytes of `direction` ("read" or "write") traffic on its buffer."""
    x, y, address = split_noc_addr(noc_addr)
    bank = _DRAM_BANK_BY_XY.get((x, y))
    device = ctx.device()
    if bank is not None:
        buffer, page, offset = device.dram.locate(bank, address, size)
        if direction == "read":
            buffer.bytes_read += size
        elif direction == "write":
            buffer.bytes_written += size
        return buffer.data, page * buffer.aligned_page_size + offset, None, bank
    if x >= arch.VIRTUAL_TENSIX_START and y >= arch.VIRTUAL_TENSIX_START:
        core = device.core_at_virtual(x, y)
        core.check_l1(address, size, what)
        return core.l1, address, core, None
    raise violation("noc-bounds", f"NoC address (x={x}, y={y}, 0x{address:x}) is neither a DRAM bank nor a worker core")


def _xy(core) -> tuple[int, int] | None:
    return None if core is None else (core.x, core.y)


def _warn(check: str, message: str) -> None:
    """A finding that does not fail the run, kept on the running program once per C++ line."""
    location = cpp_frame_location(sys._getframe(1))
    program = ctx.kernel().program
    if all(w.location != location or w.check != check for w in program.warnings):
        program.warnings.append(Violation(check, message, location))


def _check_remote_landing(core, address: int, size: int, what: str) -> None:
    """Bytes written into another core's CB must not clobber pages its consumer has yet to pop. Pages the
    receiver has not reserved are plain L1 to the hardware, and only the kernels' semaphore protocol says whether
    they are free for good: that is a warning (once per line), not a violation."""
    cb = core.cb_at(address, size)
    if cb is None:
        return
    conflict = cb.write_conflict(address, size, ctx.thread(), local=False)
    if conflict is not None:
        raise violation("cb-protocol", f"{what} into CB {cb.name} of {core.label} at 0x{address:x}: {conflict}")
    if not cb.in_reserved(address, size):
        _warn("cb-protocol", f"{what} into CB {cb.name} of {core.label} at 0x{address:x} lands outside the "
                            f"{cb.reserved} page(s) reserved there: safe only if a semaphore says the receiver "
                            "is done with them")


def _check_landing_zone(address: int, size: int) -> None:
    """A read into a CB may fill this thread's own pages or free ones, not pages another kernel holds."""
    core = ctx.core()
    core.check_l1(address, size, "NoC read destination")
    cb = core.cb_at(address, size)
    conflict = cb.write_conflict(address, size, ctx.thread(), local=True) if cb is not None else None
    if conflict is not None:
        raise violation("cb-protocol", f"NoC read into CB {cb.name} at 0x{address:x}: {conflict}")


def _check_source(src_l1: int, size: int, what: str) -> None:
    """Bytes sent from a CB must come from a window this thread waited for (or reserved and filled)."""
    core = ctx.core()
    core.check_l1(src_l1, size, f"{what} source")
    cb = core.cb_at(src_l1, size)
    me = ctx.thread()
    if cb is not None and not ((cb.consumer is me and cb.in_waited(src_l1, size))
                               or (cb.producer is me and cb.in_reserved(src_l1, size))):
        raise violation("cb-protocol", f"{what} from CB {cb.name} at 0x{src_l1:x} is outside the "
                                       f"{cb.waited} page(s) waited for with cb_wait_front")
    pending = core.pending_into(src_l1, src_l1 + size)
    if pending is not None:
        raise violation("race", f"{what} sends L1 0x{src_l1:x} while the NoC transfer issued at "
                                f"{pending.issued_at} into it has not completed (missing barrier)")


def _track(transfer: NocTransfer) -> None:
    for core in set(transfer.cores()):
        core.in_flight.append(transfer)
    ctx.thread().in_flight.append(transfer)


def _issue_read(src_noc_addr: int, dst_l1: int, size: int) -> None:
    if size <= 0:
        raise violation("noc-bounds", f"NoC read of {size} bytes")
    if src_noc_addr % 16 != dst_l1 % 16:
        raise violation("noc-alignment", f"NoC read source 0x{src_noc_addr & 0xF_FFFF_FFFF:x} and destination "
                                         f"0x{dst_l1:x} differ in alignment modulo 16")
    memory, start, src_core, bank = _resolve(src_noc_addr, size, "NoC read source", "read")
    if src_core is not None and src_core.pending_into(start, start + size):
        raise violation("race", f"NoC read from {src_core.label} 0x{start:x} while data is still arriving there")
    _check_landing_zone(dst_l1, size)
    core = ctx.core()
    transfer = NocTransfer("read", current_cpp_location(), size, [(core.l1, dst_l1, core)],
                           payload=memory[start:start + size].copy())
    core.l1[dst_l1:dst_l1 + size] = POISON
    timing.charge(timing.COSTS.noc_issue, "noc read")
    transfer.done_at = ctx.device().resources.transfer(
        timing.now(), size, bank, _xy(src_core), [], [(core.x, core.y)])
    _track(transfer)


def _issue_write(src_l1: int, dst_noc_addr: int, size: int) -> None:
    if size <= 0:
        raise violation("noc-bounds", f"NoC write of {size} bytes")
    _check_source(src_l1, size, "NoC write")
    memory, start, dst_core, bank = _resolve(dst_noc_addr, size, "NoC write destination", "write")
    if dst_core is not None:
        _check_remote_landing(dst_core, start, size, "NoC write")
    transfer = NocTransfer("write", current_cpp_location(), size, [(memory, start, dst_core)], src_core=ctx.core(),
                           src_addr=src_l1)
    timing.charge(timing.COSTS.noc_issue, "noc write")
    transfer.done_at = ctx.device().resources.transfer(
        timing.now(), size, None, _xy(ctx.core()), [] if bank is None else [bank],
        [] if dst_core is None else [(dst_core.x, dst_core.y)])
    _track(transfer)


def _accessor(addrgen) -> TensorAccessor:
    if not isinstance(addrgen, TensorAccessor):
        raise violation("runtime-args", "the address generator argument is not a TensorAccessor")
    return addrgen


@API.function("noc_async_read_page", groups={DATAFLOW}, header=DF_H, template_args=(0, 2))
def noc_async_read_page(targs, id, addrgen, dst_local_l1_addr, offset=0, noc=0):
    acc = _accessor(addrgen)
    _issue_read(acc.get_noc_addr(wrap_u32(id), offset), wrap_u32(dst_local_l1_addr), acc.page_size)


@API.function("noc_async_write_page", groups={DATAFLOW}, header=DF_H, template_args=(0, 3))
def noc_async_write_page(targs, id, addrgen, src_local_l1_addr, size=0, offset=0, noc=0):
    acc = _accessor(addrgen)
    _issue_write(wrap_u32(src_local_l1_addr), acc.get_noc_addr(wrap_u32(id), offset), size or acc.page_size)


@API.function("noc_async_read_tile", groups={DATAFLOW}, header=DF_H, template_args=(0, 2),
              deprecated="use noc_async_read_page")
def noc_async_read_tile(targs, id, addrgen, dst_local_l1_addr, offset=0, noc=0):
    noc_async_read_page(targs, id, addrgen, dst_local_l1_addr, offset, noc)


@API.function("noc_async_write_tile", groups={DATAFLOW}, header=DF_H, template_args=(0, 2),
              deprecated="use noc_async_write_page")
def noc_async_write_tile(targs, id, addrgen, src_local_l1_addr, noc=0):
    noc_async_write_page(targs, id, addrgen, src_local_l1_addr, 0, 0, noc)


@API.function("noc_async_read", groups={DATAFLOW}, header=DF_H, template_args=(0, 2))
def noc_async_read(targs, src_noc_addr, dst_local_l1_addr, size, noc=0, read_req_vc=0):
    _issue_read(src_noc_addr, wrap_u32(dst_local_l1_addr), wrap_u32(size))


@API.function("noc_async_write", groups={DATAFLOW}, header=DF_H, template_args=(0, 3))
def noc_async_write(targs, src_local_l1_addr, dst_noc_addr, size, noc=0, vc=0):
    _issue_write(wrap_u32(src_local_l1_addr), dst_noc_addr, wrap_u32(size))


def _retire(kinds: tuple[str, ...], reason: str | None = None) -> float:
    """Complete this thread's transfers of the given kinds, in issue order; returns when the last of them
    completes in modelled time. With `reason` (a barrier), the thread waits until then."""
    t = ctx.thread()
    keep = []
    done = t.clock
    for transfer in t.in_flight:
        if transfer.kind in kinds:
            transfer.complete()
            done = max(done, transfer.done_at)
        else:
            keep.append(transfer)
    t.in_flight = keep
    if reason is not None:
        timing.wait_until(done, reason)
    return done


@API.function("noc_async_read_barrier", groups={DATAFLOW}, header=DF_H)
def noc_async_read_barrier(noc=0):
    _retire(("read",), "noc_async_read_barrier")


@API.function("noc_async_write_barrier", groups={DATAFLOW}, header=DF_H)
def noc_async_write_barrier(noc=0):
    _retire(("write",), "noc_async_write_barrier")


@API.function("noc_async_writes_flushed", groups={DATAFLOW}, header=DF_H)
def noc_async_writes_flushed(noc=0):
    _retire(("write",), "noc_async_writes_flushed")


@API.function("noc_async_full_barrier", groups={DATAFLOW}, header=DF_H)
def noc_async_full_barrier(noc_idx=0):
    _retire(("read", "write"), "noc_async_full_barrier")


# ----- circular buffers --------------------------------------------------------------------------------------

def _cb(cb_id):
    return ctx.core().cb(cb_id)


local_cb = _cb  # the running core's CB (what get_local_cb_interface reads), for the object API


def _pages(cb, num_pages, call: str) -> int:
    n = int(num_pages)
    if n > cb.num_pages:
        raise violation("cb-protocol", f"{call}({cb.name}, {n}) can never succeed: the CB holds {cb.num_pages} pages")
    if n < 0:
        raise violation("cb-protocol", f"{call}({cb.name}, {n}): negative page count")
    return n


def _reserve_time(cb, n: int) -> None:
    timing.charge(timing.COSTS.cb_call, "cb")
    free = cb.back_free_at(n)
    if free > timing.now():
        timing.wait_until(free, f"cb_reserve_back {cb.name}")


def _cb_call_time() -> float:
    timing.charge(timing.COSTS.cb_call, "cb")
    return timing.now()


@API.function("cb_reserve_back", groups=DEVICE, header=CB_H)
def cb_reserve_back(cbid, ntiles):
    cb = _cb(cbid)
    n = _pages(cb, ntiles, "cb_reserve_back")
    if cb.wr + n > cb.num_pages:
        raise violation("cb-config", f"cb_reserve_back({cb.name}, {n}) at page {cb.wr} wraps past the end of the "
                                     f"{cb.num_pages}-page CB: size the CB as a multiple of the reservation")
    if cb.free() < n:  # (checked first: most calls need not build the wait)
        ctx.block(ctx.Wait(lambda: cb.free() >= n, lambda: f"cb_reserve_back({cb.name}, {n}): {cb.free()} of {n} "
                                                            f"pages free ({cb.describe()})"))
    timing.on_packer(_reserve_time, cb, n)  # in a compute kernel the packer fills CBs
    # "a polling operation that does not advance any CB pointer" (dataflow_api.h): reserve(4) then reserve(2)
    # still leaves the 4 pages free for this producer
    cb.reserved = max(cb.reserved, n) if cb.producer is ctx.thread() else n
    cb.producer = ctx.thread()


@API.function("cb_push_back", groups=DEVICE, header=CB_H)
def cb_push_back(cbid, ntiles):
    cb = _cb(cbid)
    n = _pages(cb, ntiles, "cb_push_back")
    if n > cb.reserved:
        raise violation("cb-protocol", f"cb_push_back({cb.name}, {n}) without a matching cb_reserve_back "
                                       f"({cb.reserved} page(s) reserved)")
    core = ctx.core()
    for start, end in cb.byte_range(cb.wr, n):
        pending = core.pending_into(start, end)
        if pending is not None:
            raise violation("race", f"cb_push_back({cb.name}) publishes a page whose NoC read issued at "
                                    f"{pending.issued_at} has not completed (missing noc_async_read_barrier?)")
    pushed = timing.on_packer(_cb_call_time)
    cb.ready_at[cb.wr:cb.wr + n] = [pushed] * n
    cb.wr = (cb.wr + n) % cb.num_pages
    cb.filled += n
    if trace.ACTIVE is not None:
        trace.ACTIVE.occupancy(ctx.core(), cb, pushed)
    cb.reserved -= n
    cb.packed = 0


@API.function("cb_wait_front", groups=DEVICE, header=CB_H)
def cb_wait_front(cbid, ntiles):
    cb = _cb(cbid)
    n = _pages(cb, ntiles, "cb_wait_front")
    if cb.rd + n > cb.num_pages:
        raise violation("cb-config", f"cb_wait_front({cb.name}, {n}) at page {cb.rd} wraps past the end of the "
                                     f"{cb.num_pages}-page CB: size the CB as a multiple of the wait")
    if cb.filled < n:
        ctx.block(ctx.Wait(lambda: cb.filled >= n, lambda: f"cb_wait_front({cb.name}, {n}): {cb.filled} of {n} "
                                                            f"pages available ({cb.describe()})"))
    timing.charge(timing.COSTS.cb_call, "cb")
    ready = cb.front_ready_at(n)
    if ready > timing.now():
        timing.wait_until(ready, f"cb_wait_front {cb.name}")
    cb.waited = max(cb.waited, n)
    cb.consumer = ctx.thread()


@API.function("cb_pop_front", groups=DEVICE, header=CB_H)
def cb_pop_front(cbid, ntiles):
    cb = _cb(cbid)
    n = _pages(cb, ntiles, "cb_pop_front")
    if n > cb.waited:
        raise violation("cb-protocol", f"cb_pop_front({cb.name}, {n}) pops more than the {cb.waited} page(s) "
                                       f"waited for with cb_wait_front")
    core = ctx.core()
    for start, end in cb.byte_range(cb.rd, n):
        pending = core.pending_out_of(start, end)
        if pending is not None:
            raise violation("race", f"cb_pop_front({cb.name}) frees a page that the NoC write issued at "
                                    f"{pending.issued_at} is still sending (missing noc_async_write_barrier?)")
    timing.charge(timing.COSTS.cb_call, "cb")
    cb.free_at[cb.rd:cb.rd + n] = [timing.now()] * n
    cb.rd = (cb.rd + n) % cb.num_pages
    cb.filled -= n
    if trace.ACTIVE is not None:
        trace.ACTIVE.occupancy(ctx.core(), cb, timing.now())
    cb.waited -= n


@API.function("get_write_ptr", groups={DATAFLOW}, header=DF_H)
def get_write_ptr(operand):
    cb = _cb(operand)
    return cb.page_address(cb.wr)


@API.function("get_read_ptr", groups={DATAFLOW}, header=DF_H)
def get_read_ptr(operand):
    cb = _cb(operand)
    return cb.page_address(cb.rd)


class LocalCBInterface(CppObject):
    """`get_local_cb_interface(cb)` (internal/circular_buffer_interface.h), read-only: the CB's fifo registers as
    the firmware keeps them, in bytes on the data-movement cores and in 16-byte words on the TRISCs (cb_api.h's
    get_tile_l1_byte_address shifts them left by 4). Writing them (kernels that move a CB by hand) is refused."""

    cpp_name = "LocalCBInterface"
    cpp_fields = frozenset({"fifo_size", "fifo_limit", "fifo_page_size", "fifo_num_pages", "fifo_rd_ptr",
                            "fifo_wr_ptr"})

    def __init__(self, cb, unit: int):
        object.__setattr__(self, "_cb", cb)
        object.__setattr__(self, "_unit", unit)

    def __setattr__(self, name: str, value) -> None:
        raise violation("unmodelled", f"writing {name} of CB {self._cb.name}'s interface (moving a CB by hand) is "
                                      "not modelled")

    fifo_size = property(lambda self: self._cb.size // self._unit)
    fifo_limit = property(lambda self: (self._cb.base + self._cb.size) // self._unit)
    fifo_page_size = property(lambda self: self._cb.page_size // self._unit)
    fifo_num_pages = property(lambda self: self._cb.num_pages)
    fifo_rd_ptr = property(lambda self: self._cb.page_address(self._cb.rd) // self._unit)
    fifo_wr_ptr = property(lambda self: self._cb.page_address(self._cb.wr) // self._unit)


@API.function("get_local_cb_interface", groups=DEVICE, header="internal/circular_buffer_interface.h")
def get_local_cb_interface(cb_id):
    return LocalCBInterface(_cb(cb_id), 1 if ctx.kernel().spec.kind == DATAFLOW else 16)


@API.function("get_tile_size", groups={DATAFLOW}, header=DF_H)
def get_tile_size(operand):
    return _cb(operand).fmt.tile_bytes


# The device-side DataFormat enum (internal/tt-1xx/wormhole/wormhole_b0_defines/tensix_types.h), unscoped by
# namespace: kernels compare get_dataformat(cb) with DataFormat::Float32 and the like.
TENSIX_TYPES_H = "internal/tt-1xx/wormhole/wormhole_b0_defines/tensix_types.h"
DEVICE_DATA_FORMATS = {"Float32": 0, "Float16": 1, "Bfp8": 2, "Bfp4": 3, "Tf32": 4, "Float16_b": 5, "Bfp8_b": 6,
                       "Bfp4_b": 7, "Int32": 8, "UInt16": 9, "Lf8": 10, "Bfp2": 11, "Int8": 14, "Bfp2_b": 15,
                       "UInt32": 24, "Fp8_e4m3": 26, "UInt8": 30, "Invalid": 0xFF}
_FORMAT_BY_VALUE = {value: name for name, value in DEVICE_DATA_FORMATS.items()}
API.constants("DataFormat", DEVICE_DATA_FORMATS, groups=DEVICE, header=TENSIX_TYPES_H)


API.type("DataFormat", enum_value, groups=DEVICE, header=TENSIX_TYPES_H)


@API.function("get_dataformat", groups={DATAFLOW}, header=DF_H)
def get_dataformat(operand):
    """The DataFormat enumerator (an integer on the device) of a CB's data."""
    return DEVICE_DATA_FORMATS[_cb(operand).fmt.metal_name]


class _DescriptorArray(CppObject):
    """One of the per-CB arrays the JIT writes into chlkc_descriptors.h (`unpack_src_format[cb]`,
    `pack_tile_size[cb]`...), read from the running core's CB configuration. Data-movement builds have them too:
    dataflow_api.h's get_tile_size / get_tile_hw and dataflow_buffer.h read them."""

    def __init__(self, name: str, read):
        self.cpp_name, self._read = name, read

    def cpp_getitem(self, index: int):
        return self._read(_cb(index))


_DESCRIPTORS = {
    **{name: lambda cb: DEVICE_DATA_FORMATS[cb.fmt.metal_name]
       for name in ("unpack_src_format", "unpack_dst_format", "pack_src_format", "pack_dst_format")},
    **{name: lambda cb: cb.fmt.tile_bytes for name in ("unpack_tile_size", "pack_tile_size")},
    **{name: lambda cb: 4 for name in ("unpack_tile_num_faces", "pack_tile_num_faces")},
    **{name: lambda cb: 16 for name in ("unpack_tile_face_r_dim", "pack_tile_face_r_dim")},
    **{name: lambda cb: 32 for name in ("unpack_tile_r_dim", "unpack_tile_c_dim", "pack_tile_r_dim",
                                        "pack_tile_c_dim")},
}
for _name, _read in _DESCRIPTORS.items():
    API.constant(_name, _DescriptorArray(_name, _read), groups=DEVICE,
                 header="chlkc_descriptors.h (written by the JIT build)")


@API.function("get_tile_hw", groups={DATAFLOW}, header=DF_H)
def get_tile_hw(operand):
    """unpack_tile_r_dim[cb] * unpack_tile_c_dim[cb]: the elements of one of the CB's tiles."""
    cb = _cb(operand)
    return _DESCRIPTORS["unpack_tile_r_dim"](cb) * _DESCRIPTORS["unpack_tile_c_dim"](cb)


@API.function("get_tile_num_faces", groups={DATAFLOW}, header=DF_H)
def get_tile_num_faces(operand):
    return _DESCRIPTORS["unpack_tile_num_faces"](_cb(operand))


class _CoreCoordinate(CppObject):
    """`my_x[noc]` / `my_y[noc]` (risc_common.h): this core's NoC coordinates; with virtual coordinates both NoCs
    see the same ones."""

    cpp_name = "uint8_t[NUM_NOCS]"

    def __init__(self, axis: int):
        self.axis = axis

    def cpp_getitem(self, noc: int) -> int:
        if noc not in (0, 1):
            raise CppRuntimeError(f"NoC index {noc} out of range (NUM_NOCS is 2)")
        return ctx.core().virtual_xy[self.axis]


API.constant("noc_index", Dynamic(lambda: ctx.kernel().spec.noc, "noc_index"), groups={DATAFLOW},
             header="api/dataflow/dataflow_api.h")
API.constant("NOC_INDEX", Dynamic(lambda: ctx.kernel().spec.noc, "NOC_INDEX"), groups={DATAFLOW},
             header="-DNOC_INDEX (the JIT build's define of the kernel's NoC)")
API.constant("my_x", _CoreCoordinate(0), groups={DATAFLOW}, header="internal/tt-1xx/risc_common.h")
API.constant("my_y", _CoreCoordinate(1), groups={DATAFLOW}, header="internal/tt-1xx/risc_common.h")


@API.function("cb_pages_available_at_front", groups={DATAFLOW}, header=DF_H)
def cb_pages_available_at_front(operand, num_pages):
    """Whether the pages are there *now*: pushed already in the interpreter and, in modelled time, no later
    than this thread's clock (a page pushed at a later modelled time is not visible yet)."""
    cb, n = _cb(operand), int(num_pages)
    timing.charge(timing.COSTS.cb_call)
    return cb.filled >= n and cb.front_ready_at(n) <= timing.now()


@API.function("cb_pages_reservable_at_back", groups={DATAFLOW}, header=DF_H)
def cb_pages_reservable_at_back(operand, num_pages):
    cb, n = _cb(operand), int(num_pages)
    timing.charge(timing.COSTS.cb_call)
    return cb.free() >= n and cb.back_free_at(n) <= timing.now()



# ----- L1 pointers --------------------------------------------------------------------------------------------

_POINTEE = {"uint32_t": (4, "<u4"), "int32_t": (4, "<i4"), "uint16_t": (2, "<u2"), "uint8_t": (1, "u1"), "float": (4, "<f4"),
            "std::uint32_t": (4, "<u4"), "std::uint16_t": (2, "<u2"), "std::uint8_t": (1, "u1")}


class L1Pointer(CppObject):
    """`volatile tt_l1_ptr T*` into this core's L1: every access is checked like a NoC access would be."""

    cpp_name = "L1 pointer"

    def __init__(self, core, address: int, pointee: str):
        self.core = core
        self.address = address
        self.pointee = pointee
        self.width, self.dtype = _POINTEE[pointee]
        self.origin = core.cb_at(address, 1)  # the CB it points into (pointer arithmetic stays inside it)

    def _range(self, index: int, write: bool) -> tuple[int, int]:
        address = self.address + index * self.width
        cb = self.origin
        if cb is not None:
            # The checks below depend only on the page and the CB's windows: a page access already verified
            # under the same CB state by the same thread needs only the in-flight transfer checks again.
            offset = address - cb.base
            page, within = divmod(offset, cb.page_size)
            if 0 <= offset and page < cb.num_pages and within + self.width <= cb.page_size:
                key = (page, write, id(ctx.thread()), cb.rd, cb.wr, cb.filled, cb.reserved, cb.waited,
                       id(cb.producer), id(cb.consumer))
                verified = cb.verified_accesses
                if key in verified:
                    if self.core.in_flight:
                        self._check_landing(address)
                        if write:
                            self._check_sending(address)
                    return address, address + self.width
                result = self._checked_range(address, write)
                if len(verified) > 4096:
                    verified.clear()
                verified.add(key)
                return result
        return self._checked_range(address, write)

    def _check_landing(self, address: int) -> None:
        pending = self.core.pending_into(address, address + self.width)
        if pending is not None:
            raise violation("race", f"L1 0x{address:x} accessed while the NoC transfer issued at "
                                    f"{pending.issued_at} into it has not completed (missing barrier)")

    def _check_sending(self, address: int) -> None:
        if self.core.pending_out_of(address, address + self.width):
            raise violation("race", f"L1 0x{address:x} overwritten while a NoC write is still sending it")

    def _checked_range(self, address: int, write: bool) -> tuple[int, int]:
        self.core.check_l1(address, self.width, "L1 pointer access")
        self._check_landing(address)
        cb = self.core.cb_at(address, self.width)
        if cb is None and not arch.in_semaphores(address) and ctx.device().l1_buffer_at(address, self.width) is None:
            # Kernels own L1 through CBs, semaphores and L1 buffers: anything else is no allocation's memory.
            raise violation("noc-bounds", f"pointer {'write' if write else 'read'} at 0x{address:x} lies in no CB, "
                                          "no L1 buffer and no semaphore")
        if self.origin is not None and cb is not self.origin:
            into = f"CB {cb.name}" if cb is not None else "memory outside it"
            raise violation("cb-protocol", f"pointer {'write' if write else 'read'} at 0x{address:x} runs past the "
                                           f"end of CB {self.origin.name} it points into (into {into})")
        me = ctx.thread()
        if cb is not None and write:
            conflict = cb.write_conflict(address, self.width, me, local=True)
            if conflict is not None:
                raise violation("cb-protocol", f"pointer write at 0x{address:x} in CB {cb.name}: {conflict}")
        elif cb is not None and not ((cb.producer is me and cb.in_reserved(address, self.width))
                                     or (cb.consumer is me and cb.in_waited(address, self.width))):
            # get_read_ptr "is only valid between calls to cb_wait_front and cb_pop_front" (dataflow_api.h)
            raise violation("cb-protocol", f"pointer read at 0x{address:x} in CB {cb.name} outside the pages this "
                                           "kernel reserved or waited for")
        if write:
            self._check_sending(address)
        return address, address + self.width

    def cpp_getitem(self, index: int) -> int | float:
        address = self.address + index * self.width
        if self.origin is None and arch.rta_word(address) is not None and self.width == 4 and \
                self.pointee != "float":
            return read_runtime_arg_word(address)
        lo, hi = self._range(index, write=False)
        if lo % self.width == 0:
            value = self.core.l1_view(self.dtype)[lo // self.width]
        else:
            value = self.core.l1[lo:hi].view(self.dtype)[0]
        return float(value) if self.pointee == "float" else int(value)

    def cpp_setitem(self, index: int, value) -> None:
        lo, hi = self._range(index, write=True)
        if self.origin is None and arch.in_semaphores(lo):
            self.core.sem_time[lo] = ctx.thread().clock
        stored = value if self.pointee == "float" else int(value) & ((1 << (8 * self.width)) - 1)
        if lo % self.width == 0:
            self.core.l1_view(self.dtype)[lo // self.width] = stored
        else:
            self.core.l1[lo:hi] = np.array([stored], dtype=self.dtype).view(np.uint8)

    def cpp_deref(self) -> int:
        return self.cpp_getitem(0)

    def __add__(self, n):
        moved = L1Pointer(self.core, self.address + int(n) * self.width, self.pointee)
        moved.origin = self.origin  # still a pointer into the same CB
        return moved


@API.function("reinterpret_cast", groups=DEVICE, header="(C++)")
def reinterpret_cast(type_text, value):
    """`reinterpret_cast<volatile tt_l1_ptr T*>(address)`: the only pointer a kernel makes from an address."""
    pointee = type_text.replace("volatile", "").replace("*", "").replace("const", "").strip()
    if not type_text.rstrip().endswith("*") or pointee not in _POINTEE:
        raise violation("cpp-fault", f"reinterpret_cast<{type_text}>: only pointers to unsigned integers in L1 are "
                                     "modelled")
    if isinstance(value, L1Pointer):
        value = value.address
    return L1Pointer(ctx.core(), wrap_u32(value), pointee)


# ----- semaphores ---------------------------------------------------------------------------------------------

@API.function("get_semaphore", groups={DATAFLOW}, header=DF_H, template_args=(0, 1))
def get_semaphore(targs, semaphore_id):
    core = ctx.core()
    if int(semaphore_id) not in core.semaphores:
        raise violation("semaphore", f"semaphore {int(semaphore_id)} was not created on {core.label} "
                                     f"(created: {sorted(core.semaphores) or 'none'})")
    return arch.SEMAPHORE_BASE + int(semaphore_id) * arch.L1_ALIGNMENT


def _sem_pointer(ptr) -> L1Pointer:
    if isinstance(ptr, L1Pointer):
        return ptr
    raise violation("semaphore", "semaphore calls take a volatile tt_l1_ptr uint32_t* (from get_semaphore)")


@API.function("noc_semaphore_wait", groups={DATAFLOW}, header=DF_H)
def noc_semaphore_wait(sem_addr, val):
    ptr = _sem_pointer(sem_addr)
    ctx.block(ctx.Wait(lambda: ptr.cpp_getitem(0) == wrap_u32(val),
                       lambda: f"noc_semaphore_wait(0x{ptr.address:x}, {val}): value is {ptr.cpp_getitem(0)}"))
    timing.wait_until(ptr.core.sem_time.get(ptr.address, 0.0), "noc_semaphore_wait")


@API.function("noc_semaphore_wait_min", groups={DATAFLOW}, header=DF_H)
def noc_semaphore_wait_min(sem_addr, val):
    ptr = _sem_pointer(sem_addr)
    ctx.block(ctx.Wait(lambda: ptr.cpp_getitem(0) >= wrap_u32(val),
                       lambda: f"noc_semaphore_wait_min(0x{ptr.address:x}, {val}): value is {ptr.cpp_getitem(0)}"))
    timing.wait_until(ptr.core.sem_time.get(ptr.address, 0.0), "noc_semaphore_wait_min")


@API.function("noc_semaphore_set", groups={DATAFLOW}, header=DF_H)
def noc_semaphore_set(sem_addr, val):
    _sem_pointer(sem_addr).cpp_setitem(0, val)


@API.function("noc_semaphore_inc", groups={DATAFLOW}, header=DF_H, template_args=(0, 1))
def noc_semaphore_inc(targs, addr, incr, noc_id=0, vc=0):
    """Remote atomic add on a semaphore word (lands at once: the model has no atomic reordering)."""
    memory, offset, core, _ = _resolve(addr, 4, "noc_semaphore_inc")
    if core is None or not arch.in_semaphores(offset):
        raise violation("semaphore", f"noc_semaphore_inc on 0x{offset:x}, which is not a semaphore")
    word = memory[offset:offset + 4].view("<u4")
    word[0] = (int(word[0]) + int(incr)) & 0xFFFF_FFFF
    timing.charge(timing.COSTS.noc_issue)
    core.sem_time[offset] = max(core.sem_time.get(offset, 0.0), timing.now() + timing.COSTS.noc_latency)


@API.function("noc_async_atomic_barrier", groups={DATAFLOW}, header=DF_H)
def noc_async_atomic_barrier(noc_idx=0):
    return None


# ----- multicast ----------------------------------------------------------------------------------------------

_MCAST_START_X, _MCAST_START_Y = 48, 54


@API.function("get_noc_multicast_addr", groups={DATAFLOW}, header="internal/dataflow/dataflow_api_addrgen.h")
def get_noc_multicast_addr(noc_x_start, noc_y_start, noc_x_end, noc_y_end, addr, noc=0):
    return ((int(noc_x_start) << _MCAST_START_X) | (int(noc_y_start) << _MCAST_START_Y)
            | noc_xy_addr(int(noc_x_end), int(noc_y_end), wrap_u32(addr)))


def _mcast_cores(mcast_addr: int, num_dests, loopback: bool, what: str):
    """The destination cores of a multicast, checked against the grid and against num_dests."""
    xe, ye, address = split_noc_addr(mcast_addr)
    xs, ys = (mcast_addr >> _MCAST_START_X) & 0x3F, (mcast_addr >> _MCAST_START_Y) & 0x3F
    if xs > xe or ys > ye:
        raise violation("noc-bounds", f"{what} rectangle ({xs},{ys})-({xe},{ye}) has its start after its end")
    device, me = ctx.device(), ctx.core()
    cores = [device.core_at_virtual(x, y) for y in range(ys, ye + 1) for x in range(xs, xe + 1)]
    targets = [c for c in cores if loopback or c is not me]
    if int(num_dests) != len(targets):
        raise violation("noc-bounds", f"{what} to ({xs},{ys})-({xe},{ye}) reaches {len(targets)} core(s) "
                                      f"{'including' if loopback else 'besides'} the sender, but num_dests is "
                                      f"{int(num_dests)}")
    if not targets:
        raise violation("noc-bounds", f"{what} has no destination besides the sender")
    running = ctx.kernel().program.cores()
    for c in targets:
        if (c.x, c.y) not in running:
            raise violation("noc-bounds", f"{what} reaches {c.label}, which runs no kernel of this program")
    return targets, address


def _multicast(src_local_l1_addr, dst_noc_addr_multicast, size, num_dests, loopback: bool, what: str) -> None:
    src, size = wrap_u32(src_local_l1_addr), wrap_u32(size)
    _check_source(src, size, what)
    targets, address = _mcast_cores(dst_noc_addr_multicast, num_dests, loopback, what)
    dests = []
    for core in targets:
        core.check_l1(address, size, what)
        _check_remote_landing(core, address, size, what)
        dests.append((core.l1, address, core))
    transfer = NocTransfer("write", current_cpp_location(), size, dests, src_core=ctx.core(), src_addr=src)
    timing.charge(timing.COSTS.noc_issue)
    transfer.done_at = ctx.device().resources.transfer(timing.now(), size, None, _xy(ctx.core()), [],
                                                       [(c.x, c.y) for c in targets], multicast=True)
    _track(transfer)


@API.function("noc_async_write_multicast", groups={DATAFLOW}, header=DF_H, template_args=(0, 1))
def noc_async_write_multicast(targs, src_local_l1_addr, dst_noc_addr_multicast, size, num_dests, linked=False,
                              noc=0, vc=0):
    _multicast(src_local_l1_addr, dst_noc_addr_multicast, size, num_dests, False, "noc_async_write_multicast")


@API.function("noc_async_write_multicast_loopback_src", groups={DATAFLOW}, header=DF_H)
def noc_async_write_multicast_loopback_src(src_local_l1_addr, dst_noc_addr_multicast, size, num_dests,
                                           linked=False, noc=0):
    _multicast(src_local_l1_addr, dst_noc_addr_multicast, size, num_dests, True,
               "noc_async_write_multicast_loopback_src")


def _land_writes() -> float:
    """This thread's writes in flight land at their destinations (a semaphore write issued after them travels
    behind them on the same NoC); they stay in flight until a barrier, since their sources are still being
    read until the acks return. Returns when the last of them lands, in modelled time."""
    t = ctx.thread()
    done = t.clock
    for transfer in t.in_flight:
        if transfer.kind == "write":
            transfer.land()
            done = max(done, transfer.done_at)
    return done


def _semaphore_multicast(src_local_l1_addr, dst_noc_addr_multicast, num_dests, loopback: bool, what: str) -> None:
    """Semaphore writes travel behind this thread's earlier writes on the same NoC, so those land first."""
    timing.charge(timing.COSTS.noc_issue)
    arrival = max(_land_writes(), timing.now() + timing.COSTS.noc_latency)
    src = wrap_u32(src_local_l1_addr)
    value = L1Pointer(ctx.core(), src, "uint32_t").cpp_getitem(0)
    targets, address = _mcast_cores(dst_noc_addr_multicast, num_dests, loopback, what)
    if not arch.in_semaphores(address):
        raise violation("semaphore", f"{what} to 0x{address:x}, which is not a semaphore")
    for core in targets:
        core.l1[address:address + 4] = np.array([value], dtype="<u4").view(np.uint8)
        core.sem_time[address] = arrival


@API.function("noc_semaphore_set_multicast", groups={DATAFLOW}, header=DF_H)
def noc_semaphore_set_multicast(src_local_l1_addr, dst_noc_addr_multicast, num_dests, linked=False, noc=0, vc=0):
    _semaphore_multicast(src_local_l1_addr, dst_noc_addr_multicast, num_dests, False, "noc_semaphore_set_multicast")


@API.function("noc_semaphore_set_multicast_loopback_src", groups={DATAFLOW}, header=DF_H)
def noc_semaphore_set_multicast_loopback_src(src_local_l1_addr, dst_noc_addr_multicast, num_dests, linked=False,
                                             noc=0):
    _semaphore_multicast(src_local_l1_addr, dst_noc_addr_multicast, num_dests, True,
                         "noc_semaphore_set_multicast_loopback_src")
