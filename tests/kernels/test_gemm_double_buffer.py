"""2.1 blocked GEMM: spilled partials, DST accumulation, fp32 partials, depth inference, uneven splits."""

import pytest

from ttgen import testing
from ttgen.plan import make_plan
from ttgen.spec import load_spec


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec_spills_partials(rendered):
    assert_passes(testing.run(rendered("gemm_double_buffer")))


def test_whole_block_in_dst(rendered):
    # 2x2-tile output blocks fit one DST subblock: partials stay in DST across the 4 K blocks.
    folder = rendered("gemm_double_buffer", sizes={"M": 128, "N": 128, "K": 256},
                      schedule={"grid": [2, 2], "block": {"in0_block_w": 2, "per_core_m": 2, "per_core_n": 2}})
    assert "cb_partials" not in (folder / "kernels/compute/compute_gemm_double_buffer.cpp").read_text()
    assert_passes(testing.run(folder))


def test_fp32_partials_reconfigure_the_unpacker_and_packer(rendered):
    folder = rendered("gemm_double_buffer", sizes={"M": 128, "N": 128, "K": 256},
                      schedule={"grid": [2, 2], "dst": {"fp32_accumulation": True},
                                "block": {"in0_block_w": 1, "per_core_m": 2, "per_core_n": 4}})
    text = (folder / "kernels/compute/compute_gemm_double_buffer.cpp").read_text()
    assert "reconfig_data_format_srca" in text and "pack_reconfig_data_format" in text
    assert_passes(testing.run(folder))


def test_uneven_split_of_blocks(rendered):
    # 3 x 2 = 6 output blocks of 2x2 tiles over a 2x2 grid: two cores take 2 blocks, two take 1.
    folder = rendered("gemm_double_buffer", sizes={"M": 192, "N": 128, "K": 128},
                      schedule={"grid": [2, 2], "block": {"in0_block_w": 2, "per_core_m": 2, "per_core_n": 2,
                                                          "out_subblock_h": 1, "out_subblock_w": 2}})
    assert_passes(testing.run(folder))


def test_explicit_subblocks(rendered):
    folder = rendered("gemm_double_buffer", sizes={"M": 256, "N": 256, "K": 128},
                      schedule={"grid": [2, 2], "block": {"in0_block_w": 4, "per_core_m": 4, "per_core_n": 4,
                                                          "out_subblock_h": 1, "out_subblock_w": 2}})
    assert_passes(testing.run(folder))


def test_auto_depth_falls_back_to_single_buffering(tmp_path):
    from ttgen.paths import PROJECT_ROOT

    spec = testing.variant(PROJECT_ROOT / "specs/gemm_double_buffer.yaml", tmp_path,
                           sizes={"M": 2048, "N": 2048, "K": 2048},
                           schedule={"grid": [1, 1], "block": {"in0_block_w": 16, "per_core_m": 16, "per_core_n": 8}})
    plan = make_plan(load_spec(spec))
    assert any("does not fit in L1; single-buffered" in line for line in plan.explain)
    assert {cb.index: cb.pages for cb in plan.cbs}[0] == 16 * 16  # one in0 block, not two


@pytest.mark.parametrize("depth", [1, 3])
def test_explicit_depths_run(rendered, depth):
    folder = rendered("gemm_double_buffer", sizes={"M": 128, "N": 128, "K": 128},
                      schedule={"grid": [2, 2], "cb_depth": depth,
                                "block": {"in0_block_w": 2, "per_core_m": 2, "per_core_n": 2}})
    assert_passes(testing.run(folder))


@pytest.mark.parametrize("dtypes", [{"B": "float32"}, {"A": "float32"}, {"A": "float32", "B": "float32"}])
def test_operands_in_another_format_than_the_partials(rendered, dtypes):
    # found by fuzzing: with B in float32 the unpacker's srcA holds Float32 while the partials are bfloat16, so
    # reloading them needs a reconfiguration even though partials and output share a format
    shapes = {"A": ["M", "K"], "B": ["K", "N"]}
    inputs = {name: {"shape": shapes[name], "dtype": dtype} for name, dtype in dtypes.items()}
    assert_passes(testing.run(rendered("gemm_double_buffer", inputs=inputs)))
