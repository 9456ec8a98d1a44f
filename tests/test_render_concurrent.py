"""Renders of one output folder from several processes at once all succeed, even when one of them is killed,
and leave the folder a lone render would."""

from ttgen import testing


def test_four_renders_at_once_all_succeed(tmp_path):
    result = testing.concurrent_renders(tmp_path, rounds=3)
    assert result.failures == []
    assert result.renders == 12
    assert result.wrong == 0, "the folder differs from a lone render's"
    assert result.leftovers == 0


def test_a_killed_render_never_breaks_the_others(tmp_path):
    result = testing.concurrent_renders(tmp_path, rounds=3, kill_one=True)
    assert result.killed == 3
    assert result.failures == []
    assert result.renders == 9
    assert result.wrong == 0
    assert result.leftovers == 0, "the next render did not sweep what the killed one left"
