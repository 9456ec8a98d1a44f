"""What example hosts use around the Metalium calls: C++ exceptions and tt-metal's TT_FATAL / TT_THROW
(`tt_stl/assert.hpp`), `fmt::print`, and `<random>` engines and distributions.

Random numbers are the ones a libstdc++ build draws: `std::mt19937` is the Mersenne Twister (numpy's
MT19937, seeded as `std::mt19937(seed)` seeds it), and the distributions map its 32-bit outputs to values as
libstdc++ does (`generate_canonical`, Lemire's nearly divisionless bounded integers). `std::random_device`
yields the run's seed (`ttgen run --seed`), so an example that seeds from it is repeatable here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .api import API, HOST
from .cruntime import INTEGRAL_STORE, STD_EXCEPTIONS, CppException, CppObject, CppRuntimeError, StdException

H = {HOST}
ASSERT_H = "tt_stl/assert.hpp"

for _name in STD_EXCEPTIONS:
    API.type(_name, (lambda n: lambda message="": StdException(n, message))(_name), groups=H, header="<stdexcept>",
             args=(0, 1))


# ----- fmt ----------------------------------------------------------------------------------------------------

class Stream(CppObject):
    """`stdout` / `stderr` as `fmt::print`'s first argument."""

    def __init__(self, cpp_name: str):
        self.cpp_name = cpp_name


STDOUT, STDERR = Stream("stdout"), Stream("stderr")
API.constant("stdout", STDOUT, groups=H, header="<cstdio>")
API.constant("stderr", STDERR, groups=H, header="<cstdio>")


class _Binary32(float):
    """A binary32 value: `{}` shows float's shortest round-trip digits, a precision shows its exact value."""

    def __format__(self, spec: str) -> str:
        return str(np.float32(self)) if not spec else super().__format__(spec)


def _fmt_arg(value: Any) -> Any:
    """A value as fmt shows it: bool as true/false, a float or bfloat16 by its shortest round-trip digits."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, np.float32) or type(value).__name__ == "bfloat16":
        return _Binary32(np.float32(value))
    if type(value) is float and np.isfinite(value) and float(np.float32(value)) == value:
        # a `float` variable holds a binary32 value in a Python float (a double that happens to be exactly a
        # binary32 value would show its own shortest digits; such doubles are rare)
        return _Binary32(value)
    if isinstance(value, StdException):
        return value.message
    return float(value) if isinstance(value, np.floating) else value


def format_text(fmt: Any, args: tuple) -> str:
    if not isinstance(fmt, str):
        raise CppRuntimeError("the format must be a string literal")
    try:
        return fmt.format(*(_fmt_arg(a) for a in args))
    except (IndexError, ValueError, KeyError) as exc:
        raise CppRuntimeError(f"format {fmt!r} does not match its {len(args)} arguments: {exc}") from None


def _printed() -> list:
    from .host import HostRun  # the host module imports this one
    return HostRun.current().printed


@API.function("fmt::print", groups=H, header="<fmt/core.h>", args=(1, 64))
def fmt_print(first, *rest):
    stream = first if isinstance(first, Stream) else STDOUT
    fmt, args = (rest[0], rest[1:]) if isinstance(first, Stream) else (first, rest)
    _printed().append((stream.cpp_name, format_text(fmt, args)))


@API.function("fmt::format", groups=H, header="<fmt/core.h>", args=(1, 64))
def fmt_format(fmt, *args):
    return format_text(fmt, args)


# ----- <iostream> ------------------------------------------------------------------------------------------------

class OStream(CppObject):
    """std::cout / std::cerr: `<<` appends a value as an ostream with default flags writes it (six significant
    digits for floating point, as %g; bool as 1/0); std::endl ends the line."""

    def __init__(self, stream: str):
        self.cpp_name, self.stream = f"std::{'cout' if stream == 'stdout' else 'cerr'}", stream

    def __lshift__(self, value):
        if value is ENDL:
            text = "\n"
        elif value is FLUSH:
            return self
        elif isinstance(value, (bool, np.bool_)):
            text = "1" if value else "0"
        elif isinstance(value, (float, np.floating)) or type(value).__name__ == "bfloat16":
            text = f"{float(value):g}"
        else:
            text = str(getattr(value, "message", value))
        _printed().append((self.stream, text))
        return self


ENDL, FLUSH = object(), object()
API.constant("std::cout", OStream("stdout"), groups=H, header="<iostream>")
API.constant("std::cerr", OStream("stderr"), groups=H, header="<iostream>")
API.constant("std::endl", ENDL, groups=H, header="<ostream>")
API.constant("std::flush", FLUSH, groups=H, header="<ostream>")


# ----- tt_stl/assert.hpp ---------------------------------------------------------------------------------------

@API.function("TT_THROW", groups=H, header=ASSERT_H, args=(0, 64))
def tt_throw(*message):
    raise CppException(StdException("std::runtime_error", format_text(*message[:1], message[1:])
                                    if message else "TT_THROW"))


@API.function("TT_FATAL", groups=H, header=ASSERT_H, args=(2, 64))
def tt_fatal(condition, fmt, *args):
    if not condition:
        raise CppException(StdException("std::runtime_error", "TT_FATAL: " + format_text(fmt, args)))


# ----- <random> ------------------------------------------------------------------------------------------------

class RandomDevice(CppObject):
    """std::random_device: here a repeatable source, the run's seed and then its successors."""

    cpp_name = "std::random_device"

    def __init__(self):
        from .host import HostRun
        self.next = HostRun.current().seed_value

    def __call__(self) -> int:
        value, self.next = self.next & 0xFFFF_FFFF, self.next + 1
        return value


class MersenneTwister(CppObject):
    """std::mt19937: numpy's MT19937 in the state `std::mt19937(seed)` starts from (init_genrand)."""

    cpp_name = "std::mt19937"
    cpp_methods = frozenset({"seed"})
    _BATCH = 1024

    def __init__(self, seed: int = 5489):
        self.seed(seed)

    def seed(self, value: int = 5489) -> None:
        key, pos = np.random.RandomState(int(value) & 0xFFFF_FFFF).get_state()[1:3]
        self._generator = np.random.MT19937()
        self._generator.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._buffer, self._at = np.empty(0, dtype=np.uint64), 0

    def __call__(self) -> int:
        if self._at == len(self._buffer):
            self._buffer, self._at = self._generator.random_raw(self._BATCH), 0
        self._at += 1
        return int(self._buffer[self._at - 1])


def _engine(value) -> MersenneTwister:
    if not isinstance(value, MersenneTwister):
        raise CppRuntimeError("a distribution draws from a random engine (std::mt19937)")
    return value


class _Distribution(CppObject):
    """A distribution's bounds, as `a()`/`b()` (and `min()`/`max()`) give them."""

    cpp_methods = frozenset({"a", "b", "min", "max"})
    _a: Any
    _b: Any

    def a(self):
        return self._a

    def b(self):
        return self._b

    min, max = a, b


class UniformReal(_Distribution):
    """std::uniform_real_distribution<T>(a, b): (b - a) * generate_canonical<T>(g) + a, computed in T."""

    cpp_name = "std::uniform_real_distribution"

    def __init__(self, element: str, a=0.0, b=1.0):
        self.dtype = {"float": np.float32, "double": np.float64}.get(element)
        if self.dtype is None:
            raise CppRuntimeError(f"uniform_real_distribution<{element}> needs float or double")
        self._a, self._b = self.dtype(a), self.dtype(b)

    def __call__(self, engine) -> Any:
        g = _engine(engine)
        if self.dtype is np.float32:  # 24 digits from one 32-bit draw
            canonical = np.float32(g()) / np.float32(2.0 ** 32)
        else:  # 53 digits from two draws, the first the low word
            low = np.float64(g())
            canonical = (low + np.float64(g()) * np.float64(2.0 ** 32)) / np.float64(2.0 ** 64)
        if canonical >= 1:
            canonical = np.nextafter(self.dtype(1), self.dtype(0))
        with np.errstate(all="ignore"):
            return self.dtype((self._b - self._a) * self.dtype(canonical) + self._a)


class UniformInt(_Distribution):
    """std::uniform_int_distribution<T>(a, b): inclusive, by Lemire's method on 32-bit draws (libstdc++)."""

    cpp_name = "std::uniform_int_distribution"

    def __init__(self, element: str, a=0, b=None):
        self.store = INTEGRAL_STORE.get(element.removeprefix("std::"))
        if self.store is None:
            raise CppRuntimeError(f"uniform_int_distribution<{element}> needs an integer type")
        self._a, self._b = int(a), int(0x7FFF_FFFF if b is None else b)
        if self._b < self._a:
            raise CppRuntimeError(f"uniform_int_distribution({self._a}, {self._b}): a > b")
        if self._b - self._a > 0xFFFF_FFFF:
            raise CppRuntimeError("uniform_int_distribution ranges wider than 32 bits are not modelled")

    def __call__(self, engine) -> Any:
        g = _engine(engine)
        span = self._b - self._a
        if span == 0xFFFF_FFFF:
            return self.store(self._a + g())
        span += 1
        product = g() * span
        if product & 0xFFFF_FFFF < span:
            threshold = (-span) % (1 << 32) % span
            while product & 0xFFFF_FFFF < threshold:
                product = g() * span
        return self.store(self._a + (product >> 32))


API.type("std::random_device", RandomDevice, groups=H, header="<random>", args=(0, 0))
API.type("std::mt19937", MersenneTwister, groups=H, header="<random>", args=(0, 1))
API.type("std::uniform_real_distribution", lambda targs, a=0.0, b=1.0: UniformReal(str(targs[0]) if targs else
         "double", a, b), groups=H, header="<random>", template_args=(0, 1), args=(0, 2))
API.type("std::uniform_int_distribution", lambda targs, a=0, b=None: UniformInt(str(targs[0]) if targs else
         "int", a, b), groups=H, header="<random>", template_args=(0, 1), args=(0, 2))
