"""Names the real headers declare but the interpreter does not model (ttgen/interp/declared.py)."""

import pytest

from ttgen.interp import all_api  # noqa: F401 - registers the API the kernels call
from ttgen.interp.cpp import CompileError, compile_source
from ttgen.interp.declared import HeaderTree, NotModelled, read_declarations

# A helper header in the style of ttnn's kernel_lib: a namespace, a class, enums, a macro, a using-directive.
HELPERS = """#pragma once
#include "api/dataflow/dataflow_api.h"
#include "detail/inner.hpp"
#define BLOCK_ROWS 4
#define SCALE(x) ((x) * 2)
#define ROW_BYTES (BLOCK_ROWS * 64)
#ifdef WIDE_TILES
#define TILE_ROWS 64
#else
#define TILE_ROWS 32
#endif
namespace kernel_lib {
enum class Mode { Fast, Exact };
enum Layout { ROW_MAJOR, TILE };
template <typename T>
struct Scaler {
    static constexpr uint32_t lanes = 16;
    void fill(uint32_t cb);
};
template <uint32_t N>
void prepare_scaler(uint32_t cb_id, float value);
inline uint32_t tiles_of(uint32_t bytes) { return bytes / 2048; }
constexpr uint32_t kStride = BLOCK_ROWS * 3;  // an expression: its value comes from compiling the header
}  // namespace kernel_lib
using namespace kernel_lib;
"""
INNER = """#pragma once
namespace kernel_lib::detail {
constexpr uint32_t kAlign = 32;
}
using kernel_lib::detail::kAlign;
"""
FILES = {
    "ttnn/cpp/ttnn/kernel_lib/helpers.hpp": HELPERS,
    "ttnn/cpp/ttnn/kernel_lib/detail/inner.hpp": INNER,
    "tt_metal/hw/inc/api/dataflow/dataflow_api.h": "#pragma once\nvoid noc_async_read_barrier();\n",
}


@pytest.fixture
def headers():
    return HeaderTree(FILES.get, HeaderTree.build_include_dirs())


def kernel(body: str, include: str = "ttnn/cpp/ttnn/kernel_lib/helpers.hpp") -> str:
    return f'#include "{include}"\n\nuint32_t probe() {{\n{body}\n}}\n'


def test_reads_namespace_class_enum_macro_and_using_declarations():
    decls = read_declarations(HELPERS)
    assert decls.names["kernel_lib::Scaler"] == "type"
    assert decls.names["kernel_lib::Scaler::lanes"] == "constant"
    assert decls.names["kernel_lib::prepare_scaler"] == "function"
    assert decls.names["kernel_lib::Mode::Fast"] == "constant"
    assert "kernel_lib::Fast" not in decls.names  # a scoped enum's enumerators stay in the enum
    assert decls.names["kernel_lib::TILE"] == decls.names["kernel_lib::Layout::TILE"] == "constant"
    assert decls.names["BLOCK_ROWS"] == "constant" and decls.names["SCALE"] == "function"
    assert decls.usings == ["kernel_lib"]


def test_declared_names_compile_and_raise_not_modelled_when_run(headers):
    source = kernel("    kernel_lib::prepare_scaler<4>(0, 1.0f);\n    return 0;")
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=headers)
    assert compiled.unmodelled == {"kernel_lib::prepare_scaler": "ttnn/cpp/ttnn/kernel_lib/helpers.hpp"}
    with pytest.raises(NotModelled, match=r"'kernel_lib::prepare_scaler' \(declared in ttnn/cpp/ttnn/kernel_lib/"
                                          r"helpers.hpp\) has no semantics"):
        compiled.functions["probe"]()


def test_lookup_follows_the_headers_usings_transitive_includes_and_using_declarations(headers):
    source = kernel("    return tiles_of(4096) + ROW_BYTES + TILE_ROWS;")
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=headers)
    # the helper's macros are expanded as the preprocessor would after the #include (ROW_BYTES is an expression,
    # TILE_ROWS the #else branch of WIDE_TILES), and tiles_of runs from the helper's source although the same
    # header has a class template this front end refuses
    assert compiled.unmodelled == {} and compiled.functions["probe"]() == 2 + 4 * 64 + 32
    wide = compile_source(source, "dataflow", path="k.cpp", headers=headers, defines={"WIDE_TILES": "1"})
    assert wide.functions["probe"]() == 2 + 4 * 64 + 64


def test_constants_the_headers_define_as_literals_take_their_value(headers):
    source = kernel("    return BLOCK_ROWS * 100 + kAlign;")  # kAlign through `using kernel_lib::detail::kAlign;`
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=headers)
    assert compiled.unmodelled == {} and compiled.functions["probe"]() == 4 * 100 + 32


def test_an_unmodelled_file_constant_fails_at_first_use_not_at_compile_time(headers):
    source = '#include "ttnn/cpp/ttnn/kernel_lib/helpers.hpp"\n' \
             "constexpr uint32_t rows = kernel_lib::Scaler::lanes * 2;\nuint32_t probe() {\n    return rows;\n}\n"
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=headers)
    with pytest.raises(NotModelled, match="lanes"):
        compiled.functions["probe"]()


def test_a_helper_constant_defined_by_an_expression_takes_the_header_value(headers):
    source = '#include "ttnn/cpp/ttnn/kernel_lib/helpers.hpp"\n' \
             "constexpr uint32_t rows = kernel_lib::kStride * 2;\nuint32_t probe() {\n    return rows;\n}\n"
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=headers)
    assert compiled.unmodelled == {} and compiled.functions["probe"]() == 4 * 3 * 2


def test_a_name_no_included_header_declares_is_still_unknown(headers):
    with pytest.raises(CompileError, match=r"k.cpp:4: unknown name 'tiles_off'"):
        compile_source(kernel("    return tiles_off(1);"), "dataflow", path="k.cpp", headers=headers)
    # declared in a header this file does not include: unknown as well
    with pytest.raises(CompileError, match="unknown name 'kernel_lib::tiles_of'"):
        compile_source(kernel("    return kernel_lib::tiles_of(1);", include="api/dataflow/dataflow_api.h"),
                       "dataflow", path="k.cpp", headers=headers)


def test_without_headers_a_declared_name_is_refused(headers):
    with pytest.raises(CompileError, match="unknown name 'kernel_lib::tiles_of'"):
        compile_source(kernel("    return kernel_lib::tiles_of(1);"), "dataflow", path="k.cpp")


def test_modelled_names_win_over_declarations(headers):
    source = kernel("    noc_async_read_barrier();\n    return 0;")
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=headers)
    assert compiled.unmodelled == {}


def test_metal2_generated_bindings_and_argument_dependent_lookup():
    files = {**FILES, "tt_metal/hw/inc/experimental/kernel_args.h":
             "namespace experimental {\ntemplate <typename T>\nT get_arg(CtaVal<T> arg);\n}\n"}
    tree = HeaderTree(files.get, HeaderTree.build_include_dirs())
    source = kernel("    uint32_t n = get_arg(args::num_tiles);\n    return n;", include="experimental/kernel_args.h")
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=tree)
    # args:: comes from the JIT's per-kernel generated header (without bindings: unmodelled); get_arg, found through
    # it in experimental::, is modelled (metal2.py)
    assert set(compiled.unmodelled) == {"args::num_tiles"}
    with pytest.raises(CompileError, match="unknown name 'get_arg'"):  # no argument naming experimental
        compile_source(kernel("    return get_arg(3);", include="experimental/kernel_args.h"), "dataflow",
                       path="k.cpp", headers=tree)


def test_quoted_includes_resolve_beside_the_including_file_first(headers):
    files = {**FILES, "ttnn/cpp/ops/x/kernels/common.hpp": "constexpr uint32_t cb_in = get_compile_time_arg_val(0);\n"}
    tree = HeaderTree(files.get, HeaderTree.build_include_dirs())
    source = '#include "common.hpp"\nuint32_t probe() {\n    return cb_in;\n}\n'
    compiled = compile_source(source, "dataflow", path="ttnn/cpp/ops/x/kernels/reader.cpp", headers=tree)
    assert compiled.unmodelled == {"cb_in": "ttnn/cpp/ops/x/kernels/common.hpp"}


def test_aliases_sizeof_and_designated_brace_lists_of_declared_types(headers):
    source = kernel("""    using scaler_t = kernel_lib::Scaler<float>;
    scaler_t s = {.lanes = 4};
    return sizeof(kernel_lib::Scaler);""")
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=headers)
    assert set(compiled.unmodelled) == {"kernel_lib::Scaler"}
    with pytest.raises(NotModelled, match="kernel_lib::Scaler"):
        compiled.functions["probe"]()
    # an alias of something no header declares stays refused
    with pytest.raises(CompileError, match="alias of a type the interpreter does not model"):
        compile_source(kernel("    using t = kernel_lib::Scalar<float>;\n    return 0;"), "dataflow", path="k.cpp",
                       headers=headers)


MATH_HELPERS = """#pragma once
#include "api/dataflow/dataflow_api.h"
#include "ttnn/cpp/ttnn/kernel_lib/helpers.hpp"
namespace kl {
constexpr auto twice = [](uint32_t v) { return 2 * v; };
inline uint32_t pages(uint32_t bytes, uint32_t page = 2048) {
    return twice((bytes + page - 1) / page) / 2;
}
inline uint32_t rows() {
    kernel_lib::prepare_scaler<2>(0, 1.0f);
    return kernel_lib::tiles_of(6144) + BLOCK_ROWS;
}
inline uint32_t widen(uint32_t v) { return v; }
inline uint32_t widen(uint32_t v, uint32_t by) { return v * by; }
inline uint32_t narrow(uint32_t v) { return v / 2; }
inline uint32_t narrow(float v) { return 0; }
inline uint32_t ok() { return 7; }
}  // namespace kl
"""


def test_functions_of_kernel_helper_headers_run_from_their_own_source():
    files = {**FILES, "ttnn/cpp/ttnn/kernel_lib/math_helpers.hpp": MATH_HELPERS}
    tree = HeaderTree(files.get, HeaderTree.build_include_dirs())
    source = kernel("    return kl::pages(5000) * 10 + kl::pages(4096, 1024);",
                    include="ttnn/cpp/ttnn/kernel_lib/math_helpers.hpp")
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=tree)
    assert compiled.unmodelled == {} and compiled.functions["probe"]() == 3 * 10 + 4
    # kl::rows reaches a declared-only template of helpers.hpp: that name counts against the kernel calling rows
    source = kernel("    return kl::rows();", include="ttnn/cpp/ttnn/kernel_lib/math_helpers.hpp")
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=tree)
    assert set(compiled.unmodelled) == {"kernel_lib::prepare_scaler"}
    with pytest.raises(NotModelled, match="kernel_lib::prepare_scaler"):
        compiled.functions["probe"]()


def test_a_helper_header_keeps_what_compiles_when_parts_of_it_do_not():
    """Overloads with the same parameter count (told apart by type, which this front end does not) are left out
    of the helper and stay unmodelled; overloads by count run, and so do their neighbours."""
    files = {**FILES, "ttnn/cpp/ttnn/kernel_lib/math_helpers.hpp": MATH_HELPERS}
    tree = HeaderTree(files.get, HeaderTree.build_include_dirs())
    source = kernel("    return kl::ok() + kl::widen(1, 2) * 10 + kl::widen(4) * 100;",
                    include="ttnn/cpp/ttnn/kernel_lib/math_helpers.hpp")
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=tree)
    assert compiled.unmodelled == {} and compiled.functions["probe"]() == 7 + 20 + 400
    source = kernel("    return kl::ok() + kl::narrow(4);", include="ttnn/cpp/ttnn/kernel_lib/math_helpers.hpp")
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=tree)
    assert set(compiled.unmodelled) == {"kl::narrow"}
    compiled = compile_source(kernel("    return kl::ok() + kl::rows() * 0;",
                                     include="ttnn/cpp/ttnn/kernel_lib/math_helpers.hpp"),
                              "dataflow", path="k.cpp", headers=tree)
    assert set(compiled.unmodelled) == {"kernel_lib::prepare_scaler"}


TEMPLATE_HELPERS = """#pragma once
#include "api/dataflow/dataflow_api.h"
#include "ttnn/cpp/ttnn/kernel_lib/helpers.hpp"
namespace kl {
enum class Mode : uint8_t { Plain, Scaled };
template <uint32_t width, Mode mode = Mode::Scaled, uint32_t factor = 3>
uint32_t blocks(uint32_t n);
template <uint32_t width>
uint32_t slow(uint32_t n);
}  // namespace kl
#include "template_helpers.inl"
"""

TEMPLATE_HELPERS_INL = """#pragma once
namespace kl {
template <uint32_t width, Mode mode, uint32_t factor>
uint32_t blocks(uint32_t n) {
    if constexpr (mode == Mode::Scaled) {
        return n / width * factor;
    }
    return n / width;
}
inline uint32_t fallback(uint32_t n) {
    kernel_lib::prepare_scaler<2>(0, 1.0f);
    return kernel_lib::tiles_of(n);
}
template <uint32_t width>
uint32_t slow(uint32_t n) {
    return fallback(n) + width;
}
}  // namespace kl
"""


def test_function_templates_of_helper_headers_run_with_their_defaults():
    """A helper's template, defined in the .inl its header includes, is called with the kernel's template arguments
    and the header's defaults; what it reaches without semantics through its own functions counts too."""
    files = {**FILES, "ttnn/cpp/ttnn/kernel_lib/template_helpers.hpp": TEMPLATE_HELPERS,
             "ttnn/cpp/ttnn/kernel_lib/template_helpers.inl": TEMPLATE_HELPERS_INL}
    tree = HeaderTree(files.get, HeaderTree.build_include_dirs())
    include = "ttnn/cpp/ttnn/kernel_lib/template_helpers.hpp"
    source = kernel("    return kl::blocks<4>(64) * 100 + kl::blocks<4, kl::Mode::Plain>(64) + "
                    "kl::blocks<4, kl::Mode::Scaled, 2>(64) * 10000;", include=include)
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=tree)
    assert compiled.unmodelled == {} and compiled.functions["probe"]() == 48 * 100 + 16 + 32 * 10000
    compiled = compile_source(kernel("    return kl::slow<2>(64);", include=include), "dataflow", path="k.cpp",
                              headers=tree)
    assert set(compiled.unmodelled) == {"kernel_lib::prepare_scaler"}  # reached through kl::fallback


ALIASES = """#pragma once
#include "api/dataflow/circular_buffer.h"
namespace experimental {
using CB = CircularBuffer;
}
using WORD = uint16_t;
FORCE_INLINE WORD halve(WORD v) { return v / 2; }
"""


def test_a_header_alias_of_a_modelled_type_is_that_type():
    files = {**FILES, "ttnn/cpp/ttnn/kernel_lib/aliases.hpp": ALIASES,
             "tt_metal/hw/inc/api/dataflow/circular_buffer.h": "#pragma once\nclass CircularBuffer {};\n"}
    tree = HeaderTree(files.get, HeaderTree.build_include_dirs())
    source = kernel("    experimental::CB cb(3);\n    WORD w = 9;\n    return cb.get_cb_id() * 10 + halve(w);",
                    include="ttnn/cpp/ttnn/kernel_lib/aliases.hpp")
    compiled = compile_source(source, "dataflow", path="k.cpp", headers=tree)
    # CB is CircularBuffer (modelled), WORD an alias of a type no header declares, halve (behind FORCE_INLINE)
    # runs from the helper's source
    assert compiled.unmodelled == {} and compiled.functions["probe"]() == 3 * 10 + 4


def test_a_using_declaration_names_a_declared_function():
    files = {**FILES, "ttnn/cpp/ttnn/kernel_lib/math_helpers.hpp": MATH_HELPERS}
    tree = HeaderTree(files.get, HeaderTree.build_include_dirs())
    source = kernel("    using kl::ok;\n    return ok();", include="ttnn/cpp/ttnn/kernel_lib/math_helpers.hpp")
    assert compile_source(source, "dataflow", path="k.cpp", headers=tree).functions["probe"]() == 7
    with pytest.raises(CompileError, match="unknown name 'ok'"):  # without it, ok is no name here
        compile_source(kernel("    return ok();", include="ttnn/cpp/ttnn/kernel_lib/math_helpers.hpp"), "dataflow",
                       path="k.cpp", headers=tree)
