"""The table of every Metalium name the interpreter knows: functions, constants and types.

One entry per real C++ name, keyed by its fully qualified spelling and tagged with the header that declares it
and the kinds of file that can see it (`dataflow`, `compute`, `host`). The front end resolves every name in
an emitted file against this table once, at compile time, the way a C++ compiler would: an unknown name, a
call with the wrong number of arguments, or a data-movement call in a compute kernel is an error with
file:line before anything runs. The semantics behind each entry live in the modules that register them
(`dataflow.py`, `compute.py`, `host.py`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable

FUNCTION, CONSTANT, TYPE = "function", "constant", "type"

DATAFLOW, COMPUTE, HOST = "dataflow", "compute", "host"
DEVICE = frozenset({DATAFLOW, COMPUTE})


@dataclass(frozen=True)
class ApiEntry:
    name: str  # fully qualified C++ name, e.g. "noc_async_read_page" or "tt::CBIndex::c_0"
    kind: str
    value: Any  # callable for functions and types, the value for constants
    groups: frozenset[str]
    header: str
    args: tuple[int, int] = (0, 0)  # min, max call arguments
    template_args: tuple[int, int] = (0, 0)  # min, max template arguments; (0, 0): not a template
    deprecated: str | None = None
    designated: bool = False  # a struct that takes designated initialisers: Type{.field = value}
    init_list: bool = False  # a container whose brace initialiser is one std::initializer_list: T{a, b, c}


def _arity(fn: Callable, skip: int) -> tuple[int, int]:
    params = list(inspect.signature(fn).parameters.values())[skip:]
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return (sum(1 for p in params if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD), 64)
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    return (sum(1 for p in positional if p.default is p.empty), len(positional))


class Api:
    """A registry of `ApiEntry` with C++-style lookup through `using namespace` directives."""

    def __init__(self) -> None:
        self.entries: dict[str, ApiEntry] = {}
        self.retired: dict[str, str] = {}  # a name of an API generation not modelled -> what to use instead

    def add(self, entry: ApiEntry) -> None:
        if entry.name in self.entries:
            raise ValueError(f"duplicate API entry {entry.name}")
        self.entries[entry.name] = entry

    def function(self, name: str, *, groups: Iterable[str], header: str, template_args: tuple[int, int] = (0, 0),
                 deprecated: str | None = None, args: tuple[int, int] | None = None) -> Callable:
        """Register a function. A template function receives its template arguments as a first `targs` tuple."""

        def register(fn: Callable) -> Callable:
            arity = args or _arity(fn, 1 if template_args != (0, 0) else 0)
            self.add(ApiEntry(name, FUNCTION, fn, frozenset(groups), header, arity, template_args, deprecated))
            return fn

        return register

    def constant(self, name: str, value: Any, *, groups: Iterable[str], header: str) -> None:
        self.add(ApiEntry(name, CONSTANT, value, frozenset(groups), header))

    def constants(self, scope: str, values: dict[str, Any], *, groups: Iterable[str], header: str) -> None:
        for key, value in values.items():
            self.constant(f"{scope}::{key}", value, groups=groups, header=header)

    def type(self, name: str, ctor: Callable, *, groups: Iterable[str], header: str,
             template_args: tuple[int, int] = (0, 0), designated: bool = False, init_list: bool = False,
             args: tuple[int, int] | None = None) -> None:
        """Register a type; `ctor` builds a value from constructor or brace-list arguments."""
        arity = args or _arity(ctor, 1 if template_args != (0, 0) else 0)
        self.add(ApiEntry(name, TYPE, ctor, frozenset(groups), header, arity, template_args, None, designated,
                              init_list))

    def lookup(self, name: str, group: str, usings: Iterable[str] = ()) -> ApiEntry | None:
        """Resolve `name` as written in a file of kind `group` with the given `using namespace` directives."""
        name = name.removeprefix("::")
        for candidate in [name, *(f"{ns}::{name}" for ns in usings)]:
            entry = self.entries.get(candidate)
            if entry is not None and group in entry.groups:
                return entry
        return None

    def takes_call_line(self, names: Iterable[str]) -> None:
        """The pinned compute headers give these functions a last `uint32_t call_line = __builtin_LINE()` (for
        their sanitizer): one more argument is accepted, and ignored."""
        for name in names:
            entry = self.entries[name]
            fn, top, templated = entry.value, entry.args[1], entry.template_args != (0, 0)

            def call(*args, _fn=fn, _top=top, _templated=templated):
                given = len(args) - (1 if _templated else 0)
                return _fn(*(args[:-1] if given > _top else args))

            self.entries[name] = replace(entry, value=call, args=(entry.args[0], top + 1))

    def retire(self, names: Iterable[str], hint: str) -> None:
        """Names of an older API generation: using one is an error that says what replaced it."""
        for name in names:
            self.retired[name] = hint

    def retired_hint(self, name: str, usings: Iterable[str] = ()) -> str | None:
        name = name.removeprefix("::")
        for candidate in [name, *(f"{ns}::{name}" for ns in usings)]:
            if candidate in self.retired:
                return self.retired[candidate]
        return None

    def visible_elsewhere(self, name: str, usings: Iterable[str] = ()) -> ApiEntry | None:
        """The entry a name would resolve to in another kind of file (for 'not available here' errors)."""
        name = name.removeprefix("::")
        for candidate in [name, *(f"{ns}::{name}" for ns in usings)]:
            if candidate in self.entries:
                return self.entries[candidate]
        return None


API = Api()
