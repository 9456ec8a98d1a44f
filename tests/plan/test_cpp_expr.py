import pytest
import sympy

from ttgen.plan.cpp_expr import cxx, symbols

M, N, K, k, row, col, start, block, t, TH = symbols("M", "N", "K", "k", "out_row", "out_col", "start", "block", "t",
                                                   "TILE_HEIGHT")


@pytest.mark.parametrize("expr,text", [
    (M * N / 1024, "M * N / 1024"),
    (sympy.floor(M / 32), "M / 32"),
    (sympy.floor(M / TH), "M / constants::TILE_HEIGHT"),
    (row * K + k, "K * out_row + k"),
    (sympy.Mod(row, K), "out_row % K"),
    (sympy.floor((start + block) / K), "(block + start) / K"),
    (4 * (start + block) + t, "4 * block + 4 * start + t"),
    (M * N / 1024 - 1, "M * N / 1024 - 1"),
    (M**2, "M * M"),
    (sympy.Mod(k, 2) * K, "K * (k % 2)"),
    (M * sympy.floor(k / K), "M * (k / K)"),
    (sympy.Integer(7), "7"),
])
def test_unsigned_cpp_text(expr, text):
    assert cxx(expr) == text


def test_no_floating_point_in_output():
    text = cxx(sympy.floor(M * N / (32 * 32)) + sympy.Mod(k, 3))
    assert "." not in text and "std::" not in text


def test_a_bare_fraction_is_refused():
    with pytest.raises(ValueError):
        cxx(sympy.Rational(1, 3))
