"""`ttgen.compile.kernels`: emitted kernels through g++ with the real tt-metal 0.74.0 kernel headers.

The generated kernels must compile; mutants of them (each one mistake a template could make) must fail with one
diagnostic at the mutated line. All kernels of a group are compiled in one parallel `check_builds` call.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from ttgen.compile.builds import KernelBuild, collect_builds
from ttgen.compile.kernels import (SFPI_NOTE, CompileDiagnostic, Toolchain, check_builds, descriptors, errors,
                                   invocation, jit_root, map_output)
from ttgen.errors import Location, TtgenError
from ttgen.paths import PROJECT_ROOT

SPECS = ("elementwise_add", "multi_elementwise", "gemm")


def _builds(folder: str) -> dict[str, KernelBuild]:
    return {Path(b.path).name: b for b in collect_builds(PROJECT_ROOT / "generated" / folder)}


def test_every_kernel_of_the_three_specs_compiles(headers):
    builds = [b for spec in SPECS for b in collect_builds(PROJECT_ROOT / "generated" / spec)]
    assert {b.kind for b in builds} == {"dataflow", "compute"}
    assert {b.processor for b in builds if b.kind == "dataflow"} == {"RISCV_0", "RISCV_1"}
    assert check_builds(builds, headers) == []


def test_every_other_generated_kernel_compiles(headers):
    others = sorted(p.name for p in (PROJECT_ROOT / "generated").iterdir() if p.is_dir() and p.name not in SPECS)
    if not others:
        pytest.skip("no other generated folders")
    builds = [b for name in others for b in collect_builds(PROJECT_ROOT / "generated" / name)]
    found = check_builds(builds, headers)
    assert [str(d) for d in errors(found)] == []
    # kernels with SFPU ops are reported as not type-checkable, never silently passed
    assert all(d.message == SFPI_NOTE for d in found if d.severity != "error")


# (id, kernel, text to replace, replacement, line marker (default: the replacement), expected message, build change)
MUTANTS = [
    ("misspelled-api", "compute_gemm.cpp", "tile_regs_commit();", "tile_regs_comit();", None,
     r"^'tile_regs_comit' was not declared in this scope$", {}),
    ("dropped-argument", "compute_gemm.cpp", "pack_tile(0, cb_out);", "pack_tile(0);", None,
     r"^no matching function for call to 'pack_tile\(int\)' \(candidate expects 3 arguments, 1 provided\)$", {}),
    ("too-few-arguments", "compute_gemm.cpp", "cb_reserve_back(cb_out, 1);", "cb_reserve_back(cb_out);", None,
     r"^too few arguments to function 'void ckernel::cb_reserve_back\(uint32_t, uint32_t\)'$", {}),
    ("too-many-arguments", "compute_gemm.cpp", "matmul_tiles(cb_in0, cb_in1, 0, 0, 0);",
     "matmul_tiles(cb_in0, cb_in1, 0, 0, 0, false);", None,
     r"^too many arguments to function 'void ckernel::matmul_tiles\(\.\.\.\)'$", {}),
    ("wrong-template-argument", "reader_elementwise_add.cpp", "get_arg_val<uint32_t>(2)",
     "get_arg_val<uint32_t, 3>(2)", None, r"^no matching function for call to 'get_arg_val<uint32_t, 3>\(int\)'$",
     {}),
    ("missing-template-argument", "reader_gemm.cpp", "TensorAccessorArgs<0>()", "TensorAccessorArgs<>()", None,
     r"^wrong number of template arguments \(0, should be at least 1\) \(provided for .*struct TensorAccessorArgs'\)$",
     {}),
    ("noc-call-in-compute", "compute_elementwise_add.cpp", "        tile_regs_wait();\n",
     "        tile_regs_wait();\n        noc_async_read_barrier();\n", "noc_async_read_barrier",
     r"^'noc_async_read_barrier' was not declared in this scope$", {}),
    ("dataflow-api-in-compute", "compute_elementwise_add.cpp", '#include "api/compute/eltwise_binary.h"\n',
     '#include "api/compute/eltwise_binary.h"\n#include "api/dataflow/dataflow_api.h"\n', "dataflow_api.h",
     r"\(in tt_metal/hw/inc/.*\.h:\d+, included here\)$", {}),
    ("deprecated-call", "reader_elementwise_add.cpp", "noc_async_read_page(tile, a, get_write_ptr(cb_a));",
     "noc_async_read_tile(tile, a, get_write_ptr(cb_a));", None,
     r"^'void noc_async_read_tile\(\.\.\.\)' is deprecated: .*noc_async_read_page.* \[-Wdeprecated-declarations\]$",
     {}),
    ("too-few-compile-time-args", "reader_elementwise_add.cpp", None, None,
     "TensorAccessorArgs<a_args.next_compile_time_args_offset()>",
     r"^static assertion failed: Index out of range \(the comparison reduces to '\(2 < 2\)'; "
     r"in tt_metal/hw/inc/api/compile_time_args\.h:\d+; the kernel is built with 2 compile-time args by .*\)$",
     {"compile_args": (2, 2048)}),
    ("address-instead-of-accessor", "writer_gemm.cpp", "noc_async_write_page(i + start_tile, c,",
     "noc_async_write_page(i + start_tile, c_addr,", None,
     r"^static assertion failed: AddrGen must have get_noc_addr\(\).* \(in tt_metal/hw/inc/api/dataflow/", {}),
    ("warning-under-werror", "writer_gemm.cpp", "        noc_async_write_barrier();\n",
     "        noc_async_write_barrier();\n        for (int k = 0; k < num_tiles; ++k) {}\n", "for (int k",
     r"^comparison of integer expressions of different signedness: .* \[-Wsign-compare\]$", {}),
    ("misspelled-header", "compute_gemm.cpp", '#include "api/compute/matmul.h"', '#include "api/compute/matmull.h"',
     None, r"^api/compute/matmull\.h: No such file or directory$", {}),
]


@pytest.fixture(scope="session")
def mutant_results(headers, tmp_path_factory):
    """Every mutant compiled in one check_builds call: {id: (mutant path, marker line, diagnostics)}."""
    originals = {**_builds("elementwise_add"), **_builds("gemm")}
    root = tmp_path_factory.mktemp("mutants")
    builds, where = [], {}
    for name, kernel, old, new, marker, _, change in MUTANTS:
        build = originals[kernel]
        text = Path(build.path).read_text()
        if old is not None:
            if old not in text:
                pytest.fail(f"mutant {name}: {kernel} no longer contains {old!r}; update MUTANTS")
            text = text.replace(old, new, 1)
        marker = marker or new
        lines = [i for i, line in enumerate(text.splitlines(), 1) if marker in line]
        if not lines:
            pytest.fail(f"mutant {name}: {marker!r} is not in {kernel}")
        path = root / name / kernel
        path.parent.mkdir()
        path.write_text(text)
        builds.append(dataclasses.replace(build, path=path, **change))
        where[name] = (path, lines[0])
    diagnostics = check_builds(builds, headers)
    return {name: (path, line, [d for d in diagnostics if d.kernel == path]) for name, (path, line) in where.items()}


@pytest.mark.parametrize("name,pattern", [(m[0], m[5]) for m in MUTANTS], ids=[m[0] for m in MUTANTS])
def test_mutant_fails_at_the_mutated_line(mutant_results, name, pattern):
    path, line, found = mutant_results[name]
    assert len(found) == 1, [str(d) for d in found]
    diagnostic = found[0]
    assert isinstance(diagnostic, CompileDiagnostic) and isinstance(diagnostic, TtgenError)
    assert diagnostic.location == Location(str(path), line), str(diagnostic)
    assert re.search(pattern, diagnostic.message), diagnostic.message
    assert str(diagnostic) == f"{path}:{line}: {diagnostic.message}"
    assert "\n" not in str(diagnostic)
    # a deprecated call is a warning, as in tt-metal's own build; everything else fails the check
    assert diagnostic.severity == ("warning" if name == "deprecated-call" else "error")
    assert errors(found) == ([] if name == "deprecated-call" else found)


def test_independent_errors_are_each_reported_once(headers, tmp_path):
    build = _builds("gemm")["compute_gemm.cpp"]
    text = Path(build.path).read_text().replace("tile_regs_commit();", "tile_regs_comit();")
    text = text.replace("pack_tile(0, cb_out);", "pack_tile(0);")
    path = tmp_path / "compute_gemm.cpp"
    path.write_text(text)
    mutant = dataclasses.replace(build, path=path)
    found = check_builds([mutant, mutant], headers)  # the same kernel twice: its diagnostics once
    lines = [i for i, line in enumerate(text.splitlines(), 1) if "tile_regs_comit" in line or "pack_tile(0)" in line]
    assert [d.location.line for d in found] == lines


def test_errors_in_a_kernel_local_header_point_into_it(headers, tmp_path):
    build = _builds("elementwise_add")["reader_elementwise_add.cpp"]
    text = Path(build.path).read_text().replace('#include "api/dataflow/dataflow_api.h"\n',
                                                '#include "api/dataflow/dataflow_api.h"\n#include "helper.h"\n')
    text = text.replace("noc_async_read_barrier();", "noc_async_read_barrier();\n        helper(cb_a);")
    (tmp_path / "reader_elementwise_add.cpp").write_text(text)
    # a pointer round-trip through uint32_t is fine on the 32-bit RISC-V cores, and so must be here
    (tmp_path / "helper.h").write_text(
        "#pragma once\n"
        "inline void helper(uint32_t cb) {\n"
        "    auto* p = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(get_write_ptr(cb));\n"
        "    uint32_t address = (uint32_t)p;\n"
        "    noc_async_read_barier(address);\n"
        "}\n")
    found = check_builds([dataclasses.replace(build, path=tmp_path / "reader_elementwise_add.cpp")], headers)
    assert [(Path(d.location.file).name, d.location.line) for d in found] == [("helper.h", 5)], [str(d) for d in found]


def test_invocation_mirrors_the_jit_build(headers):
    builds = _builds("gemm")
    reader, writer, compute = (invocation(builds[k], headers) for k in
                               ("reader_gemm.cpp", "writer_gemm.cpp", "compute_gemm.cpp"))
    root = jit_root(headers)
    assert str(root / "tt_metal/hw/firmware/src/tt-1xx/brisck.cc") in reader.argv
    assert "-DCOMPILE_FOR_BRISC" in reader.argv and "-DNOC_INDEX=0" in reader.argv and "-O2" in reader.argv
    assert "-DKERNEL_COMPILE_TIME_ARGS=2,2048,2,2048" in reader.argv
    assert "-DCOMPILE_FOR_NCRISC" in writer.argv and "-DNOC_INDEX=1" in writer.argv
    assert str(root / "tt_metal/hw/firmware/src/tt-1xx/trisck.cc") in compute.argv
    assert {"-DUCK_CHLKC_PACK", "-DCOMPILE_FOR_TRISC=2", "-DPROCESSOR_INDEX=4", "-O3"} <= set(compute.argv)
    assert not any(a.startswith("-DNOC_INDEX") for a in compute.argv)
    for job in (reader, writer, compute):
        assert {"-DNUM_DRAM_BANKS=12", "-DIS_NOT_POW2_NUM_DRAM_BANKS=1", "-DARCH_WORMHOLE", "-DKERNEL_BUILD",
                "-std=c++17", "-fsyntax-only"} <= set(job.argv)
    assert set(reader.files) == {"kernel_includes.hpp", "chlkc_descriptors.h"}
    assert set(compute.files) == {"chlkc_pack.cpp", "defines_generated.h", "chlkc_descriptors.h"}
    assert compute.files["chlkc_pack.cpp"].startswith('#define TRISC_PACK\n#include "defines_generated.h"\n#include "/')
    assert jit_root(root) == jit_root(root / "tt_metal") == root


# --- no headers needed below ------------------------------------------------------------------------------------


def _build(kind: str = "compute", **changes) -> KernelBuild:
    fields = dict(path=Path("k.cpp"), kind=kind, processor=None if kind == "compute" else "RISCV_0", noc=0,
                  compile_args=(), cb_formats={0: "Float16_b", 1: "Bfp8_b", 16: "Float32"})
    fields.update(changes)
    return KernelBuild(**fields)


def test_descriptors_carry_the_host_cb_formats():
    text = descriptors(_build(math_fidelity="LoFi", fp32_dest_acc_en=True, dst_full_sync_en=True))
    pack_dst = re.search(r"\bpack_dst_format\[32\] = \{\n    ([\d,]+)\n\};", text).group(1).split(",")
    assert pack_dst[:2] == ["5", "6"] and pack_dst[16] == "0" and pack_dst.count("255") == 29
    tile_size = re.search(r"\bpack_tile_size\[32\] = \{\n    ([\d,]+)\n\};", text).group(1).split(",")
    assert tile_size[:2] == ["2048", "1088"] and tile_size[16] == "4096"
    assert "static_cast<ckernel::MathFidelity>(0)" in text
    assert "constexpr bool DST_ACCUM_MODE = true;" in text and "DstSync::SyncFull" in text
    dm = descriptors(_build("dataflow", math_fidelity="LoFi", fp32_dest_acc_en=True))
    assert "static_cast<ckernel::MathFidelity>(255)" in dm and "DST_ACCUM_MODE = false" in dm
    with pytest.raises(TtgenError, match="unknown to the compile check"):
        descriptors(_build(cb_formats={0: "Float8"}))


def test_output_mapping_follows_instantiation_and_include_chains(tmp_path):
    root = tmp_path / "root"
    (root / "tt_metal/hw/firmware/src/tt-1xx").mkdir(parents=True)
    (root / "tt_metal/hw/firmware/src/tt-1xx/brisck.cc").write_text("")
    kernel = tmp_path / "reader.cpp"
    kernel.write_text("")
    folder = tmp_path / "jit"
    (folder / "brisc").mkdir(parents=True)
    h = f"{root}/tt_metal/hw/inc/api"
    output = f"""In file included from {h}/dataflow/dataflow_api.h:22,
                 from {root}/tt_metal/hw/firmware/src/tt-1xx/brisck.cc:17:
{h}/compile_time_args.h: In instantiation of 'constexpr uint32_t get_ct_arg() [with unsigned int Idx = 2]':
{h}/tensor/tensor_accessor_args.h:37:10:   required from 'struct TensorAccessorArgs<2>'
{kernel}:22:88:   required from here
{h}/compile_time_args.h:27:23: error: static assertion failed: Index out of range
{h}/compile_time_args.h:27:23: note: the comparison reduces to '(2 < 2)'
{h}/tensor/tensor_accessor_args.h:37:38: error: non-constant condition for static assertion
{kernel}:23:5: error: no matching function for call to 'TensorAccessor(const TensorAccessorArgs<2>&, uint32_t&)'
In file included from {h}/dataflow/dataflow_api.h:18,
                 from {kernel}:8,
                 from ./kernel_includes.hpp:1,
                 from {root}/tt_metal/hw/firmware/src/tt-1xx/brisck.cc:21:
{h}/dataflow/dataflow_api_common.h:10:31: error: 'NOC_INDEX' was not declared in this scope
{h}/dataflow/dataflow_api.h:44:16: error: redefinition of 'uint8_t get_absolute_logical_x()'
{h}/dataflow/dataflow_api.h:44:16: warning: unused thing [-Wunused-but-set-variable]
{kernel}:30:1: warning: 'void f()' is deprecated [-Wdeprecated-declarations]
{kernel}:31:1: warning: suggest parentheses [-Wparentheses]
cc1plus: some warnings being treated as errors
"""
    toolchain = Toolchain("g++", "12", "ilp32")
    found = map_output(output, _build("dataflow", path=kernel, compile_args=(2, 2048)), root, folder, toolchain)
    assert [(d.location.line, d.message) for d in found] == [
        (22, "static assertion failed: Index out of range (the comparison reduces to '(2 < 2)'; "
             "in tt_metal/hw/inc/api/compile_time_args.h:27; the kernel is built with 2 compile-time args)"),
        (8, "'NOC_INDEX' was not declared in this scope (in tt_metal/hw/inc/api/dataflow/dataflow_api_common.h:10, "
            "included here)"),
        (30, "'void f()' is deprecated [-Wdeprecated-declarations]"),
    ]
    assert all(d.location.file == str(kernel) for d in found)
