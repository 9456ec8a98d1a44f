"""6.3 warp specialization: producer A, producer B + storer and the compute consumer, against the plain GEMM."""

import pytest

from ttgen import testing


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec_runs_three_roles_per_core(rendered):
    report = testing.run(rendered("warp_specialized_gemm"))
    assert_passes(report)
    (program,) = report.timeline
    kernels = {t.kernel.spec.name: t.kernel.spec.processor for t in program.threads if t.kernel.spec.kind == "dataflow"}
    assert kernels == {"producer_a_warp_specialized_gemm.cpp": "RISCV_0",
                       "producer_b_storer_warp_specialized_gemm.cpp": "RISCV_1"}


@pytest.mark.parametrize("sizes,grid", [({"M": 96, "N": 160, "K": 96}, [3, 2]), ({"M": 64, "N": 64, "K": 224}, [1, 1])])
def test_other_shapes(rendered, sizes, grid):
    assert_passes(testing.run(rendered("warp_specialized_gemm", sizes=sizes, schedule={"grid": grid})))


@pytest.mark.parametrize("sizes", [{"M": 256, "N": 256, "K": 256}, {"M": 512, "N": 512, "K": 512}])
def test_fewer_modelled_cycles_than_the_plain_gemm(rendered, sizes):
    plain = testing.run(rendered("gemm", sizes=sizes), timed=True)
    specialized = testing.run(rendered("warp_specialized_gemm", sizes=sizes), timed=True)
    assert_passes(plain)
    assert_passes(specialized)
    assert specialized.cycles < 0.75 * plain.cycles


def test_storer_that_stores_before_the_tile_is_ready_is_caught(rendered, tmp_path):
    folder = testing.copy_folder(rendered("warp_specialized_gemm"), tmp_path / "ws")
    testing.mutate(folder, "producer_b", r"cb_wait_front\(cb_out, 1\);", "", count=2)
    report = testing.run(folder)
    assert report.violation is not None and report.violation.check == "cb-protocol", str(report.violation)
