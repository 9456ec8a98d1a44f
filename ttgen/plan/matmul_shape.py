"""What every matmul variant checks first: the two operands of 'X @ Y', their 2-D tile shapes, and the divisors
that blocking and DST subblocks are chosen from. A leaf module: the variants import it, never each other."""

from __future__ import annotations

from dataclasses import dataclass

from .. import expression as ex
from ..spec import Spec, TensorSpec
from . import resources as res


def operands(spec: Spec, extra: tuple[str, ...] = ()) -> tuple[str, str]:
    """The two inputs of 'X @ Y'; every other input must be one of `extra` (e.g. scale tensors)."""
    text = spec.compute.get("expression")
    if text is None:
        raise spec.error("the matmul pattern needs compute.expression, e.g. 'A @ B'", "compute")
    try:
        tree = ex.parse(text, set(spec.inputs))
    except ex.ExpressionError as exc:
        raise spec.error(str(exc), "compute", "expression") from None
    if not (isinstance(tree, ex.Binary) and tree.op == "matmul" and isinstance(tree.left, ex.Operand)
            and isinstance(tree.right, ex.Operand)):
        raise spec.error("the matmul pattern computes one product of two inputs, 'X @ Y'", "compute", "expression")
    for name in spec.inputs:
        if name not in (tree.left.name, tree.right.name, *extra):
            raise spec.error(f"input {name} is not used by the expression", "inputs", name)
    return tree.left.name, tree.right.name


@dataclass(frozen=True)
class MatmulShape:
    a: TensorSpec
    b: TensorSpec
    c: TensorSpec
    mt: int
    kt: int
    nt: int


def matmul_shape(spec: Spec) -> MatmulShape:
    """Validate a two-operand product C = A @ B of 2-D tile-multiple tensors."""
    a_name, b_name = operands(spec)
    if spec.compute.get("transpose_b") or spec.compute.get("scales"):
        raise spec.error("transpose_b and scales are not supported by this template set yet", "compute")
    a, b = spec.inputs[a_name], spec.inputs[b_name]
    if len(spec.outputs) != 1:
        raise spec.error("the matmul pattern writes exactly one output", "outputs")
    (c,) = spec.outputs.values()
    for t in (a, b, c):
        if len(t.dims) != 2:
            raise spec.error("matmul operands are 2-D (batched matmul is not supported yet)", t.group, t.name, "shape")
    ta, tb = res.tiling(spec, a), res.tiling(spec, b)
    res.tiling(spec, c)
    if a.dims[1] != b.dims[0]:
        raise spec.error(f"inner dimensions differ: {a.name} is {a.dims[0]}x{a.dims[1]}, {b.name} is "
                         f"{b.dims[0]}x{b.dims[1]}", "inputs", b.name, "shape")
    if c.dims != (a.dims[0], b.dims[1]):
        raise spec.error(f"output must be {a.dims[0]}x{b.dims[1]}", "outputs", c.name, "shape")
    res.check_dram(spec, [a, b, c])
    return MatmulShape(a, b, c, ta.row_tiles, ta.col_tiles, tb.col_tiles)


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def subblock(pcm: int, pcn: int, capacity: int) -> tuple[int, int]:
    """The largest h x w <= DST capacity dividing the block, wider first (as tt-metal's subblock table)."""
    best = (1, 1)
    for h in divisors(pcm):
        for w in divisors(pcn):
            if h * w <= capacity and (h * w, w) > (best[0] * best[1], best[1]):
                best = (h, w)
    return best
