"""Warp-specialized GEMM against the plain GEMM, in modelled cycles (time-ordered runs of the interpreter).

    python benchmarks/warp_specialization.py [SIZE ...]

For each square size (default 256 512) both specs are rendered with that size and run; the table gives modelled
device time, the per-core utilisation of the matrix engine and, for the slowest core, where its data-movement
threads spent their stalls.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ttgen import testing
from ttgen.interp.timing import COSTS
from ttgen.paths import PROJECT_ROOT


def measure(spec: str, size: int, out: Path) -> tuple[float, float, str]:
    path = testing.variant(PROJECT_ROOT / "specs" / f"{spec}.yaml", out / "spec" / str(size),
                           sizes={"M": size, "N": size, "K": size})
    report = testing.run(testing.render_spec(path, out / "render" / str(size)), timed=True)
    if not report.ok:
        raise SystemExit(f"{spec} at {size}: {report.summary()}")
    cores = len({t.core.label for t in report.timeline[0].threads})
    tiles = (size // 32) ** 3
    ideal = tiles * COSTS.matmul("HiFi4") / cores
    program = report.timeline[0]
    busy = program.end - program.start
    slowest = max((t for t in program.threads if t.kernel.spec.kind == "dataflow"), key=lambda t: t.clock)
    stall = max(slowest.stalls.items(), key=lambda kv: kv[1], default=("none", 0.0))
    return report.cycles, ideal / busy, f"{slowest.kernel.spec.name}: {stall[0]} {stall[1]:.0f}"


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [256, 512]
    print(f"{'size':>6} {'kernel':<24} {'cycles':>10} {'µs':>8} {'engine util':>12}  slowest data mover: top stall")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            results = {}
            for spec in ("gemm", "warp_specialized_gemm"):
                cycles, util, stall = measure(spec, size, Path(tmp) / spec)
                results[spec] = cycles
                print(f"{size:>6} {spec:<24} {cycles:>10.0f} {cycles / 1000:>8.1f} {util:>11.1%}  {stall}")
            print(f"{'':>6} speed-up {results['gemm'] / results['warp_specialized_gemm']:.2f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
