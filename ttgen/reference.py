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
from typing import Callable

import numpy as np

from . import expression
from .numerics.formats import round_to

RTOL = {"bfloat16": 2.0**-8, "float32": 2.0**-20, "float16": 2.0**-10, "bfloat8_b": 2.0**-6, "bfloat4_b": 2.0**-2}
ATOL = 1e-6
SFPU_ROUNDINGS = {"exp": 4}


@dataclass
class Golden:
    value: np.ndarray  # float64, the exact result in the output's logical shape
    bound: np.ndarray  # float64, the largest |error| we accept, elementwise


def make_inputs(meta: dict, seed: int) -> dict[str, np.ndarray]:
    """Seeded inputs in [-1, 1), rounded to each input's dtype, in logical (row-major) shape."""
    rng = np.random.default_rng(seed)
    inputs = {}
    for name, tensor in meta["inputs"].items():
        values = rng.uniform(-1.0, 1.0, size=tensor["shape"]).astype(np.float32)
        inputs[name] = round_to(values, tensor["dtype"])
    return inputs


def _elementwise(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    tree = expression.parse(meta["compute"]["expression"], set(meta["inputs"]))
    (out_name, out), = meta["outputs"].items()
    exact = expression.evaluate(tree, inputs)
    dst_ulp = 2.0**-23 if meta["numerics"]["fp32_accumulation"] else 2.0**-8
    bound = dst_ulp * _roundings(tree) * expression.magnitude(tree, inputs) + RTOL[out["dtype"]] * np.abs(exact) + ATOL
    return {out_name: Golden(exact, bound)}


def _roundings(node: expression.Node) -> int:
    if isinstance(node, expression.Operand):
        return 0
    if isinstance(node, expression.Binary):
        return 1 + _roundings(node.left) + _roundings(node.right)
    return SFPU_ROUNDINGS.get(node.fn, 1) + _roundings(node.arg)


def running_sum_magnitude(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sum over K tiles of |A[:, :k] @ B[:k, :]|: what DST's running sums add up to (float64)."""
    total = np.zeros((a.shape[0],) + b.shape[1:], dtype=np.float64)
    acc = np.zeros_like(total)
    for k in range(0, a.shape[1], 32):
        acc += a[:, k:k + 32] @ b[k:k + 32]
        total += np.abs(acc)
    return total


def _product_golden(meta: dict, a: np.ndarray, b: np.ndarray) -> Golden:
    (out,) = meta["outputs"].values()
    a, b = a.astype(np.float64), b.astype(np.float64)
    exact = a @ b
    dst_ulp = 2.0**-23 if meta["numerics"]["fp32_accumulation"] else 2.0**-8
    bound = 2 * dst_ulp * running_sum_magnitude(a, b) + RTOL[out["dtype"]] * np.abs(exact) + ATOL
    return Golden(exact, bound)


def _matmul(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    tree = expression.parse(meta["compute"]["expression"], set(meta["inputs"]))
    if not (isinstance(tree, expression.Binary) and tree.op == "matmul"):
        raise ValueError("the matmul reference computes 'X @ Y'")
    (out_name,) = meta["outputs"]
    return {out_name: _product_golden(meta, inputs[tree.left.name], inputs[tree.right.name])}


def _gemv(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    tree = expression.parse(meta["compute"]["expression"], set(meta["inputs"]))
    (out_name,) = meta["outputs"]
    return {out_name: _product_golden(meta, inputs[tree.left.name], inputs[tree.right.name])}


def _reduction(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    """Row, column or full sums, means and maxima. Sums are charged twice the running sums tile by tile along
    the reduced axis (DST rounds after every reduce_tile), a mean also the bf16 rounding of its 1/N scaler."""
    (a,) = inputs.values()
    (out_name, out), = meta["outputs"].items()
    op, dim = meta["compute"]["op"], meta["compute"]["dim"]
    x = a.astype(np.float64)
    if dim == "cols":
        x = x.T
    if dim == "all":
        x = x.reshape(1, -1)
    dst_ulp = 2.0**-23 if meta["numerics"]["fp32_accumulation"] else 2.0**-8
    if op == "max":
        exact = x.max(axis=1)
        bound = RTOL[out["dtype"]] * np.abs(exact) + ATOL
    else:
        exact = x.sum(axis=1)
        running = np.abs(np.cumsum(x.reshape(x.shape[0], -1, 32).sum(axis=2), axis=1)).sum(axis=1)
        if op == "mean":
            exact, running = exact / x.shape[1], running / x.shape[1]
        bound = 2 * dst_ulp * running + 2 * RTOL[out["dtype"]] * np.abs(exact) + ATOL
    return {out_name: Golden(exact.reshape(out["shape"]), bound.reshape(out["shape"]))}


def _cast(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    """A conversion is exact: the output must be the input rounded to the output format, bit for bit."""
    (a,) = inputs.values()
    (out_name, out), = meta["outputs"].items()
    value = round_to(a.reshape(-1, a.shape[-1]), out["dtype"]).reshape(a.shape).astype(np.float64)
    return {out_name: Golden(value, np.full(value.shape, ATOL))}


def _conv2d(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    """NHWC convolution from its definition, via the im2col matrix in (kh, kw, c) order."""
    x_name, w_name, (out_name,) = meta["compute"]["input"], meta["compute"]["weights"], list(meta["outputs"])
    x, w = inputs[x_name].astype(np.float64), inputs[w_name].astype(np.float64)
    n, h, wd, c = x.shape
    kh, kw, _, f = w.shape
    (sh, sw), (ph, pw) = meta["compute"]["stride"], meta["compute"]["padding"]
    oh, ow = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    padded = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    patches = np.stack([padded[:, i:i + sh * oh:sh, j:j + sw * ow:sw, :] for i in range(kh) for j in range(kw)], axis=3)
    im2col = patches.reshape(n * oh * ow, kh * kw * c)
    golden = _product_golden(meta, im2col, w.reshape(kh * kw * c, f))
    shape = (n, oh, ow, f)
    return {out_name: Golden(golden.value.reshape(shape), golden.bound.reshape(shape))}


REFERENCES: dict[str, Callable[[dict, dict[str, np.ndarray]], dict[str, Golden]]] = {
    "elementwise": _elementwise,
    "matmul": _matmul,
    "gemv": _gemv,
    "reduction": _reduction,
    "cast": _cast,
    "conv2d": _conv2d,
}


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
    actual = actual.astype(np.float64).reshape(gold.value.shape)
    error = np.abs(actual - gold.value)
    error = np.where(np.isnan(actual), np.inf, error)
    ratio = error / gold.bound
    bad = np.argwhere(~(ratio <= 1.0))
    if bad.size == 0:
        return Comparison(name, True, float(error.max(initial=0.0)), float(ratio.max(initial=0.0)), None, None)
    first = tuple(int(i) for i in bad[0])
    tile = (first[-2] // 32, first[-1] // 32) if len(first) >= 2 else (0, first[-1] // 1024)
    return Comparison(name, False, float(error.max()), float(ratio.max()), first, tile,
                      float(gold.value[first]), float(actual[first]))


__all__ = ["make_inputs", "golden", "compare", "Golden", "Comparison", "REFERENCES"]
