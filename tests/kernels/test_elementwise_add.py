"""1.1 elementwise add: the spec's default size, an uneven split, blocks of several tiles, other seeds."""

import pytest

from ttgen import testing


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec(rendered):
    report = testing.run(rendered("elementwise_add"))
    assert_passes(report)
    assert report.programs == 1


@pytest.mark.parametrize("seed", [1, 7])
def test_other_seeds(rendered, seed):
    assert_passes(testing.run(rendered("elementwise_add"), seed=seed))


def test_uneven_split_over_cores(rendered):
    # 3 x 5 = 15 tiles over a 2x3 grid of 6 cores: three cores take 3 tiles, three take 2.
    folder = rendered("elementwise_add", sizes={"M": 96, "N": 160}, schedule={"grid": [2, 3]})
    assert_passes(testing.run(folder))


def test_blocks_of_four_tiles_on_the_full_grid(rendered):
    folder = rendered("elementwise_add", sizes={"M": 256, "N": 512},
                      schedule={"grid": "auto", "tiles_per_block": 4, "cb_depth": 2})
    assert_passes(testing.run(folder))


def test_single_tile(rendered):
    folder = rendered("elementwise_add", sizes={"M": 32, "N": 32})
    assert_passes(testing.run(folder))


def test_randomised_schedule(rendered):
    assert_passes(testing.run(rendered("elementwise_add"), schedule_seed=3))
