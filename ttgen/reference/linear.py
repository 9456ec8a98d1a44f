"""References of the linear-algebra kernels: elementwise, matmul, GEMV, reduction, cast, convolution."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .. import expression
from ..numerics.formats import round_to
from .golden import ATOL, RTOL, SFPU_ROUNDINGS, Golden, pack_error


def _elementwise(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    tree = expression.parse(meta["compute"]["expression"], set(meta["inputs"]))
    (out_name, out), = meta["outputs"].items()
    exact = expression.evaluate(tree, inputs)
    dst_ulp = 2.0**-23 if meta["numerics"]["fp32_accumulation"] else 2.0**-8
    bound = expression.magnitude(tree, inputs)
    bound *= dst_ulp * _roundings(tree)
    bound += pack_error(exact, out["dtype"])
    bound += ATOL
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
    bound = 2 * dst_ulp * running_sum_magnitude(a, b) + pack_error(exact, out["dtype"]) + ATOL
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


