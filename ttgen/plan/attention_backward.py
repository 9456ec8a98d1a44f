"""Attention backward: dQ, dK, dV of O = softmax(Q Kᵀ · scale [+ causal mask]) V, from Q, K, V, O, dO and the
forward's row logsumexp L, in three programs (the FlashAttention-2 split):

1. preprocess, one unit per tile row of 32 query rows: D = rowsum(dO ∘ O) (a column-layout tile, D in column 0,
   for the dQ program's broadcast along rows) and the row-layout transposes of D and L (D in row 0, for the
   dK/dV program, which works on transposed scores).
2. dK/dV, one unit per K/V chunk of one head: the core that owns the chunk keeps its dK and dV accumulators in L1
   and walks every query chunk (with `causal`, only those at or below the diagonal), recomputing the transposed
   probabilities Pᵀ = exp(K Qᵀ · scale - L) and dSᵀ = Pᵀ ∘ (V dOᵀ - D) · scale; then dV += Pᵀ dO and
   dK += dSᵀ Q.
3. dQ, one unit per query chunk of one head: the owning core walks the K/V chunks, recomputing P = exp(S - L) and
   dS = P ∘ (dO Vᵀ - D) · scale; then dQ += dS K.

Every accumulator has exactly one owner core, so no cross-core reduction is needed; the price is that the
scores are recomputed by both programs 2 and 3, as in FlashAttention-2.
"""

from __future__ import annotations

import math

from .. import arch
from ..numerics.dataformat import FORMATS
from ..spec import Spec
from . import resources as res
from .attention import check_bhsd, require_fp32_dst
from .common import base_context, fp32_hex, kernel_names, numerics, tensor_context
from .model import CBPlan, OutputFile, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "roles", "chunks"}
INPUTS = ("Q", "K", "V", "O", "dO", "L")
OUTPUTS = ("dQ", "dK", "dV")
PROGRAMS = ("pre", "kv", "q")


def _names(spec: Spec) -> dict[str, str]:
    n = spec.name
    names = kernel_names(spec)
    for program in PROGRAMS:
        names |= {f"{program}_reader": f"kernels/dataflow/reader_{n}_{program}.cpp",
                  f"{program}_compute": f"kernels/compute/compute_{n}_{program}.cpp",
                  f"{program}_writer": f"kernels/dataflow/writer_{n}_{program}.cpp"}
    return names


def plan_attention_backward(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    if spec.compute.get("variant", "mha") != "mha":
        raise spec.error("attention backward is implemented for the mha variant", "compute", "variant")
    missing = [n for n in INPUTS if n not in spec.inputs]
    if missing:
        raise spec.error(f"attention backward reads inputs named {', '.join(INPUTS)} (missing {missing[0]})",
                         "inputs")
    extra = sorted(set(spec.inputs) - set(INPUTS))
    if extra:
        raise spec.error(f"unexpected input {extra[0]!r} for attention backward", "inputs", extra[0])
    if sorted(spec.outputs) != sorted(OUTPUTS):
        raise spec.error(f"attention backward writes outputs named {', '.join(OUTPUTS)}", "outputs")
    q, k, v, o, do, lse = (spec.inputs[n] for n in INPUTS)
    dq, dk, dv = (spec.outputs[n] for n in OUTPUTS)
    check_bhsd(spec, (q, k, v, o, do, dq, dk, dv))
    for t in (k, v, o, do, dq, dk, dv):
        if t.dims != q.dims:
            raise spec.error(f"{t.name} has Q's shape {list(q.dims)}", t.group, t.name, "shape")
    b, h, s, d = q.dims
    if lse.dims != (b, h, s):
        raise spec.error(f"L is the forward's row logsumexp, [batch, heads, sequence] = {[b, h, s]}", "inputs",
                         "L", "shape")
    if lse.dtype != "bfloat16":
        raise spec.error("attention backward is implemented for bfloat16 tensors", "inputs", "L", "dtype")
    res.tiling(spec, q)
    causal = bool(spec.compute.get("causal", False))
    scale = spec.compute.get("scale", "auto")
    scale = 1.0 / math.sqrt(d) if scale == "auto" else float(scale)
    chunks = spec.schedule.chunks
    q_chunk, kv_chunk = chunks.get("q", 64), chunks.get("kv", 64)
    for name, size in (("q", q_chunk), ("kv", kv_chunk)):
        if size % 32 or s % size:
            raise spec.error(f"chunks.{name} = {size} must be a multiple of 32 dividing the sequence length {s}",
                             "schedule", "chunks", name)
    require_fp32_dst(spec)
    sq_t, sk_t, dt = q_chunk // 32, kv_chunk // 32, d // 32
    num_q_chunks, num_kv_chunks = s // q_chunk, s // kv_chunk
    grid = res.core_grid(spec)
    bf16 = FORMATS["bfloat16"]
    depth = res.cb_pages(spec, "Q", 1)[0]
    # CBs per program: the programs run one after another, so each one's CBs have all of L1 to themselves.
    cbs = {
        "pre": [
            CBPlan(0, "cb_do", bf16, 2 * dt, "dO tile rows"),
            CBPlan(1, "cb_o", bf16, 2 * dt, "O tile rows"),
            CBPlan(2, "cb_l", bf16, 2, "L, broadcast along each row"),
            CBPlan(3, "cb_scaler", bf16, 1, "reduce scaler: 1.0 in row 0 of each face"),
            CBPlan(16, "cb_d_col", bf16, 2, "D = rowsum(dO ∘ O), column layout"),
            CBPlan(17, "cb_d_row", bf16, 2, "D, row layout"),
            CBPlan(18, "cb_l_row", bf16, 2, "L, row layout"),
            CBPlan(24, "cb_prod", bf16, dt, "dO ∘ O of one tile row"),
            CBPlan(25, "cb_d_tmp", bf16, 1, "D again, for this kernel's own transpose"),
        ],
        "kv": [
            CBPlan(0, "cb_q", bf16, depth * sq_t * dt, "query chunks"),
            CBPlan(1, "cb_k", bf16, sk_t * dt, "the key chunk this core owns"),
            CBPlan(2, "cb_v", bf16, sk_t * dt, "the value chunk this core owns"),
            CBPlan(3, "cb_do", bf16, depth * sq_t * dt, "dO chunks"),
            CBPlan(4, "cb_l_row", bf16, depth * sq_t, "L of the query chunk, row layout"),
            CBPlan(5, "cb_d_row", bf16, depth * sq_t, "D of the query chunk, row layout"),
            CBPlan(6, "cb_mask", bf16, 1, "transposed causal mask tile: -inf below the diagonal, 0 elsewhere"),
            CBPlan(16, "cb_dk_out", bf16, 2, "dK tiles"),
            CBPlan(17, "cb_dv_out", bf16, 2, "dV tiles"),
            CBPlan(24, "cb_st", bf16, sk_t * sq_t, "scaled transposed scores Sᵀ"),
            CBPlan(25, "cb_pt", bf16, sk_t * sq_t, "Pᵀ = exp(Sᵀ - L)"),
            CBPlan(26, "cb_dpt", bf16, sk_t * sq_t, "dPᵀ = V dOᵀ"),
            CBPlan(27, "cb_dst", bf16, sk_t * sq_t, "dSᵀ = Pᵀ ∘ (dPᵀ - D) · scale"),
            CBPlan(28, "cb_dk", bf16, 2 * sk_t * dt, "dK accumulator: the previous and the next"),
            CBPlan(29, "cb_dv", bf16, 2 * sk_t * dt, "dV accumulator: the previous and the next"),
        ],
        "q": [
            CBPlan(0, "cb_q", bf16, sq_t * dt, "the query chunk this core owns"),
            CBPlan(1, "cb_k", bf16, depth * sk_t * dt, "key chunks"),
            CBPlan(2, "cb_v", bf16, depth * sk_t * dt, "value chunks"),
            CBPlan(3, "cb_do", bf16, sq_t * dt, "dO of the query chunk"),
            CBPlan(4, "cb_l", bf16, sq_t, "L of the query chunk, column layout"),
            CBPlan(5, "cb_d_col", bf16, sq_t, "D of the query chunk, column layout"),
            CBPlan(6, "cb_mask", bf16, 1, "causal mask tile: -inf above the diagonal, 0 elsewhere"),
            CBPlan(16, "cb_dq_out", bf16, 2, "dQ tiles"),
            CBPlan(24, "cb_s", bf16, sq_t * sk_t, "scaled scores S"),
            CBPlan(25, "cb_p", bf16, sq_t * sk_t, "P = exp(S - L)"),
            CBPlan(26, "cb_dp", bf16, sq_t * sk_t, "dP = dO Vᵀ"),
            CBPlan(27, "cb_ds", bf16, sq_t * sk_t, "dS = P ∘ (dP - D) · scale"),
            CBPlan(28, "cb_dq", bf16, 2 * sq_t * dt, "dQ accumulator: the previous and the next"),
        ],
    }
    l1 = {program: res.check_l1(spec, program_cbs) for program, program_cbs in cbs.items()}
    res.check_dram(spec, [q, k, v, o, do, dq, dk, dv])
    names = _names(spec)
    by_var = {program: {cb.var: cb for cb in program_cbs} for program, program_cbs in cbs.items()}

    def tensor(t, program, cb_var):
        return tensor_context(spec, t, by_var[program][cb_var], "rows", "D")

    tile_rows = b * h * s // 32
    units = {"pre": tile_rows, "kv": b * h * num_kv_chunks, "q": b * h * num_q_chunks}
    context = base_context(spec, names) | {
        "tensors": {
            "pre": {"do": tensor(do, "pre", "cb_do"), "o": tensor(o, "pre", "cb_o")},
            "kv": {"q": tensor(q, "kv", "cb_q"), "k": tensor(k, "kv", "cb_k"), "v": tensor(v, "kv", "cb_v"),
                   "do": tensor(do, "kv", "cb_do"), "dk": tensor(dk, "kv", "cb_dk_out"),
                   "dv": tensor(dv, "kv", "cb_dv_out")},
            "q": {"q": tensor(q, "q", "cb_q"), "k": tensor(k, "q", "cb_k"), "v": tensor(v, "q", "cb_v"),
                  "do": tensor(do, "q", "cb_do"), "dq": tensor(dq, "q", "cb_dq_out")},
        },
        "inputs": [tensor_context(spec, t, by_var["kv"]["cb_q"], "rows", "D") for t in (q, k, v, o, do)],
        "outputs": [tensor_context(spec, t, by_var["kv"]["cb_q"], "rows", "D") for t in (dq, dk, dv)],
        "lse": {"name": lse.name, "var": "l", "buffer": "l_buffer"},
        "pre_outputs": [{"var": var, "addr": f"{var}_addr", "buffer": f"{var}_buffer", "cb": by_var["pre"][f"cb_{var}"]}
                        for var in ("d_col", "d_row", "l_row")],
        "cbs": cbs,
        "cb": by_var,
        "grid": grid,
        "causal": causal,
        "shape": {"B": b, "H": h, "S": s, "D": d},
        "geometry": {"Sq_t": sq_t, "Sk_t": sk_t, "Dt": dt, "num_q_chunks": num_q_chunks,
                     "num_kv_chunks": num_kv_chunks},
        "units": units,
        "scale": scale,
        "scale_bits": fp32_hex(scale),
        "fp32_dest_acc_en": True,
        "dst_full_sync_en": spec.schedule.dst_sync == "full",
    }
    explain = [
        f"attention backward, Q/K/V/O/dO[{b}, {h}, {s}, {d}], scale {scale:g}" + (", causal" if causal else ""),
        f"program 1 (preprocess): D = rowsum(dO ∘ O) and the row layouts of D and L, {units['pre']} tile rows "
        f"({res.split_work(units['pre'], grid).describe('tile row')})",
        f"program 2 (dK, dV): each core owns whole K/V chunks of {kv_chunk} rows and their accumulators, "
        f"{units['kv']} chunks ({res.split_work(units['kv'], grid).describe('chunk')}), walking the query chunks "
        f"of {q_chunk} rows" + (" at or below the diagonal" if causal else ""),
        f"program 3 (dQ): each core owns whole query chunks and their dQ accumulator, {units['q']} chunks "
        f"({res.split_work(units['q'], grid).describe('chunk')}), walking the K/V chunks"
        + (" up to the diagonal" if causal else ""),
        *[f"{program}: CB c_{cb.index} ({cb.purpose}): {cb.pages} pages x {cb.page_size} B"
          for program, program_cbs in cbs.items() for cb in program_cbs],
        "L1 per core: " + ", ".join(f"{program} {used} B" for program, used in l1.items())
        + f" of {arch.L1_USABLE} B usable",
    ]
    files = [OutputFile(f"attention_backward/{program}_{role}.cpp.j2", names[f"{program}_{role}"])
             for program in PROGRAMS for role in ("reader", "compute", "writer")]
    files += [OutputFile("attention_backward/host.cpp.j2", names["host"]),
              OutputFile("common/ttgen_io.hpp.j2", names["io"])]
    metadata = {"pattern": "attention_backward",
                "compute": {"causal": causal, "scale": scale, "chunks": [q_chunk, kv_chunk]},
                "numerics": numerics(spec) | {"fp32_accumulation": True}}
    all_cbs = [cb for program_cbs in cbs.values() for cb in program_cbs]
    return Plan(spec, "attention_backward", files, context, all_cbs, metadata, explain)
