"""Attention forward: O = softmax(Q Kᵀ · scale [+ causal mask]) V with online softmax over K/V chunks.

Tensors are [B, H, S, D] (K and V with their own head count for grouped-query attention), stored as the 2-D
matrices [B·H·S, D] in tiles. A work unit is one chunk of `chunks.q` query rows of one (batch, head); for each
K/V chunk of `chunks.kv` rows the compute kernel

1. computes the scores S = Q Kᵀ of one query tile row (matmul with B transposed) and, on the diagonal tile of a
   causal chunk, adds the mask tile (0 on and below the diagonal, -inf above);
2. takes that row's running max m = max(m_prev, rowmax S) (reduce MAX over the row, binary_max_tile with the
   previous max), then P = exp(scale · (S - m)): the math thread subtracts (sub_tiles_bcast_cols), the pack
   thread takes the exponential (exp_packthread_tile with the scale as a bfloat16) while the math thread goes on
   with the next row's scores; after all rows, the row sums of P (reduce SUM) and the correction
   alpha = exp(scale · (m_prev - m));
3. updates l = alpha · l_prev + rowsum P and O = alpha · O_prev + P V (mul_tiles_bcast_cols, then matmul_tiles
   accumulating onto it in DST);
and finally divides O by l (recip_tile, mul_tiles_bcast_cols). With `causal`, K/V chunks entirely above the
diagonal are never read, and tiles above the diagonal of the last chunk are skipped.

Variants: `gqa` maps query head h to K/V head h // (heads_q / heads_kv) and reads each K/V chunk once per group:
the group's first core reads it and multicasts it to the group's other cores (semaphore handshake per chunk).
`block_sparse` reads a block mask at run time: the reader loads only the K/V chunks the mask keeps and tells the
compute kernel how many through a control page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import arch
from ..numerics.dataformat import FORMATS
from ..spec import Spec, TensorSpec
from . import resources as res
from .common import base_context, bf16_bits, kernel_names, numerics, tensor_context
from .model import CBPlan, OutputFile, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "roles", "chunks", "work_split",
                 "multicast"}
VARIANTS = ("mha", "gqa", "block_sparse", "mla", "nsa")


def _kv_share(spec: Spec, variant: str, causal: bool, group: int, num_q_chunks: int, grid) -> int:
    """How many neighbouring cores of a grid row read one K/V stream, which the first of them reads from DRAM
    and multicasts: GQA's query heads of one K/V head, or with `multicast: {operand: K, along: row}` a row's
    query chunks of one head (non-causal: they all walk every K/V chunk in the same order)."""
    multicast = spec.schedule.multicast
    if variant == "gqa":
        if multicast is not None:
            raise spec.error("gqa already multicasts each K/V chunk to its group; multicast is not configurable",
                             "schedule", "multicast")
        return group
    if multicast is None:
        return 1
    if variant != "mha":
        raise spec.error(f"{variant} attention does not multicast K/V", "schedule", "multicast")
    if multicast.get("operand") != "K" or multicast.get("along") != "row":
        raise spec.error("attention multicasts its K/V chunks along grid rows: multicast: {operand: K, along: row}",
                         "schedule", "multicast")
    if causal:
        raise spec.error("causal query chunks read different numbers of K/V chunks; K/V multicast needs a "
                         "non-causal spec", "schedule", "multicast")
    if num_q_chunks % grid[0]:
        raise spec.error(f"a grid row runs {grid[0]} query chunks of one head together: the {num_q_chunks} query "
                         f"chunks of a head must be a multiple of the grid's width {grid[0]}", "schedule", "grid")
    return grid[0]


def check_bhsd(spec: Spec, tensors) -> None:
    """Attention tensors are bfloat16 [batch, heads, sequence, head_dim]."""
    for t in tensors:
        if len(t.dims) != 4:
            raise spec.error("attention tensors are [batch, heads, sequence, head_dim]", t.group, t.name, "shape")
        if t.dtype != "bfloat16":
            raise spec.error("attention is implemented for bfloat16 tensors", t.group, t.name, "dtype")


def require_fp32_dst(spec: Spec) -> None:
    """Running values are carried in bfloat16 CBs and every update is computed in a 32-bit DST."""
    if spec.doc.data.get("schedule", {}).get("dst", {}).get("fp32_accumulation") is False:
        raise spec.error(f"{spec.pattern} accumulates in a 32-bit DST; fp32_accumulation cannot be off",
                         "schedule", "dst")


@dataclass(frozen=True)
class Shapes:
    """The attention problem as the kernels see it: queries [b, hq, s, d] against keys [b, hkv, skv, d] and
    values with dv columns, V either its own tensor or (MLA) the first dv columns of K."""

    q: TensorSpec
    k: TensorSpec
    v: TensorSpec | None
    o: TensorSpec
    b: int
    hq: int
    hkv: int
    s: int
    skv: int
    d: int
    dv: int


def _mha_shapes(spec: Spec, variant: str) -> Shapes:
    q, k, v = (spec.inputs.get(n) for n in ("Q", "K", "V"))
    if q is None or k is None or v is None:
        raise spec.error("attention reads inputs named Q, K and V", "inputs")
    extra = set(spec.inputs) - {"Q", "K", "V"} - ({spec.compute.get("mask")} if variant == "block_sparse" else set())
    if extra:
        raise spec.error(f"unexpected input {sorted(extra)[0]!r} for {variant} attention", "inputs", sorted(extra)[0])
    if len(spec.outputs) != 1:
        raise spec.error("attention writes one output", "outputs")
    (o,) = spec.outputs.values()
    check_bhsd(spec, (q, k, v, o))
    b, hq, s, d = q.dims
    _, hkv, skv, dk = k.dims
    if k.dims != v.dims:
        raise spec.error("K and V must have the same shape", "inputs", "V", "shape")
    if o.dims != q.dims:
        raise spec.error("O has Q's shape", "outputs", o.name, "shape")
    if dk != d or k.dims[0] != b:
        raise spec.error("K's batch and head dim must match Q's", "inputs", "K", "shape")
    if variant == "gqa":
        if hq % hkv or hq == hkv:
            raise spec.error(f"grouped-query attention needs heads_q a multiple of heads_kv, larger than it "
                             f"({hq} vs {hkv})", "inputs", "K", "shape")
    elif hkv != hq:
        raise spec.error(f"K and V have {hkv} heads but Q has {hq}: that is the gqa variant", "inputs", "K", "shape")
    return Shapes(q, k, v, o, b, hq, hkv, s, skv, d, d)


def _mla_shapes(spec: Spec) -> Shapes:
    """Multi-head latent attention decode, absorbed form: the H query heads of a token are the rows of one query
    matrix against the token's shared latent cache KV [S, kv_rank + rope_dim]; V is the latent part of it."""
    q, kv = spec.inputs.get("Q"), spec.inputs.get("KV")
    if q is None or kv is None or len(spec.inputs) != 2:
        raise spec.error("MLA decode reads Q [batch, heads, kv_rank + rope_dim] and the latent cache KV "
                         "[batch, seq, kv_rank + rope_dim]", "inputs")
    if len(spec.outputs) != 1:
        raise spec.error("attention writes one output", "outputs")
    (o,) = spec.outputs.values()
    latent = spec.compute.get("latent", {})
    rank, rope = latent.get("kv_rank"), latent.get("rope_dim")
    if rank is None or rope is None:
        raise spec.error("MLA needs compute.latent.kv_rank and compute.latent.rope_dim", "compute", "latent")
    rank = spec.size_value(rank, "compute", "latent", "kv_rank")
    rope = spec.size_value(rope, "compute", "latent", "rope_dim")
    if rank % 32 or rope % 32:
        raise spec.error("kv_rank and rope_dim must be multiples of 32", "compute", "latent")
    for t in (q, kv, o):
        if len(t.dims) != 3:
            raise spec.error(f"{t.name} is 3-D", t.group, t.name, "shape")
        if t.dtype != "bfloat16":
            raise spec.error("attention is implemented for bfloat16 tensors", t.group, t.name, "dtype")
    b, h, d = q.dims
    if d != rank + rope:
        raise spec.error(f"Q's last dim is kv_rank + rope_dim = {rank + rope}", "inputs", "Q", "shape")
    if kv.dims[0] != b or kv.dims[2] != d:
        raise spec.error(f"KV is [batch, seq, kv_rank + rope_dim] = [{b}, seq, {d}]", "inputs", "KV", "shape")
    if o.dims != (b, h, rank):
        raise spec.error(f"the output is in latent space: [batch, heads, kv_rank] = {[b, h, rank]}", "outputs",
                         o.name, "shape")
    return Shapes(q, kv, None, o, b, 1, 1, h, kv.dims[1], d, rank)


def plan_attention(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    variant = spec.compute.get("variant", "mha")
    if variant not in VARIANTS:
        raise spec.error(f"attention variant {variant!r} has no template set yet (available: {', '.join(VARIANTS)})",
                         "compute", "variant")
    if variant == "nsa":
        from .nsa import plan_nsa  # three branches and a selection computed on device

        return plan_nsa(spec, SCHEDULE_KEYS)
    causal = bool(spec.compute.get("causal", False))
    if variant == "mla" and causal:
        raise spec.error("MLA decode attends to the whole cache; causal does not apply", "compute", "causal")
    shapes = _mla_shapes(spec) if variant == "mla" else _mha_shapes(spec, variant)
    q, k, v, o = shapes.q, shapes.k, shapes.v, shapes.o
    b, hq, hkv, s, skv, d = shapes.b, shapes.hq, shapes.hkv, shapes.s, shapes.skv, shapes.d
    for t in (q, k):
        res.tiling(spec, t)
    chunks = spec.schedule.chunks
    # MLA decode: all heads of a token in one query chunk, so its latent cache is read once for all of them
    q_chunk, kv_chunk = chunks.get("q", s if variant == "mla" else 64), chunks.get("kv", 128)
    for name, size, total in (("q", q_chunk, s), ("kv", kv_chunk, skv)):
        if size % 32 or total % size:
            raise spec.error(f"chunks.{name} = {size} must be a multiple of 32 dividing the sequence length {total}",
                             "schedule", "chunks", name)
    if causal and s != skv:
        raise spec.error("causal attention needs equal query and key lengths", "compute", "causal")
    scale = spec.compute.get("scale", "auto")
    scale = 1.0 / math.sqrt(d) if scale == "auto" else float(scale)
    sq_t, sk_t, dt, dvt = q_chunk // 32, kv_chunk // 32, d // 32, shapes.dv // 32
    num_q_chunks, num_kv_chunks = s // q_chunk, skv // kv_chunk
    group = hq // hkv
    grid = res.core_grid(spec)
    units = b * hq * num_q_chunks
    mask_t = None
    if variant == "block_sparse":
        mask_name = spec.compute.get("mask")
        if mask_name not in spec.inputs:
            raise spec.error("block_sparse attention names its block mask input in compute.mask", "compute", "mask")
        mask_t = spec.inputs[mask_name]
        block = spec.compute.get("block", [q_chunk, kv_chunk])
        if list(block) != [q_chunk, kv_chunk]:
            raise spec.error(f"the mask's blocks are the chunks: block must be [{q_chunk}, {kv_chunk}]", "compute",
                             "block")
        if mask_t.dims != (b, hq, num_q_chunks, num_kv_chunks):
            raise spec.error(f"the block mask is [batch, heads, q blocks, kv blocks] = "
                             f"{[b, hq, num_q_chunks, num_kv_chunks]}", "inputs", mask_name, "shape")
        if causal:
            raise spec.error("block_sparse attention takes its sparsity from the mask; causal is not combined",
                             "compute", "causal")
    if variant == "gqa":
        if grid[0] % group:
            raise spec.error(f"the {group} query heads of a group run on {group} neighbouring cores of a grid row: "
                             f"the grid's width {grid[0]} must be a multiple of {group}", "schedule", "grid")
    share = _kv_share(spec, variant, causal, group, num_q_chunks, grid)
    # fp32 DST keeps the running sums and the accumulator exact between steps; everything in CBs is bfloat16.
    require_fp32_dst(spec)
    bf16 = FORMATS["bfloat16"]
    kv_depth = res.cb_pages(spec, "K", 1)[0]
    cbs = [
        CBPlan(0, "cb_q", bf16, sq_t * dt, "the query chunk"),
        CBPlan(1, "cb_k", bf16, kv_depth * sk_t * dt, "latent cache chunks (keys, and values in their first "
                                                      f"{dvt} tile columns)" if v is None else "key chunks"),
        *([CBPlan(2, "cb_v", bf16, kv_depth * sk_t * dvt, "value chunks")] if v is not None else []),
        CBPlan(4, "cb_scaler", bf16, 1, "reduce scaler: 1.0 in row 0 of each face"),
        CBPlan(16, "cb_out", bf16, 2 * dvt, "output tiles, a row at a time (double-buffered)"),
        CBPlan(17, "cb_o_a", bf16, sq_t * dvt, "output accumulator (one of two, swapped every chunk)"),
        CBPlan(18, "cb_o_b", bf16, sq_t * dvt, "output accumulator (the other)"),
        CBPlan(19, "cb_inv_sum", bf16, sq_t, "1 / row sums"),
        CBPlan(24, "cb_s", bf16, 2 * sk_t, "scores S, a row at a time (double-buffered)"),
        CBPlan(25, "cb_p", bf16, sq_t * sk_t, "probabilities P = exp(scale · (S - m))"),
        CBPlan(26, "cb_max_a", bf16, sq_t, "running row max (one of two)"),
        CBPlan(27, "cb_max_b", bf16, sq_t, "running row max (the other)"),
        CBPlan(28, "cb_sum_a", bf16, sq_t, "running row sum (one of two)"),
        CBPlan(29, "cb_sum_b", bf16, sq_t, "running row sum (the other)"),
        CBPlan(30, "cb_alpha", bf16, sq_t, "correction exp(scale · (m_prev - m))"),
    ]
    if causal:
        cbs.append(CBPlan(3, "cb_mask", bf16, 1, "causal mask tile: 0 on and below the diagonal, -inf above"))
    if variant == "block_sparse":
        cbs.append(CBPlan(5, "cb_ctrl", FORMATS["uint32"], 1, "control page: how many K/V chunks the mask keeps"))
        cbs.append(CBPlan(6, "cb_mask_row", bf16, 1, "the reader's scratch page for a unit's row of the block mask"))
    l1 = res.check_l1(spec, cbs)
    res.check_dram(spec, [t for t in (q, k, v, o) if t is not None])
    by_var = {cb.var: cb for cb in cbs}
    names = kernel_names(spec) | ({"receiver_reader": f"kernels/dataflow/reader_{spec.name}_receiver.cpp"}
                                  if share > 1 else {})
    context = base_context(spec, names) | {
        "q": tensor_context(spec, q, by_var["cb_q"], "rows_q", "D"),
        "k": tensor_context(spec, k, by_var["cb_k"], "rows_kv", "D"),
        "v": tensor_context(spec, v, by_var["cb_v"], "rows_kv", "D") if v is not None else None,
        "o": tensor_context(spec, o, by_var["cb_out"], "rows_q", "Dv"),
        "v_from_k": v is None,
        "cb": by_var,
        "cbs": cbs,
        "grid": grid,
        "variant": variant,
        "kv_multicast": share > 1,
        "causal": causal,
        "shape": {"B": b, "Hq": hq, "Hkv": hkv, "S": s, "Skv": skv, "D": d, "Dv": shapes.dv},
        "geometry": {"Sq_t": sq_t, "Sk_t": sk_t, "Dt": dt, "Dvt": dvt, "num_q_chunks": num_q_chunks,
                     "num_kv_chunks": num_kv_chunks, "group": group, "share": share,
                     "dst_tiles": min(sk_t, arch.dst_capacity(spec.schedule.dst_sync, True))},
        "scale": scale,
        "scale_bf16": f"0x{bf16_bits(scale):04X}",
        "fp32_dest_acc_en": True,
        "dst_full_sync_en": spec.schedule.dst_sync == "full",
        "mask": (tensor_context(spec, mask_t, by_var["cb_mask_row"], "mask_rows", "mask_cols")
                 if mask_t is not None else None),
    }
    explain = [
        f"{variant} attention, Q[{b}, {hq}, {s}, {d}] K/V[{b}, {hkv}, {skv}, {d}], scale {scale:g}"
        + (", causal" if causal else ""),
        (f"work unit: the {s} heads of one token, as the rows of one query chunk: " if variant == "mla" else
         f"work unit: {q_chunk} query rows ({sq_t} tiles) of one (batch, head): ")
        + res.split_work(units, grid).describe("unit"),
        f"K/V chunks of {kv_chunk} rows ({sk_t} tiles): {num_kv_chunks} per unit"
        + ("; causal: only chunks up to the diagonal are read, tiles above it skipped" if causal else ""),
        "online softmax: running max m, row sums l and accumulator O in bfloat16 CBs between chunks, each update "
        "computed in a 32-bit DST",
        *([f"gqa: {group} query heads share each K/V head; the group's cores run together, the first reads each K/V "
           "chunk and multicasts it to the others"] if variant == "gqa" else []),
        *([f"K/V multicast: the {share} cores of a grid row run {share} query chunks of one head together; the first "
           "reads each K/V chunk and multicasts it to the others"] if variant == "mha" and share > 1 else []),
        *(["block_sparse: the reader reads the mask row of its unit and loads only the kept K/V chunks; the count "
           "goes to compute in a control page"] if variant == "block_sparse" else []),
        *[f"CB c_{cb.index} ({cb.purpose}): {cb.pages} pages x {cb.page_size} B" for cb in cbs],
        f"L1 per core: {l1} B of {arch.L1_USABLE} B usable",
    ]
    files = [OutputFile("attention/reader.cpp.j2", names["reader"]),
             OutputFile("attention/compute.cpp.j2", names["compute"]),
             OutputFile("attention/writer.cpp.j2", names["writer"]),
             OutputFile("attention/host.cpp.j2", names["host"]),
             OutputFile("common/ttgen_io.hpp.j2", names["io"])]
    if share > 1:
        files.insert(1, OutputFile("attention/receiver_reader.cpp.j2", names["receiver_reader"]))
    metadata = {"pattern": "attention",
                "compute": {"variant": variant, "causal": causal, "scale": scale,
                            "mask": mask_t.name if mask_t is not None else None,
                            "chunks": [q_chunk, kv_chunk], "value_dim": shapes.dv},
                "numerics": numerics(spec) | {"fp32_accumulation": True}}
    return Plan(spec, "attention", files, context, cbs, metadata, explain)
