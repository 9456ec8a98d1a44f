"""Matmul pattern: C = A @ B with output tiles split over cores and K accumulated in DST.

Each core owns a contiguous run of output tiles (row-major over the Mt x Nt grid of C). For each of them the
reader streams A's tile row and B's tile column one K tile at a time, and the compute kernel accumulates the Kt
products with matmul_tiles in one DST tile, then packs it. This is the plan of tt-metal's matmul_multi_core.
"""

from __future__ import annotations

from ..spec import Spec
from . import resources as res
from .common import base_context, io_files, kernel_names, numerics, tensor_context
from .matmul_shape import matmul_shape
from .model import CBPlan, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "work_split", "roles"}


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
