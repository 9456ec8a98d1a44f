"""The C preprocessor step of the front end: `#define`, `#if`/`#ifdef`, macro expansion, kernel defines.

Real kernels select code with `#ifdef` and take `defines` from `CreateKernel`'s config (ttnn passes e.g.
`-DFUSE_BIAS=1` this way), so the text we parse is the preprocessed one. pcpp does the work; it keeps every line
where it was (a removed line becomes empty), so compile errors and violations still name the line of the file as
written. `#include`s are not expanded but passed through: the API they name is the interpreter's own model of it.
Sources without a conditional or a macro definition skip the step (emitted programs never need it).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

import pcpp


# C++ spells &&, || and ! also as and, or, not (ttnn's kernels do, in #if); pcpp evaluates C, so conditions are
# respelled first. Only directive lines change, so every line keeps its number.
_CONDITION = re.compile(r"^(\s*#\s*(?:el)?if\b)(.*)$", re.M)
_ALTERNATIVE = {"and": "&&", "or": "||", "not": "!"}
_ALTERNATIVE_RE = re.compile(r"\b(and|or|not)\b")


def _respell_conditions(source: str) -> str:
    return _CONDITION.sub(lambda m: m.group(1) + _ALTERNATIVE_RE.sub(lambda a: _ALTERNATIVE[a.group(1)],
                                                                     m.group(2)), source)


_DIRECTIVE = re.compile(r"^\s*#\s*(define|undef|if|ifdef|ifndef|elif|else|endif|error)\b", re.M)


class PreprocessError(Exception):
    """A directive the preprocessor rejects (`#error`, a malformed `#if`): the front end reports it at `line`."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


class _Preprocessor(pcpp.Preprocessor):
    def __init__(self):
        super().__init__()
        self.line_directive = "#line"  # turned back into line positions by _place_lines
        self.passthru_includes = re.compile(r".*")
        self.errors: list[tuple[int, str]] = []
        self.warnings: list[tuple[int, str]] = []

    def on_include_not_found(self, is_malformed, is_system_include, curdir, includepath):
        raise pcpp.OutputDirective(pcpp.Action.IgnoreAndPassThrough)

    # C semantics for names a condition uses but nothing defined: 0, and not defined.
    def on_unknown_macro_in_expr(self, ident):
        return 0

    def on_unknown_macro_in_defined_expr(self, tok):
        return False

    def on_unknown_macro_function_in_expr(self, ident):
        return lambda *args: 0

    def on_comment(self, tok):
        # drop comments, as a C preprocessor does: `#define SLOTS 3  // in the CB` must expand to 3 alone (the
        # #line markers keep every line where it was)
        return False

    def on_error(self, file, line, msg):
        self.errors.append((line, msg))

    def on_directive_unknown(self, directive, toks, ifpassthru, precedingtoks):
        text = "".join(tok.value for tok in toks).strip()
        if directive.value == "error":
            self.errors.append((directive.lineno, f"#error {text}"))
            return True
        if directive.value == "warning":
            self.warnings.append((directive.lineno, f"#warning {text}"))
            return True
        return None  # #pragma and the like stay for the compiler


def needs_preprocessing(source: str, defines: Mapping[str, str] | None) -> bool:
    return bool(defines) or _DIRECTIVE.search(source) is not None


def preprocess(source: str, path: str, defines: Mapping[str, str] | None = None) -> str:
    """`source` with its directives carried out and its macros expanded; `defines` as `-DNAME=value` would."""
    pp = _Preprocessor()
    for name, value in (defines or {}).items():
        pp.define(f"{name} {value}")
    pp.parse(_respell_conditions(source), path)
    out = io.StringIO()
    pp.write(out)
    if pp.errors:
        raise PreprocessError(*pp.errors[0])
    return _place_lines(out.getvalue())


_LINE_MARKER = re.compile(r'#line (\d+)(?: "[^"]*")?$')


def _place_lines(text: str) -> str:
    """Put every output line back at the line number pcpp's `#line` markers give it."""
    out: list[str] = []
    for line in text.split("\n"):
        marker = _LINE_MARKER.match(line)
        if marker:
            target = int(marker.group(1)) - 1  # lines before the next one
            out.extend([""] * (target - len(out)))
            continue
        out.append(line)
    return "\n".join(out)


# Attribute-like macros of the kernel API headers, expanded as the preprocessor would (same length, so every
# column and line stays where it was): `tt_l1_ptr` / `tt_reg_ptr` mark L1 and register pointers, FORCE_INLINE /
# ALWI mean inline.
_ATTRIBUTE_MACROS = {"tt_l1_ptr": "", "tt_reg_ptr": "", "FORCE_INLINE": "inline", "ALWI": "inline"}
_ATTRIBUTE_RE = re.compile(r"\b(" + "|".join(_ATTRIBUTE_MACROS) + r")\b")


def expand_attribute_macros(source: str) -> str:
    return _ATTRIBUTE_RE.sub(lambda m: _ATTRIBUTE_MACROS[m.group(1)].ljust(len(m.group(1))), source)


def macros_of(source: str, path: str, defines: Mapping[str, str] | None = None) -> dict[str, str]:
    """The macros a header leaves defined once preprocessed with `defines`, as `preprocess` takes defines:
    `{"NAME": "body", "F(a, b)": "body", "V(...)": "body"}` (its `#if` branches decided as the including build's
    would decide them)."""
    pp = _Preprocessor()
    for name, value in (defines or {}).items():
        pp.define(f"{name} {value}")
    try:
        pp.parse(_respell_conditions(source), path)
        pp.write(io.StringIO())
    except Exception:  # noqa: BLE001 - a header pcpp cannot take contributes no macros
        return {}
    out: dict[str, str] = {}
    for name, macro in pp.macros.items():
        if name in (defines or {}) or name.startswith("__"):
            continue
        body = "".join(token.value for token in macro.value).strip()
        if macro.arglist is None:
            out[name] = body
        else:
            args = ["..." if macro.variadic and a == "__VA_ARGS__" else a for a in macro.arglist]
            out[f"{name}({', '.join(args)})"] = body
    return out
