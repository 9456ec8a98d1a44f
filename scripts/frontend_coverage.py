"""How much of tt-metal's own kernel code the interpreter's front end accepts:
`python scripts/frontend_coverage.py [--wheel ttnn-....whl] [--top 20] [--list refused|crashed]`.

Compiles every `*/kernels/**/*.cpp` of the pinned ttnn wheel (its production op kernels) with all builtin
modules loaded, against the declarations of the wheel's own headers (a name a header declares but no module
models is accepted as unmodelled, see `ttgen.interp.declared`), and prints how many are accepted, how many of
those are fully modelled (every name they use has semantics), how many are refused with a clean diagnosis or
crash the front end, then the most frequent refusals, unknown names and unmodelled names. Without --wheel the wheel is downloaded into a temporary folder and
deleted afterwards: the kernels are read from the zip, never unpacked into the repository. Exits 1 on any crash.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ttgen import headers
from ttgen.interp import coverage
from ttgen.interp.declared import HeaderTree


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", type=Path, help=f"a ttnn {headers.TTNN_VERSION} wheel (default: download it)")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--list", choices=("refused", "crashed"), help="also print each such file and why")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="ttgen-corpus-") as tmp:
        wheel = args.wheel
        if wheel is None:
            console.print(f"downloading ttnn {headers.TTNN_VERSION} (its kernels are the corpus) ...")
            wheel = headers.download_wheel(Path(tmp))
        started = time.monotonic()
        result = coverage.measure(coverage.wheel_kernels(wheel), HeaderTree.from_wheel(wheel))
        seconds = time.monotonic() - started
    total = len(result.outcomes)
    table = Table(title=f"front end over {total} kernel files of {wheel.name} ({seconds:.1f} s)")
    for column in ("outcome", "files", "share"):
        table.add_column(column, justify="right" if column != "outcome" else "left")
    rows = [(status, result.count(status)) for status in ("accepted", "refused", "crashed")]
    rows.insert(1, ("  of which fully modelled", result.fully_modelled))
    for status, n in rows:
        table.add_row(status, str(n), f"{100 * n / max(total, 1):.1f} %")
    console.print(table)
    reasons = Table(title="most frequent first refusal (a file stops at its first)")
    reasons.add_column("files", justify="right")
    reasons.add_column("refusal")
    for reason, n in result.top("refused", args.top):
        reasons.add_row(str(n), reason)
    console.print(reasons)
    names = Counter(m.group(1) for o in result.outcomes if (m := re.search(r"unknown name '([^']*)'", o.detail)))
    unknown = Table(title="most frequent unknown names")
    unknown.add_column("files", justify="right")
    unknown.add_column("name")
    for name, n in names.most_common(args.top):
        unknown.add_row(str(n), name.split("\n")[0])
    console.print(unknown)
    unmodelled = Table(title="most used unmodelled names (declared by the headers, no semantics yet)")
    unmodelled.add_column("files", justify="right")
    unmodelled.add_column("name")
    for name, n in result.top_unmodelled(args.top):
        unmodelled.add_row(str(n), name)
    console.print(unmodelled)
    for outcome in result.outcomes:
        if outcome.status == "crashed" or (args.list and outcome.status == args.list):
            console.print(f"{outcome.status}: {outcome.path}: {outcome.detail or outcome.reason}", markup=False)
    return 1 if result.count("crashed") else 0


if __name__ == "__main__":
    sys.exit(main())
