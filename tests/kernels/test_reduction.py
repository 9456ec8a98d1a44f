"""2.3 reduction: sum, mean and max over rows, columns and everything; scaler tile and output layout."""

import pytest

from ttgen import testing


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec(rendered):
    assert_passes(testing.run(rendered("reduction")))


@pytest.mark.parametrize("op", ["sum", "mean", "max"])
@pytest.mark.parametrize("dim,out", [("rows", "M"), ("cols", "N")])
def test_ops_and_dims(rendered, op, dim, out):
    folder = rendered("reduction", sizes={"M": 96, "N": 160}, compute={"op": op, "dim": dim},
                      outputs={"R": {"shape": [out], "dtype": "bfloat16"}}, schedule={"grid": [2, 2]})
    assert_passes(testing.run(folder))


@pytest.mark.parametrize("op", ["sum", "mean", "max"])
def test_everything_on_one_core(rendered, op):
    folder = rendered("reduction", sizes={"M": 64, "N": 96}, compute={"op": op, "dim": "all"},
                      outputs={"R": {"shape": [1], "dtype": "bfloat16"}}, schedule={"grid": [1, 1]})
    assert_passes(testing.run(folder))


def test_zero_scaler_is_caught(rendered, tmp_path):
    folder = testing.copy_folder(rendered("reduction", sizes={"M": 64, "N": 64}), tmp_path / "r")
    testing.mutate(folder, "host", r"packed_scaler = 0x3F803F80;", "packed_scaler = 0;")
    report = testing.run(folder)
    assert report.violation is None and not report.ok


def test_wrong_reduce_dim_is_caught(rendered, tmp_path):
    folder = testing.copy_folder(rendered("reduction", sizes={"M": 64, "N": 64}), tmp_path / "r")
    testing.mutate(folder, "compute", r"REDUCE_ROW", "REDUCE_COL", count=2)
    report = testing.run(folder)
    assert report.violation is None and not report.ok
