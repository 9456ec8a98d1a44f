"""generated/ is committed: it must be exactly what `ttgen render specs/` produces now."""

import subprocess
from pathlib import Path

import pytest

from ttgen.cli import main
from ttgen.paths import PROJECT_ROOT


def _committed_files() -> dict[str, bytes]:
    """generated/ as staged in git (in CI, a fresh clone: the commit under test)."""
    try:
        listing = subprocess.run(["git", "ls-files", "-z", "generated"], cwd=PROJECT_ROOT, capture_output=True,
                                 check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = {}
    for path in filter(None, listing.decode().split("\0")):
        blob = subprocess.run(["git", "show", f":{path}"], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
        files[path.removeprefix("generated/")] = blob
    return files


def test_generated_matches_a_fresh_render(tmp_path):
    assert main(["render", str(PROJECT_ROOT / "specs"), "-o", str(tmp_path), "--quiet"]) == 0
    fresh = {str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    committed = _committed_files()
    assert sorted(fresh) == sorted(committed), "run `ttgen render specs/` and commit generated/"
    drifted = [path for path in fresh if fresh[path] != committed[path]]
    assert not drifted, f"generated/ drifted from the specs in {drifted}: run `ttgen render specs/` and commit"


def test_every_spec_has_a_generated_folder():
    specs = {p.stem for p in (PROJECT_ROOT / "specs").glob("*.yaml")}
    folders = {p.name for p in (PROJECT_ROOT / "generated").iterdir() if p.is_dir()}
    assert specs == folders
