"""Fuzz every spec: `python scripts/fuzz_specs.py [CASES] [--seed N] [--no-run]` (default 10,000 cases).

Prints the count of each outcome (ok, big, error, bug) per mutation, the peak memory of the process, and each
bug with the spec, mutation and seed that reproduce it (`ttgen.fuzzing.fuzz_case(spec, mutation, seed)`).
Exits 1 if any case is a bug.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import Counter, defaultdict

from rich.console import Console
from rich.progress import track
from rich.table import Table

from ttgen import fuzzing
from ttgen.paths import PROJECT_ROOT


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("cases", nargs="?", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-run", action="store_true", help="render only, do not run clean renders")
    args = parser.parse_args()
    specs = sorted((PROJECT_ROOT / "specs").glob("*.yaml"))
    rng = random.Random(args.seed)
    counts: dict[str, Counter] = defaultdict(Counter)
    bugs = []
    started = time.monotonic()
    for _ in track(range(args.cases), description="fuzzing"):
        spec, mutation, seed = rng.choice(specs), rng.choice(sorted(fuzzing.MUTATIONS)), rng.randrange(2**32)
        outcome = fuzzing.fuzz_case(spec, mutation, seed, run=not args.no_run)
        counts[mutation][outcome.kind] += 1
        if outcome.kind == "bug":
            bugs.append((spec.name, mutation, seed, outcome.detail))
    table = Table(title=f"{args.cases} fuzzed specs in {time.monotonic() - started:.0f} s")
    for column in ("mutation", "ok", "big", "error", "bug"):
        table.add_column(column, justify="left" if column == "mutation" else "right")
    for mutation, c in sorted(counts.items()):
        table.add_row(mutation, *(str(c[k]) for k in ("ok", "big", "error", "bug")))
    console = Console()
    console.print(table)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(f"peak memory: {peak:.0f} MiB")
    for bug in bugs:
        console.print("BUG", *bug, markup=False)
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
