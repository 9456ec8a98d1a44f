"""The repository root holds what the README's layout table lists, and nothing else: scratch work lives in a
temporary folder, fixtures under tests/."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from ttgen.paths import PROJECT_ROOT


def layout_entries(readme: str) -> set[str]:
    """The top-level names in the first column of the README's Layout table."""
    table = readme.split("## Layout", 1)[1].lstrip("\n").split("\n\n", 1)[0]
    names = set()
    for row in table.splitlines()[2:]:
        first = row.split("|")[1]
        names |= {path.split("/")[0] for path in re.findall(r"`([^`]+)`", first)}
    return names


def root_entries() -> set[str]:
    """Top-level names git tracks or would add (untracked and not ignored)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, check=True).stdout
    return {line.split("/")[0] for line in listed.splitlines() if (PROJECT_ROOT / line).exists()}


@pytest.mark.skipif(shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists(),
                    reason="needs a git checkout of the project")
def test_root_holds_only_what_the_readme_lists():
    listed = layout_entries((PROJECT_ROOT / "README.md").read_text())
    present = root_entries()
    assert present - listed == set(), "at the root but not in the README's layout table"
    assert listed - present == set(), "in the README's layout table but not in the repository"


def test_layout_table_parsing():
    readme = "## Layout\n\n| path | what |\n|---|---|\n| `a/b.py`, `c/` | x |\n| `d.toml` | `not/this` |\n\nmore"
    assert layout_entries(readme) == {"a", "c", "d.toml"}
