"""Safe YAML loading that remembers the line of every value.

PyYAML's SafeLoader composes the text into nodes; we build plain Python data from the nodes ourselves so
that each value keeps its line (for `file:line: json.path: message` errors) and so that nothing but the
plain YAML core types can appear: an application tag such as `!!python/object` is an error, never a call.
Aliases are expanded with a node budget, so an alias bomb is a clear error instead of exhausted memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, SpecError

MAX_BYTES = 1 << 20  # a kernel spec is a page of text; anything near a megabyte is a mistake
MAX_NODES = 20_000  # counted after alias expansion
MAX_DEPTH = 64

_PLAIN_TAGS = {  # tag -> the node kind it may tag
    "tag:yaml.org,2002:str": yaml.ScalarNode,
    "tag:yaml.org,2002:int": yaml.ScalarNode,
    "tag:yaml.org,2002:float": yaml.ScalarNode,
    "tag:yaml.org,2002:bool": yaml.ScalarNode,
    "tag:yaml.org,2002:null": yaml.ScalarNode,
    "tag:yaml.org,2002:seq": yaml.SequenceNode,
    "tag:yaml.org,2002:map": yaml.MappingNode,
}

JsonPath = tuple  # of str keys and int indices


def format_path(path: JsonPath) -> str:
    """`("inputs", "A", "shape", 0)` -> `inputs.A.shape[0]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class YamlDocument:
    """The data of one YAML file, with the line (1-based) of every key path in it."""

    file: str
    data: Any
    lines: dict[JsonPath, int] = field(default_factory=dict)

    def line_of(self, path: JsonPath) -> int | None:
        """Line of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)

    def where(self, path: JsonPath) -> Location:
        return Location(self.file, self.line_of(path), format_path(path))


class _TooDeep(Exception):
    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer stops at MAX_DEPTH (with the line) instead of recursing until RecursionError."""

    _depth = 0

    def compose_node(self, parent, index):
        if self._depth > MAX_DEPTH:
            raise _TooDeep(self.peek_event().start_mark.line + 1)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.lines: dict[JsonPath, int] = {}
        self.count = 0
        self._scalar = yaml.SafeLoader("")  # only for its scalar constructors; never sees our text

    def fail(self, node: yaml.Node, path: JsonPath, message: str) -> SpecError:
        return SpecError(message, Location(self.file, node.start_mark.line + 1, format_path(path)))

    def build(self, node: yaml.Node, path: JsonPath, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, path, f"document expands to more than {MAX_NODES} values (alias bomb?)")
        if depth > MAX_DEPTH:
            raise self.fail(node, path, f"nesting deeper than {MAX_DEPTH} levels")
        if node.tag not in _PLAIN_TAGS:
            raise self.fail(node, path, f"YAML tag {node.tag!r} is not allowed in a spec (plain data only)")
        if not isinstance(node, _PLAIN_TAGS[node.tag]):
            raise self.fail(node, path, f"YAML tag {node.tag!r} cannot tag a {node.id}")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self._scalar.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError, KeyError) as exc:
            raise self.fail(node, path, f"bad value: {exc}") from None

    def _mapping(self, node: yaml.MappingNode, path: JsonPath, depth: int) -> dict:
        out: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, path, "YAML merge keys (<<) are not supported in specs")
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                raise self.fail(key_node, path, "mapping keys must be plain scalars")
            key = key_node.value  # a key is a name as written: `on:` is 'on', not 'True'
            if key in out:
                raise self.fail(key_node, path + (key,), f"duplicate key {key!r}")
            self.lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = self.build(value_node, path + (key,), depth + 1)
        return out


def load_yaml(path: str | Path) -> YamlDocument:
    """Load one YAML file as plain data with line marks; every problem is a `SpecError` with file:line."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read spec: {exc.strerror}", Location(file)) from None
    if len(raw) > MAX_BYTES:
        raise SpecError(f"spec is {len(raw)} bytes; the limit is {MAX_BYTES}", Location(file, 1))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError("spec is not valid UTF-8", Location(file, line)) from None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except _TooDeep as exc:
        raise SpecError(f"nesting deeper than {MAX_DEPTH} levels", Location(file, exc.line)) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise SpecError(f"unacceptable character #x{exc.character:04x}: {exc.reason}",
                        Location(file, line)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        context = exc.context
        if context and exc.context_mark and mark is not exc.context_mark and exc.context_mark.line != mark.line:
            context = f"{context} on line {exc.context_mark.line + 1},"  # where the unclosed thing began
        problem = " ".join(str(p) for p in (context, exc.problem) if p)
        raise SpecError(f"YAML syntax error: {problem}", Location(file, line)) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML error: {exc}", Location(file)) from None
    except RecursionError:
        raise SpecError(f"nesting deeper than {MAX_DEPTH} levels", Location(file)) from None
    if node is None:
        raise SpecError("spec is empty", Location(file, 1))
    builder = _Builder(file)
    try:
        data = builder.build(node, (), 0)
    except RecursionError:
        raise SpecError(f"nesting deeper than {MAX_DEPTH} levels", Location(file)) from None
    return YamlDocument(file, data, builder.lines)
