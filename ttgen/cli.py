"""`ttgen validate | schema | render | run | check | bench`: the command line.

Exit codes: 0 success, 1 a spec, kernel or run failed (with a one-line `file:line: ...` message each),
2 bad usage. No Python traceback reaches a user; set TTGEN_DEBUG=1 to see one for an internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from .errors import TtgenError
from .progress import console, each_spec

OK, FAILED, USAGE = 0, 1, 2


def say(line: str) -> None:
    print(line, flush=True)


def warn(line: str) -> None:
    """Errors and diagnostics: one `file:line: ...` line each, on stderr."""
    print(line, file=sys.stderr, flush=True)


def spec_files(args: list[str]) -> list[Path]:
    """SPEC|DIR arguments -> spec files (a folder contributes its *.yaml, sorted)."""
    files: list[Path] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            found = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
            if not found:
                raise TtgenError(f"{arg}: no .yaml specs in this folder")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise TtgenError(f"{arg}: no such file or folder")
    return files


def _plan(path: Path):
    from .plan import make_plan
    from .spec import load_spec

    return make_plan(load_spec(path))


def cmd_validate(args: argparse.Namespace) -> int:
    paths = spec_files(args.specs)
    if args.associated:
        from .association import is_spec

        paths = [path for path in paths if is_spec(path)]
    failures = 0
    for path in paths:
        try:
            _plan(path)
        except TtgenError as exc:
            warn(str(exc))
            failures += 1
        else:
            if not args.quiet:
                say(f"{path}: ok")
    return FAILED if failures else OK


def cmd_explain(args: argparse.Namespace) -> int:
    failures = 0
    for path in spec_files(args.specs):
        try:
            plan = _plan(path)
        except TtgenError as exc:
            warn(str(exc))
            failures += 1
            continue
        say(f"{path}:")
        for line in plan.explain:
            say(f"    {line}")
    return FAILED if failures else OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .paths import SCHEMA_FILE

    say(str(SCHEMA_FILE))
    return OK


def cmd_render(args: argparse.Namespace) -> int:
    from .render import render_plan, write_folders

    failures = 0
    plans = []

    def rendered():
        nonlocal failures
        for path in spec_files(args.specs):
            try:
                plan = _plan(path)
                files = render_plan(plan)
            except TtgenError as exc:
                warn(str(exc))
                failures += 1
                continue
            folder = Path(args.output) / plan.spec.name
            plans.append((path, plan, folder))
            yield folder, files

    # Every spec that rendered is written (each formatted while the next renders); a spec that failed writes
    # nothing.
    write_folders(rendered())
    for path, plan, folder in plans:
        if not args.quiet:
            say(f"{path} -> {folder}/")
        if args.explain:
            for line in plan.explain:
                say(f"    {line}")
    return FAILED if failures else OK


def _budget(args: argparse.Namespace):
    from .interp.scheduler import Budget

    return Budget(max_steps=args.max_steps, max_seconds=args.max_seconds)


def _run_one(folder: Path, args: argparse.Namespace, timed: bool = False):
    from .interp import trace
    from .interp.example import run_example
    from .interp.runner import METADATA, run_folder

    trace_path = getattr(args, "trace", None)
    trace.ACTIVE = trace.Recorder() if trace_path else None
    started = time.perf_counter()
    try:
        run = run_folder if (folder / METADATA).is_file() else run_example  # an example folder runs as written
        report = run(folder, seed=args.seed, schedule_seed=args.schedule_seed, budget=_budget(args),
                     timed=timed or bool(trace_path))
        if trace_path:
            trace.ACTIVE.write(trace_path)
    finally:
        trace.ACTIVE = None
    return report, time.perf_counter() - started


def cmd_run(args: argparse.Namespace) -> int:
    from .interp.runner import METADATA, describe

    example = not (Path(args.folder) / METADATA).is_file()
    headers = _compile_headers(args)
    if headers and example:
        if args.compile:
            warn(f"{Path(args.folder).name}: note: --compile checks folders written by `ttgen render`; "
                 "this one has no kernel.json and runs as written without it")
    elif headers:
        diagnostics = _compile_check(Path(args.folder), headers)
        for d in diagnostics:
            warn(str(d))
        if _compile_errors(diagnostics):
            warn(f"{Path(args.folder).name}: FAILED (g++)")
            return FAILED
    report, seconds = _run_one(Path(args.folder), args)
    for stream, text in _runs(getattr(report, "printed", [])):  # what an example's host printed, as printed
        for line in text.rstrip("\n").split("\n"):
            (warn if stream == "stderr" else say)(f"  {line}")
    for line in describe(report):
        (say if report.ok else warn)(line)
    if report.ok:
        say(f"{report.kernel}: passed ({report.programs} program(s), {report.steps} loop iterations, "
            f"{seconds:.2f} s)")
    else:
        warn(f"{report.kernel}: FAILED")
    return OK if report.ok else FAILED


def _runs(printed: list) -> list:
    """Consecutive pieces printed to one stream, joined (`std::cout << a << b` prints in pieces)."""
    runs: list = []
    for stream, text in printed:
        if runs and runs[-1][0] == stream and not runs[-1][1].endswith("\n"):
            runs[-1] = (stream, runs[-1][1] + text)
        else:
            runs.append((stream, text))
    return runs


def _compile_headers(args: argparse.Namespace):
    """The kernel headers to compile against: fetched for --compile, used when cached, else None."""
    from .headers import ensure_headers, headers_present

    if args.compile is False:
        return None
    if args.compile:
        return ensure_headers()
    return headers_present()


def _compile_check(folder: Path, headers) -> list[TtgenError]:
    """The host program against the host-API manifest, then every kernel through g++."""
    from .compile.builds import collect_builds
    from .compile.host import check_host
    from .compile.kernels import check_builds
    from .interp.runner import read_metadata

    host = folder / read_metadata(folder)["host"]
    return [*check_host(host, display=str(host)), *check_builds(collect_builds(folder), headers)]


def _compile_errors(found: list[TtgenError]) -> list[TtgenError]:
    """Warnings (deprecated calls) and notes (kernels the check cannot cover) are printed but do not fail a run."""
    return [d for d in found if getattr(d, "severity", "error") == "error"]


def cmd_check(args: argparse.Namespace) -> int:
    from .interp.runner import describe
    from rich.table import Table

    from .render import render_to

    headers = _compile_headers(args)
    table = Table(title="ttgen check")
    columns = ["kernel", "render", *(["g++"] if headers else []), "run", "max |error|", "max error / tolerance",
               "seconds"]
    for column in columns:
        table.add_column(column)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="ttgen-check-") as tmp:
        for path in each_spec(spec_files(args.specs), "checking"):
            try:
                folder = render_to(_plan(path), Path(tmp))
            except TtgenError as exc:
                warn(str(exc))
                table.add_row(path.stem, "error", *(["-"] if headers else []), "-", "-", "-", "-")
                failures += 1
                continue
            compiled = []
            if headers:
                diagnostics = _compile_check(folder, headers)
                for d in diagnostics:
                    warn(str(d))
                found = _compile_errors(diagnostics)
                failures += bool(found)
                warned = sum(1 for d in diagnostics if getattr(d, "severity", "") == "warning")
                notes = len(diagnostics) - len(found) - warned
                compiled = [f"{len(found)} error(s)" if found else "partly" if notes
                            else f"ok, {warned} warning(s)" if warned else "ok"]
            try:
                report, seconds = _run_one(folder, args)
            except TtgenError as exc:
                warn(str(exc))
                table.add_row(path.stem, "ok", *compiled, "error", "-", "-", "-")
                failures += 1
                continue
            if not report.ok:
                failures += 1
                for line in describe(report):
                    warn(line)
            ratio = max((c.max_bound_ratio for c in report.comparisons), default=None)
            error = max((c.max_error for c in report.comparisons), default=None)
            table.add_row(path.stem, "ok", *compiled, "passed" if report.ok else report.summary(),
                          "-" if error is None else f"{error:.3g}",
                          "-" if ratio is None else f"{100 * ratio:.0f}%", f"{seconds:.2f}")
    console().print(table)
    return FAILED if failures else OK


def cmd_bench(args: argparse.Namespace) -> int:
    from .interp.runner import describe, read_metadata
    from rich.table import Table

    from .perf import analyse
    from .render import render_to

    table = Table(title="ttgen bench (modelled Wormhole n150 time)")
    for column in ("kernel", "cycles", "µs", "achieved", "DRAM read", "bound", "% of roofline", "core util",
                   "bottleneck"):
        table.add_column(column, justify="left" if column in ("kernel", "bottleneck") else "right")
    results, failures = [], 0
    with tempfile.TemporaryDirectory(prefix="ttgen-bench-") as tmp:
        for path in each_spec(spec_files(args.specs), "benchmarking"):
            try:
                folder = render_to(_plan(path), Path(tmp))
                report, _ = _run_one(folder, args, timed=True)
            except TtgenError as exc:
                warn(str(exc))
                failures += 1
                continue
            if not report.ok:
                for line in describe(report):
                    warn(line)
                failures += 1
                continue
            perf = analyse(report, read_metadata(folder))
            results.append((path.stem, perf))
            rate = (f"{perf.flops / perf.seconds / 1e12:.2f} TFLOP/s" if perf.flops else
                    f"{perf.bytes / perf.seconds / 1e9:.0f} GB/s")
            table.add_row(path.stem, f"{perf.cycles:.0f}", f"{perf.seconds * 1e6:.1f}", rate,
                          f"{report.dram_read_bytes / 2**20:.2f} MiB", perf.bound,
                          f"{100 * perf.of_roofline:.0f}%", f"{100 * perf.utilisation:.0f}%", perf.bottleneck)
    console(width=180).print(table)
    if args.plot and results:
        from .perf import plot_roofline

        plot_roofline(results, args.plot)
        say(f"roofline plot: {args.plot}")
    return FAILED if failures else OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ttgen", description="YAML kernel specs to TT-Metalium programs, "
                                                               "verified by a reference interpreter.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="schema and semantic checks of specs; writes nothing")
    p.add_argument("specs", nargs="+", metavar="SPEC|DIR")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    p.add_argument("--associated", action="store_true",
                   help="skip files without a '# yaml-language-server: $schema=...kernel.schema.json' first line "
                        "(for a hook that is sent every YAML file of a repository)")
    p.set_defaults(fn=cmd_validate)

    p = sub.add_parser("explain", help="print each spec's plan (tiles, work split, CBs, L1, DRAM traffic); writes "
                                       "nothing")
    p.add_argument("specs", nargs="+", metavar="SPEC|DIR")
    p.set_defaults(fn=cmd_explain)

    p = sub.add_parser("schema", help="print the path of the installed spec schema (for editor settings)")
    p.set_defaults(fn=cmd_schema)

    p = sub.add_parser("render", help="write generated/<name>/ for each spec")
    p.add_argument("specs", nargs="+", metavar="SPEC|DIR")
    p.add_argument("-o", "--output", default="generated", metavar="OUT", help="output folder (default: generated)")
    p.add_argument("--explain", action="store_true", help="print the plan's decisions")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(fn=cmd_render)

    def run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
        p.add_argument("--schedule-seed", type=int, default=None,
                       help="randomise thread interleavings with this seed (default: deterministic order)")
        p.add_argument("--max-steps", type=int, default=50_000_000,
                       help="loop-iteration budget of a run (its kernels together; the host program separately)")
        p.add_argument("--max-seconds", type=float, default=600.0,
                       help="wall-clock budget of a run (the host program and its kernels)")

    p = sub.add_parser("run", help="execute a rendered kernel folder in the interpreter and check it")
    p.add_argument("folder", metavar="KERNEL_DIR")
    p.add_argument("--trace", metavar="OUT.json", help="write a Chrome/Perfetto trace of the modelled timeline (runs "
                                                       "threads in modelled-time order)")
    p.add_argument("--compile", dest="compile", action="store_true", default=False,
                   help="first type-check the folder's kernels with g++ against the real tt-metal headers")
    run_options(p)
    p.set_defaults(fn=cmd_run)

    p = sub.add_parser("check", help="render each spec to a temporary folder, compile its kernels and run it")
    p.add_argument("specs", nargs="+", metavar="SPEC|DIR")
    p.add_argument("--compile", dest="compile", action="store_true", default=None,
                   help="type-check every kernel with g++ against the real tt-metal headers (fetched on first use; "
                        "done anyway when they are cached)")
    p.add_argument("--no-compile", dest="compile", action="store_false", help="skip the g++ check")
    run_options(p)
    p.set_defaults(fn=cmd_check)

    p = sub.add_parser("bench", help="render and run each spec in modelled time: cycles, rates, roofline, "
                                     "utilisation, bottleneck")
    p.add_argument("specs", nargs="+", metavar="SPEC|DIR")
    p.add_argument("--plot", metavar="OUT.png", help="draw each kernel against its roofline (matplotlib)")
    run_options(p)
    p.set_defaults(fn=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.fn(args)
    except TtgenError as exc:
        warn(str(exc))
        return FAILED
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug in ttgen itself: one line, no traceback unless asked
        if os.environ.get("TTGEN_DEBUG"):
            raise
        warn(f"internal error: {type(exc).__name__}: {exc} (set TTGEN_DEBUG=1 for the traceback)")
        return FAILED


if __name__ == "__main__":
    sys.exit(main())
