"""`ttgen run DIR` on a folder with no `kernel.json`: a program as tt-metal's programming examples ship it.

The host runs as written — it makes its own inputs, checks its own result and says so through its exit code,
its exceptions and what it prints — and every kernel it creates runs under the interpreter's protocol checks.
The run passes when `main` returns 0 with no uncaught exception and no violation.

Kernel paths are resolved as the example's build would find them: the path as written under the folder or its
parent (examples name kernels `"<example>/kernels/..."` relative to the examples folder, older ones
`"tt_metal/programming_examples/<example>/kernels/..."` relative to the checkout), dropping leading folders
the scratch copy does not have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Location, TtgenError
from . import all_api  # noqa: F401 - importing registers the API entries
from .checks import Violation, as_violation
from .cpp import compile_file
from .cruntime import CppException
from .host import HostRun
from .memory import keep_freed_memory
from .runner import RunError, RunReport, record_run, run_host
from .scheduler import Budget

_MAIN = re.compile(r"\bint\s+main\s*\(")


@dataclass
class ExampleReport(RunReport):
    host: str = ""
    exit_status: int | None = None
    printed: list = field(default_factory=list)  # (stream, text) in the order the host printed


def find_host(folder: Path) -> Path:
    """The one .cpp of the folder (kernels/ aside) that defines `int main(...)`."""
    hosts = sorted(p for p in folder.rglob("*.cpp")
                   if "kernels" not in p.relative_to(folder).parts and _MAIN.search(p.read_text(errors="replace")))
    if not hosts:
        raise RunError("no kernel.json and no host program (a .cpp defining int main) here", Location(str(folder)))
    if len(hosts) > 1:
        raise RunError("no kernel.json and more than one host program: " + ", ".join(str(p) for p in hosts),
                       Location(str(folder)))
    return hosts[0]


def kernel_finder(folder: Path):
    """Where `CreateKernel(program, "a/b/k.cpp", ...)` finds its file when the example runs from `folder`."""
    roots = [folder, folder.parent]

    def find(name: str) -> Path | None:
        parts = Path(name).parts
        for start in range(len(parts)):
            for root in roots:
                candidate = root.joinpath(*parts[start:])
                if candidate.is_file():
                    return candidate
        return None

    return find


def run_example(folder: str | Path, seed: int = 0, schedule_seed: int | None = None,
                budget: Budget | None = None, timed: bool = False) -> ExampleReport:
    keep_freed_memory()
    folder = Path(folder)
    host = find_host(folder)
    report = ExampleReport(folder.name, ok=False, host=str(host))
    budget = budget or Budget()
    run = HostRun(kernel_root=str(folder), inputs={}, seed=schedule_seed, budget=budget, timed=timed,
                  seed_value=seed)
    run.find_kernel = kernel_finder(folder)
    try:
        compiled = compile_file(host, "host")
        status = run_host(compiled, run, budget, *_main_arguments(compiled, host))
        report.exit_status = 0 if status is None else int(status)
    except CppException as exc:  # std::terminate: the exit status of an abort
        report.exit_status = 134
        report.violation = as_violation(exc, "host")
    except Violation as exc:
        report.violation = as_violation(exc, exc.who)
    except TtgenError:
        raise
    except Exception as exc:  # a fault in the executed host code: report it at its C++ line
        report.violation = as_violation(exc, "host")
    finally:
        report.printed = run.printed
        record_run(report, run)
    if report.violation is None and report.exit_status != 0:
        report.violation = Violation("host-exit", f"the host program returned {report.exit_status}",
                                     Location(str(host)))
    report.ok = report.violation is None
    return report


def _main_arguments(compiled, host: Path) -> list:
    """`int main()` takes nothing; `int main(int argc, char** argv)` gets the program's name only."""
    count = compiled.entry("main").__code__.co_argcount
    return [] if count == 0 else [1, [str(host.with_suffix(""))]][:count]
