"""Front-end coverage over a kernel corpus (ttgen/interp/coverage.py), on a small wheel-shaped zip of our own."""

import zipfile

from ttgen.interp import coverage

ACCEPTED = """#include "api/dataflow/dataflow_api.h"
void kernel_main() {
    uint32_t n = get_arg_val<uint32_t>(0);
    for (uint32_t i = 0; i < n; i++) {
        cb_reserve_back(tt::CBIndex::c_0, 1);
        cb_push_back(tt::CBIndex::c_0, 1);
    }
}
"""
COMPUTE = """#include "api/compute/eltwise_binary.h"
void kernel_main() {
    binary_op_init_common(tt::CBIndex::c_0, tt::CBIndex::c_1, tt::CBIndex::c_16);
}
"""
REFUSED = "void kernel_main() {\n    frobnicate(1);\n}\n"


def test_wheel_corpus_outcomes(tmp_path):
    wheel = tmp_path / "ttnn-0.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("ttnn/cpp/ops/a/device/kernels/dataflow/reader.cpp", ACCEPTED)
        archive.writestr("ttnn/cpp/ops/a/device/kernels/binary.cpp", COMPUTE)  # compute by its include
        archive.writestr("ttnn/cpp/ops/b/device/kernels/writer.cpp", REFUSED)
        archive.writestr("ttnn/cpp/ops/b/device/host.cpp", REFUSED)  # not under kernels/: not in the corpus
    result = coverage.measure(coverage.wheel_kernels(wheel))
    by_path = {o.path.rsplit("/", 1)[-1]: o for o in result.outcomes}
    assert set(by_path) == {"reader.cpp", "binary.cpp", "writer.cpp"}
    assert by_path["reader.cpp"].status == by_path["binary.cpp"].status == "accepted"
    assert by_path["writer.cpp"].status == "refused"
    assert result.top("refused") == [("unknown name '…'", 1)]
    assert "writer.cpp:2: unknown name 'frobnicate'" in by_path["writer.cpp"].detail


def test_a_front_end_crash_is_counted_not_raised(monkeypatch):
    def boom(*args, **kwargs):
        raise KeyError("x")

    monkeypatch.setattr(coverage, "compile_source", boom)
    outcome = coverage.compile_one("k/kernels/a.cpp", ACCEPTED)
    assert outcome.status == "crashed" and outcome.reason.startswith("KeyError")
