"""3.1 GEMV: the vector as one column of tiles, both layouts, uneven row splits."""

from ttgen import testing


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec(rendered):
    assert_passes(testing.run(rendered("gemv")))


def test_broadcast_layout(rendered):
    folder = rendered("gemv", sizes={"M": 256, "K": 128}, compute={"vector_layout": "broadcast_rows"})
    assert_passes(testing.run(folder))


def test_uneven_rows_per_core(rendered):
    # 7 row tiles over a 3x1 grid: one core takes 3, two take 2.
    folder = rendered("gemv", sizes={"M": 224, "K": 96}, schedule={"grid": [3, 1]})
    assert_passes(testing.run(folder))


def test_wrong_vector_element_is_located(rendered, tmp_path):
    folder = testing.copy_folder(rendered("gemv", sizes={"M": 64, "K": 64}), tmp_path / "gemv")
    testing.mutate(folder, "host", r"x\[i \* constants::TILE_WIDTH\] = x_vector\[i\];",
                   "x[i * constants::TILE_WIDTH + 1] = x_vector[i];")
    report = testing.run(folder)
    assert report.violation is None and not report.ok


def test_float32_vector(rendered):
    # found by fuzzing: the host zero-fills a float32 staging vector with float(0.0f), a functional cast
    report = testing.run(rendered("gemv", inputs={"x": {"shape": ["K"], "dtype": "float32"}}))
    assert report.violation is None and report.ok, str(report.violation)
