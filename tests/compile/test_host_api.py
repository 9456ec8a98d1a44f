"""The host-API check (ttgen.compile.host): emitted hosts pass; mutants fail on the right line with the right text.

Mutants are made from the committed gemm host by pattern, so they follow the generator's output; a pattern that no
longer matches fails loudly (update the mutant, do not skip it). No network, no toolchain: tree-sitter only.
"""

import json
import re
import shutil
from pathlib import Path

import pytest

from ttgen.compile.host import MANIFEST, check_host, load_manifest
from ttgen.paths import PROJECT_ROOT

GENERATED = PROJECT_ROOT / "generated"
HOSTS = sorted(p for p in GENERATED.glob("*/host/*.cpp"))
GEMM = GENERATED / "gemm" / "host" / "gemm.cpp"


def test_the_three_reference_hosts_exist():
    names = {p.parent.parent.name for p in HOSTS}
    assert {"elementwise_add", "gemm", "multi_elementwise"} <= names


@pytest.mark.parametrize("host", HOSTS, ids=[p.parent.parent.name for p in HOSTS])
def test_emitted_host_uses_only_the_real_api(host):
    assert [str(d) for d in check_host(host)] == []


def _check_text(tmp_path: Path, text: str, name: str = "gemm.cpp", io: bool = True):
    folder = tmp_path / "host"
    folder.mkdir(exist_ok=True)
    if io:
        shutil.copy(GEMM.parent / "ttgen_io.hpp", folder / "ttgen_io.hpp")
    path = folder / name
    path.write_text(text)
    return check_host(path, display=f"host/{name}")


def _mutate(pattern: str, replacement: str, anchor: str) -> tuple[str, int]:
    """Apply one regex substitution to gemm.cpp; return the mutant and the 1-based line of `anchor` in it."""
    source = GEMM.read_text()
    mutant, count = re.subn(pattern, replacement, source, count=1)
    assert count == 1, f"mutant pattern {pattern!r} no longer matches generated/gemm/host/gemm.cpp"
    assert mutant.count(anchor) >= 1, anchor
    return mutant, mutant[:mutant.index(anchor)].count("\n") + 1


MUTANTS = {
    "misspelled function": (
        r"\bCreateKernel\(", "CreateKernal(", "CreateKernal(",
        "unknown function 'CreateKernal' (did you mean 'CreateKernel'?)"),
    "misspelled method": (
        r"mesh_device->mesh_command_queue\(\)", "mesh_device->mesh_comand_queue()", "mesh_comand_queue",
        "unknown method 'mesh_comand_queue' of MeshDevice (did you mean 'mesh_command_queue'?)"),
    "CreateKernel arity": (
        r'(CreateKernel\(\s*program,\s*"[^"]+",)\s*all_cores,', r"\1", "CreateKernel(",
        "CreateKernel: expected 4 arguments, got 3"),
    "SetRuntimeArgs arity": (
        r"SetRuntimeArgs\(program, compute, core, ", "SetRuntimeArgs(program, compute, ",
        "SetRuntimeArgs(program, compute, {", "SetRuntimeArgs: expected 4 arguments, got 3"),
    "CreateCircularBuffer arity": (
        r"(CreateCircularBuffer\(\s*program,)\s*all_cores,", r"\1", "CreateCircularBuffer(",
        "CreateCircularBuffer: expected 3 arguments, got 2"),
    "split_work_to_cores arity": (
        r"split_work_to_cores\(core_grid, [^)]*\)", "split_work_to_cores(core_grid)", "split_work_to_cores(",
        "split_work_to_cores: expected 2 or 3 arguments, got 1"),
    "unknown designated field": (
        r"\.processor = ", ".procesor = ", ".procesor",
        "unknown field '.procesor' of DataMovementConfig (did you mean '.processor'?)"),
    "unknown enumerator": (
        r"DataFormat::Float16_b", "DataFormat::Float16_c", "Float16_c",
        "unknown enumerator 'DataFormat::Float16_c' (did you mean 'DataFormat::Float16_b'?)"),
}


@pytest.mark.parametrize("name", list(MUTANTS))
def test_mutant_fails_on_its_line(tmp_path, name):
    pattern, replacement, anchor, message = MUTANTS[name]
    mutant, line = _mutate(pattern, replacement, anchor)
    found = [str(d) for d in _check_text(tmp_path, mutant)]
    assert found == [f"host/gemm.cpp:{line}: {message}"]


PREVIOUS_GENERATION = {
    "CreateDevice": (r"(int main\(\) \{\n)", r"\1    IDevice* device = CreateDevice(0);\n", "CreateDevice(",
                     "distributed::MeshDevice::create_unit_mesh"),
    "EnqueueProgram": (r"distributed::EnqueueMeshWorkload\(cq, workload, false\);", "EnqueueProgram(cq, program, false);",
                       "EnqueueProgram(", "distributed::EnqueueMeshWorkload"),
    "CreateBuffer": (r"distributed::MeshBuffer::create\((\w+), [^;]*\);", r"CreateBuffer(\1);", "CreateBuffer(",
                     "distributed::MeshBuffer::create"),
}


@pytest.mark.parametrize("name", list(PREVIOUS_GENERATION))
def test_previous_generation_call_is_not_current_api(tmp_path, name):
    pattern, replacement, anchor, replacement_hint = PREVIOUS_GENERATION[name]
    mutant, line = _mutate(pattern, replacement, anchor)
    found = _check_text(tmp_path, mutant)
    assert len(found) == 1, [str(d) for d in found]
    assert found[0].location.line == line
    assert found[0].message.startswith(f"'{name}' is not part of the current TT-Metalium host API")
    assert replacement_hint in found[0].message


def test_diagnostic_is_file_line_message(tmp_path):
    mutant, line = _mutate(r"\bCreateProgram\(\)", "CreateProgrm()", "CreateProgrm")
    (diag,) = _check_text(tmp_path, mutant)
    assert diag.kind == "host-api"
    assert (diag.location.file, diag.location.line) == ("host/gemm.cpp", line)
    assert str(diag) == f"host/gemm.cpp:{line}: unknown function 'CreateProgrm' (did you mean 'CreateProgram'?)"


@pytest.mark.parametrize("pattern, replacement, anchor, message", [
    (r"using namespace tt::tt_metal;", "using namespace tt::tt_metall;", "tt_metall",
     "unknown namespace 'tt::tt_metall' (did you mean 'tt::tt_metal'?)"),
    (r"mesh_device->close\(\)", "mesh_device->close(true)", "close(true)",
     "MeshDevice::close: expected 0 arguments, got 1"),
    (r"a_buffer->address\(\)", "a_buffer->adress()", "adress",
     "unknown method 'adress' of MeshBuffer (did you mean 'address'?)"),
    (r"group\.ranges\(\)", "group.rangs()", "rangs",
     "unknown method 'rangs' of CoreRangeSet (did you mean 'ranges'?)"),
    (r"TensorAccessorArgs\(\*a_buffer\)\.append_to", "TensorAccessorArgs(*a_buffer).append_args", "append_args",
     "unknown method 'append_args' of TensorAccessorArgs (did you mean 'append_to'?)"),
    (r"constants::TILE_HEIGHT", "constants::TILE_HIGHT", "TILE_HIGHT",
     "unknown name 'constants::TILE_HIGHT' (did you mean 'constants::TILE_HEIGHT'?)"),
    (r"CoreCoord core_grid = \{(\d+), (\d+)\};", r"CoreCoord core_grid = {\1, \2, 1};", "core_grid = {",
     "CoreCoord constructor: expected 0 or 2 arguments, got 3"),
    (r"\.noc = (NOC::\w+),\n(\s*)\.compile_args = (\w+)\}", r".compile_args = \3,\n\2.noc = \1}", ".noc = NOC",
     "DataMovementConfig: designated initialisers out of declaration order ('.noc' after '.compile_args')"),
    (r"workload\.add_program\(device_range, ", "workload.add_program(", "add_program(",
     "MeshWorkload::add_program: expected 2 arguments, got 1"),
    (r"ttgen::write_output\(\"C\", [^;]*\);", 'ttgen::write_output("C");', "write_output(",
     "ttgen::write_output: expected 2 arguments, got 1"),
    (r"distributed::MeshWorkload workload;", "CircularBufferConfig config;\n    distributed::MeshWorkload workload;",
     "CircularBufferConfig config", "CircularBufferConfig has no default constructor"),
    (r"distributed::DeviceLocalBufferConfig a_dram_config\{", "distributed::DeviceLocalBufferConfig a_dram_config{.size = 1, ",
     "a_dram_config{", "unknown field '.size' of DeviceLocalBufferConfig (did you mean '.page_size'?)"),
])
def test_other_misuse(tmp_path, pattern, replacement, anchor, message):
    mutant, line = _mutate(pattern, replacement, anchor)
    found = [str(d) for d in _check_text(tmp_path, mutant)]
    assert f"host/gemm.cpp:{line}: {message}" in found


def test_unqualified_call_found_by_argument_dependent_lookup_is_accepted(tmp_path):
    # distributed::Finish is reachable unqualified through its MeshCommandQueue argument, as in real C++.
    mutant, _ = _mutate(r"distributed::Finish\(cq\);", "Finish(cq);", "Finish(cq)")
    assert _check_text(tmp_path, mutant) == []


def test_name_outside_the_visible_namespaces_is_reported(tmp_path):
    source = "#include <tt-metalium/host_api.hpp>\nint main() {\n    auto program = CreateProgram();\n}\n"
    (diag,) = _check_text(tmp_path, source, io=False)
    assert diag.location.line == 3
    assert diag.message == ("unknown function 'CreateProgram' (it is 'tt::tt_metal::CreateProgram': qualify the "
                            "name or add 'using namespace tt::tt_metal;')")


def test_project_helpers_come_from_the_header_beside_the_host(tmp_path):
    mutant, line = _mutate(r"ttgen::write_output\(", "ttgen::write_outptu(", "write_outptu")
    found = [str(d) for d in _check_text(tmp_path, mutant)]
    assert found == [f"host/gemm.cpp:{line}: unknown function 'ttgen::write_outptu' (did you mean 'ttgen::write_output'?)"]
    (tmp_path / "bare").mkdir()
    source = GEMM.read_text()
    line = source[:source.index('#include "ttgen_io.hpp"')].count("\n") + 1
    missing = [str(d) for d in _check_text(tmp_path / "bare", source, io=False)]
    assert f"host/gemm.cpp:{line}: included file 'ttgen_io.hpp' not found beside the host program" in missing


def test_manifest_entries_are_sourced_and_consistent():
    data = json.loads(MANIFEST.read_text())
    headers = {("" if h["repository"] == data["repository"] else h["repository"] + ":") + f"{h['path']}@{h['commit']}"
               for h in data["headers"].values()}
    for entry in data["entries"]:
        assert entry["kind"] in {"function", "method", "type", "struct", "enum", "constant"}, entry
        assert entry["status"] in {"current", "legacy", "removed"}
        assert re.fullmatch(r".+@[0-9a-f]{40}", entry["source"]), entry["qualified_name"]
        assert entry["source"] in headers
        for ov in entry.get("overloads", []) + entry.get("constructors", []):
            assert ov["min_args"] == sum(not p["has_default"] for p in ov["params"])
            assert ov["max_args"] == len(ov["params"])
        if entry["kind"] == "method":
            assert entry["qualified_name"] == f"{entry['class']}::{entry['name']}"
    manifest = load_manifest()
    enumerators = {name: set(manifest.lookup(name)["enumerators"]) for name in (
        "tt::DataFormat", "tt::tt_metal::MathFidelity", "tt::tt_metal::DataMovementProcessor", "tt::tt_metal::NOC",
        "tt::tt_metal::BufferType", "tt::CBIndex")}
    assert {"Float16_b", "Float32", "Bfp8_b"} <= enumerators["tt::DataFormat"]
    assert {"LoFi", "HiFi2", "HiFi3", "HiFi4"} <= enumerators["tt::tt_metal::MathFidelity"]
    assert {"RISCV_0", "RISCV_1"} <= enumerators["tt::tt_metal::DataMovementProcessor"]
    assert {"RISCV_0_default", "RISCV_1_default"} <= enumerators["tt::tt_metal::NOC"]
    assert {"DRAM", "L1"} <= enumerators["tt::tt_metal::BufferType"]
    assert {"c_0", "c_16", "c_31"} <= enumerators["tt::CBIndex"]
    for name in ("TILE_HEIGHT", "TILE_WIDTH", "TILE_HW"):
        assert manifest.lookup(f"tt::constants::{name}")["kind"] == "constant"


VALID_FEATURES = """\
#include <cstdint>
#include <memory>
#include <vector>
#include <tt-metalium/host_api.hpp>
#include <tt-metalium/distributed.hpp>
#include "ttgen_io.hpp"

using namespace tt;
using namespace tt::tt_metal;
namespace dist = tt::tt_metal::distributed;

namespace helpers {
uint32_t tiles(uint32_t n, uint32_t per = 1) { return n / per; }
}

static void add_kernels(Program& program, const CoreRangeSet& cores, const std::vector<uint32_t>& args) {
    CreateKernel(program, "r.cpp", cores, ReaderDataMovementConfig(args));
    CreateKernel(program, "w.cpp", cores, WriterDataMovementConfig{args});
}

int main() {
    auto mesh_device = dist::MeshDevice::create_unit_mesh(0);
    auto& cq = mesh_device->mesh_command_queue();
    CoreCoord grid = mesh_device->compute_with_storage_grid_size();
    CoreCoord noc = mesh_device->worker_core_from_logical_core({0, 0});
    CoreRange all({0, 0}, {grid.x - 1, grid.y - 1});
    CoreRangeSet set(all);
    Program program = CreateProgram();
    add_kernels(program, set, {1, 2});
    uint32_t sem = CreateSemaphore(program, all, 0, CoreType::WORKER);
    auto cfg = CircularBufferConfig(4096);
    cfg.index(CBIndex::c_3).set_page_size(2048).set_data_format(DataFormat::Float16_b);
    CBHandle cb = CreateCircularBuffer(program, set, cfg);
    UpdateCircularBufferPageSize(program, cb, tt::CBIndex::c_3, 1024);
    for (const auto& c : corerange_to_cores(set, std::nullopt, true)) {
        SetRuntimeArgs(program, 0, c, std::vector<uint32_t>{c.x, c.y, noc.x});
    }
    SetCommonRuntimeArgs(program, 0, {1u, 2u});
    ComputeConfig cc{.math_fidelity = MathFidelity::LoFi, .compile_args = {1, 2}, .defines = {{"A", "1"}}};
    KernelHandle k = CreateKernel(program, "c.cpp", all, cc);
    auto lam = [&](uint32_t v) { return helpers::tiles(v, 2) + tt::constants::TILE_HW; };
    dist::DeviceLocalBufferConfig dl{.page_size = 2048, .buffer_type = BufferType::L1, .bottom_up = true};
    dist::ReplicatedBufferConfig rc{4096};
    std::shared_ptr<dist::MeshBuffer> buf = dist::MeshBuffer::create(rc, dl, mesh_device.get());
    DeviceAddr addr = buf->address() + buf->size();
    std::vector<uint32_t> ct;
    TensorAccessorArgs(buf, tensor_accessor::ArgConfig::IsDram).append_to(ct);
    std::vector<bfloat16> data(1024, bfloat16(1.0f));
    dist::EnqueueWriteMeshBuffer(cq, buf, data);
    dist::MeshWorkload workload;
    workload.add_program(dist::MeshCoordinateRange(mesh_device->shape()), std::move(program));
    EnqueueMeshWorkload(cq, workload, true);
    cq.finish();
    std::vector<bfloat16> out;
    dist::EnqueueReadMeshBuffer(cq, out, buf);
    ttgen::write_output("D", untilize_nfaces(tilize_nfaces(out, 32, 32), 32, 32));
    auto [n, all_cores, g1, g2, u1, u2] = split_work_to_cores(grid, 10, true);
    for (const auto& range : g1.ranges()) {
        for (const auto& core : range) {
            (void)core.y;
        }
    }
    auto arch = tt::ARCH::WORMHOLE_B0;
    mesh_device->close();
    return static_cast<int>(lam(3) + sem + addr + k + all_cores.num_cores() + n + u1 + u2 + g2.size());
}
"""


def test_valid_use_of_many_api_features_passes(tmp_path):
    assert [str(d) for d in _check_text(tmp_path, VALID_FEATURES, name="features.cpp")] == []


@pytest.mark.parametrize("old, new, message", [
    ("set_page_size(2048)", "set_page_siz(2048)",
     "unknown method 'set_page_siz' of CircularBufferConfig::Builder (did you mean 'set_page_size'?)"),
    ("(void)core.y;", "(void)core.z;", "unknown member 'z' of CoreCoord"),
    ("ReaderDataMovementConfig(args)", "ReaderDataMovementConfig{.compile_args = args}",
     "ReaderDataMovementConfig is not an aggregate: designated initialisers are not allowed"),
    ("tensor_accessor::ArgConfig::IsDram", "tensor_accessor::ArgConfig::IsDramm",
     "unknown enumerator 'tensor_accessor::ArgConfig::IsDramm' (did you mean 'tensor_accessor::ArgConfig::IsDram'?)"),
    ("helpers::tiles(v, 2)", "helpers::tiles()", "helpers::tiles: expected 1 or 2 arguments, got 0"),
    ("tt::constants::TILE_HW", "tt::constant::TILE_HW",
     "unknown name 'tt::constant::TILE_HW' (did you mean 'tt::constants::TILE_HW'?)"),
    ("dist::MeshWorkload workload;", "dist::MeshBuffer spare;\n    dist::MeshWorkload workload;",
     "MeshBuffer has no public constructor: Created with the static MeshBuffer::create; held as std::shared_ptr; "
     "not copyable."),
    ("mesh_device->close();", "dist::MeshDevice::close();", "dist::MeshDevice::close is not a static member function"),
    ("    std::vector<uint32_t> ct;", "    InterleavedBufferConfig old{};\n    std::vector<uint32_t> ct;",
     "'InterleavedBufferConfig' is not part of the current TT-Metalium host API: single-device buffer config taken by "
     "CreateBuffer (previous generation); use distributed::ReplicatedBufferConfig / ShardedBufferConfig with "
     "distributed::DeviceLocalBufferConfig"),
])
def test_misuse_in_a_richer_program(tmp_path, old, new, message):
    assert VALID_FEATURES.count(old) == 1
    source = VALID_FEATURES.replace(old, new)
    line = source[:source.index(new.strip().splitlines()[0])].count("\n") + 1
    found = [str(d) for d in _check_text(tmp_path, source, name="features.cpp")]
    assert found == [f"host/features.cpp:{line}: {message}"]
