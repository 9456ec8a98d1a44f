"""5.3 TopK and sampling: exact values and indices (ties to the lower index), and the drawn token."""

import numpy as np
import pytest

from ttgen import reference, testing
from ttgen.interp.runner import read_metadata
from ttgen.numerics.formats import round_to


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec(rendered):
    assert_passes(testing.run(rendered("topk_sampling")))


def test_the_inputs_have_ties_among_the_top_values(rendered):
    meta = read_metadata(rendered("topk_sampling"))
    values = reference.golden(meta, reference.make_inputs(meta, 0))["values"].value
    assert any(len(np.unique(row)) < len(row) for row in values)


@pytest.mark.parametrize("sizes,compute", [
    ({"M": 32, "N": 256, "K": 8}, {"k": 8, "top_p": 0.5, "temperature": 1.5}),
    ({"M": 96, "N": 128, "K": 4}, {"k": 4, "top_p": 1.0, "temperature": 0.3}),
])
def test_other_shapes_and_settings(rendered, sizes, compute):
    folder = rendered("topk_sampling", sizes=sizes, compute=compute, schedule={"grid": [2, 2]})
    assert_passes(testing.run(folder, seed=3))


@pytest.mark.parametrize("pattern,replace,wrong", [
    (r"rsub_unary_tile\(1, N_BITS\);", "add_unary_tile(1, N_BITS);", {"values", "indices", "token"}),  # wrong column
    (r"mul_unary_tile\(0, 0x[0-9A-F]+\);  // 1 / temperature", "", {"token"}),  # temperature ignored
    (r"unary_lt_tile\(0, 0x[0-9A-F]+\);  // top_p", "unary_lt_tile(0, 0x3F800000);", {"token"}),  # no nucleus
    (r"binary_dest_reuse_tiles<EltwiseBinaryType::ELWMUL, EltwiseBinaryReuseDestType::DEST_TO_SRCA>\(cb_u, 0, 0\);",
     "", {"token"}),  # u ignored: the threshold is the whole kept mass
])
def test_mutants_fail_on_the_outputs_they_touch(rendered, tmp_path, pattern, replace, wrong):
    # a low temperature, so that the draw depends on it
    folder = testing.copy_folder(rendered("topk_sampling", sizes={"M": 32, "N": 256}, compute={"temperature": 0.05}),
                                 tmp_path / "topk")
    testing.mutate(folder, "compute", pattern, replace)
    report = testing.run(folder)
    assert report.violation is None, str(report.violation)
    assert {c.name for c in report.comparisons if not c.ok} == wrong


def test_ties_to_the_higher_index_fail_on_indices_only(rendered, tmp_path):
    folder = testing.copy_folder(rendered("topk_sampling", sizes={"M": 32, "N": 256}), tmp_path / "topk")
    testing.mutate(folder, "compute", r"rsub_unary_tile\(1, N_BITS\);", "add_unary_tile(1, 0x3F800000);")  # col + 1
    testing.mutate(folder, "compute", r"rsub_unary_tile\(0, N_BITS\);", "sub_unary_tile(0, 0x3F800000);")
    report = testing.run(folder)
    assert report.violation is None, str(report.violation)
    assert "indices" in {c.name for c in report.comparisons if not c.ok}
    assert "values" not in {c.name for c in report.comparisons if not c.ok}


def test_very_negative_logits_with_k_below_a_tile_row(rendered):
    # exp((0 - v_0) / T) of the unused columns would overflow if they were not zeroed before exp
    def shift(inputs):
        # logits near -100 (bfloat16 there is coarse: the top values tie, p is 1/k each) and u = 0.3, which
        # lies clear of the cumulative sums k/8
        inputs["logits"] = round_to(inputs["logits"] - 100.0, "bfloat16")
        inputs["uniform"][:] = 0.3
        return inputs

    folder = rendered("topk_sampling", sizes={"M": 32, "N": 256, "K": 8}, compute={"k": 8})
    assert_passes(testing.run(folder, adjust_inputs=shift))


def test_parameters_that_leave_no_unambiguous_draw_are_reported_not_looped_on(rendered):
    # temperature 0.01 puts all the probability on the top value, so every cumulative sum after it is 1: top_p
    # 0.995 lies within the 1 % margin of it whatever the logits
    report = testing.run(rendered("topk_sampling", compute={"top_p": 0.995, "temperature": 0.01}))
    assert report.violation is not None and report.violation.check == "budget"
    assert "cannot draw its inputs" in str(report.violation)
