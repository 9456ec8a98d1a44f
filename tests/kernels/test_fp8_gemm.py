"""5.1 FP8 GEMM: e4m3/e5m2 operands carried as bfloat8_b or bfloat16, per-block scales applied after each block."""

import numpy as np
import pytest

from ttgen import reference, testing
from ttgen.interp.runner import read_metadata


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec(rendered):
    assert_passes(testing.run(rendered("fp8_gemm")))


@pytest.mark.parametrize("carry", ["bfloat16", "bfloat8_b"])
def test_carries_and_e5m2(rendered, carry):
    folder = rendered("fp8_gemm", inputs={"B": {"shape": ["K", "N"], "dtype": "float8_e5m2"}},
                      schedule={"grid": [2, 2], "carry": {"A": carry, "B": carry}})
    assert_passes(testing.run(folder))


def test_bfloat16_carry_is_exact_so_the_error_is_the_output_rounding(rendered):
    folder = rendered("fp8_gemm", schedule={"grid": [2, 2], "carry": {"A": "bfloat16", "B": "bfloat16"}})
    report = testing.run(folder)
    assert_passes(report)
    value = reference.golden(read_metadata(folder), reference.make_inputs(read_metadata(folder), 0))["C"].value
    assert report.comparisons[0].max_error <= 2.0**-8 * np.abs(value).max()


def test_other_blocks_and_uneven_split(rendered):
    folder = rendered("fp8_gemm", sizes={"M": 96, "N": 128, "K": 256, "KB": 4, "NB": 4},
                      compute={"expression": "A @ B", "scales": {"A": {"tensor": "A_scale", "block": [1, 64]},
                                                                 "B": {"tensor": "B_scale", "block": [64, 32]}}},
                      schedule={"grid": [5, 1], "carry": {"A": "bfloat8_b", "B": "bfloat8_b"}})
    assert_passes(testing.run(folder))


def test_the_inputs_are_real_fp8_with_varied_scales(rendered):
    meta = read_metadata(rendered("fp8_gemm"))
    inputs = reference.make_inputs(meta, 0)
    import ml_dtypes
    a = inputs["A"]
    assert np.array_equal(a, a.astype(ml_dtypes.float8_e4m3fn).astype(np.float32))
    assert np.abs(a).max() <= 448 and np.abs(a).max() >= 256  # blocks are scaled to the format's range
    assert inputs["B_scale"].max() / inputs["B_scale"].min() > 16


@pytest.mark.parametrize("pattern,replace", [
    (r"mul_unary_tile\(1, block_scale\);", None),  # B's block scale never applied
    (r"kb \* NB \+ nb\)", "nb * NB + kb)"),  # the wrong block's scale
    (r"mul_binary_tile\(0, 1, 0\);", None),  # A's row scales never applied
    (r"add_binary_tile\(0, 1, 0\);", None),  # earlier K blocks dropped
    (r"copy_tile\(cb_sa, 0, 1\);", "copy_tile(cb_sa, 1, 1);"),  # a scale tile outside the waited window
])
def test_scale_mutants_fail(rendered, tmp_path, pattern, replace):
    folder = testing.copy_folder(rendered("fp8_gemm"), tmp_path / "fp8")
    testing.mutate(folder, "compute", pattern, replace)
    report = testing.run(folder)
    assert not report.ok
