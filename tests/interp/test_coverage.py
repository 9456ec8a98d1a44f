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


HELPER = """#pragma once
#include "api/compute/common.h"
namespace compute_kernel_lib {
template <uint32_t cb_in, uint32_t cb_out>
void untilize(uint32_t blocks);
}
"""
USES_HELPER = """#include "ttnn/cpp/ttnn/kernel_lib/untilize_helpers.hpp"
void kernel_main() {
    compute_kernel_lib::untilize<0, 16>(4);
}
"""


def test_with_the_wheels_headers_declared_names_are_accepted_but_not_fully_modelled(tmp_path):
    from ttgen.interp.declared import HeaderTree

    wheel = tmp_path / "ttnn-0.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("ttnn/ttnn/cpp/ttnn/kernel_lib/untilize_helpers.hpp", HELPER)
        archive.writestr("ttnn/tt_metal/hw/inc/api/compute/common.h", "#pragma once\n")
        archive.writestr("ttnn/ttnn/cpp/ops/u/device/kernels/untilize.cpp", USES_HELPER)
        archive.writestr("ttnn/ttnn/cpp/ops/a/device/kernels/dataflow/reader.cpp", ACCEPTED)
    result = coverage.measure(coverage.wheel_kernels(wheel), HeaderTree.from_wheel(wheel))
    by_path = {o.path.rsplit("/", 1)[-1]: o for o in result.outcomes}
    # compute because its helper includes the compute API (nothing in its own path or includes says so)
    assert coverage.kernel_kind(by_path["untilize.cpp"].path, USES_HELPER, HeaderTree.from_wheel(wheel)) == "compute"
    assert by_path["untilize.cpp"].status == "accepted" and not by_path["untilize.cpp"].fully_modelled
    assert by_path["untilize.cpp"].unmodelled == ("compute_kernel_lib::untilize",)
    assert by_path["reader.cpp"].fully_modelled
    assert result.fully_modelled == 1 and result.top_unmodelled() == [("compute_kernel_lib::untilize", 1)]
    # without the headers the helper's name is unknown
    plain = coverage.measure(coverage.wheel_kernels(wheel))
    assert {o.path.rsplit("/", 1)[-1]: o.status for o in plain.outcomes}["untilize.cpp"] == "refused"


HOST_DEFINED = """#include "api/compute/common.h"
void kernel_main() {
    ELTWISE_OP(0, 1, 0);
    frobnicate(1);
}
"""


def test_a_macro_its_host_would_define_is_unmodelled_when_the_file_is_compiled_alone(tmp_path):
    """ELTWISE_OP comes from CreateKernel's defines: alone, the file lacks it, which says nothing of its C++."""
    from ttgen.interp.declared import HeaderTree

    wheel = tmp_path / "ttnn-0.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("ttnn/tt_metal/hw/inc/api/compute/common.h", "#pragma once\n")
        archive.writestr("ttnn/ttnn/cpp/ops/e/device/kernels/binary.cpp", HOST_DEFINED)
        archive.writestr("ttnn/ttnn/cpp/ops/f/device/kernels/binary.cpp", HOST_DEFINED.replace("    frobnicate(1);\n", ""))
        archive.writestr("ttnn/ttnn/cpp/ops/h/device/kernels/binary.cpp", HOST_DEFINED.replace(
            "    frobnicate(1);\n", "    constexpr uint8_t chips[2] = CHIP_IDS;\n    using mask_t = MASK_UINT;\n"))
    result = coverage.measure(coverage.wheel_kernels(wheel), HeaderTree.from_wheel(wheel))
    by_op = {o.path.split("/")[4]: o for o in result.outcomes}
    assert by_op["e"].status == "refused" and "unknown name 'frobnicate'" in by_op["e"].detail  # not macro-like
    assert by_op["f"].status == "accepted" and by_op["f"].unmodelled == ("ELTWISE_OP",)
    assert by_op["h"].status == "accepted" and set(by_op["h"].unmodelled) == {"ELTWISE_OP", "CHIP_IDS", "MASK_UINT"}


def test_a_statement_macro_its_host_would_define_is_taken_as_empty_when_alone(tmp_path):
    from ttgen.interp.declared import HeaderTree

    source = ("#include \"api/compute/common.h\"\nvoid kernel_main() {\n    uint32_t n = 1;\n    SFPU_OP_INIT\n"
              "    for (uint32_t i = 0; i < n; i++) {\n    }\n}\n")
    wheel = tmp_path / "ttnn-0.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("ttnn/tt_metal/hw/inc/api/compute/common.h", "#pragma once\n")
        archive.writestr("ttnn/ttnn/cpp/ops/g/device/kernels/k.cpp", source)
    (outcome,) = coverage.measure(coverage.wheel_kernels(wheel), HeaderTree.from_wheel(wheel)).outcomes
    assert outcome.status == "accepted" and outcome.unmodelled == ("SFPU_OP_INIT",)
    (plain,) = coverage.measure(coverage.wheel_kernels(wheel)).outcomes  # without the headers: a syntax error
    assert plain.status == "refused" and "syntax error" in plain.reason


def test_a_helper_macro_that_needs_the_hosts_defines_is_left_out_when_alone(tmp_path):
    from ttgen.interp.declared import HeaderTree

    helper = "#pragma once\n#define ACTIVATIONS(op) ACTIVATIONS_##op()\n#define DOUBLE(x) (2 * (x))\n"
    source = ('#include "ttnn/cpp/ttnn/kernel_lib/act.hpp"\n#include "api/dataflow/dataflow_api.h"\n'
              "void kernel_main() {\n#if ACTIVATIONS(LHS)\n    cb_push_back(0, 1);\n#endif\n"
              "    cb_reserve_back(0, DOUBLE(1));\n}\n")
    wheel = tmp_path / "ttnn-0.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("ttnn/ttnn/cpp/ttnn/kernel_lib/act.hpp", helper)
        archive.writestr("ttnn/tt_metal/hw/inc/api/dataflow/dataflow_api.h", "#pragma once\n")
        archive.writestr("ttnn/ttnn/cpp/ops/a/device/kernels/k.cpp", source)
        archive.writestr("ttnn/ttnn/cpp/ops/b/device/kernels/k.cpp", source.replace("#if ACTIVATIONS(LHS)\n    cb_push_back(0, 1);\n#endif\n", ""))
    outcomes = {o.path.split("/")[4]: o for o in
                coverage.measure(coverage.wheel_kernels(wheel), HeaderTree.from_wheel(wheel)).outcomes}
    # b: DOUBLE expands as after the #include (fully modelled); a: ACTIVATIONS_LHS comes from the host's defines,
    # so alone the file goes on without the helper's macros (DOUBLE then stays a declared, unmodelled name)
    assert outcomes["b"].fully_modelled
    assert outcomes["a"].status == "accepted" and outcomes["a"].unmodelled == ("DOUBLE",)
