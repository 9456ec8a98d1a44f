"""Specs declare their schema for editors, and the --associated hook recognises a spec by that line alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttgen.association import association, is_spec
from ttgen.cli import main
from ttgen.paths import PROJECT_ROOT, SCHEMA_FILE

SPECS = sorted((PROJECT_ROOT / "specs").glob("*.yaml"))


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_every_spec_is_associated_with_the_schema(spec):
    assert spec.read_text().startswith("# yaml-language-server: $schema="), "the association must be line 1"
    target = association(spec)
    assert target is not None
    assert (spec.parent / target).resolve() == SCHEMA_FILE.resolve()


def test_recognition_reads_only_the_leading_comments(tmp_path):
    cases = {
        "spec.yaml": "# yaml-language-server: $schema=../schema/kernel.schema.json\npattern: matmul\n",
        "url.yaml": "#yaml-language-server: $schema=https://example.org/ttgen/kernel.schema.json\n",
        "after_comments.yaml": "# title\n\n# yaml-language-server: $schema=kernel.schema.json\n",
        "other_schema.yaml": "# yaml-language-server: $schema=https://json.schemastore.org/github-workflow.json\n",
        "late.yaml": "name: ci\n# yaml-language-server: $schema=kernel.schema.json\n",
        "none.yaml": "on: [push]\n",
        "binary.yaml": "\udcff",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text, errors="surrogateescape")
    recognised = {name for name in cases if is_spec(tmp_path / name)}
    assert recognised == {"spec.yaml", "url.yaml", "after_comments.yaml"}


def test_validate_associated_skips_other_yaml(tmp_path, capsys):
    spec = tmp_path / "gemm.yaml"
    spec.write_text((PROJECT_ROOT / "specs" / "gemm.yaml").read_text())
    workflow = tmp_path / "ci.yml"
    workflow.write_text("name: ci\non: [push]\n")
    assert main(["validate", "--associated", str(spec), str(workflow)]) == 0
    assert capsys.readouterr().out == f"{spec}: ok\n"
    assert main(["validate", str(workflow)]) == 1  # without the flag it is read, and it is no spec
    assert f"{workflow}:1: 'compute' is a required property" in capsys.readouterr().err


def test_validate_associated_still_fails_a_broken_spec(tmp_path, capsys):
    text = (PROJECT_ROOT / "specs" / "gemm.yaml").read_text()
    spec = tmp_path / "gemm.yaml"
    spec.write_text(text.replace("math_fidelity: HiFi4", "math_fidelity: HiFi9"))
    line = text[: text.index("math_fidelity: HiFi4")].count("\n") + 1
    assert main(["validate", "--quiet", "--associated", str(spec)]) == 1
    assert capsys.readouterr().err.startswith(f"{spec}:{line}: schedule.math_fidelity: 'HiFi9' is not one of")


def test_schema_command_prints_the_schema_it_validates_with(capsys):
    assert main(["schema"]) == 0
    assert Path(capsys.readouterr().out.strip()) == SCHEMA_FILE
