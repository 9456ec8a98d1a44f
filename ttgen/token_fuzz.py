"""Random token edits of emitted kernels, each run through `ttgen run` as a user would: never a traceback or a hang.

Where `ttgen.mutation` breaks lines in ways a kernel author might (a dropped barrier, an index off by one), this
breaks them the way a slip of the keyboard does: a token of the C++ text (a leaf of tree-sitter's parse) deleted,
doubled, swapped with its neighbour, or replaced by another identifier, number or operator of the same file.
Most edits no longer compile, some still run correctly, some compute something else. Whatever happens, the run
must end in time with exit 0 (the edit was harmless) or 1 with its one-line diagnosis; `internal error`, a
Python traceback, another exit code or the timeout counts as a bug.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_cpp
from tree_sitter import Language, Parser

from .paths import PROJECT_ROOT

_PARSER = Parser(Language(tree_sitter_cpp.language()))
RUN_ARGS = ("--max-steps", "2000000", "--max-seconds", "60")  # GEMM at spec size needs ~1,200 iterations
TIMEOUT = 90.0  # seconds a case may take before it counts as a hang (above the run's own 60 s wall budget)
_NUMBERS = ("0", "1", "2", "31", "32", "-1", "4294967295", "1e30", "0.5f")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    kind: str  # tree-sitter node type: identifier, number_literal, "+", ";", ...
    text: str


def tokens(source: str) -> list[Token]:
    """The leaves of the parse, comments left out (an edit there changes nothing)."""
    data = source.encode()
    found: list[Token] = []
    stack = [_PARSER.parse(data).root_node]
    while stack:
        node = stack.pop()
        if node.type == "comment":
            continue
        if node.child_count == 0:
            if node.end_byte > node.start_byte:
                found.append(Token(node.start_byte, node.end_byte, node.type,
                                   data[node.start_byte:node.end_byte].decode()))
            continue
        stack.extend(reversed(node.children))
    return found


def _splice(source: str, token: Token, replacement: str) -> str:
    data = source.encode()
    return (data[:token.start] + replacement.encode() + data[token.end:]).decode()


def _delete(source: str, toks: list[Token], rng: random.Random) -> tuple[str, str]:
    t = rng.choice(toks)
    return _splice(source, t, ""), f"deleted {t.text!r}"


def _double(source: str, toks: list[Token], rng: random.Random) -> tuple[str, str]:
    t = rng.choice(toks)
    return _splice(source, t, f"{t.text} {t.text}"), f"doubled {t.text!r}"


def _swap(source: str, toks: list[Token], rng: random.Random) -> tuple[str, str]:
    i = rng.randrange(len(toks) - 1)
    a, b = toks[i], toks[i + 1]
    data = source.encode()
    swapped = data[:a.start] + b.text.encode() + data[a.end:b.start] + a.text.encode() + data[b.end:]
    return swapped.decode(), f"swapped {a.text!r} and {b.text!r}"


def _same_kind(kinds: Callable[[Token], bool]) -> Callable[[str, list[Token], random.Random], tuple[str, str]]:
    def replace(source: str, toks: list[Token], rng: random.Random) -> tuple[str, str]:
        pool = [t for t in toks if kinds(t)] or toks
        t = rng.choice(pool)
        others = sorted({u.text for u in pool if u.text != t.text})
        if t.kind == "number_literal":
            others = sorted(set(others) | set(_NUMBERS) - {t.text})
        new = rng.choice(others) if others else "0"
        return _splice(source, t, new), f"{t.text!r} -> {new!r}"
    return replace


EDITS: dict[str, Callable[[str, list[Token], random.Random], tuple[str, str]]] = {
    "delete": _delete,
    "double": _double,
    "swap": _swap,
    "identifier": _same_kind(lambda t: t.kind in ("identifier", "field_identifier", "type_identifier",
                                                 "namespace_identifier", "primitive_type")),
    "number": _same_kind(lambda t: t.kind == "number_literal"),
    "operator": _same_kind(lambda t: not t.text[0].isalnum() and t.text[0] not in "_\"'"),
}


@dataclass
class Case:
    seed: int
    file: str  # the edited kernel, relative to the kernel folder
    edit: str  # EDITS key
    what: str  # the edit in words
    outcome: str = ""  # ok | diagnosed | bug
    detail: str = ""  # the diagnosis, or why it is a bug
    seconds: float = 0.0  # wall time of the run


def kernel_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in (folder / "kernels").rglob("*.cpp"))


def make_case(folder: Path, seed: int) -> tuple[Case, str]:
    """The edit of case `seed` (deterministic): which file, and its edited text."""
    rng = random.Random(seed)
    rel = rng.choice(kernel_files(folder))
    source = (folder / rel).read_text()
    edit = rng.choice(sorted(EDITS))
    text, what = EDITS[edit](source, tokens(source), rng)
    return Case(seed, rel, edit, what), text


def classify(returncode: int | None, output: str) -> tuple[str, str]:
    """(outcome, detail) of one `ttgen run`; returncode None means it was stopped at the timeout."""
    lines = [line for line in output.splitlines() if line.strip()]
    if returncode is None:
        return "bug", f"no result within {TIMEOUT:.0f} s"
    if "Traceback (most recent call last)" in output or "internal error" in output:
        return "bug", next((line for line in lines if "internal error" in line), lines[-1] if lines else "")
    if returncode == 0:
        return "ok", ""
    if returncode == 1 and lines:
        return "diagnosed", lines[0]
    return "bug", f"exit code {returncode}: {lines[-1] if lines else 'no output'}"


def run_case(folder: Path, seed: int, workdir: Path) -> Case:
    case, text = make_case(folder, seed)
    copy = workdir / f"case{seed}" / folder.name
    shutil.copytree(folder, copy)
    (copy / case.file).write_text(text)
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "ttgen.cli", "run", str(copy), *RUN_ARGS],
                              capture_output=True, text=True, timeout=TIMEOUT, cwd=PROJECT_ROOT)
        case.outcome, case.detail = classify(done.returncode, done.stdout + done.stderr)
    except subprocess.TimeoutExpired:
        case.outcome, case.detail = classify(None, "")
    case.seconds = time.monotonic() - started
    shutil.rmtree(copy.parent, ignore_errors=True)
    return case


@dataclass
class Campaign:
    cases: list[Case] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.cases if c.outcome == outcome)

    @property
    def bugs(self) -> list[Case]:
        return [c for c in self.cases if c.outcome == "bug"]

    def by_edit(self) -> dict[str, Counter]:
        table: dict[str, Counter] = {}
        for c in self.cases:
            table.setdefault(c.edit, Counter())[c.outcome] += 1
        return table


def campaign(folder: Path, seeds: Iterable[int], jobs: int = 2,
             on_case: Callable[[Case], None] | None = None) -> Campaign:
    """Run every seed's edit of `folder` (a rendered kernel folder), `jobs` at a time."""
    result = Campaign()
    with tempfile.TemporaryDirectory(prefix="ttgen-tokens-") as tmp, ThreadPoolExecutor(jobs) as pool:
        for case in pool.map(lambda s: run_case(folder, s, Path(tmp)), seeds):
            result.cases.append(case)
            if on_case is not None:
                on_case(case)
    return result
