"""Temporary folders that name the process that owns them, so a sweep removes only what a dead process left.

Renders and header fetches build their output in a hidden folder beside the destination and rename it into
place. Several processes may do that beside the same destination at once (`make -j`, an editor's save hook
beside a manual render), so a leftover may only be removed once its owner is gone: every such folder is named
``.<name>.p<pid>.<random><suffix>`` and `stale` checks that pid. A folder without a pid (written by an older
ttgen) counts as stale.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path


def make(parent: Path, name: str, suffix: str) -> Path:
    """A new private folder `.<name>.p<pid>.<random><suffix>` in `parent`, owned by this process."""
    return Path(tempfile.mkdtemp(prefix=f".{name}.p{os.getpid()}.", suffix=suffix, dir=parent))


def owner(path: Path, name: str) -> int | None:
    """The pid in a folder name made by `make(…, name, …)`; None when the name carries none."""
    match = re.match(rf"\.{re.escape(name)}\.p(\d+)\.", path.name)
    return int(match.group(1)) if match else None


def alive(pid: int) -> bool:
    """Whether a process with this pid exists (signal 0 probes without delivering anything)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive, and not ours to judge
    except OverflowError:
        return False
    return True


def stale(parent: Path, name: str) -> Iterator[Path]:
    """Every leftover `.<name>.*` in `parent` whose owner is gone."""
    for path in parent.glob(f".{name}.*"):
        pid = owner(path, name)
        if pid is None or not alive(pid):
            yield path
