"""Numpy golden results, computed from the math of each kernel, and the tolerances we accept.

A reference never looks at templates, plans or emitted code: it reads the kernel's metadata (which tensors,
which expression, which numeric settings) and computes the exact answer in float64, together with an
elementwise error bound.

Tolerances, in one place. bf16 keeps 8 significant bits, so rounding a value v to bf16 moves it by at most
2^-9 |v| (round to nearest even). Every bound below charges each rounding the kernel performs at one bf16 unit
(2^-8, twice the worst case, for slack) of the value being rounded, and adds 1e-6 absolute.
  * elementwise: one rounding per op (each result is written to DST in its format) and one per SFPU function
    (charged 4 units: the SFPU is accurate to a few ulps), each of at most `magnitude`, the expression evaluated
    on |inputs| with every op made a +; plus the pack to the output format, of |result|.
  * matmul and gemv: matmul_tiles accumulates into DST and rounds the running sum once per K tile; a plan that
    carries partial sums through a CB between K blocks, or that adds split-K partials, rounds a running sum
    once more per K block or slice. So the bound charges twice the sum over K tiles of |running sum| (in K
    order) plus the pack of |C|. Running sums grow like sqrt(K) for random data, so the bound stays a small
    multiple of the real error while a lost K slice, tile or block shows as tens of times more.
With `fp32_accumulation` the DST roundings are charged at float32's 2^-23 instead; the pack stays in the
output format.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..numerics.formats import round_to
from . import attention, experts, linear, quantized, selection
from .golden import ATOL, INTEGRAL, MAX_DRAWS, RTOL, Golden, NoUnambiguousInputs, pack_error

# Each pattern module lists the references (and input adjustments) of its patterns.
REFERENCES = {**linear.REFERENCES, **attention.REFERENCES, **quantized.REFERENCES, **selection.REFERENCES,
              **experts.REFERENCES}
INPUT_ADJUSTMENTS = {**attention.INPUT_ADJUSTMENTS, **quantized.INPUT_ADJUSTMENTS,
                     **selection.INPUT_ADJUSTMENTS, **experts.INPUT_ADJUSTMENTS}


def make_inputs(meta: dict, seed: int) -> dict[str, np.ndarray]:
    """Seeded inputs in [-1, 1), rounded to each input's dtype, in logical (row-major) shape. A pattern whose
    inputs must satisfy a relation (a block mask that keeps a block in every row, say) adjusts them."""
    rng = np.random.default_rng(seed)
    inputs = {}
    for name, tensor in meta["inputs"].items():
        if tensor["dtype"] in INTEGRAL:
            inputs[name] = rng.integers(0, 16, size=tensor["shape"]).astype(np.float32)  # small non-negative
            continue
        values = rng.uniform(-1.0, 1.0, size=tensor["shape"]).astype(np.float32)
        inputs[name] = round_to(values, tensor["dtype"])
    adjust = INPUT_ADJUSTMENTS.get(meta["pattern"])
    return adjust(meta, inputs, rng) if adjust else inputs


def golden(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    pattern = meta["pattern"]
    if pattern not in REFERENCES:
        raise ValueError(f"no reference for pattern {pattern!r}")
    return REFERENCES[pattern](meta, inputs)


@dataclass
class Comparison:
    name: str
    ok: bool
    max_error: float
    max_bound_ratio: float  # max |error| / bound: <= 1 passes
    first_bad: tuple[int, ...] | None  # element index of the first failing element
    first_bad_tile: tuple[int, int] | None
    expected: float | None = None
    actual: float | None = None


def compare(name: str, actual: np.ndarray, gold: Golden) -> Comparison:
    actual = actual.reshape(gold.value.shape)
    # One float64 array, reused for the error and then the ratio: on a large output, allocating (and first
    # touching) temporaries costs more than the arithmetic.
    error = actual.astype(np.float64)
    np.subtract(error, gold.value, out=error)
    np.abs(error, out=error)
    np.nan_to_num(error, copy=False, nan=np.inf, posinf=np.inf)  # a NaN output is an infinite error
    max_error = float(error.max(initial=0.0))
    ratio = np.divide(error, gold.bound, out=error)
    ok = ratio <= 1.0
    if ok.all():
        return Comparison(name, True, max_error, float(ratio.max(initial=0.0)), None, None)
    bad = np.argwhere(~ok)
    first = tuple(int(i) for i in bad[0])
    tile = (first[-2] // 32, first[-1] // 32) if len(first) >= 2 else (0, first[-1] // 1024)
    return Comparison(name, False, max_error, float(ratio.max()), first, tile,
                      float(gold.value[first]), float(actual[first]))


__all__ = ["make_inputs", "golden", "compare", "Golden", "Comparison", "REFERENCES", "ATOL", "RTOL",
           "MAX_DRAWS", "NoUnambiguousInputs", "pack_error"]
