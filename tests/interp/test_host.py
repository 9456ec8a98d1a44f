"""Host API model: work split, core ranges and their iteration order, config structs, buffers."""

import pytest

from ttgen.interp import host
from ttgen.interp.cruntime import CppRuntimeError
from ttgen.plan.resources import split_work


def cores_of(crs):
    return [c for r in crs.ranges() for c in r.cores()]


def test_split_even():
    n, all_cores, g1, g2, w1, w2 = host.split_work_to_cores(host.CoreCoord(4, 4), 64)
    assert (n, w1, w2) == (16, 4, 0)
    assert g2.empty() and cores_of(g1) == cores_of(all_cores) and len(cores_of(g1)) == 16


def test_split_uneven_fills_columns_first():
    # tt-metal's default (row_wise = false) walks down a column before moving right.
    n, all_cores, g1, g2, w1, w2 = host.split_work_to_cores(host.CoreCoord(2, 3), 15)
    assert (n, w1, w2) == (6, 3, 2)
    assert cores_of(g1) == [(0, 0), (0, 1), (0, 2)]
    assert cores_of(g2) == [(1, 0), (1, 1), (1, 2)]


def test_split_fewer_units_than_cores():
    n, all_cores, g1, g2, w1, w2 = host.split_work_to_cores(host.CoreCoord(8, 8), 10)
    assert (n, w1, w2) == (10, 1, 0)
    assert cores_of(all_cores) == [(0, y) for y in range(8)] + [(1, 0), (1, 1)]


def test_split_row_wise():
    n, _, g1, g2, w1, w2 = host.split_work_to_cores(host.CoreCoord(3, 2), 8, True)
    assert cores_of(g1) == [(0, 0), (1, 0)] and cores_of(g2) == [(2, 0), (0, 1), (1, 1), (2, 1)]


@pytest.mark.parametrize("units", [1, 5, 16, 17, 63, 64, 65, 100, 1000, 1023])
@pytest.mark.parametrize("grid", [(1, 1), (2, 3), (4, 4), (8, 8), (7, 5)])
def test_plan_split_agrees_with_the_host_api(units, grid):
    """The plan's sympy split and the host builtin are written independently; they must agree."""
    n, all_cores, g1, g2, w1, w2 = host.split_work_to_cores(host.CoreCoord(*grid), units)
    plan = split_work(units, grid)
    assert plan.cores == n == all_cores.num_cores()
    assert (plan.group_1_cores, plan.per_core_1) == (g1.num_cores(), w1)
    assert (plan.group_2_cores, plan.per_core_2) == (g2.num_cores(), w2)
    assert g1.num_cores() * w1 + g2.num_cores() * w2 == units
    assert not set(cores_of(g1)) & set(cores_of(g2))


def test_core_range_iterates_x_fastest():
    r = host.CoreRange(host.CoreCoord(1, 1), host.CoreCoord(2, 2))
    assert [c.key() for c in r.cpp_iter()] == [(1, 1), (2, 1), (1, 2), (2, 2)]


def test_corerange_to_cores_default_is_column_major():
    crs = host.CoreRangeSet(host.CoreRange(host.CoreCoord(0, 0), host.CoreCoord(1, 1)))
    assert [c.key() for c in host.corerange_to_cores(crs).items] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [c.key() for c in host.corerange_to_cores(crs, None, True).items] == [(0, 0), (1, 0), (0, 1), (1, 1)]


def test_core_range_rejects_reversed_corners():
    with pytest.raises(CppRuntimeError):
        host.CoreRange(host.CoreCoord(2, 2), host.CoreCoord(1, 1))


def test_designated_struct_rejects_unknown_fields():
    with pytest.raises(CppRuntimeError, match="processer"):
        host.DataMovementConfig(processer="RISCV_0")
    cfg = host.ComputeConfig(math_fidelity="LoFi")
    assert cfg.math_fidelity == "LoFi" and cfg.fp32_dest_acc_en is False


def test_circular_buffer_config_builder():
    fmt = host.FORMATS["bfloat16"]
    cfg = host.CircularBufferConfig(4096, [[0, fmt]]).set_page_size(0, 2048)
    assert cfg.page_sizes == {0: 2048} and cfg.formats == {0: fmt}
    with pytest.raises(CppRuntimeError):
        cfg.set_page_size(3, 2048)


def test_host_tensor_accessor_args_match_the_wheel_abi():
    run = host.HostRun(kernel_root=".", inputs={})
    host.HostRun._current = run
    try:
        buffer = host.MeshBuffer(run.device.dram.allocate(8 * 2048, 2048))
        ct = host.CppVector("uint32_t")
        host.HostTensorAccessorArgs(buffer).append_to(ct)
        assert ct.items == [2, 2048]  # [IsDram config, aligned page size] (ttnn 0.74.0)
    finally:
        host.HostRun._current = None


def test_vector_resize_and_bounds():
    v = host.CppVector("bfloat16")
    v.resize(3, 1.5)
    assert [float(x) for x in v.items] == [1.5, 1.5, 1.5]
    with pytest.raises(CppRuntimeError):
        v.cpp_getitem(3)


def test_vector_brace_initialisation_compiles_to_one_list():
    from ttgen.interp.cpp import compile_source

    src = """
    int main() {
        std::vector<uint32_t> a = {1, 2, 3};
        std::vector<uint32_t> b{4, 5};
        std::vector<uint32_t> c(3);
        std::vector<uint32_t> d;
        d.push_back(7);
        return a.size() * 1000 + b.size() * 100 + c.size() * 10 + d.size();
    }
    """
    assert compile_source(src, "host").entry("main")() == 3231


def test_the_single_device_host_api_is_refused_with_its_replacement():
    from ttgen.interp.cpp import CompileError, compile_source

    src = "using namespace tt::tt_metal;\nint main() {\n    IDevice* device = CreateDevice(0);\n    return 0;\n}\n"
    with pytest.raises(CompileError, match=r"h.cpp:3: 'CreateDevice' is the single-device host API.*create_unit_mesh"):
        compile_source(src, "host", path="h.cpp")
