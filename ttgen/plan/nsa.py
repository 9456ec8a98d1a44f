"""DeepSeek Native Sparse Attention, decode: each query attends through three branches whose outputs a gate mixes.

Queries Q [B, HKV, G, D] are the G query heads of a GQA group at the decoding position; they share the group's
K/V cache [B, HKV, S, D] and, as in NSA, one block selection. With blocks of `compress_block` = 32 keys (one tile
row, stride 32):

* compressed branch: compressed keys and values are block means (the compression function φ of this spec), so a
  head's score for block j is the mean of its raw scores over the block: c = rowmean(Q K_jᵀ · scale) per block,
  p = softmax over blocks, o_cmp = p · mean(V_j). The reader streams every block once; the compute kernel places
  c_j in column j of a scores tile and mean(V_j) in row j of the compressed-value tiles (one-hot tiles from
  unary_eq on a column / row index tile), so that o_cmp is one matmul.
* selected branch: block importance is p summed over the group's heads (a column sum); the compute kernel takes
  the `selected_blocks` most important blocks (ties to the lower block) and hands their indices to the reader
  through a Float32 page — the K/V blocks this branch loads depend on scores computed earlier in the same run —
  and attends over their keys.
* sliding window: attention over the last `window` keys.

The output is g_cmp · o_cmp + g_slc · o_slc + g_win · o_win with the gates given per head (an input, as the
gate network's sigmoid outputs). Branch attentions use an exact two-pass softmax over their few blocks.
"""

from __future__ import annotations

import math

from .. import arch
from ..numerics.dataformat import FORMATS
from ..spec import Spec
from . import resources as res
from .common import base_context, fp32_hex, io_files, kernel_names, numerics, tensor_context
from .model import CBPlan, Plan

BLOCK = 32


def plan_nsa(spec: Spec, schedule_keys: set[str]) -> Plan:
    res.reject_unused_schedule(spec, schedule_keys - {"chunks", "multicast", "work_split"})
    c = spec.compute
    nsa = c.get("nsa", {})
    for key, expected in (("compress_block", BLOCK), ("compress_stride", BLOCK), ("select_block", BLOCK)):
        if nsa.get(key, BLOCK) != expected:
            raise spec.error(f"{key} is one tile row of keys: {BLOCK}", "compute", "nsa", key)
    n_sel, window = nsa.get("selected_blocks", 8), nsa.get("window", 64)
    if c.get("causal"):
        raise spec.error("NSA decode attends to the whole cache; causal does not apply", "compute", "causal")
    names_in = {"Q", "K", "V", "gates"}
    if set(spec.inputs) != names_in:
        raise spec.error(f"NSA reads inputs named {', '.join(sorted(names_in))}", "inputs")
    q, k, v, gates = (spec.inputs[n] for n in ("Q", "K", "V", "gates"))
    if len(spec.outputs) != 1:
        raise spec.error("attention writes one output", "outputs")
    (o,) = spec.outputs.values()
    for t in (q, k, v, o, gates):
        if len(t.dims) != 4:
            raise spec.error(f"{t.name} is 4-D", t.group, t.name, "shape")
        if t.dtype != "bfloat16":
            raise spec.error("attention is implemented for bfloat16 tensors", t.group, t.name, "dtype")
    b, hkv, g, d = q.dims
    s = k.dims[2]
    if g != 32:
        raise spec.error("the G query heads of a group are the 32 rows of one query tile: G must be 32", "inputs",
                         "Q", "shape")
    if k.dims != (b, hkv, s, d) or v.dims != k.dims:
        raise spec.error(f"K and V are [batch, kv heads, seq, head dim] = [{b}, {hkv}, seq, {d}]", "inputs", "K",
                         "shape")
    if o.dims != q.dims:
        raise spec.error("O has Q's shape", "outputs", o.name, "shape")
    if gates.dims != (b, hkv, g, 3):
        raise spec.error(f"gates are [batch, kv heads, heads, 3 branches] = {[b, hkv, g, 3]}", "inputs", "gates",
                         "shape")
    if s % BLOCK or d % 32:
        raise spec.error("the sequence and head dim must be multiples of 32", "inputs", "K", "shape")
    num_blocks = s // BLOCK
    if num_blocks > 32:
        raise spec.error(f"{num_blocks} blocks: the compressed scores of all blocks fill one tile row, at most 32 "
                         f"blocks ({32 * BLOCK} keys)", "inputs", "K", "shape")
    if not 1 <= n_sel <= num_blocks:
        raise spec.error(f"selected_blocks must be between 1 and the {num_blocks} blocks", "compute", "nsa",
                         "selected_blocks")
    if window % BLOCK or not BLOCK <= window <= s:
        raise spec.error(f"window is a multiple of {BLOCK} keys, at most the sequence", "compute", "nsa", "window")
    scale = c.get("scale", "auto")
    scale = 1.0 / math.sqrt(d) if scale == "auto" else float(scale)
    dt, w_blocks = d // 32, window // BLOCK
    grid = res.core_grid(spec)
    units = b * hkv
    bf16, fp32 = FORMATS["bfloat16"], FORMATS["float32"]
    cbs = [
        CBPlan(0, "cb_q", bf16, dt, "the group's queries"),
        CBPlan(1, "cb_k", bf16, (n_sel + w_blocks) * dt, "key blocks of the selected and window branches"),
        CBPlan(2, "cb_v", bf16, (n_sel + w_blocks) * dt, "value blocks of the selected and window branches"),
        CBPlan(13, "cb_kc", bf16, 2 * dt, "key blocks of the compressed branch, double-buffered"),
        CBPlan(14, "cb_vc", bf16, 2 * dt, "value blocks of the compressed branch, double-buffered"),
        CBPlan(3, "cb_scaler", bf16, 1, "reduce scaler 1.0"),
        CBPlan(4, "cb_mean", bf16, 1, "reduce scaler 1/32: block means"),
        CBPlan(5, "cb_col", bf16, 1, "column index of every element"),
        CBPlan(6, "cb_rowidx", bf16, 1, "row index of every element"),
        CBPlan(7, "cb_gates", bf16, 3, "the three branch gates, each row filled with its head's"),
        CBPlan(8, "cb_sel", fp32, 1, "selected block indices, row 0 (compute to reader)"),
        CBPlan(16, "cb_out", bf16, 2, "output tiles"),
        CBPlan(24, "cb_s", bf16, n_sel + w_blocks, "scores of a branch's blocks"),
        CBPlan(25, "cb_p", bf16, n_sel + w_blocks, "probabilities of a branch's blocks"),
        CBPlan(26, "cb_row", bf16, 2, "per-row values in column 0 (block score, max, 1/sum)"),
        CBPlan(27, "cb_onehot", bf16, 1, "one-hot column or row"),
        CBPlan(28, "cb_cmp", bf16, 2, "compressed scores, column j = block j: the previous and the next"),
        CBPlan(29, "cb_vbar", bf16, 2 * dt, "compressed values, row j = block j: the previous and the next"),
        CBPlan(30, "cb_o3", bf16, 3 * dt, "the three branch outputs"),
        CBPlan(31, "cb_imp", bf16, 2, "block importance, row 0: the previous and the next"),
        CBPlan(9, "cb_pick", bf16, 2, "selected blocks so far, row 0: the previous and the next"),
        CBPlan(10, "cb_arg", bf16, 1, "the round's most important block"),
        CBPlan(11, "cb_acc", bf16, 2, "a branch output before 1/sum"),
        CBPlan(12, "cb_one", bf16, 2, "single-tile intermediates: a block's scores, compressed probabilities"),
    ]
    l1 = res.check_l1(spec, cbs)
    res.check_dram(spec, [q, k, v, o])
    names = kernel_names(spec)
    cb = {x.var: x for x in cbs}
    context = base_context(spec, names) | {
        "q": tensor_context(spec, q, cb["cb_q"], "rows_q", "D"),
        "k": tensor_context(spec, k, cb["cb_k"], "rows_kv", "D"),
        "v": tensor_context(spec, v, cb["cb_v"], "rows_kv", "D"),
        "o": tensor_context(spec, o, cb["cb_out"], "rows_q", "D"),
        "gates": tensor_context(spec, gates, cb["cb_gates"], "rows_q", "3"),
        "cb": cb,
        "cbs": cbs,
        "grid": grid,
        "dims": {"B": b, "HKV": hkv, "G": g, "S": s, "D": d, "Dt": dt, "num_blocks": num_blocks,
                 "n_sel": n_sel, "w_blocks": w_blocks},
        "scale": scale,
        "bits": {"scale": fp32_hex(scale), "num_blocks": fp32_hex(float(num_blocks)), "removed": fp32_hex(-1.0e30)},
        "fp32_dest_acc_en": True,
        "dst_full_sync_en": spec.schedule.dst_sync == "full",
    }
    explain = [
        f"NSA decode: {b} x {hkv} groups of {g} query heads, cache of {s} keys ({num_blocks} blocks of {BLOCK}), "
        f"head dim {d}, scale {scale:g}",
        f"work unit: one group: {res.split_work(units, grid).describe('group')}",
        f"compressed branch over all {num_blocks} blocks (block means); {n_sel} selected blocks chosen on device and "
        f"loaded by the reader; sliding window of {window} keys ({w_blocks} blocks); gated sum",
        *[f"CB c_{x.index} ({x.purpose}): {x.pages} pages x {x.page_size} B" for x in cbs],
        f"L1 per core: {l1} B of {arch.L1_USABLE} B usable",
    ]
    metadata = {"pattern": "attention",
                "compute": {"variant": "nsa", "causal": False, "scale": scale, "selected_blocks": n_sel,
                            "window": window, "block": BLOCK},
                "numerics": numerics(spec) | {"fp32_accumulation": True}}
    return Plan(spec, "nsa", io_files(names, "nsa"), context, cbs, metadata, explain)
