"""Program mutation campaign: break the emitted C++ of a rendered kernel one line at a time and check that the
interpreter diagnoses every break (a violation or a numeric mismatch).

Mutation sites, found in every kernel file: each CB call (deleted, or its page count off by one), each barrier
and semaphore call (deleted), each DST lifecycle call (deleted), the tile index of each tile operation and
page transfer (off by one), and each loop bound (one iteration short, one too many). A mutant that still
passes is a survivor: a checker gap, or an equivalent mutant that computes the same thing.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .interp.runner import run_folder
from .interp.scheduler import Budget

CB_CALL = re.compile(r"\b(cb_wait_front|cb_pop_front|cb_reserve_back|cb_push_back)\((\w+), ([^;]+)\);")
SYNC_CALL = re.compile(r"^\s*(noc_async_read_barrier|noc_async_write_barrier|noc_semaphore_\w+|"
                       r"tile_regs_acquire|tile_regs_commit|tile_regs_wait|tile_regs_release)\(.*\);\s*$")
TILE_OP = re.compile(r"\b(matmul_tiles|add_tiles|sub_tiles|mul_tiles|copy_tile|transpose_tile|reduce_tile<[^>]*>|"
                     r"noc_async_read_page|noc_async_write_page)\(([^,;]+),")
LOOP = re.compile(r"for \((?:uint32_t|int32_t|int) (\w+) = [^;]+; \1 < ([^;]+); ")


@dataclass(frozen=True)
class Mutant:
    file: str  # relative to the kernel folder
    line: int  # 1-based
    kind: str
    text: str  # the mutated line

    def describe(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}: {self.text.strip()}"


def mutants(folder: Path) -> list[Mutant]:
    """Every mutant of the kernel files (not the host program) of a rendered folder."""
    out: list[Mutant] = []
    for path in sorted((folder / "kernels").rglob("*.cpp")):
        rel = str(path.relative_to(folder))
        for number, line in enumerate(path.read_text().split("\n"), 1):
            if line.strip().startswith("//"):
                continue
            m = CB_CALL.search(line)
            if m:
                out.append(Mutant(rel, number, f"delete {m[1]}", ""))
                out.append(Mutant(rel, number, f"{m[1]} count + 1", line.replace(m[0], f"{m[1]}({m[2]}, {m[3]} + 1);")))
            if SYNC_CALL.match(line):
                out.append(Mutant(rel, number, f"delete {SYNC_CALL.match(line)[1]}", ""))
            m = TILE_OP.search(line)
            if m:
                out.append(Mutant(rel, number, f"{m[1].split('<')[0]} index + 1",
                                  line.replace(m[0], f"{m[1]}({m[2]} + 1,", 1)))
            m = LOOP.search(line)
            if m:
                var, bound = m[1], m[2]
                out.append(Mutant(rel, number, "loop one short", line.replace(f"{var} < {bound};", f"{var} + 1 < {bound};", 1)))
                out.append(Mutant(rel, number, "loop one too many", line.replace(f"{var} < {bound};", f"{var} <= {bound};", 1)))
    return out


def apply(folder: Path, mutant: Mutant, into: Path) -> Path:
    """A copy of `folder` in `into` with the mutant's line replaced."""
    if into.exists():
        shutil.rmtree(into)
    shutil.copytree(folder, into)
    path = into / mutant.file
    lines = path.read_text().split("\n")
    lines[mutant.line - 1] = mutant.text
    path.write_text("\n".join(lines))
    return into


def diagnosed(folder: Path, mutant: Mutant, budget: Budget | None = None) -> tuple[bool, str]:
    """Run one mutant; (True, what caught it) when the interpreter reports a violation or a mismatch."""
    with tempfile.TemporaryDirectory(prefix="ttgen-mutant-") as tmp:
        report = run_folder(apply(folder, mutant, Path(tmp) / folder.name),
                            budget=budget or Budget(max_steps=2_000_000, max_seconds=120.0))
    if report.violation is not None:
        return True, report.violation.check
    return (not report.ok), ("mismatch" if not report.ok else "survived")
