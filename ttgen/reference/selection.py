"""Reference of top-k and sampling: the k largest logits with their indices, and one token drawn among them.

The rule (what the kernel must reproduce exactly, decision edges included):
* top-k: the k largest values of a row in descending order; equal values are taken lower index first.
* weights, in float32: w_j = exp(float32(v_j - v_0) · float32(1 / T)), v_0 the row max (so w_0 = 1).
* min-p: the prefix of the top k with w_j >= min_p (w_j / w_0 >= min_p: the probability relative to the largest).
* top-p: of that prefix, positions are kept while the float32 sum of the weights before them is below
  float32(top_p) · (the prefix's float32 sum); at least the largest is kept.
* the draw: the first kept position whose cumulative float32 weight exceeds u · (the kept weight), the last kept
  one if none does. Sums run sequentially in float32, each product is one float32 operation.

So the token is exact, not "close": inputs with ties and near-ties at every edge (equal logits across the
k-th place, a uniform number placed exactly on a cumulative weight) have one right answer, and the kernel must
give it. k = 1 is greedy: the row's argmax, lower index first.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from ..numerics.formats import round_to
from .golden import ATOL, Golden

F32 = np.float32


def top(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest of a row, descending, equal values lower index first."""
    order = np.lexsort((np.arange(x.shape[-1]), -x))[:k]
    return x[order], order


def weights(values: np.ndarray, temperature: float) -> np.ndarray:
    v = values.astype(F32)
    return np.exp((v - v[0]) * F32(1.0 / temperature)).astype(F32)


def nucleus(w: np.ndarray, top_p: float, min_p: float) -> tuple[int, np.float32]:
    """How many of the descending weights `w` are kept (min-p, then top-p), and their float32 sum."""
    kept, kept_weight = 0, F32(0.0)
    while kept < len(w) and w[kept] >= F32(min_p):
        kept_weight = F32(kept_weight + w[kept])
        kept += 1
    bound = F32(F32(top_p) * kept_weight)
    size, size_weight = 0, F32(0.0)
    while size < kept and size_weight < bound:
        size_weight = F32(size_weight + w[size])
        size += 1
    return size, size_weight


def draw(w: np.ndarray, u: float, top_p: float, min_p: float) -> int:
    """The sampled position among the descending weights `w` (see the module's rule)."""
    size, size_weight = nucleus(w, top_p, min_p)
    threshold = F32(F32(u) * size_weight)
    cumulative = F32(0.0)
    for j in range(size - 1):
        cumulative = F32(cumulative + w[j])
        if cumulative > threshold:
            return j
    return size - 1


def _bf16_below(value: float) -> np.float32:
    """The bfloat16 one step below a positive bfloat16 value."""
    bits = np.array([value], dtype=ml_dtypes.bfloat16).view(np.uint16) - np.uint16(1)
    return bits.view(ml_dtypes.bfloat16).astype(np.float32)[0]


def _on_edge(cumulative: np.float32, total: np.float32) -> np.float32:
    """A uniform number u with float32(u · total) == cumulative exactly, when the float32 steps around
    cumulative / total have one (else the nearest): the draw is then decided by `>` alone."""
    u = F32(cumulative / total)
    for candidate in (u, *(np.nextafter(u, F32(d)) for d in (0.0, 1.0))):
        if F32(candidate * total) == cumulative:
            return F32(candidate)
    return u


def _edges_inputs(meta: dict, inputs: dict, rng: np.random.Generator) -> dict:
    """Logits with decision edges on purpose, and uniform numbers in [0, 1).

    The logits are bf16 uniform draws (a large vocabulary has many exact ties among its top values). Each row
    then gets a new max planted at two columns far apart (on different cores: the tie goes to the lower index),
    a near-tie one bf16 step below it, and a run of values equal to its k-th largest straddling the cut. Every
    third row's uniform number is put on one of its cumulative weights, where `>` versus `>=` decides the token."""
    c = meta["compute"]
    x = inputs[c["logits"]]
    b, v = x.shape
    k = c["k"]
    for r in range(b):
        row = x[r]
        spots = rng.choice(v, size=min(v, k + 4), replace=False)
        high = round_to(np.array([float(row.max()) + 0.5], np.float32), "bfloat16")[0]
        row[spots[:2]] = high
        if len(spots) > 2:
            row[spots[2]] = _bf16_below(high)
        values, _ = top(row.astype(np.float64), min(v, k))
        row[spots[3:]] = values[-1]  # as large as the k-th: the cut falls inside a run of ties
    u = (np.abs(inputs[c["uniform"]]) * np.float32(0.999)).astype(np.float32)
    for r in range(0, b, 3):
        values, _ = top(x[r].astype(np.float64), k)
        w = weights(values, c["temperature"])
        size, size_weight = nucleus(w, c["top_p"], c.get("min_p", 0.0))
        if size > 1:
            j = int(rng.integers(0, size - 1))
            u[r] = _on_edge(np.cumsum(w[:j + 1], dtype=np.float32)[-1], size_weight)
    inputs[c["uniform"]] = u
    return inputs


def _topk_sampling(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    c = meta["compute"]
    x, u = inputs[c["logits"]].astype(np.float64), inputs[c["uniform"]].astype(np.float32)
    values, indices, tokens = [], [], []
    for r in range(x.shape[0]):
        v, i = top(x[r], c["k"])
        values.append(v)
        indices.append(i)
        tokens.append(i[draw(weights(v, c["temperature"]), u[r], c["top_p"], c.get("min_p", 0.0))])
    out = {"values": np.array(values), "indices": np.array(indices, np.float64),
           "token": np.array(tokens, np.float64)}
    return {name: Golden(value, np.full(value.shape, ATOL)) for name, value in out.items()}


REFERENCES = {"topk_sampling": _topk_sampling}
INPUT_ADJUSTMENTS = {"topk_sampling": _edges_inputs}
