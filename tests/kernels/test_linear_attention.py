"""4.4 linear attention: feature maps, causal and not, the state carried across chunks on core."""

import pytest

from ttgen import testing


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def assert_numerically_wrong(report):
    assert report.violation is None, str(report.violation)
    assert not report.ok


SMALL = {"B": 1, "H": 3, "S": 256, "D": 64}


def test_default_spec_is_causal_and_passes(rendered):
    assert_passes(testing.run(rendered("linear_attention")))


@pytest.mark.parametrize("feature_map", ["elu_plus_one", "relu", "identity"])
@pytest.mark.parametrize("causal", [False, True])
def test_feature_maps_causal_or_not(rendered, feature_map, causal):
    folder = rendered("linear_attention", sizes=SMALL, schedule={"grid": [2, 1]},
                      compute={"feature_map": feature_map, "causal": causal})
    assert_passes(testing.run(folder))


def test_value_dim_differs_from_head_dim_and_long_chunks(rendered):
    folder = rendered("linear_attention", sizes={**SMALL, "E": 128}, schedule={"grid": [3, 1], "chunks": {"kv": 128}},
                      inputs={"Q": {"shape": ["B", "H", "S", "D"], "dtype": "bfloat16"},
                              "K": {"shape": ["B", "H", "S", "D"], "dtype": "bfloat16"},
                              "V": {"shape": ["B", "H", "S", "E"], "dtype": "bfloat16"}},
                      outputs={"O": {"shape": ["B", "H", "S", "E"], "dtype": "bfloat16"}})
    assert_passes(testing.run(folder))


def test_dram_traffic_is_one_pass_over_q_k_v(rendered):
    report = testing.run(rendered("linear_attention"))
    assert_passes(report)
    tensor_bytes = 1 * 8 * 512 * 64 * 2
    assert report.dram_read_bytes == 3 * tensor_bytes and report.dram_written_bytes == tensor_bytes


@pytest.mark.parametrize("causal", [False, True])
def test_state_not_carried_fails(rendered, tmp_path, causal):
    # every chunk starts a fresh state: only the last chunk's keys (non-causal) or the chunk's own (causal) count
    folder = testing.copy_folder(rendered("linear_attention", sizes=SMALL, compute={"causal": causal}),
                                 tmp_path / "la")
    testing.mutate(folder, "compute", r"if \(!first\) \{", "if (false) {")  # the copy of S_prev into DST
    assert_numerically_wrong(testing.run(folder))


@pytest.mark.parametrize("pattern,replace", [
    (r"if \(j == i\) \{", "if (false) {"),  # the diagonal tile unmasked: future keys leak in
    (r"if \(c > 0\) \{", "if (c > 1) {"),  # the second chunk ignores the first chunk's state
    (r"^            feature_map\(0\);", ""),  # φ not applied to K
])
def test_causal_mutants_fail(rendered, tmp_path, pattern, replace):
    folder = testing.copy_folder(rendered("linear_attention", sizes=SMALL), tmp_path / "la")
    testing.mutate(folder, "compute", pattern, replace)
    assert_numerically_wrong(testing.run(folder))
