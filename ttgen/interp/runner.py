"""`ttgen run DIR`: execute the files on disk in a rendered kernel folder and judge the result.

The folder's `kernel.json` names the host program, the tensors and the math (for inputs and the reference);
everything that executes is the C++ in the folder. Nothing here looks at specs, plans or templates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import reference
from ..errors import Location, TtgenError
from . import all_api  # noqa: F401 - importing registers the API entries
from .checks import Violation, as_violation
from .cpp import compile_file
from .host import HostRun
from .memory import keep_freed_memory
from .scheduler import Budget
from .watchdog import host_watchdog

METADATA = "kernel.json"


class RunError(TtgenError):
    """The folder cannot be run at all (missing or malformed metadata)."""


@dataclass
class RunReport:
    kernel: str
    ok: bool
    comparisons: list[reference.Comparison] = field(default_factory=list)
    violation: Violation | None = None
    steps: int = 0
    programs: int = 0
    dram_read_bytes: int = 0  # moved by the kernels' NoC reads and writes (the host's own transfers excluded)
    dram_written_bytes: int = 0
    cycles: float = 0.0  # modelled device time of all programs, in cycles (timing.py)
    timeline: list = field(default_factory=list, repr=False)  # the programs run, with their threads' clocks
    warnings: list = field(default_factory=list)  # Violations that do not fail the run (cb-not-drained)

    def summary(self) -> str:
        if self.violation is not None:
            return f"{self.violation.check}"
        if not self.ok:
            return "mismatch"
        return "ok"


def read_metadata(folder: Path) -> dict:
    path = folder / METADATA
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError:
        raise RunError(f"no {METADATA} here: is this a folder written by `ttgen render`?", Location(str(folder))) \
            from None
    except (OSError, json.JSONDecodeError) as exc:
        raise RunError(f"cannot read {METADATA}: {exc}", Location(str(path))) from None
    for key in ("kernel", "pattern", "host", "inputs", "outputs", "compute", "numerics"):
        if key not in meta:
            raise RunError(f"{METADATA} has no {key!r}", Location(str(path)))
    return meta


def run_host(compiled, run: HostRun, budget: Budget, *args):
    """Execute a compiled host program's `main` as `run` (the status it returns)."""
    HostRun._current = run
    try:
        # Device arithmetic follows IEEE (a broken kernel may well make infinities and NaNs): the comparison
        # reports them, numpy's floating-point warnings would only be noise.
        with np.errstate(all="ignore"), host_watchdog(budget):
            return compiled.entry("main")(*args)
    finally:
        HostRun._current = None


def record_run(report: RunReport, run: HostRun) -> None:
    """What a host run did, into its report: steps, programs, DRAM traffic, modelled time, warnings."""
    report.steps, report.programs = run.steps, run.programs_run
    report.dram_read_bytes, report.dram_written_bytes = run.device.dram.traffic()
    report.cycles, report.timeline = run.device.clock, [p for p in run.programs if p.launched]
    report.warnings = [w for p in run.programs for w in p.warnings]


def run_folder(folder: str | Path, seed: int = 0, schedule_seed: int | None = None,
               budget: Budget | None = None, timed: bool = False, adjust_inputs=None) -> RunReport:
    """Run the host program of `folder` (and through it every kernel) and compare with the reference. With
    `timed`, threads run in modelled-time order, which makes the modelled cycles faithful (what benchmarks
    use); otherwise in the checking schedule, whose cycles are approximate. `adjust_inputs` (tests) may change
    the seeded inputs before they are used; the reference sees the changed ones."""
    keep_freed_memory()
    folder = Path(folder)
    meta = read_metadata(folder)
    report = RunReport(meta["kernel"], ok=False)
    budget = budget or Budget()
    elements = sum(int(np.prod(t["shape"])) for t in meta["inputs"].values())
    if elements > budget.max_elements:
        report.violation = Violation("budget", f"the inputs have {elements} elements, more than the "
                                               f"{budget.max_elements} this run may generate",
                                     Location(str(folder / METADATA)))
        return report
    try:
        inputs = reference.make_inputs(meta, seed)
    except reference.NoUnambiguousInputs as exc:
        report.violation = Violation("budget", f"the reference cannot draw its inputs: {exc}",
                                     Location(str(folder / METADATA)))
        return report
    if adjust_inputs is not None:
        inputs = adjust_inputs(inputs)
    run = HostRun(kernel_root=str(folder), inputs=inputs, seed=schedule_seed, budget=budget, timed=timed,
                  input_dtypes=_input_dtypes(meta))
    try:
        status = run_host(compile_file(folder / meta["host"], "host"), run, budget)
        if status not in (0, None):
            raise Violation("host-api", f"host program returned {status}", Location(str(folder / meta["host"])))
    except Violation as exc:
        report.violation = as_violation(exc, exc.who)
        return report
    except TtgenError:
        raise
    except Exception as exc:  # a fault in the executed host code: report it at its C++ line
        report.violation = as_violation(exc, "host")
        return report
    finally:
        record_run(report, run)
    missing = [name for name in meta["outputs"] if name not in run.outputs]
    if missing:
        report.violation = Violation("host-api", f"the host program never wrote output {missing[0]!r} "
                                                 "(ttgen::write_output)", Location(str(folder / meta["host"])))
        return report
    goldens = reference.golden(meta, inputs)
    for name, gold in goldens.items():
        actual = run.outputs[name]
        if actual.size != gold.value.size:
            report.violation = Violation("host-api", f"output {name} has {actual.size} elements, expected "
                                                     f"{gold.value.size}", Location(str(folder / meta["host"])))
            return report
        report.comparisons.append(reference.compare(name, actual, gold))
    report.ok = all(c.ok for c in report.comparisons)
    return report


def _input_dtypes(meta: dict) -> dict[str, str]:
    return {name: t["dtype"] for name, t in meta["inputs"].items()}


def collect_programs(folder: str | Path) -> list:
    """Execute the host program without running kernels: the programs it builds, as ProgramModels.

    Kernels the interpreter cannot compile are still recorded (with `compile_error` set), so that a real
    compiler can say what is wrong with them."""
    folder = Path(folder)
    meta = read_metadata(folder)
    run = HostRun(kernel_root=str(folder), inputs=reference.make_inputs(meta, 0), dry=True,
                  input_dtypes=_input_dtypes(meta))
    host_file = compile_file(folder / meta["host"], "host")
    HostRun._current = run
    try:
        with host_watchdog(Budget()):
            host_file.entry("main")()
    except TtgenError:
        raise
    except Exception as exc:
        raise as_violation(exc, "host") from None
    finally:
        HostRun._current = None
    return run.programs


def describe(report: RunReport) -> list[str]:
    """Human-readable lines for a report: warnings, then the violation or each output's comparison."""
    lines = [f"warning: {w}" for w in report.warnings]
    if report.violation is not None:
        return lines + str(report.violation).split("\n")
    for c in report.comparisons:
        if c.ok:
            lines.append(f"{c.name}: matches the reference (max |error| {c.max_error:.3g}, "
                         f"{100 * c.max_bound_ratio:.0f}% of the tolerance)")
        else:
            lines.append(f"mismatch: output {c.name} differs from the reference: max |error| {c.max_error:.3g} "
                         f"({c.max_bound_ratio:.3g}x the tolerance); first bad element {list(c.first_bad)} in tile "
                         f"{list(c.first_bad_tile)}: expected {c.expected:.6g}, got {c.actual:.6g}")
    return lines


__all__ = ["run_folder", "RunReport", "RunError", "describe", "read_metadata", "np"]
