"""Plan -> files: Jinja2 templates (StrictUndefined, no access to Python internals), clang-format, atomic writes.

A kernel folder is written whole or not at all: files are rendered and formatted in a temporary folder beside
the destination, then swapped in with renames, so an error or an interrupted render leaves the previous
output untouched.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import jinja2
import jinja2.sandbox

from . import leftovers
from .errors import Location, RenderError
from .paths import TEMPLATES_DIR
from .plan import Plan

CLANG_FORMAT_STYLE = TEMPLATES_DIR / ".clang-format"
METADATA = "kernel.json"


def host_constant(ctx: dict, name: str, value) -> str:
    """`constexpr uint32_t name = value;` for the host program, unless the spec already has a size of that name
    (declared at the top of main) with the same meaning; a size of that name meaning something else is an error
    rather than a redeclaration in the emitted code."""
    sizes = ctx["sizes"]
    if name not in sizes:
        return f"constexpr uint32_t {name} = {value};"
    if str(value) in (name, str(sizes[name])):
        return ""
    raise RenderError(f"size {name!r} = {sizes[name]} collides with the host program's {name} = {value}; rename "
                      "the size", Location(ctx["spec_file"]))


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs (keyed by template source), when a cache folder is writable."""
    folder = Path(os.environ.get("TTGEN_CACHE", Path.home() / ".cache" / "ttgen")) / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder)) if os.access(folder, os.W_OK) else None


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    # The sandbox keeps templates away from Python internals (no __class__ / __globals__ walks).
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        bytecode_cache=_bytecode_cache(),
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.globals["constant"] = host_constant
    return env


def render_plan(plan: Plan) -> dict[str, str]:
    """Relative path -> text for every file of the kernel folder (C++ not yet formatted)."""
    env = environment()
    files: dict[str, str] = {}
    context = plan.template_context()
    for out in plan.files:
        try:
            files[out.path] = env.get_template(out.template).render(ctx=context)
        except jinja2.TemplateError as exc:
            line = getattr(exc, "lineno", None)
            name = getattr(exc, "filename", None) or out.template
            raise RenderError(f"template error: {exc.message if hasattr(exc, 'message') else exc}",
                              Location(str(name), line)) from None
    files[METADATA] = json.dumps(plan.metadata, indent=2, sort_keys=True) + "\n"
    return files


@lru_cache(maxsize=1)
def _clang_format() -> str:
    try:
        import clang_format

        return clang_format._get_executable("clang-format")
    except (ImportError, AttributeError, OSError):
        found = shutil.which("clang-format")
        if found is None:
            raise RenderError("clang-format is not installed (pip install -e . brings it)") from None
        return found


def format_cpp(folder: Path, paths: list[str]) -> None:
    """Format the C++ files of a folder in place with the project style."""
    format_cpp_files([folder / p for p in paths])


def format_cpp_files(paths: list[Path]) -> None:
    """Format C++ files in place with the project style."""
    formatter = _Formatter()
    formatter.submit(paths)
    formatter.wait()


class _Formatter:
    """clang-format runs started as soon as their files are on disk: they format one folder while Python
    renders the next (formatting is most of a render's time once the imports are done)."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen] = []

    def submit(self, paths: list[Path]) -> None:
        cpp = [str(p) for p in paths if str(p).endswith((".cpp", ".hpp", ".h"))]
        if cpp:
            self.running.append(subprocess.Popen([_clang_format(), f"--style=file:{CLANG_FORMAT_STYLE}", "-i", *cpp],
                                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))

    def wait(self) -> None:
        outcomes = [(proc.communicate()[1], proc.returncode) for proc in self.running]
        self.running = []
        errors = [stderr for stderr, code in outcomes if code]
        if errors:
            raise RenderError(f"clang-format failed: {errors[0].strip()[:500]}")

    def kill(self) -> None:
        for proc in self.running:
            proc.kill()
            proc.wait()
        self.running = []


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where that is unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _sweep(destination: Path) -> None:
    """Remove what killed renders of this folder left beside it, never the staging of a render still running;
    bring back a folder that a kill between the two renames of the fallback swap left only in its `.old`
    holder."""
    for leftover in leftovers.stale(destination.parent, destination.name):
        if leftover.suffix == ".old" and not destination.exists() and (leftover / destination.name).is_dir():
            try:
                os.rename(leftover / destination.name, destination)
            except OSError:
                pass  # another render brought it back, or swapped a new one in, first
        shutil.rmtree(leftover, ignore_errors=True)


def write_folder(destination: Path, files: dict[str, str]) -> None:
    """Write `files` as the folder `destination`, replacing any previous one atomically."""
    write_folders([(destination, files)])


def write_folders(folders: Iterable[tuple[Path, dict[str, str]]]) -> None:
    """Write each folder, replacing any previous one atomically: the new folder is built beside it (formatted
    while the next one is produced) and, once all are formatted, each is swapped in with one rename, so a render
    killed at any moment leaves each folder old or new, never a mix (hidden leftovers are swept by the next
    render). `folders` may be a generator: a folder it never yields is never touched."""
    stagings: list[tuple[Path, Path]] = []
    formatter = _Formatter()
    try:
        for destination, files in folders:
            destination.parent.mkdir(parents=True, exist_ok=True)
            _sweep(destination)
            staging = leftovers.make(destination.parent, destination.name, ".tmp")
            stagings.append((staging, destination))
            for rel, text in files.items():
                path = staging / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            formatter.submit([staging / rel for rel in files])
        formatter.wait()
        for staging, destination in stagings:
            _swap_in(staging, destination)
    except BaseException:
        formatter.kill()
        for staging, _ in stagings:
            shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap_in(staging: Path, destination: Path) -> None:
    """Put `staging` in place of `destination`. Renders of the same folder may race here: each swap is one
    atomic exchange, so the folder is always someone's whole output and the last swap wins."""
    if not destination.exists():
        try:
            os.rename(staging, destination)
            return
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise  # otherwise another render created it since the check: exchange with that one
    if _exchange(staging, destination):
        shutil.rmtree(staging, ignore_errors=True)  # it holds the previous folder now
        return
    with _folder_lock(destination):  # no atomic exchange: the two renames below must not interleave
        previous = leftovers.make(destination.parent, destination.name, ".old")
        if destination.exists():
            os.rename(destination, previous / destination.name)
        os.rename(staging, destination)
        shutil.rmtree(previous, ignore_errors=True)


@contextlib.contextmanager
def _folder_lock(destination: Path) -> Iterator[None]:
    """An advisory lock on the folder's parent (only for the two-rename fallback swap)."""
    fd = os.open(destination.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def render_to(plan: Plan, out_dir: Path) -> Path:
    return render_many([plan], out_dir)[0]


def render_many(plans: list[Plan], out_dir: Path) -> list[Path]:
    """Render several plans into `out_dir`, formatting all their files in one clang-format run."""
    folders = [(out_dir / plan.spec.name, render_plan(plan)) for plan in plans]
    write_folders(folders)
    return [destination for destination, _ in folders]
