"""Random token edits of emitted kernels, each run with `ttgen run`:
`python scripts/fuzz_tokens.py [CASES] [--spec specs/gemm.yaml ...] [--seed N] [--jobs 2]` (default 1,000 cases).

Renders each spec, then edits one token of one of its kernels per case (see `ttgen.token_fuzz`) and runs the
result in a fresh process. Prints the outcomes (ok, diagnosed, bug) per edit kind, the slowest case, and every bug
with the seed that reproduces it (`ttgen.token_fuzz.make_case(folder, seed)`). Exits 1 if any case is a bug: a
traceback, an internal error, an unexpected exit code, or no result within the timeout.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ttgen import testing, token_fuzz
from ttgen.paths import PROJECT_ROOT


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="?", type=int, default=1000)
    parser.add_argument("--spec", action="append", type=Path, help="spec to edit (default: specs/gemm.yaml)")
    parser.add_argument("--seed", type=int, default=0, help="first case seed")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    specs = args.spec or [PROJECT_ROOT / "specs" / "gemm.yaml"]
    console = Console()
    failed = False
    with tempfile.TemporaryDirectory(prefix="ttgen-fuzz-tokens-") as tmp:
        for spec in specs:
            folder = testing.render_spec(spec, Path(tmp))
            started = time.monotonic()
            with Progress(console=console, transient=True) as bar:
                task = bar.add_task(f"editing {folder.name}", total=args.cases)
                result = token_fuzz.campaign(folder, range(args.seed, args.seed + args.cases), args.jobs,
                                             on_case=lambda case: bar.advance(task))
            elapsed = time.monotonic() - started
            table = Table(title=f"{folder.name}: {args.cases} token edits in {elapsed:.0f} s ({args.jobs} jobs)")
            for column in ("edit", "ok", "diagnosed", "bug"):
                table.add_column(column, justify="left" if column == "edit" else "right")
            for edit, counts in sorted(result.by_edit().items()):
                table.add_row(edit, *(str(counts[k]) for k in ("ok", "diagnosed", "bug")))
            table.add_row("all", *(str(result.count(k)) for k in ("ok", "diagnosed", "bug")))
            console.print(table)
            slowest = max(result.cases, key=lambda c: c.seconds)
            console.print(f"slowest case: seed {slowest.seed}, {slowest.seconds:.1f} s ({slowest.what} in "
                          f"{slowest.file})", markup=False)
            for case in result.bugs:
                failed = True
                console.print(f"BUG seed {case.seed}: {case.file}: {case.what}: {case.detail}", markup=False)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
