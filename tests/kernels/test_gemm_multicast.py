"""The 2-D multicast GEMM plan (`multicast: {operand: A, along: grid}`): A along grid rows, B down columns."""

import pytest

from ttgen import testing

MCAST = {"multicast": {"operand": "A", "along": "grid"}}


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def variant(rendered, sizes=None, **schedule):
    return rendered("gemm", sizes=sizes or {"M": 256, "N": 256, "K": 256}, schedule={**MCAST, **schedule})


@pytest.mark.parametrize("grid", [[4, 4], [1, 4], [4, 1], [2, 4], [8, 2]])
def test_grids(rendered, grid):
    assert_passes(testing.run(variant(rendered, grid=grid)))


def test_each_operand_is_read_once(rendered):
    report = testing.run(variant(rendered, grid=[4, 4]))
    assert_passes(report)
    assert report.dram_read_bytes == 2 * 256 * 256 * 2  # A once and B once, however many cores use them


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_handshakes_under_random_schedules(rendered, seed):
    assert_passes(testing.run(variant(rendered, grid=[4, 4]), schedule_seed=seed))


def test_block_float_and_partial_spills(rendered):
    folder = rendered("gemm", sizes={"M": 256, "N": 512, "K": 256},
                      inputs={"A": {"shape": ["M", "K"], "dtype": "bfloat8_b"},
                              "B": {"shape": ["K", "N"], "dtype": "bfloat8_b"}},
                      outputs={"C": {"shape": ["M", "N"], "dtype": "bfloat8_b"}},
                      schedule={**MCAST, "grid": [4, 2], "math_fidelity": "LoFi", "block": {"in0_block_w": 2}})
    assert_passes(testing.run(folder))


@pytest.mark.parametrize("file,pattern,check", [
    ("in0_receiver", r"noc_semaphore_wait\(receiver_semaphore, VALID\);", "cb-protocol"),
    # not waiting for the receivers, the sender's VALID reaches them before they reset their semaphore
    ("in1_sender", r"noc_semaphore_wait\(sender_semaphore, num_receivers\);", "deadlock"),
    ("in0_receiver", r"noc_semaphore_inc\(sender_semaphore_addr, 1\);", "deadlock"),
    ("in1_receiver", r"noc_semaphore_inc\(sender_semaphore_addr, 1\);", "deadlock"),
])
def test_handshake_mutants(rendered, tmp_path, file, pattern, check):
    folder = testing.copy_folder(variant(rendered, grid=[4, 4]), tmp_path / "mc")
    testing.mutate(folder, file, pattern, None)
    reports = [testing.run(folder, schedule_seed=s) for s in (None, 1, 2, 3)]
    assert any(r.violation is not None and r.violation.check == check for r in reports), \
        [str(r.violation) for r in reports]


def test_fewer_modelled_cycles_than_the_blocked_plan_at_512(rendered):
    sizes = {"M": 512, "N": 512, "K": 512}
    blocked = testing.run(rendered("gemm", sizes=sizes, schedule={"grid": [8, 8], "block": {"in0_block_w": 4}}),
                          timed=True)
    mcast = testing.run(variant(rendered, sizes, grid=[8, 8]), timed=True)
    assert blocked.ok and mcast.ok
    assert mcast.cycles < 0.8 * blocked.cycles
