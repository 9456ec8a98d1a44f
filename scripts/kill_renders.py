"""Kill renders mid-way and count what they leave: `python scripts/kill_renders.py [KILLS]` (default 100).

Renders a spec, then renders a variant of it and SIGKILLs that render at moments spread from import time to past
the folder swap. Every kill must leave the previous folder or the new one, never a mix, and the next render must
sweep what the killed ones left. Prints the counts; exits 1 on a mix or leftovers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from ttgen import testing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kills", nargs="?", type=int, default=100)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ttgen-kill-") as tmp:
        r = testing.kill_renders(Path(tmp), args.kills)
    print(f"{r.kills} renders killed in {time.monotonic() - started:.0f} s: {r.old} left the previous folder, "
          f"{r.new} the new one, {r.mixed} a mix; leftovers swept by the next render: {'yes' if r.swept else 'NO'}")
    return 0 if r.mixed == 0 and r.swept else 1


if __name__ == "__main__":
    sys.exit(main())
