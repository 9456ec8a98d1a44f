"""Split-K GEMM: C = A @ B with K cut into `factor` slices computed on different cores.

Two reductions, chosen by `schedule.split_k.reduction`:

* `two_programs`: program 1 computes one partial tile per (output tile, K slice) work unit, on all cores, into a
  partials buffer in DRAM; program 2 sums the slices of each output tile (copy_tile, then
  binary_dest_reuse_tiles adds) and writes C. The host enqueues the two programs in order.
* `cross_core`: the grid is `factor` columns wide; the cores of one grid row share output tiles, each computing
  one K slice. Column 0 owns the tiles: per tile it reserves room for the other slices' partials, tells its row
  by semaphore multicast that the room is there, waits until each sender has written its partial into that
  room (noc_async_write, then noc_semaphore_inc on the owner's semaphore), adds them onto its own partial in DST
  and writes C.
"""

from __future__ import annotations


from .. import arch
from ..spec import Spec
from . import resources as res
from .common import base_context, kernel_names, numerics, tensor_context
from .matmul_shape import matmul_shape
from .model import CBPlan, OutputFile, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "roles", "split_k"}


def _paths(spec: Spec, reduction: str) -> dict[str, str]:
    n = spec.name
    names = kernel_names(spec)
    if reduction == "two_programs":
        names |= {
            "partials_reader": f"kernels/dataflow/reader_{n}_partials.cpp",
            "partials_compute": f"kernels/compute/compute_{n}_partials.cpp",
            "partials_writer": f"kernels/dataflow/writer_{n}_partials.cpp",
            "reduce_reader": f"kernels/dataflow/reader_{n}_reduce.cpp",
            "reduce_compute": f"kernels/compute/compute_{n}_reduce.cpp",
            "reduce_writer": f"kernels/dataflow/writer_{n}_reduce.cpp",
        }
    else:
        names |= {
            "owner_writer": f"kernels/dataflow/writer_{n}_owner.cpp",
            "sender_writer": f"kernels/dataflow/writer_{n}_sender.cpp",
        }
    return names


def plan_splitk(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    shape = matmul_shape(spec)
    a, b, c = shape.a, shape.b, shape.c
    mt, kt, nt = shape.mt, shape.kt, shape.nt
    factor = spec.schedule.split_k["factor"]
    reduction = spec.schedule.split_k.get("reduction", "two_programs")
    if kt % factor:
        raise spec.error(f"split_k factor {factor} does not divide the {kt} K tiles", "schedule", "split_k", "factor")
    slice_tiles = kt // factor
    grid = res.core_grid(spec)
    fa, fb, fc = res.tile_format(spec, a), res.tile_format(spec, b), res.tile_format(spec, c)
    partial_fmt = res.partials_format(spec, fc)
    res.check_dst(spec, 1, "one output tile")
    out_tiles = mt * nt
    names = _paths(spec, reduction)


    def cpp() -> dict:
        import sympy

        from .cpp_expr import cxx, symbols

        unit, t, s, i, kk, Kt, Nt, MtNt = symbols("unit", "tile", "slice", "i", "kk", "Kt", "Nt", "MtNt")
        row, col, k, start_unit, start_tile = symbols("out_row", "out_col", "k", "start_unit", "start_tile")
        slice_tiles_, num_senders = symbols("slice_tiles", "num_senders")
        index = {
            "unit": cxx(start_unit + i),
            "tile_of_unit": cxx(sympy.Mod(unit, MtNt)),
            "slice_of_unit": cxx(sympy.floor(unit / MtNt)),
            "out_row": cxx(sympy.floor(t / Nt)),
            "out_col": cxx(sympy.Mod(t, Nt)),
            "k": cxx(s * slice_tiles_ + kk),
            "a_tile": cxx(row * Kt + k),
            "b_tile": cxx(k * Nt + col),
            "partial_page": cxx(s * MtNt + t),
            "tile": cxx(start_tile + i),
        }
        return {"index": index, "dims": {"M": cxx(a.shape[0]), "N": cxx(b.shape[1]), "K": cxx(a.shape[1])},
                "slot": cxx(sympy.Mod(i, 2) * num_senders + s - 1)}
    explain = [f"C[{c.dims[0]}x{c.dims[1]}] = A @ B: Mt={mt}, Nt={nt}, Kt={kt}; K split into {factor} slices of "
               f"{slice_tiles} tiles"]
    common = {"a": None, "grid": grid, "factor": factor, "slice_tiles": slice_tiles, "reduction": reduction,
              "partial_dtype": partial_fmt.name}

    if reduction == "two_programs":
        split_1 = res.split_work(factor * out_tiles, grid)
        split_2 = res.split_work(out_tiles, grid)
        cbs_1 = [
            CBPlan(0, "cb_in0", fa, res.cb_pages(spec, a.name, 1)[0], f"input {a.name}, one K tile at a time"),
            CBPlan(1, "cb_in1", fb, res.cb_pages(spec, b.name, 1)[0], f"input {b.name}, one K tile at a time"),
            CBPlan(16, "cb_partial", partial_fmt, 2, f"partial tiles ({partial_fmt.name})"),
        ]
        cbs_2 = [
            CBPlan(0, "cb_partials", partial_fmt, 2 * factor, f"the {factor} partials of one output tile"),
            CBPlan(16, "cb_out", fc, res.cb_pages(spec, c.name, 1)[0], f"output {c.name}"),
        ]
        l1 = max(res.check_l1(spec, cbs_1), res.check_l1(spec, cbs_2))
        sfpu_sum = partial_fmt.name == "float32"
        if sfpu_sum:
            # The FPU's source registers would truncate Float32 partials to TF32: copy each one into its own DST
            # slot unrounded and add them on the SFPU, in Float32.
            res.check_dst(spec, factor, f"adding {factor} Float32 partials in DST", "schedule", "split_k", "factor")
        context = base_context(spec, names) | common | {
            "a": tensor_context(spec, a, cbs_1[0], "M", "K"),
            "b": tensor_context(spec, b, cbs_1[1], "K", "N"),
            "c": tensor_context(spec, c, cbs_2[1], "M", "N"),
            "p": {"name": "partials", "var": "partials", "addr": "partials_addr", "buffer": "partials_buffer",
                  "cb": cbs_1[2]},
            "cbs_1": cbs_1, "cbs_2": cbs_2,
            "fp32_dest_acc_en": spec.schedule.fp32_accumulation,
            "sfpu_sum": sfpu_sum,
        }
        explain += [
            f"program 1: {factor * out_tiles} (output tile, slice) units over grid {grid[0]}x{grid[1]}: "
            f"{split_1.describe('unit')}; each writes one {partial_fmt.name} partial tile to DRAM",
            f"program 2: {split_2.describe('output tile')}; each sums its {factor} partials in DST "
            + ("(each copied unrounded into its own DST slot, added on the SFPU in Float32)" if sfpu_sum else
               "(copy_tile, then binary_dest_reuse_tiles adds)") + " and writes C",
            *[f"program 1 CB c_{cb.index} ({cb.purpose}): {cb.pages} x {cb.page_size} B" for cb in cbs_1],
            *[f"program 2 CB c_{cb.index} ({cb.purpose}): {cb.pages} x {cb.page_size} B" for cb in cbs_2],
            f"L1 per core: at most {l1} B of {arch.L1_USABLE} B usable",
        ]
        files = [OutputFile(f"splitk/{role}.cpp.j2", names[role]) for role in
                 ("partials_reader", "partials_compute", "partials_writer", "reduce_reader", "reduce_compute",
                  "reduce_writer")]
        files += [OutputFile("splitk/host_two_programs.cpp.j2", names["host"]),
                  OutputFile("common/ttgen_io.hpp.j2", names["io"])]
        res.check_dram(spec, [a, b, c])
    else:
        if grid[0] != factor:
            raise spec.error(f"cross_core split-K puts the {factor} slices of a tile on one grid row: the grid must "
                             f"be {factor} cores wide, not {grid[0]}", "schedule", "grid")
        if factor < 2:
            raise spec.error("cross_core split-K needs at least 2 slices", "schedule", "split_k", "factor")
        if partial_fmt != fc:
            raise spec.error("cross_core split-K adds partials in the output format; fp32_accumulation is not "
                             "supported with it yet", "schedule", "dst")
        groups = grid[1]
        split = res.split_work(out_tiles, (1, groups))
        cbs = [
            CBPlan(0, "cb_in0", fa, res.cb_pages(spec, a.name, 1)[0], f"input {a.name}, one K tile at a time"),
            CBPlan(1, "cb_in1", fb, res.cb_pages(spec, b.name, 1)[0], f"input {b.name}, one K tile at a time"),
            CBPlan(16, "cb_out", fc, 2, f"output {c.name} (owners)"),
            CBPlan(24, "cb_partial", fc, 2, "own partial tile (senders)"),
            CBPlan(25, "cb_recv", fc, 2 * (factor - 1), f"the {factor - 1} partials sent to an owner, per tile"),
        ]
        l1 = res.check_l1(spec, cbs)
        context = base_context(spec, names) | common | {
            "a": tensor_context(spec, a, cbs[0], "M", "K"),
            "b": tensor_context(spec, b, cbs[1], "K", "N"),
            "c": tensor_context(spec, c, cbs[2], "M", "N"),
            "cbs": cbs, "groups": groups,
        }
        explain += [
            f"grid {grid[0]}x{grid[1]}: row g shares output tiles, core (s, g) computes K slice s; "
            f"{split.describe('output tile')} over the {groups} rows",
            f"owners (column 0) receive {factor - 1} partial tiles per output tile into c_25 (double-buffered), "
            "announced by a multicast semaphore and counted by noc_semaphore_inc",
            *[f"CB c_{cb.index} ({cb.purpose}): {cb.pages} x {cb.page_size} B" for cb in cbs],
            f"L1 per core: {l1} B of {arch.L1_USABLE} B usable",
        ]
        files = [OutputFile("splitk/partials_reader.cpp.j2", names["reader"]),
                 OutputFile("splitk/cross_compute.cpp.j2", names["compute"]),
                 OutputFile("splitk/owner_writer.cpp.j2", names["owner_writer"]),
                 OutputFile("splitk/sender_writer.cpp.j2", names["sender_writer"]),
                 OutputFile("splitk/host_cross_core.cpp.j2", names["host"]),
                 OutputFile("common/ttgen_io.hpp.j2", names["io"])]
        res.check_dram(spec, [a, b, c])
        cbs_1 = cbs
    metadata = {"pattern": "matmul", "compute": {"expression": spec.compute["expression"]},
                "numerics": numerics(spec)}
    return Plan(spec, "splitk", files, context, cbs_1 if reduction == "two_programs" else cbs, metadata, explain, cpp)
