"""C semantics helpers (ttgen/interp/cruntime.py) that compiled C++ calls into."""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest

from ttgen.interp import cruntime as rt
from ttgen.interp.cruntime import CppObject, CppRuntimeError


@pytest.mark.parametrize("fn, value, expected", [
    (rt.wrap_u8, 256, 0), (rt.wrap_u8, -1, 255),
    (rt.wrap_u16, 65536 + 5, 5), (rt.wrap_u16, -1, 0xFFFF),
    (rt.wrap_u32, -1, 0xFFFF_FFFF), (rt.wrap_u32, 2**32 + 7, 7), (rt.wrap_u32, 3.9, 3),
    (rt.wrap_u64, -1, 2**64 - 1),
    (rt.wrap_i8, 127, 127), (rt.wrap_i8, 128, -128), (rt.wrap_i8, 255, -1), (rt.wrap_i8, -129, 127),
    (rt.wrap_i16, 32767, 32767), (rt.wrap_i16, 32768, -32768), (rt.wrap_i16, -32769, 32767),
    (rt.wrap_i32, 2**31 - 1, 2**31 - 1), (rt.wrap_i32, 2**31, -2**31), (rt.wrap_i32, 2**32 - 1, -1),
    (rt.wrap_i32, -2**31 - 1, 2**31 - 1), (rt.wrap_i32, np.uint32(0xFFFF_FFFF), -1),
    (rt.wrap_i64, 2**63, -2**63), (rt.wrap_i64, -1, -1),
])
def test_wraps(fn, value, expected):
    result = fn(value)
    assert result == expected and type(result) is int


def test_store_table_by_spelling():
    s = rt.INTEGRAL_STORE
    assert s["uint32_t"] is s["std::uint32_t"] is s["unsigned"] is s["unsigned int"] is rt.wrap_u32
    assert s["int"] is s["int32_t"] is rt.wrap_i32
    assert (s["int8_t"], s["int16_t"], s["uint8_t"], s["uint16_t"]) == (rt.wrap_i8, rt.wrap_i16, rt.wrap_u8, rt.wrap_u16)
    assert s["bool"](2) is True and s["float"](1) == 1.0 and type(s["double"](1)) is float


@pytest.mark.parametrize("a", [-9, -7, -1, 0, 1, 6, 7, 2**31 - 1, -2**31])
@pytest.mark.parametrize("b", [-7, -3, -2, -1, 1, 2, 3, 7])
def test_cdiv_cmod_match_c(a, b):
    q, r = rt.cdiv(a, b), rt.cmod(a, b)
    assert q == math.trunc(a / b)
    assert q == (abs(a) // abs(b)) * (1 if (a < 0) == (b < 0) else -1)
    assert r == int(math.fmod(a, b))
    assert q * b + r == a


def test_cdiv_numpy_integers_and_floats():
    assert rt.cdiv(np.uint32(7), -2) == -3
    assert rt.cdiv(np.int32(-7), np.int32(2)) == -3
    assert rt.cdiv(7.0, 2) == 3.5
    assert rt.cdiv(-7, 2.0) == -3.5


def test_floating_division_by_zero_is_ieee():
    assert rt.cdiv(1.0, 0) == math.inf and rt.cdiv(-1.0, 0) == -math.inf
    assert rt.cdiv(1, 0.0) == math.inf and rt.cdiv(1.0, -0.0) == -math.inf
    assert math.isnan(rt.cdiv(0.0, 0))


def test_division_by_zero_is_a_cpp_fault():
    with pytest.raises(CppRuntimeError, match="^integer division by zero$"):
        rt.cdiv(1, 0)
    with pytest.raises(CppRuntimeError, match="^integer division by zero$"):
        rt.cdiv(np.uint32(1), np.uint32(0))
    with pytest.raises(CppRuntimeError, match="^integer modulo by zero$"):
        rt.cmod(5, 0)


def test_cast():
    assert rt.cast("uint8_t", 300) == 44
    assert rt.cast("uint32_t", -1) == 0xFFFF_FFFF
    assert rt.cast("std::uint32_t", 2**32 + 1) == 1
    assert rt.cast("int", 2.9) == 2 and rt.cast("int", -2.9) == -2
    assert rt.cast("int8_t", 200) == -56
    assert rt.cast("float", 3) == 3.0 and type(rt.cast("float", 3)) is float
    assert rt.cast("bool", 0) is False
    b = rt.cast("bfloat16", 1.00390625)  # rounds to bf16
    assert type(b) is ml_dtypes.bfloat16 and float(b) == 1.0
    with pytest.raises(CppRuntimeError, match="^cast to Foo is not supported by the interpreter$"):
        rt.cast("Foo", 1)


def test_sizeof_table():
    assert (rt.SIZEOF["uint8_t"], rt.SIZEOF["uint16_t"], rt.SIZEOF["uint32_t"], rt.SIZEOF["uint64_t"]) == (1, 2, 4, 8)
    assert (rt.SIZEOF["float"], rt.SIZEOF["bfloat16"], rt.SIZEOF["double"], rt.SIZEOF["bool"]) == (4, 2, 8, 1)


class Thing(CppObject):
    cpp_name = "Thing"
    cpp_fields = frozenset({"size"})
    cpp_methods = frozenset({"grow"})

    def __init__(self):
        self.size = 1
        self.hidden = 2

    def grow(self, n):
        self.size += n

    def secret(self):
        return "no"


def test_member_access_is_limited_to_listed_members():
    t = Thing()
    assert rt.member(t, "size") == 1
    rt.member(t, "grow")(4)
    assert t.size == 5
    rt.set_member(t, "size", 9)
    assert t.size == 9
    with pytest.raises(CppRuntimeError, match="^Thing has no member 'secret' the interpreter knows$"):
        rt.member(t, "secret")
    with pytest.raises(CppRuntimeError, match="^Thing has no member 'hidden' the interpreter knows$"):
        rt.member(t, "hidden")
    with pytest.raises(CppRuntimeError, match="^integer has no member 'real' the interpreter knows$"):
        rt.member(3, "real")
    with pytest.raises(CppRuntimeError, match="^cannot assign to member 'grow' of Thing$"):
        rt.set_member(t, "grow", 1)
    with pytest.raises(CppRuntimeError, match="^cannot assign to member 'x' of string$"):
        rt.set_member("s", "x", 1)


def test_deref():
    t = Thing()
    assert rt.deref(t) is t
    with pytest.raises(CppRuntimeError, match="^cannot dereference a integer$"):
        rt.deref(5)


def test_subscript_and_store_subscript():
    items = [10, 20, 30]
    assert rt.subscript(items, 2) == 30
    assert rt.subscript((1, 2), np.uint32(1)) == 2
    assert rt.subscript(np.arange(4), 3) == 3
    rt.store_subscript(items, 0, 5)
    assert items == [5, 20, 30]
    with pytest.raises(CppRuntimeError, match=r"^index 3 out of range for a container of size 3$"):
        rt.subscript(items, 3)
    with pytest.raises(CppRuntimeError, match=r"^index -1 out of range for a container of size 3$"):
        rt.subscript(items, -1)  # no Python negative indexing
    with pytest.raises(CppRuntimeError, match=r"^index 7 out of range for a container of size 3$"):
        rt.store_subscript(items, 7, 0)
    with pytest.raises(CppRuntimeError, match="^cannot index a integer$"):
        rt.subscript(4, 0)
    with pytest.raises(CppRuntimeError, match="^cannot assign through an index into a Thing$"):
        rt.store_subscript(Thing(), 0, 1)
    with pytest.raises(CppRuntimeError, match="^cannot assign through an index into a tuple$"):
        rt.store_subscript((1, 2), 0, 1)


def test_subscript_hooks():
    class Vec(CppObject):
        cpp_name = "Vec"

        def __init__(self):
            self.data = {}

        def cpp_getitem(self, i):
            return self.data.get(i, -1)

        def cpp_setitem(self, i, v):
            self.data[i] = v

    v = Vec()
    rt.store_subscript(v, np.int64(2), 8)
    assert v.data == {2: 8} and type(next(iter(v.data))) is int
    assert rt.subscript(v, 2) == 8 and rt.subscript(v, 0) == -1


def test_iterate_and_unpack():
    assert list(rt.iterate([1, 2])) == [1, 2]
    assert list(rt.iterate((3,))) == [3]

    class Range(CppObject):
        cpp_name = "Range"

        def cpp_iter(self):
            return iter("ab")

        def cpp_unpack(self):
            return (1, 2, 3)

    assert list(rt.iterate(Range())) == ["a", "b"]
    with pytest.raises(CppRuntimeError, match="^cannot iterate over a integer$"):
        rt.iterate(5)
    assert rt.unpack((1, 2), 2) == (1, 2)
    assert rt.unpack([1, 2, 3], 3) == (1, 2, 3)
    assert rt.unpack(Range(), 3) == (1, 2, 3)
    with pytest.raises(CppRuntimeError, match="^structured binding of 2 names to a value with 3 elements$"):
        rt.unpack(Range(), 2)


def test_tick_hook(monkeypatch):
    monkeypatch.setattr(rt._Tick, "hook", rt._Tick.hook)  # restored after the test
    seen = []
    rt.set_tick_hook(lambda: seen.append(1))
    rt.tick()
    rt.tick()
    assert seen == [1, 1]


def test_type_name_of():
    assert [rt.type_name_of(v) for v in (1, 1.5, True, "s", [1], Thing(), None)] == \
        ["integer", "float", "bool", "string", "initializer list", "Thing", "NoneType"]
