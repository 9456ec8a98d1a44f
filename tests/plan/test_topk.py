"""TopK/sampling plans: k up to the 64-candidate window, any vocabulary of whole tiles, sampling parameters in range."""

import pytest


@pytest.mark.parametrize("sections,path,fragment", [
    ({"compute": {"k": 65}, "sizes": {"K": 65}}, ("compute", "k"), "maximum"),  # the schema bounds k
    ({"sizes": {"V": 1000}}, ("inputs", "logits", "shape"), "not a multiple of 32"),
    ({"sizes": {"B": 33}}, ("inputs", "logits", "shape"), "at most 32"),
    ({"sizes": {"V": 32}}, ("compute", "k"), "more than the vocabulary"),
    ({"inputs": {"uniform": {"shape": ["B"], "dtype": "bfloat16"}}}, ("inputs", "uniform", "shape"), "float32"),
    ({"outputs": {"token": {"shape": ["B"], "dtype": "float32"}}}, ("outputs", "token"), "uint32"),
])
def test_errors_point_into_the_spec(plan_error, sections, path, fragment):
    e = plan_error("topk_sampling", **sections)
    assert fragment in e.message and e.location.path == ".".join(path)


@pytest.mark.parametrize("compute,path", [
    ({"top_p": 0}, "compute.top_p"),
    ({"top_p": 1.5}, "compute.top_p"),
    ({"temperature": 0}, "compute.temperature"),
    ({"temperature": -1}, "compute.temperature"),
    ({"min_p": 1.0}, "compute.min_p"),
])
def test_sampling_parameters_out_of_range(plan_error, compute, path):
    assert plan_error("topk_sampling", compute=compute).location.path == path
