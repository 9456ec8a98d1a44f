"""Matmul pattern: C = A @ B with output tiles split over cores and K accumulated in DST.

Each core owns a contiguous run of output tiles (row-major over the Mt x Nt grid of C). For each of them the
reader streams A's tile row and B's tile column one K tile at a time, and the compute kernel accumulates the Kt
products with matmul_tiles in one DST tile, then packs it. This is the plan of tt-metal's matmul_multi_core.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import expression as ex
from ..spec import Spec, TensorSpec
from . import resources as res
from .common import base_context, io_files, kernel_names, numerics, tensor_context
from .model import CBPlan, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "work_split", "roles"}


def operands(spec: Spec, extra: tuple[str, ...] = ()) -> tuple[str, str]:
    """The two inputs of 'X @ Y'; every other input must be one of `extra` (e.g. scale tensors)."""
    text = spec.compute.get("expression")
    if text is None:
        raise spec.error("the matmul pattern needs compute.expression, e.g. 'A @ B'", "compute")
    try:
        tree = ex.parse(text, set(spec.inputs))
    except ex.ExpressionError as exc:
        raise spec.error(str(exc), "compute", "expression") from None
    if not (isinstance(tree, ex.Binary) and tree.op == "matmul" and isinstance(tree.left, ex.Operand)
            and isinstance(tree.right, ex.Operand)):
        raise spec.error("the matmul pattern computes one product of two inputs, 'X @ Y'", "compute", "expression")
    for name in spec.inputs:
        if name not in (tree.left.name, tree.right.name, *extra):
            raise spec.error(f"input {name} is not used by the expression", "inputs", name)
    return tree.left.name, tree.right.name


@dataclass(frozen=True)
class MatmulShape:
    a: TensorSpec
    b: TensorSpec
    c: TensorSpec
    mt: int
    kt: int
    nt: int


def matmul_shape(spec: Spec) -> MatmulShape:
    """Validate a two-operand product C = A @ B of 2-D tile-multiple tensors."""
    a_name, b_name = operands(spec)
    if spec.compute.get("transpose_b") or spec.compute.get("scales"):
        raise spec.error("transpose_b and scales are not supported by this template set yet", "compute")
    a, b = spec.inputs[a_name], spec.inputs[b_name]
    if len(spec.outputs) != 1:
        raise spec.error("the matmul pattern writes exactly one output", "outputs")
    (c,) = spec.outputs.values()
    for t in (a, b, c):
        if len(t.dims) != 2:
            raise spec.error("matmul operands are 2-D (batched matmul is not supported yet)", t.group, t.name, "shape")
    ta, tb = res.tiling(spec, a), res.tiling(spec, b)
    res.tiling(spec, c)
    if a.dims[1] != b.dims[0]:
        raise spec.error(f"inner dimensions differ: {a.name} is {a.dims[0]}x{a.dims[1]}, {b.name} is "
                         f"{b.dims[0]}x{b.dims[1]}", "inputs", b.name, "shape")
    if c.dims != (a.dims[0], b.dims[1]):
        raise spec.error(f"output must be {a.dims[0]}x{b.dims[1]}", "outputs", c.name, "shape")
    res.check_dram(spec, [a, b, c])
    return MatmulShape(a, b, c, ta.row_tiles, ta.col_tiles, tb.col_tiles)


def plan_matmul(spec: Spec) -> Plan:
    if spec.compute.get("scales"):
        from .fp8_matmul import plan_fp8_matmul  # 8-bit operands with per-block scales

        return plan_fp8_matmul(spec)
    if spec.schedule.roles.get("producers", 1) == 2:
        from .warp_specialized import plan_warp_specialized  # producer / consumer / storer roles

        return plan_warp_specialized(spec)
    if spec.schedule.split_k:
        from .splitk import plan_splitk  # K split over cores, partials reduced by a second program or by owners

        return plan_splitk(spec)
    if (spec.schedule.multicast or {}).get("along") == "grid":
        from .matmul_mcast import plan_matmul_mcast  # A along grid rows, B down grid columns

        return plan_matmul_mcast(spec)
    if spec.schedule.block:
        from .matmul_blocked import plan_matmul_blocked  # K-blocked variant with subblocks and partials

        return plan_matmul_blocked(spec)
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    shape = matmul_shape(spec)
    a, b, c = shape.a, shape.b, shape.c
    mt, kt, nt = shape.mt, shape.kt, shape.nt
    fa, fb = res.tile_format(spec, a), res.tile_format(spec, b)
    res.check_dst(spec, 1, "one output tile")
    grid = res.core_grid(spec)
    split = res.split_work(mt * nt, grid)

    cbs = [
        CBPlan(0, "cb_in0", fa, res.cb_pages(spec, a.name, 1)[0], f"input {a.name}: one K tile at a time"),
        CBPlan(1, "cb_in1", fb, res.cb_pages(spec, b.name, 1)[0], f"input {b.name}: one K tile at a time"),
        CBPlan(16, "cb_out", res.tile_format(spec, c), res.cb_pages(spec, c.name, 1)[0], f"output {c.name}"),
    ]
    l1 = res.check_l1(spec, cbs)

    names = kernel_names(spec)
    context = base_context(spec, names) | {
        "a": tensor_context(spec, a, cbs[0], "M", "K"),
        "b": tensor_context(spec, b, cbs[1], "K", "N"),
        "c": tensor_context(spec, c, cbs[2], "M", "N"),
        "cbs": cbs,
        "grid": grid,
    }
    explain = [
        f"C[{c.dims[0]}x{c.dims[1]}] = A[{a.dims[0]}x{a.dims[1]}] @ B[{b.dims[0]}x{b.dims[1]}]: "
        f"Mt={mt}, Nt={nt}, Kt={kt} tiles",
        f"grid {grid[0]}x{grid[1]}: {split.describe('output tile')}",
        f"per output tile: {kt} K steps, each one A tile and one B tile through CBs c_0 and c_1, "
        "accumulated in DST[0]",
        *[f"CB c_{cb.index} ({cb.purpose}): {cb.pages} pages x {cb.page_size} B {cb.fmt.metal_name}" for cb in cbs],
        f"L1 per core: {l1} B of {res.arch.L1_USABLE} B usable",
    ]
    def cpp() -> dict:
        import sympy

        from .cpp_expr import cxx, symbols

        # Index arithmetic, as printed into the reader (C is row-major over tiles: tile_id = row * Nt + col).
        tile_id, start, i, k, Kt, Nt, TH, TW = symbols("tile_id", "start_tile", "i", "k", "Kt", "Nt",
                                                       "TILE_HEIGHT", "TILE_WIDTH")
        row, col = symbols("out_row", "out_col")
        M, K, N = (sympy.Symbol(n) for n in "MKN")
        return {
            "dims": {"M": cxx(a.shape[0]), "N": cxx(b.shape[1]), "K": cxx(a.shape[1])},
            "tiles": {"Mt": cxx(sympy.floor(M / TH)), "Kt": cxx(sympy.floor(K / TW)), "Nt": cxx(sympy.floor(N / TW))},
            "index": {"tile_id": cxx(start + i), "out_row": cxx(sympy.floor(tile_id / Nt)),
                      "out_col": cxx(sympy.Mod(tile_id, Nt)), "a_tile": cxx(row * Kt + k), "b_tile": cxx(k * Nt + col)},
        }

    metadata = {"pattern": "matmul", "compute": {"expression": spec.compute["expression"]},
                "numerics": numerics(spec)}
    return Plan(spec, "matmul", io_files(names, "matmul"), context, cbs, metadata, explain, cpp)
