"""2-D multicast matmul: C = A @ B on a grid of GX x GY cores, core (x, y) owning output block (y, x), with A
multicast along each grid row and B down each grid column — the plan of tt-metal's
matmul_multicore_reuse_mcast, chosen by `multicast: {operand: <A's name>, along: grid}`.

For each K block of in0_block_w tiles:
* the core of column 0 of each row reads that row's in0 block (per_core_m x in0_block_w tiles of A) from DRAM and
  multicasts it into the same CB of the other cores of its row (RISCV_0, NoC 0);
* the core of row 0 of each column reads that column's in1 block (in0_block_w x per_core_n tiles of B) and
  multicasts it down its column (RISCV_1, also on NoC 0 so that both rectangles run start to end);
* every core's compute kernel accumulates its block exactly like the blocked matmul (matmul_blocked/compute).
Receivers reserve the CB, reset their VALID word and increment the sender's semaphore; the sender waits for all
of them, multicasts the block, then multicasts VALID. The RISCV_1 kernel also stores the core's output block.

Each operand block is read from DRAM once per grid row or column instead of once per core: A is read GX times
less, B GY times less.
"""

from __future__ import annotations

from ..spec import Spec
from . import resources as res
from .common import base_context, kernel_names, numerics, tensor_context
from .matmul_shape import divisors, matmul_shape, subblock
from .model import CBPlan, OutputFile, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "block", "multicast"}
MAX_IN0_BLOCK_W = 8


def _fits(spec: Spec, a, b, c, pcm: int, pcn: int, bw: int) -> bool:
    """Whether double-buffered in0/in1 blocks of width `bw` and the output and partial blocks fit in L1."""
    fa, fb, fc = (res.tile_format(spec, t) for t in (a, b, c))
    used = 2 * (pcm * bw * fa.tile_bytes + bw * pcn * fb.tile_bytes) + pcm * pcn * (fc.tile_bytes + 4096)
    return used <= res.arch.L1_USABLE


def plan_matmul_mcast(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    shape = matmul_shape(spec)
    a, b, c = shape.a, shape.b, shape.c
    mt, kt, nt = shape.mt, shape.kt, shape.nt
    if spec.schedule.multicast.get("operand") != a.name:  # along: grid, checked by plan_matmul
        raise spec.error(f"2-D multicast names the left operand {a.name!r}: A along rows, B along columns",
                         "schedule", "multicast", "operand")
    gx, gy = res.core_grid(spec)
    if mt % gy or nt % gx:
        raise spec.error(f"the {gx}x{gy} grid must divide the {mt}x{nt} output tiles: one block per core "
                         f"({mt} % {gy}, {nt} % {gx})", "schedule", "grid")
    pcm, pcn = mt // gy, nt // gx
    block = spec.schedule.block
    capacity = res.check_dst(spec, 1, "one output tile")
    # Wider K blocks mean fewer handshakes and fewer partial spills; take the widest (up to 8 tiles) that fits L1.
    bw = block.get("in0_block_w") or max(d for d in divisors(kt) if d <= MAX_IN0_BLOCK_W and
                                         _fits(spec, a, b, c, mt // gy, nt // gx, d))
    if kt % bw:
        raise spec.error(f"in0_block_w = {bw} does not divide the {kt} K tiles", "schedule", "block", "in0_block_w")
    if "out_subblock_h" in block or "out_subblock_w" in block:
        sbh, sbw = block.get("out_subblock_h", 1), block.get("out_subblock_w", 1)
        if pcm % sbh or pcn % sbw:
            raise spec.error(f"subblocks {sbh}x{sbw} must divide the {pcm}x{pcn} block", "schedule", "block")
        res.check_dst(spec, sbh * sbw, f"an output subblock of {sbh}x{sbw} tiles", "schedule", "block")
    else:
        sbh, sbw = subblock(pcm, pcn, capacity)
    dst_accumulate = sbh == pcm and sbw == pcn
    fa, fb, fc = (res.tile_format(spec, t) for t in (a, b, c))

    partial_fmt = res.partials_format(spec, fc)
    depth = res.cb_pages(spec, a.name, 1)[0]
    cbs = [
        CBPlan(0, "cb_in0", fa, depth * pcm * bw, f"in0 blocks: {pcm}x{bw} tiles of {a.name}, multicast along rows"),
        CBPlan(1, "cb_in1", fb, depth * bw * pcn, f"in1 blocks: {bw}x{pcn} tiles of {b.name}, multicast down "
                                                  "columns"),
        CBPlan(16, "cb_out", fc, 2 * sbh * sbw, f"output subblocks of {c.name}"),
    ]
    if not dst_accumulate:
        cbs.append(CBPlan(24, "cb_partials", partial_fmt, pcm * pcn, f"partial sums of the block ({partial_fmt.name})"))
    l1 = res.check_l1(spec, cbs)
    n = spec.name
    names = kernel_names(spec) | {
        "in0_sender": f"kernels/dataflow/reader_in0_sender_{n}.cpp",
        "in0_receiver": f"kernels/dataflow/reader_in0_receiver_{n}.cpp",
        "in1_sender": f"kernels/dataflow/reader_in1_sender_writer_{n}.cpp",
        "in1_receiver": f"kernels/dataflow/reader_in1_receiver_writer_{n}.cpp",
    }
    geometry = {"per_core_m": pcm, "per_core_n": pcn, "in0_block_w": bw, "num_k_blocks": kt // bw,
                "out_subblock_h": sbh, "out_subblock_w": sbw, "in0_num_subblocks": pcm // sbh,
                "in1_num_subblocks": pcn // sbw}
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
        "grid": (gx, gy),
        "dst_accumulate": dst_accumulate,
        "geometry": geometry,
        "compute_args": ["in0_block_w", "in0_num_subblocks", "in1_num_subblocks", "out_subblock_h",
                         "out_subblock_w", "per_core_n", "num_k_blocks"],
        "dims": {"M": a.dims[0], "K": a.dims[1], "N": b.dims[1]},
    }
    explain = [
        f"C[{c.dims[0]}x{c.dims[1]}] = A @ B: Mt={mt}, Nt={nt}, Kt={kt}; grid {gx}x{gy}, one {pcm}x{pcn} output "
        "block per core",
        f"K in {kt // bw} blocks of {bw} tiles; A blocks read by column 0 and multicast along each row ({gx - 1} "
        f"receivers), B blocks read by row 0 and multicast down each column ({gy - 1} receivers)",
        f"subblocks of {sbh}x{sbw} tiles; " + ("partials stay in DST" if dst_accumulate else
                                                f"partials spill to c_24 ({partial_fmt.name}) between K blocks"),
        *[f"CB c_{cb.index} ({cb.purpose}): {cb.pages} pages x {cb.page_size} B {cb.fmt.metal_name}" for cb in cbs],
        f"L1 per core: {l1} B of {res.arch.L1_USABLE} B usable",
    ]
    files = [OutputFile(f"matmul_mcast/{role}.cpp.j2", names[role])
             for role in ("in0_sender", "in0_receiver", "in1_sender", "in1_receiver")]
    files += [OutputFile("matmul_blocked/compute.cpp.j2", names["compute"]),
              OutputFile("matmul_mcast/host.cpp.j2", names["host"]),
              OutputFile("common/ttgen_io.hpp.j2", names["io"])]
    metadata = {"pattern": "matmul", "compute": {"expression": spec.compute["expression"]},
                "numerics": numerics(spec)}
    return Plan(spec, "matmul_mcast", files, context, cbs, metadata, explain)
