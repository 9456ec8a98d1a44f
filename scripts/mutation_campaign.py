"""Break every rendered kernel one emitted line at a time and count what the interpreter diagnoses.

    python scripts/mutation_campaign.py [KERNEL ...] [--sample N] [--seed S]

KERNEL names folders of generated/ (default: all). With --sample, a random sample of N mutants per kernel.
Prints, per kernel, the mutants run, how each was caught (the check, or a numeric mismatch) and the survivors;
then the fraction diagnosed overall. Exits 1 below 95 %.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter

from rich.console import Console
from rich.progress import track
from rich.table import Table

from ttgen.mutation import diagnosed, mutants
from ttgen.paths import PROJECT_ROOT

TARGET = 0.95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kernels", nargs="*")
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generated = PROJECT_ROOT / "generated"
    names = args.kernels or sorted(p.name for p in generated.iterdir() if p.is_dir())
    rng = random.Random(args.seed)
    console = Console()
    table = Table(title="mutation campaign")
    for column in ("kernel", "mutants", "diagnosed", "how"):
        table.add_column(column)
    total = caught = 0
    survivors = []
    started = time.monotonic()
    for name in names:
        folder = generated / name
        found = mutants(folder)
        if args.sample and len(found) > args.sample:
            found = rng.sample(found, args.sample)
        how = Counter()
        for mutant in track(found, description=name, console=console, transient=True):
            ok, check = diagnosed(folder, mutant)
            how[check] += 1
            if not ok:
                survivors.append(f"{name}/{mutant.describe()}")
        total += len(found)
        caught += len(found) - how["survived"]
        table.add_row(name, str(len(found)), str(len(found) - how["survived"]),
                      ", ".join(f"{k} {v}" for k, v in how.most_common()))
        # a line per kernel as it finishes (on stderr): a whole campaign takes a while
        print(f"{name}: {len(found) - how['survived']} of {len(found)} diagnosed", file=sys.stderr, flush=True)
    console.print(table)
    for survivor in survivors:
        console.print("SURVIVOR", survivor, markup=False)
    rate = caught / total if total else 1.0
    console.print(f"{caught} of {total} mutants diagnosed ({rate:.1%}) in {time.monotonic() - started:.0f} s; "
                  f"target {TARGET:.0%}")
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
