"""Compute-kernel API: the DST register lifecycle, unpack/math/pack state, and the tile math itself.

The three TRISCs run one compute kernel in lockstep, so one thread models them, with the state the hardware
keeps between calls: which phase DST is in (acquire -> commit -> wait -> release), which CBs and formats the
last `*_init` configured the unpacker, math engine and packer for, and the DST tiles themselves.

Numerics: tiles are decoded from the CB's format into float32, the FPU computes in float32 (bf16 x bf16 products
are exact in float32; HiFi4 consumes every mantissa bit), and results are rounded to the DST format (bf16 unless
`fp32_dest_acc_en`) when written to DST and to the output CB's format when packed. Lower math fidelities are
modelled as HiFi4 (stated in docs/numerics.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import ml_dtypes
import numpy as np

from .. import arch
from ..numerics.formats import DataFormat, decode_tile, encode_rows, encode_tile
from . import context as ctx
from . import timing
from .api import API, COMPUTE, DEVICE
from .checks import Violation, current_cpp_location, violation
from .cruntime import Dynamic

C = {COMPUTE}

# Enumerations of namespace ckernel, which compute kernels see unqualified. Those of tt-llk's llk_defs.h are
# visible to dataflow kernels too (as ckernel::X): reduce-scaler helpers take ckernel::PoolType template arguments.
API.constants("ckernel::SrcOrder", {"Regular": "Regular", "Reverse": "Reverse"}, groups=C,
              header="api/compute/compute_kernel_hw_startup.h")
API.constants("ckernel::EltwiseBinaryType", {"ELWMUL": "mul", "ELWADD": "add", "ELWSUB": "sub"}, groups=DEVICE,
              header="tt-llk llk_defs.h")
API.constants("ckernel::EltwiseBinaryReuseDestType",
              {"NONE": "none", "DEST_TO_SRCA": "dest_to_srca", "DEST_TO_SRCB": "dest_to_srcb"}, groups=C,
              header="tt-llk llk_defs.h")

IDLE, ACQUIRED, COMMITTED, WAITED = "idle", "acquired", "committed", "waited"
# The legacy acquire_dst makes the math wait for DST and the packer wait for the math at once (reg_api.h), so
# until release_dst both math ops and packs may use it.
HELD = "held by acquire_dst"
_PHASE_CALL = {ACQUIRED: "tile_regs_acquire", COMMITTED: "tile_regs_commit", WAITED: "tile_regs_wait",
               IDLE: "tile_regs_release", HELD: "acquire_dst"}


@dataclass
class ComputeState:
    capacity: int
    fp32_dest: bool
    phase: str = IDLE
    phase_at: object = None
    dst: np.ndarray = field(default=None)
    written: set = field(default_factory=set)
    started: bool = False  # some compute API was called (hw startup must come first)
    hw_configured: bool = False
    src_order: str = "Regular"
    unpack_formats: tuple | None = None  # (srcA format name, srcB format name) the unpacker is configured for
    pack_format: str | None = None  # format the packer is configured for
    math: tuple | None = None  # what the last *_init configured the math engine for
    sfpu: str | None = None  # which SFPU op the last <op>_tile_init configured
    untilize: tuple | None = None  # (block_ct_dim, full_ct_dim) pack_untilize_dest_init configured
    pack_sfpu: str | None = None  # which op the last <op>_packthread_tile_init configured (on the pack thread)
    pack_mask: str | None = None  # reduce_init's packer edge mask ("row", "col", "scalar") until reduce_uninit
    copy_transpose: tuple = (False, False)  # copy_tile_to_dst_init_short's (transpose, within 16x16 faces) flags
    # Modelled time of the DST handshake (timing.py): when the math committed the section the packer works on
    # (None: acquire_dst, the packer follows the math directly), when the packer released each half of DST, and
    # how many sections the math has acquired.
    committed_at: float | None = 0.0
    released_at: list = field(default_factory=lambda: [0.0, 0.0])
    acquires: int = 0
    sfpu_free_at: float = 0.0  # the SFPU is one unit, shared by the math and pack threads

    def __post_init__(self):
        self.dst = np.zeros((arch.DST_TILES[("full", False)], 32, 32), dtype=np.float32)


def template_flag(targs, position: int, default: bool = False) -> bool:
    """A bool template argument of a call, `default` when left out."""
    return bool(targs[position]) if len(targs) > position else default


def _state() -> ComputeState:
    t = ctx.thread()
    st = t.state.get("compute")
    if st is None:
        spec = ctx.kernel().spec
        sync = "full" if spec.dst_full_sync_en else "half"
        st = ComputeState(arch.dst_capacity(sync, spec.fp32_dest_acc_en), spec.fp32_dest_acc_en)
        t.state["compute"] = st
        t.state["exit_check"] = _exit_check
    st.started = True
    return st


def _exit_check(t) -> None:
    st: ComputeState = t.state["compute"]
    if st.phase != IDLE:
        raise Violation("dst-lifecycle", f"compute kernel ended with DST {st.phase} (last {_PHASE_CALL[st.phase]} "
                                         f"at {st.phase_at}); every tile_regs_acquire needs commit, wait and release",
                        st.phase_at)


def _fmt(cb_id) -> DataFormat:
    return ctx.core().cb(cb_id).fmt


# ----- DST lifecycle -----------------------------------------------------------------------------------------

def _phase(st: ComputeState, expected: str, new: str, call: str, hint: str) -> None:
    if st.phase != expected:
        raise violation("dst-lifecycle", f"{call} while DST is {st.phase} (last {_PHASE_CALL[st.phase]} at "
                                         f"{st.phase_at}): {hint}")
    st.phase = new
    st.phase_at = current_cpp_location()


RH = "api/compute/reg_api.h"


@API.function("tile_regs_acquire", groups=C, header=RH)
def tile_regs_acquire():
    st = _state()
    _phase(st, IDLE, ACQUIRED, "tile_regs_acquire", "DST is still held (missing tile_regs_release?)")
    st.written = set()
    _math_takes_dst(st, "tile_regs_acquire")


def _math_takes_dst(st: ComputeState, call: str) -> None:
    # Half sync: the math fills one half of DST while the packer drains the other, so section i waits for the
    # release of section i - 2. Full sync (one section): it waits for the previous release.
    full = ctx.kernel().spec.dst_full_sync_en
    timing.wait_until(max(st.released_at) if full else st.released_at[st.acquires % 2], call)
    st.acquires += 1


@API.function("tile_regs_commit", groups=C, header=RH)
def tile_regs_commit():
    st = _state()
    _phase(st, ACQUIRED, COMMITTED, "tile_regs_commit", "commit needs a preceding tile_regs_acquire")
    st.committed_at = timing.now()


@API.function("tile_regs_wait", groups=C, header=RH)
def tile_regs_wait():
    st = _state()
    _phase(st, COMMITTED, WAITED, "tile_regs_wait", "the packer can only wait for DST the math side committed "
                                                    "(missing tile_regs_commit?)")
    timing.on_packer(timing.wait_until, st.committed_at, "tile_regs_wait", False)


@API.function("tile_regs_release", groups=C, header=RH)
def tile_regs_release():
    st = _state()
    _phase(st, WAITED, IDLE, "tile_regs_release", "release needs acquire, commit and wait first")
    _pack_releases(st)


def _pack_releases(st: ComputeState) -> None:
    st.dst[:] = 0.0  # the packer clears the section it released (ZEROACC in _llk_pack_dest_section_done_)
    st.written = set()
    st.released_at[(st.acquires - 1) % 2] = timing.on_packer(timing.now)


@API.function("acquire_dst", groups=C, header=RH, deprecated="use tile_regs_acquire")
def acquire_dst():
    st = _state()
    _phase(st, IDLE, HELD, "acquire_dst", "DST is still held (missing release_dst?)")
    st.written = set()
    _math_takes_dst(st, "acquire_dst")
    st.committed_at = None


@API.function("release_dst", groups=C, header=RH, deprecated="use tile_regs_release")
def release_dst():
    st = _state()
    _phase(st, HELD, IDLE, "release_dst", "release_dst ends what acquire_dst began (tile_regs_acquire ends with "
                                          "tile_regs_release)")
    _pack_releases(st)


def _math_slot(st: ComputeState, idst, call: str) -> int:
    if st.phase not in (ACQUIRED, HELD):
        raise violation("dst-lifecycle", f"{call} writes DST while it is {st.phase}: math ops run between "
                                         "tile_regs_acquire and tile_regs_commit")
    idst = int(idst)
    if not 0 <= idst < st.capacity:
        raise violation("dst-lifecycle", f"{call}: DST index {idst} is outside the {st.capacity} tiles available")
    return idst


def _to_dst(st: ComputeState, values: np.ndarray) -> np.ndarray:
    if st.fp32_dest:
        return values.astype(np.float32)
    return values.astype(ml_dtypes.bfloat16).astype(np.float32)


def _write_dst(st: ComputeState, idst: int, values: np.ndarray) -> None:
    st.dst[idst] = _to_dst(st, values)
    st.written.add(idst)


# ----- unpack -------------------------------------------------------------------------------------------------

def _unpack(cb_id, itile, call: str, to_dest: bool = False) -> np.ndarray:
    """Read tile `itile` of a CB's waited window as the unpacker delivers it.

    Source registers hold at most 19 bits: Float32 data reaches the FPU as TF32 (truncated, the 13 low mantissa
    bits dropped) when DST is 32-bit, and as bf16 (truncated) otherwise. Only copy-style unpacks of a CB marked
    UnpackToDestFp32 put full Float32 values into DST.
    """
    cb = ctx.core().cb(cb_id)
    itile = int(itile)
    if cb.consumer is not ctx.thread() or not 0 <= itile < cb.waited:
        raise violation("cb-protocol", f"{call} reads tile {itile} of CB {cb.name} outside the {cb.waited} page(s) "
                                       "waited for with cb_wait_front")
    if cb.page_size != cb.fmt.tile_bytes:
        raise violation("cb-config", f"CB {cb.name} has {cb.page_size} B pages but a {cb.fmt.metal_name} tile is "
                                     f"{cb.fmt.tile_bytes} B")
    address = cb.page_address(cb.rd + itile)
    core = ctx.core()
    pending = core.pending_into(address, address + cb.page_size)
    if pending is not None:
        raise violation("race", f"{call} reads CB {cb.name} while the NoC read issued at {pending.issued_at} into it "
                                "has not completed")
    tile = decode_tile(core.l1[address:address + cb.page_size], cb.fmt)
    if cb.fmt.name == "float32":
        spec = ctx.kernel().spec
        if not (to_dest and spec.fp32_dest_acc_en and cb.index in spec.unpack_to_dest_fp32):
            keep = 0xFFFF_E000 if spec.fp32_dest_acc_en else 0xFFFF_0000
            tile = (tile.view(np.uint32) & np.uint32(keep)).view(np.float32)
    return tile


# ----- hardware start-up and inits ---------------------------------------------------------------------------

def _configure(st: ComputeState, icb0, icb1, ocb, call: str, src_order: str = "Regular") -> None:
    """Hardware start-up: the unpacker's source A/B formats (in operand order, or reversed for matmul) and the
    packer's output format."""
    st.hw_configured = True
    st.src_order = src_order
    a, b = (icb1, icb0) if src_order == "Reverse" else (icb0, icb1)
    st.unpack_formats = (_fmt(a).name, _fmt(b).name)
    st.pack_format = _fmt(ocb).name


HS_H = "api/compute/compute_kernel_hw_startup.h"


@API.function("compute_kernel_hw_startup", groups=C, header=HS_H, template_args=(0, 1), args=(2, 3))
def compute_kernel_hw_startup(targs, icb0, icb1, ocb=None):
    fresh = ctx.thread().state.get("compute") is None
    st = _state()
    if not fresh and (st.hw_configured or st.math is not None):
        raise violation("init-mismatch", "compute_kernel_hw_startup must be called once, before any other compute "
                                         "API call")
    if ocb is None:
        icb1, ocb = icb0, icb1
    _configure(st, icb0, icb1, ocb, "compute_kernel_hw_startup", targs[0] if targs else "Regular")


EB_H = "api/compute/eltwise_binary.h"


@API.function("binary_op_init_common", groups=C, header=EB_H)
def binary_op_init_common(icb0, icb1, ocb):
    st = _state()
    _configure(st, icb0, icb1, ocb, "binary_op_init_common")
    st.math = ("unpack_ab", (int(icb0), int(icb1)))


def _require_configured(st: ComputeState, call: str) -> None:
    if not st.hw_configured:
        raise violation("init-missing", f"{call} before the hardware is configured: call compute_kernel_hw_startup "
                                        "(or binary_op_init_common) at the start of the kernel")


def _configure_sfpu(configured, call: str) -> ComputeState:
    """An SFPU `*_init`: the hardware must be configured; the SFPU is then set up for `configured`."""
    st = _state()
    _require_configured(st, call)
    st.sfpu = configured
    return st


def _require_sfpu(st: ComputeState, configured, call: str, init: str) -> None:
    """An SFPU op needs the SFPU set up for it by its own init."""
    if st.sfpu != configured:
        raise violation("init-missing" if st.sfpu is None else "init-mismatch",
                        f"{call} without {init} (SFPU configured for {st.sfpu})")


def _set_math(st: ComputeState, math: tuple) -> None:
    """A non-reduce init also reprograms the packer, which clears reduce's edge masks."""
    st.math = math
    st.pack_mask = None


def _binary_init(op: str, icb0, icb1, call: str) -> None:
    st = _state()
    _require_configured(st, call)
    _set_math(st, ("binary", op, (int(icb0), int(icb1))))


@API.function("add_tiles_init", groups=C, header=EB_H)
def add_tiles_init(icb0, icb1, acc_to_dest=False):
    _binary_init("add", icb0, icb1, "add_tiles_init")


@API.function("sub_tiles_init", groups=C, header=EB_H)
def sub_tiles_init(icb0, icb1, acc_to_dest=False):
    _binary_init("sub", icb0, icb1, "sub_tiles_init")


@API.function("mul_tiles_init", groups=C, header=EB_H)
def mul_tiles_init(icb0, icb1, acc_to_dest=False):
    _binary_init("mul", icb0, icb1, "mul_tiles_init")


def _check_formats(st: ComputeState, cbs: tuple, call: str) -> None:
    formats = tuple(_fmt(cb).name for cb in cbs)
    configured = st.unpack_formats[: len(formats)]
    if formats != configured:
        raise violation("init-mismatch", f"{call} unpacks {', '.join(formats)} but the unpacker is configured for "
                                         f"{', '.join(configured)} (missing reconfig_data_format?)")


def _require_math(st: ComputeState, expected: tuple, call: str, init: str) -> None:
    if st.math is None or st.math[0] == "unpack_ab":
        raise violation("init-missing", f"{call} without {init}")
    if st.math != expected:
        raise violation("init-mismatch", f"{call} does not match the last init ({_describe_math(st.math)}): "
                                         f"call {init} first")


def _describe_math(math: tuple) -> str:
    kind = math[0]
    if kind == "binary":
        return f"{math[1]}_tiles_init(c_{math[2][0]}, c_{math[2][1]})"
    if kind == "matmul":
        return f"matmul_init(c_{math[1][0]}, c_{math[1][1]})"
    if kind == "copy":
        return f"copy_tile_init(c_{math[1]})"
    if kind == "reuse":
        return f"binary_dest_reuse_tiles_init<{math[1]}, {math[2]}>(c_{math[3]})"
    return kind


_BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply}


def _binary(op: str, icb0, icb1, itile0, itile1, idst) -> None:
    call = f"{op}_tiles"
    st = _state()
    _require_math(st, ("binary", op, (int(icb0), int(icb1))), call, f"{op}_tiles_init(c_{int(icb0)}, c_{int(icb1)})")
    _check_formats(st, (icb0, icb1), call)
    slot = _math_slot(st, idst, call)
    a = _unpack(icb0, itile0, call)
    b = _unpack(icb1, itile1, call)
    _write_dst(st, slot, _BINARY[op](a, b))


@API.function("add_tiles", groups=C, header=EB_H)
def add_tiles(icb0, icb1, itile0, itile1, idst):
    _binary("add", icb0, icb1, itile0, itile1, idst)


@API.function("sub_tiles", groups=C, header=EB_H)
def sub_tiles(icb0, icb1, itile0, itile1, idst):
    _binary("sub", icb0, icb1, itile0, itile1, idst)


@API.function("mul_tiles", groups=C, header=EB_H)
def mul_tiles(icb0, icb1, itile0, itile1, idst):
    _binary("mul", icb0, icb1, itile0, itile1, idst)


@API.function("binary_dest_reuse_tiles_init", groups=C, header=EB_H, template_args=(0, 2))
def binary_dest_reuse_tiles_init(targs, icb0):
    st = _state()
    _require_configured(st, "binary_dest_reuse_tiles_init")
    op, reuse = _reuse_targs(targs)
    _set_math(st, ("reuse", op, reuse, int(icb0)))


def _reuse_targs(targs) -> tuple[str, str]:
    op = targs[0] if len(targs) > 0 else "add"
    reuse = targs[1] if len(targs) > 1 else "none"
    return op, reuse


@API.function("binary_dest_reuse_tiles", groups=C, header=EB_H, template_args=(0, 2))
def binary_dest_reuse_tiles(targs, in_cb_id, in_tile_index, dst_tile_index):
    op, reuse = _reuse_targs(targs)
    call = "binary_dest_reuse_tiles"
    st = _state()
    _require_math(st, ("reuse", op, reuse, int(in_cb_id)), call,
                  f"binary_dest_reuse_tiles_init<{op}, {reuse}>(c_{int(in_cb_id)})")
    if reuse == "none":
        raise violation("init-mismatch", "binary_dest_reuse_tiles needs DEST_TO_SRCA or DEST_TO_SRCB")
    slot = _math_slot(st, dst_tile_index, call)
    if slot not in st.written:
        raise violation("dst-lifecycle", f"{call} reuses DST[{slot}], which holds no result in this section")
    tile = _unpack(in_cb_id, in_tile_index, call)
    dest = st.dst[slot]
    a, b = (dest, tile) if reuse == "dest_to_srca" else (tile, dest)
    _write_dst(st, slot, _BINARY[op](a, b))


# ----- copy --------------------------------------------------------------------------------------------------

TM_H = "api/compute/tile_move_copy.h"


@API.function("copy_tile_to_dst_init_short_with_dt", groups=C, header=TM_H, args=(2, 3))
def copy_tile_to_dst_init_short_with_dt(old_cbid, new_cbid, transpose=0):
    """Reconfigure srcA's data format from old_cbid's to new_cbid's, then copy_tile_to_dst_init_short."""
    reconfig_data_format_srca(old_cbid, new_cbid)
    copy_tile_to_dst_init_short(new_cbid, transpose)


@API.function("copy_tile_init", groups=C, header=TM_H)
def copy_tile_init(cbid):
    copy_tile_to_dst_init_short(cbid)


@API.function("copy_tile_to_dst_init_short", groups=C, header=TM_H)
def copy_tile_to_dst_init_short(cbid, transpose=0, transpose_within_16x16_face=0):
    st = _state()
    _require_configured(st, "copy_tile_to_dst_init_short")
    st.copy_transpose = (bool(transpose), bool(transpose_within_16x16_face))
    _set_math(st, ("copy", int(cbid)))


def transpose_faces(tile: np.ndarray, of_faces: bool, within_faces: bool) -> np.ndarray:
    """What the unpacker's transpose flags do to a 32x32 tile of four 16x16 faces [[f0, f1], [f2, f3]]: swap
    f1 and f2, transpose each face, or both (a full transpose)."""
    faces = tile.reshape(2, 16, 2, 16).transpose(0, 2, 1, 3)  # [face row, face col, r, c]
    if of_faces:
        faces = faces.transpose(1, 0, 2, 3)
    if within_faces:
        faces = faces.transpose(0, 1, 3, 2)
    return np.ascontiguousarray(faces.transpose(0, 2, 1, 3).reshape(32, 32))


@API.function("copy_tile", groups=C, header=TM_H)
def copy_tile(in_cb_id, in_tile_index, dst_tile_index):
    st = _state()
    _require_math(st, ("copy", int(in_cb_id)), "copy_tile", f"copy_tile_init(c_{int(in_cb_id)})")
    _check_formats(st, (in_cb_id,), "copy_tile")  # the datacopy unpacks to source A
    slot = _math_slot(st, dst_tile_index, "copy_tile")
    tile = _unpack(in_cb_id, in_tile_index, "copy_tile", to_dest=True)
    _write_dst(st, slot, transpose_faces(tile, *st.copy_transpose) if any(st.copy_transpose) else tile)


# ----- transpose (api/compute/transpose.h): a 32x32 transpose on the way from a CB into DST ------------------------

TR_H = "api/compute/transpose.h"


@API.function("transpose_init", groups=C, header=TR_H)
def transpose_init(icb):
    st = _state()
    _require_configured(st, "transpose_init")
    _set_math(st, ("transpose", int(icb)))


@API.function("transpose_dest_init", groups=C, header="api/compute/transpose_dest.h", template_args=(0, 2))
def transpose_dest_init(targs, operand=0):
    st = _state()
    _require_configured(st, "transpose_dest_init")
    _set_math(st, ("transpose_dest", template_flag(targs, 1, True)))


@API.function("transpose_dest", groups=C, header="api/compute/transpose_dest.h", template_args=(0, 2))
def transpose_dest(targs, idst):
    """A 32x32 transpose of a DST tile in place (each face transposed; with transpose_of_faces, faces 1 and 2
    swapped too): how 32-bit data, which source registers cannot carry exactly, is transposed."""
    st = _state()
    of_faces = template_flag(targs, 1, True)
    _require_math(st, ("transpose_dest", of_faces), "transpose_dest", "transpose_dest_init with the same flags")
    tile = _sfpu_source(st, idst, "transpose_dest")
    _write_dst(st, _math_slot(st, idst, "transpose_dest"), transpose_faces(tile, of_faces, True))


@API.function("transpose_tile", groups=C, header=TR_H)
def transpose_tile(icb, itile, idst):
    st = _state()
    _require_math(st, ("transpose", int(icb)), "transpose_tile", f"transpose_init(c_{int(icb)})")
    _check_formats(st, (icb,), "transpose_tile")
    slot = _math_slot(st, idst, "transpose_tile")
    _write_dst(st, slot, np.ascontiguousarray(_unpack(icb, itile, "transpose_tile", to_dest=True).T))


# ----- matmul ------------------------------------------------------------------------------------------------

MM_H = "api/compute/matmul.h"


@API.function("matmul_init", groups=C, header=MM_H)
def matmul_init(in0_cb_id, in1_cb_id, transpose=0):
    st = _state()
    _require_configured(st, "matmul_init")
    if st.src_order != "Reverse" and _fmt(in0_cb_id) != _fmt(in1_cb_id):
        raise violation("init-mismatch", "matmul_init needs compute_kernel_hw_startup<SrcOrder::Reverse>(in0, in1, "
                                         "out) when in0 and in1 have different formats")
    _check_formats(st, (in1_cb_id, in0_cb_id), "matmul_init")
    _set_math(st, ("matmul", (int(in0_cb_id), int(in1_cb_id)), bool(transpose)))


@API.function("mm_init", groups=C, header=MM_H, deprecated="use compute_kernel_hw_startup<SrcOrder::Reverse> and "
                                                           "matmul_init")
def mm_init(in0_cb_id, in1_cb_id, out_cb_id, transpose=0):
    st = _state()
    _configure(st, in0_cb_id, in1_cb_id, out_cb_id, "mm_init", "Reverse")
    st.math = ("matmul", (int(in0_cb_id), int(in1_cb_id)), bool(transpose))


@API.function("matmul_tiles", groups=C, header=MM_H)
def matmul_tiles(in0_cb_id, in1_cb_id, in0_tile_index, in1_tile_index, idst):
    st = _state()
    cbs = (int(in0_cb_id), int(in1_cb_id))
    if st.math is None or st.math[0] != "matmul":
        raise violation("init-missing", "matmul_tiles without matmul_init")
    if st.math[1] != cbs:
        raise violation("init-mismatch", f"matmul_tiles(c_{cbs[0]}, c_{cbs[1]}) does not match the last "
                                         f"{_describe_math(st.math)}")
    _check_formats(st, (in1_cb_id, in0_cb_id), "matmul_tiles")  # matmul unpacks in1 to source A
    slot = _math_slot(st, idst, "matmul_tiles")
    a = _unpack(in0_cb_id, in0_tile_index, "matmul_tiles")
    b = _unpack(in1_cb_id, in1_tile_index, "matmul_tiles")
    if st.math[2]:
        b = b.T
    # DST += A @ B: products of bf16 values are exact in float32; the sum is rounded to the DST format.
    _write_dst(st, slot, st.dst[slot] + a.astype(np.float32) @ b.astype(np.float32))


# ----- pack --------------------------------------------------------------------------------------------------

PK_H = "api/compute/pack.h"


def _pack_slot(st: ComputeState, idst, call: str) -> int:
    """The DST slot a pack-thread call reads: only in the section the packer holds, and written by the math."""
    if st.phase not in (WAITED, HELD):
        raise violation("dst-lifecycle", f"{call} while DST is {st.phase}: the pack thread works on DST between "
                                         "tile_regs_wait and tile_regs_release")
    slot = int(idst)
    if not 0 <= slot < st.capacity:
        raise violation("dst-lifecycle", f"{call}: DST index {slot} is outside the {st.capacity} tiles available")
    if slot not in st.written:
        raise violation("dst-lifecycle", f"{call} reads DST[{slot}], which no math op wrote in this section")
    return slot


@API.function("pack_tile", groups=C, header=PK_H, template_args=(0, 1))
def pack_tile(targs, ifrom_dst, icb, output_tile_index=0):
    st = _state()
    out_of_order = bool(targs[0]) if targs else False
    slot = _pack_slot(st, ifrom_dst, "pack_tile")
    cb = ctx.core().cb(icb)
    if st.pack_format != cb.fmt.name:
        raise violation("init-mismatch", f"pack_tile to CB {cb.name} ({cb.fmt.name}) but the packer is configured "
                                         f"for {st.pack_format} (missing pack_reconfig_data_format?)")
    if st.committed_at is None:  # acquire_dst: no commit, the packer starts where the math is
        timing.on_packer(timing.wait_until, timing.now(), "acquire_dst", False)
    position = int(output_tile_index) if out_of_order else cb.packed
    if cb.producer is not ctx.thread() or not 0 <= position < cb.reserved:
        raise violation("cb-protocol", f"pack_tile writes tile {position} of CB {cb.name} outside the "
                                       f"{cb.reserved} page(s) reserved with cb_reserve_back")
    if cb.page_size != cb.fmt.tile_bytes:
        raise violation("cb-config", f"CB {cb.name} has {cb.page_size} B pages but a {cb.fmt.metal_name} tile is "
                                     f"{cb.fmt.tile_bytes} B")
    address = cb.page_address(cb.wr + position)
    tile = st.dst[slot] if st.pack_mask is None else st.dst[slot] * REDUCE_RESULT_MASK[st.pack_mask]
    if cb.fmt.name in ("bfloat8_b", "bfloat4_b") and st.fp32_dest and not ctx.kernel().spec.bfp8_pack_precise:
        # Without bfp8_pack_precise the packer goes through bfloat16 before sharing exponents.
        tile = tile.astype(ml_dtypes.bfloat16).astype(np.float32)
    ctx.core().l1[address:address + cb.page_size] = np.frombuffer(encode_tile(tile, cb.fmt), dtype=np.uint8)
    if not out_of_order:
        cb.packed += 1


PU_H = "api/compute/pack_untilize.h"


def _untilize_dims(targs) -> tuple[int, int]:
    """(block_ct_dim, full_ct_dim) of pack_untilize's template arguments (defaults 8 and block_ct_dim)."""
    block = int(targs[0]) if targs else 8
    return block, int(targs[1]) if len(targs) > 1 else block


@API.function("pack_untilize_dest_init", groups=C, header=PU_H, template_args=(0, 6), args=(1, 2))
def pack_untilize_dest_init(targs, ocb, call_line=0):
    st = _state()
    _require_configured(st, "pack_untilize_dest_init")
    if template_flag(targs, 2) or template_flag(targs, 4):
        raise violation("unmodelled", "pack_untilize_dest_init: narrow_row and dense packing are not modelled")
    st.untilize = _untilize_dims(targs)


@API.function("pack_untilize_uninit", groups=C, header=PU_H)
def pack_untilize_uninit(ocb):
    _state().untilize = None


@API.function("pack_untilize_dest", groups=C, header=PU_H, template_args=(0, 8), args=(1, 4))
def pack_untilize_dest(targs, ocb, block_rt_dim=1, block_c_index=0, tile_dst_offset=0):
    """Pack block_rt_dim x block_ct_dim DST tiles (row of tiles by row) into the reserved pages of `ocb` in row-major
    order: each tile row of the block is one stripe of full_ct_dim pages, 32 rows of full_ct_dim * 32 values, and
    the block sits at column block_c_index * block_ct_dim of it (pack_untilize.h)."""
    st = _state()
    call = "pack_untilize_dest"
    block, full = _untilize_dims(targs)
    if st.untilize is None:
        raise violation("init-missing", f"{call} without pack_untilize_dest_init")
    if st.untilize != (block, full):
        raise violation("init-mismatch", f"{call}<{block}, {full}> after pack_untilize_dest_init<{st.untilize[0]}, "
                                         f"{st.untilize[1]}>")
    cb = ctx.core().cb(ocb)
    if st.pack_format != cb.fmt.name:
        raise violation("init-mismatch", f"{call} to CB {cb.name} ({cb.fmt.name}) but the packer is configured "
                                         f"for {st.pack_format}")
    rows, ct_offset = int(block_rt_dim), int(targs[5]) if len(targs) > 5 else 0
    if cb.producer is not ctx.thread() or cb.reserved < rows * full:
        raise violation("cb-protocol", f"{call} writes {rows * full} page(s) of CB {cb.name} but "
                                       f"{cb.reserved} are reserved with cb_reserve_back")
    size = cb.fmt.tile_bytes // arch.TILE_HW  # bytes of one value
    if cb.fmt.name in ("bfloat8_b", "bfloat4_b") or size * arch.TILE_HW != cb.fmt.tile_bytes:
        raise violation("unmodelled", f"{call} into a {cb.fmt.metal_name} CB: only plain element formats untilize")
    l1 = ctx.core().l1
    for r in range(rows):
        stripe = cb.page_address(cb.wr + r * full)
        for c in range(block):
            slot = _pack_slot(st, ct_offset + int(tile_dst_offset) + r * block + c, call)
            tile = np.frombuffer(encode_rows(st.dst[slot], cb.fmt.name), dtype=np.uint8).reshape(32, 32 * size)
            column = (int(block_c_index) * block + c) * 32 * size
            for row in range(32):
                start = stripe + row * full * 32 * size + column
                l1[start:start + 32 * size] = tile[row]


@API.function("pack_reconfig_data_format", groups=C, header="api/compute/reconfig_data_format.h", args=(1, 2))
def pack_reconfig_data_format(a, b=None):
    st = _state()
    st.pack_format = _fmt(a if b is None else b).name


@API.function("reconfig_data_format_srca", groups=C, header="api/compute/reconfig_data_format.h", args=(1, 2))
def reconfig_data_format_srca(a, b=None):
    st = _state()
    st.unpack_formats = (_fmt(a if b is None else b).name, st.unpack_formats[1])


@API.function("reconfig_data_format_srcb", groups=C, header="api/compute/reconfig_data_format.h", args=(1, 2))
def reconfig_data_format_srcb(a, b=None):
    st = _state()
    st.unpack_formats = (st.unpack_formats[0], _fmt(a if b is None else b).name)


@API.function("reconfig_data_format", groups=C, header="api/compute/reconfig_data_format.h", args=(2, 4))
def reconfig_data_format(a, b, c=None, d=None):
    st = _state()
    srca, srcb = (a, b) if c is None else (b, d)
    st.unpack_formats = (_fmt(srca).name, _fmt(srcb).name)


# ----- SFPU unary ops: `<op>_tile_init()` then `<op>_tile(idst)` on a DST tile -----------------------------------

# Comparisons against zero (<cmp>z_tile) and against a parameter (unary_<cmp>_tile): 1.0 where they hold.
CMP_H = "api/compute/eltwise_unary/comp.h"
_COMPARISONS = (("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                ("gt", np.greater), ("ge", np.greater_equal))


def _compare(op):
    return lambda x, value: op(x, value).astype(np.float32)


SFPU_OPS = {
    "exp": ("api/compute/eltwise_unary/exp.h", np.exp),
    "recip": ("api/compute/eltwise_unary/recip.h", lambda x: np.float32(1.0) / x),
    "sqrt": ("api/compute/eltwise_unary/sqrt.h", np.sqrt),
    "rsqrt": ("api/compute/eltwise_unary/rsqrt.h", lambda x: np.float32(1.0) / np.sqrt(x)),
    "sigmoid": ("api/compute/compute_kernel_api.h", lambda x: np.float32(1.0) / (np.float32(1.0) + np.exp(-x))),
    "silu": ("api/compute/compute_kernel_api.h", lambda x: x / (np.float32(1.0) + np.exp(-x))),
    "tanh": ("api/compute/compute_kernel_api.h", np.tanh),
    "log": ("api/compute/compute_kernel_api.h", np.log),
    "relu": ("api/compute/eltwise_unary/relu.h", lambda x: np.maximum(x, 0.0)),
    "negative": ("api/compute/eltwise_unary/negative.h", np.negative),
    "abs": ("api/compute/compute_kernel_api.h", np.abs),
    "square": ("api/compute/compute_kernel_api.h", np.square),
    **{f"{name}z": (CMP_H, (lambda test: lambda x: test(x, 0.0))(_compare(op))) for name, op in _COMPARISONS},
}


API.constants("ckernel::VectorMode", {"None": 0, "R": 1, "C": 2, "RC": 4, "RC_custom": 6}, groups=DEVICE,
              header="tt-llk llk_defs.h")
VECTOR_MODE_RC = 4
BF16_ONE = 0x3F80  # p_sfpu::kCONST_1_FP16B


def _register_sfpu(name: str, header: str, fn) -> None:
    @API.function(f"{name}_tile_init", groups=C, header=header, template_args=(0, 3))
    def init(targs):
        _configure_sfpu(name, f"{name}_tile_init")

    @API.function(f"{name}_tile", groups=C, header=header, template_args=(0, 4), args=(1, 3))
    def op(targs, idst, *rest):
        st = _state()
        call = f"{name}_tile"
        _require_sfpu(st, name, call, f"{name}_tile_init")
        slot = _math_slot(st, idst, call)
        if slot not in st.written:
            raise violation("dst-lifecycle", f"{call} reads DST[{slot}], which holds no result in this section")
        _write_dst(st, slot, _sfpu_apply(name, fn, st.dst[slot], targs, rest, call))


def _sfpu_apply(name: str, fn, values: np.ndarray, targs, rest, call: str) -> np.ndarray:
    """An SFPU op on a DST tile. Only VectorMode::RC (the whole tile) is modelled; exp takes an optional input
    scale (template scale_en, then a bfloat16 `scale` argument: the SFPU computes exp(x · scale))."""
    if len(rest) > 0 and int(rest[0]) != VECTOR_MODE_RC:
        raise violation("unmodelled", f"{call}: only VectorMode::RC (the whole tile) is modelled")
    if name == "exp" and template_flag(targs, 1):
        bits = (int(rest[1]) if len(rest) > 1 else BF16_ONE) & 0xFFFF  # a uint16_t parameter
        scale = np.array([bits << 16], dtype=np.uint32).view(np.float32)[0]
        values = values * scale
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return fn(values)


@API.function("exp_packthread_tile_init", groups=C, header="api/compute/eltwise_unary/exp.h",
              template_args=(0, 3))
def exp_packthread_tile_init(targs):
    st = _state()
    _require_configured(st, "exp_packthread_tile_init")
    st.pack_sfpu = "exp"


@API.function("exp_packthread_tile", groups=C, header="api/compute/eltwise_unary/exp.h", template_args=(0, 4),
              args=(1, 3))
def exp_packthread_tile(targs, idst, *rest):
    """exp on the pack thread (TRISC2): it runs on a DST section the packer holds (after tile_regs_wait), so
    that the SFPU works beside the math thread's FPU (the exp.h comment)."""
    st = _state()
    call = "exp_packthread_tile"
    if st.pack_sfpu != "exp":
        raise violation("init-missing", f"{call} without exp_packthread_tile_init on the pack thread")
    slot = _pack_slot(st, idst, call)
    st.dst[slot] = _to_dst(st, _sfpu_apply("exp", np.exp, st.dst[slot], targs, rest, call))


for _name, (_header, _fn) in SFPU_OPS.items():
    _register_sfpu(_name, _header, _fn)


@API.function("init_sfpu", groups=C, header="api/compute/eltwise_unary/eltwise_unary.h")
def init_sfpu(icb, ocb):
    st = _state()
    _configure(st, icb, icb, ocb, "init_sfpu")
    _set_math(st, ("copy", int(icb)))


@API.function("unary_op_init_common", groups=C, header="api/compute/eltwise_unary/eltwise_unary.h")
def unary_op_init_common(icb, ocb):
    init_sfpu(icb, ocb)


# What the JIT build writes into the compute kernel's chlkc_descriptors.h from its ComputeConfig: read per
# running kernel, since two CreateKernels of one file may configure it differently.
API.constant("DST_ACCUM_MODE", Dynamic(lambda: bool(ctx.kernel().spec.fp32_dest_acc_en), "DST_ACCUM_MODE"), groups=C,
             header="chlkc_descriptors.h (generated by the JIT build)")
API.constant("APPROX", Dynamic(lambda: bool(ctx.kernel().spec.math_approx_mode), "APPROX"), groups=C,
             header="chlkc_descriptors.h (generated by the JIT build)")

# ----- reduce (api/compute/reduce.h) -------------------------------------------------------------------------

API.constants("ckernel::PoolType", {"SUM": "sum", "AVG": "avg", "MAX": "max", "MIN": "min"}, groups=DEVICE,
              header="tt-llk llk_defs.h")
API.constants("ckernel::ReduceDim", {"REDUCE_ROW": "row", "REDUCE_COL": "col", "REDUCE_SCALAR": "scalar"}, groups=DEVICE,
              header="tt-llk llk_defs.h")

# What reduce leaves in a packed tile: column 0 (ROW), row 0 (COL) or [0, 0] (SCALAR); the packer's edge masks
# zero every other datum until reduce_uninit or another op's init.
REDUCE_RESULT_MASK = {"row": np.zeros((32, 32), np.float32), "col": np.zeros((32, 32), np.float32),
                      "scalar": np.zeros((32, 32), np.float32)}
REDUCE_RESULT_MASK["row"][:, 0] = 1
REDUCE_RESULT_MASK["col"][0, :] = 1
REDUCE_RESULT_MASK["scalar"][0, 0] = 1

_ROWS, _COLS = np.indices((32, 32))


def _scaler_weights(scaler: np.ndarray, dim: str) -> np.ndarray:
    """The scaler element applied to each data element: row 0 of the scaler face matching the data's face,
    indexed by the data's position along the reduced axis inside its face (compute-facts §1.6)."""
    face_row = 16 * (_ROWS >= 16)
    face_col = 16 * (_COLS >= 16)
    along = _COLS % 16 if dim in ("row", "scalar") else _ROWS % 16
    return scaler[face_row, face_col + along]


def _pow2_of(values: np.ndarray) -> np.ndarray:
    """GMPOOL scales by the scaler's exponent only: 2^floor(log2|s|)."""
    with np.errstate(divide="ignore"):
        return np.where(values == 0, 0.0, np.exp2(np.floor(np.log2(np.abs(values))))).astype(np.float32)


@API.function("reduce_init", groups=C, header="api/compute/reduce.h", template_args=(2, 2))
def reduce_init(targs, icb, icb_scaler, ocb):
    st = _state()
    _require_configured(st, "reduce_init")
    pool, dim = targs
    if pool == "min":
        raise violation("init-mismatch", "reduce_tile has no MIN: compute -MAX(-x)")
    st.math = ("reduce", pool, dim, (int(icb), int(icb_scaler)))
    st.pack_mask = dim
    st.pack_format = _fmt(ocb).name


@API.function("reduce_uninit", groups=C, header="api/compute/reduce.h", args=(0, 1))
def reduce_uninit(icb=0):
    _state().pack_mask = None


@API.function("reduce_tile", groups=C, header="api/compute/reduce.h", template_args=(2, 2))
def reduce_tile(targs, icb, icb_scaler, itile, itile_scaler, idst):
    pool, dim = targs
    st = _state()
    _require_math(st, ("reduce", pool, dim, (int(icb), int(icb_scaler))), "reduce_tile",
                  f"reduce_init<{pool}, {dim}>(c_{int(icb)}, c_{int(icb_scaler)}, ...)")
    slot = _math_slot(st, idst, "reduce_tile")
    data = _unpack(icb, itile, "reduce_tile").astype(np.float64)
    weights = _scaler_weights(_unpack(icb_scaler, itile_scaler, "reduce_tile"), dim).astype(np.float64)
    # The result line of the tile: column 0 (ROW), row 0 (COL) or [0, 0] (SCALAR). A DST tile no op wrote since
    # the last release reads as 0 to the sum and as -inf to the max pool.
    line = {"row": (slice(None), 0), "col": (0, slice(None)), "scalar": (0, 0)}[dim]
    if slot in st.written:
        previous = st.dst[slot].astype(np.float64)[line]
    else:
        previous = -np.inf if pool == "max" else 0.0
    axis = {"row": 1, "col": 0, "scalar": None}[dim]
    if pool == "max":
        scaled = data * _pow2_of(weights)
        if dim == "scalar":
            scaled = scaled * _pow2_of(weights[0, 0])
        result = np.maximum(previous, scaled.max(axis=axis))
    else:
        scaled = data * weights
        if dim == "scalar":
            scaled = scaled * weights[0, 0]  # the scalar reduce applies the scaler twice
        result = previous + scaled.sum(axis=axis)
    out = np.zeros((32, 32), np.float64)
    out[line] = result
    _write_dst(st, slot, out.astype(np.float32))


# ----- broadcast binary ops (api/compute/bcast.h): only operand B is broadcast --------------------------------------

API.constants("ckernel::BroadcastType", {"NONE": "none", "COL": "cols", "ROW": "rows", "SCALAR": "scalar"},
              groups=DEVICE, header="tt-llk llk_defs.h")
BC_H = "api/compute/bcast.h"


def _broadcast(b: np.ndarray, dim: str, row: int = 0) -> np.ndarray:
    if dim == "cols":
        return np.repeat(b[:, :1], 32, axis=1)  # column 0 of B across every column
    if dim == "rows":
        return np.repeat(b[row:row + 1, :], 32, axis=0)
    return np.full((32, 32), b[0, 0], np.float32)


def _bcast_init(op: str, dim: str, icb0, icb1, call: str) -> None:
    st = _state()
    _require_configured(st, call)
    _set_math(st, ("bcast", op, dim, (int(icb0), int(icb1))))


def _bcast(op: str, dim: str, icb0, icb1, itile0, itile1, idst, row: int = 0) -> None:
    call = f"{op}_tiles_bcast_{dim}"
    st = _state()
    _require_math(st, ("bcast", op, dim, (int(icb0), int(icb1))), call, _BCAST_INIT_NAMES[(op, dim)])
    _check_formats(st, (icb0, icb1), call)
    slot = _math_slot(st, idst, call)
    a = _unpack(icb0, itile0, call)
    b = _broadcast(_unpack(icb1, itile1, call), dim, int(row))
    _write_dst(st, slot, _BINARY[op](a, b))


# The init names are irregular in the header (compute-facts §2.3).
_BCAST_INIT_NAMES = {
    ("add", "rows"): "add_bcast_rows_init_short", ("add", "cols"): "add_bcast_cols_init_short",
    ("add", "scalar"): "add_bcast_scalar_init_short", ("sub", "rows"): "sub_bcast_rows_init_short",
    ("sub", "cols"): "sub_bcast_cols_init_short", ("sub", "scalar"): "sub_tiles_bcast_scalar_init_short",
    ("mul", "rows"): "mul_bcast_rows_init_short", ("mul", "cols"): "mul_bcast_cols_init_short",
    ("mul", "scalar"): "mul_tiles_bcast_scalar_init_short",
}


def _register_bcast(op: str, dim: str) -> None:
    init_name = _BCAST_INIT_NAMES[(op, dim)]

    @API.function(init_name, groups=C, header=BC_H)
    def init(icb0, icb1):
        _bcast_init(op, dim, icb0, icb1, init_name)

    if dim == "rows":
        @API.function(f"{op}_tiles_bcast_rows", groups=C, header=BC_H)
        def call(icb0, icb1, itile0, itile1, idst, bcast_row_idx=0):
            _bcast(op, dim, icb0, icb1, itile0, itile1, idst, bcast_row_idx)
    else:
        @API.function(f"{op}_tiles_bcast_{dim}", groups=C, header=BC_H)
        def call(icb0, icb1, itile0, itile1, idst):
            _bcast(op, dim, icb0, icb1, itile0, itile1, idst)


for _op in ("add", "sub", "mul"):
    for _dim in ("rows", "cols", "scalar"):
        _register_bcast(_op, _dim)


@API.function("init_bcast", groups=C, header=BC_H, template_args=(2, 2))
def init_bcast(targs, icb0, icb1, ocb):
    st = _state()
    _configure(st, icb0, icb1, ocb, "init_bcast")
    op, dim = targs
    _set_math(st, ("bcast", op, dim, (int(icb0), int(icb1))))


@API.function("any_tiles_bcast", groups=C, header=BC_H, template_args=(2, 2))
def any_tiles_bcast(targs, icb0, icb1, itile0, itile1, idst, bcast_row_idx=0):
    op, dim = targs
    _bcast(op, dim, icb0, icb1, itile0, itile1, idst, bcast_row_idx)


def _register_templated_bcast(op: str) -> None:
    """`<op>_tiles_bcast<BroadcastType::COL/ROW/SCALAR>(...)`: any_tiles_bcast with the op fixed (bcast.h)."""
    @API.function(f"{op}_tiles_bcast", groups=C, header=BC_H, template_args=(1, 1))
    def call(targs, icb0, icb1, itile0, itile1, idst, bcast_row_idx=0):
        _bcast(op, targs[0], icb0, icb1, itile0, itile1, idst, bcast_row_idx)


for _op in ("add", "sub", "mul"):
    _register_templated_bcast(_op)


# ----- SFPU ops on two DST tiles, fill, DST copies, typecast ------------------------------------------------------

_SFPU_BINARY = {
    "add_binary": ("api/compute/eltwise_binary_sfpu.h", np.add),
    "sub_binary": ("api/compute/eltwise_binary_sfpu.h", np.subtract),
    "mul_binary": ("api/compute/eltwise_binary_sfpu.h", np.multiply),
    "div_binary": ("api/compute/eltwise_binary_sfpu.h", np.divide),
    "rsub_binary": ("api/compute/eltwise_binary_sfpu.h", lambda a, b: b - a),
    "binary_max": ("api/compute/binary_max_min.h", np.maximum),
    "binary_min": ("api/compute/binary_max_min.h", np.minimum),
}


def _sfpu_source(st: ComputeState, idst, call: str) -> np.ndarray:
    slot = _math_slot(st, idst, call)
    if slot not in st.written:
        raise violation("dst-lifecycle", f"{call} reads DST[{slot}], which holds no result in this section")
    return st.dst[slot]


def _register_sfpu_binary(name: str, header: str, fn) -> None:
    @API.function(f"{name}_tile_init", groups=C, header=header)
    def init():
        _configure_sfpu(name, f"{name}_tile_init")

    @API.function(f"{name}_tile", groups=C, header=header, args=(3, 4))
    def op(idst0, idst1, odst, vector_mode=None):
        st = _state()
        call = f"{name}_tile"
        _require_sfpu(st, name, call, f"{name}_tile_init")
        a, b = _sfpu_source(st, idst0, call), _sfpu_source(st, idst1, call)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            _write_dst(st, _math_slot(st, odst, call), fn(a, b))


for _name, (_header, _fn) in _SFPU_BINARY.items():
    _register_sfpu_binary(_name, _header, _fn)


@API.function("fill_tile_init", groups=C, header="api/compute/eltwise_unary/fill.h")
def fill_tile_init():
    _configure_sfpu("fill", "fill_tile_init")


@API.function("fill_tile", groups=C, header="api/compute/eltwise_unary/fill.h")
def fill_tile(idst, param0):
    st = _state()
    if st.sfpu != "fill":
        raise violation("init-missing", f"fill_tile without fill_tile_init (SFPU configured for {st.sfpu})")
    _write_dst(st, _math_slot(st, idst, "fill_tile"), np.full((32, 32), float(param0), np.float32))


MASK_H = "api/compute/mask.h"


@API.function("mask_tile_init", groups=C, header=MASK_H)
def mask_tile_init():
    _configure_sfpu("mask", "mask_tile_init")


@API.function("mask_tile", groups=C, header=MASK_H, args=(2, 3))
def mask_tile(idst_data, idst2_mask, data_format=None):
    """Zero each element of DST[idst_data] whose mask is 0. The mask is read from DST[idst_data + 1] whatever
    idst2_mask says: ckernel_sfpu_mask.h reads dst_reg[32], one tile further (mask.h documents the quirk)."""
    st = _state()
    _require_sfpu(st, "mask", "mask_tile", "mask_tile_init")
    data = _sfpu_source(st, idst_data, "mask_tile")
    mask = _sfpu_source(st, int(idst_data) + 1, "mask_tile (its mask, DST[idst_data + 1])")
    _write_dst(st, _math_slot(st, idst_data, "mask_tile"), np.where(mask == 0, np.float32(0), data))


@API.function("copy_dest_values_init", groups=C, header="api/compute/copy_dest_values.h")
def copy_dest_values_init():
    _configure_sfpu("copy_dest_values", "copy_dest_values_init")


@API.function("copy_dest_values", groups=C, header="api/compute/copy_dest_values.h", template_args=(0, 1))
def copy_dest_values(targs, idst_in, idst_out):
    st = _state()
    if st.sfpu != "copy_dest_values":
        raise violation("init-missing", "copy_dest_values without copy_dest_values_init")
    value = _sfpu_source(st, idst_in, "copy_dest_values").copy()
    _write_dst(st, _math_slot(st, idst_out, "copy_dest_values"), value)


# tt::DataFormat values as typecast_tile takes them (tensix_types.h).
_TYPECAST_FORMATS = {0: "float32", 4: "tf32", 5: "bfloat16", 6: "bfloat8_b", 7: "bfloat4_b"}


@API.function("typecast_tile_init", groups=C, header="api/compute/eltwise_unary/typecast.h", template_args=(2, 2))
def typecast_tile_init(targs):
    _configure_sfpu(("typecast", int(targs[0]), int(targs[1])), "typecast_tile_init")


@API.function("typecast_tile", groups=C, header="api/compute/eltwise_unary/typecast.h", template_args=(2, 2))
def typecast_tile(targs, idst):
    st = _state()
    key = ("typecast", int(targs[0]), int(targs[1]))
    if st.sfpu != key:
        raise violation("init-missing" if st.sfpu is None else "init-mismatch",
                        f"typecast_tile<{key[1]}u, {key[2]}u> without the matching typecast_tile_init")
    source, target = (_TYPECAST_FORMATS.get(v) for v in key[1:])
    if source is None or target is None:
        raise violation("cpp-fault", f"typecast_tile<{key[1]}u, {key[2]}u>: only float formats are modelled")
    value = _sfpu_source(st, idst, "typecast_tile")
    if target == "bfloat16":
        # Round to nearest even in DST, kept as fp32 with the low 16 bits zero.
        value = value.astype(ml_dtypes.bfloat16).astype(np.float32)
    _write_dst(st, _math_slot(st, idst, "typecast_tile"), value)


# ----- SFPU ops with a scalar (api/compute/eltwise_unary/binop_with_scalar.h): the scalar is float32 bits -------------

_SCALAR_OPS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
               "rsub": lambda x, s: s - x}
BS_H = "api/compute/eltwise_unary/binop_with_scalar.h"


@API.function("binop_with_scalar_tile_init", groups=C, header=BS_H)
def binop_with_scalar_tile_init():
    _configure_sfpu("binop_with_scalar", "binop_with_scalar_tile_init")


def _register_scalar_op(name: str, fn) -> None:
    @API.function(f"{name}_unary_tile", groups=C, header=BS_H)
    def op(idst, param1):
        st = _state()
        call = f"{name}_unary_tile"
        _require_sfpu(st, "binop_with_scalar", call, "binop_with_scalar_tile_init")
        scalar = np.array([int(param1) & 0xFFFF_FFFF], dtype=np.uint32).view(np.float32)[0]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            _write_dst(st, _math_slot(st, idst, call), fn(_sfpu_source(st, idst, call), scalar))


for _name, _fn in _SCALAR_OPS.items():
    _register_scalar_op(_name, _fn)


def _register_int32_scalar_op(name: str, fn) -> None:
    """The int32 variants: DST holds 32-bit integers (kept exact as float32 up to 2^24) and the scalar is the
    integer itself, not float bits."""
    @API.function(f"{name}_unary_tile_int32", groups=C, header=BS_H)
    def op(idst, param1):
        st = _state()
        call = f"{name}_unary_tile_int32"
        _require_sfpu(st, "binop_with_scalar", call, "binop_with_scalar_tile_init")
        scalar = np.int64(np.array([int(param1) & 0xFFFF_FFFF], dtype=np.uint32).view(np.int32)[0])
        result = fn(_sfpu_source(st, idst, call).astype(np.int64), scalar)
        if np.abs(result).max(initial=0) >= 1 << 24:
            raise violation("api-argument", f"{call}: results beyond 2^24 are not modelled exactly")
        _write_dst(st, _math_slot(st, idst, call), result)


for _name in ("add", "sub"):
    _register_int32_scalar_op(_name, _SCALAR_OPS[_name])


# ----- SFPU ops with a float32-bits parameter --------------------------------------------------------------------

def _elu(x: np.ndarray, slope: np.float32) -> np.ndarray:
    return np.where(x > 0, x, slope * (np.exp(np.minimum(x, 0)) - np.float32(1.0))).astype(np.float32)


PARAM_SFPU_OPS = {
    "elu": ("api/compute/eltwise_unary/elu.h", _elu),
    **{f"unary_{name}": (CMP_H, _compare(op)) for name, op in _COMPARISONS},
}


def _register_param_sfpu(name: str, header: str, fn) -> None:
    @API.function(f"{name}_tile_init", groups=C, header=header)
    def init():
        _configure_sfpu(name, f"{name}_tile_init")

    @API.function(f"{name}_tile", groups=C, header=header)
    def op(idst, param0):
        st = _state()
        call = f"{name}_tile"
        _require_sfpu(st, name, call, f"{name}_tile_init")
        value = np.array([int(param0) & 0xFFFF_FFFF], dtype=np.uint32).view(np.float32)[0]
        with np.errstate(over="ignore", invalid="ignore"):
            _write_dst(st, _math_slot(st, idst, call), fn(_sfpu_source(st, idst, call), value))


for _name, (_header, _fn) in PARAM_SFPU_OPS.items():
    _register_param_sfpu(_name, _header, _fn)


@API.function("read_tile_value", groups=C, header="api/compute/cb_api.h")
def read_tile_value(cb_id, tile_index, element_offset):
    """A 32-bit word of a tile in the CB's waited window (the UNPACK thread reads it and mails it to the others)."""
    cb = ctx.core().cb(cb_id)
    tile_index, element_offset = int(tile_index), int(element_offset)
    if cb.consumer is not ctx.thread() or not 0 <= tile_index < cb.waited:
        raise violation("cb-protocol", f"read_tile_value reads tile {tile_index} of CB {cb.name} outside the "
                                       f"{cb.waited} page(s) waited for with cb_wait_front")
    if not 0 <= element_offset * 4 < cb.page_size:
        raise violation("cb-protocol", f"read_tile_value: word {element_offset} is outside the {cb.page_size} B page")
    address = cb.page_address(cb.rd + tile_index) + element_offset * 4
    return int(ctx.core().l1[address:address + 4].view("<u4")[0])


# ----- the cost model: what each op costs the compute thread (timing.py) ------------------------------------------

_TRANSCENDENTAL = {"exp", "recip", "sqrt", "rsqrt", "sigmoid", "silu", "tanh", "log", "elu"}
_ELTWISE = {"add_tiles", "sub_tiles", "copy_tile", "transpose_tile", "reduce_tile", "binary_dest_reuse_tiles",
            "any_tiles_bcast", "transpose_dest"}


def _op_cost(name: str):
    """(cycles of one call of compute API `name` as a function, whether the pack thread runs it, whether it
    uses the SFPU), or None for free calls (inits, DST handshakes, reconfigurations)."""
    if name == "matmul_tiles":
        return timing.matmul_cost, False, False
    if name == "mul_tiles" or name.startswith("mul_tiles_bcast"):
        return timing.multiply_cost, False, False
    if name in _ELTWISE or "_tiles_bcast_" in name:
        return (lambda: timing.COSTS.eltwise_tile), False, False
    if name == "pack_tile":
        return (lambda: timing.COSTS.pack_tile), True, False
    name = name.removesuffix("_int32")
    if name.endswith("_tile") and not name.endswith("_init"):
        packer = "_packthread" in name
        base = name.removesuffix("_tile").removesuffix("_packthread").removesuffix("_unary").removeprefix("unary_")
        if base in _TRANSCENDENTAL:
            return (lambda: timing.COSTS.sfpu_transcendental_tile), packer, True
        return (lambda: timing.COSTS.sfpu_simple_tile), packer, True
    return None


def _with_cost(fn, name: str, cost, packer: bool, sfpu: bool):
    """`fn` charging its cost after it ran (on the pack thread's clock for packer work)."""
    if packer:
        def charged(*args):
            result = fn(*args)
            timing.on_packer(_charge, name, cost, sfpu)
            return result
    else:
        def charged(*args):
            result = fn(*args)
            _charge(name, cost, sfpu)
            return result

    charged.__wrapped__ = fn
    return charged


def _charge(name: str, cost, sfpu: bool) -> None:
    # The SFPU is one unit shared by the math and pack threads (a semaphore guards it): an SFPU op also waits
    # for the other thread's (a stall of the math thread; the pack thread's wait is not counted as one).
    if sfpu:
        st = _state()
        timing.wait_until(st.sfpu_free_at, "SFPU", not ctx.thread().on_packer)
        timing.charge(cost(), name)
        st.sfpu_free_at = timing.now()
    else:
        timing.charge(cost(), name)


for _entry in list(API.entries.values()):
    if _entry.kind == "function" and C.issubset(_entry.groups) and "dataflow" not in _entry.groups:
        _cost = _op_cost(_entry.name)
        if _cost is not None:
            API.entries[_entry.name] = dataclasses.replace(_entry, value=_with_cost(_entry.value, _entry.name, *_cost))


API.takes_call_line([
    "add_bcast_rows_init_short", "sub_bcast_rows_init_short", "add_bcast_cols_init_short",
    "add_bcast_scalar_init_short", "mul_tiles_bcast_scalar_init_short", "mul_bcast_cols_init_short",
    "mul_bcast_rows_init_short", "sub_bcast_cols_init_short", "sub_tiles_bcast_scalar_init_short",
    "binary_op_init_common", "mul_tiles_init", "add_tiles_init", "sub_tiles_init", "binary_dest_reuse_tiles_init",
    "reduce_init", "transpose_init", "matmul_init", "mm_init", "copy_tile_to_dst_init_short", "copy_tile_init",
    "unary_op_init_common", "init_sfpu", "pack_untilize_dest_init"])
