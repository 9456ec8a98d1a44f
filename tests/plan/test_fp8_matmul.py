"""FP8 GEMM plans: FP8 stays FP8 in DRAM by default, a lossy carry must be accepted, scale blocks must agree."""

import pytest


def test_fp8_operands_stay_fp8_in_dram_by_default(plan_variant):
    plan = plan_variant("fp8_gemm")
    cb = plan.context["cb"]
    assert plan.metadata["compute"]["carry"] == {"A": "float8", "B": "float8"}
    assert (cb["cb_in0_fp8"].page_size, cb["cb_in1_fp8"].page_size) == (1024, 1024)  # one byte per element
    assert (cb["cb_in0"].fmt.name, cb["cb_in1"].fmt.name) == ("bfloat16", "bfloat16")  # widened on the device
    assert plan.context["a"]["dram_page"] == 1024
    assert cb["cb_partials"].fmt.name == "float32"
    assert any("DRAM bytes read: 2639872" in line for line in plan.explain)


def test_scales_of_any_size_live_in_pages_of_their_own(plan_variant):
    plan = plan_variant("fp8_gemm", sizes={"M": 256, "N": 8192, "K": 8192, "KB": 64, "NB": 64},
                        schedule={"grid": [8, 8]})
    cb = plan.context["cb"]
    assert cb["cb_sb"].page_size == 64 * 4  # one K block's 64 B-block scales, not one page for all 4096
    assert cb["cb_sa_rows"].page_size == 64 * 32 * 4


def test_host_carries_decide_the_page_sizes(plan_variant):
    plan = plan_variant("fp8_gemm", schedule={"grid": [4, 4], "carry": {"A": "bfloat16", "B": "bfloat8_b"},
                                              "lossy_carry": True})
    cb = plan.context["cb"]
    assert (cb["cb_in0"].page_size, cb["cb_in1"].page_size) == (2048, 1088)
    assert "cb_in0_fp8" not in cb and "cb_in1_fp8" not in cb


@pytest.mark.parametrize("sections,path,fragment", [
    ({"schedule": {"grid": [4, 4], "carry": {"B": "bfloat8_b"}}}, ("schedule", "carry", "B"),
     "say schedule.lossy_carry: true"),
    ({"schedule": {"grid": [4, 4], "lossy_carry": True}}, ("schedule", "lossy_carry"), "no operand has a lossy"),
    ({"schedule": {"carry": {"A": "float32"}}}, ("schedule", "carry", "A"), "is carried as"),
    ({"schedule": {"grid": [3, 4]}}, ("schedule", "grid"), "must divide"),
    ({"sizes": {"K": 2016, "KB": 16}}, ("inputs", "A", "shape"), "not a multiple of the 128-wide scale block"),
    ({"sizes": {"N": 1056, "NB": 8}}, ("inputs", "B", "shape"), "not a multiple of the 128-wide scale block"),
    ({"compute": {"expression": "A @ B", "scales": {"A": {"tensor": "A_scale", "block": [1, 128]},
                                                    "B": {"tensor": "B_scale", "block": [64, 128]}}}},
     ("compute", "scales", "B", "block"), "must match"),
    ({"compute": {"expression": "A @ B", "scales": {"A": {"tensor": "A_scale", "block": [1, 80]},
                                                    "B": {"tensor": "B_scale", "block": [80, 128]}}}},
     ("compute", "scales", "A", "block"), "multiple of 32"),
    ({"sizes": {"KB": 2}}, ("inputs", "A_scale", "shape"), "one scale per row and K block"),
    ({"sizes": {"NB": 4}}, ("inputs", "B_scale", "shape"), "one scale per 128x128 block"),
    ({"inputs": {"B_scale": {"shape": ["KB", "NB"], "dtype": "bfloat16"}}}, ("inputs", "B_scale", "dtype"),
     "scales are float32"),
])
def test_errors_point_into_the_spec(plan_error, sections, path, fragment):
    e = plan_error("fp8_gemm", **sections)
    assert fragment in e.message
    assert e.location.path == ".".join(path)
