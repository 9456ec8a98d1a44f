"""Printing sympy integer expressions as C++ (`uint32_t` arithmetic), with tt-metal's spacing.

sympy's C++ printer prints `M*N/1024` as `(1.0/1024.0)*M*N` and `floor(a/b)` as `std::floor(a/b)`; on
unsigned integers we want `M * N / 1024` and `a / b`. Plans build every index and loop bound as a sympy
expression over named quantities and print it here, so the C++ says exactly what the plan computed.
"""

from __future__ import annotations

import sympy
from sympy.printing.cxx import CXX11CodePrinter

# Symbols that print as qualified tt-metal constants.
_CONSTANT_NAMES = {"TILE_HEIGHT": "constants::TILE_HEIGHT", "TILE_WIDTH": "constants::TILE_WIDTH",
                   "TILE_HW": "constants::TILE_HW"}


class _UnsignedPrinter(CXX11CodePrinter):
    def _print_Symbol(self, expr):
        return _CONSTANT_NAMES.get(expr.name, expr.name)

    def _print_Integer(self, expr):
        return str(int(expr))

    def _print_Rational(self, expr):
        raise ValueError(f"fraction {expr} has no exact unsigned value")

    def _print_Mul(self, expr):
        coeff, rest = expr.as_coeff_Mul()
        numer, denom = sympy.fraction(sympy.Rational(coeff))
        factors = [self._factor(f) for f in sympy.Mul.make_args(rest)] if rest != 1 else []
        if numer != 1 or not factors:
            factors.insert(0, str(numer))
        text = " * ".join(factors)
        return f"{text} / {denom}" if denom != 1 else text

    def _factor(self, expr):
        """A factor of a product: sums, remainders and quotients need parentheses (`a * (b % c)`, since C
        evaluates `a * b % c` as `(a * b) % c`)."""
        text = self._print(expr)
        return f"({text})" if isinstance(expr, (sympy.Add, sympy.Mod, sympy.floor)) else text

    def _print_Add(self, expr):
        terms = expr.as_ordered_terms()
        positives = [t for t in terms if not t.could_extract_minus_sign()]
        negatives = [-t for t in terms if t.could_extract_minus_sign()]
        out = " + ".join(self._print(t) for t in positives) or "0"
        for t in negatives:
            out += f" - {self._factor(t)}"
        return out

    def _print_floor(self, expr):
        numer, denom = sympy.fraction(sympy.together(expr.args[0]))
        if denom == 1:
            return self._print(numer)
        return f"{self._factor_div(numer)} / {self._factor_div(denom)}"

    def _factor_div(self, expr):
        text = self._print(expr)
        return f"({text})" if isinstance(expr, (sympy.Add, sympy.Mul)) and not expr.is_Symbol else text

    def _print_Mod(self, expr):
        a, b = expr.args
        return f"{self._factor_div(a)} % {self._factor_div(b)}"

    def _print_Pow(self, expr):
        base, exp = expr.args
        if exp.is_Integer and exp > 0:
            return " * ".join([self._factor(base)] * int(exp))
        raise ValueError(f"cannot print {expr} as unsigned arithmetic")


_PRINTER = _UnsignedPrinter()


def cxx(expr: sympy.Expr | int) -> str:
    """C++ text of an integer expression."""
    return _PRINTER.doprint(sympy.sympify(expr))


def symbols(*names: str) -> tuple[sympy.Symbol, ...]:
    """Non-negative integer symbols, the type of every C++ `uint32_t` quantity a plan talks about."""
    return tuple(sympy.Symbol(n, integer=True, nonnegative=True) for n in names)
