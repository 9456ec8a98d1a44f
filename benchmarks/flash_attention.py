"""FlashAttention forward at a large shape in the cost model: modelled time against the compute roofline.

    python benchmarks/flash_attention.py

The benchmark shape is one batch of 8 heads, sequence 2048, head dim 128 in bfloat16 at HiFi4 on the 8x8 grid,
with the schedule a kernel author would pick for it: 256-row query chunks (one per core), 512-row K/V chunks,
and each grid row running one head's query chunks with its K/V stream multicast along the row. The goal is 60 %
of the roofline; the script exits 1 below it. The causal variant of the same shape (K/V multicast does not
apply: its query chunks read different numbers of K/V chunks) is reported without a goal.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from ttgen import testing
from ttgen.interp.runner import read_metadata
from ttgen.paths import PROJECT_ROOT
from ttgen.perf import analyse

GOAL = 0.60
SIZES = {"B": 1, "H": 8, "S": 2048, "D": 128}
CASES = {
    "non-causal, K/V multicast": ({"causal": False},
                                  {"grid": [8, 8], "chunks": {"q": 256, "kv": 512},
                                   "multicast": {"operand": "K", "along": "row"}}, GOAL),
    "causal": ({"causal": True}, {"grid": [8, 8], "chunks": {"q": 256, "kv": 512}}, None),
}


def main() -> int:
    failed = False
    print("FlashAttention forward, B=1 H=8 S=2048 D=128, bfloat16 HiFi4, 8x8 grid")
    print(f"{'case':<28} {'modelled µs':>12} {'roofline µs':>12} {'% of roofline':>14} {'goal':>6} {'wall s':>7}")
    with tempfile.TemporaryDirectory(prefix="ttgen-fa-") as tmp:
        for i, (name, (compute, schedule, goal)) in enumerate(CASES.items()):
            spec = testing.variant(PROJECT_ROOT / "specs" / "flash_attention_fwd.yaml", Path(tmp) / f"spec{i}",
                                   sizes=SIZES, compute=compute, schedule=schedule)
            folder = testing.render_spec(spec, Path(tmp) / f"out{i}")
            started = time.monotonic()
            report = testing.run(folder, timed=True)
            if not report.ok:
                print(f"{name}: the kernel failed: {report.summary()}")
                return 1
            perf = analyse(report, read_metadata(folder))
            miss = goal is not None and perf.of_roofline < goal
            failed |= miss
            print(f"{name:<28} {perf.seconds * 1e6:>12.1f} {perf.roofline_cycles / 1000:>12.1f} "
                  f"{perf.of_roofline:>14.1%} {f'{goal:.0%}' if goal else '-':>6} "
                  f"{time.monotonic() - started:>7.0f}{'  MISSED' if miss else ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
