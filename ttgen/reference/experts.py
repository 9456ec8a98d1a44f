"""Reference of the fused mixture of experts, from the definition:
Y[t] = Σ_s w[t, s] · act(X[t] W_up[e]) W_down[e] with e = ids[t, s].

Routing inputs: each token picks top_k distinct experts, drawn with skewed popularity (one expert takes more than
32 tokens, so its gathered tokens span two tile rows; the least popular is never chosen, so one expert has no
work), and its weights are a softmax over top_k random logits, rounded to the weights' dtype.

Tolerance: the hidden activations are packed to bfloat16 after the activation (one rounding, plus a few units
of the SFPU's activation), the expert output once before and once after the routing weight, and the output once
after the sum; each is charged at 2^-8 of the magnitudes it flows through.
"""

from __future__ import annotations

import numpy as np

from ..numerics.formats import round_to
from .golden import ATOL, Golden

ULP = 2.0**-8
ACT = {"silu": lambda x: x / (1.0 + np.exp(-x)), "relu": lambda x: np.maximum(x, 0.0), "identity": lambda x: x}
ACT_UNITS = {"silu": 5, "relu": 1, "identity": 1}


def _moe_inputs(meta: dict, inputs: dict, rng: np.random.Generator) -> dict:
    tokens, top_k = meta["inputs"]["topk_ids"]["shape"]
    experts = meta["inputs"]["W_up"]["shape"][0]
    popularity = np.linspace(3.0, 0.5, experts)
    popularity[0] = 3.0 * experts if experts > top_k else popularity[0]  # one very popular expert
    if experts > top_k:
        popularity[-1] = 0.0  # and one no token chooses
    ids = np.stack([rng.choice(experts, size=top_k, replace=False, p=popularity / popularity.sum())
                    for _ in range(tokens)])
    logits = rng.normal(size=(tokens, top_k))
    weights = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    inputs["topk_ids"] = ids.astype(np.float32)
    inputs["topk_weights"] = round_to(weights.astype(np.float32), meta["inputs"]["topk_weights"]["dtype"])
    return inputs


def _moe(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    act = ACT[meta["compute"]["activation"]]
    x, w_up, w_down = (inputs[n].astype(np.float64) for n in ("X", "W_up", "W_down"))
    ids, weights = inputs["topk_ids"].astype(int), inputs["topk_weights"].astype(np.float64)
    value = np.zeros_like(x)
    error = np.zeros_like(x)
    for slot in range(ids.shape[1]):
        e, w = ids[:, slot], weights[:, slot:slot + 1]
        hidden = act(np.einsum("th,thf->tf", x, w_up[e]))
        expert_out = np.einsum("tf,tfh->th", hidden, w_down[e])
        value += w * expert_out
        error += np.abs(w) * (ACT_UNITS[meta["compute"]["activation"]] * np.einsum("tf,tfh->th", np.abs(hidden),
                                                                                   np.abs(w_down[e]))
                              + 2 * np.abs(expert_out))
    (out_name,) = meta["outputs"]
    return {out_name: Golden(value, ULP * (error + np.abs(value)) + ATOL)}


REFERENCES = {"moe": _moe}
INPUT_ADJUSTMENTS = {"moe": _moe_inputs}
