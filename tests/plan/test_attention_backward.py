"""Attention-backward plans: three programs, each accumulator with one owner, shapes refused where wrong."""

import pytest


def test_three_programs_of_kernels(plan_variant):
    plan = plan_variant("flash_attention_bwd")
    paths = [f.path for f in plan.files]
    for program in ("pre", "kv", "q"):
        for role in ("reader", "compute", "writer"):
            assert any(p.endswith(f"{role}_flash_attention_bwd_{program}.cpp") for p in paths), (program, role)
    assert plan.context["units"] == {"pre": 32, "kv": 16, "q": 16}


def test_accumulators_hold_previous_and_next(plan_variant):
    cb = plan_variant("flash_attention_bwd").context["cb"]
    assert cb["kv"]["cb_dk"].pages == cb["kv"]["cb_dv"].pages == 2 * 2 * 2
    assert cb["q"]["cb_dq"].pages == 2 * 2 * 2


@pytest.mark.parametrize("sections,path,fragment", [
    ({"inputs": {"X": {"shape": ["B", "H", "S", "D"], "dtype": "bfloat16"}}}, ("inputs", "X"), "unexpected input"),
    ({"outputs": {"dX": {"shape": ["B", "H", "S", "D"], "dtype": "bfloat16"}}}, ("outputs",), "dQ, dK, dV"),
    ({"schedule": {"chunks": {"kv": 96}}}, ("schedule", "chunks", "kv"), "multiple of 32"),
    ({"compute": {"variant": "gqa"}}, ("compute", "variant"), "mha variant"),
])
def test_errors_point_into_the_spec(plan_error, sections, path, fragment):
    e = plan_error("flash_attention_bwd", **sections)
    assert fragment in e.message
    assert e.location.path == ".".join(path)


def test_logsumexp_shape(plan_error):
    e = plan_error("flash_attention_bwd", inputs={
        **{n: {"shape": ["B", "H", "S", "D"], "dtype": "bfloat16"} for n in ("Q", "K", "V", "O", "dO")},
        "L": {"shape": ["B", "H", "S", "D"], "dtype": "bfloat16"}})
    assert "row logsumexp" in e.message and e.location.path == "inputs.L.shape"
