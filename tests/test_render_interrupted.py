"""A render killed at any moment leaves the previous kernel folder or the new one, never a mix, and the next
render sweeps what the killed one left beside it."""

from ttgen import testing


def test_killed_renders_leave_a_whole_folder(tmp_path):
    result = testing.kill_renders(tmp_path, kills=10)
    assert result.kills == 10
    assert result.mixed == 0, "a kill left a mix of old and new files"
    assert result.old + result.new == 10
    assert result.swept, "leftovers of killed renders were not swept"
