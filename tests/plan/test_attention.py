"""Attention plans: shapes, variants and chunking refused with the spec path that is wrong."""

import pytest


def test_default_plans(plan_variant):
    for spec in ("flash_attention_fwd", "gqa", "block_sparse_attention"):
        plan = plan_variant(spec)
        assert plan.metadata["numerics"]["fp32_accumulation"] is True
        assert plan.context["geometry"]["Sq_t"] == 2 and plan.context["geometry"]["Sk_t"] == 4


@pytest.mark.parametrize("spec,sections,path,fragment", [
    ("flash_attention_fwd", {"schedule": {"chunks": {"q": 48}}}, ("schedule", "chunks", "q"), "multiple of 32"),
    ("flash_attention_fwd", {"schedule": {"chunks": {"kv": 96}}}, ("schedule", "chunks", "kv"), "dividing"),
    ("flash_attention_fwd", {"schedule": {"dst": {"fp32_accumulation": False}}}, ("schedule", "dst"), "32-bit DST"),
    ("gqa", {"sizes": {"HQ": 6, "HKV": 4}}, ("inputs", "K", "shape"), "multiple of heads_kv"),
    ("gqa", {"schedule": {"grid": [2, 4]}}, ("schedule", "grid"), "width 2 must be a multiple of 4"),
    ("block_sparse_attention", {"sizes": {"NK": 8}}, ("inputs", "block_mask", "shape"), "q blocks, kv blocks"),
    ("block_sparse_attention", {"compute": {"block": [64, 64]}}, ("compute", "block"), "blocks are the chunks"),
])
def test_errors_point_into_the_spec(plan_error, spec, sections, path, fragment):
    e = plan_error(spec, **sections)
    assert fragment in e.message
    assert e.location.path == ".".join(path)


def test_mla_plans_one_query_chunk_of_all_heads_and_no_value_tensor(plan_variant):
    plan = plan_variant("deepseek_mla")
    assert plan.context["geometry"]["Sq_t"] == 1 and plan.context["geometry"]["Dvt"] == 16
    assert plan.context["v_from_k"] and "cb_v" not in plan.context["cb"]


@pytest.mark.parametrize("sections,path,fragment", [
    ({"outputs": {"O": {"shape": ["B", "H", "R + P"], "dtype": "bfloat16"}}}, ("outputs", "O", "shape"),
     "latent space"),
    ({"compute": {"variant": "mla", "latent": {"kv_rank": "R"}}}, ("compute", "latent"), "rope_dim"),
    ({"compute": {"variant": "mla", "causal": True, "latent": {"kv_rank": "R", "rope_dim": "P"}}},
     ("compute", "causal"), "does not apply"),
    ({"compute": {"variant": "mla", "latent": {"kv_rank": "R - 1", "rope_dim": "P + 1"}}}, ("compute", "latent"),
     "multiples of 32"),
])
def test_mla_errors(plan_error, sections, path, fragment):
    e = plan_error("deepseek_mla", **sections)
    assert fragment in e.message and e.location.path == ".".join(path)
