"""References of the attention kernels, computed from the definitions (full softmax, no chunking).

Tolerance. The kernels keep the scores, probabilities, running max and sums and the output accumulator in
bfloat16 CBs between steps (each step is computed in a 32-bit DST). Every rounding is relative (at most 2^-9) to
its value. A score rounded to bf16 moves by up to 2^-9 |s|, and exp turns that into a relative error of the same
size in its probability; the probability itself, every chunk's correction alpha and rescaled accumulator, and
the final 1/l and product are each rounded once more (the rounded running max cancels: the same m is subtracted
from the scores and used in alpha). The bound for an output element is stated relative to the magnitude it is
built from, |P| @ |V| / l (at most max |V|), at one bf16 unit 2^-8 per rounding (twice the worst case):
    |O - O_ref| <= 2^-8 · (4 + 2 · chunks + max |scaled score|) · (|P| @ |V|) / l + 1e-6
with `chunks` the number of K/V chunks. The queries span [-8, 8) (below), so the logits vary by several units
and the running max moves between chunks: a missing rescale or max subtraction then changes outputs several
times the bound, while the exact kernel stays near a fifth of it.
"""

from __future__ import annotations

import numpy as np

from ..numerics.formats import round_to
from .golden import ATOL, MAX_DRAWS, Golden, NoUnambiguousInputs

ULP = 2.0**-8


def _masked_scores(meta: dict, q: np.ndarray, k: np.ndarray, inputs: dict) -> np.ndarray:
    c = meta["compute"]
    scores = c["scale"] * (q @ np.swapaxes(k, -1, -2))
    if c["causal"]:
        rows, cols = scores.shape[-2:]
        scores = np.where(np.triu(np.ones((rows, cols), bool), 1), -np.inf, scores)
    if c.get("mask"):
        q_chunk, kv_chunk = c["chunks"]
        keep = inputs[c["mask"]] != 0
        keep = np.repeat(np.repeat(keep, q_chunk, axis=-2), kv_chunk, axis=-1)
        scores = np.where(keep, scores, -np.inf)
    return scores


def _block_means(x: np.ndarray, block: int) -> np.ndarray:
    """[..., S, D] -> [..., S / block, D]: the mean of every block of `block` rows (NSA's compressed keys)."""
    return x.reshape(x.shape[:-2] + (x.shape[-2] // block, block, x.shape[-1])).mean(axis=-2)


def _nsa_parts(meta: dict, q: np.ndarray, k: np.ndarray, v: np.ndarray) -> dict:
    """The branches of NSA decode for every group, in float64: block scores, importance, selection, outputs."""
    c = meta["compute"]
    block, n_sel, window = c["block"], c["selected_blocks"], c["window"]
    scores = c["scale"] * (q @ np.swapaxes(k, -1, -2))  # [B, HKV, G, S]
    shape = scores.shape[:-1] + (scores.shape[-1] // block, block)
    cmp_scores = scores.reshape(shape).mean(axis=-1)  # block means of the scores = scores of block-mean keys
    p_cmp = np.exp(cmp_scores - cmp_scores.max(axis=-1, keepdims=True))
    p_cmp /= p_cmp.sum(axis=-1, keepdims=True)
    v_bar = _block_means(v, block)
    importance = p_cmp.sum(axis=-2)  # [B, HKV, blocks]: summed over the group's heads
    order = np.argsort(-importance, axis=-1, kind="stable")  # ties to the lower block
    selected = order[..., :n_sel]
    keys = np.arange(scores.shape[-1])
    parts = {"scores": scores, "p_cmp": p_cmp, "v_bar": v_bar, "importance": importance, "order": order,
             "o_cmp": p_cmp @ v_bar}
    in_selected = ((keys // block) == selected[..., :, None]).any(axis=-2)[..., None, :]  # [B, HKV, 1, S]
    for name, keep in (("slc", in_selected), ("win", keys >= scores.shape[-1] - window)):
        masked = np.where(keep, scores, -np.inf)
        weights = np.exp(masked - masked.max(axis=-1, keepdims=True))
        parts[f"o_{name}"] = weights @ v / weights.sum(axis=-1, keepdims=True)
        parts[f"m_{name}"] = weights @ np.abs(v) / weights.sum(axis=-1, keepdims=True)
    return parts


def _nsa(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    """o = g_cmp · o_cmp + g_slc · o_slc + g_win · o_win; each branch charged like a softmax attention (the
    compressed one through |p| |v̄|), plus the gated sum's roundings."""
    q, k, v, gates = (inputs[n].astype(np.float64) for n in ("Q", "K", "V", "gates"))
    parts = _nsa_parts(meta, q, k, v)
    g = [gates[..., i:i + 1] for i in range(3)]
    out = g[0] * parts["o_cmp"] + g[1] * parts["o_slc"] + g[2] * parts["o_win"]
    chunk_free = ULP * (8 + np.abs(parts["scores"]).max())
    magnitude = (np.abs(g[0]) * (parts["p_cmp"] @ np.abs(parts["v_bar"])) + np.abs(g[1]) * parts["m_slc"]
                 + np.abs(g[2]) * parts["m_win"])
    (out_name,) = meta["outputs"]
    return {out_name: Golden(out, chunk_free * magnitude + ULP * np.abs(out) + ATOL)}


def _attention(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    if meta["compute"]["variant"] == "nsa":
        return _nsa(meta, inputs)
    if meta["compute"]["variant"] == "mla":
        # absorbed MLA decode: each token's heads attend to its latent cache, whose first columns are the values
        q, kv = inputs["Q"].astype(np.float64)[:, None], inputs["KV"].astype(np.float64)[:, None]
        k, v = kv, kv[..., :meta["compute"]["value_dim"]]
    else:
        q, k, v = (inputs[n].astype(np.float64) for n in ("Q", "K", "V"))
    group = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    scores = _masked_scores(meta, q, k, inputs)
    # a row that sees no key at all (a block mask keeping nothing of its query chunk) has no softmax: 0
    empty = ~np.isfinite(scores).any(axis=-1, keepdims=True)
    peak = np.where(empty, 0.0, scores.max(axis=-1, keepdims=True))
    weights = np.exp(scores - peak)
    total = np.where(empty, 1.0, weights.sum(axis=-1, keepdims=True))
    out = weights @ v / total
    magnitude = weights @ np.abs(v) / total
    finite = np.where(np.isfinite(scores), np.abs(scores), 0.0)
    chunks = k.shape[-2] // meta["compute"]["chunks"][1]
    bound = ULP * (4 + 2 * chunks + finite.max()) * magnitude + ATOL
    (out_name, out_meta), = meta["outputs"].items()
    shape = tuple(out_meta["shape"])
    return {out_name: Golden(out.reshape(shape), bound.reshape(shape))}


QUERY_RANGE = 8.0  # Q in [-8, 8): scaled logits of about ±10, as in trained models (K and V stay in [-1, 1))


def _attention_inputs(meta: dict, inputs: dict, rng: np.random.Generator) -> dict:
    """Queries wide enough that the logits vary by several units within a row, so the running max moves between
    chunks as it does in practice; a block mask of 0/1 that keeps about half the blocks and at least one per
    query chunk, except the last query chunk of the first head, which keeps none (its rows must come out 0)."""
    inputs["Q"] = round_to(inputs["Q"] * QUERY_RANGE, meta["inputs"]["Q"]["dtype"])
    if meta["compute"]["variant"] == "nsa":
        return _nsa_inputs(meta, inputs, rng)
    name = meta["compute"].get("mask")
    if name:
        keep = rng.random(inputs[name].shape) < 0.5
        first = rng.integers(0, keep.shape[-1], size=keep.shape[:-1])
        np.put_along_axis(keep, first[..., None], True, axis=-1)
        keep[0, 0, -1, :] = False
        inputs[name] = keep.astype(np.float32)
    return inputs


FEATURE_MAPS = {
    "elu_plus_one": lambda x: np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0))),
    "relu": lambda x: np.maximum(x, 0.0),
    "identity": lambda x: x,
}


def _linear_attention(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    """O = φ(Q) (φ(K)ᵀ V), causal: row i sees keys j <= i. The bound charges, at one bf16 unit each:
    φ(K) packed to bf16 (plus the SFPU's few units for elu's exp) through |φ(Q)| |φ(K)|ᵀ |V|; the state rounded
    to bf16 after every chunk, and φ(Q)'s own error, through |φ(Q)| Σ_c |S_c|; the causal chunk's scores
    rounded, through |A| |V|; and the output's own pack."""
    c = meta["compute"]
    phi = FEATURE_MAPS[c["feature_map"]]
    q, k, v = (inputs[n].astype(np.float64) for n in ("Q", "K", "V"))
    fq, fk = phi(q), phi(k)
    scores = fq @ np.swapaxes(fk, -1, -2)
    weights = np.abs(fq) @ np.swapaxes(np.abs(fk), -1, -2)
    if c["causal"]:
        scores, weights = np.tril(scores), np.tril(weights)
    out = scores @ v
    chunk = c["chunk"]
    seq = q.shape[-2]
    states = np.zeros(fk.shape[:-2] + (fk.shape[-1], v.shape[-1]))
    for start in range(0, seq, chunk):  # Σ_c |S_c|, S_c the state after chunk c
        states += np.abs(np.swapaxes(fk[..., :start + chunk, :], -1, -2) @ v[..., :start + chunk, :])
    phi_units = PHI_ROUNDINGS[c["feature_map"]]
    bound = ULP * (phi_units * (weights @ np.abs(v)) + (1 + phi_units) * (np.abs(fq) @ states) + np.abs(out)) + ATOL
    if c["causal"]:
        bound += ULP * (np.abs(scores) @ np.abs(v))
    (out_name,) = meta["outputs"]
    return {out_name: Golden(out, bound)}


# Units charged for φ(K) in bf16: elu+1 rounds once and its exp is a few units off on the SFPU; relu and the
# identity of a bf16 value are exact.
PHI_ROUNDINGS = {"elu_plus_one": 5, "relu": 0, "identity": 0}


SELECTION_MARGIN = 0.05  # relative gap between the last selected block's importance and the next one's


def _nsa_inputs(meta: dict, inputs: dict, rng: np.random.Generator) -> dict:
    """Gates in (0, 1), as the gate network's sigmoids give them; and for every group a clear choice of blocks:
    where the last selected and the first unselected block's importances lie within 5 %, the group's queries
    are drawn again (the kernel's importances are bfloat16-rounded sums)."""
    inputs["gates"] = round_to((inputs["gates"] + 1.0) / 2.0, meta["inputs"]["gates"]["dtype"])
    n_sel = meta["compute"]["selected_blocks"]
    q = inputs["Q"]
    k = inputs["K"].astype(np.float64)
    c = meta["compute"]
    block = c["block"]
    # The block-mean keys: the compressed scores are q · k̄ (the mean of a block's scores), so a draw costs a
    # [G, blocks] product rather than the full branches.
    k_bar = _block_means(k, block)
    for group in np.ndindex(*q.shape[:2]):
        for _ in range(MAX_DRAWS):
            cmp_scores = c["scale"] * (q[group].astype(np.float64) @ k_bar[group].T)  # [G, blocks]
            p_cmp = np.exp(cmp_scores - cmp_scores.max(axis=-1, keepdims=True))
            p_cmp /= p_cmp.sum(axis=-1, keepdims=True)
            ranked = np.sort(p_cmp.sum(axis=0))[::-1]
            if n_sel == len(ranked) or ranked[n_sel - 1] - ranked[n_sel] > SELECTION_MARGIN * ranked[n_sel - 1]:
                break
            q[group] = round_to(rng.uniform(-QUERY_RANGE, QUERY_RANGE, size=q[group].shape).astype(np.float32),
                                meta["inputs"]["Q"]["dtype"])
        else:
            raise NoUnambiguousInputs(f"no queries in {MAX_DRAWS} draws separate the {n_sel} selected blocks from "
                                      f"the next by {SELECTION_MARGIN:.0%} of importance")
    return inputs


def _softmax_parts(meta: dict, q: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scaled masked scores, P, logsumexp) in float64."""
    scores = _masked_scores(meta, q, k, {})
    peak = scores.max(axis=-1, keepdims=True)
    total = np.exp(scores - peak).sum(axis=-1, keepdims=True)
    lse = peak + np.log(total)
    return scores, np.exp(scores - lse), lse[..., 0]


def _backward_inputs(meta: dict, inputs: dict, rng: np.random.Generator) -> dict:
    """Q widened as for the forward; O and L are the forward's own outputs for these Q, K, V (rounded to their
    dtype, as a forward kernel would have stored them); dO stays uniform in [-1, 1)."""
    inputs["Q"] = round_to(inputs["Q"] * QUERY_RANGE, meta["inputs"]["Q"]["dtype"])
    q, k, v = (inputs[n].astype(np.float64) for n in ("Q", "K", "V"))
    _, p, lse = _softmax_parts(meta, q, k)
    inputs["O"] = round_to((p @ v).astype(np.float32), meta["inputs"]["O"]["dtype"])
    inputs["L"] = round_to(lse.astype(np.float32), meta["inputs"]["L"]["dtype"])
    return inputs


def _attention_backward(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    """dV = Pᵀ dO, dS = P ∘ (dO Vᵀ - rowsum(P ∘ dO Vᵀ)), dQ = scale · dS K, dK = scale · dSᵀ Q, all from Q, K, V
    and dO (the given O and L are the kernel's shortcut to P and the row term, not part of the definition).

    Bound. P is recomputed from bf16 scores and a bf16 L: relative error ε_P = 2^-8 (4 + max|s| + max|L|).
    dP and D = rowsum(dO ∘ O) are each rounded once more (D also carries O's rounding), dS once, and every
    accumulator once per chunk it sums over. Each error is charged through the magnitudes it flows through:
    |dS| error <= ε_P |P| |dP - D| + 2^-8 |P| (|dO| |V|ᵀ + rowsum(|dO| ∘ |O|)) + 2^-8 |dS|."""
    c = meta["compute"]
    scale = c["scale"]
    q, k, v, do, o = (inputs[n].astype(np.float64) for n in ("Q", "K", "V", "dO", "O"))
    scores, p, _ = _softmax_parts(meta, q, k)
    dp = do @ np.swapaxes(v, -1, -2)
    row = (p * dp).sum(axis=-1, keepdims=True)
    ds = p * (dp - row)
    dq, dk, dv = scale * ds @ k, scale * np.swapaxes(ds, -1, -2) @ q, np.swapaxes(p, -1, -2) @ do
    finite = np.where(np.isfinite(scores), np.abs(scores), 0.0)
    eps_p = ULP * (4 + finite.max() + np.abs(inputs["L"]).max())
    row_magnitude = (np.abs(do) * np.abs(o)).sum(axis=-1, keepdims=True)
    ds_error = eps_p * p * np.abs(dp - row) + ULP * p * (np.abs(do) @ np.swapaxes(np.abs(v), -1, -2) + row_magnitude) \
        + ULP * np.abs(ds)
    q_chunk, kv_chunk = c["chunks"]
    seq = q.shape[-2]
    q_steps, kv_steps = seq // q_chunk, seq // kv_chunk  # accumulator roundings of dK/dV and of dQ
    abs_ds_t = np.swapaxes(np.abs(ds), -1, -2)
    bounds = {
        "dQ": scale * (ds_error @ np.abs(k) + ULP * kv_steps * np.abs(ds) @ np.abs(k)),
        "dK": scale * (np.swapaxes(ds_error, -1, -2) @ np.abs(q) + ULP * q_steps * abs_ds_t @ np.abs(q)),
        "dV": (eps_p + ULP * q_steps) * np.swapaxes(p, -1, -2) @ np.abs(do),
    }
    values = {"dQ": dq, "dK": dk, "dV": dv}
    return {name: Golden(values[name], bounds[name] + ULP * np.abs(values[name]) + ATOL) for name in meta["outputs"]}


REFERENCES = {"attention": _attention, "linear_attention": _linear_attention,
              "attention_backward": _attention_backward}
INPUT_ADJUSTMENTS = {"attention": _attention_inputs, "attention_backward": _backward_inputs}
