"""Helpers for tests and scripts: render a spec variant into a folder, run it, break an emitted line, kill
renders mid-way."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .interp.runner import RunReport, run_folder
from .paths import PROJECT_ROOT
from .plan import make_plan
from .render import render_to
from .spec import load_spec


def variant(spec_path: str | Path, folder: Path, name: str | None = None, **sections: dict[str, Any]) -> Path:
    """Write a copy of a spec with some top-level sections updated (e.g. sizes={"M": 64}); returns its path."""
    data = yaml.safe_load(Path(spec_path).read_text())
    for key, changes in sections.items():
        if isinstance(changes, dict) and isinstance(data.get(key), dict):
            data[key].update(changes)
        else:
            data[key] = changes
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or Path(spec_path).stem}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def render_spec(spec_path: str | Path, out: Path) -> Path:
    """Render one spec into `out/<name>/`; returns the kernel folder."""
    return render_to(make_plan(load_spec(spec_path)), out)


def run(folder: Path, **kwargs: Any) -> RunReport:
    return run_folder(folder, **kwargs)


def mutate(folder: Path, file_pattern: str, line_pattern: str, replace: str | None, count: int = 1) -> Path:
    """Edit the first `count` lines matching `line_pattern` in the first file whose path matches `file_pattern`:
    delete them (replace=None) or substitute the match with `replace` (a re.sub template). Returns the file."""
    files = sorted(p for p in folder.rglob("*.cpp") if re.search(file_pattern, str(p.relative_to(folder))))
    regex = re.compile(line_pattern)
    for path in files:
        lines = path.read_text().split("\n")
        hits = [i for i, line in enumerate(lines) if regex.search(line)][:count]
        if not hits:
            continue
        for i in reversed(hits):
            if replace is None:
                del lines[i]
            else:
                lines[i] = regex.sub(replace, lines[i], count=1)
        path.write_text("\n".join(lines))
        return path
    raise LookupError(f"no line matching {line_pattern!r} in files matching {file_pattern!r}")


def copy_folder(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


def snapshot(folder: Path) -> dict[str, bytes] | None:
    """Every file of a folder (relative path -> bytes), or None when it does not exist."""
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def render_process(spec: Path, out: Path) -> subprocess.Popen:
    """`ttgen render spec -o out` in a child process (to be killed)."""
    return subprocess.Popen([sys.executable, "-m", "ttgen.cli", "render", str(spec), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=PROJECT_ROOT)


@dataclass
class KillResult:
    kills: int = 0
    old: int = 0  # kills that left the previous render's folder
    new: int = 0  # kills that left the new render's folder
    mixed: int = 0  # kills that left anything else (must stay 0)
    swept: bool = False  # the next render removed what the killed ones left beside the folder


def kill_renders(workdir: Path, kills: int, spread: float = 0.07) -> KillResult:
    """Render a spec, then render a variant of it and SIGKILL that render at spread-out moments (from import
    time to past the folder swap), `kills` times; count what each kill left."""
    source = PROJECT_ROOT / "specs" / "multi_elementwise.yaml"
    old_spec = variant(source, workdir / "old")
    new_spec = variant(source, workdir / "new", sizes={"M": 128, "N": 256})
    out = workdir / "out"
    if render_process(new_spec, workdir / "reference").wait() != 0:
        raise RuntimeError("the reference render failed")
    new = snapshot(workdir / "reference" / "multi_elementwise")
    started = time.monotonic()
    if render_process(old_spec, out).wait() != 0:
        raise RuntimeError("the first render failed")
    duration = time.monotonic() - started
    old = snapshot(out / "multi_elementwise")
    result = KillResult()
    for i in range(kills):
        render_process(old_spec, out).wait()
        process = render_process(new_spec, out)
        time.sleep(duration * (0.5 + spread * (i % 15)))
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = snapshot(out / "multi_elementwise")
        result.kills += 1
        if state == old:
            result.old += 1
        elif state == new:
            result.new += 1
        else:
            result.mixed += 1
    render_process(new_spec, out).wait()
    result.swept = snapshot(out / "multi_elementwise") == new and [p.name for p in out.iterdir()] == [
        "multi_elementwise"]
    return result


@dataclass
class ConcurrentResult:
    renders: int = 0
    failures: list[str] = field(default_factory=list)  # "exit N: stderr" of each render that did not exit 0
    killed: int = 0
    wrong: int = 0  # rounds whose final folder differed from a render made alone (must stay 0)
    leftovers: int = 0  # hidden folders still beside the output after the last, unkilled render


def concurrent_renders(workdir: Path, rounds: int, renders: int = 4, kill_one: bool = False,
                       specs: Path = PROJECT_ROOT / "specs") -> ConcurrentResult:
    """Start `renders` renders of `specs` into one folder at once, `rounds` times; with `kill_one`, SIGKILL one
    of them mid-way in each round. Every other render must exit 0 and the folder must equal a lone render's."""
    alone = workdir / "alone"
    if render_process(specs, alone).wait() != 0:
        raise RuntimeError("the lone render failed")
    expected = snapshot(alone)
    out = workdir / "out"
    result = ConcurrentResult()
    for i in range(rounds):
        processes = [_render_capturing(specs, out) for _ in range(renders)]
        victim = processes[i % renders] if kill_one else None
        if victim is not None:
            time.sleep(0.3 + 0.15 * (i % 6))
            victim.send_signal(signal.SIGKILL)
            result.killed += 1
        for process in processes:
            _, stderr = process.communicate()
            if process is victim:
                continue
            result.renders += 1
            if process.returncode != 0:
                result.failures.append(f"exit {process.returncode}: {stderr.strip()}")
        if kill_one:  # the killed render may have been the last to swap; a lone render settles the folder
            render_process(specs, out).wait()
        if snapshot(out) != expected:
            result.wrong += 1
    result.leftovers = sum(1 for p in out.iterdir() if p.name.startswith("."))
    return result


def _render_capturing(spec: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ttgen.cli", "render", str(spec), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
