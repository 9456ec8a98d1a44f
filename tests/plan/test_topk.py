"""TopK/sampling plans: k within a tile row, exact indices, the outputs it writes."""

import pytest


@pytest.mark.parametrize("sections,path,fragment", [
    ({"compute": {"k": 40}}, ("compute", "k"), "at most 32"),
    ({"sizes": {"N": 4096}}, ("inputs", "logits", "shape"), "exact up to 2048"),
    ({"inputs": {"uniform": {"shape": ["M"], "dtype": "bfloat16"}}}, ("inputs", "uniform", "shape"), "float32"),
    ({"outputs": {"token": {"shape": ["M"], "dtype": "float32"}}}, ("outputs", "token"), "uint32"),
    ({"compute": {"top_p": 1e-30}}, ("compute", "top_p"), "outside [0.01, 1]"),
    ({"compute": {"temperature": 1e-30}}, ("compute", "temperature"), "stay finite in float32"),
])
def test_errors_point_into_the_spec(plan_error, sections, path, fragment):
    e = plan_error("topk_sampling", **sections)
    assert fragment in e.message and e.location.path == ".".join(path)
