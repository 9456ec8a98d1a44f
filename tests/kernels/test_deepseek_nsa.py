"""6.1 DeepSeek NSA decode: compressed, selected (chosen on device, loaded by the reader) and window branches."""

import pytest

from ttgen import testing


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec_and_its_traffic(rendered):
    report = testing.run(rendered("deepseek_nsa"))
    assert_passes(report)
    groups, G, S, D, n_sel, window = 4, 32, 1024, 64, 8, 64
    q = groups * G * D * 2
    compressed = groups * 2 * S * D * 2  # every K and V block once
    selected = groups * 2 * n_sel * 32 * D * 2
    win = groups * 2 * window * D * 2
    gates = groups * 3 * 2048
    assert report.dram_read_bytes == q + compressed + selected + win + gates


@pytest.mark.parametrize("sizes,nsa,grid", [
    ({"B": 1, "HKV": 3, "S": 512, "D": 32}, {"selected_blocks": 4, "window": 96}, [2, 1]),
    ({"B": 2, "HKV": 1, "S": 256, "D": 128}, {"selected_blocks": 8, "window": 32}, [1, 1]),
])
def test_other_shapes_and_several_groups_per_core(rendered, sizes, nsa, grid):
    folder = rendered("deepseek_nsa", sizes=sizes, schedule={"grid": grid},
                      compute={"variant": "nsa", "nsa": {"selected_blocks": nsa["selected_blocks"],
                                                         "window": nsa["window"]}})
    assert_passes(testing.run(folder, seed=2))


@pytest.mark.parametrize("file,pattern,replace", [
    # the reader ignores the selection made on device and loads the first blocks
    ("reader", r"uint32_t block = static_cast<uint32_t>\(picked\[face_index\(0, i\)\]\);", "uint32_t block = i;"),
    # the compressed branch uses block sums instead of means
    ("compute", r"\(cb_one, cb_mean(.*)", r"(cb_one, cb_scaler\1"),
    # the window gate applied to the selected branch
    ("compute", r"mul_tiles_bcast_cols\(cb_o3, cb_gates, 2 \* Dt \+ d, 2, 2\);",
     "mul_tiles_bcast_cols(cb_o3, cb_gates, 2 * Dt + d, 1, 2);"),
    # the most important block never removed: it is selected n times
    ("compute", r"mul_unary_tile\(0, REMOVED_BITS\);", "mul_unary_tile(0, 0);"),
])
def test_mutants_fail(rendered, tmp_path, file, pattern, replace):
    folder = testing.copy_folder(rendered("deepseek_nsa"), tmp_path / "nsa")
    testing.mutate(folder, file, pattern, replace, count=2)
    report = testing.run(folder)
    assert report.violation is None, str(report.violation)
    assert not report.ok


def test_inputs_that_cannot_be_drawn_are_reported_not_looped_on(rendered, monkeypatch):
    # with no draws left, the reference's search for a clear block choice gives up at once: the run ends as a
    # budget violation naming the reason, not as a hang or a traceback
    monkeypatch.setattr("ttgen.reference.attention.MAX_DRAWS", 0)
    report = testing.run(rendered("deepseek_nsa"))
    assert report.violation is not None and report.violation.check == "budget"
    assert "cannot draw its inputs" in str(report.violation)
