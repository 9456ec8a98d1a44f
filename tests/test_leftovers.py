import os
import subprocess
import sys

from ttgen import leftovers


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_made_folders_name_their_owner(tmp_path):
    folder = leftovers.make(tmp_path, "gemm", ".tmp")
    assert folder.name.endswith(".tmp")
    assert leftovers.owner(folder, "gemm") == os.getpid()


def test_only_folders_of_dead_owners_are_stale(tmp_path):
    mine = leftovers.make(tmp_path, "gemm", ".tmp")
    dead = tmp_path / f".gemm.p{_dead_pid()}.abc.tmp"
    legacy = tmp_path / ".gemm.x7q2.tmp"  # an older ttgen named no owner
    other_kernel = tmp_path / f".gemm_blocked.p{_dead_pid()}.abc.tmp"
    for path in (dead, legacy, other_kernel):
        path.mkdir()
    assert sorted(leftovers.stale(tmp_path, "gemm")) == sorted([dead, legacy])
    assert mine.exists()
