"""1.2 multi-operand elementwise: D = A * B + C chained in DST, and other expression shapes."""

import pytest

from ttgen import testing


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec(rendered):
    assert_passes(testing.run(rendered("multi_elementwise")))


def test_uneven_split(rendered):
    folder = rendered("multi_elementwise", sizes={"M": 64, "N": 224}, schedule={"grid": [3, 2], "tiles_per_block": 1})
    assert_passes(testing.run(folder))


@pytest.mark.parametrize("expression", [
    "C - A * B",          # DST on the right: DEST_TO_SRCB
    "(A + B) * C",
    "exp(A - B) * C",     # SFPU op between FPU ops
    "relu(A * B + C)",
    "A * B - C",
])
def test_expression_shapes(rendered, expression):
    folder = rendered("multi_elementwise", sizes={"M": 64, "N": 64}, compute={"expression": expression})
    assert_passes(testing.run(folder))
