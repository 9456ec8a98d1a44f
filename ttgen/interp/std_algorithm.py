"""Iterators over std::vector / std::array / C arrays and the <algorithm> / <numeric> calls example hosts make
(std::fill, std::iota, std::accumulate, std::find, std::count, std::equal, std::copy, std::max_element,
std::min_element, std::sort, std::transform, std::all_of / any_of / none_of, std::generate).

An iterator is its container and an index: `v.begin() + n`, `it++`, `*it`, `*it = x`, `last - first` and
comparisons work as on a random-access iterator; a range [first, last) must lie in one container, and reading
or writing past its end is an error, as it is undefined behaviour in C++.
"""

from __future__ import annotations

from typing import Any, Callable

from .api import API, DEVICE, HOST
from .cruntime import CppObject, CppRuntimeError


def _elements(container) -> Any:
    """A container's elements: a vector's `items`; a C array or std::array is its own list."""
    return getattr(container, "items", container)


class CppIterator(CppObject):
    cpp_name = "iterator"

    def __init__(self, container: Any, index: int):
        self.container, self.index = container, index

    def _check(self, index: int) -> int:
        size = len(_elements(self.container))
        if not 0 <= index < size:
            raise CppRuntimeError(f"iterator at {index} of a container of {size}: past its end")
        return index

    def cpp_deref(self) -> Any:
        return self.cpp_getitem(0)

    def cpp_getitem(self, offset: int) -> Any:
        return self.container.cpp_getitem(self._check(self.index + int(offset)))

    def cpp_setitem(self, offset: int, value: Any) -> None:
        self.container.cpp_setitem(self._check(self.index + int(offset)), value)

    def __add__(self, n) -> "CppIterator":
        return CppIterator(self.container, self.index + int(n))

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, CppIterator):
            _same(self, other)
            return self.index - other.index
        return CppIterator(self.container, self.index - int(other))

    def __eq__(self, other) -> bool:
        return isinstance(other, CppIterator) and other.container is self.container and other.index == self.index

    def __ne__(self, other) -> bool:
        return not self == other

    def __lt__(self, other) -> bool:
        _same(self, other)
        return self.index < other.index

    def __le__(self, other) -> bool:
        _same(self, other)
        return self.index <= other.index

    __hash__ = None  # type: ignore[assignment]


def _same(a: CppIterator, b: CppIterator) -> None:
    if not isinstance(b, CppIterator) or a.container is not b.container:
        raise CppRuntimeError("iterators of different containers")


def begin(container) -> CppIterator:
    """`std::begin(c)`, and `c.begin()` of the containers (their classes take begin and end as methods)."""
    return CppIterator(container, 0)


def end(container) -> CppIterator:
    return CppIterator(container, len(_elements(container)))


def _range(first: CppIterator, last: CppIterator) -> range:
    if not isinstance(first, CppIterator) or not isinstance(last, CppIterator):
        raise CppRuntimeError("an algorithm takes iterators (begin(), end())")
    _same(first, last)
    if first.index > last.index or first.index < 0 or last.index > len(_elements(first.container)):
        raise CppRuntimeError(f"[{first.index}, {last.index}) is not a range of a container of "
                              f"{len(_elements(first.container))}")
    return range(first.index, last.index)


def _values(first, last) -> list:
    return [first.container.cpp_getitem(i) for i in _range(first, last)]


def _call(fn: Callable, *args):
    from .cruntime import invoke

    return invoke(fn, *args)


AL, NU = "<algorithm>", "<numeric>"
ALL = DEVICE | {HOST}


@API.function("std::fill", groups=ALL, header=AL)
def fill(first, last, value):
    for i in _range(first, last):
        first.container.cpp_setitem(i, value)


@API.function("std::iota", groups=ALL, header=NU)
def iota(first, last, value):
    for n, i in enumerate(_range(first, last)):
        first.container.cpp_setitem(i, value + n)


@API.function("std::accumulate", groups=ALL, header=NU, args=(3, 4))
def accumulate(first, last, init, op=None):
    total = init
    for v in _values(first, last):
        total = total + v if op is None else _call(op, total, v)
    return total


@API.function("std::find", groups=ALL, header=AL)
def find(first, last, value):
    for i in _range(first, last):
        if first.container.cpp_getitem(i) == value:
            return CppIterator(first.container, i)
    return last


@API.function("std::count", groups=ALL, header=AL)
def count(first, last, value):
    return sum(1 for v in _values(first, last) if v == value)


@API.function("std::equal", groups=ALL, header=AL, args=(3, 4))
def equal(first1, last1, first2, last2=None):
    left = _values(first1, last1)
    right = _values(first2, last2) if last2 is not None else \
        _values(first2, first2 + len(left))
    return len(left) == len(right) and all(a == b for a, b in zip(left, right))


@API.function("std::copy", groups=ALL, header=AL)
def copy(first, last, d_first):
    values = _values(first, last)
    for n, v in enumerate(values):
        d_first.cpp_setitem(n, v)
    return d_first + len(values)


def _extreme(first, last, pick):
    indices = list(_range(first, last))
    if not indices:
        return last
    best = indices[0]
    for i in indices[1:]:
        if pick(first.container.cpp_getitem(i), first.container.cpp_getitem(best)):
            best = i  # the first of equal elements, as the standard says
    return CppIterator(first.container, best)


@API.function("std::max_element", groups=ALL, header=AL)
def max_element(first, last):
    return _extreme(first, last, lambda a, b: a > b)


@API.function("std::min_element", groups=ALL, header=AL)
def min_element(first, last):
    return _extreme(first, last, lambda a, b: a < b)


@API.function("std::sort", groups=ALL, header=AL, args=(2, 3))
def sort(first, last, comp=None):
    import functools

    values = _values(first, last)
    key = None if comp is None else functools.cmp_to_key(
        lambda a, b: -1 if _call(comp, a, b) else (1 if _call(comp, b, a) else 0))
    for i, v in zip(_range(first, last), sorted(values, key=key)):
        first.container.cpp_setitem(i, v)


@API.function("std::transform", groups=ALL, header=AL, args=(4, 5))
def transform(first, last, second, d_first, op=None):
    if op is None:  # unary: (first, last, d_first, op)
        op, d_first = d_first, second
        results = [_call(op, v) for v in _values(first, last)]
    else:
        right = _values(second, second + len(_range(first, last)))
        results = [_call(op, a, b) for a, b in zip(_values(first, last), right)]
    for n, v in enumerate(results):
        d_first.cpp_setitem(n, v)
    return d_first + len(results)


@API.function("std::generate", groups=ALL, header=AL)
def generate(first, last, gen):
    for i in _range(first, last):
        first.container.cpp_setitem(i, _call(gen))


for _name, _test in (("all_of", all), ("any_of", any), ("none_of", lambda xs: not any(xs))):
    API.function(f"std::{_name}", groups=ALL, header=AL)(
        (lambda test: lambda first, last, pred: test(bool(_call(pred, v)) for v in _values(first, last)))(_test))

API.function("std::begin", groups=ALL, header="<iterator>")(begin)
API.function("std::end", groups=ALL, header="<iterator>")(end)
API.function("std::distance", groups=ALL, header="<iterator>")(lambda first, last: last - first)
