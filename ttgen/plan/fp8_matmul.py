"""FP8 GEMM with fine-grained scales: C = Σ_kb (A_kb · sa[:, kb]) @ (B_kb · sb[kb, nb]).

A is quantized per row and per block of `bk` columns of K (scale tensor [M, K/bk]), B per `bk` x `bn` block
(scale tensor [K/bk, N/bn]), as in FP8 training recipes. Tensix has no e4m3 arithmetic, so each 8-bit operand is
carried in a Tensix format chosen by `schedule.carry`:

* `bfloat8_b` (the default): 8-bit block-float pages, 1088 B per tile against 1024 B of e4m3. An e4m3 value has
  4 significant bits and bfloat8_b 7 below a shared exponent per 16 values of a face row, so the carry is exact
  while the 16 values span at most 4 binades, and loses the low bits of smaller values beyond that.
* `bfloat16`: exact (every e4m3 value is a bfloat16), twice the DRAM traffic.

The scales are applied where FP8 recipes apply them, after each K block's partial product: the compute kernel
accumulates the block's bk/32 tile products in a 32-bit DST (the matmul reads the carried values exactly),
multiplies it by the row scales of A (a tile of sa, each row filled with its scale) times B's block scale (a
scalar read from L1 with read_tile_value), both on the SFPU in float32, and adds it to the running sum, which
stays in a Float32 CB between K blocks. Only the last block's sum is packed to the bfloat16 output.
"""

from __future__ import annotations

from .. import arch
from ..numerics.dataformat import FORMATS, HOST_ONLY_FORMATS
from ..spec import Spec
from . import resources as res
from .common import base_context, io_files, kernel_names, numerics, tensor_context
from .matmul_shape import operands
from .model import CBPlan, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "work_split", "roles", "carry"}
CARRIES = ("bfloat8_b", "bfloat16")
FP32_WORDS_PER_PAGE = 1024


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
    (a_rows, bk), (bk_b, bn) = scales[a_name]["block"], scales[b_name]["block"]
    if a_rows != 1:
        raise spec.error(f"{a.name} is scaled per row and K block: its block is [1, bk]", "compute", "scales",
                         a_name, "block")
    if bk != bk_b:
        raise spec.error(f"the K block of {a.name}'s scales ({bk}) and of {b.name}'s ({bk_b}) must match", "compute",
                         "scales", b_name, "block")
    for size, total, what, who in ((bk, k, "K", a_name), (bn, n, "N", b_name)):
        if size % 32 or total % size:
            raise spec.error(f"scale block {size} along {what} must be a multiple of 32 dividing {total}",
                             "compute", "scales", who, "block")
    kb, nb = k // bk, n // bn
    if sa.dims != (m, kb):
        raise spec.error(f"{sa.name} holds one scale per row and K block: [{m}, {kb}]", sa.group, sa.name, "shape")
    if sb.dims != (kb, nb):
        raise spec.error(f"{sb.name} holds one scale per {bk}x{bn} block: [{kb}, {nb}]", sb.group, sb.name, "shape")
    if kb * nb > FP32_WORDS_PER_PAGE:
        raise spec.error(f"{kb * nb} block scales of {sb.name} exceed the one {FP32_WORDS_PER_PAGE}-word page the "
                         "compute kernel reads them from", sb.group, sb.name, "shape")
    carry = {}
    for t in (a, b):
        if t.dtype in HOST_ONLY_FORMATS:
            if t.name not in spec.schedule.carry:
                raise spec.error(f"say how {t.dtype} operand {t.name} is carried: schedule.carry.{t.name} = "
                                 f"{' or '.join(CARRIES)}", t.group, t.name, "dtype")
            carry[t.name] = spec.schedule.carry[t.name]
            if carry[t.name] not in CARRIES:
                raise spec.error(f"{t.dtype} is carried as {' or '.join(CARRIES)}", "schedule", "carry", t.name)
        elif t.dtype in CARRIES:
            carry[t.name] = t.dtype
        else:
            raise spec.error("the FP8 GEMM reads float8_e4m3, float8_e5m2, bfloat8_b or bfloat16 operands",
                             t.group, t.name, "dtype")
    mt, kt, nt = ta.row_tiles, ta.col_tiles, tb.col_tiles
    bk_t, bn_t = bk // 32, bn // 32
    grid = res.core_grid(spec)
    split = res.split_work(mt * nt, grid)
    fa, fb, fp32 = FORMATS[carry[a.name]], FORMATS[carry[b.name]], FORMATS["float32"]
    cbs = [
        CBPlan(0, "cb_a", fa, res.cb_pages(spec, a.name, bk_t)[0], f"{a.name} (carried as {fa.name}): one K block "
                                                                   "at a time"),
        CBPlan(1, "cb_b", fb, res.cb_pages(spec, b.name, bk_t)[0], f"{b.name} (carried as {fb.name}): one K block "
                                                                   "at a time"),
        CBPlan(2, "cb_sa", fp32, 2, f"{sa.name} of the output row and K block, each row filled with its scale"),
        CBPlan(3, "cb_sb", fp32, 1, f"every block scale of {sb.name}, read once"),
        CBPlan(16, "cb_out", FORMATS["bfloat16"], 2, f"output {c.name}"),
        CBPlan(24, "cb_acc", fp32, 2, "running sum over K blocks: the previous and the next"),
    ]
    l1 = res.check_l1(spec, cbs)
    res.check_dram(spec, [a, b, c])
    if spec.doc.data.get("schedule", {}).get("dst", {}).get("fp32_accumulation") is False:
        raise spec.error("the scaled partial sums are float32: fp32_accumulation cannot be off", "schedule", "dst")
    names = kernel_names(spec)
    cb = {x.var: x for x in cbs}
    context = base_context(spec, names) | {
        "a": tensor_context(spec, a, cb["cb_a"], "M", "K") | {"carry": carry[a.name]},
        "b": tensor_context(spec, b, cb["cb_b"], "K", "N") | {"carry": carry[b.name]},
        "c": tensor_context(spec, c, cb["cb_out"], "M", "N"),
        "sa": tensor_context(spec, sa, cb["cb_sa"], "M", "KB"),
        "sb": tensor_context(spec, sb, cb["cb_sb"], "KB", "NB"),
        "cb": cb,
        "cbs": cbs,
        "grid": grid,
        "dims": {"M": m, "N": n, "K": k, "KB": kb, "NB": nb, "bk_t": bk_t, "bn_t": bn_t},
        "fp32_dest_acc_en": True,
    }
    bytes_fp8 = (m * k + k * n)
    bytes_carried = mt * kt * fa.tile_bytes + kt * nt * fb.tile_bytes
    explain = [
        f"C[{m}x{n}] = Σ over {kb} K blocks of ({a.name} · {sa.name}) @ ({b.name} · {sb.name}): Mt={mt}, Nt={nt}, "
        f"Kt={kt} tiles, K blocks of {bk} ({bk_t} tiles), N blocks of {bn}",
        f"carry: {a.name} as {carry[a.name]}, {b.name} as {carry[b.name]} ({bytes_carried} B of operand pages for "
        f"{bytes_fp8} B of 8-bit data)",
        f"grid {grid[0]}x{grid[1]}: {split.describe('output tile')}",
        "per output tile and K block: the block's tile products accumulate in a 32-bit DST, are scaled by the rows' "
        f"{sa.name} and the block's {sb.name} on the SFPU and added to a Float32 running sum",
        *[f"CB c_{x.index} ({x.purpose}): {x.pages} pages x {x.page_size} B {x.fmt.metal_name}" for x in cbs],
        f"L1 per core: {l1} B of {arch.L1_USABLE} B usable",
    ]
    metadata = {"pattern": "fp8_matmul",
                "compute": {"a": a.name, "b": b.name, "a_scale": sa.name, "b_scale": sb.name, "block": [bk, bn],
                            "carry": carry},
                "numerics": numerics(spec) | {"fp32_accumulation": True}}
    return Plan(spec, "fp8_matmul", io_files(names, "fp8_matmul"), context, cbs, metadata, explain)
