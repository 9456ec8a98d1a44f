"""1.3 GEMM: the default 256x256x256 on a 4x4 grid, rectangular and uneven shapes, fp32 accumulation."""

from ttgen import testing


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec(rendered):
    assert_passes(testing.run(rendered("gemm")))


def test_rectangular_uneven_split(rendered):
    # 3 x 5 output tiles over a 2x2 grid: three cores take 4 tiles, one takes 3.
    folder = rendered("gemm", sizes={"M": 96, "N": 160, "K": 64}, schedule={"grid": [2, 2]})
    assert_passes(testing.run(folder))


def test_fp32_accumulation(rendered):
    folder = rendered("gemm", sizes={"M": 64, "N": 64, "K": 512},
                      schedule={"grid": [2, 1], "dst": {"fp32_accumulation": True}})
    assert_passes(testing.run(folder))


def test_more_cores_than_tiles(rendered):
    folder = rendered("gemm", sizes={"M": 32, "N": 64, "K": 32}, schedule={"grid": "auto"})
    assert_passes(testing.run(folder))
