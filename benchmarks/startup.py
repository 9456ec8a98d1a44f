"""Wall time of the everyday commands, as a user pays it: a fresh `ttgen` process each time.

    python benchmarks/startup.py [--runs 7]

Prints the best and median of N runs of `ttgen --help`, `ttgen validate specs/gemm.yaml` and
`ttgen render specs/` (all specs, into a temporary folder), with the targets they are held to.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"--help": 0.4, "validate one spec": 0.4, "render specs/": 1.0}


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    ttgen = [sys.executable, "-m", "ttgen.cli"]
    with tempfile.TemporaryDirectory(prefix="ttgen-startup-") as out:
        commands = {"--help": [*ttgen, "--help"],
                    "validate one spec": [*ttgen, "validate", "specs/gemm.yaml"],
                    "render specs/": [*ttgen, "render", "specs/", "-o", out, "-q"]}
        print(f"{'command':<20} {'best s':>8} {'median s':>9} {'target s':>9}")
        slow = 0
        for name, command in commands.items():
            times = [wall(command) for _ in range(args.runs)]
            best = min(times)
            slow += best > TARGETS[name]
            print(f"{name:<20} {best:8.3f} {statistics.median(times):9.3f} {TARGETS[name]:9.1f}"
                  + ("  over target" if best > TARGETS[name] else ""))
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
