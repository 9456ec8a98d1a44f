"""5.1 FP8 GEMM: FP8 bytes in DRAM widened exactly on the device, blockwise scales, 2-D multicast block reuse."""

import ml_dtypes
import numpy as np
import pytest

from ttgen import reference, testing
from ttgen.interp import all_api  # noqa: F401 - registers the API
from ttgen.interp.cpp import compile_file
from ttgen.interp.runner import read_metadata
from ttgen.reference.golden import ATOL

FP8 = {"float8_e4m3": ml_dtypes.float8_e4m3fn, "float8_e5m2": ml_dtypes.float8_e5m2}
ONE_BLOCK = {"M": 32, "N": 128, "K": 128, "KB": 1, "NB": 1}  # one scale block each: C = A @ B exactly


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def _widened_table(folder, kernel="reader_in0_sender"):
    """The emitted widening table, built by the interpreter running the emitted build_widen_table."""
    path = next((folder / "kernels" / "dataflow").glob(f"{kernel}_*.cpp"))
    table = [0] * 256
    compile_file(path, "dataflow").functions["build_widen_table"](table)
    return np.array(table, dtype=np.uint32)


def _bf16_bits_of_every_code(fmt):
    values = np.arange(256, dtype=np.uint8).view(FP8[fmt]).astype(np.float32)
    return values, values.astype(ml_dtypes.bfloat16).view(np.uint16).astype(np.uint32)


@pytest.mark.parametrize("spec,fmt", [("fp8_gemm", "float8_e4m3"), ("fp8_gemm_e5m2", "float8_e5m2")])
def test_every_code_widens_to_its_exact_bfloat16(rendered, spec, fmt):
    values, expected = _bf16_bits_of_every_code(fmt)
    for kernel in ("reader_in0_sender", "reader_in1_sender_writer"):
        table = _widened_table(rendered(spec), kernel)
        assert np.all(table < 1 << 16)
        nan = np.isnan(values)
        assert np.array_equal(table[~nan], expected[~nan])  # zeros, subnormals, normals, ±inf: bit for bit
        widened_nan = table[nan].view(np.uint32) & 0x7FFF
        assert np.all((widened_nan > 0x7F80) & (widened_nan >> 7 == 0xFF))  # NaN stays NaN
    assert nan.sum() == (2 if fmt == "float8_e4m3" else 6)


def _identity_run(folder, fmt):
    """A holds every finite code (twice over), B is the identity, both scales 1: C must be A exactly."""
    values, _ = _bf16_bits_of_every_code(fmt)
    finite = values[np.isfinite(values)]
    meta = read_metadata(folder)

    def adjust(inputs):
        m, k = meta["inputs"]["A"]["shape"]
        inputs["A"] = np.resize(finite, m * k).reshape(m, k).astype(np.float32)
        inputs["B"] = np.eye(k, dtype=np.float32)
        inputs["A_scale"] = np.ones_like(inputs["A_scale"])
        inputs["B_scale"] = np.ones_like(inputs["B_scale"])
        return inputs

    return testing.run(folder, adjust_inputs=adjust)


@pytest.mark.parametrize("spec,fmt", [("fp8_gemm", "float8_e4m3"), ("fp8_gemm_e5m2", "float8_e5m2")])
def test_every_finite_code_reaches_the_matrix_engine_exactly(rendered, spec, fmt):
    folder = rendered(spec, sizes=ONE_BLOCK, schedule={"grid": [2, 1]})
    report = _identity_run(folder, fmt)
    assert_passes(report)
    assert report.comparisons[0].max_error == 0


@pytest.mark.parametrize("line,replace,in_table", [
    (r"constexpr uint32_t FP8_BIAS = 7;", "constexpr uint32_t FP8_BIAS = 8;", True),  # every value halved
    (r"--biased;", None, True),  # subnormals not renormalised
    (r"\(mantissa << \(BF16_MANTISSA_BITS - FP8_MANTISSA_BITS\)\);", "(mantissa << 3);", True),  # misplaced
    (r"table\[\(codes >> 16\) & 0xFF\] \|", "table[(codes >> 8) & 0xFF] |", False),  # the wrong code of a word
])
def test_a_broken_widening_fails(rendered, tmp_path, line, replace, in_table):
    folder = testing.copy_folder(rendered("fp8_gemm", sizes=ONE_BLOCK, schedule={"grid": [2, 1]}), tmp_path / "f")
    testing.mutate(folder, "reader_in0_sender", line, replace)
    values, expected = _bf16_bits_of_every_code("float8_e4m3")
    finite = np.isfinite(values)
    assert np.array_equal(_widened_table(folder)[finite], expected[finite]) != in_table
    assert not _identity_run(folder, "float8_e4m3").ok


def test_default_spec_reads_each_fp8_byte_once(rendered):
    folder = rendered("fp8_gemm")
    report = testing.run(folder)
    assert_passes(report)
    meta = read_metadata(folder)
    m, k = meta["inputs"]["A"]["shape"]
    n = meta["inputs"]["B"]["shape"][1]
    assert (m, n, k) == (256, 1024, 2048)
    scales = 4 * (m * k // 128 + k * n // 128 ** 2)
    assert report.dram_read_bytes == meta["dram_read_bytes"]  # what `ttgen explain` says is what the run moved
    assert report.dram_read_bytes <= 1.5 * (m * k + k * n + scales)


def test_e5m2_spec(rendered):
    assert_passes(testing.run(rendered("fp8_gemm_e5m2", sizes={"M": 64, "N": 256, "K": 512, "KB": 4, "NB": 2},
                                       schedule={"grid": [4, 2]})))


def test_the_widened_carry_is_charged_nothing(rendered):
    """FP8 widened on the device is exact, so the bound is that of a bfloat16-output GEMM with float32 sums."""
    folder = rendered("fp8_gemm", sizes={"M": 64, "N": 256, "K": 512, "KB": 4, "NB": 2}, schedule={"grid": [4, 2]})
    report = testing.run(folder)
    assert_passes(report)
    meta = read_metadata(folder)
    inputs = reference.make_inputs(meta, 0)
    gold = reference.golden(meta, inputs)["C"]
    a, b = inputs["A"].astype(np.float64), inputs["B"].astype(np.float64)
    sa = np.repeat(inputs["A_scale"], 128, axis=1)
    sb = np.repeat(np.repeat(inputs["B_scale"], 128, axis=0), 128, axis=1)
    magnitude = np.abs(sa * a) @ np.abs(b * sb)
    accumulation = 2.0**-22 * (4 + 2) * magnitude + 2.0**-8 * np.abs(gold.value) + ATOL
    assert np.allclose(gold.bound, accumulation)


@pytest.mark.parametrize("carry", ["bfloat16", "bfloat8_b"])
def test_host_carries_stay_available(rendered, carry):
    folder = rendered("fp8_gemm", sizes={"M": 64, "N": 256, "K": 256, "KB": 2, "NB": 2},
                      inputs={"B": {"shape": ["K", "N"], "dtype": "float8_e5m2"}},
                      schedule={"grid": [2, 2], "carry": {"A": carry, "B": carry},
                                **({"lossy_carry": True} if carry == "bfloat8_b" else {})})
    assert_passes(testing.run(folder))


def test_fp8_moves_half_the_dram_bytes_of_a_bfloat16_carry(rendered):
    sizes = {"M": 64, "N": 256, "K": 256, "KB": 2, "NB": 2}
    fp8 = testing.run(rendered("fp8_gemm", sizes=sizes, schedule={"grid": [2, 2]}))
    bf16 = testing.run(rendered("fp8_gemm", sizes=sizes, schedule={"grid": [2, 2],
                                                                   "carry": {"A": "bfloat16", "B": "bfloat16"}}))
    assert_passes(fp8)
    assert_passes(bf16)
    operands = 64 * 256 + 256 * 256
    assert bf16.dram_read_bytes - fp8.dram_read_bytes == operands  # one byte per element instead of two


def test_other_blocks_and_grid(rendered):
    folder = rendered("fp8_gemm", sizes={"M": 96, "N": 128, "K": 256, "KB": 4, "NB": 4},
                      compute={"expression": "A @ B", "scales": {"A": {"tensor": "A_scale", "block": [1, 64]},
                                                                 "B": {"tensor": "B_scale", "block": [64, 32]}}},
                      schedule={"grid": [2, 3]})
    assert_passes(testing.run(folder))


def test_the_inputs_are_real_fp8_with_varied_scales(rendered):
    meta = read_metadata(rendered("fp8_gemm"))
    inputs = reference.make_inputs(meta, 0)
    a = inputs["A"]
    assert np.array_equal(a, a.astype(ml_dtypes.float8_e4m3fn).astype(np.float32))
    assert np.abs(a).max() <= 448 and np.abs(a).max() >= 256  # blocks are scaled to the format's range
    assert inputs["B_scale"].max() / inputs["B_scale"].min() > 16


SMALL = {"M": 64, "N": 256, "K": 256, "KB": 2, "NB": 2}


@pytest.mark.parametrize("file,pattern,replace", [
    ("compute", r"mul_unary_tile\(scratch, block_scale\);", None),  # B's block scale never applied
    ("compute", r"col / bn_t\)", "kb)"),  # the wrong block's scale
    ("compute", r"mul_binary_tile\(i, scratch, i\);", None),  # A's row scales never applied
    ("compute", r"add_binary_tile\(i, scratch, i\);", None),  # earlier K blocks dropped
    ("in0_sender", r"sa_tiles\[face_row \+ 256 \+ c\] = scale;", None),  # right faces of the row scales unset
    ("in0_sender", r"\(h \* num_k_blocks \+ kb\) \* 32 \+ r\]", "(kb * per_core_m + h) * 32 + r]"),  # wrong scale
])
def test_scale_mutants_fail(rendered, tmp_path, file, pattern, replace):
    folder = testing.copy_folder(rendered("fp8_gemm", sizes=SMALL, schedule={"grid": [2, 1]}), tmp_path / "fp8")
    testing.mutate(folder, file, pattern, replace)
    assert not testing.run(folder).ok
