"""Helpers for tests and scripts: render a spec variant into a folder, run it, break an emitted line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import yaml

from .interp.runner import RunReport, run_folder
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
