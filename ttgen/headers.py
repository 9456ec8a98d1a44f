"""The real tt-metal kernel headers, fetched once from the pinned `ttnn` wheel into a user cache folder.

`ttgen check --compile` type-checks every emitted kernel against these headers (see `ttgen.compile.kernels`).
They ship inside the `ttnn` wheel under `ttnn/tt_metal/`: the firmware wrappers (`hw/firmware/src/tt-1xx/*.cc`),
the kernel API (`hw/inc/api/`), the LLK (`tt-llk/`, `hw/ckernels/`) and the SoC descriptors. Nothing is installed:
the wheel is downloaded with `pip download` into a temporary folder, only `ttnn/tt_metal/**` is unpacked, and the
wheel is deleted again.

Cache layout: ``<cache>/tt_metal/...`` plus a ``<cache>/.ttgen-complete`` marker, where ``<cache>`` is
``$TTGEN_CACHE/ttnn-<version>`` if ``TTGEN_CACHE`` is set, else ``$XDG_CACHE_HOME/ttgen/ttnn-<version>`` (by
default ``~/.cache/ttgen/ttnn-<version>``). The folder appears atomically (unpacked under a temporary name, then
renamed), so an interrupted download never leaves a half-filled cache behind; the temporary folder names its
process, and the next fetch removes those whose process is gone. The marker is a manifest of every unpacked
file and its size: a copy with a file missing or truncated is not used but fetched again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from . import leftovers
from .errors import TtgenError

TTNN_VERSION = "0.74.0"  # the one pinned tt-metal release: headers, JIT build facts and docs all refer to it

# The wheel is pure data to us, so any of its builds will do; pin one so the download is reproducible.
_WHEEL_PYTHON = "3.12"
_WHEEL_PLATFORM = "manylinux_2_34_x86_64"
_WHEEL_SIZE_MB = 72
_MEMBER_PREFIX = "ttnn/tt_metal/"
_MARKER = ".ttgen-complete"
# Files that must exist in a usable copy (the three firmware wrappers the compile check builds through).
_REQUIRED = ("hw/firmware/src/tt-1xx/brisck.cc", "hw/firmware/src/tt-1xx/ncrisck.cc",
             "hw/firmware/src/tt-1xx/trisck.cc", "hw/inc/api/dataflow/dataflow_api.h")

Progress = Callable[[str, "int | None", "int | None"], None]
"""progress(description, completed, total): a stage and how far it got (None when unknown)."""


def cache_dir() -> Path:
    """Where the headers of the pinned version live (whether or not they are there yet)."""
    base = os.environ.get("TTGEN_CACHE")
    if base:
        root = Path(base).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "ttgen"
    return root / f"ttnn-{TTNN_VERSION}"


def headers_present() -> Path | None:
    """The cached `tt_metal` folder if a complete, intact copy is there; never downloads."""
    folder = cache_dir()
    return folder / "tt_metal" if _intact(folder) else None


def _intact(folder: Path) -> bool:
    """Whether every file the marker lists is there with its unpacked size (a stat each: ~10 ms)."""
    try:
        manifest = json.loads((folder / _MARKER).read_text())
        files = manifest["files"]
        if manifest.get("ttnn") != TTNN_VERSION or not all(rel in files for rel in _REQUIRED):
            return False
        tt_metal = folder / "tt_metal"
        return all((tt_metal / rel).stat().st_size == size for rel, size in files.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False  # no marker, an older marker without sizes, a missing file: not a usable copy


def sweep_partials() -> list[Path]:
    """Remove the unpacking folders that fetches killed mid-way left beside the cache; returns them."""
    folder = cache_dir()
    removed = list(leftovers.stale(folder.parent, folder.name)) if folder.parent.is_dir() else []
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def ensure_headers(progress: Progress | None = None) -> Path:
    """The cached `tt_metal` folder, downloading and unpacking the pinned wheel first if it is not there.

    `progress` receives (description, completed, total) updates; by default a rich progress display is shown on
    stderr. Raises `TtgenError` (one line) when the wheel cannot be fetched or unpacked.
    """
    sweep_partials()
    found = headers_present()
    if found is not None:
        return found
    if progress is not None:
        return _fetch(progress)
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(f"ttgen: the compile check needs the tt-metal kernel headers of ttnn {TTNN_VERSION}; "
                  f"fetching them once (a ~{_WHEEL_SIZE_MB} MB wheel) into {cache_dir()}", markup=False)
    with RichProgress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def show(description: str, completed: int | None, total: int | None) -> None:
            if description not in tasks:
                tasks[description] = bar.add_task(description, total=total)
            if completed is not None:
                bar.update(tasks[description], completed=completed, total=total)

        path = _fetch(show)
    console.print(f"ttgen: kernel headers ready in {path}", markup=False)
    return path


def _fetch(progress: Progress) -> Path:
    folder = cache_dir()
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TtgenError(f"cannot create the header cache folder {folder.parent}: {exc.strerror or exc}") from None
    # Beside the cache, not in /tmp, so what a killed fetch downloaded is swept like its partial copy.
    download = leftovers.make(folder.parent, folder.name, ".download")
    try:
        wheel = _download(download, progress)
        staging = leftovers.make(folder.parent, folder.name, ".partial")
        try:
            staging.chmod(0o755)  # mkdtemp makes it private; the cache is an ordinary folder
            sizes = _unpack(wheel, staging, progress)
            (staging / _MARKER).write_text(json.dumps({"ttnn": TTNN_VERSION, "wheel": wheel.name, "files": sizes},
                                                      indent=0, sort_keys=True))
            _replace(staging, folder)
        except OSError as exc:
            raise TtgenError(f"cannot write the kernel headers into {folder}: {exc.strerror or exc}") from None
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    finally:
        shutil.rmtree(download, ignore_errors=True)
    found = headers_present()
    if found is None:
        raise TtgenError(f"the ttnn {TTNN_VERSION} wheel unpacked into {folder} lacks the kernel headers "
                         f"(e.g. tt_metal/{_REQUIRED[0]})")
    return found


def _replace(staging: Path, folder: Path) -> None:
    """Rename the unpacked copy into place; an unusable copy already there (corrupt, or an older layout) is
    moved aside first. A complete copy that another process put there meanwhile is kept."""
    try:
        os.rename(staging, folder)
        return
    except OSError:
        if _intact(folder):
            return
    aside = leftovers.make(folder.parent, folder.name, ".corrupt")
    try:
        os.rename(folder, aside / folder.name)
    except FileNotFoundError:
        pass
    os.rename(staging, folder)
    shutil.rmtree(aside, ignore_errors=True)


def _pip_command(dest: Path, progress_bar: str) -> list[str]:
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--python-version", _WHEEL_PYTHON, "--platform", _WHEEL_PLATFORM, "--disable-pip-version-check",
            "--no-input", "--progress-bar", progress_bar, "-d", str(dest), f"ttnn=={TTNN_VERSION}"]


def download_wheel(dest: Path, progress: Progress | None = None) -> Path:
    """`pip download` the pinned ttnn wheel into `dest` (the kernel corpus of scripts/frontend_coverage.py)."""
    return _download(dest, progress or (lambda description, completed, total: None))


def _download(dest: Path, progress: Progress) -> Path:
    """`pip download` the pinned wheel into `dest`; returns the wheel file."""
    description = f"downloading ttnn {TTNN_VERSION}"
    progress(description, 0, None)
    # pip >= 24.1 reports "Progress <done> of <total>" lines with --progress-bar raw; older pips reject "raw".
    output = _run_pip(_pip_command(dest, "raw"), description, progress)
    if output is not None and "invalid choice: 'raw'" in output:
        output = _run_pip(_pip_command(dest, "off"), description, progress)
    if output is not None:
        raise TtgenError(f"could not download ttnn=={TTNN_VERSION} (for its kernel headers): {_pip_reason(output)}; "
                         f"check the network, or set TTGEN_CACHE to a folder that already holds them")
    wheels = sorted(dest.glob(f"ttnn-{TTNN_VERSION}-*.whl"))
    if not wheels:
        raise TtgenError(f"pip download of ttnn=={TTNN_VERSION} produced no wheel in {dest}")
    return wheels[0]


def _run_pip(command: list[str], description: str, progress: Progress) -> str | None:
    """Run pip, forwarding its raw progress lines; None on success, else everything it printed."""
    env = dict(os.environ, PIP_NO_COLOR="1", PYTHONUNBUFFERED="1")
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                errors="replace")
    except OSError as exc:
        raise TtgenError(f"cannot run pip ({command[0]} -m pip): {exc.strerror or exc}") from None
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        match = re.match(r"\s*Progress (\d+) of (\d+)", line)
        if match:
            progress(description, int(match.group(1)), int(match.group(2)))
    if proc.wait() == 0:
        return None
    return "".join(lines)


def _pip_reason(output: str) -> str:
    """The one line of pip's output that says why it failed."""
    if "No module named pip" in output:
        return f"pip is not available in this Python ({sys.executable})"
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    offline = re.search(r"NewConnectionError|Failed to establish a new connection|Temporary failure in name "
                        r"resolution|Name or service not known|Network is unreachable|ConnectTimeout|ProxyError|"
                        r"SSLError|Could not fetch URL", output)
    if offline:
        return f"the package index is unreachable ({offline.group(0)})"
    for line in reversed(lines):
        if line.startswith("ERROR:"):
            return line[len("ERROR:"):].strip()
    for line in reversed(lines):
        if re.search(r"(Error|error|Failed|failed|Could not)", line):
            return line
    return lines[-1] if lines else "pip failed without output"


def _unpack(wheel: Path, staging: Path, progress: Progress) -> dict[str, int]:
    """Unpack `ttnn/tt_metal/**` of `wheel` into `staging/tt_metal/**`; returns each file's size by path."""
    description = "unpacking tt_metal headers"
    try:
        with zipfile.ZipFile(wheel) as archive:
            members = [m for m in archive.infolist()
                       if m.filename.startswith(_MEMBER_PREFIX) and not m.is_dir()
                       and ".." not in Path(m.filename).parts]
            total = sum(m.file_size for m in members)
            done = 0
            progress(description, 0, total)
            for member in members:
                target = staging / "tt_metal" / member.filename[len(_MEMBER_PREFIX):]
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                done += member.file_size
                progress(description, done, total)
    except (zipfile.BadZipFile, OSError) as exc:
        raise TtgenError(f"cannot unpack {wheel.name}: {exc}") from None
    if not members:
        raise TtgenError(f"{wheel.name} has no {_MEMBER_PREFIX} folder")
    return {m.filename[len(_MEMBER_PREFIX):]: m.file_size for m in members}
