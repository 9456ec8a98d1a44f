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
from . import ATOL, Golden

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


def _attention(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    q, k, v = (inputs[n].astype(np.float64) for n in ("Q", "K", "V"))
    group = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    scores = _masked_scores(meta, q, k, inputs)
    peak = scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores - peak)
    total = weights.sum(axis=-1, keepdims=True)
    out = weights @ v / total
    magnitude = weights @ np.abs(v) / total
    finite = np.where(np.isfinite(scores), np.abs(scores), 0.0)
    chunks = k.shape[-2] // meta["compute"]["chunks"][1]
    bound = ULP * (4 + 2 * chunks + finite.max()) * magnitude + ATOL
    (out_name,) = meta["outputs"]
    return {out_name: Golden(out, bound)}


QUERY_RANGE = 8.0  # Q in [-8, 8): scaled logits of about ±10, as in trained models (K and V stay in [-1, 1))


def _attention_inputs(meta: dict, inputs: dict, rng: np.random.Generator) -> dict:
    """Queries wide enough that the logits vary by several units within a row, so the running max moves between
    chunks as it does in practice; a block mask of 0/1 that keeps about half the blocks and always at least one
    per query chunk (a row with no key at all has no softmax)."""
    inputs["Q"] = round_to(inputs["Q"] * QUERY_RANGE, meta["inputs"]["Q"]["dtype"])
    name = meta["compute"].get("mask")
    if name:
        keep = rng.random(inputs[name].shape) < 0.5
        first = rng.integers(0, keep.shape[-1], size=keep.shape[:-1])
        np.put_along_axis(keep, first[..., None], True, axis=-1)
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


REFERENCES = {"attention": _attention, "linear_attention": _linear_attention}
INPUT_ADJUSTMENTS = {"attention": _attention_inputs}
