"""Bad specs through the command line: exit code 1, one `file:LINE: json.path: message` line, nothing written.

Each bad spec is a real spec from specs/ with one small edit. `ttgen render` and `ttgen validate` must fail the
same way, with no traceback and without writing a file anywhere.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ttgen import arch
from ttgen.cli import main
from ttgen.paths import PROJECT_ROOT

SPECS = PROJECT_ROOT / "specs"
TTGEN = Path(sys.executable).with_name("ttgen")


@dataclass(frozen=True)
class Bad:
    id: str
    spec: str  # a good spec in specs/
    edits: tuple[tuple[str, str], ...]  # (old, new): `old` occurs exactly once
    line: str  # the line of the edited text the error must point at (exact match)
    json_path: str
    fragments: tuple[str, ...]

    def write(self, folder: Path) -> tuple[Path, int]:
        text = (SPECS / self.spec).read_text()
        for old, new in self.edits:
            assert text.count(old) == 1, f"{old!r} must occur once in {self.spec}"
            text = text.replace(old, new)
        lines = [i for i, each in enumerate(text.splitlines(), 1) if each == self.line]
        assert len(lines) == 1, f"{self.line!r} is on lines {lines}"
        path = folder / self.spec  # keep the spec's own name: the kernel folder it would render is named after it
        path.write_text(text)
        return path, lines[0]


# elementwise_add: 3 CBs (A, B, C) of tiles_per_block * cb_depth bf16 pages of 2048 B each
L1_NEEDED = 3 * 8 * 200 * 2048

CASES = [
    # an unclosed flow list: the parser notices at the next line, and names the line where the list began
    Bad("yaml-syntax", "gemm.yaml", (("  M: 256", "  M: [256"),),
        "  N: 256", "", ("YAML syntax error: while parsing a flow sequence on line", "expected ',' or ']'")),
    Bad("unknown-key", "gemm.yaml", (("  math_fidelity: HiFi4", "  math_fidelity: HiFi4\n  unroll: 4"),),
        "  unroll: 4", "schedule.unroll", ("unknown key 'unroll'", "allowed here", "math_fidelity")),
    Bad("bad-dtype", "elementwise_add.yaml", (("  C:\n    shape: [M, N]\n    dtype: bfloat16",
                                               "  C:\n    shape: [M, N]\n    dtype: bfloat17"),),
        "    dtype: bfloat17", "outputs.C.dtype", ("'bfloat17' is not one of", "'bfloat16'")),
    Bad("negative-size", "multi_elementwise.yaml", (("  N: 512", "  N: -512"),),
        "  N: -512", "sizes.N", ("-512 is less than the minimum of 1",)),
    Bad("non-tile-multiple", "gemm.yaml", (("  M: 256", "  M: 100"),),
        "  M: 100", "sizes.M", ("M = 100 is not a multiple of the tile size 32",)),
    Bad("python-tag", "gemm.yaml", (("  expression: A @ B", "  expression: !!python/object/apply:os.system [\"touch "
                                     "PWNED\"]"),),
        "  expression: !!python/object/apply:os.system [\"touch PWNED\"]", "compute.expression",
        ("YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed in a spec",)),
    Bad("l1-overflow", "elementwise_add.yaml", (("  tiles_per_block: 1\n  cb_depth: auto",
                                                 "  tiles_per_block: 8\n  cb_depth: 200"),),
        "schedule:", "schedule", (f"circular buffers need {L1_NEEDED} B of L1 per core",
                                  f"only {arch.L1_USABLE} B are usable", "lower cb_depth")),
    # M = 288 makes 9 x 32 = 288 tiles, which divide into blocks of 9; the block is what does not fit DST
    Bad("dst-block", "elementwise_add.yaml", (("  M: 512", "  M: 288"), ("  tiles_per_block: 1", "  tiles_per_block: 9")),
        "  tiles_per_block: 9", "schedule.tiles_per_block",
        ("a block of 9 tiles", "needs 9 DST tiles but half-sync DST holds 8")),
    Bad("grid-too-big", "multi_elementwise.yaml", (("  grid: [4, 4]", "  grid: [9, 8]"),),
        "  grid: [9, 8]", "schedule.grid", ("grid 9x8 does not fit the 8x8 device grid",)),
    Bad("device-too-big", "gemm.yaml", (("schedule:", "device:\n  grid: [8, 10]\nschedule:"),),
        "  grid: [8, 10]", "device.grid", ("device grid 8x10 is larger than the Wormhole n150's 8x8",)),
]


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def assert_one_error_line(err: str, path: Path, line: int, bad: Bad) -> None:
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.endswith("\n") and err.count("\n") == 1, err
    prefix = f"{path}:{line}: {bad.json_path}: " if bad.json_path else f"{path}:{line}: "
    assert err.startswith(prefix), err
    for fragment in bad.fragments:
        assert fragment in err, err


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty working folder (so a default `generated/` would land here too) holding the bad spec."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    return tmp_path


@pytest.mark.parametrize("bad", CASES, ids=lambda b: b.id)
def test_render_and_validate_fail_without_writing(workdir, capsys, bad):
    path, line = bad.write(workdir / "specs")
    before = files_under(workdir)
    out = workdir / "out"

    assert main(["render", str(path), "-o", str(out)]) == 1
    stdout, stderr = capsys.readouterr()
    assert stdout == ""
    assert_one_error_line(stderr, path, line, bad)
    assert files_under(workdir) == before
    assert not out.exists() or not any(out.iterdir())
    assert not list(workdir.rglob("*.cpp"))

    assert main(["validate", str(path)]) == 1
    stdout, stderr_validate = capsys.readouterr()
    assert stdout == ""
    assert stderr_validate == stderr
    assert files_under(workdir) == before
    assert not (workdir / "PWNED").exists()


def test_failed_render_leaves_the_previous_output_untouched(workdir, capsys):
    out = workdir / "out"
    assert main(["render", str(SPECS / "gemm.yaml"), "-o", str(out), "-q"]) == 0
    previous = {p: p.read_bytes() for p in files_under(out)}
    assert any(p.suffix == ".cpp" for p in previous)
    capsys.readouterr()

    bad = next(b for b in CASES if b.id == "non-tile-multiple")  # also named gemm.yaml -> out/gemm
    path, line = bad.write(workdir / "specs")
    assert main(["render", str(path), "-o", str(out)]) == 1
    _, stderr = capsys.readouterr()
    assert_one_error_line(stderr, path, line, bad)
    assert {p: p.read_bytes() for p in files_under(out)} == previous
    assert sorted(p.name for p in out.iterdir()) == ["gemm"]  # no staging folders left behind


def test_each_bad_spec_of_a_folder_is_reported(workdir, capsys):
    for bad in (CASES[1], CASES[2], CASES[3]):  # gemm, elementwise_add, multi_elementwise: one bad spec per file
        bad.write(workdir / "specs")
    assert main(["validate", str(workdir / "specs")]) == 1
    stdout, stderr = capsys.readouterr()
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 3
    assert [Path(l.split(":")[0]).name for l in lines] == ["elementwise_add.yaml", "gemm.yaml", "multi_elementwise.yaml"]


@pytest.mark.parametrize("bad", [b for b in CASES if b.id in ("python-tag", "l1-overflow")], ids=lambda b: b.id)
def test_render_subprocess_has_no_traceback(workdir, bad):
    path, line = bad.write(workdir / "specs")
    out = workdir / "out"
    result = subprocess.run([str(TTGEN), "render", str(path), "-o", str(out)], capture_output=True, text=True,
                            cwd=workdir, timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert_one_error_line(result.stderr, path, line, bad)
    assert not out.exists() or not any(out.iterdir())
    assert not (workdir / "PWNED").exists()
    assert files_under(workdir) == [path]
