"""3.3 split-K GEMM: reduction by a second program, or across the cores of a grid row; both verified."""

import pytest

from ttgen import testing

CROSS = {"grid": [4, 4], "split_k": {"factor": 4, "reduction": "cross_core"}}


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec_two_programs(rendered):
    report = testing.run(rendered("splitk_gemm"))
    assert_passes(report)
    assert report.programs == 2


def test_cross_core_reduction(rendered):
    report = testing.run(rendered("splitk_gemm", schedule=CROSS))
    assert_passes(report)
    assert report.programs == 1


def test_cross_core_uneven_rows(rendered):
    # 3 x 2 = 6 output tiles over 4 grid rows (2, 2, 1, 1); K = 384 in 3 slices of 4 tiles.
    folder = rendered("splitk_gemm", sizes={"M": 96, "N": 64, "K": 384},
                      schedule={"grid": [3, 4], "split_k": {"factor": 3, "reduction": "cross_core"}})
    assert_passes(testing.run(folder))


def test_two_programs_uneven_with_fp32_partials(rendered):
    folder = rendered("splitk_gemm", sizes={"M": 64, "N": 96, "K": 512},
                      schedule={"grid": [3, 3], "dst": {"fp32_accumulation": True},
                                "split_k": {"factor": 2, "reduction": "two_programs"}})
    assert_passes(testing.run(folder))


def test_cross_core_needs_a_grid_as_wide_as_the_factor(tmp_path):
    from ttgen.errors import SpecError
    from ttgen.paths import PROJECT_ROOT
    from ttgen.plan import make_plan
    from ttgen.spec import load_spec

    spec = testing.variant(PROJECT_ROOT / "specs/splitk_gemm.yaml", tmp_path,
                           schedule={"grid": [2, 4], "split_k": {"factor": 4, "reduction": "cross_core"}})
    with pytest.raises(SpecError, match="must be 4 cores wide"):
        make_plan(load_spec(spec))


@pytest.mark.parametrize("file,pattern,replace,check", [
    # Without its wait the owner publishes room for every tile at once: the senders miss the values they wait for.
    ("owner", r"noc_semaphore_wait\(done, \(i \+ 1\) \* num_senders\);", None, "deadlock"),
    ("host", r"worker_core_from_logical_core\(\{num_slices - 1, g\}\)", "worker_core_from_logical_core({num_slices - 2, g})",
     "noc-bounds"),
    ("sender", r"noc_semaphore_inc\(done_addr, 1\);", None, "deadlock"),
])
def test_cross_core_handshake_mutants(rendered, tmp_path, file, pattern, replace, check):
    folder = testing.copy_folder(rendered("splitk_gemm", schedule=CROSS), tmp_path / "splitk")
    testing.mutate(folder, file, pattern, replace)
    report = testing.run(folder)
    assert report.violation is not None and report.violation.check == check, str(report.violation)


def test_sender_not_waiting_for_room_is_caught_by_some_schedule(rendered, tmp_path):
    """A race the default schedule happens to survive: randomised interleavings expose it. The sender then writes
    into owner pages not reserved yet; the hardware allows that (a semaphore protocol may make it safe), so it is
    a cb-protocol warning, which the unbroken program never gets."""
    clean = testing.run(rendered("splitk_gemm", schedule=CROSS), schedule_seed=6)
    assert clean.ok and clean.warnings == []
    folder = testing.copy_folder(rendered("splitk_gemm", schedule=CROSS), tmp_path / "splitk")
    testing.mutate(folder, "sender", r"noc_semaphore_wait\(ready, i \+ 1\);", None)
    warned = [w for seed in range(1, 9) for w in testing.run(folder, schedule_seed=seed).warnings]
    assert warned and all(w.check == "cb-protocol" and "outside the 0 page(s) reserved" in w.message for w in warned)


def test_reduction_program_dropping_a_slice_is_caught(rendered, tmp_path):
    folder = testing.copy_folder(rendered("splitk_gemm"), tmp_path / "splitk")
    testing.mutate(folder, "compute_splitk_gemm_reduce", r"slice = 1; slice < num_slices", "slice = 2; slice < num_slices")
    report = testing.run(folder)
    assert report.violation is None and not report.ok
