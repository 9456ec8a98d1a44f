import numpy as np
import pytest

from ttgen import expression as ex


def test_parse_tree_and_operand_order():
    tree = ex.parse("C - exp(A) * B", {"A", "B", "C"})
    assert tree == ex.Binary("sub", ex.Operand("C"), ex.Binary("mul", ex.Unary("exp", ex.Operand("A")), ex.Operand("B")))
    assert ex.operands(tree) == ["C", "A", "B"]


@pytest.mark.parametrize("text", ["__import__('os')", "A.T", "A ** 2", "A[0]", "lambda: A", "A if B else C", "2 * A",
                                  "open(A)", "exp(A, B)", "D + A"])
def test_rejected_without_eval(text):
    with pytest.raises(ex.ExpressionError):
        ex.parse(text, {"A", "B", "C"})


def test_evaluate_and_magnitude():
    values = {"A": np.array([[2.0, -1.0]]), "B": np.array([[3.0, 4.0]]), "C": np.array([[-1.0, 1.0]])}
    tree = ex.parse("A * B + C", set(values))
    assert np.array_equal(ex.evaluate(tree, values), [[5.0, -3.0]])
    assert np.array_equal(ex.magnitude(tree, values), [[7.0, 5.0]])


def test_matmul():
    a, b = np.arange(4.0).reshape(2, 2), np.ones((2, 2))
    tree = ex.parse("A @ B", {"A", "B"})
    assert np.array_equal(ex.evaluate(tree, {"A": a, "B": b}), a @ b)
