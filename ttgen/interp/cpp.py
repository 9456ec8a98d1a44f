"""C++ front end: tree-sitter parse of one emitted file, compiled once into Python functions.

Each C++ function becomes a Python function built as a Python `ast` whose line numbers are the C++ line
numbers and whose file name is the C++ file, so a fault in executed code (and the line a blocked thread is
waiting at) is read straight off the Python frame: no per-statement bookkeeping, no tree walking at run time.

The accepted subset is what kernel and host programs in the tt-metal programming examples use: declarations
(with `constexpr`, `auto`, structured bindings, brace and designated initialisers), integer and pointer
arithmetic, `for`/range-`for`/`while`/`do`/`if`, calls of API functions and of functions defined in the same
file, template arguments, method calls and member access on API objects, `using namespace`, namespaces.
Every name is resolved against the API table at compile time. Anything else is a `CompileError` naming the
file and line.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import tree_sitter_cpp
from tree_sitter import Language, Node, Parser

from ..cpp_keywords import CPP_KEYWORDS
from ..errors import Location, TtgenError
from . import cruntime
from .api import API, CONSTANT, FUNCTION, TYPE, Api, ApiEntry
from .declared import HeaderTree, NotModelled, Unmodelled, Visible
from .preprocess import PreprocessError, expand_attribute_macros, macros_of, needs_preprocessing, preprocess
from .scheduler import Scheduler

_LANGUAGE = Language(tree_sitter_cpp.language())

# Namespaces every file of a kind sees without a using-directive (the firmware wrappers bring them in).
IMPLICIT_USINGS = {"compute": ("ckernel",), "dataflow": (), "host": ()}


class CompileError(TtgenError):
    """Emitted C++ the interpreter cannot accept: unsupported syntax or an unknown/misused name."""


@dataclass
class CompiledFile:
    path: str
    kind: str  # "dataflow", "compute" or "host"
    functions: dict[str, Callable]
    includes: list[str]
    source_lines: list[str] = field(repr=False)
    unmodelled: dict[str, str] = field(default_factory=dict)  # declared-but-unmodelled name -> its header
    plain: frozenset[str] = frozenset()  # functions callable as they are (not templates, no reference outs)
    unmodelled_uses: dict = field(default_factory=dict)  # function (None: file scope) -> unmodelled names it uses
    # function templates callable from another file (a helper header's): name -> [(parameter, is typename,
    # default value thunk or None)], their explicit template arguments coming first, as CompiledFile.functions take
    templates: dict = field(default_factory=dict)
    calls: dict = field(default_factory=dict)  # function (None: file scope) -> the file's functions it calls
    constants: dict = field(default_factory=dict)  # file-scope constants and enumerators with their values

    def reached_unmodelled(self, name: str) -> dict[str, str]:
        """The unmodelled names `name` uses, itself or through the file's functions it calls, and file scope's."""
        seen, todo, found = set(), [name], dict(self.unmodelled_uses.get(None, {}))
        while todo:
            fn = todo.pop()
            if fn in seen:
                continue
            seen.add(fn)
            found.update(self.unmodelled_uses.get(fn, {}))
            todo.extend(self.calls.get(fn, ()))
        return found

    def entry(self, name: str) -> Callable:
        if name not in self.functions:
            raise CompileError(f"no function '{name}' defined", Location(self.path))
        return self.functions[name]


# Metal 2.0 kernels name their arguments, buffers, semaphores and accessors through namespaces the JIT writes
# per kernel from the host's bindings (jit_build/genfiles.cpp): args::x, dfb::x, sem::x, ta::x, tensor::x.
_GENERATED_NAMESPACES = frozenset({"args", "dfb", "sem", "ta", "tensor"})
_GENERATED_FUNCTIONS = frozenset({"get_vararg", "get_common_vararg"})  # also written into kernel_args_generated.h
GENERATED_HEADERS = ("kernel_args_generated.h / kernel_bindings_generated.h (written by the JIT from the host's "
                     "ProgramSpec)")

# C++'s alternative spellings of operators (lex.digraph), which some production kernels use.
_ALTERNATIVE_TOKENS = {"and": "&&", "or": "||", "bitand": "&", "bitor": "|", "xor": "^", "not_eq": "!="}

_SCALAR_TYPES = set(cruntime.INTEGRAL_STORE) | {"char", "void"}

# A name spelled as a macro, which a file compiled without its host may be missing: the host passes such names in
# CreateKernel's `defines` (ELTWISE_OP, REDUCE_DIM, BCAST_OP).
_MACRO_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_MACRO_WORD = re.compile(r"\b[A-Z][A-Z0-9_]{2,}\b")
_WORD = re.compile(r"\b[A-Za-z_]\w*\b")
HOST_DEFINES = "the host's CreateKernel defines (this file was compiled without its host)"



# Function-like macros of the API headers that wrap code, given to the preprocessor when a file uses them.
# UNPACK/MATH/PACK (api/compute/common_globals.h) keep their argument in one TRISC's build and drop it in the
# other two; the interpreter's compute thread is all three, so each part runs once. __builtin_bit_cast(T, x)
# takes a type as an argument, which no C++ grammar parses: it is std::bit_cast<T>(x) by another spelling.
_HEADER_MACROS = {
    "compute": {"UNPACK(...)": "__VA_ARGS__", "MATH(...)": "__VA_ARGS__", "PACK(...)": "__VA_ARGS__"},
    "any": {"__builtin_bit_cast(T, ...)": "std::bit_cast<T>(__VA_ARGS__)"},
    # tt_stl/assert.hpp: TT_ASSERT exists in DEBUG builds only; a release build drops it, arguments and all.
    "host": {"TT_ASSERT(...)": ""},
}
_HEADER_MACRO_USE = re.compile(r"\b(UNPACK|MATH|PACK|__builtin_bit_cast|TT_ASSERT)\s*\(")


def _header_macros(source: str, kind: str) -> dict[str, str]:
    used = set(_HEADER_MACRO_USE.findall(source))
    if not used:
        return {}
    table = {**_HEADER_MACROS["any"], **_HEADER_MACROS.get(kind, {})}
    return {k: v for k, v in table.items() if k.split("(")[0] in used}


class _ReturnOuts(ast.NodeTransformer):
    """Every `return x` of a function with reference parameters becomes `return (x, *their values)`."""

    def __init__(self, outs: list[str]):
        self.outs = outs

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        return node  # a lambda's returns are its own

    def visit_Return(self, node: ast.Return) -> ast.Return:
        node.value = _with_outs(node.value, self.outs)
        return node


def _with_outs(value: ast.expr | None, outs: list[str]) -> ast.Tuple:
    return ast.Tuple([value or ast.Constant(None)] + [ast.Name(o, ast.Load()) for o in outs], ast.Load())


def _substitute_types(text: str, names: tuple, values: tuple) -> str:
    """`volatile T*` with T = uint16_t is `volatile uint16_t*`."""
    for name, value in zip(names, values):
        text = re.sub(rf"\b{re.escape(name)}\b", str(value), text)
    return text


_NO_ARGUMENT = object()  # stands for an omitted argument of a parameter with a default


def per_kernel_constant(thunk: Callable[[], Any]) -> Any:
    """The value of a file-scope constant that reads its kernel's arguments, computed once per kernel instance."""
    if Scheduler._current is None:
        return thunk()  # called outside any run (a compiled function tried on its own): nothing to cache in
    values = Scheduler._current.thread.kernel.file_constants
    if thunk not in values:
        values[thunk] = thunk()
    return values[thunk]


def set_per_kernel(thunk: Callable[[], Any], value: Any) -> Any:
    """Assign a file-scope variable: the running kernel instance's copy (its initial value is `thunk`'s)."""
    if Scheduler._current is None:
        raise cruntime.CppRuntimeError("a global variable assigned outside any kernel run")
    Scheduler._current.thread.kernel.file_constants[thunk] = value
    return value


def _static_assert_failed(message: str) -> None:
    raise cruntime.CppRuntimeError(f"static assertion failed: {message}")


class Redeclaration(Exception):
    """A name declared twice in one scope (a C++ error the compiler reports at the declaration)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


@dataclass
class _Var:
    py: str  # Python local name
    store: Callable | None  # conversion applied when the variable is assigned (integer wrap), or None
    ref: bool = False  # declared as a reference: a copy here, so assigning to it would not reach the referent
    element_of: str | None = None  # a range-for `auto&` element: assigning writes back to this container slot
    bound: tuple[str, str] | None = None  # `T& r = c[i];`: (container, index) locals, read and written through
    mutable: bool = False  # a file-scope variable: one per kernel instance (each RISC-V has its own .data)
    written: bool = False
    deferred: bool = False  # a file constant evaluated per kernel instance: `py` names its thunk
    type_param: bool = False  # a function template's `typename T`: its value is the type's name


_NUM_SUFFIX = re.compile(r"(?i)(ull|llu|ul|lu|ll|u|l)$")  # integer suffixes only: "f" is a hex digit


def parse_number(text: str) -> int | float:
    t = text.replace("'", "")
    if re.fullmatch(r"(?i)[-+]?0x[0-9a-f]+(ull|llu|ul|lu|ll|u|l)?", t):
        return int(_NUM_SUFFIX.sub("", t), 16)
    if re.fullmatch(r"(?i)[-+]?0b[01]+(ull|llu|ul|lu|ll|u|l)?", t):
        return int(_NUM_SUFFIX.sub("", t), 2)
    if re.fullmatch(r"(?i)[-+]?[0-9]+(ull|llu|ul|lu|ll|u|l)?", t):
        core = _NUM_SUFFIX.sub("", t)
        if len(core.lstrip("+-")) > 1 and core.lstrip("+-").startswith("0"):
            return int(core, 8)
        return int(core)
    if re.fullmatch(r"(?i)[-+]?([0-9]*\.[0-9]+|[0-9]+\.?)(e[-+]?[0-9]+)?f?", t):
        return float(t.rstrip("fF"))
    raise ValueError(text)


_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "0": "\0"}


def _string_value(node: Node) -> str:
    out = []
    for child in node.named_children:
        if child.type == "string_content":
            out.append(child.text.decode())
        elif child.type == "escape_sequence":
            out.append(_ESCAPES.get(child.text.decode()[1:], child.text.decode()))
        else:
            raise ValueError(child.type)
    return "".join(out)


class _FunctionContext:
    def __init__(self, parent: "_FunctionContext | None" = None) -> None:
        self.scopes: list[dict[str, _Var]] = [{}]
        self.parent = parent  # the function a lambda is written in: its variables are the lambda's captures
        self.used: set[str] = set(parent.used) if parent else set()  # no shadowing a captured Python name
        self.temp = parent.temp + 1000 if parent else 0
        self.ret_store: Callable | None = None
        self.captured: dict[str, _Var] = {}  # outer variables a lambda body reads or writes
        self.hoisted: list[ast.stmt] = []  # lambda definitions to place before the statement that writes them
        self.handling = 0  # depth of catch handlers around the statement being compiled (`throw;` needs one)

    def declare(self, name: str, store: Callable | None, ref: bool = False) -> _Var:
        if name in self.scopes[-1]:
            raise Redeclaration(name)
        py = f"v_{name}"
        n = 1
        while py in self.used:
            py = f"v_{name}_{n}"
            n += 1
        self.used.add(py)
        var = _Var(py, store, ref)
        self.scopes[-1][name] = var
        return var

    def lookup(self, name: str) -> _Var | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if self.parent is not None:
            var = self.parent.lookup(name)
            if var is not None:
                self.captured[name] = var
            return var
        return None

    def fresh(self, stem: str) -> str:
        self.temp += 1
        return f"t_{stem}_{self.temp}"


class Compiler:
    """Compiles one C++ file of a given kind ("dataflow", "compute", "host") against an API table."""

    def __init__(self, path: str, source: str, kind: str, api: Api = API, defines: Mapping[str, str] | None = None,
                 headers: HeaderTree | None = None, lenient: bool = False):
        self.path = path
        # A helper header is compiled leniently: a declaration or function this front end refuses (or an overload
        # set) is left out, and only the names it defines stay unmodelled, instead of the whole header.
        self.lenient = lenient
        self.left_out: set[str] = set()
        self.standalone = False  # compiled without its host's defines (compile_source)
        self.bindings = None  # metal2.Bindings: what args::x, dfb::x, sem::x, tensor::x name (a ProgramSpec kernel)
        self.helper_macro_names: set[str] = set()  # macros the included helper headers define
        self.headers = headers
        self.visible: Visible | None = None  # what the included real headers declare (with `headers` only)
        self.unmodelled: dict[str, ApiEntry] = {}
        self.current_function: str | None = None  # the function being compiled (None at file scope)
        self.own_calls: dict[str | None, set[str]] = {}  # function -> the functions of this file it calls
        self.unmodelled_uses: dict[str | None, dict[str, str]] = {}  # function -> unmodelled names it reaches
        self.source = source
        self.defines = dict(defines or {})
        self.kind = kind
        self.api = api
        self.usings: list[str] = list(IMPLICIT_USINGS[kind])
        self.globals: dict[str, Any] = {"__builtins__": {}}
        self.bound: dict[int, str] = {}  # id(value) -> global name
        self.functions_defined: dict[str, Node] = {}
        self.overloads: dict[str, dict[int, str]] = {}  # name -> {argument count: the overload's own name}
        self.file_constants: dict[str, _Var] = {}
        self.includes: list[str] = []
        self.type_aliases: dict[str, str] = {}  # using name = type;
        self.template_aliases: dict[str, Node] = {}  # an aliased template type's text -> its type node
        self.using_names: dict[str, str] = {}  # `using a::b;` declarations: b -> a::b
        self.template_params: dict[str, list] = {}  # function template -> [(name, is typename, default node)]
        self.prototype_defaults: dict[str, list] = {}  # function template -> its prototype's parameters
        self.namespace_aliases: dict[str, str] = {}  # namespace name = a::b;
        self.local_types: dict[str, ApiEntry] = {}  # structs, unions and enums this file defines, by qualified name
        self.union_names: dict[int, str] = {}  # start byte of a union's definition -> the name it is registered by
        self.fn: _FunctionContext | None = None
        self.namespace = ""  # namespace being compiled, "a::b::" (for lookup of this file's own names)
        self._runtime_names()

    # ----- errors and helpers -------------------------------------------------------------------------------

    def error(self, node: Node, message: str) -> CompileError:
        return CompileError(message, Location(self.path, node.start_point[0] + 1))

    def unsupported(self, node: Node, what: str | None = None) -> CompileError:
        snippet = node.text.decode(errors="replace").split("\n")[0][:60]
        return self.error(node, f"unsupported C++ ({what or node.type}): {snippet}")

    def _runtime_names(self) -> None:
        for name in ("cdiv", "cmod", "cast", "tick", "member", "set_member", "deref", "subscript",
                     "store_subscript", "iterate", "unpack", "indices", "catches", "throw",
                     "invoke", "store_at"):
            self.globals[f"rt_{name}"] = getattr(cruntime, name)

    def bind(self, value: Any, stem: str) -> ast.expr:
        """Make `value` reachable from compiled code as a global; returns the Name to load it."""
        key = id(value)
        if key not in self.bound:
            name = f"g_{re.sub(r'[^0-9A-Za-z_]', '_', stem)}_{len(self.bound)}"
            self.globals[name] = value
            self.bound[key] = name
        return ast.Name(self.bound[key], ast.Load())

    def rt(self, name: str) -> ast.expr:
        return ast.Name(f"rt_{name}", ast.Load())

    @staticmethod
    def at(node: ast.AST, cpp: Node) -> ast.AST:
        node.lineno = node.end_lineno = cpp.start_point[0] + 1
        node.col_offset = node.end_col_offset = 0
        return node

    def call(self, fn: ast.expr, args: list[ast.expr], cpp: Node, keywords: list[ast.keyword] | None = None) -> ast.Call:
        return self.at(ast.Call(fn, args, keywords or []), cpp)

    # ----- entry ---------------------------------------------------------------------------------------------

    def compile(self) -> CompiledFile:
        source = self.source
        defines = {**_header_macros(source, self.kind), **self.defines}
        own = defines
        if self.headers is not None:
            defines = {**self._helper_macros(source, defines), **defines}
        try:
            source = self._preprocessed(defines)
        except CompileError:
            if not (self.standalone and defines != own):
                raise
            # alone, a helper's macros may need the host's defines to evaluate: go on without them
            defines = own
            source = self._preprocessed(own)
        if self.headers is not None:
            self.visible = self.headers.visible(source, self.path)
        tree = Parser(_LANGUAGE).parse(expand_attribute_macros(source).encode())
        root = tree.root_node
        bad = self._first_error(root)
        if bad is not None and self.standalone and self.headers is not None:
            source, root, bad = self._without_host_macros(source, root, bad, defines)
        if bad is not None:
            raise self.error(bad, "C++ syntax error near: " + bad.text.decode(errors="replace").split("\n")[0][:60])
        self._top_level(root.named_children, prefix="")
        functions = {}
        module_body = self._functions()
        module = ast.Module(module_body, [])
        ast.fix_missing_locations(module)
        code = compile(module, self.path, "exec")
        namespace = self.globals
        exec(code, namespace)  # noqa: S102 - executes our own lowering of the C++ AST, never spec text
        for name in self.functions_defined:
            functions[name] = namespace[self._py_function_name(name)]
        plain = set(n for n, node in self.functions_defined.items()
                    if n not in self.template_params and not self._out_positions(node))
        for name, table in self.overloads.items():  # called from elsewhere (a helper header): by argument count
            if all(mangled in functions for mangled in table.values()):
                functions[name] = _dispatcher(name, {n: functions[m] for n, m in table.items()})
                if all(m in plain for m in table.values()):
                    plain.add(name)
        plain = frozenset(plain)
        templates = {n: self._template_defaults(n) for n, node in self.functions_defined.items()
                     if n in self.template_params and not self._out_positions(node)}
        return CompiledFile(self.path, self.kind, functions, self.includes, self.source.split("\n"),
                            {name: entry.header for name, entry in self.unmodelled.items()}, plain,
                            self.unmodelled_uses, templates, self.own_calls,
                            {n: namespace[v.py] for n, v in self.file_constants.items()
                             if not v.mutable and not v.deferred and v.py in namespace})

    def _template_defaults(self, name: str) -> list:
        """A function template's parameters with their defaults as thunks over this file's constants (a default
        that names an earlier parameter, or does not compile here, counts as none)."""
        out = []
        prefix = name.rsplit("::", 1)[0] + "::" if "::" in name else ""
        for pname, typename, default in self.template_params[name]:
            thunk = None
            if default is not None and typename:
                thunk = (lambda text: lambda: text)(self._type_text(default))
            elif default is not None:
                saved = self.namespace, self.fn
                self.namespace, self.fn = prefix, _FunctionContext()
                try:
                    thunk = self._thunk(default, default)
                except CompileError:
                    thunk = None
                finally:
                    self.namespace, self.fn = saved
            out.append((pname, typename, thunk))
        return out

    def _thunk(self, expression: Node, at: Node) -> Callable:
        """A C++ expression compiled now into a function of no arguments, evaluated in this file's globals."""
        fn = ast.Expression(self.at(ast.Lambda(ast.arguments([], [], None, [], [], None, []),
                                              self._expr(expression)), at))
        ast.fix_missing_locations(fn)
        return eval(compile(fn, self.path, "eval"), self.globals)  # noqa: S307 - our own lowering

    def _preprocessed(self, defines: Mapping[str, str]) -> str:
        """The file's text after the preprocessor (as it is when it needs none); a directive error at its line."""
        if not needs_preprocessing(self.source, defines):
            return self.source
        try:
            return preprocess(self.source, self.path, defines)
        except PreprocessError as exc:
            raise CompileError(f"preprocessor: {str(exc).strip()}", Location(self.path, exc.line or None)) from None

    def _helper_macros(self, source: str, defines: Mapping[str, str]) -> dict[str, str]:
        """The macros of the kernel helper headers this file includes (ttnn's, outside `tt_metal/`) that it uses,
        as the preprocessor would have them after the #include: each header preprocessed with the file's defines
        (cached on the tree). Includes are otherwise not expanded, and the API headers' macros stay the
        interpreter's models."""
        visible = self.headers.visible(source, self.path)
        frozen = tuple(sorted(defines.items()))
        table: dict[str, tuple[str, str]] = {}
        for header in visible.headers:
            if header.startswith("tt_metal/"):
                continue
            key = ("macros", header, frozen)
            if key not in self.headers.compiled:
                self.headers.compiled[key] = macros_of(self.headers.source(header) or "", header, defines)
            for spelled, body in self.headers.compiled[key].items():
                table.setdefault(spelled.split("(")[0], (spelled, body))
        self.helper_macro_names = set(table)
        chosen: dict[str, tuple[str, str]] = {}
        todo = [w for w in set(_WORD.findall(source)) if w in table]
        while todo:
            name = todo.pop()
            if name in chosen or name in defines or self.api.lookup(name, self.kind) is not None:
                continue
            chosen[name] = table[name]
            todo.extend(w for w in _WORD.findall(table[name][1]) if w in table)
        return dict(chosen.values())

    def _without_host_macros(self, source: str, root: Node, bad: Node, defines: Mapping[str, str]):
        """A file compiled without its host may not parse for want of a macro the host defines as a statement or a
        parameter list (`BINARY_SFPU_INIT`, `uint32_t n ISCLOSE_RT_ARG_PARAMS)`): the undeclared macro-style names
        on the offending lines are taken as defined empty, and noted as unmodelled host defines."""
        guessed: dict[str, str] = {}
        for _ in range(4):
            lines = self.source.split("\n")[max(bad.start_point[0] - 3, 0): bad.start_point[0] + 2]
            found = {n for n in _MACRO_WORD.findall("\n".join(lines)) if n not in guessed and n not in defines
                     and self.api.lookup(n, self.kind) is None
                     and (self.visible.find(n, [""]) is None or n in self.helper_macro_names)
                     and not re.search(rf"#\s*define\s+{n}\b", self.source)}
            if not found:
                break
            guessed.update(dict.fromkeys(found, ""))
            try:
                retry = self._preprocessed({**defines, **guessed})
            except CompileError:
                break
            tree = Parser(_LANGUAGE).parse(expand_attribute_macros(retry).encode())
            bad = self._first_error(tree.root_node)
            if bad is None:
                for name in guessed:
                    self._unmodelled_entry(name, FUNCTION, HOST_DEFINES)
                self.visible = self.headers.visible(retry, self.path)
                return retry, tree.root_node, None
        return source, root, bad

    def _functions(self) -> list[ast.FunctionDef]:
        """Every defined function, lowered; leniently, one that does not compile is left out and the rest are
        lowered again (a caller of a left-out function then does not compile either)."""
        while True:
            lowered = []
            for name, node in self.functions_defined.items():
                usings, aliases = list(self.usings), dict(self.type_aliases)
                try:
                    lowered.append(self._function(name, node))
                except CompileError:
                    if not self.lenient:
                        raise
                    self.fn, self.current_function, self.usings, self.type_aliases = None, None, usings, aliases
                    del self.functions_defined[name]
                    self.left_out.add(name)
                    break
            else:
                return lowered

    @staticmethod
    def _first_error(node: Node) -> Node | None:
        if node.type == "ERROR" or node.is_missing:
            return node
        if not node.has_error:
            return None
        for child in node.children:
            found = Compiler._first_error(child)
            if found is not None:
                return found
        return node

    def _top_level(self, nodes: list[Node], prefix: str) -> None:
        for node in nodes:
            try:
                self._top_level_one(node, prefix)
            except CompileError:
                if not self.lenient:
                    raise

    def _top_level_one(self, node: Node, prefix: str) -> None:
        t = node.type
        if t == "comment":
            return
        if t == "preproc_include":
            self.includes.append(node.child_by_field_name("path").text.decode().strip('"<>'))
        elif t == "preproc_call" and node.child_by_field_name("directive").text.decode() == "#pragma":
            return
        elif t == "using_declaration":
            self._using(node)
        elif t == "template_declaration":
            self._template(node, prefix)
        elif t == "alias_declaration":
            self._alias(node, prefix)
        elif t == "namespace_alias_definition":
            self._namespace_alias(node)
        elif t == "static_assert_declaration":
            self._static_assert(node)
        elif t == "enum_specifier":
            self._enum(node, prefix)
        elif t in ("struct_specifier", "class_specifier") and node.child_by_field_name("body") is not None:
            self._struct(node, prefix)
        elif t == "union_specifier" and node.child_by_field_name("body") is not None:
            self._union(node, prefix)
        elif t == "namespace_definition":
            name = node.child_by_field_name("name")
            inner = prefix + (name.text.decode() + "::" if name is not None else "")
            self._top_level(node.child_by_field_name("body").named_children, inner)
        elif t == "function_definition":
            name = prefix + self._function_name(node)
            if not self._overloaded(name, node):
                self.functions_defined[name] = node
        elif t == "declaration" and any(d.type == "function_declarator"
                                        for d in node.children_by_field_name("declarator")):
            return  # a prototype: calls resolve against the definitions anyway
        elif t == "declaration":
            self.namespace = prefix
            self._file_constant(node)
        else:
            raise self.unsupported(node, f"top-level {t}")

    def _arity(self, node: Node) -> int | None:
        """The parameter count of a plain function definition without default arguments (else None)."""
        if node.type != "function_definition":
            return None
        decl = node.child_by_field_name("declarator")
        while decl is not None and decl.type != "function_declarator":
            decl = decl.child_by_field_name("declarator")
        if decl is None:
            return None
        params = [p for p in decl.child_by_field_name("parameters").named_children if p.type != "comment"]
        if any(p.type != "parameter_declaration" for p in params):
            return None
        return 0 if len(params) == 1 and params[0].text.decode().strip() == "void" else len(params)

    def _overload_by_arity(self, name: str, node: Node) -> bool:
        """Overloads that differ in their number of parameters are told apart by it, as C++ would: each is kept
        under `name#count` and a call picks the one its argument count names."""
        first = self.functions_defined.get(name)
        arity = self._arity(node)
        if arity is None or name in self.template_params or (first is None and name not in self.overloads):
            return False
        table = self.overloads.setdefault(name, {})
        if first is not None:
            first_arity = self._arity(first)
            if first_arity is None or first_arity == arity:
                del self.overloads[name]
                return False
            del self.functions_defined[name]
            table[first_arity] = f"{name}#{first_arity}"
            self.functions_defined[table[first_arity]] = first
        if arity in table:
            return False
        table[arity] = f"{name}#{arity}"
        self.functions_defined[table[arity]] = node
        return True

    def _overloaded(self, name: str, node: Node) -> bool:
        """Whether a definition of `name` is one of an overload set: by parameter count it is kept (and True is
        returned), otherwise it is refused (leniently: the whole set is left out)."""
        if name in self.left_out:
            return True
        if name not in self.functions_defined and name not in self.overloads:
            return False
        if self._overload_by_arity(name, node):
            return True
        if not self.lenient:
            raise self.error(node, f"function '{name}' defined twice (overloads are not supported)")
        self.functions_defined.pop(name, None)
        for mangled in self.overloads.pop(name, {}).values():
            self.functions_defined.pop(mangled, None)
        self.template_params.pop(name, None)
        self.left_out.add(name)
        return True

    def _using(self, node: Node) -> None:
        text = node.text.decode()
        m = re.fullmatch(r"using\s+namespace\s+([\w:]+)\s*;", text)
        if m:
            self.usings.append(m.group(1).removeprefix("::"))
            return
        m = re.fullmatch(r"using\s+([\w:]+)\s*;", text)
        if m:  # `using a::b::name;`: name is a::b::name from here on
            qualified = m.group(1).removeprefix("::")
            if "::" in qualified:
                self.using_names[qualified.rsplit("::", 1)[1]] = qualified
            return
        raise self.unsupported(node, "using declaration")

    def _template(self, node: Node, prefix: str) -> None:
        """A function template: its template parameters become leading parameters of the compiled function, filled
        at each call from the explicit template arguments (or the parameter's default)."""
        inner = [c for c in node.named_children if c.type not in ("template_parameter_list", "comment")]
        prototype = len(inner) == 1 and inner[0].type == "declaration" and \
            any(d.type == "function_declarator" for d in inner[0].children_by_field_name("declarator"))
        if not prototype and (len(inner) != 1 or inner[0].type != "function_definition"):
            raise self.unsupported(node, "template other than a function template")
        params = []
        for p in node.child_by_field_name("parameters").named_children:
            if p.type == "comment":
                continue
            typename = p.type in ("type_parameter_declaration", "optional_type_parameter_declaration")
            if p.type not in ("parameter_declaration", "optional_parameter_declaration") and not typename:
                if prototype:
                    return  # a prototype's parameters this front end cannot take: its definition decides
                raise self.unsupported(p, "template parameter")
            name_node = p.child_by_field_name("name") if typename else p.child_by_field_name("declarator")
            if name_node is None:
                name_node = next((c for c in p.named_children if c.type == "type_identifier"), None)
            if name_node is None:
                if prototype:
                    return
                raise self.unsupported(p, "unnamed template parameter")
            default = p.child_by_field_name("default_type" if typename else "default_value")
            params.append((name_node.text.decode(), typename, default))
        if prototype:
            # calls resolve against the definition; the prototype may carry the defaults (a header declaring
            # what its .inl defines)
            declarator = next(d for d in inner[0].children_by_field_name("declarator")
                              if d.type == "function_declarator")
            name = prefix + re.sub(r"\s+", "", declarator.child_by_field_name("declarator").text.decode())
            self.prototype_defaults[name] = params
            if name in self.template_params:
                self.template_params[name] = _with_defaults(self.template_params[name], params)
            return
        name = prefix + self._function_name(inner[0])
        if self._overloaded(name, node):
            return
        self.functions_defined[name] = inner[0]
        if name in self.prototype_defaults:
            params = _with_defaults(params, self.prototype_defaults[name])
        self.template_params[name] = params

    def _enum(self, node: Node, prefix: str) -> None:
        """`enum [class] E [: T] { A, B = 4, C };` at file scope: each enumerator a file constant (E::A, and A
        itself for an unscoped enum); E is a type whose values are integers."""
        name = node.child_by_field_name("name")
        scoped = any(c.type in ("class", "struct") for c in node.children)
        enum = prefix + name.text.decode() if name is not None else None
        if enum is not None:
            self.local_types[enum] = ApiEntry(enum, TYPE, cruntime.enum_value, frozenset({self.kind}), self.path, (0, 1))
        previous: ast.expr | None = None
        saved = self.namespace, self.fn  # an enum inside a function: its enumerators are still constants
        self.namespace, self.fn = prefix, _FunctionContext()
        for item in node.child_by_field_name("body").named_children:
            if item.type != "enumerator":
                continue
            key = item.child_by_field_name("name").text.decode()
            given = item.child_by_field_name("value")
            value = self._expr(given) if given is not None else \
                ast.BinOp(previous, ast.Add(), ast.Constant(1)) if previous is not None else ast.Constant(0)
            var = _Var("c_" + f"{enum or prefix}::{key}".replace("::", "__"), None)
            try:
                self._exec([self.at(ast.Assign([ast.Name(var.py, ast.Store())], value), item)])
            except cruntime.CppRuntimeError as exc:
                raise self.error(item, str(exc)) from None
            if enum is not None:
                self.file_constants[f"{enum}::{key}"] = var
            if not scoped:
                self.file_constants[prefix + key] = var
            previous = ast.Name(var.py, ast.Load())
        self.namespace, self.fn = saved

    def _struct(self, node: Node, prefix: str) -> None:
        """A struct of data members (with optional member initialisers) at file scope; methods, bases and
        nested types are refused."""
        name = node.child_by_field_name("name")
        if name is None or any(c.type == "base_class_clause" for c in node.children):
            raise self.unsupported(node, "struct without a name or with a base class")
        qualified = prefix + name.text.decode()
        layout = []
        self.namespace, self.fn = prefix, _FunctionContext()
        for member in node.child_by_field_name("body").named_children:
            if member.type == "comment" or (member.type == "access_specifier"):
                continue
            declarators = member.children_by_field_name("declarator")
            if member.type != "field_declaration" or any(d.type == "function_declarator" for d in declarators):
                raise self.unsupported(member, "struct member other than a data member")
            store = self._store_for(member.child_by_field_name("type"), None)
            default = member.child_by_field_name("default_value")
            thunk = self._thunk(default, member) if default is not None else None
            for d in declarators:
                layout.append((self._declarator_name(d), store, thunk))
        self.fn = None
        cls = cruntime.define_struct(qualified, tuple(layout))
        self.local_types[qualified] = ApiEntry(qualified, TYPE, cls, frozenset({self.kind}), self.path,
                                               (0, len(layout)), designated=True)

    def _union(self, node: Node, prefix: str) -> Node:
        """`union [U] { float f; uint32_t u; }`: scalar members over one storage (see `cruntime.CppUnion`). Returns
        the node that names the type for the declarators that follow."""
        name = node.child_by_field_name("name")
        qualified = prefix + name.text.decode() if name is not None else f"union@{node.start_point[0] + 1}"
        members = []
        for member in node.child_by_field_name("body").named_children:
            if member.type == "comment":
                continue
            type_node = member.child_by_field_name("type")
            if member.type != "field_declaration" or type_node is None or type_node.type not in (
                    "primitive_type", "type_identifier", "sized_type_specifier", "qualified_identifier"):
                raise self.unsupported(member, "union member other than a scalar")
            for d in member.children_by_field_name("declarator"):
                members.append((self._declarator_name(d), self._type_text(type_node)))
        try:
            cls = cruntime.define_union(qualified, members)
        except cruntime.CppRuntimeError as exc:
            raise self.error(node, str(exc)) from None
        self.local_types[qualified] = ApiEntry(qualified, TYPE, cls, frozenset({self.kind}), self.path, (0, 1))
        self.union_names[node.start_byte] = qualified
        return node

    def _template_call_args(self, name: str, targs: list[ast.expr], node: Node) -> list[ast.expr]:
        params = self.template_params[name]
        if len(targs) > len(params):
            raise self.error(node, f"'{name}' takes {len(params)} template arguments, got {len(targs)}")
        out = list(targs)
        for pname, typename, default in params[len(targs):]:
            if default is None:
                if typename:  # deduced from the arguments: the interpreter's values carry their own type
                    out.append(ast.Constant(None))
                    continue
                raise self.error(node, f"template argument '{pname}' of '{name}' is neither given nor defaulted")
            out.append(ast.Constant(self._type_text(default)) if typename else self._expr(default))
        return out

    def _alias(self, node: Node, prefix: str = "") -> None:
        """`using address_t = uint32_t;`: an alias of a scalar or API type, seen wherever a type is written."""
        name = node.child_by_field_name("name").text.decode()
        target = self._type_text(node.child_by_field_name("type"))
        known = target in cruntime.INTEGRAL_STORE or target in ("float", "double", "bool", "void") or \
            (re.fullmatch(r"[\w:]+", target) and self.api.lookup(target, self.kind, self.usings) is not None)
        api_template = False
        if not known:
            head = re.match(r"[\w:]+", target)
            api_template = head is not None and target != head.group(0) and \
                self.api.lookup(head.group(0), self.kind, self.usings) is not None  # std::array<uint32_t, W>
            if not api_template and self.standalone and self.headers is not None and _MACRO_NAME.fullmatch(target):
                self._unmodelled_entry(target, TYPE, HOST_DEFINES)  # `using mask_t = MASK_ELEM_UINT;`
            elif not api_template:
                declared = self._declared(head.group(0)) if head is not None else None
                if declared is None or self.api.lookup(head.group(0), self.kind, self.usings) is not None:
                    raise self.unsupported(node, "alias of a type the interpreter does not model")
                target = declared.name  # a type the headers declare, without semantics: using it raises NotModelled
        self.type_aliases[prefix + name] = target
        if self.fn is not None or prefix:
            self.type_aliases[name] = target
        if api_template:  # the template's arguments are read from the alias's own type when it is used
            self.template_aliases[target] = node.child_by_field_name("type")

    def _namespace_alias(self, node: Node) -> None:
        """`namespace kutil = norm::kernel_util;`: names written `kutil::x` are looked up as `norm::kernel_util::x`."""
        parts = [c for c in node.named_children if c.type != "comment"]
        alias, target = parts[0].text.decode(), re.sub(r"\s+", "", parts[-1].text.decode()).removeprefix("::")
        head, sep, rest = target.partition("::")
        if head in self.namespace_aliases:  # namespace numeric = kutil::compute::numeric; with kutil an alias
            target = self.namespace_aliases[head] + sep + rest
        self.namespace_aliases[alias] = target

    def _static_assert(self, node: Node) -> list[ast.stmt]:
        """`static_assert(cond, "why")`: checked when the enclosing code runs (conditions read kernel args)."""
        args = [c for c in node.named_children if c.type != "comment"]
        cond = self._expr(args[0])
        message = _string_value(args[1]) if len(args) > 1 and args[1].type == "string_literal" else \
            node.text.decode().split("\n")[0]
        check = self.at(ast.If(self.at(ast.UnaryOp(ast.Not(), cond), node), [self.at(ast.Expr(self.call(
            self.bind(_static_assert_failed, "static_assert_failed"), [ast.Constant(message)], node)), node)], []), node)
        if self.fn is not None:
            return [check]
        try:
            self._run_now([check], {})  # one that reads a kernel argument is left to the real compiler
        except cruntime.CppRuntimeError as exc:
            raise self.error(node, str(exc)) from None
        return []

    def _exec(self, statements: list[ast.stmt], scope: dict[str, Any] | None = None) -> None:
        """Run lowered statements now, with this file's globals (and `scope` as their locals)."""
        module = ast.Module(statements, [])
        ast.fix_missing_locations(module)
        exec(compile(module, self.path, "exec"), self.globals, scope)  # noqa: S102 - our own lowering

    def _run_now(self, statements: list[ast.stmt], scope: dict[str, Any]) -> bool:
        """Run file-scope code at compile time; False if it reads the kernel it belongs to (none runs yet)."""
        try:
            self._exec(statements, scope)
        except AttributeError:
            if Scheduler._current is not None:
                raise
            return False
        except NotModelled:
            return False  # reads an unmodelled name: fails, cleanly, when a kernel first uses it
        except NameError:
            return False  # calls a function of this file, defined once the file is compiled: read on first use
        return True

    def _function_name(self, node: Node) -> str:
        decl = node.child_by_field_name("declarator")
        while decl is not None and decl.type != "function_declarator":
            decl = decl.child_by_field_name("declarator")
        if decl is None:
            raise self.unsupported(node, "function definition")
        name = decl.child_by_field_name("declarator")
        if name.type not in ("identifier", "qualified_identifier"):
            raise self.unsupported(name, "function name")
        return name.text.decode()

    @staticmethod
    def _py_function_name(name: str) -> str:
        return "f_" + name.replace("::", "__").replace("#", "__arity")

    def _in_file(self, name: str, table: dict) -> str | None:
        """C++ lookup of a function or constant defined in this file: enclosing namespaces, then usings."""
        if name.startswith("::"):
            return name[2:] if name[2:] in table else None
        parts = self.namespace.split("::")[:-1]
        candidates = ["".join(p + "::" for p in parts[:i]) + name for i in range(len(parts), -1, -1)]
        for candidate in candidates + [f"{u}::{name}" for u in self.usings]:
            if candidate in table:
                return candidate
        return None

    def _file_constant(self, node: Node) -> None:
        """File-scope declarations must be constants: each core runs its own copy of a kernel.

        A constant is evaluated here, once, unless it reads the kernel it belongs to (a compile-time or runtime
        argument at file scope, as production kernels write them): that one is evaluated on first use by each
        kernel instance, since two `CreateKernel`s of one file may pass different arguments.
        """
        qualifiers = {c.text.decode() for c in node.children if c.type == "type_qualifier"}
        mutable = not qualifiers & {"constexpr", "const"}
        if mutable and self.kind == "host":
            raise self.error(node, "file-scope variables of a host program must be constexpr or const")
        self.fn = _FunctionContext()
        statements = self._declaration(node)
        statements = self.fn.hoisted + statements  # `constexpr auto f = [](...) {...};`: the lambda's def first
        self.fn = None
        names = [self._declarator_name(d) for d in node.children_by_field_name("declarator")]
        if mutable:  # a global variable: each kernel instance starts from the initialiser and keeps its own
            for name, declarator in zip(names, node.children_by_field_name("declarator")):
                self._defer_constant(name, statements, node)
                var = self.file_constants[self.namespace + name]
                var.mutable, var.store = True, self._store_for(node.child_by_field_name("type"), declarator)
            return
        scope: dict[str, Any] = {}
        try:
            done = self._run_now(statements, scope)
        except cruntime.CppRuntimeError as exc:
            raise self.error(node, str(exc)) from None
        if not done:
            for name in names:
                self._defer_constant(name, statements, node)
            return
        for name in names:
            var = _Var("c_" + (self.namespace + name).replace("::", "__"), None)
            self.globals[var.py] = scope[f"v_{name}"]
            self.file_constants[self.namespace + name] = var

    def _defer_constant(self, name: str, statements: list[ast.stmt], node: Node) -> None:
        """Make `name` a constant evaluated per kernel instance by a compiled thunk (see `per_kernel_constant`)."""
        py = "k_" + (self.namespace + name).replace("::", "__")
        body = statements + [self.at(ast.Return(ast.Name(f"v_{name}", ast.Load())), node)]
        fdef = self.at(ast.FunctionDef(py, ast.arguments([], [], None, [], [], None, []), body, [], None,
                                       type_params=[]), node)
        self._exec([fdef])
        self.file_constants[self.namespace + name] = _Var(py, None, deferred=True)

    # ----- functions -----------------------------------------------------------------------------------------

    def _function(self, name: str, node: Node) -> ast.FunctionDef:
        self.fn = _FunctionContext()
        self.current_function = name
        self.namespace = name[: name.rfind("::") + 2] if "::" in name else ""
        self.fn.ret_store = self._store_for(node.child_by_field_name("type"), node.child_by_field_name("declarator"))
        decl = node.child_by_field_name("declarator")
        while decl.type != "function_declarator":
            decl = decl.child_by_field_name("declarator")
        params: list[ast.arg] = []
        for tname, typename, _ in self.template_params.get(name, []):
            var = self.fn.declare(tname, None)
            var.type_param = typename
            params.append(ast.arg(var.py))
        more, defaults, prologue, outs = self._parameters(decl.child_by_field_name("parameters"))
        params += more
        saved = list(self.usings), dict(self.type_aliases), dict(self.namespace_aliases), dict(self.using_names)
        body = prologue + self._block(node.child_by_field_name("body"))
        # a function's using-directives, using-declarations and aliases end with it
        self.usings, self.type_aliases, self.namespace_aliases, self.using_names = saved
        if outs:
            body = [_ReturnOuts(outs).visit(stmt) for stmt in body]
            body.append(self.at(ast.Return(_with_outs(None, outs)), node))
        if not body:
            body = [self.at(ast.Pass(), node)]
        fdef = ast.FunctionDef(self._py_function_name(name), ast.arguments([], params, None, [], [], None, defaults),
                               body, [], None, type_params=[])
        self.at(fdef, node)
        self.fn = None
        self.current_function = None
        return fdef

    def _parameters(self, plist: Node) -> tuple[list[ast.arg], list[ast.expr], list[ast.stmt], list[str]]:
        """Declare a parameter list in the current function: (args, defaults, prologue, reference outs)."""
        params: list[ast.arg] = []
        defaults: list[ast.expr] = []
        outs: list[str] = []  # non-const reference parameters, handed back to the caller with the result
        prologue: list[ast.stmt] = []
        for p in plist.named_children:
            if p.type == "comment":
                continue
            if p.type not in ("parameter_declaration", "optional_parameter_declaration"):
                raise self.unsupported(p, "parameter")
            d = p.child_by_field_name("declarator")
            if defaults and p.type != "optional_parameter_declaration":
                raise self.error(p, "a parameter after one with a default argument needs a default too")
            if d is None or d.type.startswith("abstract_"):  # unnamed: int main(int /*argc*/, char** /*argv*/)
                params.append(ast.arg(self.fn.fresh("unused")))
                continue
            pname = self._declarator_name(d)
            var = self.fn.declare(pname, self._store_for(p.child_by_field_name("type"), d))
            params.append(ast.arg(var.py))
            if p.type == "optional_parameter_declaration":
                # C++ evaluates a default argument at each call that omits it (`uint8_t noc = noc_index` reads
                # the calling core's NoC), so the Python default is a marker replaced in the prologue.
                defaults.append(self.bind(_NO_ARGUMENT, "no_argument"))
                given = ast.Compare(ast.Name(var.py, ast.Load()), [ast.Is()], [self.bind(_NO_ARGUMENT, "no_argument")])
                prologue.append(self.at(ast.If(given, [self.at(ast.Assign(
                    [ast.Name(var.py, ast.Store())], self._expr(p.child_by_field_name("default_value"))), p)], []), p))
            if self._is_out_param(p):
                outs.append(var.py)
            if var.store is not None:
                prologue.append(self.at(ast.Assign([ast.Name(var.py, ast.Store())],
                                                   self._apply_store(var, ast.Name(var.py, ast.Load()), p)), p))
        return params, defaults, prologue, outs

    def _e_lambda_expression(self, node: Node) -> ast.expr:
        """A lambda: a nested Python function defined just before the statement that writes it (at file scope,
        before the constant it initialises).
        By-reference captures are the enclosing variables themselves (closures, `nonlocal` where assigned);
        by-value captures (`[x]`, `[=]`) are copied when the lambda is created, as C++ copies them."""
        by_value_default = False
        by_value: set[str] = set()
        for c in node.child_by_field_name("captures").named_children:
            if c.type == "lambda_default_capture":
                by_value_default = c.text.decode() == "="
            elif c.type == "identifier" and c.prev_sibling is not None and c.prev_sibling.type != "&":
                by_value.add(c.text.decode())
            elif c.type not in ("identifier", "this"):
                raise self.unsupported(c, "lambda capture")
        outer = self.fn
        self.fn = _FunctionContext(outer)
        decl = node.child_by_field_name("declarator")
        params, defaults, prologue, outs = self._parameters(decl.child_by_field_name("parameters")) \
            if decl is not None else ([], [], [], [])
        if outs:
            self.fn = outer
            raise self.unsupported(node, "lambda with a non-const reference parameter")
        returns = next((c for c in decl.named_children if c.type == "trailing_return_type"), None) \
            if decl is not None else None
        if returns is not None:
            self.fn.ret_store = self._store_for(returns.named_children[0], None)
        body = prologue + self._block(node.child_by_field_name("body"))
        inner, self.fn = self.fn, outer
        copied = {n for n in inner.captured if n in by_value or (by_value_default and n not in by_value)}
        kw = [ast.arg(inner.captured[n].py) for n in sorted(copied)]
        kw_defaults: list[ast.expr | None] = [ast.Name(inner.captured[n].py, ast.Load()) for n in sorted(copied)]
        shared = {v.py for n, v in inner.captured.items() if n not in copied}
        assigned = sorted({n.id for stmt in body for n in ast.walk(stmt)
                           if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id in shared})
        if assigned:
            body.insert(0, self.at(ast.Nonlocal(assigned), node))
        name = outer.fresh("lambda")
        fdef = ast.FunctionDef(name, ast.arguments([], params, None, kw, kw_defaults, None, defaults),
                               body or [self.at(ast.Pass(), node)], [], None, type_params=[])
        outer.hoisted.append(self.at(fdef, node))
        return ast.Name(name, ast.Load())

    @staticmethod
    def _is_out_param(p: Node) -> bool:
        d = p.child_by_field_name("declarator")
        return d is not None and d.type == "reference_declarator" and not any(
            c.text == b"const" for c in p.children if c.type == "type_qualifier")

    def _out_positions(self, node: Node) -> list[int]:
        """Positions of a function definition's non-const reference parameters."""
        decl = node.child_by_field_name("declarator")
        while decl is not None and decl.type != "function_declarator":
            decl = decl.child_by_field_name("declarator")
        params = [p for p in decl.child_by_field_name("parameters").named_children if p.type != "comment"]
        return [i for i, p in enumerate(params) if p.type == "parameter_declaration" and self._is_out_param(p)]

    def _call_with_outs(self, fn: ast.expr, args: list[ast.expr], arg_nodes: list[Node], outs: list[int],
                        node: Node) -> ast.expr:
        """A call of a function with reference parameters: it returns (result, *their final values), which are
        stored back into the arguments, as the references would have written them."""
        result = self.fn.fresh("result")
        parts: list[ast.expr] = [ast.NamedExpr(ast.Name(result, ast.Store()), self.call(fn, args, node))]
        for k, position in enumerate(outs):
            if position >= len(arg_nodes):
                break
            value = ast.Subscript(ast.Name(result, ast.Load()), ast.Constant(k + 1), ast.Load())
            target = arg_nodes[position]
            parts.append(self._store_expression(target, value, node, "a reference parameter needs a variable, element "
                                                f"or field here, not '{target.text.decode()[:40]}'"))
        parts.append(ast.Subscript(ast.Name(result, ast.Load()), ast.Constant(0), ast.Load()))
        return ast.Subscript(ast.Tuple(parts, ast.Load()), ast.Constant(-1), ast.Load())

    def _block(self, node: Node) -> list[ast.stmt]:
        self.fn.scopes.append({})
        out: list[ast.stmt] = []
        for child in node.named_children:
            out.extend(self._hoisting(self._statement(child)))
        self.fn.scopes.pop()
        return out

    def _hoisting(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        """`statements` preceded by the definitions of the lambdas written in them."""
        if not self.fn.hoisted:
            return statements
        out, self.fn.hoisted = self.fn.hoisted + statements, []
        return out

    def _body(self, node: Node) -> list[ast.stmt]:
        """A loop or branch body: a block or a single statement, in its own scope."""
        if node.type == "compound_statement":
            stmts = self._block(node)
        else:
            self.fn.scopes.append({})
            stmts = self._hoisting(self._statement(node))
            self.fn.scopes.pop()
        return stmts or [self.at(ast.Pass(), node)]

    # ----- statements ----------------------------------------------------------------------------------------

    def _statement(self, node: Node) -> list[ast.stmt]:
        t = node.type
        if t == "comment":
            return []
        if t == "compound_statement":
            return self._block(node)
        if t == "declaration":
            try:
                return self._declaration(node)
            except Redeclaration as exc:
                raise self.error(node, f"redeclaration of '{exc.name}' in the same scope") from None
        if t == "expression_statement":
            if not node.named_children:
                return []
            return self._expression_statement(node.named_children[0])
        if t == "alias_declaration":
            self._alias(node)
            return []
        if t == "using_declaration":
            self._using(node)  # a using-directive in a function: its names resolve from here on
            return []
        if t == "static_assert_declaration":
            return self._static_assert(node)
        if t == "namespace_alias_definition":
            self._namespace_alias(node)  # `namespace k = a::b;` in a function: from here to the function's end
            return []
        if t == "enum_specifier" and node.child_by_field_name("body") is not None:
            self._enum(node, self.namespace)  # a local enum: its enumerators are constants from here on
            return []
        if t == "switch_statement":
            return self._switch(node)
        if t == "preproc_call" and node.child_by_field_name("directive").text.decode() == "#pragma":
            return []  # #pragma GCC unroll and the like: hints to the compiler
        if t == "for_statement":
            return self._for(node)
        if t == "for_range_loop":
            return self._range_for(node)
        if t == "while_statement":
            cond = self._condition(node.child_by_field_name("condition"))
            body = [self._tick(node)] + self._body(node.child_by_field_name("body"))
            return [self.at(ast.While(cond, body, []), node)]
        if t == "do_statement":
            body_node = node.child_by_field_name("body")
            if self._has_continue(body_node):
                raise self.error(node, "continue inside do-while is not supported")
            cond = self._expr(node.child_by_field_name("condition"))
            body = [self._tick(node)] + self._body(body_node)
            body.append(self.at(ast.If(self.at(ast.UnaryOp(ast.Not(), cond), node), [self.at(ast.Break(), node)], []), node))
            return [self.at(ast.While(ast.Constant(True), body, []), node)]
        if t == "if_statement":
            return [self._if(node)]
        if t == "return_statement":
            value = self._expr(node.named_children[0]) if node.named_children else None
            if value is not None and self.fn.ret_store is not None:  # returning converts to the return type
                value = self.call(self.bind(self.fn.ret_store, self.fn.ret_store.__name__), [value], node)
            return [self.at(ast.Return(value), node)]
        if t in ("try_statement", "throw_statement"):
            if self.kind != "host":
                raise self.error(node, "kernels are built without exceptions (-fno-exceptions): no try or throw")
            return self._try(node) if t == "try_statement" else self._throw(node)
        if t == "break_statement":
            return [self.at(ast.Break(), node)]
        if t == "continue_statement":
            return [self.at(ast.Continue(), node)]
        raise self.unsupported(node)

    def _throw(self, node: Node) -> list[ast.stmt]:
        if not node.named_children:  # `throw;` rethrows the exception its catch handles
            if not self.fn.handling:
                raise self.error(node, "'throw;' outside a catch handler")
            return [self.at(ast.Raise(None, None), node)]
        return [self.at(ast.Expr(self.call(self.rt("throw"), [self._expr(node.named_children[0])], node)), node)]

    def _try(self, node: Node) -> list[ast.stmt]:
        """try/catch: a Python `try` catching `CppException`; each catch clause tests the thrown type in order,
        as C++ does, and an exception no clause takes goes on up."""
        body = self._block(node.child_by_field_name("body"))
        exc = self.fn.fresh("exception")
        chain: list[ast.stmt] = [self.at(ast.Raise(None, None), node)]
        for clause in reversed([c for c in node.named_children if c.type == "catch_clause"]):
            params = [p for p in clause.child_by_field_name("parameters").named_children if p.type != "comment"]
            self.fn.scopes.append({})
            self.fn.handling += 1
            prologue: list[ast.stmt] = []
            type_name = None
            if params:  # catch (const std::exception& e); `catch (...)` has no parameter
                type_name = self._type_text(params[0].child_by_field_name("type"))
                d = params[0].child_by_field_name("declarator")
                if d is not None and not d.type.startswith("abstract_"):
                    var = self.fn.declare(self._declarator_name(d), None, True)
                    prologue.append(self.at(ast.Assign([ast.Name(var.py, ast.Store())], ast.Attribute(
                        ast.Name(exc, ast.Load()), "value", ast.Load())), clause))
            handler = prologue + self._block(clause.child_by_field_name("body"))
            self.fn.handling -= 1
            self.fn.scopes.pop()
            test = self.call(self.rt("catches"), [ast.Name(exc, ast.Load()), ast.Constant(type_name)], clause)
            chain = [self.at(ast.If(test, handler or [self.at(ast.Pass(), clause)], chain), clause)]
        handler = ast.ExceptHandler(self.bind(cruntime.CppException, "CppException"), exc, chain)
        return [self.at(ast.Try(body or [self.at(ast.Pass(), node)], [self.at(handler, node)], [], []), node)]

    def _tick(self, node: Node) -> ast.stmt:
        return self.at(ast.Expr(self.call(self.rt("tick"), [], node)), node)

    def _if(self, node: Node) -> ast.If:
        cond = self._condition(node.child_by_field_name("condition"))
        body = self._body(node.child_by_field_name("consequence"))
        alt = node.child_by_field_name("alternative")
        orelse: list[ast.stmt] = []
        if alt is not None:
            inner = alt.named_children[0] if alt.type == "else_clause" else alt
            orelse = [self._if(inner)] if inner.type == "if_statement" else self._body(inner)
        return self.at(ast.If(cond, body, orelse), node)

    def _condition(self, node: Node) -> ast.expr:
        if node.type == "condition_clause":
            inner = node.child_by_field_name("value")
            if inner is None or node.child_by_field_name("initializer") is not None:
                raise self.unsupported(node, "condition with declaration")
            return self._expr(inner)
        return self._expr(node)

    def _switch(self, node: Node) -> list[ast.stmt]:
        """`switch` as C++ runs it: enter at the matching case (else `default`, else skip), fall through the
        cases below until a `break`. Lowered to a run-once loop so `break` leaves it; each case body runs when
        the entry index is at or before it."""
        body_node = node.child_by_field_name("body")
        if self._has_continue(body_node):
            raise self.error(node, "continue inside switch is not supported")
        value = self.fn.fresh("switch")
        entry = self.fn.fresh("entry")
        cases = [c for c in body_node.named_children if c.type == "case_statement"]
        if len(cases) != len([c for c in body_node.named_children if c.type != "comment"]):
            raise self.unsupported(body_node, "statement outside the cases of a switch")
        stmts: list[ast.stmt] = [self.at(ast.Assign([ast.Name(value, ast.Store())],
                                                    self._condition(node.child_by_field_name("condition"))), node)]
        default = next((i for i, c in enumerate(cases) if c.child_by_field_name("value") is None), len(cases))
        stmts.append(self.at(ast.Assign([ast.Name(entry, ast.Store())], ast.Constant(default)), node))
        chooser: ast.stmt | None = None
        for i in reversed(range(len(cases))):  # the first matching case wins
            label = cases[i].child_by_field_name("value")
            if label is None:
                continue
            test = self.at(ast.Compare(ast.Name(value, ast.Load()), [ast.Eq()], [self._expr(label)]), cases[i])
            chooser = self.at(ast.If(test, [self.at(ast.Assign([ast.Name(entry, ast.Store())], ast.Constant(i)),
                                                    cases[i])], [chooser] if chooser else []), cases[i])
        if chooser is not None:
            stmts.append(chooser)
        loop: list[ast.stmt] = []
        self.fn.scopes.append({})
        for i, case in enumerate(cases):
            label = case.child_by_field_name("value")
            body: list[ast.stmt] = []
            for child in case.named_children:
                if (label is None or child.id != label.id) and child.type != "comment":
                    body.extend(self._statement(child))
            if body:
                test = self.at(ast.Compare(ast.Name(entry, ast.Load()), [ast.LtE()], [ast.Constant(i)]), case)
                loop.append(self.at(ast.If(test, body, []), case))
        self.fn.scopes.pop()
        loop.append(self.at(ast.Break(), node))
        stmts.append(self.at(ast.While(ast.Constant(True), loop, []), node))
        return stmts

    def _has_continue(self, node: Node) -> bool:
        if node.type == "continue_statement":
            return True
        if node.type in ("for_statement", "for_range_loop", "while_statement", "do_statement"):
            return False
        return any(self._has_continue(c) for c in node.named_children)

    def _for(self, node: Node) -> list[ast.stmt]:
        self.fn.scopes.append({})
        init_node = node.child_by_field_name("initializer")
        init: list[ast.stmt] = []
        if init_node is not None:
            init = self._declaration(init_node) if init_node.type == "declaration" else \
                self._expression_statement(init_node)
        cond_node = node.child_by_field_name("condition")
        cond = self._expr(cond_node) if cond_node is not None else ast.Constant(True)
        update_node = node.child_by_field_name("update")
        update = self._expression_statement(update_node) if update_node is not None else []
        body_node = node.child_by_field_name("body")
        body = self._body(body_node)
        if not self._has_continue(body_node):
            loop = ast.While(cond, [self._tick(node)] + body + update, [])
            out = init + [self.at(loop, node)]
        else:  # continue must still run the update: run it at the top of every iteration but the first
            first = self.fn.fresh("first")
            top = [self.at(ast.If(ast.UnaryOp(ast.Not(), ast.Name(first, ast.Load())), update or [ast.Pass()], []), node),
                   self.at(ast.Assign([ast.Name(first, ast.Store())], ast.Constant(False)), node),
                   self.at(ast.If(ast.UnaryOp(ast.Not(), cond), [ast.Break()], []), node),
                   self._tick(node)]  # after the test, as in the plain loop: one tick per iteration
            out = init + [self.at(ast.Assign([ast.Name(first, ast.Store())], ast.Constant(True)), node),
                          self.at(ast.While(ast.Constant(True), top + body, []), node)]
        self.fn.scopes.pop()
        return out

    def _range_for(self, node: Node) -> list[ast.stmt]:
        self.fn.scopes.append({})
        decl = node.child_by_field_name("declarator")
        right = node.child_by_field_name("right")
        iterable = self._list_literal(right) if right.type == "initializer_list" else self._expr(right)
        it = self.call(self.rt("iterate"), [iterable], node)
        target_decl = decl.named_children[0] if decl.type == "reference_declarator" else decl
        body_pre: list[ast.stmt] = [self._tick(node)]
        if target_decl.type == "structured_binding_declarator":
            names = [c.text.decode() for c in target_decl.named_children]
            tmp = self.fn.fresh("item")
            target = ast.Name(tmp, ast.Store())
            vars_ = [self.fn.declare(n, None, decl.type == "reference_declarator") for n in names]
            body_pre.append(self.at(ast.Assign(
                [ast.Tuple([ast.Name(v.py, ast.Store()) for v in vars_], ast.Store())],
                self.call(self.rt("unpack"), [ast.Name(tmp, ast.Load()), ast.Constant(len(names))], node)), node))
        else:
            ref = decl.type == "reference_declarator"
            var = self.fn.declare(self._declarator_name(target_decl),
                                  self._store_for(node.child_by_field_name("type"), decl), ref)
            if ref and not any(c.type == "type_qualifier" and c.text == b"const" for c in node.children):
                var.element_of = self.fn.fresh("range")
            target = ast.Name(var.py, ast.Store())
            if var.store is not None:  # `for (uint8_t x : ...)`: each element converts to the declared type
                body_pre.append(self.at(ast.Assign([ast.Name(var.py, ast.Store())],
                                                   self._apply_store(var, ast.Name(var.py, ast.Load()), node)), node))
        body = body_pre + self._body(node.child_by_field_name("body"))
        self.fn.scopes.pop()
        if target_decl.type != "structured_binding_declarator" and var.written:
            return self._element_loop(var, iterable, body, node)
        return [self.at(ast.For(target, it, body, []), node)]

    def _element_loop(self, var: _Var, container: ast.expr, body: list[ast.stmt], node: Node) -> list[ast.stmt]:
        """`for (auto& x : v) x = ...;`: walk the container by index and store each element back after the
        body (in a `finally`, so `continue` and `break` write back too)."""
        box, index = var.element_of, self.fn.fresh("index")
        load = lambda name: ast.Name(name, ast.Load())  # noqa: E731
        take = self.at(ast.Assign([ast.Name(var.py, ast.Store())], self.call(
            self.rt("subscript"), [load(box), load(index)], node)), node)
        back = self.at(ast.Expr(self.call(self.rt("store_subscript"), [load(box), load(index), load(var.py)],
                                          node)), node)
        loop = ast.For(ast.Name(index, ast.Store()), self.call(self.rt("indices"), [load(box)], node),
                       [take, self.at(ast.Try(body, [], [], [back]), node)], [])
        return [self.at(ast.Assign([ast.Name(box, ast.Store())], container), node), self.at(loop, node)]

    # ----- declarations --------------------------------------------------------------------------------------

    def _declarator_name(self, node: Node) -> str:
        while node.type in ("reference_declarator", "pointer_declarator", "init_declarator", "array_declarator",
                            "attributed_declarator"):
            inner = node.child_by_field_name("declarator")
            node = inner if inner is not None else node.named_children[0]
        if node.type not in ("identifier", "field_identifier"):
            raise self.unsupported(node, "declarator")
        name = node.text.decode()
        if name in CPP_KEYWORDS:
            raise self.error(node, f"'{name}' is a C++ keyword and cannot name a variable")
        return name

    def _type_text(self, type_node: Node) -> str:
        return self._unalias(re.sub(r"\s+", " ", type_node.text.decode()).strip())

    def _unalias(self, text: str) -> str:
        """The type a `using` alias stands for (following aliases of aliases), or `text` itself."""
        for _ in range(8):
            if text not in self.type_aliases:
                break
            text = self.type_aliases[text]
        if self.visible is not None and text not in _SCALAR_TYPES and re.fullmatch(r"[\w:]+", text):
            target = self.visible.alias_target(text, [self.namespace, ""])  # a header's `using T = uint16_t;`
            if target is not None and target.removeprefix("std::") in _SCALAR_TYPES:
                return target
        return text

    def _store_for(self, type_node: Node | None, declarator: Node | None) -> Callable | None:
        if type_node is None:
            return None
        if declarator is not None and declarator.type == "pointer_declarator":
            return None
        return cruntime.INTEGRAL_STORE.get(self._type_text(type_node).removeprefix("std::").replace("std::", ""))\
            if self._type_text(type_node) not in cruntime.INTEGRAL_STORE else cruntime.INTEGRAL_STORE[
                self._type_text(type_node)]

    def _apply_store(self, var: _Var, value: ast.expr, cpp: Node) -> ast.expr:
        if var.store is None:
            return value
        return self.call(self.bind(var.store, var.store.__name__), [value], cpp)

    def _declaration(self, node: Node) -> list[ast.stmt]:
        type_node = node.child_by_field_name("type")
        if type_node.type == "union_specifier" and type_node.child_by_field_name("body") is not None:
            type_node = self._union(type_node, self.namespace if self.fn is None else "")
        out: list[ast.stmt] = []
        for declarator in node.children_by_field_name("declarator"):
            out.extend(self._declare_one(node, type_node, declarator))
        return out

    def _declare_one(self, node: Node, type_node: Node, declarator: Node) -> list[ast.stmt]:
        if declarator.type == "function_declarator" and self.fn is not None:
            return self._constructed_from_names(node, type_node, declarator)
        value_node = None
        target = declarator
        if declarator.type == "init_declarator":
            target = declarator.child_by_field_name("declarator")
            value_node = declarator.child_by_field_name("value")
        core = target.named_children[0] if target.type == "reference_declarator" else target
        if core.type == "structured_binding_declarator":
            names = [c.text.decode() for c in core.named_children]
            value = self.call(self.rt("unpack"), [self._expr(value_node), ast.Constant(len(names))], node)
            vars_ = [self.fn.declare(n, None, target.type == "reference_declarator") for n in names]
            return [self.at(ast.Assign([ast.Tuple([ast.Name(v.py, ast.Store()) for v in vars_], ast.Store())], value),
                            node)]
        if core.type == "array_declarator":
            return self._array(node, type_node, core, value_node)
        name = self._declarator_name(target)
        if target.type == "reference_declarator" and value_node is not None and \
                value_node.type == "subscript_expression" and self.fn is not None:
            return self._bound_reference(name, value_node, node)
        is_auto = type_node.type == "placeholder_type_specifier"
        store = None if is_auto else self._store_for(type_node, target)
        if value_node is None:
            value = self._default_value(type_node, target, node)
        elif value_node.type == "initializer_list":
            value = self._construct(type_node, value_node, node, brace=True)
        elif value_node.type == "argument_list":
            value = self._construct(type_node, value_node, node, brace=False)
        else:
            value = self._expr(value_node)
            if not is_auto and self._type_text(type_node) not in _SCALAR_TYPES and \
                    not self._type_params_in(self._type_text(type_node)):
                self._class_type(type_node)  # the declared type must exist, as for a compiler
            if target.type == "identifier" and (is_auto or self._type_text(type_node) not in _SCALAR_TYPES):
                # T b = a (or auto b = a) copies a struct, union or vector a: b is a new object, not a second name
                value = self.call(self.bind(cruntime.copy_value, "copy_value"), [value], node)
        var = self.fn.declare(name, store, target.type == "reference_declarator")
        if value_node is None and isinstance(value, ast.Constant) and value.value is None:
            return [self.at(ast.Assign([ast.Name(var.py, ast.Store())], value), node)]  # uninitialised: no conversion
        return [self.at(ast.Assign([ast.Name(var.py, ast.Store())], self._apply_store(var, value, node)), node)]

    def _bound_reference(self, name: str, value_node: Node, node: Node) -> list[ast.stmt]:
        """`auto& r = c[i];`: r names the element itself. The container and the index are taken once, as the
        reference binds; every read of r reads c[i] then, and every write stores into it."""
        box, index = self.fn.fresh("ref_container"), self.fn.fresh("ref_index")
        var = self.fn.declare(name, None, True)
        var.bound = (box, index)
        return [self.at(ast.Assign([ast.Name(box, ast.Store())],
                                   self._expr(value_node.child_by_field_name("argument"))), node),
                self.at(ast.Assign([ast.Name(index, ast.Store())], self._subscript_index(value_node)), node)]

    def _array(self, node: Node, type_node: Node, core: Node, value_node: Node | None) -> list[ast.stmt]:
        """`T a[N];`, `T a[N] = {...};`, `T a[] = {...};`, `T a[N][M]`: a `CArray` of T's conversion."""
        dims: list[ast.expr] = []
        while core.type == "array_declarator":
            size = core.child_by_field_name("size")
            dims.insert(0, self._expr(size) if size is not None else ast.Constant(None))
            core = core.child_by_field_name("declarator")
        if value_node is not None and value_node.type == "identifier" and self.standalone and \
                _MACRO_NAME.fullmatch(value_node.text.decode()):  # `= DEST_CHIP_IDS;`: a brace list the host defines
            var = self.fn.declare(self._declarator_name(core), None)
            return [self.at(ast.Assign([ast.Name(var.py, ast.Store())], self._expr(value_node)), node)]
        if value_node is not None and value_node.type != "initializer_list":
            raise self.unsupported(node, "array initialised from other than a brace list")
        items = self._list_literal(value_node) if value_node is not None else ast.Constant(None)
        store = self._store_for(type_node, None)
        store_ast = self.bind(store, store.__name__) if store is not None else ast.Constant(None)
        var = self.fn.declare(self._declarator_name(core), None)
        value = self.call(self.bind(cruntime.c_array, "c_array"), [ast.Tuple(dims, ast.Load()), items, store_ast], node)
        return [self.at(ast.Assign([ast.Name(var.py, ast.Store())], value), node)]

    def _constructed_from_names(self, node: Node, type_node: Node, declarator: Node) -> list[ast.stmt]:
        """`std::vector<T> v(n);` parses like a function declaration; in a function body, when every
        "parameter" is a bare name that is not a type, C++ reads it as a variable built from those names."""
        args = [self._param_as_expr(param, node) for param in declarator.child_by_field_name("parameters").named_children
                if param.type != "comment"]
        entry, targs = self._class_type(type_node)
        value = self._make(entry, targs, args, [], node)
        var = self.fn.declare(self._declarator_name(declarator.child_by_field_name("declarator")), None)
        return [self.at(ast.Assign([ast.Name(var.py, ast.Store())], value), node)]

    def _param_as_expr(self, param: Node, node: Node) -> ast.expr:
        """A "parameter" of a declaration that C++ reads as a variable: a name that is not a type, or a call of a
        function (`CoreLocalMem<uint32_t> w(get_write_ptr(cb))` parses as a declarator taking `get_write_ptr(...)`)."""
        type_child = param.child_by_field_name("type")
        inner = param.child_by_field_name("declarator")
        if param.type != "parameter_declaration" or type_child is None or \
                type_child.type not in ("type_identifier", "qualified_identifier") or \
                (inner is not None and inner.type != "abstract_function_declarator"):
            return self._reparsed_argument(param, node)
        if inner is None:
            if type_child.type == "type_identifier":
                return self._e_identifier(type_child)
            return self._e_qualified_identifier(type_child)
        name = re.sub(r"\s+", "", type_child.text.decode())
        args = [self._param_as_expr(p, node) for p in inner.child_by_field_name("parameters").named_children
                if p.type != "comment"]
        own = self._in_file(name, self.functions_defined)
        if own is not None and own not in self.template_params and not self._out_positions(self.functions_defined[own]):
            return self.call(ast.Name(self._py_function_name(own), ast.Load()), args, param)
        entry = self._resolve(type_child, name)
        if entry.kind == TYPE and not isinstance(entry.value, Unmodelled):  # `T(x)`, read as building a T
            return self._make(entry, [], args, [], param)
        return self._call_entry(entry, name, type_child, [], args, param)

    def _reparsed_argument(self, param: Node, node: Node) -> ast.expr:
        """`std::vector<T> v(a * b);` parses as a declarator taking a parameter `a* b`; when `a` names a
        variable or constant rather than a type, C++ reads the text as an expression, and so does this: the
        parameter's text is parsed again as one (on its own line, so positions stay where they were)."""
        head, inner = param.child_by_field_name("type"), param.child_by_field_name("declarator")
        name = re.sub(r"\s+", "", head.text.decode()) if head is not None else ""
        cast = inner is not None and inner.type == "parenthesized_declarator"  # `T(x)`: T built from x
        if not name or self._names_type(name) and not cast:
            raise self.unsupported(node, "function declaration inside a function")
        text = "\n" * param.start_point[0] + "void f() { (" + param.text.decode() + "); }"
        tree = Parser(_LANGUAGE).parse(text.encode())
        body = tree.root_node.named_children[0].child_by_field_name("body")
        if self._first_error(tree.root_node) is not None or body is None or len(body.named_children) != 1:
            raise self.unsupported(node, "function declaration inside a function")
        return self._expr(body.named_children[0].named_children[0])

    def _names_type(self, name: str) -> bool:
        if self.fn is not None and self.fn.lookup(name) is not None or self._in_file(name, self.file_constants):
            return False
        entry = self.api.lookup(name, self.kind, self.usings)
        return entry is None or entry.kind == TYPE

    def _class_type(self, type_node: Node) -> tuple[ApiEntry, list[ast.expr]]:
        """Resolve a class type name (possibly a template) to its API entry and template arguments."""
        targs: list[ast.expr] = []
        name_node = type_node
        if type_node.type == "union_specifier" and type_node.start_byte in self.union_names:
            return self.local_types[self.union_names[type_node.start_byte]], []
        text = type_node.text.decode()
        template = None
        for n in self._walk(type_node):
            if n.type == "template_type":
                template = n
                break
        if template is not None:
            prefix = text[: template.start_byte - type_node.start_byte]
            name = prefix + template.child_by_field_name("name").text.decode()
            targs = self._template_args(template.child_by_field_name("arguments"))
        else:
            name = self._unalias(text)
            if name in self.template_aliases:  # `using lut_t = std::array<uint32_t, W>;` then `lut_t lut;`
                return self._class_type(self.template_aliases[name])
        entry = self._resolve(name_node, name)
        if entry.kind != TYPE and not isinstance(entry.value, Unmodelled):
            raise self.error(type_node, f"'{name}' is not a type")
        return entry, targs

    @staticmethod
    def _walk(node: Node):
        yield node
        for c in node.named_children:
            yield from Compiler._walk(c)

    def _default_value(self, type_node: Node, target: Node, node: Node) -> ast.expr:
        text = self._type_text(type_node)
        if text in _SCALAR_TYPES or target.type == "pointer_declarator":
            return ast.Constant(None)  # uninitialised scalar: any use before assignment is a fault
        entry, targs = self._class_type(type_node)
        return self._make(entry, targs, [], [], node)

    def _construct(self, type_node: Node, args_node: Node, node: Node, brace: bool) -> ast.expr:
        text = self._type_text(type_node)
        if text in cruntime.INTEGRAL_STORE or type_node.type == "placeholder_type_specifier":
            items = [c for c in args_node.named_children if c.type != "comment"]
            if len(items) != 1:
                raise self.error(node, f"a {text} is initialised from exactly one value")
            return self._expr(items[0])
        entry, targs = self._class_type(type_node)
        if brace and (entry.designated or isinstance(entry.value, Unmodelled)) and \
                any(c.type == "initializer_pair" for c in args_node.named_children):
            return self._make(entry, targs, [], self._designated(args_node), node)
        if brace and entry.init_list:  # std::vector<T> v{a, b} / v = {a, b}: one initializer_list argument
            return self._make(entry, targs, [self._list_literal(args_node)], [], node)
        args = [self._arg(c) for c in args_node.named_children if c.type != "comment"]
        return self._make(entry, targs, args, [], node)

    def _designated(self, init_list: Node) -> list[ast.keyword]:
        keywords = []
        for pair in init_list.named_children:
            if pair.type == "comment":
                continue
            if pair.type != "initializer_pair":
                raise self.error(pair, "mixing designated and positional initialisers is not supported")
            designator = pair.child_by_field_name("designator")
            if designator.type != "field_designator" or len(designator.named_children) != 1:
                raise self.unsupported(pair, "designator")
            keywords.append(ast.keyword(designator.named_children[0].text.decode(), self._arg(pair.child_by_field_name("value"))))
        return keywords

    def _make(self, entry: ApiEntry, targs: list[ast.expr], args: list[ast.expr], keywords: list[ast.keyword],
              node: Node) -> ast.expr:
        self._check_template(entry, targs, node)
        if not keywords:
            self._check_arity(entry, len(args), node)
        ctor = self.bind(entry.value, entry.name)
        call_args = ([ast.Tuple(targs, ast.Load())] if entry.template_args != (0, 0) else []) + args
        return self.call(ctor, call_args, node, keywords)

    # ----- expressions ---------------------------------------------------------------------------------------

    def _expression_statement(self, node: Node) -> list[ast.stmt]:
        t = node.type
        if t == "assignment_expression":
            return [self._assignment(node)]
        if t == "update_expression":
            return [self._update(node)]
        if t == "comma_expression":
            return self._expression_statement(node.child_by_field_name("left")) + \
                self._expression_statement(node.child_by_field_name("right"))
        return [self.at(ast.Expr(self._expr(node)), node)]

    _AUG = {"+=": ast.Add, "-=": ast.Sub, "*=": ast.Mult, "&=": ast.BitAnd, "|=": ast.BitOr, "^=": ast.BitXor,
            "<<=": ast.LShift, ">>=": ast.RShift}

    def _assignment(self, node: Node) -> ast.stmt:
        left, value = self._assigned_value(node)
        return self._store(left, value, node)

    def _assigned_value(self, node: Node) -> tuple[Node, ast.expr]:
        """The target of `a op= b` and the value it gets (`a + b` for `+=`, C division for `/=`)."""
        left = node.child_by_field_name("left")
        op = node.child_by_field_name("operator").text.decode()
        right = node.child_by_field_name("right")
        value = self._list_literal(right) if right.type == "initializer_list" else self._expr(right)
        if op != "=":
            current = self._expr(left)
            if op in ("/=", "%="):
                value = self.call(self.rt("cdiv" if op == "/=" else "cmod"), [current, value], node)
            elif op in self._AUG:
                value = ast.BinOp(current, self._AUG[op](), value)
            else:
                raise self.unsupported(node, f"operator {op}")
        elif left.type == "identifier" and self.fn is not None:
            var = self.fn.lookup(left.text.decode())
            if var is not None and var.store is None and not var.ref and var.bound is None:
                value = self.call(self.bind(cruntime.copy_value, "copy_value"), [value], node)  # b = a copies a
        return left, value

    def _e_assignment_expression(self, node: Node) -> ast.expr:
        """An assignment inside an expression (`UNPACK((x = y))`, `while ((n = next()) != 0)`)."""
        if self.fn is None:
            raise self.unsupported(node, "assignment at file scope")
        left, value = self._assigned_value(node)
        return self._store_expression(left, value, node)

    def _update(self, node: Node) -> ast.stmt:
        target = node.child_by_field_name("argument")
        op = ast.Add() if "++" in node.text.decode() else ast.Sub()
        return self._store(target, ast.BinOp(self._expr(target), op, ast.Constant(1)), node)

    def _store_bound(self, var: _Var, value: ast.expr, node: Node) -> ast.expr:
        if var.mutable:  # a global: this kernel instance's copy
            return self.call(self.bind(set_per_kernel, "set_per_kernel"),
                             [ast.Name(var.py, ast.Load()), self._apply_store(var, value, node)], node)
        box, index = (ast.Name(n, ast.Load()) for n in var.bound)
        return self.call(self.rt("store_subscript"), [box, index, value], node)

    def _assigned_var(self, left: Node) -> _Var:
        """The local variable an identifier lvalue names; assigning to anything else is an error here."""
        name = left.text.decode()
        var = self.fn.lookup(name)
        if var is None:
            found = self._in_file(name, self.file_constants)
            if found and self.file_constants[found].mutable:
                return self.file_constants[found]
            if found:
                raise self.error(left, f"cannot assign to constant '{name}'")
            raise self.error(left, f"assignment to undeclared variable '{name}'")
        if var.element_of is not None:
            var.written = True
            return var
        if var.bound is not None:
            return var
        if var.ref:
            raise self.error(left, f"assignment to reference '{name}' is not supported "
                                   "(references are bound to a copy; assign through the container instead)")
        return var

    def _store(self, left: Node, value: ast.expr, node: Node) -> ast.stmt:
        while left.type == "parenthesized_expression":
            left = left.named_children[0]
        if left.type == "identifier":
            var = self._assigned_var(left)
            if var.bound is not None or var.mutable:
                return self.at(ast.Expr(self._store_bound(var, value, node)), node)
            return self.at(ast.Assign([ast.Name(var.py, ast.Store())], self._apply_store(var, value, node)), node)
        return self.at(ast.Expr(self._store_expression(left, value, node)), node)

    def _store_expression(self, left: Node, value: ast.expr, node: Node, refusal: str | None = None) -> ast.expr:
        """Assign `value` to the lvalue `left` as an expression; `refusal` is the error for any other target."""
        if left.type == "parenthesized_expression":
            return self._store_expression(left.named_children[0], value, node, refusal)
        if left.type == "identifier":
            var = self._assigned_var(left)
            if var.bound is not None or var.mutable:
                return self._store_bound(var, value, node)
            return ast.NamedExpr(ast.Name(var.py, ast.Store()), self._apply_store(var, value, node))
        if left.type == "subscript_expression":
            obj = self._expr(left.child_by_field_name("argument"))
            return self.call(self.rt("store_subscript"), [obj, self._subscript_index(left), value], node)
        if left.type == "field_expression":
            obj = self._expr(left.child_by_field_name("argument"))
            field_name = left.child_by_field_name("field").text.decode()
            return self.call(self.rt("set_member"), [obj, ast.Constant(field_name), value], node)
        if left.type == "pointer_expression" and left.children[0].type == "*":
            ptr = self._expr(left.child_by_field_name("argument"))
            return self.call(self.rt("store_subscript"), [ptr, ast.Constant(0), value], node)
        fn = left.child_by_field_name("function") if left.type == "call_expression" else None
        if fn is not None and fn.type == "field_expression" and fn.child_by_field_name("field").text == b"at":
            # v.at(i) = x: the element reference `at` returns (bounds-checked: std::out_of_range)
            items = [c for c in left.child_by_field_name("arguments").named_children if c.type != "comment"]
            if len(items) == 1:
                obj = self._expr(fn.child_by_field_name("argument"))
                return self.call(self.rt("store_at"), [obj, self._expr(items[0]), value], node)
        if refusal is not None:
            raise self.error(left, refusal)
        raise self.unsupported(left, "assignment target")

    def _subscript_index(self, node: Node) -> ast.expr:
        index = node.child_by_field_name("indices")
        items = [c for c in index.named_children if c.type != "comment"]
        if len(items) != 1:
            raise self.unsupported(node, "subscript")
        return self._expr(items[0])

    _BINOPS = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "<<": ast.LShift, ">>": ast.RShift, "&": ast.BitAnd,
               "|": ast.BitOr, "^": ast.BitXor}
    _CMPOPS = {"<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE, "==": ast.Eq, "!=": ast.NotEq}

    def _expr(self, node: Node) -> ast.expr:
        method = getattr(self, "_e_" + node.type, None)
        if method is None:
            raise self.unsupported(node)
        result = method(node)
        return self.at(result, node) if not hasattr(result, "lineno") else result

    def _e_number_literal(self, node: Node) -> ast.expr:
        try:
            return ast.Constant(parse_number(node.text.decode()))
        except ValueError:
            raise self.unsupported(node, "number literal") from None

    def _e_true(self, node: Node) -> ast.expr:
        return ast.Constant(True)

    def _e_false(self, node: Node) -> ast.expr:
        return ast.Constant(False)

    def _e_null(self, node: Node) -> ast.expr:
        return ast.Constant(None)

    def _e_nullptr(self, node: Node) -> ast.expr:
        return ast.Constant(None)

    def _e_string_literal(self, node: Node) -> ast.expr:
        try:
            return ast.Constant(_string_value(node))
        except ValueError:
            raise self.unsupported(node, "string literal") from None

    def _e_concatenated_string(self, node: Node) -> ast.expr:
        parts = []
        for child in node.named_children:
            if child.type != "string_literal":
                raise self.unsupported(child, "string concatenation with a macro")
            parts.append(_string_value(child))
        return ast.Constant("".join(parts))

    def _e_char_literal(self, node: Node) -> ast.expr:
        text = node.text.decode()[1:-1]
        value = _ESCAPES.get(text[1:], text) if text.startswith("\\") else text
        if len(value) != 1:
            raise self.unsupported(node, "char literal")
        return ast.Constant(ord(value))

    def _e_parenthesized_expression(self, node: Node) -> ast.expr:
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) != 1:
            raise self.unsupported(node)
        return self._expr(inner[0])

    def _e_identifier(self, node: Node) -> ast.expr:
        name = node.text.decode()
        var = self.fn.lookup(name) if self.fn else None
        if var is not None and var.bound is not None:
            return self.call(self.rt("subscript"), [ast.Name(n, ast.Load()) for n in var.bound], node)
        if var is not None:
            return ast.Name(var.py, ast.Load())
        return self._e_qualified_identifier(node)

    def _e_qualified_identifier(self, node: Node) -> ast.expr:
        name = re.sub(r"\s+", "", node.text.decode())
        head, sep, rest = name.partition("::")
        if sep and head in self.namespace_aliases:  # `namespace g = geo;` then g::K
            name = f"{self.namespace_aliases[head]}::{rest}"
        constant = self._in_file(name, self.file_constants)
        if constant is not None:
            var = self.file_constants[constant]
            if var.deferred:
                return self.call(self.bind(per_kernel_constant, "per_kernel_constant"),
                                 [ast.Name(var.py, ast.Load())], node)
            return ast.Name(var.py, ast.Load())
        return self._name_value(node, name)

    def _name_value(self, node: Node, name: str) -> ast.expr:
        entry = self._resolve(node, name)
        if isinstance(entry.value, Unmodelled):
            return self.call(self.bind(entry.value, entry.name), [], node)  # reading it raises NotModelled
        if isinstance(entry.value, cruntime.Dynamic):
            return self.call(self.bind(entry.value.read, entry.name), [], node)
        if entry.kind == CONSTANT:
            return self.bind(entry.value, entry.name)
        raise self.error(node, f"'{name}' is a {entry.kind}, not a value")

    def _resolve(self, node: Node, name: str) -> ApiEntry:
        local = self._in_file(name, self.local_types)
        if local is not None:
            return self.local_types[local]
        head, sep, rest = name.partition("::")
        if sep and head in self.namespace_aliases:
            name = f"{self.namespace_aliases[head]}::{rest}"
        if sep and head in _GENERATED_NAMESPACES and self.bindings is not None:
            return self._binding(node, name, head)
        if name in self.using_names and self.api.lookup(name, self.kind, self.usings) is None:
            name = self.using_names[name]
        entry = self.api.lookup(name, self.kind, self.usings)
        if entry is not None:
            if entry.deprecated:
                self._deprecations.append((node.start_point[0] + 1, f"{name} is deprecated: {entry.deprecated}"))
            return entry
        other = self.api.visible_elsewhere(name, self.usings)
        if other is not None:
            where = " and ".join(sorted(other.groups))
            raise self.error(node, f"'{name}' is not available in {self.kind} code (it belongs to {where} code, "
                                   f"{other.header})")
        declared = self._declared(name)
        if declared is not None:
            return declared
        if self.standalone and self.headers is not None and _MACRO_NAME.fullmatch(name):
            return self._unmodelled_entry(name, FUNCTION, HOST_DEFINES)
        hint = self.api.retired_hint(name, self.usings)
        if hint is not None:
            raise self.error(node, f"'{name}' is the single-device host API, which the interpreter does not model: "
                                   f"{hint}")
        raise self.error(node, f"unknown name '{name}'")

    def _binding(self, node: Node, name: str, space: str) -> ApiEntry:
        """A name of the generated headers, as the kernel's bindings give it (metal2.py)."""
        value = self.bindings.value(name)
        if value is None:
            known = ", ".join(self.bindings.names(space)) or "none"
            raise self.error(node, f"'{name}' is not bound: the kernel's spec names {space}:: {known}")
        return ApiEntry(name, CONSTANT, value, frozenset({self.kind}), GENERATED_HEADERS)

    def _helper_function(self, qualified: str, header: str) -> ApiEntry | None:
        """A function a kernel helper header (ttnn's, not the tt-metal API) defines: compiled from the header's own
        source with this file's kind and defines, so it runs on the modelled API; None when the header does not
        compile here, the function is a template or takes non-const references (then it stays unmodelled)."""
        compiled = _compile_helper(self.headers, header, self.kind, self.defines, self.api)
        if compiled is None or (qualified not in compiled.plain and qualified not in compiled.templates):
            return None
        for name, where in compiled.reached_unmodelled(qualified).items():
            # what the helper reaches without semantics (itself or through its own functions), this file reaches
            self._unmodelled_entry(name, FUNCTION, where)
        if qualified in compiled.templates:
            params = compiled.templates[qualified]
            return ApiEntry(qualified, FUNCTION, _template_caller(qualified, compiled.functions[qualified], params),
                            frozenset({self.kind}), header, (0, 64), (0, len(params)))
        return ApiEntry(qualified, FUNCTION, compiled.functions[qualified], frozenset({self.kind}), header, (0, 64))

    def _resolve_call(self, fn_node: Node, name: str, args_node: Node) -> ApiEntry:
        """`_resolve` for a called name, with argument-dependent lookup for an unqualified one: the namespaces
        its arguments' spelling names (`get_arg(args::x)` finds `experimental::get_arg`, args:: being the
        generated accessors of experimental::RtaArg/CtaVal)."""
        try:
            return self._resolve(fn_node, name)
        except CompileError:
            if "::" in name:
                raise
            for ns in self._associated_namespaces(args_node):
                try:
                    return self._resolve(fn_node, f"{ns}::{name}")
                except CompileError:
                    continue
            raise

    def _associated_namespaces(self, args_node: Node) -> list[str]:
        out: list[str] = []
        for node in self._walk(args_node):
            if node.type == "qualified_identifier":
                head = node.text.decode().split("::", 1)[0].strip()
                ns = "experimental" if head in _GENERATED_NAMESPACES else head
                if ns and ns not in out:
                    out.append(ns)
        return out

    def _declared(self, name: str) -> ApiEntry | None:
        """A name the included real headers declare but no module models: accepted, raises when executed."""
        if self.visible is None:
            return None
        if (name.split("::", 1)[0] in _GENERATED_NAMESPACES and "::" in name) or name in _GENERATED_FUNCTIONS:
            return self._unmodelled_entry(name, CONSTANT, GENERATED_HEADERS)
        parts = self.namespace.split("::")[:-1]
        scopes = ["".join(p + "::" for p in parts[:i]) for i in range(len(parts), 0, -1)]
        hit = self.visible.find(name, scopes + [u + "::" for u in self.usings] + [""])
        if hit is None:
            return None
        qualified, kind, header = hit
        modelled = self.api.lookup(qualified, self.kind) if qualified != name else None
        if modelled is not None:  # an alias in a header (`using CB = CircularBuffer;`) of a modelled name
            return modelled
        if kind == FUNCTION and not header.startswith("tt_metal/"):
            helper = self._helper_function(qualified, header)
            if helper is not None:
                return helper
        if kind == CONSTANT and not header.startswith("tt_metal/"):
            compiled = _compile_helper(self.headers, header, self.kind, self.defines, self.api)
            if compiled is not None and qualified in compiled.constants:  # a helper's enumerator or constexpr
                return ApiEntry(qualified, CONSTANT, compiled.constants[qualified], frozenset({self.kind}), header)
        literal = self.visible.literal(qualified) if kind == CONSTANT else None
        if literal is not None:  # `constexpr uint32_t VALID = 1;`, `#define X 512`: the header gives the value
            return ApiEntry(qualified, CONSTANT, literal, frozenset({self.kind}), header)
        return self._unmodelled_entry(qualified, kind, header)

    def _unmodelled_entry(self, name: str, kind: str, header: str) -> ApiEntry:
        """The entry of an unmodelled name, noted for the function being compiled (or the file, at file scope)."""
        if name not in self.unmodelled:
            self.unmodelled[name] = ApiEntry(name, kind, Unmodelled(name, header), frozenset({self.kind}), header,
                                             (0, 64), (0, 64))
        self.unmodelled_uses.setdefault(self.current_function, {})[name] = header
        return self.unmodelled[name]

    @property
    def _deprecations(self) -> list:
        if not hasattr(self, "_deprecation_list"):
            self._deprecation_list: list = []
        return self._deprecation_list

    def _e_binary_expression(self, node: Node) -> ast.expr:
        op = node.child_by_field_name("operator").text.decode()
        op = _ALTERNATIVE_TOKENS.get(op, op)
        left = self._expr(node.child_by_field_name("left"))
        right = self._expr(node.child_by_field_name("right"))
        if op in self._BINOPS:
            return ast.BinOp(left, self._BINOPS[op](), right)
        if op in self._CMPOPS:
            return ast.Compare(left, [self._CMPOPS[op]()], [right])
        if op == "/":
            return self.call(self.rt("cdiv"), [left, right], node)
        if op == "%":
            return self.call(self.rt("cmod"), [left, right], node)
        if op in ("&&", "||"):  # a C++ bool, not Python's operand value: `int y = 2 && 3;` is 1
            test = ast.BoolOp(ast.And() if op == "&&" else ast.Or(), [left, right])
            return ast.IfExp(test, ast.Constant(True), ast.Constant(False))
        raise self.unsupported(node, f"operator {op}")

    def _e_update_expression(self, node: Node) -> ast.expr:
        """`++i` / `i++` inside an expression (`buf[n++] = x`): an assignment expression on the variable; the
        postfix form yields the value from before."""
        target = node.child_by_field_name("argument")
        if target.type != "identifier" or self.fn is None:
            raise self.unsupported(node, "increment of a non-variable inside an expression")
        var = self._assigned_var(target)
        if var.bound is not None or var.element_of is not None or var.mutable:
            raise self.unsupported(node, "increment of a reference or a global inside an expression")
        op = ast.Add() if node.text.decode().replace(" ", "").count("++") else ast.Sub()
        current = ast.Name(var.py, ast.Load())
        bumped = ast.NamedExpr(ast.Name(var.py, ast.Store()),
                               self._apply_store(var, ast.BinOp(current, op, ast.Constant(1)), node))
        if node.children[0].type in ("++", "--"):  # prefix: the new value
            return bumped
        old = self.fn.fresh("old")
        pair = ast.Tuple([ast.NamedExpr(ast.Name(old, ast.Store()), ast.Name(var.py, ast.Load())), bumped], ast.Load())
        return ast.Subscript(pair, ast.Constant(0), ast.Load())

    def _e_unary_expression(self, node: Node) -> ast.expr:
        op = node.child_by_field_name("operator").text.decode()
        arg = self._expr(node.child_by_field_name("argument"))
        ops = {"-": ast.USub, "+": ast.UAdd, "!": ast.Not, "not": ast.Not, "~": ast.Invert, "compl": ast.Invert}
        if op not in ops:
            raise self.unsupported(node, f"operator {op}")
        return ast.UnaryOp(ops[op](), arg)

    def _e_conditional_expression(self, node: Node) -> ast.expr:
        return ast.IfExp(self._expr(node.child_by_field_name("condition")),
                         self._expr(node.child_by_field_name("consequence")),
                         self._expr(node.child_by_field_name("alternative")))

    def _e_pointer_expression(self, node: Node) -> ast.expr:
        if node.children[0].type == "&":
            operand = node.child_by_field_name("argument")
            var = self.fn.lookup(operand.text.decode()) if self.fn is not None and operand.type == "identifier" \
                else None
            if var is not None and var.store is not None:  # a scalar: no memory stands behind it here
                raise self.unsupported(node, "address-of a scalar variable")
            return self.call(self.bind(cruntime.address_of, "address_of"),
                             [self._expr(node.child_by_field_name("argument"))], node)
        if node.children[0].type != "*":
            raise self.unsupported(node, "address-of")
        return self.call(self.rt("deref"), [self._expr(node.child_by_field_name("argument"))], node)

    _MEMCPY = frozenset({"std::memcpy", "memcpy", "__builtin_memcpy"})
    _BIT_STORES = frozenset({cruntime.wrap_u32, cruntime.wrap_i32, cruntime.to_float32})  # the 32-bit scalars

    def _memcpy(self, arg_nodes: list[Node], node: Node) -> ast.expr:
        """`std::memcpy(&dst, &src, n)` between two 32-bit scalar variables, the bit cast of C++17 kernels."""
        targets = []
        for arg in arg_nodes[:2]:
            inner = arg.child_by_field_name("argument") if arg.type == "pointer_expression" else None
            var = self.fn.lookup(inner.text.decode()) if inner is not None and inner.type == "identifier" \
                and arg.children[0].type == "&" and self.fn is not None else None
            if var is None or var.store not in self._BIT_STORES:
                raise self.unsupported(node, "memcpy other than between two 32-bit scalar variables")
            targets.append((inner, var))
        (dst_node, dst), (_, src) = targets
        value = self.call(self.bind(cruntime.memcpy_value, "memcpy_value"),
                          [self.bind(dst.store, dst.store.__name__), ast.Name(src.py, ast.Load())], node)
        return self._store_expression(dst_node, value, node)

    def _e_subscript_expression(self, node: Node) -> ast.expr:
        return self.call(self.rt("subscript"), [self._expr(node.child_by_field_name("argument")),
                                                self._subscript_index(node)], node)

    def _e_field_expression(self, node: Node) -> ast.expr:
        obj = self._expr(node.child_by_field_name("argument"))
        name = node.child_by_field_name("field").text.decode()
        return self.call(self.rt("member"), [obj, ast.Constant(name)], node)

    def _e_sizeof_expression(self, node: Node) -> ast.expr:
        inner = node.child_by_field_name("type") or node.child_by_field_name("value")
        text = self._unalias(re.sub(r"[()\s]", "", inner.text.decode()))
        if text not in cruntime.SIZEOF:
            declared = self._declared(text) if re.fullmatch(r"[\w:]+", text) else None
            if declared is not None and self.api.lookup(text, self.kind, self.usings) is None:
                return self.call(self.bind(declared.value, declared.name), [], node)  # raises NotModelled
            raise self.unsupported(node, "sizeof")
        return ast.Constant(cruntime.SIZEOF[text])

    def _e_cast_expression(self, node: Node) -> ast.expr:
        type_text = self._type_text(node.child_by_field_name("type"))
        pointer_cast = self.api.lookup("reinterpret_cast", self.kind) if type_text.endswith("*") else None
        if pointer_cast is not None:  # (tt_l1_ptr uint32_t*)(addr): a C cast to a pointer is a reinterpret_cast
            return self.call(self.bind(pointer_cast.value, "reinterpret_cast"),
                             [self._type_expr(type_text), self._expr(node.child_by_field_name("value"))], node)
        return self.call(self.rt("cast"), [ast.Constant(type_text), self._expr(node.child_by_field_name("value"))], node)

    def _e_initializer_list(self, node: Node) -> ast.expr:
        return self._list_literal(node)

    def _list_literal(self, node: Node) -> ast.expr:
        if any(c.type == "initializer_pair" for c in node.named_children):  # {.page_id = i}: a struct argument
            return self.call(self.bind(cruntime.Designated, "Designated"), [], node, self._designated(node))
        return self.at(ast.List([self._arg(c) for c in node.named_children if c.type != "comment"], ast.Load()), node)

    def _arg(self, node: Node) -> ast.expr:
        if node.type == "initializer_list":
            return self._list_literal(node)
        return self._expr(node)

    def _e_compound_literal_expression(self, node: Node) -> ast.expr:
        type_node = node.child_by_field_name("type")
        value = node.child_by_field_name("value")
        return self._construct(type_node, value, node, brace=True)

    def _template_args(self, node: Node) -> list[ast.expr]:
        out = []
        for child in node.named_children:
            if child.type == "comment":
                continue
            if child.type == "type_descriptor":
                # `f<Enum::Value>` parses as a type; an enumerator of the API is a value.
                text = re.sub(r"\s+", "", child.text.decode())
                entry = self.api.lookup(text, self.kind, self.usings)
                if (self.fn is not None and self.fn.lookup(text)) or self._in_file(text, self.file_constants):
                    out.append(self._e_identifier(child))  # `f<N>` with N a variable/constant: N's value
                elif entry is not None and entry.kind == CONSTANT:
                    out.append(self._name_value(child, text))
                elif entry is None and (declared := self._declared(text)) is not None and declared.kind == CONSTANT:
                    out.append(self._name_value(child, text))  # a header's constant: raises when evaluated
                else:
                    out.append(ast.Constant(self._type_text(child)))
            else:
                out.append(self._expr(child))
        return out

    def _check_template(self, entry: ApiEntry, targs: list, node: Node) -> None:
        lo, hi = entry.template_args
        if not lo <= len(targs) <= hi:
            if hi == 0:
                raise self.error(node, f"'{entry.name}' is not a template")
            raise self.error(node, f"'{entry.name}' takes {lo}..{hi} template arguments, got {len(targs)}")

    def _check_arity(self, entry: ApiEntry, n: int, node: Node) -> None:
        lo, hi = entry.args
        if not lo <= n <= hi:
            expected = f"{lo}" if lo == hi else f"{lo} to {hi}"
            raise self.error(node, f"{entry.name}: expected {expected} arguments, got {n}")

    def _e_call_expression(self, node: Node) -> ast.expr:
        fn_node = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        if fn_node.type in ("identifier", "qualified_identifier") and \
                re.sub(r"\s+", "", fn_node.text.decode()) in self._MEMCPY and self.fn is not None:
            return self._memcpy([c for c in args_node.named_children if c.type != "comment"], node)
        if fn_node.type == "template_function" and fn_node.child_by_field_name("name").text == b"reinterpret_cast":
            view = self._scalar_view(fn_node, [c for c in args_node.named_children if c.type != "comment"], node)
            if view is not None:
                return view
        args = [self._arg(c) for c in args_node.named_children if c.type != "comment"]
        targs: list[ast.expr] = []
        if fn_node.type == "template_function":
            name_node = fn_node.child_by_field_name("name")
            targs_node = fn_node.child_by_field_name("arguments")
            name = re.sub(r"\s+", "", name_node.text.decode())
            if name in ("static_cast", "reinterpret_cast"):
                return self._cpp_cast(name, targs_node, args, node)
            targs = self._template_args(targs_node)
        elif fn_node.type == "qualified_identifier" and self._innermost_name(fn_node).type == "template_function":
            inner = self._innermost_name(fn_node)
            scope = fn_node.text.decode()[: inner.start_byte - fn_node.start_byte]
            name = re.sub(r"\s+", "", scope + inner.child_by_field_name("name").text.decode())
            targs = self._template_args(inner.child_by_field_name("arguments"))
        elif fn_node.type == "primitive_type" or (fn_node.type in ("identifier", "qualified_identifier")
                                                  and fn_node.text.decode() in cruntime.INTEGRAL_STORE):
            # a functional cast, float(x) or uint32_t(x): the same as static_cast
            if len(args) != 1:
                raise self.unsupported(node, "functional cast with other than one argument")
            return self.call(self.rt("cast"), [ast.Constant(fn_node.text.decode()), args[0]], node)
        elif fn_node.type == "identifier" and self.fn is not None and self.fn.lookup(fn_node.text.decode()):
            return self.call(ast.Name(self.fn.lookup(fn_node.text.decode()).py, ast.Load()), args, node)  # a lambda
        elif fn_node.type in ("identifier", "qualified_identifier"):
            name = re.sub(r"\s+", "", fn_node.text.decode())
        elif fn_node.type == "field_expression":
            obj = self._expr(fn_node.child_by_field_name("argument"))
            method = fn_node.child_by_field_name("field").text.decode()
            bound = self.call(self.rt("member"), [obj, ast.Constant(method)], node)
            return self.call(bound, args, node)
        elif fn_node.type in ("compound_literal_expression", "parenthesized_expression", "call_expression",
                              "subscript_expression", "lambda_expression"):
            # std::random_device{}(), (f)(x), [&]() { ... }(): operator() of a value
            return self.call(self.rt("invoke"), [self._expr(fn_node), *args], node)
        else:
            raise self.unsupported(fn_node, "call target")
        if not targs and self._in_file(name, self.file_constants) is not None:  # a file-scope lambda
            return self.call(self._e_qualified_identifier(fn_node), args, node)
        own = self._in_file(name, self.functions_defined)
        overloaded = self._in_file(name, self.overloads) if own is None else None
        if overloaded is not None:
            own = self.overloads[overloaded].get(len(args))
            if own is None:
                raise self.error(node, f"no overload of '{overloaded}' takes {len(args)} argument(s) (they take "
                                       f"{', '.join(str(n) for n in sorted(self.overloads[overloaded]))})")
        if own is not None and (own in self.template_params or not targs):
            self.own_calls.setdefault(self.current_function, set()).add(own)
            fn = ast.Name(self._py_function_name(own), ast.Load())
            leading = self._template_call_args(own, targs, node) if own in self.template_params else []
            outs = self._out_positions(self.functions_defined[own])
            if outs:
                arg_nodes = [c for c in args_node.named_children if c.type != "comment"]
                return self._call_with_outs(fn, leading + args, arg_nodes, outs, node)
            return self.call(fn, leading + args, node)
        if name == "std::move" and len(args) == 1:
            return args[0]
        if name == "std::swap" and len(args) == 2 and self.fn is not None:
            return self._swap([c for c in args_node.named_children if c.type != "comment"], args, node)
        entry = self._resolve_call(fn_node, name, args_node)
        if entry.kind == TYPE and not isinstance(entry.value, Unmodelled):
            return self._make(entry, targs, args, [], node)
        return self._call_entry(entry, name, fn_node, targs, args, node)

    def _swap(self, arg_nodes: list[Node], args: list[ast.expr], node: Node) -> ast.expr:
        """std::swap(a, b): both values read, then each stored into the other lvalue (a tuple evaluated in order)."""
        both = self.fn.fresh("swap")
        take = ast.NamedExpr(ast.Name(both, ast.Store()), ast.Tuple(args, ast.Load()))
        item = lambda i: ast.Subscript(ast.Name(both, ast.Load()), ast.Constant(i), ast.Load())  # noqa: E731
        refusal = "std::swap needs two variables, elements or fields"
        return ast.Tuple([take, self._store_expression(arg_nodes[0], item(1), node, refusal),
                          self._store_expression(arg_nodes[1], item(0), node, refusal)], ast.Load())

    def _call_entry(self, entry: ApiEntry, name: str, name_node: Node, targs: list[ast.expr], args: list[ast.expr],
                    node: Node) -> ast.expr:
        """A call of a resolved API function (or of an unmodelled name), its template and call arity checked."""
        if isinstance(entry.value, Unmodelled):
            return self.call(self.bind(entry.value, entry.name), args, node)
        if entry.kind != FUNCTION:
            raise self.error(name_node, f"'{name}' is a {entry.kind}, not a function")
        self._check_template(entry, targs, node) if targs or entry.template_args[0] else None
        self._check_arity(entry, len(args), node)
        fn = self.bind(entry.value, entry.name)
        call_args = ([ast.Tuple(targs, ast.Load())] if entry.template_args != (0, 0) else []) + args
        return self.call(fn, call_args, node)

    @staticmethod
    def _innermost_name(node: Node) -> Node:
        """The last component of a qualified name: `round_up<H, W>` in `tt::common::round_up<H, W>`."""
        while node.type == "qualified_identifier" and node.child_by_field_name("name") is not None:
            node = node.child_by_field_name("name")
        return node

    def _type_params_in(self, text: str) -> dict[str, _Var]:
        """The function template's `typename` parameters a type spelling uses (`volatile T*` uses T)."""
        if self.fn is None:
            return {}
        found = {}
        for word in set(re.findall(r"\b\w+\b", text)):
            var = self.fn.lookup(word)
            if var is not None and var.type_param:
                found[word] = var
        return found

    def _type_expr(self, text: str) -> ast.expr:
        """A type spelling as compiled code sees it: constant, or with the template's type arguments put in."""
        params = self._type_params_in(text)
        if not params:
            return ast.Constant(text)
        names = sorted(params)
        return ast.Call(self.bind(_substitute_types, "substitute_types"),
                        [ast.Constant(text), ast.Tuple([ast.Constant(n) for n in names], ast.Load()),
                         ast.Tuple([ast.Name(params[n].py, ast.Load()) for n in names], ast.Load())], [])

    def _scalar_view(self, fn_node: Node, arg_nodes: list[Node], node: Node) -> ast.expr | None:
        """reinterpret_cast<const T*>(&x) of a scalar local x: a read-only view of x's bytes (cruntime.ScalarView)."""
        if len(arg_nodes) != 1 or arg_nodes[0].type != "pointer_expression" or arg_nodes[0].children[0].type != "&":
            return None
        operand = arg_nodes[0].child_by_field_name("argument")
        var = self.fn.lookup(operand.text.decode()) if self.fn is not None and operand.type == "identifier" else None
        source = cruntime._STORE_DTYPES.get(var.store) if var is not None else None
        types = [c for c in fn_node.child_by_field_name("arguments").named_children if c.type == "type_descriptor"]
        pointee = re.sub(r"\b(const|volatile|tt_l1_ptr)\b|\*", "", self._type_text(types[0])).strip() if types else ""
        target = cruntime._UNION_DTYPES.get(pointee.removeprefix("std::"))
        if source is None or target is None:
            return None
        return self.call(self.bind(cruntime.scalar_view, "scalar_view"),
                         [ast.Name(var.py, ast.Load()), ast.Constant(source), ast.Constant(target)], node)

    def _cpp_cast(self, which: str, targs_node: Node, args: list[ast.expr], node: Node) -> ast.expr:
        types = [c for c in targs_node.named_children if c.type == "type_descriptor"]
        if len(types) != 1 or len(args) != 1:
            raise self.unsupported(node, which)
        type_text = self._type_text(types[0])
        if which == "reinterpret_cast":
            entry = self.api.lookup("reinterpret_cast", self.kind)
            if entry is None:
                raise self.unsupported(node, "reinterpret_cast")
            return self.call(self.bind(entry.value, "reinterpret_cast"), [self._type_expr(type_text), args[0]], node)
        param = self.fn.lookup(type_text) if self.fn is not None else None
        if param is not None and param.type_param:  # static_cast<T>(x) in a function template
            return self.call(self.rt("cast"), [ast.Name(param.py, ast.Load()), args[0]], node)
        return self.call(self.rt("cast"), [ast.Constant(type_text), args[0]], node)


def _dispatcher(name: str, by_count: dict[int, Callable]) -> Callable:
    def call(*args):
        fn = by_count.get(len(args))
        if fn is None:
            raise cruntime.CppRuntimeError(f"no overload of '{name}' takes {len(args)} argument(s)")
        return fn(*args)
    return call


def _with_defaults(params: list, prototype: list) -> list:
    """A template's parameters with the defaults its prototype gives where the definition gives none."""
    if len(params) != len(prototype):
        return params
    return [(n, t, d if d is not None else p[2]) for (n, t, d), p in zip(params, prototype)]


_IMPLEMENTATION_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+\.(?:inl|ipp|tpp))"', re.M)


def _template_caller(name: str, fn: Callable, params: list) -> Callable:
    """A helper header's function template called from another file: the explicit template arguments, then each
    missing one's default (a deduced typename stays None: values carry their own type)."""
    def call(targs, *args):
        leading = list(targs)
        for pname, typename, thunk in params[len(leading):]:
            if thunk is None and not typename:
                raise cruntime.CppRuntimeError(f"template argument '{pname}' of '{name}' is neither given nor "
                                               "defaulted")
            leading.append(thunk() if thunk is not None else None)
        return fn(*leading, *args)
    return call


def _compile_helper(headers: HeaderTree, header: str, kind: str, defines: Mapping[str, str],
                    api: Api) -> CompiledFile | None:
    """A helper header compiled once per kind and defines (kept on the tree); None if it does not compile."""
    cache = headers.compiled
    key = (header, kind, tuple(sorted(defines.items())), id(api))
    if key not in cache:
        cache[key] = None  # a header reached again while it compiles (an include cycle) stays unmodelled
        source = headers.source(header)
        for target in _IMPLEMENTATION_INCLUDE.findall(source or ""):
            # `#include "x_helpers.inl"` at a header's end: the definitions of its templates, part of the header
            found = headers.resolve(target, posixpath.dirname(header))
            source += "\n" + (headers.source(found) or "") if found is not None else ""
        try:
            cache[key] = Compiler(header, source, kind, api, defines, headers, lenient=True).compile() \
                if source else None
        except CompileError:
            cache[key] = None
    return cache[key]


def compile_file(path: str | Path, kind: str, api: Api = API, defines: Mapping[str, str] | None = None,
                 headers: HeaderTree | None = None) -> CompiledFile:
    """Read and compile one emitted C++ file; every problem is a `CompileError` with file:line."""
    try:
        source = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise CompileError(f"cannot read: {exc}", Location(str(path))) from None
    return Compiler(str(path), source, kind, api, defines, headers).compile()


def compile_source(source: str, kind: str, path: str = "<source>.cpp", api: Api = API,
                   defines: Mapping[str, str] | None = None, headers: HeaderTree | None = None,
                   standalone: bool = False, bindings=None) -> CompiledFile:
    """Compile C++ text. With `headers`, names those headers declare but no module models compile into values
    that raise `NotModelled` when executed (listed in `CompiledFile.unmodelled`) instead of being refused.
    `standalone`: the file is compiled without the host that would pass its `defines`, so an unknown macro-style
    name (ELTWISE_OP) is taken for one of those and is unmodelled, not an error. `bindings` (metal2.Bindings): the
    Metal 2.0 names (args::x, dfb::x, sem::x, tensor::x) the kernel's spec gives it."""
    compiler = Compiler(path, source, kind, api, defines, headers)
    compiler.standalone = standalone
    compiler.bindings = bindings
    return compiler.compile()
