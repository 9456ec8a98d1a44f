"""Spec loading: YAML text -> schema-checked, typed `Spec`.

Everything downstream reads the `Spec`, never the raw YAML. Each spec keeps its `YamlDocument`, so any later
stage can point at the exact line of the value it objects to (`spec.where("sizes", "M")`).
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema

from .errors import Location, SpecError
from .paths import SCHEMA_FILE
from .yaml_source import JsonPath, YamlDocument, format_path, load_yaml

if TYPE_CHECKING:
    import sympy


@dataclass(frozen=True)
class TensorSpec:
    """One input or output tensor of the kernel."""

    name: str
    source: tuple[int | str, ...]  # the shape as written: integers and expressions of size names
    dims: tuple[int, ...]  # the same shape evaluated at the spec's sizes
    dtype: str
    layout: str
    placement: str
    is_output: bool
    size_names: tuple[str, ...] = ()

    @cached_property
    def shape(self) -> tuple[sympy.Expr, ...]:
        """The shape over the size names, for plans that print index arithmetic (sympy loads here, at render
        time; checking a spec never needs it)."""
        symbols = size_symbols(self.size_names)
        return tuple(parse_size_expression(str(d), symbols).symbolic(symbols) for d in self.source)

    @property
    def group(self) -> str:
        return "outputs" if self.is_output else "inputs"


@dataclass(frozen=True)
class Schedule:
    """How the work is laid out; `None` means "let the plan choose"."""

    grid: tuple[int, int] | None
    work_split: str | None
    tiles_per_block: int | None
    block: dict[str, int]
    cb_depth: dict[str, int | str]  # tensor name or "*" -> depth or "auto"
    dst_sync: str
    fp32_accumulation: bool
    math_fidelity: str
    math_approx: bool
    multicast: dict | None
    split_k: dict | None
    chunks: dict[str, int]
    carry: dict[str, str]
    roles: dict[str, Any]


@dataclass(frozen=True)
class Spec:
    name: str  # the spec file's stem; names the generated folder
    file: str
    description: str
    pattern: str
    sizes: dict[str, int]
    inputs: dict[str, TensorSpec]
    outputs: dict[str, TensorSpec]
    compute: dict[str, Any]
    schedule: Schedule
    device_grid: tuple[int, int] | None
    doc: YamlDocument = field(repr=False, compare=False)

    def where(self, *path: str | int) -> Location:
        return self.doc.where(tuple(path))

    def error(self, message: str, *path: str | int) -> SpecError:
        return SpecError(message, self.where(*path))

    @property
    def tensors(self) -> dict[str, TensorSpec]:
        return {**self.inputs, **self.outputs}

    def symbols(self) -> dict[str, sympy.Symbol]:
        return size_symbols(self.sizes)

    def size_value(self, dim: int | str, *path: str | int) -> int:
        """A dim written in the spec (an integer or an expression of sizes) as a positive integer; errors point
        at `path`."""
        if isinstance(dim, int):
            return dim
        try:
            value = parse_size_expression(dim, self.sizes).value(self.sizes)
        except ValueError as exc:
            raise self.error(str(exc), *path) from None
        if value.denominator != 1 or value < 1:
            raise self.error(f"{dim!r} evaluates to {value}, not a positive integer", *path)
        return int(value)


def size_symbols(names) -> dict[str, sympy.Symbol]:
    """Size names as sympy symbols (positive integers), the variables of a plan's index arithmetic."""
    import sympy

    return {name: sympy.Symbol(name, integer=True, positive=True) for name in names}


def _is_int(_checker, value: Any) -> bool:
    """JSON Schema counts 512.0 as an integer; a spec's sizes and counts must be written as integers."""
    return isinstance(value, int) and not isinstance(value, bool)


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    cls = jsonschema.validators.validator_for(schema)  # the schema itself is checked by tests/test_spec.py
    cls = jsonschema.validators.extend(cls, type_checker=cls.TYPE_CHECKER.redefine("integer", _is_int))
    return cls(schema)


def _schema_error(doc: YamlDocument) -> SpecError | None:
    errors = list(_validator().iter_errors(doc.data))
    if not errors:
        return None
    error = jsonschema.exceptions.best_match(errors)
    path: JsonPath = tuple(error.absolute_path)
    message = error.message
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = [key for key in error.instance if key not in allowed]
        if extra:
            path = path + (extra[0],)
            known = ", ".join(sorted(allowed)) or "none"
            message = f"unknown key {extra[0]!r} (allowed here: {known})"
    elif "propertyNames" in error.absolute_schema_path and isinstance(error.instance, str):
        # The error is about a key (its instance is the key's name): point at the key's own line.
        key = error.instance
        path = path + (key,)
        message = f"key {key!r} is not allowed here: {error.message}"
    elif error.validator in ("oneOf", "anyOf") and error.context:
        message = _one_of_message(error)
    return SpecError(message, doc.where(path))


def _one_of_message(error: jsonschema.ValidationError) -> str:
    """A `oneOf` failure lists every branch; say what the value is and what would be accepted."""
    options = []
    for sub in error.schema.get(error.validator, []):
        if "const" in sub:
            options.append(repr(sub["const"]))
        elif "type" in sub:
            options.append(sub["type"] if isinstance(sub["type"], str) else "/".join(sub["type"]))
        elif "$ref" in sub:
            options.append(sub["$ref"].rsplit("/", 1)[-1])
    deepest = max(error.context, key=lambda e: len(e.absolute_path))
    if len(deepest.absolute_path) > len(error.absolute_path):
        return deepest.message
    return f"{error.instance!r} is not valid here; expected one of: {', '.join(options)}"


_ALLOWED_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv)


@dataclass(frozen=True)
class SizeExpression:
    """`'H * W'`-style arithmetic over size names, parsed without eval: integers, size names, + - * / // and
    parentheses. Evaluated exactly (fractions) to check a spec; turned into sympy only when a plan prints it."""

    text: str
    tree: ast.expr = field(repr=False, compare=False)

    def _walk(self, leaf, floordiv):
        def walk(node: ast.AST):
            if isinstance(node, ast.Constant):
                return leaf(node.value)
            if isinstance(node, ast.Name):
                return leaf(node.id)
            if isinstance(node, ast.UnaryOp):
                return -walk(node.operand)
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.FloorDiv):
                return floordiv(left, right)
            return left / right

        return walk(self.tree)

    def value(self, sizes: dict[str, int]) -> Fraction:
        """The exact value at `sizes`; ValueError when it divides by zero."""
        try:
            return self._walk(lambda v: Fraction(sizes[v] if isinstance(v, str) else v),
                              lambda a, b: Fraction(a // b))
        except ZeroDivisionError:
            raise ValueError(f"{self.text!r} divides by zero") from None

    def symbolic(self, symbols: dict[str, sympy.Symbol]) -> sympy.Expr:
        import sympy

        return self._walk(lambda v: symbols[v] if isinstance(v, str) else sympy.Integer(v),
                          lambda a, b: sympy.floor(a / b))


def parse_size_expression(text: str, names) -> SizeExpression:
    """Parse `text` over the size `names`; anything but integers, names, + - * / // and () raises ValueError."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ValueError(f"cannot parse {text!r} as arithmetic over size names") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in names:
                known = ", ".join(sorted(names)) or "none"
                raise ValueError(f"unknown size {node.id!r} (sizes: {known})")
            continue
        allowed = ((isinstance(node, ast.Constant) and type(node.value) is int)
                   or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub))
                   or (isinstance(node, ast.BinOp) and isinstance(node.op, _ALLOWED_BINOPS))
                   or isinstance(node, (ast.Load, ast.USub, *_ALLOWED_BINOPS)))  # operator and context nodes
        if not allowed:
            raise ValueError(f"only size names, integers and + - * / are allowed in {text!r}")
    return SizeExpression(text, tree)


def _tensor(doc: YamlDocument, group: str, name: str, raw: dict, sizes: dict[str, int]) -> TensorSpec:
    dims: list[int] = []
    for i, dim in enumerate(raw["shape"]):
        where = doc.where((group, name, "shape", i))
        try:
            value = Fraction(dim) if isinstance(dim, int) else parse_size_expression(dim, sizes).value(sizes)
        except ValueError as exc:
            raise SpecError(str(exc), where) from None
        if value.denominator != 1 or value < 1:
            raise SpecError(f"{dim!r} evaluates to {value}, not a positive integer", where)
        dims.append(int(value))
    return TensorSpec(
        name=name,
        source=tuple(raw["shape"]),
        dims=tuple(dims),
        dtype=raw["dtype"],
        layout=raw.get("layout", "tile"),
        placement=raw.get("placement", "dram"),
        is_output=group == "outputs",
        size_names=tuple(sizes),
    )


def _schedule(raw: dict) -> Schedule:
    depth = raw.get("cb_depth", "auto")
    cb_depth = dict(depth) if isinstance(depth, dict) else {"*": depth}
    cb_depth.setdefault("*", "auto")
    grid = raw.get("grid", "auto")
    dst = raw.get("dst", {})
    multicast = raw.get("multicast", "none")
    return Schedule(
        grid=None if grid == "auto" else (grid[0], grid[1]),
        work_split=raw.get("work_split"),
        tiles_per_block=raw.get("tiles_per_block"),
        block=dict(raw.get("block", {})),
        cb_depth=cb_depth,
        dst_sync=dst.get("sync", "half"),
        fp32_accumulation=dst.get("fp32_accumulation", False),
        math_fidelity=raw.get("math_fidelity", "HiFi4"),
        math_approx=raw.get("math_approx", False),
        multicast=None if multicast == "none" else dict(multicast),
        split_k=dict(raw["split_k"]) if "split_k" in raw else None,
        chunks=dict(raw.get("chunks", {})),
        carry=dict(raw.get("carry", {})),
        roles=dict(raw.get("roles", {})),
    )


def load_spec(path: str | Path) -> Spec:
    """Load, schema-check and type one spec file. Raises `SpecError` with file:line on any problem."""
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise SpecError("a spec must be a YAML mapping (key: value lines)", doc.where(()))
    error = _schema_error(doc)
    if error:
        raise error
    data = doc.data
    sizes = dict(data["sizes"])
    tensors = {}
    for group in ("inputs", "outputs"):
        for name, raw in data[group].items():
            if name in sizes:
                raise SpecError(f"tensor {name!r} has the same name as a size", doc.where((group, name)))
            if name in tensors:
                raise SpecError(f"tensor {name!r} is both an input and an output", doc.where((group, name)))
            tensors[name] = _tensor(doc, group, name, raw, sizes)
    for name in data.get("schedule", {}).get("carry", {}):
        if name not in tensors:
            raise SpecError(f"carry names unknown tensor {name!r}", doc.where(("schedule", "carry", name)))
    depth = data.get("schedule", {}).get("cb_depth")
    if isinstance(depth, dict):
        for name in depth:
            if name not in tensors:
                raise SpecError(f"cb_depth names unknown tensor {name!r}", doc.where(("schedule", "cb_depth", name)))
    device = data.get("device", {})
    return Spec(
        name=Path(path).stem,
        file=str(path),
        description=data.get("description", ""),
        pattern=data["pattern"],
        sizes=sizes,
        inputs={k: v for k, v in tensors.items() if not v.is_output},
        outputs={k: v for k, v in tensors.items() if v.is_output},
        compute=dict(data.get("compute", {})),
        schedule=_schedule(data.get("schedule", {})),
        device_grid=tuple(device["grid"]) if "grid" in device else None,
        doc=doc,
    )


__all__ = ["Spec", "TensorSpec", "Schedule", "SizeExpression", "load_spec", "parse_size_expression", "size_symbols",
           "format_path"]
