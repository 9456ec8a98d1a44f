"""5.3 TopK and sampling over a vocabulary: exact values and indices (ties to the lower index), and the drawn token,
decided exactly at the edges the inputs put there on purpose."""

import numpy as np
import pytest

from ttgen import reference, testing
from ttgen.interp.runner import read_metadata
from ttgen.reference.selection import top


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def failing(report):
    assert report.violation is None, str(report.violation)
    return {c.name for c in report.comparisons if not c.ok}


def test_default_spec(rendered):
    assert_passes(testing.run(rendered("topk_sampling")))


def test_llama3_spec(rendered):
    assert_passes(testing.run(rendered("topk_sampling_llama3")))


def test_the_inputs_put_ties_at_the_top_and_across_the_cut(rendered):
    meta = read_metadata(rendered("topk_sampling"))
    inputs = reference.make_inputs(meta, 0)
    k = meta["compute"]["k"]
    for row in inputs["logits"]:
        values, indices = top(row.astype(np.float64), k + 1)
        assert values[0] == values[1] and indices[0] < indices[1]  # the planted max, twice
        assert values[k - 1] == values[k]  # the k-th place is inside a run of ties
    # tie columns far apart: on different cores (each takes 2048 columns)
    spread = [abs(int(a) - int(b)) for a, b in (top(r.astype(np.float64), 2)[1] for r in inputs["logits"])]
    assert max(spread) > 2048


@pytest.mark.parametrize("sizes,compute,schedule", [
    ({"B": 3, "V": 224, "K": 1}, {"k": 1}, {"grid": [2, 2]}),  # greedy; an odd number of tiles (7): one padded
    ({"B": 32, "V": 2048, "K": 64}, {"k": 64, "top_p": 1.0, "temperature": 0.3}, {"grid": [4, 2]}),
    ({"B": 1, "V": 4096, "K": 33}, {"k": 33, "top_p": 0.5, "temperature": 1.5}, {"grid": [3, 1]}),
    ({"B": 16, "V": 1024, "K": 8}, {"k": 8, "min_p": 0.9, "temperature": 1.0}, {"grid": [1, 1]}),
    ({"B": 5, "V": 64, "K": 64}, {"k": 64}, {"grid": [8, 8]}),  # the whole vocabulary on one core
    ({"B": 2, "V": 151936, "K": 50}, {"k": 50}, {"grid": [8, 8]}),  # Qwen 2's vocabulary (indices past 2^17)
])
def test_other_shapes_and_settings(rendered, sizes, compute, schedule):
    folder = rendered("topk_sampling", sizes=sizes, compute=compute, schedule=schedule)
    for seed in (1, 2):
        assert_passes(testing.run(folder, seed=seed))


# Each mutant breaks one rule; the outputs it touches, and only those, must fail.
@pytest.mark.parametrize("file,pattern,replace,wrong", [
    ("compute", r"add_unary_tile_int32\(7, tile \* 32 \+ 32\);", "add_unary_tile_int32(7, tile * 32 + 31);",
     {"indices", "token"}),  # the second tile's columns one off
    ("compute", r"mul_unary_tile\(1, INV_TEMPERATURE_BITS\);", "", {"token"}),  # ranks 32.. without temperature
    ("compute", r"topk_rebuild<true>\(0, 0, 0, WINDOW", "topk_rebuild<false>(0, 0, 0, WINDOW",
     {"indices", "token"}),  # equal values in any order
    ("compute", r"topk_merge<false, true>\(4, 0, WINDOW\);", "", {"values", "indices", "token"}),  # ranks 32..63
    ("writer", r"cumulative > threshold", "cumulative >= threshold", {"token"}),  # a draw exactly on an edge
])
def test_mutants_fail_on_the_outputs_they_touch(rendered, tmp_path, file, pattern, replace, wrong):
    folder = testing.copy_folder(rendered("topk_sampling"), tmp_path / "topk")
    testing.mutate(folder, file, pattern, replace)
    assert failing(testing.run(folder)) == wrong


def test_min_p_changes_the_draw_and_the_kernel_follows_it(rendered, tmp_path):
    folder = testing.copy_folder(rendered("topk_sampling", sizes={"B": 16, "V": 1024, "K": 8},
                                          compute={"k": 8, "min_p": 0.9, "temperature": 1.0},
                                          schedule={"grid": [2, 1]}), tmp_path / "topk")
    testing.mutate(folder, "writer", r"constexpr float MIN_P = [0-9.]+f;", "constexpr float MIN_P = 0.0f;")
    assert failing(testing.run(folder)) == {"token"}


def test_greedy_takes_the_lower_index_of_a_tied_max(rendered):
    def tie(inputs):
        logits = inputs["logits"]
        logits[:, 5] = logits[:, 200] = 7.0  # both above every uniform draw; 5 and 200 are on different cores
        return inputs

    folder = rendered("topk_sampling", sizes={"B": 3, "V": 224, "K": 1}, compute={"k": 1}, schedule={"grid": [2, 2]})
    report = testing.run(folder, adjust_inputs=tie)
    assert_passes(report)
