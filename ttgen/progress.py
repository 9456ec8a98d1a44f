"""Progress of a command over many specs: a rich bar on a terminal, one plain line per spec when piped.

Both go to stderr, so the table or listing a command prints on stdout stays machine-readable.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path


def console(stderr: bool = False, width: int = 100):
    """A rich console that never wraps our `file:line:` messages (rich loads only when something prints)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=max(width, Console().width))


def each_spec(paths: Iterable[Path], verb: str) -> Iterator[Path]:
    """Yield every path while showing `verb name (i/n)`; the bar disappears when the loop ends."""
    paths = list(paths)
    if len(paths) < 2:
        yield from paths
        return
    err = console(stderr=True)
    if not err.is_terminal:
        for i, path in enumerate(paths, 1):
            print(f"{verb} {path.stem} ({i}/{len(paths)})", file=sys.stderr, flush=True)
            yield path
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(f"{verb} {{task.description}}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("", total=len(paths))
        for path in paths:
            bar.update(task, description=path.stem)
            yield path
            bar.advance(task)
