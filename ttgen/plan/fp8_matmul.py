"""FP8 GEMM with fine-grained scales: C = Σ_kb (A_kb · sa[:, kb]) @ (B_kb · sb[kb, nb]), DeepSeek-V3 style.

A is quantized per row and per block of `bk` columns of K (scale tensor [M, K/bk]), B per `bk` x `bn` block
(scale tensor [K/bk, N/bn]). Wormhole's unpacker has no FP8 format, so each 8-bit operand travels as
`schedule.carry` says:

* `float8` (the default for an FP8 input): the DRAM buffer holds the e4m3 / e5m2 codes, one byte per element, a
  32x32 tile in a 1024-byte page. The reader that fetches a block widens it in L1 to bfloat16 through a
  256-entry table it builds from the format's bit fields at start-up. Exact: every e4m3 and e5m2 value is a
  bfloat16.
* `bfloat16`: the host widens (exact), twice the DRAM bytes.
* `bfloat8_b`: the host repacks to block-float pages, which is lossy (16 values share one exponent): the spec must
  say `schedule.lossy_carry: true`, and the tolerance charges the loss.

Layout: 2-D multicast over a GX x GY grid, core (x, y) owning output block (y, x) of per_core_m x per_core_n tiles,
the K loop in blocks of bk/32 tiles (one scale block each). The core of grid column 0 reads its row's A block from
DRAM once, widens it, builds the row-scale tiles of the K block (each row of a Float32 tile filled with that row's
scale, from the compact scales it read once) and multicasts both along the row; the core of grid row 0 does the same
for B's block and the K block's row of B scales down its column. So each A and B byte leaves DRAM once.

Compute, per output subblock and K block: the block's partial product in a 32-bit DST, multiplied on the SFPU by the
row-scale tile times B's block scale (float32 bits from L1 with read_tile_value), plus the running sum of the
earlier K blocks from a Float32 partials CB; the last K block packs bfloat16.
"""

from __future__ import annotations

from .. import arch
from ..numerics.dataformat import FORMATS, HOST_ONLY_FORMATS
from ..spec import Spec
from . import resources as res
from .common import base_context, kernel_names, numerics, tensor_context
from .matmul_shape import operands, subblock
from .model import CBPlan, OutputFile, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "carry", "lossy_carry"}
WIDENED = "float8"  # the carry of FP8 bytes widened on the device
HOST_CARRIES = ("bfloat16", "bfloat8_b")
LOSSY = ("bfloat8_b",)
DRAM_PAGE_ALIGNMENT = 32  # Wormhole DRAM reads and writes are 32-byte aligned


def _carries(spec: Spec, a, b) -> dict[str, str]:
    lossy_ok = spec.doc.data.get("schedule", {}).get("lossy_carry", False)
    carry = {}
    for t in (a, b):
        given = spec.schedule.carry.get(t.name)
        if t.dtype in HOST_ONLY_FORMATS:
            carry[t.name] = given or WIDENED
            if carry[t.name] not in (WIDENED, *HOST_CARRIES):
                raise spec.error(f"{t.dtype} is carried as {WIDENED} (widened on the device), "
                                 f"{' or '.join(HOST_CARRIES)}", "schedule", "carry", t.name)
            if carry[t.name] in LOSSY and not lossy_ok:
                raise spec.error(f"carrying {t.dtype} operand {t.name} as {carry[t.name]} loses the low bits of "
                                 "values whose 16-value group spans more than 4 binades; say schedule.lossy_carry: "
                                 f"true to accept it (the tolerance charges the loss), or use {WIDENED}",
                                 "schedule", "carry", t.name)
        elif t.dtype in HOST_CARRIES:  # already a Tensix format: read as it is
            if given not in (None, t.dtype):
                raise spec.error(f"{t.name} is already {t.dtype}; carry applies to float8 operands",
                                 "schedule", "carry", t.name)
            carry[t.name] = t.dtype
        else:
            raise spec.error("the FP8 GEMM reads float8_e4m3, float8_e5m2, bfloat8_b or bfloat16 operands",
                             t.group, t.name, "dtype")
    if lossy_ok and not any(c in LOSSY for c in carry.values()):
        raise spec.error("schedule.lossy_carry is set but no operand has a lossy carry", "schedule", "lossy_carry")
    return carry


def _scale_blocks(spec: Spec, a_name: str, b_name: str, a, b, sa, sb) -> tuple[int, int]:
    scales = spec.compute["scales"]
    (a_rows, bk), (bk_b, bn) = scales[a_name]["block"], scales[b_name]["block"]
    if a_rows != 1:
        raise spec.error(f"{a.name} is scaled per row and K block: its block is [1, bk]", "compute", "scales",
                         a_name, "block")
    if bk != bk_b:
        raise spec.error(f"the K block of {a.name}'s scales ({bk}) and of {b.name}'s ({bk_b}) must match", "compute",
                         "scales", b_name, "block")
    k, n = a.dims[1], b.dims[1]
    for size, total, what, who, t in ((bk, k, "K", a_name, a), (bn, n, "N", b_name, b)):
        if size % 32:
            raise spec.error(f"scale block {size} along {what} must be a multiple of 32 (whole tiles)",
                             "compute", "scales", who, "block")
        if total % size:
            raise spec.error(f"{what} = {total} is not a multiple of the {size}-wide scale block: each block needs "
                             "its own scale", t.group, t.name, "shape")
    kb, nb = k // bk, n // bn
    m = a.dims[0]
    if sa.dims != (m, kb):
        raise spec.error(f"{sa.name} holds one scale per row and K block: [{m}, {kb}]", sa.group, sa.name, "shape")
    if sb.dims != (kb, nb):
        raise spec.error(f"{sb.name} holds one scale per {bk}x{bn} block: [{kb}, {nb}]", sb.group, sb.name, "shape")
    return bk, bn


def _round_up(value: int, unit: int) -> int:
    return -(-value // unit) * unit


def plan_fp8_matmul(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    scales = spec.compute["scales"]
    a_name, b_name = operands(spec, extra=tuple(s["tensor"] for s in scales.values()))
    for name in (a_name, b_name):
        if name not in scales:
            raise spec.error(f"compute.scales needs an entry for operand {name}", "compute", "scales")
    extra = sorted(set(scales) - {a_name, b_name})
    if extra:
        raise spec.error(f"compute.scales names {extra[0]!r}, which is not an operand", "compute", "scales", extra[0])
    a, b = spec.inputs[a_name], spec.inputs[b_name]
    sa, sb = (spec.inputs.get(scales[n]["tensor"]) for n in (a_name, b_name))
    for n, s in ((a_name, sa), (b_name, sb)):
        if s is None:
            raise spec.error(f"scale tensor {scales[n]['tensor']!r} is not an input", "compute", "scales", n, "tensor")
        if s.dtype != "float32":
            raise spec.error("scales are float32", s.group, s.name, "dtype")
    if len(spec.outputs) != 1:
        raise spec.error("the matmul pattern writes exactly one output", "outputs")
    (c,) = spec.outputs.values()
    if c.dtype != "bfloat16":
        raise spec.error("the FP8 GEMM writes a bfloat16 output", "outputs", c.name, "dtype")
    for t in (a, b, c):
        if len(t.dims) != 2:
            raise spec.error("matmul operands are 2-D", t.group, t.name, "shape")
    ta, tb = res.tiling(spec, a), res.tiling(spec, b)
    m, k = a.dims
    n = b.dims[1]
    if b.dims[0] != k:
        raise spec.error(f"inner dimensions differ: {a.name} is {m}x{k}, {b.name} is {b.dims[0]}x{n}", "inputs",
                         b.name, "shape")
    if c.dims != (m, n):
        raise spec.error(f"output must be {m}x{n}", "outputs", c.name, "shape")
    bk, bn = _scale_blocks(spec, a_name, b_name, a, b, sa, sb)
    carry = _carries(spec, a, b)
    if spec.doc.data.get("schedule", {}).get("dst", {}).get("fp32_accumulation") is False:
        raise spec.error("the scaled partial sums are float32: fp32_accumulation cannot be off", "schedule", "dst")

    mt, kt, nt = ta.row_tiles, ta.col_tiles, tb.col_tiles
    kb, nb = k // bk, n // bn
    bk_t, bn_t = bk // 32, bn // 32
    gx, gy = res.core_grid(spec)
    if mt % gy or nt % gx:
        raise spec.error(f"the {gx}x{gy} grid must divide the {mt}x{nt} output tiles: one block per core "
                         f"({mt} % {gy}, {nt} % {gx})", "schedule", "grid")
    pcm, pcn = mt // gy, nt // gx
    capacity = arch.dst_capacity(spec.schedule.dst_sync, True)
    # one DST tile stays free for the scale tile and the running sum that are brought next to each product
    sbh, sbw = subblock(pcm, pcn, capacity - 1)

    bf16, fp32 = FORMATS["bfloat16"], FORMATS["float32"]
    device_format = {t.name: bf16 if carry[t.name] in (WIDENED, "bfloat16") else FORMATS[carry[t.name]]
                     for t in (a, b)}
    dram_format = {t.name: FORMATS["uint8"] if carry[t.name] == WIDENED else device_format[t.name] for t in (a, b)}
    depth_a = res.cb_pages(spec, a.name, 1)[0]
    depth_b = res.cb_pages(spec, b.name, 1)[0]
    sa_page = kb * 32 * 4  # a row tile's scales: KB blocks of 32 rows, block-major
    sb_page = _round_up(nb * 4, DRAM_PAGE_ALIGNMENT)  # a K block's row of B scales
    cbs = [
        CBPlan(0, "cb_in0", device_format[a.name], depth_a * pcm * bk_t,
               f"in0 blocks: {pcm}x{bk_t} tiles of {a.name} as {device_format[a.name].name}, multicast along rows"),
        CBPlan(1, "cb_in1", device_format[b.name], depth_b * bk_t * pcn,
               f"in1 blocks: {bk_t}x{pcn} tiles of {b.name} as {device_format[b.name].name}, multicast down "
               "columns"),
        CBPlan(2, "cb_sa", fp32, 2 * pcm, f"row-scale tiles of {sa.name} for the block's rows and K block, each row "
                                          "filled with its scale, multicast along rows"),
        CBPlan(3, "cb_sb", fp32, 2, f"the K block's row of {sb.name} block scales, multicast down columns",
               page_bytes=sb_page),
        CBPlan(4, "cb_sa_rows", fp32, pcm, f"the row block's compact {sa.name} scales, read once by the in0 sender",
               page_bytes=sa_page),
        CBPlan(16, "cb_out", bf16, 2 * sbh * sbw, f"output subblocks of {c.name}"),
        CBPlan(24, "cb_partials", fp32, pcm * pcn, "running sums of the block over K blocks"),
    ]
    if carry[a.name] == WIDENED:
        cbs.append(CBPlan(5, "cb_in0_fp8", FORMATS["uint8"], pcm * bk_t,
                          f"{a.name}'s FP8 codes of one in0 block, before widening (in0 sender)"))
    if carry[b.name] == WIDENED:
        cbs.append(CBPlan(6, "cb_in1_fp8", FORMATS["uint8"], bk_t * pcn,
                          f"{b.name}'s FP8 codes of one in1 block, before widening (in1 sender)"))
    cbs.sort(key=lambda x: x.index)
    l1 = res.check_l1(spec, cbs)
    res.check_dram(spec, [c])
    cb = {x.var: x for x in cbs}
    n_ = spec.name
    names = kernel_names(spec) | {
        "in0_sender": f"kernels/dataflow/reader_in0_sender_{n_}.cpp",
        "in0_receiver": f"kernels/dataflow/reader_in0_receiver_{n_}.cpp",
        "in1_sender": f"kernels/dataflow/reader_in1_sender_writer_{n_}.cpp",
        "in1_receiver": f"kernels/dataflow/reader_in1_receiver_writer_{n_}.cpp",
    }

    def operand(t, block_cb: str, staging: str, rows: str, cols: str) -> dict:
        return tensor_context(spec, t, cb[block_cb], rows, cols) | {
            "carry": carry[t.name], "widen": carry[t.name] == WIDENED,
            "staging": cb.get(staging), "dram_page": dram_format[t.name].tile_bytes,
            "fp8": t.dtype if t.dtype in HOST_ONLY_FORMATS else None}

    geometry = {"per_core_m": pcm, "per_core_n": pcn, "in0_block_w": bk_t, "num_k_blocks": kb,
                "out_subblock_h": sbh, "out_subblock_w": sbw, "bn_t": bn_t, "KB": kb, "NB": nb}
    context = base_context(spec, names) | {
        "a": operand(a, "cb_in0", "cb_in0_fp8", "M", "K"),
        "b": operand(b, "cb_in1", "cb_in1_fp8", "K", "N"),
        "c": tensor_context(spec, c, cb["cb_out"], "M", "N"),
        "sa": tensor_context(spec, sa, cb["cb_sa_rows"], "M", "KB"),
        "sb": tensor_context(spec, sb, cb["cb_sb"], "KB", "NB"),
        "cb": cb,
        "cbs": cbs,
        "grid": (gx, gy),
        "geometry": geometry,
        "dims": {"M": m, "N": n, "K": k},
        "sb_page_words": sb_page // 4,
        "fp32_dest_acc_en": True,
    }
    fp8_bytes = m * k + k * n
    scale_bytes = mt * sa_page + gx * kb * sb_page
    operand_bytes = mt * kt * dram_format[a.name].tile_bytes + kt * nt * dram_format[b.name].tile_bytes
    widen = [t.name for t in (a, b) if carry[t.name] == WIDENED]
    explain = [
        f"C[{m}x{n}] = Σ over {kb} K blocks of ({a.name} · {sa.name}) @ ({b.name} · {sb.name}): Mt={mt}, Nt={nt}, "
        f"Kt={kt} tiles, K blocks of {bk} ({bk_t} tiles), N scale blocks of {bn}",
        f"carry: {a.name} {carry[a.name]}, {b.name} {carry[b.name]}"
        + (f"; {' and '.join(widen)} stay FP8 in DRAM (1024 B pages) and are widened to bfloat16 in L1 by the "
           "sender that reads them, through a 256-entry table built on the device" if widen else ""),
        f"grid {gx}x{gy}: one {pcm}x{pcn} output block per core; {a.name} blocks read by grid column 0 and multicast "
        f"along each row, {b.name} blocks read by grid row 0 and multicast down each column",
        f"DRAM bytes read: {operand_bytes + scale_bytes} = {operand_bytes} of operands + {scale_bytes} of scales "
        f"({(operand_bytes + scale_bytes) / fp8_bytes:.2f}x the {fp8_bytes} B of M·K + K·N FP8 bytes)",
        f"per subblock of {sbh}x{sbw} tiles and K block: the partial product in a 32-bit DST, times the row-scale "
        f"tile times the block scale of {sb.name} (SFPU, float32), plus the running sum from c_24",
        *[f"CB c_{x.index} ({x.purpose}): {x.pages} pages x {x.page_size} B {x.fmt.metal_name}" for x in cbs],
        f"L1 per core: {l1} B of {arch.L1_USABLE} B usable",
    ]
    files = [OutputFile(f"fp8_matmul/{role}.cpp.j2", names[role])
             for role in ("in0_sender", "in0_receiver", "in1_sender", "in1_receiver", "compute", "host")]
    files.append(OutputFile("common/ttgen_io.hpp.j2", names["io"]))
    metadata = {"pattern": "fp8_matmul",
                "compute": {"a": a.name, "b": b.name, "a_scale": sa.name, "b_scale": sb.name, "block": [bk, bn],
                            "carry": carry},
                "dram_read_bytes": operand_bytes + scale_bytes,
                "numerics": numerics(spec) | {"fp32_accumulation": True}}
    return Plan(spec, "fp8_matmul", files, context, cbs, metadata, explain)

