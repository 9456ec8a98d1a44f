"""Names the real tt-metal headers declare, for kernels that call API the interpreter does not model yet.

A C++ compiler accepts a call when a header the file includes declares the name; the interpreter gives it
semantics only when a module registers it in the API table. Between the two lies real code that is valid but
not yet modelled: with a `HeaderTree` the front end accepts such a name, compiles it into an `Unmodelled`
value that raises a clean `NotModelled` error when executed, and lists it in `CompiledFile.unmodelled`. A name
no included header declares stays an "unknown name" compile error, exactly as before. Two kinds of declared
name get real semantics instead: a constant a header defines as one integer literal takes that value, and a
function of a kernel helper header (ttnn's own, outside tt_metal/) runs from that header's source, compiled by
the same front end, when the header compiles.

Declarations are read with tree-sitter from the headers the file includes, transitively, resolved the way the
JIT build does (the including file's folder, then the build's `-I` list, see `ttgen.compile.kernels`). Only
declaration-level nodes are walked (namespaces, classes, enums, templates, `extern "C"`, `#if` branches,
macros), never function bodies, so indexing the whole kernel API takes a few seconds once per process.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_cpp
from tree_sitter import Language, Node, Parser

from ..jit_includes import ENV_INCLUDES, FIRMWARE_INCLUDE, HAL_COMPUTE_INCLUDES, HAL_INCLUDES
from .api import CONSTANT, FUNCTION, TYPE
from .cruntime import CppRuntimeError
from .preprocess import expand_attribute_macros

_LANGUAGE = Language(tree_sitter_cpp.language())
_INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]', re.M)
_CONDITIONAL = re.compile(r"^\s*#\s*(if|ifdef|ifndef|endif)\b")
_HEADER_SUFFIXES = (".h", ".hpp", ".hh", ".inc", ".inl", ".ipp", ".tpp")
_WHEEL_ROOT = "ttnn/"  # the wheel keeps tt_metal/ and ttnn/cpp/ under ttnn/


class NotModelled(CppRuntimeError):
    """Executed code reached a real API name the interpreter has no semantics for."""


class Unmodelled:
    """The value of a declared but unmodelled name: calling, constructing or reading it raises `NotModelled`."""

    def __init__(self, name: str, header: str):
        self.name = name
        self.header = header
        self.__name__ = re.sub(r"\W", "_", name)

    def __call__(self, *args, **kwargs):
        raise NotModelled(f"'{self.name}' (declared in {self.header}) has no semantics in the interpreter yet")

    def __repr__(self) -> str:
        return f"<unmodelled {self.name}>"


@dataclass
class HeaderDecls:
    """What one header declares: qualified name -> kind, plus its file-scope `using namespace` directives."""

    names: dict[str, str] = field(default_factory=dict)
    usings: list[str] = field(default_factory=list)
    values: dict[str, object] = field(default_factory=dict)  # constant -> its integer literal, _CONFLICT if several

    def value(self, name: str, literal: int | None) -> None:
        """Record a constant's literal value; a name defined twice differently (#if branches) has none."""
        if literal is None or self.values.get(name, literal) != literal:
            self.values[name] = _CONFLICT
        else:
            self.values[name] = literal


_CONFLICT = object()
_LITERAL = re.compile(r"\(*\s*(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*\s*\)*")


def _literal(node: Node | None) -> int | None:
    """The value of an integer literal (optionally parenthesised, with suffixes), `true` or `false`; else None."""
    if node is None:
        return None
    text = node.text.decode(errors="replace").strip()
    if text in ("true", "false"):
        return int(text == "true")
    match = _LITERAL.fullmatch(text)
    return int(match.group(1), 0) if match else None


def _text(node: Node) -> str:
    return re.sub(r"\s+", "", node.text.decode(errors="replace"))


def _declarator_names(node: Node) -> Iterable[tuple[str, bool]]:
    """(name, is a function) for each declarator of a declaration, through pointers, references and inits."""
    for decl in node.children_by_field_name("declarator"):
        is_function = False
        while decl is not None and decl.type not in ("identifier", "field_identifier", "qualified_identifier",
                                                      "operator_name", "destructor_name"):
            is_function = is_function or decl.type == "function_declarator"
            inner = decl.child_by_field_name("declarator")
            decl = inner if inner is not None else (decl.named_children[0] if decl.named_children else None)
        if decl is not None and decl.type in ("identifier", "field_identifier", "qualified_identifier"):
            yield _text(decl), is_function


def read_declarations(source: str) -> HeaderDecls:
    """The names a header declares at namespace and class scope."""
    out = HeaderDecls()
    tree = Parser(_LANGUAGE).parse(expand_attribute_macros(source).encode(errors="replace"))
    _collect(tree.root_node.named_children, "", out)
    return out


def _collect(nodes: Iterable[Node], prefix: str, out: HeaderDecls) -> None:
    for node in nodes:
        t = node.type
        if t in ("preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef",
                 "linkage_specification", "declaration_list", "field_declaration_list"):
            _collect(node.named_children, prefix, out)
        elif t == "namespace_definition":
            name = node.child_by_field_name("name")
            body = node.child_by_field_name("body")
            inner = prefix + (_text(name) + "::" if name is not None else "")
            if body is not None:
                _collect(body.named_children, inner, out)
        elif t == "template_declaration":
            _collect([c for c in node.named_children if c.type != "template_parameter_list"], prefix, out)
        elif t in ("preproc_def", "preproc_function_def"):
            name = node.child_by_field_name("name")
            if name is not None:  # macros ignore namespaces
                out.names.setdefault(_text(name), FUNCTION if t == "preproc_function_def" else CONSTANT)
                if t == "preproc_def":
                    out.value(_text(name), _literal(node.child_by_field_name("value")))
        elif t in ("class_specifier", "struct_specifier", "union_specifier", "enum_specifier"):
            _type(node, prefix, out)
        elif t in ("declaration", "field_declaration", "function_definition"):
            type_node = node.child_by_field_name("type")
            if type_node is not None and type_node.type in ("class_specifier", "struct_specifier",
                                                             "union_specifier", "enum_specifier"):
                _type(type_node, prefix, out)
            for name, is_function in _declarator_names(node):
                out.names.setdefault(prefix + name, FUNCTION if is_function else CONSTANT)
            constant = t == "declaration" and any(c.type == "type_qualifier" and c.text in (b"constexpr", b"const")
                                                  for c in node.children)
            for decl in node.children_by_field_name("declarator") if constant else ():
                if decl.type == "init_declarator" and decl.child_by_field_name("declarator").type == "identifier":
                    out.value(prefix + _text(decl.child_by_field_name("declarator")),
                              _literal(decl.child_by_field_name("value")))
        elif t in ("alias_declaration", "type_definition"):
            names = [node.child_by_field_name("name")] if t == "alias_declaration" else \
                node.children_by_field_name("declarator")
            target = node.child_by_field_name("type") if t == "alias_declaration" else None
            target_text = _text(target).strip() if target is not None else ""
            for name in names:
                if name is not None and name.type in ("type_identifier", "identifier"):
                    # `using CB = CircularBuffer;` names another type: followed like `using a::b;`
                    simple = re.fullmatch(r"(::)?[A-Za-z_]\w*(::[A-Za-z_]\w*)*", target_text)
                    out.names.setdefault(prefix + _text(name), f"typealias:{target_text}" if simple else TYPE)
        elif t == "using_declaration":
            text = _text(node).removeprefix("using").rstrip(";")
            if text.startswith("namespace"):
                if not prefix:
                    out.usings.append(text.removeprefix("namespace").removeprefix("::"))
            elif "::" in text:  # using a::b; makes b a name of this scope
                target = text.removeprefix("::")
                out.names.setdefault(prefix + target.rsplit("::", 1)[1], f"alias:{target}")


def _type(node: Node, prefix: str, out: HeaderDecls) -> None:
    name = node.child_by_field_name("name")
    body = node.child_by_field_name("body")
    if name is None:
        scope = prefix
    else:
        scope = prefix + _text(name) + "::"
        out.names.setdefault(prefix + _text(name), TYPE)
    if body is None:
        return
    if node.type == "enum_specifier":
        scoped = any(c.type in ("class", "struct") for c in node.children)
        for enumerator in body.named_children:
            if enumerator.type == "enumerator":
                key = _text(enumerator.child_by_field_name("name"))
                out.names.setdefault(scope + key, CONSTANT)
                if not scoped:
                    out.names.setdefault(prefix + key, CONSTANT)
        return
    _collect(body.named_children, scope, out)


def _include_lines(text: str) -> list[tuple[str, bool, bool]]:
    """(target, quoted, inside an #if block) of each #include of a header, in order."""
    out, depth = [], 0
    for line in text.splitlines():
        cond = _CONDITIONAL.match(line)
        if cond:
            depth += -1 if cond.group(1) == "endif" else 1
            continue
        include = _INCLUDE.match(line)
        if include:
            out.append((include.group(2), include.group(1) == '"', depth > 0))
    return out


class HeaderTree:
    """Header files by include path, resolved as the JIT build resolves them, with their declarations."""

    def __init__(self, read: Callable[[str], str | None], include_dirs: Sequence[str], path_prefix: str = ""):
        self._read = read
        self.path_prefix = path_prefix  # what kernel paths carry before the include root (the wheel's ttnn/)
        self.include_dirs = tuple(include_dirs)
        self._decls: dict[str, HeaderDecls | None] = {}
        self._includes: dict[str, list[tuple[str, bool]]] = {}  # header -> its (#include target, quoted)
        self._closure: dict[tuple[str, ...], Visible] = {}
        self.compiled: dict[tuple, object] = {}  # helper headers the front end compiled (see cpp._compile_helper)

    @staticmethod
    def build_include_dirs(compute: bool = True) -> list[str]:
        dirs = [d.rstrip("/") for d in ENV_INCLUDES if d not in (".", "..")]
        dirs += list(HAL_INCLUDES) + (list(HAL_COMPUTE_INCLUDES) if compute else []) + [FIRMWARE_INCLUDE]
        return dirs

    @classmethod
    def from_wheel(cls, wheel: Path) -> "HeaderTree":
        """Every header of a `ttnn` wheel, read into memory (about 15 MB), keyed relative to its `ttnn/`."""
        files: dict[str, str] = {}
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.startswith(_WHEEL_ROOT) and name.endswith(_HEADER_SUFFIXES):
                    files[name[len(_WHEEL_ROOT):]] = archive.read(name).decode("utf-8", errors="replace")
        return cls(files.get, cls.build_include_dirs(), _WHEEL_ROOT)

    @classmethod
    def from_folder(cls, root: Path) -> "HeaderTree":
        """Headers under `root` (a folder holding `tt_metal/`, such as the header cache)."""

        def read(rel: str) -> str | None:
            path = root / rel
            try:
                return path.read_text(errors="replace") if path.is_file() else None
            except OSError:
                return None

        return cls(read, cls.build_include_dirs())

    def source(self, key: str) -> str | None:
        """The text of a header by its include path (as `resolve` returns it)."""
        return self._read(key)

    def resolve(self, target: str, including_dir: str, quoted: bool = True) -> str | None:
        """The header key an `#include` names: beside the including file first (quoted form), then each -I."""
        candidates = [posixpath.normpath(posixpath.join(including_dir, target))] if quoted else []
        candidates += [posixpath.normpath(posixpath.join(d, target)) for d in ("", *self.include_dirs)]
        for key in candidates:
            if key in self._decls:
                if self._decls[key] is not None:
                    return key
                continue
            text = self._read(key) if not key.startswith("..") else None
            if text is None:
                self._decls[key] = None
                continue
            self._decls[key] = read_declarations(text)
            self._includes[key] = _include_lines(text)
            return key
        return None

    def visible(self, source: str, path: str) -> "Visible":
        """Everything the headers `source` includes (transitively) declare; `path` locates its own folder."""
        own_dir = posixpath.dirname(path.removeprefix(self.path_prefix))
        roots = tuple(self.resolve(t, own_dir, q == '"') or "" for q, t in _INCLUDE.findall(source))
        if roots not in self._closure:
            visible = Visible()
            seen: set[str] = set()
            todo = [r for r in roots if r]
            visible.unconditional.update(todo)
            while todo:
                key = todo.pop()
                if key in seen:
                    continue
                seen.add(key)
                decls = self._decls[key]
                visible.add(decls, key)
                for target, quoted, conditional in self._includes.get(key, ()):
                    found = self.resolve(target, posixpath.dirname(key), quoted)
                    if found is not None and found not in seen:
                        todo.append(found)
                        if not conditional and key in visible.unconditional:
                            visible.unconditional.add(found)
            self._closure[roots] = visible
        return self._closure[roots]


@dataclass
class Visible:
    """The declarations one file can see: qualified name -> (kind, header), and the headers' usings."""

    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    usings: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)  # every header reached, by include path
    values: dict[str, object] = field(default_factory=dict)  # literal values of constants (see HeaderDecls)
    unconditional: set[str] = field(default_factory=set)  # those reached without passing an #if block

    def add(self, decls: HeaderDecls, header: str) -> None:
        self.headers.append(header)
        for name, kind in decls.names.items():
            self.names.setdefault(name, (kind, header))
        for name, literal in decls.values.items():
            if self.values.get(name, literal) != literal:
                literal = _CONFLICT
            self.values[name] = literal
        self.usings.extend(u for u in decls.usings if u not in self.usings)

    def literal(self, qualified: str) -> int | None:
        """The integer a declared constant is defined as, when every definition the headers give agrees."""
        value = self.values.get(qualified)
        return None if value is None or value is _CONFLICT else value  # type: ignore[return-value]

    def alias_target(self, name: str, scopes: Sequence[str]) -> str | None:
        """What a header's `using name = target;` names, as written (for aliases of built-in types)."""
        for scope in [*scopes, *(u + "::" for u in self.usings)]:
            hit = self.names.get(scope + name.removeprefix("::"))
            if hit is not None:
                return hit[0].split(":", 1)[1] if hit[0].startswith("typealias:") else None
        return None

    def find(self, name: str, scopes: Sequence[str]) -> tuple[str, str, str] | None:
        """(qualified name, kind, header) of `name` as written inside `scopes` (namespace prefixes, innermost
        first, "" last for the global one), following `using a::b;` aliases; None when nothing declares it."""
        name = name.removeprefix("::")
        alias = alias_header = None
        for _ in range(4):
            for scope in [*scopes, *(u + "::" for u in self.usings)]:
                hit = self.names.get(scope + name)
                if hit is None:
                    continue
                kind, header = hit
                if not kind.startswith(("alias:", "typealias:")):
                    return scope + name, kind, header
                # the target is looked up from the alias's own namespace outwards; an alias of something no
                # header declares (`using T = float;`) is a declared type itself
                if kind.startswith("typealias:"):
                    alias, alias_header = scope + name, header
                parts = (scope + name).split("::")[:-1]
                name = kind.split(":", 1)[1].removeprefix("::")
                scopes = ["".join(p + "::" for p in parts[:i]) for i in range(len(parts), 0, -1)] + [""]
                break
            else:
                return (alias, TYPE, alias_header) if alias is not None else None
        return None
