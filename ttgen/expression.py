"""Tensor expressions in specs (`A * B + C`, `exp(A) - B`, `A @ B`): parsed without eval into a small tree.

The planner lowers the tree to compute-kernel calls; the reference evaluates the same tree with numpy. Both read
the math from here, never from each other.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:  # numpy loads only when an expression is evaluated: planning never does
    import numpy as np

BINARY_OPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.MatMult: "matmul"}
UNARY_FUNCTIONS = ("exp", "relu", "neg", "abs", "square")


@dataclass(frozen=True)
class Operand:
    name: str


@dataclass(frozen=True)
class Binary:
    op: str  # add, sub, mul, matmul
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Unary:
    fn: str
    arg: "Node"


Node = Union[Operand, Binary, Unary]


class ExpressionError(ValueError):
    pass


def parse(text: str, operands: set[str]) -> Node:
    """Parse `text` over the given operand names; raises ExpressionError with a one-line reason."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ExpressionError(f"cannot parse expression {text!r}") from None

    def walk(node: ast.AST) -> Node:
        if isinstance(node, ast.Name):
            if node.id not in operands:
                raise ExpressionError(f"unknown operand {node.id!r} (inputs: {', '.join(sorted(operands))})")
            return Operand(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY_OPS:
            return Binary(BINARY_OPS[type(node.op)], walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return Unary("neg", walk(node.operand))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            if node.func.id not in UNARY_FUNCTIONS:
                raise ExpressionError(f"unknown function {node.func.id!r} (known: {', '.join(UNARY_FUNCTIONS)})")
            if len(node.args) != 1:
                raise ExpressionError(f"{node.func.id} takes one argument")
            return Unary(node.func.id, walk(node.args[0]))
        raise ExpressionError(f"only input names, + - * @ and {', '.join(UNARY_FUNCTIONS)}(...) are allowed")

    return walk(tree.body)


def operands(node: Node) -> list[str]:
    """Operand names in first-use order."""
    seen: list[str] = []

    def visit(n: Node) -> None:
        if isinstance(n, Operand):
            if n.name not in seen:
                seen.append(n.name)
        elif isinstance(n, Binary):
            visit(n.left)
            visit(n.right)
        else:
            visit(n.arg)

    visit(node)
    return seen


# Every intermediate below is a fresh array owned by the caller, so elementwise steps write into their left
# operand where the shapes allow: on whole tensors, allocating (and first touching) the results costs more than
# the arithmetic.

def _into_left(ufunc, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    import numpy as np

    if left.shape == np.broadcast_shapes(left.shape, right.shape):
        return ufunc(left, right, out=left)
    return ufunc(left, right)


def evaluate(node: Node, values: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate in float64 (the reference's exact math)."""
    import numpy as np

    if isinstance(node, Operand):
        return values[node.name].astype(np.float64)
    if isinstance(node, Binary):
        left, right = evaluate(node.left, values), evaluate(node.right, values)
        if node.op == "matmul":
            return left @ right
        return _into_left({"add": np.add, "sub": np.subtract, "mul": np.multiply}[node.op], left, right)
    arg = evaluate(node.arg, values)
    if node.fn == "relu":
        return np.maximum(arg, 0.0)
    return {"exp": np.exp, "neg": np.negative, "abs": np.abs, "square": np.square}[node.fn](arg)


def magnitude(node: Node, values: dict[str, np.ndarray]) -> np.ndarray:
    """An elementwise bound on the size of every intermediate: evaluate with |x| and + for every op."""
    import numpy as np

    if isinstance(node, Operand):
        operand = values[node.name].astype(np.float64)
        return np.abs(operand, out=operand)
    if isinstance(node, Binary):
        left, right = magnitude(node.left, values), magnitude(node.right, values)
        if node.op == "matmul":
            return left @ right
        return _into_left(np.multiply if node.op == "mul" else np.add, left, right)
    inner = magnitude(node.arg, values)
    if node.fn == "exp":
        return np.exp(inner, out=inner)
    return np.multiply(inner, inner, out=inner) if node.fn == "square" else inner


def to_text(node: Node) -> str:
    if isinstance(node, Operand):
        return node.name
    if isinstance(node, Binary):
        symbol = {"add": "+", "sub": "-", "mul": "*", "matmul": "@"}[node.op]
        return f"({to_text(node.left)} {symbol} {to_text(node.right)})"
    return f"{node.fn}({to_text(node.arg)})"


def count_ops(node: Node) -> int:
    if isinstance(node, Operand):
        return 0
    if isinstance(node, Binary):
        return 1 + count_ops(node.left) + count_ops(node.right)
    return 1 + count_ops(node.arg)
