"""Check an emitted host program against a manifest of the real TT-Metalium host API.

`check_host(path)` parses the host .cpp with tree-sitter and checks, against `host_api.json` (names, overloads,
struct fields, methods and enumerators transcribed from the real `tt_metal/api/tt-metalium/*.hpp` headers):

* every call: the function exists in a namespace that is visible at that point (`using namespace`, namespace
  qualification, namespace aliases, argument-dependent lookup) and some overload takes that many arguments;
* every constructor call, brace initialisation and designated initialisation of an API type: a constructor takes
  that many arguments, an aggregate has that many fields, designators name fields in declaration order;
* every method call on an object whose type is known (declared, or `auto` from an API call, a constructor, a
  structured binding, a range-for over a known container), through `.` and `->` (smart pointers included);
* every `Enum::enumerator` and `namespace::name` value, every type named in a declaration;
* calls of the previous-generation single-device API (`CreateDevice`, `EnqueueProgram`, `CreateBuffer`, ...),
  reported as not part of the current API with the mesh replacement.

Names under `std::` and `fmt::` are allowed unchecked; the project's own helpers are read from the quoted
includes beside the file (the emitted `ttgen_io.hpp`) and from the file itself. This is not a C++ type checker:
argument *types* are not matched against parameter types, and an object whose type cannot be followed is not
checked (see docs/host-api-check.md for exactly what is and is not covered).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import tree_sitter_cpp
from tree_sitter import Language, Node, Parser

from ..errors import Location, TtgenError

MANIFEST = Path(__file__).with_name("host_api.json")
_LANGUAGE = Language(tree_sitter_cpp.language())

STD_NAMESPACES = ("std", "fmt")
# Language keywords that tree-sitter parses as calls, and C library functions a host program may call bare.
BUILTIN_CALLS = {"static_cast", "reinterpret_cast", "const_cast", "dynamic_cast", "sizeof", "alignof", "decltype",
                 "offsetof", "assert", "printf", "fprintf", "snprintf", "puts", "memcpy", "memset", "strlen",
                 "abort", "exit"}
# Containers whose element type a range-for yields (the first template argument).
_SEQUENCES = {"std::vector", "std::array", "std::set", "std::unordered_set", "std::list", "std::deque",
              "std::initializer_list", "std::span", "tt::stl::Span", "stl::Span", "{}"}
_MAPS = {"std::map", "std::unordered_map"}
_SMART = {"std::shared_ptr", "std::unique_ptr"}
# Methods a class gets from a standard base class named in the manifest's "bases".
_STD_BASE_METHODS = {"std::enable_shared_from_this": {"shared_from_this", "weak_from_this"}}
_TYPE_KINDS = {"type", "struct", "enum"}


class HostDiagnostic(TtgenError):
    """One problem in a host program, shown as `file:line: message`."""

    kind = "host-api"


# ----- types ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CType:
    """A C++ type as far as the checker follows it: a qualified name, template arguments, pointer depth.

    References and cv-qualifiers are dropped. `name` is canonical for API types ("tt::tt_metal::Program"), "std::..."
    for the standard library, the spelling for anything else.
    """

    name: str
    args: tuple[CType, ...] = ()
    ptr: int = 0
    label: str | None = field(default=None, compare=False)  # the alias it was spelled with, e.g. "CoreCoord"

    def pointee(self) -> CType | None:
        if self.ptr:
            return CType(self.name, self.args, self.ptr - 1, self.label)
        if self.name in _SMART and self.args:
            return self.args[0]
        return None


_TOKEN = re.compile(r"::|\.\.\.|[A-Za-z_]\w*|\d+|&&|[<>,*&()\[\]{}]|\S")
_IGNORED_WORDS = {"const", "volatile", "typename", "struct", "class", "enum", "unsigned", "signed", "constexpr"}


def parse_type_text(text: str) -> CType | None:
    """Parse manifest type text ("const std::vector<CoreRange>&") into a CType with unresolved names."""
    tokens = _TOKEN.findall(text)
    pos = 0

    def parse() -> CType | None:
        nonlocal pos
        while pos < len(tokens) and tokens[pos] in _IGNORED_WORDS:
            pos += 1
        parts: list[str] = []
        if pos < len(tokens) and tokens[pos] == "::":
            pos += 1
        while pos < len(tokens) and re.fullmatch(r"[A-Za-z_]\w*|\d+", tokens[pos]):
            parts.append(tokens[pos])
            pos += 1
            if pos < len(tokens) and tokens[pos] == "::":
                pos += 1
            else:
                break
        if not parts:
            return None
        args: list[CType] = []
        if pos < len(tokens) and tokens[pos] == "<":
            pos += 1
            while pos < len(tokens) and tokens[pos] != ">":
                start = pos
                arg = parse()
                depth = 0
                while pos < len(tokens) and not (depth == 0 and tokens[pos] in (",", ">")):
                    depth += tokens[pos] in "<(" or 0
                    depth -= tokens[pos] in ">)" or 0
                    pos += 1
                if arg is not None:
                    args.append(arg)
                if pos == start:
                    pos += 1
                if pos < len(tokens) and tokens[pos] == ",":
                    pos += 1
            pos += 1
        ptr = 0
        while pos < len(tokens) and tokens[pos] in ("*", "&", "&&", "const", "volatile"):
            ptr += tokens[pos] == "*"
            pos += 1
        return CType("::".join(parts), tuple(args), ptr)

    return parse()


# ----- manifest ------------------------------------------------------------------------------------------------


def _join(scope: str, name: str) -> str:
    return f"{scope}::{name}" if scope else name


def _parents(scope: str) -> list[str]:
    """'a::b::c' -> ['a::b::c', 'a::b', 'a', '']."""
    out = []
    while scope:
        out.append(scope)
        scope = scope.rpartition("::")[0]
    out.append("")
    return out


class Manifest:
    """Indexes over host_api.json: entries by qualified name (and by their `also_in` spellings), methods by class,
    enumerators by enum, and every namespace the entries live in."""

    def __init__(self, data: dict):
        self.data = data
        self.entries: list[dict] = data["entries"]
        self.by_name: dict[str, dict] = {}  # every spelling (qualified, also_in) -> entry
        self.methods: dict[str, dict[str, dict]] = {}
        self.namespaces: set[str] = set(data.get("namespaces", ()))
        for entry in self.entries:
            if entry["kind"] == "method":
                self.methods.setdefault(entry["class"], {})[entry["name"]] = entry
                continue
            self.by_name[entry["qualified_name"]] = entry
            for scope in entry.get("also_in", ()):
                self.by_name.setdefault(_join(scope, entry["name"]), entry)
        for entry in self.entries:  # an unscoped enum's enumerators are also names of the enclosing scope
            if entry["kind"] == "enum" and not entry.get("scoped", True):
                scope = entry["qualified_name"].rpartition("::")[0]
                for name in entry["enumerators"]:
                    self.by_name.setdefault(_join(scope, name), {
                        "kind": "enumerator", "name": name, "qualified_name": _join(scope, name),
                        "namespace": entry["namespace"], "enum": entry["qualified_name"], "status": "current"})
        self.by_last: dict[str, list[dict]] = {}  # "CreateProgram" -> entries whose qualified name ends so
        for entry in self.entries:
            self.namespaces.update(_parents(entry["namespace"]))
            self.by_last.setdefault(entry["name"], []).append(entry)
        self.namespaces.discard("")

    def declared_as(self, spelled: str) -> dict | None:
        """A current entry whose qualified name ends with `spelled` (for 'not visible here' hints)."""
        last = spelled.rpartition("::")[2]
        for entry in self.by_last.get(last, ()):
            qname = entry["qualified_name"]
            if entry.get("status", "current") == "current" and (qname == spelled or qname.endswith("::" + spelled)):
                return entry
        return None

    def lookup(self, qname: str) -> dict | None:
        return self.by_name.get(qname)

    def names_in(self, scope: str) -> dict[str, dict]:
        """Every name directly in a namespace, class or (unscoped or scoped) enum: for suggestions."""
        out: dict[str, dict] = {}
        prefix = scope + "::" if scope else ""
        for qname, entry in self.by_name.items():
            if qname.startswith(prefix) and "::" not in qname[len(prefix):]:
                out[qname[len(prefix):]] = entry
        for ns in self.namespaces:
            if ns.startswith(prefix) and "::" not in ns[len(prefix):]:
                out.setdefault(ns[len(prefix):], {"kind": "namespace", "qualified_name": ns})
        return out

    def resolve_type(self, ctype: CType | None, scopes: list[str]) -> CType | None:
        """Resolve the names in a manifest type (read in `scopes`, innermost first) to canonical names."""
        if ctype is None:
            return None
        args = tuple(a for a in (self.resolve_type(arg, scopes) for arg in ctype.args) if a is not None)
        name = ctype.name
        if name.split("::")[0] in STD_NAMESPACES:
            return CType(name, args, ctype.ptr)
        for scope in scopes:
            entry = self.lookup(_join(scope, name))
            if entry is not None and entry["kind"] in _TYPE_KINDS:
                target = self.canonical(entry)
                if target is None:
                    return None
                return CType(target.name, target.args or args, target.ptr + ctype.ptr, target.label)
        return CType(name, args, ctype.ptr)

    def canonical(self, entry: dict) -> CType | None:
        """The type an entry denotes, following aliases (CoreCoord -> tt_xy_pair -> tt::xy_pair)."""
        label = entry["name"] if "alias_of" in entry else None
        seen = set()
        while "alias_of" in entry and entry["qualified_name"] not in seen:
            seen.add(entry["qualified_name"])
            target = parse_type_text(entry["alias_of"])
            if target is None:
                return None
            resolved = self.resolve_type(target, _parents(entry["namespace"]))
            nxt = self.lookup(resolved.name) if resolved is not None else None
            if nxt is None or nxt["kind"] not in _TYPE_KINDS:
                return resolved
            entry = nxt
        return CType(entry["qualified_name"], label=label)

    def type_entry(self, ctype: CType | None) -> dict | None:
        if ctype is None or ctype.ptr:
            return None
        entry = self.lookup(ctype.name)
        return entry if entry is not None and entry["kind"] in _TYPE_KINDS else None


@lru_cache(maxsize=4)
def _load(path: str) -> Manifest:
    return Manifest(json.loads(Path(path).read_text()))


def load_manifest(path: str | Path | None = None) -> Manifest:
    return _load(str(path or MANIFEST))


# ----- helpers -------------------------------------------------------------------------------------------------


def _text(node: Node) -> str:
    return node.text.decode(errors="replace")


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _args(node: Node | None) -> list[Node]:
    if node is None:
        return []
    return [c for c in node.named_children if c.type != "comment"]


def _counts(overloads: list[dict]) -> set[int] | None:
    """The argument counts some overload accepts; None when one is variadic."""
    out: set[int] = set()
    for ov in overloads:
        if ov.get("variadic"):
            return None
        out.update(range(ov["min_args"], ov["max_args"] + 1))
    return out


def _describe_counts(counts: set[int]) -> str:
    runs: list[tuple[int, int]] = []
    for n in sorted(counts):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    parts = []
    for lo, hi in runs:
        parts.append(str(lo) if lo == hi else f"{lo} or {hi}" if hi == lo + 1 and len(runs) == 1 else f"{lo} to {hi}")
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]
    plural = not (len(counts) == 1 and 1 in counts)
    return f"{text} argument{'s' if plural else ''}"


def _label(entry: dict, ctype: CType | None = None) -> str:
    """How a type is named in messages: the alias it was spelled with, else its name inside its namespace."""
    if ctype is not None and ctype.label:
        return ctype.label
    return entry["qualified_name"].removeprefix(entry["namespace"] + "::") if entry["namespace"] else entry["name"]


def _closest(name: str, candidates) -> str | None:
    match = difflib.get_close_matches(name, sorted(set(candidates) - {name}), n=1, cutoff=0.6)
    return match[0] if match else None


def _suggest(name: str, candidates, fmt=lambda s: s) -> str:
    match = _closest(name, candidates)
    return f" (did you mean '{fmt(match)}'?)" if match else ""


def _qualified_parts(node: Node) -> tuple[list[str], Node | None]:
    """Flatten a qualified_identifier into its segments; also return a trailing template argument list.

    A leading `::` gives a first segment of "".
    """
    parts: list[str] = []
    targs = None
    cur: Node | None = node
    first = True
    while cur is not None:
        if cur.type in ("qualified_identifier", "nested_namespace_specifier"):
            scope = cur.child_by_field_name("scope")
            if scope is None and first and cur.type == "qualified_identifier" and _text(cur).startswith("::"):
                parts.append("")
            if scope is not None:
                if scope.type == "template_type":
                    parts.append(_text(scope.child_by_field_name("name")))
                elif scope.type in ("nested_namespace_specifier", "qualified_identifier"):
                    sub, _ = _qualified_parts(scope)
                    parts.extend(sub)
                else:
                    parts.append(_text(scope))
            first = False
            cur = cur.child_by_field_name("name")
            if cur is None and parts:  # namespace alias targets: children without field names
                break
        elif cur.type in ("template_function", "template_type", "template_method"):
            parts.append(_text(cur.child_by_field_name("name")))
            targs = cur.child_by_field_name("arguments")
            cur = None
        else:
            parts.append(_text(cur))
            cur = None
    return parts, targs


def _alias_target(node: Node) -> str:
    """`namespace d = a::b::c;` -> 'a::b::c'."""
    names = [_text(n) for n in _walk(node) if n.type in ("namespace_identifier", "identifier")]
    return "::".join(names[1:])


def _walk(node: Node):
    yield node
    for child in node.named_children:
        yield from _walk(child)


# ----- the checker ---------------------------------------------------------------------------------------------


@dataclass
class _Function:
    """A function the project defines (in the host file or a quoted include): only its arity is checked."""

    qname: str
    counts: list[tuple[int, float]] = field(default_factory=list)  # (min, max) per declaration; max inf: variadic


class _Checker:
    def __init__(self, path: Path, display: str, manifest: Manifest):
        self.path = path
        self.display = display
        self.m = manifest
        self.diags: list[HostDiagnostic] = []
        self._seen: set[tuple[int, str]] = set()
        self.ns_stack: list[str] = [""]  # namespace being walked, innermost last
        self.scopes: list[dict] = [{"vars": {}, "usings": [], "using_names": {}, "aliases": {}}]
        self.functions: dict[str, _Function] = {}  # project functions by qualified name
        self.local_types: set[str] = set()  # project types by qualified name
        self.local_namespaces: set[str] = set()
        self.template_params: list[set[str]] = []

    # ----- reporting --------------------------------------------------------------------------------------

    def report(self, node: Node, message: str) -> None:
        key = (_line(node), message)
        if key not in self._seen:
            self._seen.add(key)
            self.diags.append(HostDiagnostic(message, Location(self.display, _line(node))))

    def report_status(self, node: Node, spelled: str, entry: dict) -> None:
        note = entry.get("note", "")
        use = entry.get("replacement")
        self.report(node, f"'{spelled}' is not part of the current TT-Metalium host API"
                          f"{': ' + note if note else ''}{'; use ' + use if use else ''}")

    # ----- scopes -----------------------------------------------------------------------------------------

    def push(self) -> None:
        self.scopes.append({"vars": {}, "usings": [], "using_names": {}, "aliases": {}})

    def pop(self) -> None:
        self.scopes.pop()

    def bind(self, name: str, ctype: CType | None) -> None:
        self.scopes[-1]["vars"][name] = ctype

    def var(self, name: str) -> tuple[bool, CType | None]:
        for scope in reversed(self.scopes):
            if name in scope["vars"]:
                return True, scope["vars"][name]
        return False, None

    def usings(self) -> list[str]:
        return [ns for scope in reversed(self.scopes) for ns in scope["usings"]]

    def using_std(self) -> bool:
        return any(ns.split("::")[0] in STD_NAMESPACES for ns in self.usings())

    def aliases(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for scope in self.scopes:
            out.update(scope["aliases"])
        return out

    def using_names(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for scope in self.scopes:
            out.update(scope["using_names"])
        return out

    def lookup_scopes(self) -> list[str]:
        """Namespaces searched for an unqualified name, innermost first."""
        out: list[str] = []
        for ns in _parents(self.ns_stack[-1]):
            if ns:
                out.append(ns)
        for ns in self.usings():
            if ns not in out:
                out.append(ns)
        out.append("")
        return out

    def is_namespace(self, qname: str) -> bool:
        return qname in self.m.namespaces or qname in self.local_namespaces

    def resolve_namespace(self, spelled: str) -> str | None:
        parts = spelled.split("::")
        if parts[0] == "":
            return "::".join(parts[1:]) if self.is_namespace("::".join(parts[1:])) else None
        alias = self.aliases().get(parts[0])
        if alias is not None:
            parts = alias.split("::") + parts[1:]
            return "::".join(parts) if self.is_namespace("::".join(parts)) else None
        if parts[0] in STD_NAMESPACES:
            return spelled
        for base in self.lookup_scopes():
            full = _join(base, "::".join(parts))
            if self.is_namespace(full):
                return full
        return None

    # ----- project declarations (pre-pass) ----------------------------------------------------------------

    def collect(self, root: Node, prefix: str = "") -> None:
        for node in root.named_children:
            t = node.type
            if t == "namespace_definition":
                name = node.child_by_field_name("name")
                inner = _join(prefix, _text(name)) if name is not None else prefix
                for ns in _parents(inner):
                    if ns:
                        self.local_namespaces.add(ns)
                body = node.child_by_field_name("body")
                if body is not None:
                    self.collect(body, inner)
            elif t == "template_declaration":
                self.collect(node, prefix)
            elif t == "function_definition" or (t == "declaration" and any(
                    d.type == "function_declarator" for d in node.children_by_field_name("declarator"))):
                self._collect_function(node, prefix)
            elif t in ("struct_specifier", "class_specifier", "enum_specifier", "union_specifier"):
                name = node.child_by_field_name("name")
                if name is not None:
                    self.local_types.add(_join(prefix, _text(name)))
            elif t in ("alias_declaration", "type_definition"):
                name = node.child_by_field_name("name") or node.child_by_field_name("declarator")
                if name is not None:
                    self.local_types.add(_join(prefix, _text(name)))
            elif t == "declaration":
                spec = node.child_by_field_name("type")
                if spec is not None and spec.type in ("struct_specifier", "class_specifier", "enum_specifier"):
                    name = spec.child_by_field_name("name")
                    if name is not None:
                        self.local_types.add(_join(prefix, _text(name)))

    def _collect_function(self, node: Node, prefix: str) -> None:
        decl = node.child_by_field_name("declarator")
        while decl is not None and decl.type in ("pointer_declarator", "reference_declarator"):
            decl = decl.child_by_field_name("declarator") or (decl.named_children[-1] if decl.named_children else None)
        if decl is None or decl.type != "function_declarator":
            return
        name_node = decl.child_by_field_name("declarator")
        if name_node is None:
            return
        parts, _ = _qualified_parts(name_node) if name_node.type == "qualified_identifier" else ([_text(name_node)], None)
        qname = _join(prefix, "::".join(p for p in parts if p))
        lo, hi = 0, 0.0
        for p in _args(decl.child_by_field_name("parameters")):
            if p.type == "variadic_parameter_declaration" or _text(p) == "...":
                hi = float("inf")
            elif p.type == "optional_parameter_declaration":
                hi += 1
            elif p.type == "parameter_declaration" and _text(p).strip() != "void":
                lo += 1
                hi += 1
        self.functions.setdefault(qname, _Function(qname)).counts.append((lo, hi))

    def collect_includes(self, root: Node) -> None:
        for node in root.named_children:
            if node.type != "preproc_include":
                continue
            target = node.child_by_field_name("path")
            if target is None or target.type != "string_literal":
                continue
            name = _text(target).strip('"')
            header = self.path.parent / name
            if not header.is_file():
                self.report(node, f"included file '{name}' not found beside the host program")
                continue
            tree = Parser(_LANGUAGE).parse(header.read_bytes())
            self.collect(tree.root_node)

    # ----- name lookup ------------------------------------------------------------------------------------

    def candidates(self, name: str, extra_scopes: list[str] = ()) -> list[dict]:
        """Manifest entries an unqualified name can mean here (ordinary lookup plus the given ADL namespaces)."""
        out: list[dict] = []
        using = self.using_names().get(name)
        if using is not None:
            entry = self.m.lookup(using)
            if entry is not None:
                out.append(entry)
        for scope in list(self.lookup_scopes()) + list(extra_scopes):
            entry = self.m.lookup(_join(scope, name))
            if entry is not None and entry not in out:
                out.append(entry)
        return out

    def project_function(self, name: str) -> _Function | None:
        for scope in self.lookup_scopes():
            fn = self.functions.get(_join(scope, name))
            if fn is not None:
                return fn
        return None

    def project_type(self, name: str) -> bool:
        if any(name in params for params in self.template_params):
            return True
        return any(_join(scope, name) in self.local_types for scope in [""] + self.lookup_scopes())

    def resolve_qualified(self, parts: list[str]) -> tuple[str, object]:
        """Resolve `a::b::c` (a value, function or type spelling).

        Returns one of ("std", None), ("unchecked", None), ("project", qname), ("entry", entry),
        ("enumerator", (enum_entry, name)), ("unknown_member", (scope_qname, scope_kind)), ("unknown_scope", None).
        """
        if parts and parts[0] == "":  # `::x`: the global namespace and the namespaces it nominates
            bases, parts = [""] + self.scopes[0]["usings"], parts[1:]
        else:
            bases = self.lookup_scopes()
        alias = self.aliases().get(parts[0]) if parts else None
        if alias is not None:
            parts, bases = alias.split("::") + parts[1:], [""]
        if not parts or parts[0] in STD_NAMESPACES:
            return "std", None
        joined = "::".join(parts)
        scope_spelled = "::".join(parts[:-1])
        for base in bases:  # first: a base where the whole name is declared
            full = _join(base, joined)
            entry = self.m.lookup(full)
            if entry is not None:
                return "entry", entry
            if full in self.functions or full in self.local_types:
                return "project", full
        for base in bases:  # then: a base where the scope is known, to say what it does have
            full = _join(base, joined)
            scope_q = _join(base, scope_spelled)
            scope_entry = self.m.lookup(scope_q)
            if scope_entry is not None and scope_entry["kind"] in _TYPE_KINDS:
                canon = self.m.canonical(scope_entry)
                target = self.m.lookup(canon.name) if canon is not None else None
                target = target or scope_entry
                if target["kind"] == "enum":
                    if parts[-1] in target.get("enumerators", ()):
                        return "enumerator", (target, parts[-1])
                    return "unknown_member", (target["qualified_name"], "enum")
                methods = self.m.methods.get(target["qualified_name"], {})
                if parts[-1] in methods:
                    return "entry", methods[parts[-1]]
                if not target.get("methods_complete", True):
                    return "unchecked", None  # a member of a type whose members were not read
                return "unknown_member", (target["qualified_name"], "class")
            if self.is_namespace(scope_q) and scope_q:
                if scope_q in self.local_namespaces and scope_q not in self.m.namespaces:
                    return "unknown_member", (scope_q, "project")
                return "unknown_member", (scope_q, "namespace")
            if scope_q in self.local_types:
                return "project", full
        return "unknown_scope", None

    def suggestion_for(self, parts: list[str], scope_q: str, kind: str) -> str:
        prefix = "::".join(parts[:-1])
        if kind == "enum":
            entry = self.m.lookup(scope_q)
            names = entry.get("enumerators", ()) if entry else ()
        elif kind == "class":
            names = list(self.m.methods.get(scope_q, {})) + list(self.m.names_in(scope_q))
        elif kind == "project":
            names = [q.rpartition("::")[2] for q in self.functions if q.rpartition("::")[0] == scope_q]
        else:
            names = list(self.m.names_in(scope_q))
        return _suggest(parts[-1], names, lambda s: f"{prefix}::{s}")

    def visible_names(self) -> set[str]:
        names: set[str] = set()
        for scope in self.lookup_scopes():
            names.update(n for n, e in self.m.names_in(scope).items() if e.get("status", "current") == "current")
            names.update(q.rpartition("::")[2] for q in self.functions if q.rpartition("::")[0] == scope)
        return names

    # ----- types ------------------------------------------------------------------------------------------

    def check_type(self, node: Node | None) -> CType | None:
        """Check the names in a type spelling; return the type it denotes (None when not followed)."""
        if node is None:
            return None
        t = node.type
        if t in ("primitive_type", "sized_type_specifier"):
            return CType(_text(node))
        if t in ("placeholder_type_specifier", "auto", "decltype"):
            return None
        if t in ("struct_specifier", "class_specifier", "enum_specifier", "union_specifier"):
            self.visit_children(node)
            name = node.child_by_field_name("name")
            return CType(_text(name)) if name is not None else None
        if t == "type_descriptor":
            inner = self.check_type(node.child_by_field_name("type"))
            decl = node.child_by_field_name("declarator")
            if inner is not None and decl is not None:
                inner = CType(inner.name, inner.args, inner.ptr + _text(decl).count("*"))
            return inner
        if t == "template_type":
            base = self.check_type_name(node.child_by_field_name("name"), [_text(node.child_by_field_name("name"))])
            return self._with_args(base, node.child_by_field_name("arguments"))
        if t == "type_identifier":
            return self.check_type_name(node, [_text(node)])
        if t == "qualified_identifier":
            parts, targs = _qualified_parts(node)
            return self._with_args(self.check_type_name(node, parts), targs)
        self.visit_children(node)
        return None

    def _with_args(self, base: CType | None, targs: Node | None) -> CType | None:
        args = []
        for arg in _args(targs):
            args.append(self.check_type(arg) if arg.type == "type_descriptor" else self.visit(arg))
        if base is None:
            return None
        if base.args or not args:
            return base
        return CType(base.name, tuple(a if a is not None else CType("?") for a in args), base.ptr)

    def check_type_name(self, node: Node, parts: list[str]) -> CType | None:
        spelled = "::".join(parts)
        if len(parts) == 1:
            name = parts[0]
            if self.project_type(name):
                return CType(name)
            entries = [e for e in self.candidates(name) if e["kind"] in _TYPE_KINDS]
            current = [e for e in entries if e.get("status", "current") == "current"]
            if current:
                return self.m.canonical(current[0])
            if entries:
                self.report_status(node, spelled, entries[0])
                return None
            if self.using_std() or re.fullmatch(r"u?int\d+_t|u?intptr_t|size_t|ptrdiff_t|char\d+_t|wchar_t", name):
                return CType(name)
            names = {n for n, e in ((n, e) for s in self.lookup_scopes() for n, e in self.m.names_in(s).items())
                     if e.get("kind") in _TYPE_KINDS}
            names.update(t.rpartition("::")[2] for t in self.local_types)
            self.report(node, f"unknown type '{spelled}'{self.hidden(name) or _suggest(name, names)}")
            return None
        kind, found = self.resolve_qualified(parts)
        if kind == "unchecked":
            return None
        if kind == "std":
            return CType("std::" + "::".join(parts[1:]) if parts[0] == "std" else spelled)
        if kind == "project":
            return CType(found)
        if kind == "entry" and found["kind"] in _TYPE_KINDS:
            if found.get("status", "current") != "current":
                self.report_status(node, spelled, found)
                return None
            return self.m.canonical(found)
        if kind == "unknown_member":
            scope_q, scope_kind = found
            self.report(node, f"unknown type '{spelled}'{self.suggestion_for(parts, scope_q, scope_kind)}")
            return None
        if kind == "entry":
            self.report(node, f"'{spelled}' is not a type")
            return None
        self.report(node, f"unknown type '{spelled}'{self.scope_suggestion(parts)}")
        return None

    def hidden(self, spelled: str) -> str | None:
        """When `spelled` names an API entry that is not visible here: how to reach it."""
        entry = self.m.declared_as(spelled.lstrip(":"))
        if entry is None:
            return None
        return (f" (it is '{entry['qualified_name']}': qualify the name or add "
                f"'using namespace {entry['namespace'] or '::'};')")

    def scope_suggestion(self, parts: list[str]) -> str:
        """For `a::b` whose scope `a` is unknown: the nearest visible namespace or type name for `a`."""
        hint = self.hidden("::".join(parts))
        if hint is not None:
            return hint
        for i in range(len(parts) - 2, 0, -1):  # `tt::constant::TILE_HW`: the deepest scope that does resolve
            scope = self.resolve_namespace("::".join(parts[:i]))
            if scope is None:
                kind, found = self.resolve_qualified(parts[:i])
                scope = found["qualified_name"] if kind == "entry" and found["kind"] in _TYPE_KINDS else None
            if scope is not None:
                head, rest = "::".join(parts[:i]), "::".join(parts[i + 1:])
                names = [n for n in self.m.names_in(scope)] + [
                    q.rpartition("::")[2] for q in self.functions if q.rpartition("::")[0] == scope]
                return _suggest(parts[i], names, lambda s: f"{head}::{s}::{rest}")
        names = self.visible_names() | {ns.rpartition("::")[2] for ns in self.m.namespaces}
        rest = "::".join(parts[1:])
        return _suggest(parts[0], names, lambda s: f"{s}::{rest}")

    # ----- initialisation ---------------------------------------------------------------------------------

    def check_init(self, ctype: CType | None, init: Node, at: Node) -> None:
        """Check `T x{...}`, `T{...}`, `T x(...)` for an API type: designators, then the argument count."""
        items = _args(init)
        for item in items:
            self.visit(item.child_by_field_name("value") if item.type == "initializer_pair" else item)
        entry = self.m.type_entry(ctype)
        if entry is None:
            return
        designated = [i for i in items if i.type == "initializer_pair"]
        if not designated:
            self.check_init_counts(ctype, init, len(items), at)
            return
        label = _label(entry, ctype)
        if entry["kind"] != "enum" and "aggregate" not in entry:
            return  # a type known by name only: its members were not read
        if entry["kind"] == "enum" or not entry["aggregate"]:
            self.report(at, f"{label} is not an aggregate: designated initialisers are not allowed")
            return
        if len(designated) != len(items):
            self.report(at, f"{label}: cannot mix designated and positional initialisers")
        fields = [f["name"] for f in entry.get("fields", ())]
        last, seen = -1, set()
        for item in designated:
            names = [_text(d).lstrip(".") for d in item.children_by_field_name("designator")]
            name = names[0] if names else ""
            if name not in fields:
                self.report(item, f"unknown field '.{name}' of {label}{_suggest(name, fields, lambda s: '.' + s)}")
                continue
            if name in seen:
                self.report(item, f"{label}: field '.{name}' initialised twice")
            seen.add(name)
            index = fields.index(name)
            if index < last:
                self.report(item, f"{label}: designated initialisers out of declaration order "
                                  f"('.{name}' after '.{fields[last]}')")
            last = max(last, index)

    # ----- declarations -----------------------------------------------------------------------------------

    def declaration(self, node: Node) -> None:
        spec = node.child_by_field_name("type")
        declared = self.check_type(spec)
        for decl in node.children_by_field_name("declarator"):
            self.declarator(decl, declared, spec, node)

    def declarator(self, decl: Node, declared: CType | None, spec: Node | None, at: Node) -> None:
        t = decl.type
        if t == "init_declarator":
            target = decl.child_by_field_name("declarator")
            value = decl.child_by_field_name("value")
            ctype = declared
            if value is None:
                pass
            elif value.type == "initializer_list":
                self.check_init(declared, value, decl)
            elif value.type == "argument_list":
                self.check_init(declared, value, decl)
            else:
                inferred = self.visit(value)
                if declared is None:
                    ctype = inferred
            self.declarator(target, ctype, None, at)
            return
        if t == "identifier":
            if spec is not None and at.type == "declaration" and not self._is_extern(at):
                self.check_init_counts(declared, None, 0, decl)  # `T x;` needs a default constructor
            self.bind(_text(decl), declared)
            return
        if t in ("reference_declarator", "pointer_declarator", "array_declarator"):
            inner = decl.child_by_field_name("declarator") or next(
                (c for c in decl.named_children if c.type != "type_qualifier"), None)
            if t == "pointer_declarator" and declared is not None:
                declared = CType(declared.name, declared.args, declared.ptr + 1, declared.label)
            if t == "array_declarator":
                size = decl.child_by_field_name("size")
                if size is not None:
                    self.visit(size)
                declared = CType("std::array", (declared,)) if declared is not None else None
            if inner is not None:
                self.declarator(inner, declared, spec if t == "array_declarator" else None, at)
            return
        if t == "structured_binding_declarator":
            for i, ident in enumerate(c for c in decl.named_children if c.type == "identifier"):
                self.bind(_text(ident), self.component(declared, i))
            return
        if t == "function_declarator":
            return  # a local prototype
        self.visit(decl)

    @staticmethod
    def _is_extern(node: Node) -> bool:
        return any(c.type == "storage_class_specifier" and _text(c) == "extern" for c in node.children)

    def component(self, ctype: CType | None, i: int) -> CType | None:
        """The type of the i-th structured binding of a value of type `ctype`."""
        if ctype is None:
            return None
        if ctype.name in ("std::pair", "std::tuple") and i < len(ctype.args):
            return ctype.args[i]
        if ctype.name == "std::array" and ctype.args:
            return ctype.args[0]
        entry = self.m.type_entry(ctype)
        if entry is not None and entry.get("aggregate") and i < len(entry.get("fields", ())):
            return self.field_type(entry, entry["fields"][i]["name"])
        return None

    def element(self, ctype: CType | None) -> CType | None:
        """The element type a range-for over a value of type `ctype` yields."""
        if ctype is None or ctype.ptr:
            return None
        if ctype.name in _SEQUENCES:
            return ctype.args[0] if ctype.args else None
        if ctype.name in _MAPS and len(ctype.args) >= 2:
            return CType("std::pair", ctype.args[:2])
        entry = self.m.type_entry(ctype)
        if entry is not None and entry.get("element_type"):
            return self.m.resolve_type(parse_type_text(entry["element_type"]), _parents(entry["namespace"]))
        return None

    def field_type(self, entry: dict, name: str) -> CType | None:
        for f in entry.get("fields", ()):
            if f["name"] == name:
                scopes = [entry["qualified_name"]] + _parents(entry["namespace"])
                return self.m.resolve_type(parse_type_text(f["type"]), scopes)
        return None

    # ----- calls ------------------------------------------------------------------------------------------

    def call(self, node: Node) -> CType | None:
        fn = node.child_by_field_name("function")
        arg_nodes = _args(node.child_by_field_name("arguments"))
        arg_types = [self.visit(a) for a in arg_nodes]
        n = len(arg_nodes)
        if fn is None:
            return None
        if fn.type in ("identifier", "template_function") or (
                fn.type == "qualified_identifier"):
            if fn.type == "qualified_identifier":
                parts, targs = _qualified_parts(fn)
            elif fn.type == "template_function":
                parts, targs = [_text(fn.child_by_field_name("name"))], fn.child_by_field_name("arguments")
            else:
                parts, targs = [_text(fn)], None
            explicit = self._with_args(CType("?"), targs).args if targs is not None else ()
            if len(parts) == 1:
                return self.call_unqualified(fn, parts[0], n, arg_types, explicit, arg_nodes)
            return self.call_qualified(fn, parts, n, arg_types, explicit, node)
        if fn.type == "field_expression":
            return self.method_call(fn, n, node)
        self.visit(fn)
        return None

    def call_unqualified(self, fn: Node, name: str, n: int, arg_types: list, explicit: tuple,
                         arg_nodes: list[Node]) -> CType | None:
        found, _ = self.var(name)
        if found:
            return None  # a lambda or other callable object
        if name in BUILTIN_CALLS:
            return explicit[0] if explicit and name.endswith("_cast") else None
        project = self.project_function(name)
        if project is not None:
            self.check_project_arity(fn, name, project, n)
            return None
        adl = self.adl_scopes(arg_types)
        entries = self.candidates(name, adl)
        if not entries and self.project_type(name):
            return CType(name)
        if not entries:
            if self.using_std() or any(t is not None and t.name.startswith("std::") for t in arg_types):
                return None  # may be a standard function found through `using namespace std` or ADL
            self.report(fn, f"unknown function '{name}'{self.hidden(name) or _suggest(name, self.visible_names())}")
            return None
        return self.apply(fn, name, entries, n, arg_types, explicit, arg_nodes)

    def call_qualified(self, fn: Node, parts: list[str], n: int, arg_types: list, explicit: tuple,
                       node: Node) -> CType | None:
        spelled = "::".join(parts)
        kind, found = self.resolve_qualified(parts)
        if kind == "std":
            return self.std_call(parts, arg_types, explicit)
        if kind == "unchecked":
            return None
        if kind == "project":
            fn_def = self.functions.get(found)
            if fn_def is not None:
                self.check_project_arity(fn, spelled, fn_def, n)
            return None
        if kind == "entry":
            if found["kind"] == "method" and not any(ov.get("static") for ov in found["overloads"]):
                self.report(fn, f"{spelled} is not a static member function")
                return None
            return self.apply(fn, spelled, [found], n, arg_types, explicit, _args(node.child_by_field_name("arguments")))
        if kind == "enumerator":
            self.report(fn, f"'{spelled}' is an enumerator, not a function")
            return None
        if kind == "unknown_member":
            scope_q, scope_kind = found
            what = "enumerator" if scope_kind == "enum" else "method" if scope_kind == "class" else "function"
            self.report(fn, f"unknown {what} '{spelled}'{self.suggestion_for(parts, scope_q, scope_kind)}")
            return None
        self.report(fn, f"unknown function '{spelled}'{self.scope_suggestion(parts)}")
        return None

    def apply(self, fn: Node, spelled: str, entries: list[dict], n: int, arg_types: list, explicit: tuple,
              arg_nodes: list[Node]) -> CType | None:
        """Check a call of manifest entries (functions, a static method or a type's constructor)."""
        current = [e for e in entries if e.get("status", "current") == "current"]
        if not current:
            self.report_status(fn, spelled, entries[0])
            return None
        types = [e for e in current if e["kind"] in _TYPE_KINDS]
        if not types and not any(e["kind"] in ("function", "method") for e in current):
            self.report(fn, f"'{spelled}' is {'an enumerator' if current[0]['kind'] == 'enumerator' else 'a constant'}, "
                            "not a function")
            return None
        if types and not any(e["kind"] in ("function", "method") for e in current):
            ctype = self.m.canonical(types[0])
            arguments = fn.parent.child_by_field_name("arguments")
            self._last_types.update({a.id: t for a, t in zip(arg_nodes, arg_types)})
            self.check_init_counts(ctype, arguments, n, fn)
            return ctype
        overloads = [(e, ov) for e in current if e["kind"] in ("function", "method") for ov in e["overloads"]]
        counts = _counts([ov for _, ov in overloads])
        if counts is not None and n not in counts:
            self.report(fn, f"{spelled}: expected {_describe_counts(counts)}, got {n}")
            return None
        for entry, ov in overloads:
            if ov.get("variadic") or ov["min_args"] <= n <= ov["max_args"]:
                return self.return_type(entry, ov, arg_types, explicit)
        return None

    def check_init_counts(self, ctype: CType | None, arguments: Node | None, n: int, at: Node) -> None:
        """Construction of `ctype` from `n` (already visited) arguments: a constructor, an aggregate's fields, or an
        enum's functional cast must accept that many; one argument of the same (or an unknown) type is a copy."""
        entry = self.m.type_entry(ctype)
        if entry is None:
            return
        label = _label(entry, ctype)
        if entry["kind"] == "enum":
            if n > 1:
                self.report(at, f"{label}: expected 0 or 1 arguments, got {n}")
            return
        if "aggregate" not in entry:
            return  # a type known by name only: its constructors were not read
        if entry["aggregate"]:
            fields = entry.get("fields", ())
            if n > len(fields):
                self.report(at, f"{label}: too many initialisers ({len(fields)} fields, got {n})")
            return
        counts = _counts(entry.get("constructors", []))
        if counts is None or n in counts:
            return
        items = _args(arguments)
        if n == 1 and items:
            arg_type = self._last_types.get(items[0].id)
            if arg_type is None or self.m.type_entry(arg_type) is entry:
                return
        if not entry.get("constructors"):
            self.report(at, f"{label} has no public constructor: {entry.get('note', 'obtain it from the API')}")
        elif n == 0:
            self.report(at, f"{label} has no default constructor")
        else:
            self.report(at, f"{label} constructor: expected {_describe_counts(counts)}, got {n}")

    def check_project_arity(self, fn: Node, spelled: str, project: _Function, n: int) -> None:
        if any(lo <= n <= hi for lo, hi in project.counts):
            return
        if any(hi == float("inf") for _, hi in project.counts):
            least = min(lo for lo, _ in project.counts)
            self.report(fn, f"{spelled}: expected at least {least} argument{'s' if least != 1 else ''}, got {n}")
            return
        counts: set[int] = set()
        for lo, hi in project.counts:
            counts.update(range(lo, int(hi) + 1))
        self.report(fn, f"{spelled}: expected {_describe_counts(counts)}, got {n}")

    def return_type(self, entry: dict, ov: dict, arg_types: list, explicit: tuple) -> CType | None:
        text = ov.get("returns")
        if not text:
            return None
        scopes = ([entry["class"]] + _parents(entry["class"])) if entry["kind"] == "method" else _parents(entry["namespace"])
        ret = self.m.resolve_type(parse_type_text(text), scopes)
        if ret is None:
            return None
        # Template return types: bind T/DType from explicit template arguments or from a std::vector argument.
        if ov.get("template"):
            binding = explicit[0] if explicit else None
            if binding is None:
                for param, arg in zip(ov["params"], arg_types):
                    ptype = parse_type_text(param["type"])
                    if ptype is not None and ptype.args and ptype.args[0].name in ("T", "DType") and arg is not None \
                            and arg.args:
                        binding = arg.args[0]
                        break
            if binding is not None:
                ret = _substitute(ret, binding)
        return ret

    def std_call(self, parts: list[str], arg_types: list, explicit: tuple) -> CType | None:
        name = "::".join(parts)
        if name == "std::make_pair" and len(arg_types) == 2 and None not in arg_types:
            return CType("std::pair", tuple(arg_types))
        if name == "std::make_tuple" and arg_types and None not in arg_types:
            return CType("std::tuple", tuple(arg_types))
        if name in ("std::move", "std::forward", "std::ref", "std::cref") and arg_types:
            return arg_types[0]
        if name in ("std::make_shared", "std::make_unique") and explicit:
            return CType("std::shared_ptr" if name.endswith("shared") else "std::unique_ptr", (explicit[0],))
        return None

    def adl_scopes(self, arg_types: list) -> list[str]:
        out: list[str] = []

        def add(ctype: CType | None) -> None:
            if ctype is None:
                return
            entry = self.m.lookup(ctype.name)
            if entry is not None and entry["namespace"] not in out:
                out.append(entry["namespace"])
            for arg in ctype.args:
                add(arg)

        for t in arg_types:
            add(t)
        return out

    def method_call(self, fn: Node, n: int, node: Node) -> CType | None:
        obj_node = fn.child_by_field_name("argument")
        name = _text(fn.child_by_field_name("field"))
        arrow = any(c.type == "->" for c in fn.children)
        obj = self.visit(obj_node)
        if obj is None:
            return None
        if arrow:
            target = obj.pointee()
            if target is None:
                return None
        else:
            if obj.name in _SMART and not obj.ptr:
                return CType(obj.args[0].name, obj.args[0].args, obj.args[0].ptr + 1, obj.args[0].label) \
                    if name == "get" and obj.args else None
            target = obj if not obj.ptr else None
        if target is None or target.name.split("::")[0] in STD_NAMESPACES:
            return None
        entry = self.m.type_entry(target)
        if entry is None:
            return None
        label = _label(entry, target)
        method, complete = self.find_method(entry, name)
        if method is None:
            if complete:
                names = set(self.all_methods(entry)) | {f["name"] for f in entry.get("fields", ())}
                self.report(fn.child_by_field_name("field"),
                            f"unknown method '{name}' of {label}{_suggest(name, names)}")
            return None
        counts = _counts(method["overloads"])
        if counts is not None and n not in counts:
            self.report(fn.child_by_field_name("field"),
                        f"{label}::{name}: expected {_describe_counts(counts)}, got {n}")
            return None
        for ov in method["overloads"]:
            if ov["min_args"] <= n <= ov["max_args"]:
                return self.return_type(method, ov, [], ())
        return None

    def find_method(self, entry: dict, name: str) -> tuple[dict | None, bool]:
        """The method entry for `name` on a class (searching its bases); and whether the search was complete."""
        complete = entry.get("methods_complete", True)
        qname = entry["qualified_name"]
        method = self.m.methods.get(qname, {}).get(name)
        if method is not None:
            return method, True
        for base in entry.get("bases", ()):
            parsed = parse_type_text(base)
            if parsed is None:
                continue
            std_methods = _STD_BASE_METHODS.get(parsed.name)
            if std_methods is not None:
                if name in std_methods:
                    return None, False
                continue
            base_entry = self.m.type_entry(self.m.resolve_type(parsed, _parents(entry["namespace"])))
            if base_entry is None:
                complete = False
                continue
            found, base_complete = self.find_method(base_entry, name)
            if found is not None:
                return found, True
            complete = complete and (base_complete or entry.get("inherited_methods_listed", False))
        return None, complete

    def all_methods(self, entry: dict) -> list[str]:
        names = list(self.m.methods.get(entry["qualified_name"], {}))
        for base in entry.get("bases", ()):
            parsed = parse_type_text(base)
            base_entry = self.m.type_entry(self.m.resolve_type(parsed, _parents(entry["namespace"])))
            if base_entry is not None:
                names += self.all_methods(base_entry)
        return names

    # ----- the walk ---------------------------------------------------------------------------------------

    def run(self, source: bytes) -> list[HostDiagnostic]:
        self._last_types: dict[int, CType | None] = {}
        tree = Parser(_LANGUAGE).parse(source)
        root = tree.root_node
        bad = _first_error(root)
        if bad is not None:
            snippet = _text(bad).split("\n")[0][:60]
            self.report(bad, f"C++ syntax error near: {snippet}")
        self.collect_includes(root)
        self.collect(root)
        self.visit(root)
        return sorted(self.diags, key=lambda d: (d.location.line or 0))

    def visit_children(self, node: Node) -> None:
        for child in node.named_children:
            self.visit(child)

    def visit(self, node: Node | None) -> CType | None:
        if node is None:
            return None
        result = self._visit(node)
        self._last_types[node.id] = result
        return result

    def _visit(self, node: Node) -> CType | None:  # noqa: C901 - one dispatch over node types
        t = node.type
        if t in ("comment", "string_literal", "raw_string_literal", "char_literal", "number_literal", "true",
                 "false", "null", "nullptr", "this", "preproc_include", "system_lib_string", "field_identifier",
                 "primitive_type", "concatenated_string", "preproc_def", "preproc_call"):
            return None
        if t == "namespace_definition":
            name = node.child_by_field_name("name")
            self.ns_stack.append(_join(self.ns_stack[-1], _text(name)) if name is not None else self.ns_stack[-1])
            self.push()
            self.visit_children(node.child_by_field_name("body") or node)
            self.pop()
            self.ns_stack.pop()
            return None
        if t == "using_declaration":
            self.using(node)
            return None
        if t == "namespace_alias_definition":
            alias = _text(node.child_by_field_name("name"))
            target = _alias_target(node)
            resolved = self.resolve_namespace(target)
            if resolved is None:
                self.report(node, f"unknown namespace '{target}'{_suggest(target, self.m.namespaces)}")
            else:
                self.scopes[-1]["aliases"][alias] = resolved
            return None
        if t == "alias_declaration":
            self.check_type(node.child_by_field_name("type"))
            return None
        if t == "template_declaration":
            params = set()
            for p in _args(node.child_by_field_name("parameters")):
                ident = next((c for c in _walk(p) if c.type == "type_identifier"), None)
                if ident is not None:
                    params.add(_text(ident))
            self.template_params.append(params)
            for child in node.named_children:
                if child.type != "template_parameter_list":
                    self.visit(child)
            self.template_params.pop()
            return None
        if t == "function_definition":
            self.check_type(node.child_by_field_name("type"))
            self.push()
            decl = node.child_by_field_name("declarator")
            while decl is not None and decl.type != "function_declarator":
                decl = decl.child_by_field_name("declarator")
            if decl is not None:
                self.parameters(decl.child_by_field_name("parameters"))
            self.visit_children(node.child_by_field_name("body") or node)
            self.pop()
            return None
        if t == "lambda_expression":
            self.push()
            decl = node.child_by_field_name("declarator")
            if decl is not None:
                self.parameters(decl.child_by_field_name("parameters"))
            body = node.child_by_field_name("body")
            if body is not None:
                self.visit_children(body)
            self.pop()
            return None
        if t in ("compound_statement",):
            self.push()
            self.visit_children(node)
            self.pop()
            return None
        if t in ("for_statement", "while_statement", "if_statement", "switch_statement", "catch_clause"):
            self.push()
            self.visit_children(node)
            self.pop()
            return None
        if t == "for_range_loop":
            self.push()
            declared = self.check_type(node.child_by_field_name("type"))
            element = self.element(self.visit(node.child_by_field_name("right")))
            decl = node.child_by_field_name("declarator")
            if decl is not None:
                self.declarator(decl, declared if declared is not None else element, None, node)
            self.visit(node.child_by_field_name("body"))
            self.pop()
            return None
        if t == "declaration":
            if any(d.type == "function_declarator" for d in node.children_by_field_name("declarator")):
                return None
            self.declaration(node)
            return None
        if t in ("parameter_declaration", "optional_parameter_declaration"):
            self.parameters_one(node)
            return None
        if t == "call_expression":
            return self.call(node)
        if t == "compound_literal_expression":
            ctype = self.check_type(node.child_by_field_name("type"))
            self.check_init(ctype, node.child_by_field_name("value"), node)
            return ctype
        if t == "qualified_identifier":
            return self.qualified_value(node)
        if t == "identifier":
            found, ctype = self.var(_text(node))
            return ctype if found else None
        if t == "field_expression":
            return self.member(node)
        if t == "pointer_expression":
            operand = self.visit(node.child_by_field_name("argument"))
            op = node.children[0].type if node.children else ""
            if operand is None:
                return None
            if op == "*":
                return operand.pointee()
            if op == "&":
                return CType(operand.name, operand.args, operand.ptr + 1, operand.label)
            return None
        if t == "parenthesized_expression":
            inner = [self.visit(c) for c in node.named_children]
            return inner[-1] if inner else None
        if t == "initializer_list":
            types = [self.visit(c) for c in _args(node)]
            return CType("{}", (types[0],)) if types and types[0] is not None else None
        if t == "subscript_expression":
            base = self.visit(node.child_by_field_name("argument"))
            for c in node.named_children[1:]:
                self.visit(c)
            if base is not None and base.name in ("std::vector", "std::array", "std::deque") and base.args:
                return base.args[0]
            return None
        if t in ("type_descriptor", "template_type", "type_identifier"):
            return self.check_type(node)
        if t in ("sizeof_expression", "alignof_expression"):
            self.visit_children(node)
            return CType("size_t")
        if t == "cast_expression":
            ctype = self.check_type(node.child_by_field_name("type"))
            self.visit(node.child_by_field_name("value"))
            return ctype
        if t == "new_expression":
            ctype = self.check_type(node.child_by_field_name("type"))
            args = node.child_by_field_name("arguments")
            if args is not None:
                self.check_init(ctype, args, node)
            return CType(ctype.name, ctype.args, ctype.ptr + 1) if ctype is not None else None
        self.visit_children(node)
        return None

    def parameters(self, params: Node | None) -> None:
        for p in _args(params):
            self.parameters_one(p)

    def parameters_one(self, p: Node) -> None:
        if p.type not in ("parameter_declaration", "optional_parameter_declaration"):
            return
        ctype = self.check_type(p.child_by_field_name("type"))
        decl = p.child_by_field_name("declarator")
        default = p.child_by_field_name("default_value")
        if default is not None:
            self.visit(default)
        if decl is not None:
            self.declarator(decl, ctype, None, p)

    def using(self, node: Node) -> None:
        text = _text(node)
        m = re.fullmatch(r"using\s+namespace\s+([\w:]+)\s*;", text)
        if m:
            spelled = m.group(1)
            resolved = self.resolve_namespace(spelled)
            if resolved is None:
                names = set(self.m.namespaces) | self.local_namespaces
                guess = _closest(spelled, names)
                self.report(node, f"unknown namespace '{spelled}'" + (f" (did you mean '{guess}'?)" if guess else ""))
                if guess is not None:  # carry on as if corrected, so one typo gives one diagnostic
                    self.scopes[-1]["usings"].append(guess)
            else:
                self.scopes[-1]["usings"].append(resolved)
            return
        m = re.fullmatch(r"using\s+([\w:]+)\s*;", text)
        if m:
            parts = m.group(1).split("::")
            kind, found = self.resolve_qualified(parts)
            if kind == "entry":
                if found.get("status", "current") != "current":
                    self.report_status(node, m.group(1), found)
                self.scopes[-1]["using_names"][parts[-1]] = found["qualified_name"]
            elif kind == "unknown_member":
                scope_q, scope_kind = found
                self.report(node, f"unknown name '{m.group(1)}'{self.suggestion_for(parts, scope_q, scope_kind)}")
            elif kind == "unknown_scope":
                self.report(node, f"unknown name '{m.group(1)}'{self.scope_suggestion(parts)}")

    def qualified_value(self, node: Node) -> CType | None:
        parts, targs = _qualified_parts(node)
        if targs is not None:
            self._with_args(CType("?"), targs)
        spelled = "::".join(parts)
        kind, found = self.resolve_qualified(parts)
        if kind in ("std", "project", "unchecked"):
            return None
        if kind == "enumerator":
            return CType(found[0]["qualified_name"])
        if kind == "entry":
            if found.get("status", "current") != "current":
                self.report_status(node, spelled, found)
                return None
            if found["kind"] == "enumerator":
                return CType(found["enum"])
            if found["kind"] == "constant":
                return self.m.resolve_type(parse_type_text(found["type"]), _parents(found["namespace"]))
            return None
        if kind == "unknown_member":
            scope_q, scope_kind = found
            what = "enumerator" if scope_kind == "enum" else "name"
            self.report(node, f"unknown {what} '{spelled}'{self.suggestion_for(parts, scope_q, scope_kind)}")
            return None
        self.report(node, f"unknown name '{spelled}'{self.scope_suggestion(parts)}")
        return None

    def member(self, node: Node) -> CType | None:
        """`obj.field` / `ptr->field` outside a call: the field's type when the struct is known."""
        obj = self.visit(node.child_by_field_name("argument"))
        name = _text(node.child_by_field_name("field"))
        arrow = any(c.type == "->" for c in node.children)
        target = obj.pointee() if (obj is not None and arrow) else obj
        entry = self.m.type_entry(target)
        if entry is None:
            return None
        if any(f["name"] == name for f in entry.get("fields", ())):
            return self.field_type(entry, name)
        method, complete = self.find_method(entry, name)
        if method is None and complete and entry.get("fields"):
            label = _label(entry, target)
            names = [f["name"] for f in entry["fields"]] + self.all_methods(entry)
            self.report(node.child_by_field_name("field"), f"unknown member '{name}' of {label}{_suggest(name, names)}")
        return None


def _substitute(ctype: CType, binding: CType) -> CType:
    if ctype.name in ("T", "DType") and not ctype.args:
        return CType(binding.name, binding.args, binding.ptr + ctype.ptr)
    return CType(ctype.name, tuple(_substitute(a, binding) for a in ctype.args), ctype.ptr)


def _first_error(node: Node) -> Node | None:
    if node.type == "ERROR" or node.is_missing:
        return node
    if not node.has_error:
        return None
    for child in node.children:
        found = _first_error(child)
        if found is not None:
            return found
    return node


def check_host(path: str | Path, *, display: str | None = None,
               manifest: Manifest | None = None) -> list[HostDiagnostic]:
    """Check one host program against the host API manifest.

    Returns the problems found, sorted by line (empty when the program only uses the API as declared). Each is a
    `HostDiagnostic` whose `str()` is `file:line: message`; `display` is the file name shown (default: `path`).
    """
    path = Path(path)
    try:
        source = path.read_bytes()
    except OSError as exc:
        return [HostDiagnostic(f"cannot read: {exc.strerror}", Location(display or str(path)))]
    checker = _Checker(path, display or str(path), manifest or load_manifest())
    return checker.run(source)
