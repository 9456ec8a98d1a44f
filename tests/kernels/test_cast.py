"""2.2 cast: bf16, fp32 and bfp8_b conversions, bit-exact; page sizes differ per CB."""

import pytest

from ttgen import testing


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec(rendered):
    assert_passes(testing.run(rendered("cast")))


@pytest.mark.parametrize("src,dst", [("bfloat16", "float32"), ("float32", "bfloat16"), ("float32", "bfloat8_b"),
                                     ("bfloat8_b", "bfloat16"), ("bfloat8_b", "float32")])
def test_conversions(rendered, src, dst):
    folder = rendered("cast", sizes={"M": 96, "N": 64}, schedule={"grid": [2, 2]},
                      inputs={"A": {"shape": ["M", "N"], "dtype": src}},
                      outputs={"B": {"shape": ["M", "N"], "dtype": dst}})
    assert_passes(testing.run(folder, seed=3))


def test_fp32_through_source_registers_loses_bits(rendered, tmp_path):
    """Without UnpackToDestFp32 the Float32 input is truncated to TF32 before rounding: a real bug, caught."""
    folder = rendered("cast", sizes={"M": 64, "N": 64}, inputs={"A": {"shape": ["M", "N"], "dtype": "float32"}},
                      outputs={"B": {"shape": ["M", "N"], "dtype": "bfloat16"}})
    broken = testing.copy_folder(folder, tmp_path / "cast")
    testing.mutate(broken, "host", r"unpack_to_dest_mode\[CBIndex::c_0\] = UnpackToDestMode::UnpackToDestFp32;", None)
    report = testing.run(broken)
    assert report.violation is None and not report.ok
