"""The pieces of the C++ standard library that kernels and hosts call: std::min/max/abs/clamp, std::array,
<cstdint> limits, and the GCC bit builtins (__builtin_ctz and the like)."""

from __future__ import annotations

import math

import numpy as np

from . import std_algorithm
from .api import API, DEVICE, HOST
from .checks import current_cpp_location
from .cruntime import INTEGRAL_STORE, CArray, CppObject, CppRuntimeError, c_array

ALL = DEVICE | {HOST}


@API.function("std::min", groups=ALL, header="<algorithm>", template_args=(0, 1))
def std_min(targs, a, b):
    return b if b < a else a


@API.function("std::max", groups=ALL, header="<algorithm>", template_args=(0, 1))
def std_max(targs, a, b):
    return b if a < b else a


@API.function("std::clamp", groups=ALL, header="<algorithm>", template_args=(0, 1))
def std_clamp(targs, v, lo, hi):
    return lo if v < lo else hi if hi < v else v


@API.function("std::abs", groups=ALL, header="<cstdlib>")
def std_abs(v):
    return -v if v < 0 else v


for _name, _value in {"UINT8_MAX": 0xFF, "UINT16_MAX": 0xFFFF, "UINT32_MAX": 0xFFFF_FFFF,
                      "UINT64_MAX": 0xFFFF_FFFF_FFFF_FFFF, "INT32_MAX": 0x7FFF_FFFF, "INT32_MIN": -0x8000_0000,
                      "INT16_MAX": 0x7FFF, "INT8_MAX": 0x7F}.items():
    API.constant(_name, _value, groups=ALL, header="<cstdint>")


# ----- GCC builtins kernels use for bit tricks ----------------------------------------------------------------

@API.function("__builtin_ctz", groups=ALL, header="GCC builtin")
def builtin_ctz(x):
    x = int(x) & 0xFFFF_FFFF
    if x == 0:
        raise CppRuntimeError("__builtin_ctz(0) is undefined")
    return (x & -x).bit_length() - 1


@API.function("__builtin_clz", groups=ALL, header="GCC builtin")
def builtin_clz(x):
    x = int(x) & 0xFFFF_FFFF
    if x == 0:
        raise CppRuntimeError("__builtin_clz(0) is undefined")
    return 32 - x.bit_length()


@API.function("__builtin_popcount", groups=ALL, header="GCC builtin")
def builtin_popcount(x):
    return bin(int(x) & 0xFFFF_FFFF).count("1")


@API.function("__builtin_expect", groups=ALL, header="GCC builtin")
def builtin_expect(x, expected):
    return x  # a branch-prediction hint: the value is x


# ----- std::array: a C array with size() -----------------------------------------------------------------------

class StdArray(CArray, CppObject):
    cpp_name = "std::array"
    cpp_methods = frozenset({"size", "fill", "begin", "end", "cbegin", "cend", "data"})

    def size(self) -> int:
        return len(self)

    begin, end = std_algorithm.begin, std_algorithm.end
    cbegin, cend = begin, end
    data = begin

    def fill(self, value) -> None:
        for i in range(len(self)):
            self.cpp_setitem(i, value)


def _std_array(targs, *items):
    """`std::array<T, N> a;` / `a{...}` / `a = {...}` (a brace list arrives as one list)."""
    if len(targs) != 2:
        raise CppRuntimeError("std::array takes an element type and a size")
    element, size = targs
    store = INTEGRAL_STORE.get(str(element).removeprefix("std::"))
    given = items[0] if len(items) == 1 and isinstance(items[0], list) else list(items)
    return c_array((size,), given if items else None, store, StdArray)


API.type("std::array", _std_array, groups=ALL, header="<array>", template_args=(2, 2), args=(0, 64), init_list=True)


@API.function("std::bit_cast", groups=ALL, header="<bit>", template_args=(1, 1))
def std_bit_cast(targs, value):
    """`std::bit_cast<float>(bits)` / `std::bit_cast<uint32_t>(f)`: a 32-bit value's bits seen as the other type."""
    target = str(targs[0]).removeprefix("std::")
    if target == "float":
        if isinstance(value, float):
            return value
        return float(np.array([int(value) & 0xFFFF_FFFF], dtype="<u4").view("<f4")[0])
    if target in ("uint32_t", "int32_t"):
        bits = int(np.array([value], dtype="<f4").view("<u4")[0]) if isinstance(value, float) else int(value)
        return INTEGRAL_STORE[target](bits)
    raise CppRuntimeError(f"std::bit_cast<{targs[0]}>: only float <-> 32-bit integer casts are modelled")


# ----- <cmath>: computed in double, as the double overloads do (hosts' golden checks, kernels' scalar math) --------

def _math(name: str, fn) -> None:
    # std:: only: ttnn's helper headers define their own unqualified `ceil(a, b)` and the like
    API.function(f"std::{name}", groups=ALL, header="<cmath>")(fn)


for _name, _fn in {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
                   "fabs": np.fabs, "floor": np.floor, "ceil": np.ceil, "log2": np.log2, "exp2": np.exp2}.items():
    _math(_name, (lambda f: lambda x: float(f(np.float64(x))))(_fn))
_math("pow", lambda x, y: float(np.power(np.float64(x), np.float64(y))))
_math("round", lambda x: float(np.copysign(np.floor(abs(float(x)) + 0.5), float(x))))  # halves away from zero
_math("isnan", lambda x: bool(np.isnan(float(x))))
_math("isinf", lambda x: bool(np.isinf(float(x))))
_math("erf", lambda x: math.erf(float(x)))


def _float_math(name: str, fn) -> None:
    """The float functions of <math.h> (`sqrtf`, `expf`...): unambiguous, so also unqualified; computed in
    float32, as the float overloads are."""
    value = (lambda f: lambda *xs: float(f(*(np.float32(x) for x in xs))))(fn)
    API.function(f"{name}f", groups=ALL, header="<cmath>")(value)
    API.function(f"std::{name}f", groups=ALL, header="<cmath>")(value)


for _name, _fn in {"sqrt": np.sqrt, "exp": np.exp, "log": np.log, "fabs": np.fabs, "floor": np.floor,
                   "ceil": np.ceil, "pow": np.power, "fmin": np.fmin, "fmax": np.fmax}.items():
    _float_math(_name, _fn)


# ----- <tuple> / <utility>: a tuple is a Python tuple ------------------------------------------------------------

@API.function("std::make_tuple", groups=ALL, header="<tuple>", args=(0, 16))
def make_tuple(*items):
    return tuple(items)


API.type("std::tuple", lambda targs=(), *items: tuple(items), groups=ALL, header="<tuple>", template_args=(0, 16),
         args=(0, 16))


@API.function("std::get", groups=ALL, header="<tuple>", template_args=(1, 1))
def std_get(targs, value):
    if not isinstance(value, tuple) or not isinstance(targs[0], int) or not 0 <= targs[0] < len(value):
        raise CppRuntimeError(f"std::get<{targs[0]}> of a {type(value).__name__} with no such element")
    return value[targs[0]]


@API.function("__builtin_LINE", groups=ALL, header="GCC builtin")
def builtin_line():
    """The line of the call, as GCC gives it (kernels pass it down to debug helpers)."""
    where = current_cpp_location()
    return where.line if where is not None and where.line else 0


# ----- <optional> -------------------------------------------------------------------------------------------------

class Optional(CppObject):
    """std::optional<T>: a value or none (std::nullopt); reading an empty one is an error, as value() throws."""

    cpp_name = "std::optional"
    cpp_methods = frozenset({"has_value", "value", "value_or", "reset"})

    def __init__(self, value=None, engaged: bool = False):
        self._value, self._engaged = value, engaged

    def has_value(self) -> bool:
        return self._engaged

    def __bool__(self) -> bool:
        return self._engaged

    def value(self):
        if not self._engaged:
            raise CppRuntimeError("value() of an empty std::optional")
        return self._value

    def value_or(self, default):
        return self._value if self._engaged else default

    def reset(self) -> None:
        self._value, self._engaged = None, False

    def cpp_deref(self):
        return self.value()


NULLOPT = Optional()
API.constant("std::nullopt", NULLOPT, groups=ALL, header="<optional>")
API.type("std::optional", lambda targs, value=NULLOPT: value if isinstance(value, Optional) else Optional(value, True),
         groups=ALL, header="<optional>", template_args=(1, 1), args=(0, 1))
