"""The preprocessor step of the front end (ttgen/interp/preprocess.py): conditionals, macros, kernel defines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import ttgen.interp.host  # noqa: F401 - registers the API
from ttgen.interp.cpp import CompileError, compile_source
from ttgen.interp.preprocess import needs_preprocessing
from ttgen.interp.runner import run_folder

SELECT = """#define SCALE 3
#define TWICE(x) ((x) * 2)
int f() {
#ifdef FUSE_BIAS
    return TWICE(SCALE) + FUSE_BIAS;
#elif defined(ALT) and not defined(FUSE_BIAS)
    return 100;
#else
    return TWICE(SCALE);
#endif
}
"""


def run(src, defines=None):
    return compile_source(src, "host", path="k.cpp", defines=defines).functions["f"]()


@pytest.mark.parametrize("defines, value", [(None, 6), ({"FUSE_BIAS": "4"}, 10), ({"ALT": "1"}, 100)])
def test_conditionals_and_macros_follow_the_defines(defines, value):
    assert run(SELECT, defines) == value


def test_lines_keep_their_numbers_after_removed_blocks():
    src = "#if 0\nint a;\nint b;\n#endif\nint f() {\n    return nope;\n}\n"
    with pytest.raises(CompileError) as info:
        run(src)
    assert (info.value.location.line, "unknown name 'nope'") == (6, str(info.value).split(": ", 1)[1])


def test_error_directive_is_a_compile_error_at_its_line():
    src = "int f() { return 1; }\n#ifndef NEEDED\n#error NEEDED must be set by the host\n#endif\n"
    with pytest.raises(CompileError) as info:
        run(src)
    assert info.value.location.line == 3 and "#error NEEDED must be set by the host" in str(info.value)
    assert run(src, {"NEEDED": "1"}) == 1


def test_undefined_names_in_conditions_are_zero():
    assert run("int f() {\n#if UNSET_FLAG\n    return 1;\n#endif\n    return 2;\n}\n") == 2


def test_plain_sources_skip_the_step():
    assert not needs_preprocessing('#include "api/dataflow/dataflow_api.h"\n#pragma once\nint x;\n', None)
    assert needs_preprocessing("int x;\n", {"A": "1"}) and needs_preprocessing("  #  ifdef A\n#endif\n", None)


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("defines, ok", [('{{"OP", "add"}}', True), ('{{"OP", "sub"}}', False)])
def test_create_kernel_defines_reach_the_kernel(tmp_path, defines, ok):
    # The compute kernel picks its op by a define the host passes in ComputeConfig, as ttnn's kernels do.
    folder = tmp_path / "elementwise_add"
    shutil.copytree(ROOT / "generated" / "elementwise_add", folder)
    compute = folder / "kernels" / "compute" / "compute_elementwise_add.cpp"
    text = compute.read_text()
    text = text.replace("add_tiles_init(cb_a, cb_b);", "CAT(OP, _tiles_init)(cb_a, cb_b);")
    text = text.replace("add_tiles(cb_a, cb_b, 0, 0, 0);", "CAT(OP, _tiles)(cb_a, cb_b, 0, 0, 0);")
    compute.write_text("#define CAT_(a, b) a##b\n#define CAT(a, b) CAT_(a, b)\n" + text)
    host_cpp = folder / "host" / "elementwise_add.cpp"
    host_text = host_cpp.read_text().replace(".math_approx_mode = false}", f".math_approx_mode = false, .defines = {defines}}}")
    assert host_text != host_cpp.read_text()
    host_cpp.write_text(host_text)
    report = run_folder(folder)
    assert report.violation is None and report.ok is ok, report.summary()


def test_a_comment_after_a_macro_definition_is_not_part_of_it():
    src = ("#define SLOTS 3  // slots in the CB\nuint32_t f() {\n    uint32_t s = 0;\n"
           "    do { s++; if (s >= SLOTS) s = 0; } while (0);\n    /* a\n       block */\n    return s + SLOTS;\n}\n")
    compiled = compile_source(src, "dataflow", path="k.cpp")
    assert compiled.functions["f"]() == 4
    with pytest.raises(CompileError, match="k.cpp:7"):
        compile_source(src.replace("return s + SLOTS;", "return s + NOPE;"), "dataflow", path="k.cpp")
