"""FP8 GEMM plans: the carry must be said, scale blocks must agree with the scale tensors."""

import pytest


def test_carried_formats_decide_the_page_sizes(plan_variant):
    plan = plan_variant("fp8_gemm", schedule={"grid": [4, 4], "carry": {"A": "bfloat16", "B": "bfloat8_b"}})
    cb = plan.context["cb"]
    assert (cb["cb_a"].page_size, cb["cb_b"].page_size) == (2048, 1088)
    assert cb["cb_acc"].fmt.name == "float32" and cb["cb_acc"].pages == 2
    assert plan.metadata["compute"]["carry"] == {"A": "bfloat16", "B": "bfloat8_b"}


@pytest.mark.parametrize("sections,path,fragment", [
    ({"schedule": {"carry": {}}}, ("inputs", "A", "dtype"), "say how float8_e4m3 operand A is carried"),
    ({"schedule": {"carry": {"A": "float32", "B": "bfloat8_b"}}}, ("schedule", "carry", "A"), "is carried as"),
    ({"compute": {"expression": "A @ B", "scales": {"A": {"tensor": "A_scale", "block": [1, 128]},
                                                    "B": {"tensor": "B_scale", "block": [64, 128]}}}},
     ("compute", "scales", "B", "block"), "must match"),
    ({"compute": {"expression": "A @ B", "scales": {"A": {"tensor": "A_scale", "block": [1, 96]},
                                                    "B": {"tensor": "B_scale", "block": [96, 128]}}}},
     ("compute", "scales", "A", "block"), "multiple of 32 dividing"),
    ({"sizes": {"KB": 2}}, ("inputs", "A_scale", "shape"), "one scale per row and K block"),
    ({"inputs": {"B_scale": {"shape": ["KB", "NB"], "dtype": "bfloat16"}}}, ("inputs", "B_scale", "dtype"),
     "scales are float32"),
])
def test_errors_point_into_the_spec(plan_error, sections, path, fragment):
    e = plan_error("fp8_gemm", **sections)
    assert fragment in e.message
    assert e.location.path == ".".join(path)
