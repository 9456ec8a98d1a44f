"""Numpy golden results, computed from the math of each kernel, and the tolerances we accept.

A reference never looks at templates, plans or emitted code: it reads the kernel's metadata (which tensors,
which expression, which numeric settings) and computes the exact answer in float64, together with an
elementwise error bound.

Tolerances, in one place. bf16 keeps 8 significant bits, so rounding a value v to bf16 moves it by at most
2^-9 |v| (round to nearest even). Our bounds are written as
    |out - golden| <= RTOL * roundings * magnitude + ATOL
where `magnitude` bounds every intermediate value of the computation (evaluating it with |x| and +, see
expression.magnitude) and `roundings` counts the roundings the kernel performs on the way. RTOL is one bf16
unit in the last place (2^-8, twice the worst-case rounding error, for slack); with `fp32_accumulation` the DST
roundings use float32 (2^-23) and only the final pack to the output format counts at bf16 precision.
  * elementwise: one rounding per op (each result is written to DST in its format) plus the pack.
  * matmul: one rounding per K tile (matmul_tiles accumulates into DST, which is rounded each time), plus the pack.
  * SFPU functions (exp): the SFPU is accurate to a few bf16 ulps; each counts as 4 roundings.
A wrong operation, operand, tile or sign gives errors of the order of the magnitude itself, hundreds of times
these bounds, so the bounds separate rounding noise from bugs.
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
    roundings = _roundings(tree)
    bound = (dst_ulp * roundings + RTOL[out["dtype"]]) * expression.magnitude(tree, inputs) + ATOL
    return {out_name: Golden(exact, bound)}


def _roundings(node: expression.Node) -> int:
    if isinstance(node, expression.Operand):
        return 0
    if isinstance(node, expression.Binary):
        return 1 + _roundings(node.left) + _roundings(node.right)
    return SFPU_ROUNDINGS.get(node.fn, 1) + _roundings(node.arg)


def _matmul(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    tree = expression.parse(meta["compute"]["expression"], set(meta["inputs"]))
    if not (isinstance(tree, expression.Binary) and tree.op == "matmul"):
        raise ValueError("the matmul reference computes 'X @ Y'")
    (out_name, out), = meta["outputs"].items()
    a, b = inputs[tree.left.name], inputs[tree.right.name]
    exact = a.astype(np.float64) @ b.astype(np.float64)
    k_tiles = a.shape[-1] // 32
    dst_ulp = 2.0**-23 if meta["numerics"]["fp32_accumulation"] else 2.0**-8
    magnitude = np.abs(a.astype(np.float64)) @ np.abs(b.astype(np.float64))
    bound = (dst_ulp * k_tiles + RTOL[out["dtype"]]) * magnitude + ATOL
    return {out_name: Golden(exact, bound)}


def _gemv(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    tree = expression.parse(meta["compute"]["expression"], set(meta["inputs"]))
    (out_name, out), = meta["outputs"].items()
    a, x = inputs[tree.left.name].astype(np.float64), inputs[tree.right.name].astype(np.float64)
    k_tiles = a.shape[-1] // 32
    dst_ulp = 2.0**-23 if meta["numerics"]["fp32_accumulation"] else 2.0**-8
    bound = (dst_ulp * k_tiles + RTOL[out["dtype"]]) * (np.abs(a) @ np.abs(x)) + ATOL
    return {out_name: Golden(a @ x, bound)}


REFERENCES: dict[str, Callable[[dict, dict[str, np.ndarray]], dict[str, Golden]]] = {
    "elementwise": _elementwise,
    "matmul": _matmul,
    "gemv": _gemv,
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
