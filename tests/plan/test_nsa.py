"""NSA plans: tile-row blocks, one query tile per group, selection and window within the cache."""

import pytest


def test_branch_cbs_cycle_without_wrapping(plan_variant):
    cb = plan_variant("deepseek_nsa").context["cb"]
    assert cb["cb_k"].pages == (8 + 2) * 2 and cb["cb_s"].pages == 8 + 2  # selected then window, every group


@pytest.mark.parametrize("sections,path,fragment", [
    ({"compute": {"variant": "nsa", "nsa": {"compress_block": 64}}}, ("compute", "nsa", "compress_block"),
     "one tile row"),
    ({"compute": {"variant": "nsa", "nsa": {"selected_blocks": 40}}}, ("compute", "nsa", "selected_blocks"),
     "between 1 and"),
    ({"compute": {"variant": "nsa", "nsa": {"window": 48}}}, ("compute", "nsa", "window"), "multiple of 32"),
    ({"sizes": {"G": 16}}, ("inputs", "Q", "shape"), "G must be 32"),
    ({"sizes": {"S": 2048}}, ("inputs", "K", "shape"), "at most 32 blocks"),
])
def test_errors_point_into_the_spec(plan_error, sections, path, fragment):
    e = plan_error("deepseek_nsa", **sections)
    assert fragment in e.message and e.location.path == ".".join(path)
