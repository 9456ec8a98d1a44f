"""MoE plans: the routing tensors, the gather layout, what is refused."""

import pytest


def test_two_programs(plan_variant):
    plan = plan_variant("fused_moe")
    assert sorted(plan.context["cbs"]) == ["combine", "experts"]
    assert plan.context["dims"]["Ht"] == 4 and plan.context["dims"]["Ft"] == 8


@pytest.mark.parametrize("sections,path,fragment", [
    ({"compute": {"routing": "computed"}}, ("compute", "routing"), "not implemented"),
    ({"inputs": {"X": {"shape": ["T", "H"], "dtype": "bfloat16"}}}, ("inputs", "X", "layout"), "row_major"),
    ({"inputs": {"topk_ids": {"shape": ["T", "TOPK"], "dtype": "bfloat16"}}}, ("inputs", "topk_ids"), "uint32"),
    ({"compute": {"top_k": 2, "activation": "gelu"}}, ("compute", "activation"), "not supported"),
    ({"sizes": {"F": 100}}, ("sizes",), "multiple of 32"),
])
def test_errors_point_into_the_spec(plan_error, sections, path, fragment):
    e = plan_error("fused_moe", **sections)
    assert fragment in e.message and e.location.path == ".".join(path)
