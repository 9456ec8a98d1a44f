"""A render killed at any moment leaves the previous kernel folder or the new one, never a mix, and the next
render sweeps what the killed one left beside it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ttgen import testing
from ttgen.paths import PROJECT_ROOT


def snapshot(folder: Path) -> dict[str, bytes] | None:
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def render(spec: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ttgen.cli", "render", str(spec), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=PROJECT_ROOT)


def test_killed_renders_leave_a_whole_folder(tmp_path):
    source = PROJECT_ROOT / "specs" / "multi_elementwise.yaml"
    old_spec = testing.variant(source, tmp_path / "old")
    new_spec = testing.variant(source, tmp_path / "new", sizes={"M": 128, "N": 256})
    out = tmp_path / "out"
    assert render(new_spec, tmp_path / "reference").wait() == 0
    new = snapshot(tmp_path / "reference" / "multi_elementwise")
    started = time.monotonic()
    assert render(old_spec, out).wait() == 0
    duration = time.monotonic() - started
    old = snapshot(out / "multi_elementwise")
    assert old != new
    for i in range(10):
        assert render(old_spec, out).wait() == 0
        process = render(new_spec, out)
        time.sleep(duration * (0.5 + 0.07 * i))  # from import time to past the swap
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = snapshot(out / "multi_elementwise")
        assert state in (old, new), f"kill {i}: a mix of old and new files"
    assert render(new_spec, out).wait() == 0
    assert snapshot(out / "multi_elementwise") == new
    assert [p.name for p in out.iterdir()] == ["multi_elementwise"], "leftovers of killed renders were not swept"
