"""Linear attention: O = φ(Q) (φ(K)ᵀ V), with the feature map φ chosen in the spec, causal or not.

Tensors are [B, H, S, D] (V and O may have their own last dim E), stored as the 2-D matrices [B·H·S, D] in
tiles. A work unit is one (batch, head); the sequence is processed in chunks of `chunks.kv` rows and the state
S = Σ φ(K_c)ᵀ V_c (D x E, a few tiles) never leaves the core: it lives in one CB that holds the previous and the
next state, each chunk's update reading the one and writing the other.

φ(K)ᵀ is made tile by tile with `transpose_tile` (the unpacker transposes on the way into DST) followed by φ on
the SFPU, so the state update is an ordinary matmul φ(K_c)ᵀ · V_c accumulated onto the previous state in DST.

Non-causal: the state is summed over every chunk first, then each query chunk is O_c = φ(Q_c) S.
Causal: per chunk, O_c = φ(Q_c) S_{<c} + (φ(Q_c) φ(K_c)ᵀ ∘ M) V_c, with M the lower-triangular 0/1 mask
(tiles above the diagonal skipped, the diagonal tile multiplied by a mask tile), then S += φ(K_c)ᵀ V_c.
"""

from __future__ import annotations

from .. import arch
from ..numerics.dataformat import FORMATS
from ..spec import Spec
from . import resources as res
from .attention import check_bhsd, require_fp32_dst
from .common import base_context, io_files, kernel_names, numerics, tensor_context
from .model import CBPlan, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "roles", "chunks"}
FEATURE_MAPS = ("elu_plus_one", "relu", "identity")


def plan_linear_attention(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    feature_map = spec.compute.get("feature_map", "elu_plus_one")
    causal = bool(spec.compute.get("causal", False))
    missing = [n for n in ("Q", "K", "V") if n not in spec.inputs]
    if missing:
        raise spec.error("linear attention reads inputs named Q, K and V", "inputs")
    extra = sorted(set(spec.inputs) - {"Q", "K", "V"})
    if extra:
        raise spec.error(f"unexpected input {extra[0]!r} for linear attention", "inputs", extra[0])
    if len(spec.outputs) != 1:
        raise spec.error("linear attention writes one output", "outputs")
    q, k, v = (spec.inputs[n] for n in ("Q", "K", "V"))
    (o,) = spec.outputs.values()
    check_bhsd(spec, (q, k, v, o))
    b, h, s, d = q.dims
    e = v.dims[3]
    if k.dims != q.dims:
        raise spec.error(f"K has Q's shape {list(q.dims)}", "inputs", "K", "shape")
    if v.dims[:3] != q.dims[:3]:
        raise spec.error(f"V is [batch, heads, sequence, value dim] with Q's first three {list(q.dims[:3])}",
                         "inputs", "V", "shape")
    if o.dims != v.dims:
        raise spec.error(f"O has V's shape {list(v.dims)}", "outputs", o.name, "shape")
    for t in (q, v):
        res.tiling(spec, t)
    chunks = spec.schedule.chunks
    if "q" in chunks:
        raise spec.error("linear attention has one chunk length for queries, keys and values: chunks.kv",
                         "schedule", "chunks", "q")
    chunk = chunks.get("kv", 64)
    if chunk % 32 or s % chunk:
        raise spec.error(f"chunks.kv = {chunk} must be a multiple of 32 dividing the sequence length {s}",
                         "schedule", "chunks", "kv")
    require_fp32_dst(spec)
    ct, dt, et = chunk // 32, d // 32, e // 32
    num_chunks = s // chunk
    grid = res.core_grid(spec)
    units = b * h
    bf16 = FORMATS["bfloat16"]
    kv_depth = res.cb_pages(spec, "K", 1)[0]
    cbs = [
        CBPlan(0, "cb_q", bf16, ct * dt, "the query chunk"),
        CBPlan(1, "cb_k", bf16, kv_depth * ct * dt, "key chunks"),
        CBPlan(2, "cb_v", bf16, kv_depth * ct * et, "value chunks"),
        CBPlan(3, "cb_causal", bf16, 1, "causal mask tile: 1 on and below the diagonal, 0 above"),
        CBPlan(16, "cb_out", bf16, 2, "output tiles"),
        CBPlan(24, "cb_phi_q", bf16, ct * dt, "φ(Q) of the chunk"),
        CBPlan(25, "cb_phi_kt", bf16, dt * ct, "φ(K)ᵀ of the chunk"),
        CBPlan(26, "cb_scores", bf16, ct * ct, "masked φ(Q) φ(K)ᵀ within the chunk"),
        CBPlan(27, "cb_state", bf16, 2 * dt * et, "the state S: the previous and the next"),
    ]
    if not causal:
        cbs = [cb for cb in cbs if cb.var not in ("cb_causal", "cb_scores")]
    l1 = res.check_l1(spec, cbs)
    res.check_dram(spec, [q, k, v, o])
    names = kernel_names(spec)
    cb = {c.var: c for c in cbs}
    context = base_context(spec, names) | {
        "q": tensor_context(spec, q, cb["cb_q"], "rows", "D"),
        "k": tensor_context(spec, k, cb["cb_k"], "rows", "D"),
        "v": tensor_context(spec, v, cb["cb_v"], "rows", "E"),
        "o": tensor_context(spec, o, cb["cb_out"], "rows", "E"),
        "cb": cb,
        "cbs": cbs,
        "grid": grid,
        "causal": causal,
        "feature_map": feature_map,
        "shape": {"B": b, "H": h, "S": s, "D": d, "E": e},
        "geometry": {"Ct": ct, "Dt": dt, "Et": et, "num_chunks": num_chunks},
        "fp32_dest_acc_en": True,
        "dst_full_sync_en": spec.schedule.dst_sync == "full",
    }
    explain = [
        f"linear attention, φ = {feature_map}, Q/K[{b}, {h}, {s}, {d}] V/O[{b}, {h}, {s}, {e}]"
        + (", causal" if causal else ""),
        f"work unit: one (batch, head): {res.split_work(units, grid).describe('unit')}",
        f"chunks of {chunk} rows ({ct} tiles): {num_chunks} per head; the state S ({dt}x{et} tiles) stays in L1",
        ("causal: O_c = φ(Q_c) S_prev + (φ(Q_c) φ(K_c)ᵀ ∘ M) V_c, then S += φ(K_c)ᵀ V_c" if causal else
         "non-causal: S = Σ φ(K_c)ᵀ V_c over all chunks first, then O_c = φ(Q_c) S"),
        *[f"CB c_{c.index} ({c.purpose}): {c.pages} pages x {c.page_size} B" for c in cbs],
        f"L1 per core: {l1} B of {arch.L1_USABLE} B usable",
    ]
    metadata = {"pattern": "linear_attention",
                "compute": {"feature_map": feature_map, "causal": causal, "chunk": chunk},
                "numerics": numerics(spec) | {"fp32_accumulation": True}}
    return Plan(spec, "linear_attention", io_files(names, "linear_attention"), context, cbs, metadata, explain)
