"""Linear-attention plans: one chunk length, V's own last dim, and the CBs causal needs."""

import pytest


def test_non_causal_plan_has_no_mask_or_scores(plan_variant):
    causal = {cb.var for cb in plan_variant("linear_attention").cbs}
    plain = {cb.var for cb in plan_variant("linear_attention", compute={"causal": False}).cbs}
    assert causal - plain == {"cb_causal", "cb_scores"}


def test_state_cb_holds_two_states(plan_variant):
    plan = plan_variant("linear_attention")
    state = plan.context["cb"]["cb_state"]
    assert state.pages == 2 * plan.context["geometry"]["Dt"] * plan.context["geometry"]["Et"]


@pytest.mark.parametrize("sections,path,fragment", [
    ({"schedule": {"chunks": {"q": 64}}}, ("schedule", "chunks", "q"), "one chunk length"),
    ({"schedule": {"chunks": {"kv": 96}}}, ("schedule", "chunks", "kv"), "dividing the sequence"),
    ({"inputs": {"Q": {"shape": ["B", "H", "S", "D"], "dtype": "bfloat16"},
                 "K": {"shape": ["B", "H", "S", "D"], "dtype": "bfloat16"},
                 "V": {"shape": ["B", "H", "S", "D"], "dtype": "float32"}}}, ("inputs", "V", "dtype"), "bfloat16"),
    ({"outputs": {"O": {"shape": ["B", "H", "S"], "dtype": "bfloat16"}}}, ("outputs", "O", "shape"),
     "[batch, heads, sequence, head_dim]"),
    ({"compute": {"feature_map": "elu_plus_one", "causal": True}, "schedule": {"multicast": "none"}},
     ("schedule", "multicast"), "does not apply"),
])
def test_errors_point_into_the_spec(plan_error, sections, path, fragment):
    e = plan_error("linear_attention", **sections)
    assert fragment in e.message
    assert e.location.path == ".".join(path)
