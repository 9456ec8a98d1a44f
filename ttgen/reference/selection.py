"""References of the selection kernels: top-k with indices, and temperature / top-p sampling among the top k.

Definitions (what the kernel must reproduce exactly):
* top-k: the k largest values of a row in descending order; equal values are taken lower column first.
* sampling: p = softmax(v / T) over the k values; the nucleus keeps the values while the cumulative sum *before*
  them is below top_p (so at least the largest); with p' the kept probabilities and c' their cumulative sums, the
  token is the index at position #{j : c'_j <= u · Σ p'}, u the row's uniform number.

Values and indices are exact, so their tolerance is 1e-6. The token is a discrete choice: the kernel computes the
probabilities in float32 (its cumulative sums through 19-bit source registers), so a row whose nucleus edge or
draw threshold lies within 1 % of a cumulative sum could go either way; the inputs are drawn again for such rows
(logits for the nucleus edge, u for the threshold) so that every row's answer is unambiguous.
"""

from __future__ import annotations

import numpy as np

from ..numerics.formats import round_to
from .golden import ATOL, MAX_DRAWS, Golden, NoUnambiguousInputs

MARGIN = 0.01


def _top(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((np.arange(x.shape[-1]), -x))[:k]  # by value descending, then column ascending
    return x[order], order


def _nucleus(values: np.ndarray, compute: dict) -> tuple[np.ndarray, np.ndarray]:
    """(kept probabilities, cumulative sums before each value)."""
    p = np.exp((values - values[0]) / compute["temperature"])
    p /= p.sum()
    before = np.cumsum(p) - p
    return p * (before < compute["top_p"]), before


def _draw(kept: np.ndarray, u: float) -> int:
    return int(np.count_nonzero(np.cumsum(kept) <= u * kept.sum()))


def _selection_inputs(meta: dict, inputs: dict, rng: np.random.Generator) -> dict:
    c = meta["compute"]
    x = inputs[c["logits"]]
    u = np.clip(inputs[c["uniform"]], 0.0, 1.0 - MARGIN).astype(np.float32)
    for r in range(x.shape[0]):
        for _ in range(MAX_DRAWS):
            values, _ = _top(x[r].astype(np.float64), c["k"])
            kept, before = _nucleus(values, c)
            if np.min(np.abs(before - c["top_p"])) > MARGIN:
                break
            x[r] = round_to(rng.uniform(-1.0, 1.0, size=x.shape[1]).astype(np.float32), meta["inputs"][c["logits"]]["dtype"])
        else:
            raise NoUnambiguousInputs(f"no logits in {MAX_DRAWS} draws put every cumulative probability more than "
                                      f"{MARGIN} from top_p {c['top_p']} at temperature {c['temperature']}")
        cum = np.cumsum(kept)
        for _ in range(MAX_DRAWS):
            if np.min(np.abs(cum - u[r] * kept.sum())) > MARGIN * kept.sum():
                break
            u[r] = np.float32(rng.uniform(0.0, 1.0 - MARGIN))
        else:
            raise NoUnambiguousInputs(f"no uniform number in {MAX_DRAWS} draws is more than {MARGIN} from every "
                                      "cumulative sum of the nucleus")
    inputs[c["uniform"]] = u
    return inputs


def _topk_sampling(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    c = meta["compute"]
    x, u = inputs[c["logits"]].astype(np.float64), inputs[c["uniform"]].astype(np.float64)
    values, indices, tokens = [], [], []
    for r in range(x.shape[0]):
        v, i = _top(x[r], c["k"])
        kept, _ = _nucleus(v, c)
        values.append(v)
        indices.append(i)
        tokens.append(i[_draw(kept, u[r])])
    out = {"values": np.array(values), "indices": np.array(indices, np.float64),
           "token": np.array(tokens, np.float64)}
    return {name: Golden(value, np.full(value.shape, ATOL)) for name, value in out.items()}


REFERENCES = {"topk_sampling": _topk_sampling}
INPUT_ADJUSTMENTS = {"topk_sampling": _selection_inputs}
