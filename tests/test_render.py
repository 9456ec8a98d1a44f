"""Rendering: strict templates, deterministic formatted output, atomic folder replacement."""

import json

import pytest

from ttgen import render
from ttgen.errors import RenderError
from ttgen.paths import PROJECT_ROOT
from ttgen.plan import make_plan
from ttgen.spec import load_spec

GEMM = PROJECT_ROOT / "specs" / "gemm.yaml"


def test_render_is_deterministic(tmp_path):
    plan = make_plan(load_spec(GEMM))
    a = render.render_to(plan, tmp_path / "a")
    b = render.render_to(make_plan(load_spec(GEMM)), tmp_path / "b")
    files_a = {p.relative_to(a): p.read_bytes() for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b): p.read_bytes() for p in b.rglob("*") if p.is_file()}
    assert files_a == files_b and len(files_a) == 6


def test_output_is_clang_formatted(tmp_path):
    folder = render.render_to(make_plan(load_spec(GEMM)), tmp_path)
    before = {p: p.read_text() for p in folder.rglob("*.cpp")}
    render.format_cpp(folder, [str(p.relative_to(folder)) for p in before])
    assert all(p.read_text() == text for p, text in before.items())
    assert all(len(line) <= 120 for text in before.values() for line in text.split("\n"))


def test_metadata_names_host_and_tensors(tmp_path):
    folder = render.render_to(make_plan(load_spec(GEMM)), tmp_path)
    meta = json.loads((folder / "kernel.json").read_text())
    assert meta["host"] == "host/gemm.cpp" and (folder / meta["host"]).is_file()
    assert meta["inputs"]["A"] == {"shape": [256, 256], "dtype": "bfloat16"}
    assert meta["spec"] == "gemm.yaml"


def test_undefined_template_variable_is_an_error(tmp_path):
    plan = make_plan(load_spec(GEMM))
    del plan.context["grid"]
    with pytest.raises(RenderError, match="grid"):
        render.render_to(plan, tmp_path)
    assert not (tmp_path / "gemm").exists()


def test_failed_render_leaves_previous_output(tmp_path):
    folder = render.render_to(make_plan(load_spec(GEMM)), tmp_path)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    plan = make_plan(load_spec(GEMM))
    plan.context["grid"] = None  # templates index it: a render-time error after some files rendered
    with pytest.raises(RenderError):
        render.render_to(plan, tmp_path)
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["gemm"], "no staging folders left behind"


def test_rerender_replaces_stale_files(tmp_path):
    folder = render.render_to(make_plan(load_spec(GEMM)), tmp_path)
    (folder / "stale.cpp").write_text("// left over")
    render.render_to(make_plan(load_spec(GEMM)), tmp_path)
    assert not (folder / "stale.cpp").exists()


def test_templates_cannot_reach_python_internals(tmp_path):
    env = render.environment()
    template = env.from_string("{{ ctx.__class__.__mro__ }}")
    with pytest.raises(Exception):
        template.render(ctx={})


def test_host_constants_never_redeclare_a_size():
    from ttgen.errors import RenderError
    from ttgen.render import host_constant

    ctx = {"sizes": {"D": 64, "S": 512}, "spec_file": "a.yaml"}
    assert host_constant(ctx, "Dt", "D / 32") == "constexpr uint32_t Dt = D / 32;"
    assert host_constant(ctx, "D", 64) == "" and host_constant(ctx, "D", "D") == ""
    with pytest.raises(RenderError, match="size 'S' = 512 collides"):
        host_constant(ctx, "S", 256)
