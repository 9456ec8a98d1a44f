"""Cast: B = A converted from one tile format to another, bit-exact as the hardware converts.

The compute kernel is the shape of ttnn's eltwise_typecast: unpack a tile of A into DST, convert, pack it into
B's CB, whose format does the rest. Float-to-float changes need no SFPU work except Float32 -> bfloat16, which
rounds to nearest even in DST with typecast_tile (the packer's own rounding is not specified that precisely).
Float32 inputs go to DST unrounded (UnpackToDestFp32 on the input CB, a 32-bit DST); the source registers would
otherwise truncate them to TF32. Block-float pages are packed and unpacked on the host with tt-metal's
pack_as_bfp8_tiles / unpack_bfp8_tiles_into_float_vec.
"""

from __future__ import annotations

from .. import arch
from ..spec import Spec
from . import resources as res
from .common import base_context, io_files, kernel_names, numerics
from .model import CBPlan, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "math_fidelity", "work_split", "roles", "dst"}
SUPPORTED = {"bfloat16", "float32", "bfloat8_b"}
# tt::DataFormat values as typecast_tile's template arguments take them (tensix_types.h).
DATA_FORMAT_VALUE = {"float32": 0, "bfloat16": 5, "bfloat8_b": 6}


def _tensor(spec: Spec, t, cb: CBPlan) -> dict:
    var = t.name.lower()
    return {"name": t.name, "var": var, "addr": f"{var}_addr", "buffer": f"{var}_buffer", "cb": cb,
            "dtype": t.dtype, "host_type": "bfloat16" if t.dtype == "bfloat16" else "float",
            "block_float": t.dtype == "bfloat8_b"}


def plan_cast(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    if spec.compute.get("rounding", "nearest_even") != "nearest_even":
        raise spec.error("the hardware conversions round to nearest even; truncation is not available",
                         "compute", "rounding")
    if len(spec.inputs) != 1 or len(spec.outputs) != 1:
        raise spec.error("a cast reads one input and writes one output", "inputs")
    (a,), (b,) = spec.inputs.values(), spec.outputs.values()
    for t in (a, b):
        if t.dtype not in SUPPORTED:
            raise spec.error(f"casts between {', '.join(sorted(SUPPORTED))} are supported, not {t.dtype}",
                             t.group, t.name, "dtype")
    if a.dims != b.dims:
        raise spec.error("a cast keeps the shape", "outputs", b.name, "shape")
    if a.dtype == b.dtype:
        raise spec.error("input and output have the same dtype: nothing to cast", "outputs", b.name, "dtype")
    tiling = res.tiling(spec, a)
    res.check_dram(spec, [a, b])
    grid = res.core_grid(spec)
    split = res.split_work(tiling.tiles, grid)
    fa, fb = res.tile_format(spec, a), res.tile_format(spec, b)
    fp32_dest = "float32" in (a.dtype, b.dtype)
    asked = spec.doc.data.get("schedule", {}).get("dst", {}).get("fp32_accumulation")
    if fp32_dest and asked is False:
        raise spec.error("Float32 casts need a 32-bit DST: fp32_accumulation must stay on", "schedule", "dst")
    cbs = [
        CBPlan(0, "cb_in", fa, res.cb_pages(spec, a.name, 1)[0], f"tiles of {a.name} ({a.dtype})"),
        CBPlan(16, "cb_out", fb, res.cb_pages(spec, b.name, 1)[0], f"tiles of {b.name} ({b.dtype})"),
    ]
    l1 = res.check_l1(spec, cbs)
    typecast = (DATA_FORMAT_VALUE[a.dtype], DATA_FORMAT_VALUE[b.dtype]) \
        if (a.dtype, b.dtype) == ("float32", "bfloat16") else None
    names = kernel_names(spec)
    context = base_context(spec, names) | {
        "a": _tensor(spec, a, cbs[0]),
        "b": _tensor(spec, b, cbs[1]),
        "cbs": cbs,
        "grid": grid,
        "rows": tiling.rows,
        "cols": tiling.cols,
        "typecast": typecast,
        "fp32_dest_acc_en": fp32_dest,
        "unpack_fp32": a.dtype == "float32",
        "bfp8_pack_precise": b.dtype == "bfloat8_b" and fp32_dest,
        "math_fidelity": "HiFi4",
    }
    how = (f"typecast_tile<{typecast[0]}u, {typecast[1]}u> rounds to nearest even in DST" if typecast else
           f"the packer converts DST to {fb.metal_name}")
    explain = [
        f"{b.name} = {a.name} as {b.dtype}: copy_tile into DST, {how}",
        f"pages: {fa.tile_bytes} B {fa.metal_name} in, {fb.tile_bytes} B {fb.metal_name} out",
        "DST is 32-bit and the input CB unpacks to DST unrounded" if a.dtype == "float32" else
        ("DST is 32-bit" if fp32_dest else "DST is 16-bit: bf16 values pass through unchanged"),
        f"grid {grid[0]}x{grid[1]}: {split.describe('tile')}",
        *[f"CB c_{cb.index} ({cb.purpose}): {cb.pages} pages x {cb.page_size} B" for cb in cbs],
        f"L1 per core: {l1} B of {arch.L1_USABLE} B usable",
    ]
    metadata = {"pattern": "cast", "compute": {}, "numerics": numerics(spec) | {"fp32_accumulation": fp32_dest}}
    return Plan(spec, "cast", io_files(names, "cast"), context, cbs, metadata, explain)
