"""GEMV: y = A @ x, with the vector held as one column of tiles.

A vector is not a whole tile. The plan makes its layout explicit: with `vector_layout: pad_to_tile` (default)
x becomes column 0 of a K x 32 matrix whose other columns are zero; with `broadcast_rows` x is copied into all
32 columns. Either way the product is an M x 32 matrix whose column 0 is y (with broadcast_rows every column is
y), and the host reads y from column 0. Rows of A are split over the cores in tile rows; each core reads x once
into a resident CB of Kt tiles and streams its rows of A tile by tile.
"""

from __future__ import annotations

from .. import arch
from .. import expression as ex
from ..spec import Spec
from . import resources as res
from .common import base_context, io_files, kernel_names, numerics, tensor_context
from .model import CBPlan, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "work_split", "roles"}


def plan_gemv(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    text = spec.compute.get("expression")
    if text is None:
        raise spec.error("the gemv pattern needs compute.expression, e.g. 'A @ x'", "compute")
    try:
        tree = ex.parse(text, set(spec.inputs))
    except ex.ExpressionError as exc:
        raise spec.error(str(exc), "compute", "expression") from None
    if not (isinstance(tree, ex.Binary) and tree.op == "matmul" and isinstance(tree.left, ex.Operand)
            and isinstance(tree.right, ex.Operand)):
        raise spec.error("the gemv pattern computes 'A @ x' for a matrix A and a vector x", "compute", "expression")
    a, x = spec.inputs[tree.left.name], spec.inputs[tree.right.name]
    if len(spec.inputs) != 2:
        raise spec.error("the gemv pattern takes a matrix and a vector", "inputs")
    (y,) = spec.outputs.values() if len(spec.outputs) == 1 else (None,)
    if y is None:
        raise spec.error("the gemv pattern writes one output vector", "outputs")
    if len(a.dims) != 2:
        raise spec.error("A must be a matrix", "inputs", a.name, "shape")
    if len(x.dims) != 1 or len(y.dims) != 1:
        bad = x if len(x.dims) != 1 else y
        raise spec.error("x and y are vectors (one dimension)", bad.group, bad.name, "shape")
    if x.dims[0] != a.dims[1]:
        raise spec.error(f"x has {x.dims[0]} elements but A has {a.dims[1]} columns", "inputs", x.name, "shape")
    if y.dims[0] != a.dims[0]:
        raise spec.error(f"y must have {a.dims[0]} elements", "outputs", y.name, "shape")
    ta = res.tiling(spec, a)
    mt, kt = ta.row_tiles, ta.col_tiles
    layout = spec.compute.get("vector_layout", "pad_to_tile")
    fa, fx, fy = res.tile_format(spec, a), res.tile_format(spec, x), res.tile_format(spec, y)
    res.check_dram(spec, [a])
    res.check_dst(spec, 1, "one output tile")
    grid = res.core_grid(spec)
    split = res.split_work(mt, grid)
    cbs = [
        CBPlan(0, "cb_a", fa, res.cb_pages(spec, a.name, 1)[0], f"tiles of {a.name}, streamed"),
        CBPlan(1, "cb_x", fx, kt, f"{x.name} as {kt} column tiles, resident for the whole kernel"),
        CBPlan(16, "cb_y", fy, res.cb_pages(spec, y.name, 1)[0], f"column tiles of {y.name}"),
    ]
    l1 = res.check_l1(spec, cbs)
    names = kernel_names(spec)
    context = base_context(spec, names) | {
        "a": tensor_context(spec, a, cbs[0], "M", "K"),
        "x": tensor_context(spec, x, cbs[1], "K", "constants::TILE_WIDTH"),
        "y": tensor_context(spec, y, cbs[2], "M", "constants::TILE_WIDTH"),
        "cbs": cbs,
        "grid": grid,
        "layout": layout,
    }
    explain = [
        f"{y.name}[{y.dims[0]}] = {a.name}[{a.dims[0]}x{a.dims[1]}] @ {x.name}[{x.dims[0]}]: Mt={mt} row tiles, Kt={kt}",
        f"vector layout {layout}: {x.name} is column 0 of a {x.dims[0]}x32 matrix"
        + (", other columns zero" if layout == "pad_to_tile" else ", copied into all 32 columns")
        + f"; {y.name} is read from column 0 of the {y.dims[0]}x32 product",
        f"grid {grid[0]}x{grid[1]}: {split.describe('row tile')}",
        f"each core reads {x.name} once ({kt} tiles, resident in c_1) and streams {kt} tiles of {a.name} per row tile",
        *[f"CB c_{cb.index} ({cb.purpose}): {cb.pages} pages x {cb.page_size} B {cb.fmt.metal_name}" for cb in cbs],
        f"L1 per core: {l1} B of {arch.L1_USABLE} B usable",
    ]
    def cpp() -> dict:
        from .cpp_expr import cxx, symbols

        start, i, k, Kt, row = symbols("start_row", "i", "k", "Kt", "row")
        return {"M": cxx(a.shape[0]), "K": cxx(a.shape[1]),
                "index": {"row": cxx(start + i), "a_tile": cxx(row * Kt + k)}}

    metadata = {"pattern": "gemv", "compute": {"expression": text, "vector_layout": layout},
                "numerics": numerics(spec)}
    return Plan(spec, "gemv", io_files(names, "gemv"), context, cbs, metadata, explain, cpp)
