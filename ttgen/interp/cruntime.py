"""C++ value semantics the compiled kernels call into: integer wrap-around, C division, casts, loop ticks.

Compiled code stores into a `uint32_t` through `wrap_u32`, divides through `cdiv`, and calls `tick()` once per
loop iteration so that the scheduler can enforce the step budget and interleave threads.
"""

from __future__ import annotations

import inspect

import re
from typing import Any, Callable

import ml_dtypes
import numpy as np

U8, U16, U32, U64 = 0xFF, 0xFFFF, 0xFFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF


class CppRuntimeError(Exception):
    """A C++-level fault in executed code (division by zero, bad cast...); the runner adds file:line."""


def wrap_u8(v: Any) -> int:
    return int(v) & U8


def wrap_u16(v: Any) -> int:
    return int(v) & U16


def wrap_u32(v: Any) -> int:
    return int(v) & U32


def wrap_u64(v: Any) -> int:
    return int(v) & U64


def wrap_i8(v: Any) -> int:
    v = int(v) & U8
    return v - (1 << 8) if v & 0x80 else v


def wrap_i16(v: Any) -> int:
    v = int(v) & U16
    return v - (1 << 16) if v & 0x8000 else v


def wrap_i32(v: Any) -> int:
    v = int(v) & U32
    return v - (1 << 32) if v & 0x8000_0000 else v


def wrap_i64(v: Any) -> int:
    v = int(v) & U64
    return v - (1 << 64) if v >> 63 else v


def to_bool(v: Any) -> bool:
    return bool(v)


def to_float(v: Any) -> float:
    return float(v)


def to_float32(v: Any) -> float:
    """A store to a `float`: the value rounded to binary32 (arithmetic runs in double, so one operation then the
    store rounds exactly as the float operation would)."""
    return float(np.float32(v))


# Integral types by spelling -> the store conversion; anything else is stored as is.
INTEGRAL_STORE: dict[str, Callable[[Any], Any]] = {
    "uint8_t": wrap_u8, "std::uint8_t": wrap_u8,
    "uint16_t": wrap_u16, "std::uint16_t": wrap_u16,
    "uint32_t": wrap_u32, "std::uint32_t": wrap_u32, "unsigned": wrap_u32, "unsigned int": wrap_u32,
    "uint64_t": wrap_u64, "std::uint64_t": wrap_u64, "size_t": wrap_u64, "std::size_t": wrap_u64,
    "uintptr_t": wrap_u32, "unsigned long": wrap_u64, "unsigned long long": wrap_u64,
    "int": wrap_i32, "int32_t": wrap_i32, "std::int32_t": wrap_i32, "int8_t": wrap_i8, "int16_t": wrap_i16,
    "int64_t": wrap_i64, "std::int64_t": wrap_i64, "long": wrap_i64, "long long": wrap_i64,
    "bool": to_bool, "float": to_float32, "double": to_float,
}

SIZEOF: dict[str, int] = {
    "uint8_t": 1, "int8_t": 1, "char": 1, "bool": 1, "uint16_t": 2, "int16_t": 2, "bfloat16": 2,
    "uint32_t": 4, "int32_t": 4, "int": 4, "unsigned": 4, "float": 4, "uint64_t": 8, "int64_t": 8,
    "size_t": 8, "double": 8,
}


def cdiv(a: Any, b: Any) -> Any:
    """C division: integers truncate toward zero."""
    if isinstance(a, (int, np.integer)) and isinstance(b, (int, np.integer)):
        if b == 0:
            raise CppRuntimeError("integer division by zero")
        q = abs(int(a)) // abs(int(b))
        return q if (a >= 0) == (b >= 0) else -q
    try:
        return a / b
    except ZeroDivisionError:  # floating division by zero is IEEE in C++: +-inf or nan, not a fault
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.float64(a) / np.float64(b))


def cmod(a: Any, b: Any) -> Any:
    if b == 0:
        raise CppRuntimeError("integer modulo by zero")
    return int(a) - int(b) * cdiv(int(a), int(b))


def cast(type_name: str, value: Any) -> Any:
    """static_cast / C-style cast to a scalar type (None: a template's deduced type, the value's own)."""
    if type_name is None:
        return value
    store = INTEGRAL_STORE.get(type_name)
    if store is not None:
        return store(value)
    if type_name == "bfloat16":
        return ml_dtypes.bfloat16(float(value))
    raise CppRuntimeError(f"cast to {type_name} is not supported by the interpreter")


class _Tick:
    """Per-iteration hook; the scheduler installs the real one while threads run."""

    hook: Callable[[], None] = staticmethod(lambda: None)


def tick() -> None:
    _Tick.hook()


def set_tick_hook(hook: Callable[[], None]) -> Callable[[], None]:
    """Install `hook`; returns the one it replaces (so that nested runners can put it back)."""
    previous, _Tick.hook = _Tick.hook, hook
    return previous


class CppObject:
    """Base of interpreter values that stand for C++ class objects.

    Only the members a subclass lists are reachable from C++ code, so an emitted call to a method the real
    class does not have is an error instead of a silent Python attribute lookup.
    """

    cpp_name = "object"
    cpp_methods: frozenset[str] = frozenset()
    cpp_fields: frozenset[str] = frozenset()

    def cpp_deref(self) -> Any:
        """`*ptr` on a smart pointer gives the object; our objects stand for both."""
        return self


class CppException(Exception):
    """A C++ exception in flight (`throw`, TT_THROW, TT_FATAL): what a host `catch` can catch. Protocol
    violations and interpreter faults are not C++ exceptions, so no `catch` hides them."""

    def __init__(self, value: Any):
        super().__init__(value)
        self.value = value

    def __str__(self) -> str:
        what = getattr(self.value, "message", None)
        return f"uncaught {type_name_of(self.value)}: {what}" if what is not None else \
            f"uncaught exception ({type_name_of(self.value)} {self.value!r})"


# The standard exception classes hosts throw and catch, each with its base (<stdexcept>).
STD_EXCEPTIONS = {"std::exception": None, "std::runtime_error": "std::exception",
                  "std::logic_error": "std::exception", "std::invalid_argument": "std::logic_error",
                  "std::out_of_range": "std::logic_error", "std::length_error": "std::logic_error",
                  "std::bad_alloc": "std::exception", "std::overflow_error": "std::runtime_error"}


class StdException(CppObject):
    cpp_methods = frozenset({"what"})

    def __init__(self, cpp_name: str, message: str = ""):
        self.cpp_name, self.message = cpp_name, str(message)

    def what(self) -> str:
        return self.message


def catches(exc: CppException, type_name: str | None) -> bool:
    """Whether `catch (T ...)` (`type_name` T, or None for `catch (...)`) takes the exception in flight."""
    if type_name is None:
        return True
    value = exc.value
    if isinstance(value, StdException):
        name = value.cpp_name
        while name is not None:
            if name == type_name.removeprefix("::"):
                return True
            name = STD_EXCEPTIONS.get(name)
        return False
    if type_name in STD_EXCEPTIONS:
        return False
    return type_name in INTEGRAL_STORE if isinstance(value, int) else not isinstance(value, StdException)


def throw(value: Any) -> None:
    raise CppException(value)


def store_at(obj: Any, index: Any, value: Any) -> None:
    """`v.at(i) = x`: like `v[i] = x`, but a bad index throws std::out_of_range, as the C++ library does."""
    check = getattr(obj, "at", None)
    if check is None:
        raise CppRuntimeError(f"a {type_name_of(obj)} has no at()")
    check(index)  # throws for a bad index
    store_subscript(obj, index, value)


class Designated(CppObject):
    """A designated brace list passed where a struct is expected (`{.page_id = i}`): its fields by name."""

    cpp_name = "designated initialiser"

    def __init__(self, **values: Any):
        self.values = values
        self.cpp_fields = frozenset(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None


def member(obj: Any, name: str) -> Any:
    """`obj.name` / `obj->name` for a method call or a field read."""
    if isinstance(obj, CppObject) and (name in obj.cpp_methods or name in obj.cpp_fields):
        return getattr(obj, name)
    raise CppRuntimeError(f"{type_name_of(obj)} has no member '{name}' the interpreter knows")


def set_member(obj: Any, name: str, value: Any) -> None:
    if isinstance(obj, CppObject) and name in obj.cpp_fields:
        setattr(obj, name, value)
        return
    raise CppRuntimeError(f"cannot assign to member '{name}' of {type_name_of(obj)}")


def deref(obj: Any) -> Any:
    fn = getattr(obj, "cpp_deref", None)
    if fn is None:
        raise CppRuntimeError(f"cannot dereference a {type_name_of(obj)}")
    return fn()


def subscript(obj: Any, index: Any) -> Any:
    getter = getattr(obj, "cpp_getitem", None)
    if getter is not None:
        return getter(int(index))
    if isinstance(obj, (list, tuple, np.ndarray)):
        if not 0 <= int(index) < len(obj):
            raise CppRuntimeError(f"index {int(index)} out of range for a container of size {len(obj)}")
        return obj[int(index)]
    raise CppRuntimeError(f"cannot index a {type_name_of(obj)}")


def store_subscript(obj: Any, index: Any, value: Any) -> None:
    setter = getattr(obj, "cpp_setitem", None)
    if setter is not None:
        setter(int(index), value)
        return
    if isinstance(obj, (list, np.ndarray)):
        if not 0 <= int(index) < len(obj):
            raise CppRuntimeError(f"index {int(index)} out of range for a container of size {len(obj)}")
        obj[int(index)] = value
        return
    raise CppRuntimeError(f"cannot assign through an index into a {type_name_of(obj)}")


def iterate(obj: Any) -> Any:
    """Range-for: `for (auto x : obj)`."""
    it = getattr(obj, "cpp_iter", None)
    if it is not None:
        return it()
    if isinstance(obj, (list, tuple, np.ndarray)):
        return iter(obj)
    raise CppRuntimeError(f"cannot iterate over a {type_name_of(obj)}")


def invoke(callee: Any, *args: Any) -> Any:
    """`value(args)`: a lambda, or an object with an operator() (a random engine, a distribution)."""
    if isinstance(callee, CppObject) and callable(callee) or inspect.isfunction(callee):
        return callee(*args)
    raise CppRuntimeError(f"a {type_name_of(callee)} cannot be called")


def indices(obj: Any) -> range:
    """The positions a range-for over `obj` visits, for an `auto&` loop that stores each element back."""
    if hasattr(obj, "cpp_size"):
        return range(obj.cpp_size())
    if isinstance(obj, (list, np.ndarray)):
        return range(len(obj))
    raise CppRuntimeError(f"cannot assign through the elements of a {type_name_of(obj)}")


def unpack(obj: Any, count: int) -> Any:
    """Structured binding `auto [a, b] = obj`."""
    items = tuple(obj.cpp_unpack()) if hasattr(obj, "cpp_unpack") else tuple(obj)
    if len(items) != count:
        raise CppRuntimeError(f"structured binding of {count} names to a value with {len(items)} elements")
    return items


def type_name_of(obj: Any) -> str:
    if isinstance(obj, CppObject):
        return obj.cpp_name
    return {int: "integer", float: "float", bool: "bool", str: "string", list: "initializer list"}.get(
        type(obj), type(obj).__name__)


class CArray(list):
    """A C array `T a[N]`: fixed size, bounds-checked, each element stored through T's conversion."""

    def __init__(self, items: list, store: Callable | None):
        super().__init__(items)
        self.store = store

    def cpp_getitem(self, index: int) -> Any:
        if not 0 <= index < len(self):
            raise CppRuntimeError(f"index {index} out of range for an array of {len(self)}")
        return self[index]

    def cpp_setitem(self, index: int, value: Any) -> None:
        if not 0 <= index < len(self):
            raise CppRuntimeError(f"index {index} out of range for an array of {len(self)}")
        self[index] = self.store(value) if self.store is not None else value


def c_array(dims: tuple, items: Any, store: Callable | None, cls: type | None = None) -> CArray:
    """`T a[d0][d1]... = {items}`: missing elements are zero (as C fills them) when there is an initialiser,
    uninitialised (None) when there is none; `a[] = {...}` (a dim of None) takes the initialiser's length."""
    size = dims[0]
    given = list(items) if items is not None else []
    if size is None:
        size = len(given)
    size = int(size)
    if size < 0 or len(given) > size:
        raise CppRuntimeError(f"an array of {size} elements cannot hold {len(given)} initialisers")
    if len(dims) > 1:
        cells = [c_array(dims[1:], given[i] if i < len(given) else (() if items is not None else None), store)
                 for i in range(size)]
        return CArray(cells, None)
    fill = 0 if items is not None else None
    values = [store(v) if store is not None else v for v in given] + [fill] * (size - len(given))
    return (cls or CArray)(values, store)


class CppStruct(CppObject):
    """An object of a struct a kernel defines: its data members, in declaration order.

    `cpp_layout` lists (name, store, default thunk or None) per member. Aggregate initialisation fills members
    in order and value-initialises the rest (0); default construction runs member initialisers and leaves the
    others uninitialised (None), as C++ does.
    """

    cpp_layout: tuple = ()

    def __init__(self, *values: Any, **named: Any):
        if len(values) > len(self.cpp_layout):
            raise CppRuntimeError(f"{self.cpp_name} has {len(self.cpp_layout)} members, got {len(values)} values")
        if len(values) == 1 and not named and type(values[0]) is type(self):
            values = tuple(getattr(values[0], n) for n, _, _ in self.cpp_layout)  # copy construction
        unknown = set(named) - {n for n, _, _ in self.cpp_layout}
        if unknown:
            raise CppRuntimeError(f"{self.cpp_name} has no member '{sorted(unknown)[0]}'")
        aggregate = bool(values or named)
        for i, (name, store, default) in enumerate(self.cpp_layout):
            if i < len(values):
                value = values[i]
            elif name in named:
                value = named[name]
            elif default is not None:
                value = default()
            else:
                value = 0 if aggregate else None
            object.__setattr__(self, name, store(value) if store is not None and value is not None else value)

    def __setattr__(self, name: str, value: Any) -> None:
        store = next((s for n, s, _ in self.cpp_layout if n == name), None)
        object.__setattr__(self, name, store(value) if store is not None and value is not None else value)

    def cpp_copy(self) -> "CppStruct":
        return type(self)(self)


def define_struct(name: str, layout: tuple) -> type:
    return type(name.replace("::", "_"), (CppStruct,), {"cpp_name": name, "cpp_layout": layout,
                                                          "cpp_fields": frozenset(n for n, _, _ in layout)})


def copy_value(value: Any) -> Any:
    """`T b = a;` for a struct or union T: b is a copy, not a second name for a."""
    copy = getattr(value, "cpp_copy", None)
    return copy() if copy is not None and isinstance(value, CppObject) else value


def enum_value(value: Any = None) -> Any:
    """Constructing an enum type (a file's own, or the device DataFormat): `E e{E::A}` is E::A, `E e;` is
    uninitialised. Enumerators are integers."""
    return value


class Dynamic:
    """The value of an API name that differs per running kernel (`noc_index`): read each time it is used."""

    def __init__(self, read: Callable[[], Any], name: str):
        self.read = read
        self.__name__ = name


_UNION_DTYPES = {"float": "<f4", "double": "<f8", "uint32_t": "<u4", "int32_t": "<i4", "uint16_t": "<u2",
                 "int16_t": "<i2", "uint8_t": "u1", "int8_t": "i1", "uint64_t": "<u8", "int64_t": "<i8",
                 "unsigned int": "<u4", "int": "<i4"}


class CppUnion(CppObject):
    """A union of scalar members sharing one storage: writing `u.f` then reading `u.u` reinterprets the bytes,
    as kernels use it to see a float's bits. `cpp_layout` maps each member to its numpy dtype."""

    cpp_layout: dict = {}

    def __init__(self, *values: Any):
        object.__setattr__(self, "_bytes", np.zeros(8, dtype=np.uint8))
        if values:  # `U u = {x}` initialises the first member
            setattr(self, next(iter(self.cpp_layout)), values[0])

    def __getattr__(self, name: str) -> Any:
        dtype = type(self).cpp_layout.get(name)
        if dtype is None:
            raise AttributeError(name)
        value = self._bytes[:np.dtype(dtype).itemsize].view(dtype)[0]
        return float(value) if np.dtype(dtype).kind == "f" else int(value)

    def __setattr__(self, name: str, value: Any) -> None:
        dtype = np.dtype(type(self).cpp_layout[name])
        if dtype.kind == "f":
            raw = np.array([value], dtype=dtype)
        else:
            raw = np.array([int(value) & ((1 << (8 * dtype.itemsize)) - 1)], dtype=f"<u{dtype.itemsize}")
        self._bytes[:dtype.itemsize] = raw.view(np.uint8)

    def cpp_copy(self) -> "CppUnion":
        other = type(self)()
        other._bytes[:] = self._bytes
        return other


def define_union(name: str, members: list[tuple[str, str]]) -> type:
    layout = {}
    for member, type_text in members:
        dtype = _UNION_DTYPES.get(type_text.removeprefix("std::"))
        if dtype is None:
            raise CppRuntimeError(f"union member '{member}' of type {type_text}: only scalar members are modelled")
        layout[member] = dtype
    return type(re.sub(r"\W", "_", name) or "union", (CppUnion,),
                {"cpp_name": name or "union", "cpp_layout": layout, "cpp_fields": frozenset(layout)})


def address_of(value: Any) -> Any:
    """`&obj`: a pointer to an object is the object itself here (`p->f()` and `obj.f()` reach the same one).
    The address of a scalar has no model: there is no memory behind a local variable."""
    if isinstance(value, CppObject):
        return value
    raise CppRuntimeError(f"the address of a {type_name_of(value)} value is not modelled (only of objects)")


def memcpy_value(store: Callable, source: Any) -> Any:
    """`std::memcpy(&dst, &src, 4)` between 32-bit scalars: src's bits as dst's type (a bit cast)."""
    if isinstance(source, float):
        bits = int(np.array([source], dtype="<f4").view("<u4")[0])
    else:
        bits = int(source) & 0xFFFF_FFFF
    if store is to_float32:
        return float(np.array([bits], dtype="<u4").view("<f4")[0])
    return store(bits)


# The bytes behind a scalar local, by the conversion its declared type stores through.
_STORE_DTYPES = {wrap_u8: "u1", wrap_i8: "i1", wrap_u16: "<u2", wrap_i16: "<i2", wrap_u32: "<u4", wrap_i32: "<i4",
                 wrap_u64: "<u8", wrap_i64: "<i8", to_float32: "<f4", to_float: "<f8"}


class ScalarView(CppObject):
    """`reinterpret_cast<const T*>(&x)` of a scalar local: its bytes, as they are when the cast runs, read as T
    (kernels read a float argument's bits, or a value byte by byte). Writing through it is refused: a local has
    no memory here, so the write could not reach `x`."""

    cpp_name = "pointer to a local"

    def __init__(self, value: Any, source: str, target: str):
        self.items = np.frombuffer(np.array([value], dtype=source).tobytes(), dtype=target)

    def cpp_getitem(self, index: int) -> Any:
        if not 0 <= index < len(self.items):
            raise CppRuntimeError(f"index {index} past the {len(self.items)} element(s) of the local it points to")
        value = self.items[index]
        return float(value) if value.dtype.kind == "f" else int(value)

    def cpp_setitem(self, index: int, value: Any) -> None:
        raise CppRuntimeError("writing through a pointer to a local variable is not modelled")

    def cpp_deref(self) -> Any:
        return self.cpp_getitem(0)


def scalar_view(value: Any, source: str, target: str) -> ScalarView:
    return ScalarView(value, source, target)
