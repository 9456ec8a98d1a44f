"""Blocked matmul: C = A @ B with output blocks per core, K blocks streamed through double-buffered CBs.

Each core owns whole output blocks of per_core_m x per_core_n tiles. For each block the reader streams K in
blocks of in0_block_w tiles: an in0 block (per_core_m x in0_block_w tiles of A) and an in1 block
(in0_block_w x per_core_n tiles of B). The compute kernel walks the output block in subblocks of
out_subblock_h x out_subblock_w tiles, each small enough for DST. Partial sums across K blocks are kept either
in DST (when the whole output block is one subblock: DST stays acquired across K blocks) or spilled to an
intermediate CB (c_24) after each K block and reloaded with copy_tile before the next — the plan of tt-metal's
bmm_large_block_zm. CB depths marked `auto` double-buffer the streamed operands when L1 allows.
"""

from __future__ import annotations


from .. import arch
from ..errors import SpecError
from ..spec import Spec
from . import resources as res
from .common import base_context, io_files, kernel_names, numerics, tensor_context
from .matmul_shape import divisors, matmul_shape, subblock
from .model import CBPlan, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "work_split", "roles", "block"}


def _smallest_divisor_at_least(n: int, target: int) -> int:
    return next(d for d in divisors(n) if d >= target)


def plan_matmul_blocked(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    shape = matmul_shape(spec)
    a, b, c = shape.a, shape.b, shape.c
    mt, kt, nt = shape.mt, shape.kt, shape.nt
    grid = res.core_grid(spec)
    block = spec.schedule.block
    capacity = res.check_dst(spec, 1, "one output tile")

    def blocked(key: str, value: int, extent: int, what: str) -> int:
        if extent % value:
            raise spec.error(f"{key} = {value} does not divide the {extent} {what} tiles", "schedule", "block", key)
        return value

    pcm = blocked("per_core_m", block.get("per_core_m") or _smallest_divisor_at_least(mt, -(-mt // grid[1])), mt, "M")
    pcn = blocked("per_core_n", block.get("per_core_n") or _smallest_divisor_at_least(nt, -(-nt // grid[0])), nt, "N")
    bw = blocked("in0_block_w", block.get("in0_block_w") or max(d for d in divisors(kt) if d <= 4), kt, "K")
    if "out_subblock_h" in block or "out_subblock_w" in block:
        sbh, sbw = block.get("out_subblock_h", 1), block.get("out_subblock_w", 1)
        blocked("out_subblock_h", sbh, pcm, "per-core M")
        blocked("out_subblock_w", sbw, pcn, "per-core N")
        res.check_dst(spec, sbh * sbw, f"an output subblock of {sbh}x{sbw} tiles", "schedule", "block")
    else:
        sbh, sbw = subblock(pcm, pcn, capacity)
    num_k_blocks = kt // bw
    blocks_m, blocks_n = mt // pcm, nt // pcn
    split = res.split_work(blocks_m * blocks_n, grid)
    dst_accumulate = sbh == pcm and sbw == pcn

    fa, fb, fc = res.tile_format(spec, a), res.tile_format(spec, b), res.tile_format(spec, c)
    partial_fmt = res.partials_format(spec, fc)

    def cbs_for(depths: dict[str, int]) -> list[CBPlan]:
        out = [
            CBPlan(0, "cb_in0", fa, depths[a.name] * pcm * bw, f"in0 blocks: {pcm}x{bw} tiles of {a.name}"),
            CBPlan(1, "cb_in1", fb, depths[b.name] * bw * pcn, f"in1 blocks: {bw}x{pcn} tiles of {b.name}"),
            CBPlan(16, "cb_out", fc, depths[c.name] * sbh * sbw, f"output subblocks of {c.name}"),
        ]
        if not dst_accumulate:
            out.append(CBPlan(24, "cb_partials", partial_fmt, pcm * pcn,
                              f"partial sums of one output block ({partial_fmt.name})"))
        return out

    explain_depth = []
    depths = {}
    for t in (a, b, c):
        d = spec.schedule.cb_depth.get(t.name, spec.schedule.cb_depth["*"])
        depths[t.name] = 2 if d == "auto" else d
    cbs = cbs_for(depths)
    auto = [t.name for t in (a, b, c) if spec.schedule.cb_depth.get(t.name, spec.schedule.cb_depth["*"]) == "auto"]
    try:
        l1 = res.check_l1(spec, cbs)
        if auto:
            explain_depth.append(f"cb_depth auto: 2 blocks for {', '.join(auto)} (double buffering fits in L1)")
    except SpecError:
        if not auto:
            raise
        for name in auto:
            depths[name] = 1
        cbs = cbs_for(depths)
        l1 = res.check_l1(spec, cbs)
        explain_depth.append(f"cb_depth auto: double buffering does not fit in L1; single-buffered {', '.join(auto)}")

    geometry = {
        "per_core_m": pcm, "per_core_n": pcn, "in0_block_w": bw, "num_k_blocks": num_k_blocks,
        "out_subblock_h": sbh, "out_subblock_w": sbw, "in0_num_subblocks": pcm // sbh,
        "in1_num_subblocks": pcn // sbw, "blocks_n": blocks_n,
    }
    names = kernel_names(spec)
    context = base_context(spec, names) | {
        "a": tensor_context(spec, a, cbs[0], "M", "K"),
        "b": tensor_context(spec, b, cbs[1], "K", "N"),
        "c": tensor_context(spec, c, cbs[2], "M", "N"),
        "partials": cbs[3] if not dst_accumulate else None,
        # the unpacker's srcA holds in1's format, the packer the output's: partials in another format need a
        # reconfiguration on that side
        "reconfig_unpack": not dst_accumulate and partial_fmt != fb,
        "reconfig_pack": not dst_accumulate and partial_fmt != fc,
        "partials_fp32": not dst_accumulate and partial_fmt.name == "float32",
        "cbs": cbs,
        "grid": grid,
        "dst_accumulate": dst_accumulate,
        "geometry": geometry,
        "compute_args": ["in0_block_w", "in0_num_subblocks", "in1_num_subblocks", "out_subblock_h",
                         "out_subblock_w", "per_core_n", "num_k_blocks"],
        "reader_args": ["Kt", "Nt", "per_core_m", "per_core_n", "in0_block_w", "num_k_blocks", "blocks_n"],
        "writer_args": ["Nt", "per_core_m", "per_core_n", "out_subblock_h", "out_subblock_w", "blocks_n"],
        "tiles": {"Mt": "M / constants::TILE_HEIGHT", "Kt": "K / constants::TILE_WIDTH",
                  "Nt": "N / constants::TILE_WIDTH"},
    }
    partial_note = ("partials stay in DST across K blocks: the output block is one subblock"
                    if dst_accumulate else
                    f"partials spill to c_24 after every K block and reload with copy_tile: the output block has "
                    f"{(pcm // sbh) * (pcn // sbw)} subblocks, more than one DST")
    explain = [
        f"C[{c.dims[0]}x{c.dims[1]}] = A @ B: Mt={mt}, Nt={nt}, Kt={kt} tiles",
        f"output blocks of {pcm}x{pcn} tiles: {blocks_m}x{blocks_n} = {blocks_m * blocks_n} blocks; "
        f"grid {grid[0]}x{grid[1]}: {split.describe('block')}",
        f"K in {num_k_blocks} blocks of in0_block_w={bw} tiles; subblocks of {sbh}x{sbw} tiles "
        f"(DST holds {capacity})",
        partial_note,
        *explain_depth,
        *[f"CB c_{cb.index} ({cb.purpose}): {cb.pages} pages x {cb.page_size} B {cb.fmt.metal_name}" for cb in cbs],
        f"L1 per core: {l1} B of {arch.L1_USABLE} B usable",
    ]
    def cpp() -> dict:
        import sympy

        from .cpp_expr import cxx, symbols

        # Index arithmetic printed into the kernels.
        blk, Kt, Nt, bn, h, w, kb, sh, sw = symbols("block", "Kt", "Nt", "blocks_n", "h", "w", "kb", "sb_h", "sb_w")
        block_row, block_col = symbols("block_row", "block_col")
        index = {
            "block_row": cxx(sympy.floor(blk / bn)),
            "block_col": cxx(sympy.Mod(blk, bn)),
            "a_tile": cxx((block_row * pcm + h) * Kt + kb * bw + w),
            "b_tile": cxx((kb * bw + h) * Nt + block_col * pcn + w),
            "c_tile": cxx((block_row * pcm + sh * sbh + h) * Nt + block_col * pcn + sw * sbw + w),
        }
        return {"index": index, "dims": {"M": cxx(a.shape[0]), "N": cxx(b.shape[1]), "K": cxx(a.shape[1])}}

    metadata = {"pattern": "matmul", "compute": {"expression": spec.compute["expression"]},
                "numerics": numerics(spec)}
    return Plan(spec, "matmul_blocked", io_files(names, "matmul_blocked"), context, cbs, metadata, explain, cpp)
