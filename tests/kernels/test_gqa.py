"""4.3 grouped-query attention: K/V read once per group and multicast to the group's cores."""

import pytest

from ttgen import testing


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec(rendered):
    assert_passes(testing.run(rendered("gqa")))


def test_kv_is_read_once_per_group_not_per_query_head(rendered):
    B, HQ, HKV, S, D, q_chunk = 1, 8, 2, 512, 64, 64
    report = testing.run(rendered("gqa"))
    assert_passes(report)
    q_bytes = B * HQ * S * D * 2
    kv_bytes = B * HKV * S * D * 2  # each of K and V, once per query chunk of a group
    assert report.dram_read_bytes == q_bytes + 2 * kv_bytes * (S // q_chunk)
    assert report.dram_written_bytes == q_bytes


@pytest.mark.parametrize("sizes,schedule,compute", [
    ({"HQ": 4, "HKV": 2, "S": 256}, {"grid": [2, 2]}, {"causal": True}),
    ({"HQ": 6, "HKV": 2, "S": 128}, {"grid": [3, 1], "chunks": {"q": 32, "kv": 64}}, {}),
    ({"HQ": 2, "HKV": 1, "S": 256, "D": 128}, {"grid": [2, 3]}, {}),
])
def test_other_groupings(rendered, sizes, schedule, compute):
    assert_passes(testing.run(rendered("gqa", sizes=sizes, schedule=schedule, compute=compute)))


@pytest.mark.parametrize("file,pattern,check,warned", [
    # the receiver pushes its K/V before the multicast lands: its compute reads stale bytes, the output says so
    ("receiver", r"noc_semaphore_wait\(receiver_semaphore, 1\);", "mismatch", True),
    # the sender multicasts into pages not reserved yet, and its VALID comes before the receivers reset
    ("reader_gqa\\.cpp", r"noc_semaphore_wait\(sender_semaphore, num_receivers\);", "deadlock", True),
    ("receiver", r"noc_semaphore_inc\(sender_semaphore_addr, 1\);", "deadlock", False),
])
def test_handshake_mutants(rendered, tmp_path, file, pattern, check, warned):
    folder = testing.copy_folder(rendered("gqa", sizes={"HQ": 4, "HKV": 2, "S": 128}, schedule={"grid": [2, 2]}),
                                 tmp_path / "gqa")
    testing.mutate(folder, file, pattern, None)
    report = testing.run(folder)
    assert not report.ok
    found = report.violation.check if report.violation is not None else "mismatch"
    assert found == check, str(report.violation)
    assert any(w.check == "cb-protocol" for w in report.warnings) == warned
