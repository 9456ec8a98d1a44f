"""Reduction: the sum, mean or max of every row (`dim: rows`), every column (`cols`) or of all elements (`all`).

The hardware reduces a tile with `reduce_tile<PoolType, ReduceDim>` against a scaler tile whose row 0 of each
face holds the scale factor (1 for sum and max, 1/N for the mean): the reader builds it once in c_2. Successive
`reduce_tile` calls into one DST tile accumulate (or keep the running max), so a row reduction walks the Wt tiles
of a tile row into DST[0]. The result of a reduced dimension lands in one line of the output tile — column 0 for
rows, row 0 for columns, element [0, 0] for all — and the packer zeroes the rest; the host keeps that line.
"""

from __future__ import annotations

import math

from .. import arch
from ..numerics.dataformat import FORMATS
from ..spec import Spec
from . import resources as res
from .common import base_context, bf16_bits, io_files, kernel_names, numerics, tensor_context
from .model import CBPlan, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "work_split", "roles"}
POOL = {"sum": "SUM", "mean": "AVG", "max": "MAX"}
REDUCE_DIM = {"rows": "REDUCE_ROW", "cols": "REDUCE_COL", "all": "REDUCE_SCALAR"}


def plan_reduction(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    op, dim = spec.compute["op"], spec.compute["dim"]
    if len(spec.inputs) != 1 or len(spec.outputs) != 1:
        raise spec.error("the reduction pattern reads one input and writes one output", "inputs")
    (a,), (r,) = spec.inputs.values(), spec.outputs.values()
    if len(a.dims) != 2:
        raise spec.error("reductions take a matrix", "inputs", a.name, "shape")
    tiling = res.tiling(spec, a)
    rows, cols = a.dims
    expected = {"rows": (rows,), "cols": (cols,), "all": (1,)}[dim]
    if r.dims != expected:
        raise spec.error(f"reducing the {dim} of a {rows}x{cols} matrix gives shape {list(expected)}",
                         "outputs", r.name, "shape")
    grid = res.core_grid(spec)
    if dim == "all" and grid != (1, 1):
        raise spec.error("dim: all reduces every tile into one DST tile on one core: set schedule.grid to [1, 1]",
                         "schedule", "grid")
    ht, wt = tiling.row_tiles, tiling.col_tiles
    units, per_unit, unit_name = {"rows": (ht, wt, "row tile"), "cols": (wt, ht, "column tile"),
                                  "all": (1, ht * wt, "matrix")}[dim]
    split = res.split_work(units, grid)
    reduced = {"rows": cols, "cols": rows, "all": rows * cols}[dim]
    # The scaler is applied once per element (twice for REDUCE_SCALAR, hence 1/sqrt(N) for its mean).
    scale = 1.0 if op != "mean" else (1.0 / reduced if dim != "all" else 1.0 / math.sqrt(reduced))
    fa, fr = res.tile_format(spec, a), res.tile_format(spec, r)
    res.check_dram(spec, [a])
    res.check_dst(spec, 1, "one output tile")
    cbs = [
        CBPlan(0, "cb_in", fa, res.cb_pages(spec, a.name, 1)[0], f"tiles of {a.name}, streamed"),
        CBPlan(2, "cb_scaler", FORMATS["bfloat16"], 1, f"the scaler tile ({scale:g} in row 0 of each face)"),
        CBPlan(16, "cb_out", fr, res.cb_pages(spec, r.name, 1)[0], f"tiles of {r.name}"),
    ]
    l1 = res.check_l1(spec, cbs)
    out_shape = {"rows": ("M", "constants::TILE_WIDTH"), "cols": ("constants::TILE_HEIGHT", "N"),
                 "all": ("constants::TILE_HEIGHT", "constants::TILE_WIDTH")}[dim]
    names = kernel_names(spec)
    bits = bf16_bits(scale)
    context = base_context(spec, names) | {
        "a": tensor_context(spec, a, cbs[0], "M", "N"),
        "r": tensor_context(spec, r, cbs[2], *out_shape),
        "scaler": cbs[1],
        "cbs": cbs,
        "grid": grid,
        "op": op,
        "dim": dim,
        "pool": POOL[op],
        "reduce_dim": REDUCE_DIM[dim],
        "packed_scaler": f"0x{bits:04X}{bits:04X}",
        "scale": f"{scale:g}",
        "tiles_per_unit": {"rows": "Wt", "cols": "Ht", "all": "Ht * Wt"}[dim],
        "num_units": {"rows": "Ht", "cols": "Wt", "all": "1"}[dim],
    }
    where = {"rows": "column 0 of each output tile", "cols": "row 0 of each output tile",
             "all": "element [0, 0] of the output tile"}[dim]
    explain = [
        f"{op} over the {dim} of {a.name}[{rows}x{cols}]: reduce_tile<PoolType::{POOL[op]}, "
        f"ReduceDim::{REDUCE_DIM[dim]}>, {per_unit} tiles accumulated into DST[0] per {unit_name}",
        f"scaler tile in c_2: bf16 {scale:g} (0x{bits:04X}) in row 0 of each face"
        + ("; REDUCE_SCALAR applies it twice" if dim == "all" else ""),
        f"result in {where}; the packer zeroes the rest and the host keeps that line",
        f"grid {grid[0]}x{grid[1]}: {split.describe(unit_name)}",
        *[f"CB c_{cb.index} ({cb.purpose}): {cb.pages} pages x {cb.page_size} B {cb.fmt.metal_name}" for cb in cbs],
        f"L1 per core: {l1} B of {arch.L1_USABLE} B usable",
    ]
    def cpp() -> dict:
        from .cpp_expr import cxx, symbols

        unit, t, Wt, start, i = symbols("unit", "t", "Wt", "start_unit", "i")
        tile_of = {"rows": unit * Wt + t, "cols": t * Wt + unit, "all": t}[dim]
        return {"M": cxx(a.shape[0]), "N": cxx(a.shape[1]),
                "index": {"tile": cxx(tile_of), "unit": cxx(start + i)}}

    metadata = {"pattern": "reduction", "compute": {"op": op, "dim": dim}, "numerics": numerics(spec)}
    return Plan(spec, "reduction", io_files(names, "reduction"), context, cbs, metadata, explain, cpp)
