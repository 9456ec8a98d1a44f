"""The C++ front end (ttgen/interp/cpp.py): what compiled C++ computes, and every rejection with its file:line.

Tests that need API names register throwaway entries in a fresh `Api()` (passed as `api=`) so the global table
stays untouched; tests of real-name resolution use the global `API` as populated by the dataflow, compute and
host modules.
"""

from __future__ import annotations

import sys
import types

import pytest
import tree_sitter

import ttgen.interp.compute  # noqa: F401 - importing registers the real API entries
import ttgen.interp.dataflow  # noqa: F401
import ttgen.interp.host  # noqa: F401
from ttgen.interp import cpp, cruntime
from ttgen.interp.api import Api
from ttgen.interp.checks import traceback_cpp_location
from ttgen.interp.api import API
from ttgen.interp.cpp import CompileError, compile_source, parse_number
from ttgen.interp.cruntime import CppObject, CppRuntimeError

DF, CO, HO = "dataflow", "compute", "host"
ALL = {DF, CO, HO}


# ----- a throwaway API ---------------------------------------------------------------------------------------

class Point(CppObject):
    cpp_name = "geo::Point"
    cpp_fields = frozenset({"x", "y"})
    cpp_methods = frozenset({"norm1"})

    def __init__(self, x=0, y=0):
        self.x, self.y = x, y

    def norm1(self):
        return abs(self.x) + abs(self.y)


class Config(CppObject):
    cpp_name = "geo::Config"
    cpp_fields = frozenset({"size", "label", "fast"})

    def __init__(self, size=1, label="none", fast=False):
        self.size, self.label, self.fast = size, label, fast


class Box(CppObject):
    cpp_name = "geo::Box"
    cpp_fields = frozenset({"targs", "value"})

    def __init__(self, targs, value=0):
        self.targs, self.value = targs, value


def make_api() -> Api:
    api = Api()

    @api.function("probe", groups=ALL, header="test.h", template_args=(0, 3))
    def probe(targs, *args):
        return (targs, args)

    @api.function("seq", groups=ALL, header="test.h")
    def seq(n):
        return list(range(n))

    @api.function("add2", groups=ALL, header="test.h")
    def add2(a, b):
        return a + b

    @api.function("dm_only", groups={DF}, header="test_dataflow.h")
    def dm_only():
        return 1

    api.constants("geo::Mode", {"Fast": "FAST", "Slow": "SLOW"}, groups=ALL, header="test.h")
    api.constant("geo::LIMIT", 100, groups=ALL, header="test.h")
    api.type("geo::Point", Point, groups=ALL, header="test.h")
    api.type("geo::Config", Config, groups=ALL, header="test.h", designated=True, args=(0, 0))
    api.type("geo::Box", Box, groups=ALL, header="test.h", template_args=(1, 2))
    return api


API_T = make_api()


def run(src: str, *args, fn: str = "f", kind: str = DF, api: Api = API_T):
    return compile_source(src, kind, path="t.cpp", api=api).functions[fn](*args)


def compile_error(src: str, kind: str = DF, api: Api = API_T, path: str = "k.cpp") -> CompileError:
    with pytest.raises(CompileError) as info:
        compile_source(src, kind, path=path, api=api)
    return info.value


# ----- integer semantics -------------------------------------------------------------------------------------

def test_uint32_wraps_on_store():
    assert run("uint32_t f() { uint32_t x = 0; x = x - 1; return x; }") == 0xFFFF_FFFF
    assert run("uint32_t f() { uint32_t x = 0; x--; return x; }") == 0xFFFF_FFFF
    assert run("uint32_t f() { uint32_t x = 0xFFFFFFFF; x += 2; return x; }") == 1
    assert run("uint32_t f() { uint32_t x = 5; x = -x; return x; }") == 0xFFFF_FFFB
    assert run("uint32_t f() { uint32_t x = ~0u; return x; }") == 0xFFFF_FFFF


def test_uint32_parameter_and_return_convert():
    src = "uint32_t twice(uint32_t x) { return x * 2; }\nuint32_t f(uint32_t v) { return twice(v); }"
    assert run(src, 0x8000_0001) == 2
    assert run(src, -1) == 0xFFFF_FFFE  # the parameter wraps on entry
    assert run("int f() { uint32_t x = 0xFFFFFFFF; return x; }") == -1


def test_functional_casts_to_scalar_types():
    assert run("float f() { return float(3); }") == 3.0
    assert run("uint32_t f() { int x = -1; return uint32_t(x); }") == 0xFFFF_FFFF
    assert run("int f() { return int(2.75f); }") == 2


def test_int32_wraps():
    assert run("int f() { int y = 2147483647; y += 1; return y; }") == -2147483648
    assert run("int32_t f() { int32_t x = 65536; x *= 65536; return x; }") == 0
    assert run("int f() { int x = 0x80000000; return x; }") == -2147483648
    assert run("int f() { int x = -2147483648; x -= 1; return x; }") == 2147483647


def test_narrow_integer_types_wrap():
    assert run("uint8_t f() { uint8_t x = 255; x++; return x; }") == 0
    assert run("uint16_t f() { uint16_t a = 70000; return a; }") == 70000 - 65536
    assert run("int f() { int8_t x = 200; return x; }") == -56
    assert run("int f() { int16_t x = 40000; return x; }") == 40000 - 65536
    assert run("uint64_t f() { uint64_t x = 0; x -= 1; return x; }") == 2**64 - 1
    assert run("bool f() { bool b = 5; return b; }") is True


@pytest.mark.parametrize("a, b, q, r", [(7, 2, 3, 1), (-7, 2, -3, -1), (7, -2, -3, 1), (-7, -2, 3, -1),
                                        (1, 3, 0, 1), (-1, 3, 0, -1), (6, -3, -2, 0)])
def test_division_and_modulo_truncate_toward_zero(a, b, q, r):
    src = "int f(int a, int b) { return a / b; }\nint g(int a, int b) { return a % b; }"
    assert run(src, a, b) == q
    assert run(src, a, b, fn="g") == r


def test_float_division_is_not_truncated():
    assert run("double f() { return 7.0 / 2; }") == 3.5
    assert run("float f() { return 7 / 2 * 2.0; }") == 6.0
    assert run("int f() { return 7 / 2 * 2.0; }") == 6
    assert run("double f() { double x = 1.0 / 0.0; return -x; }", kind=HO) == float("-inf")


def test_compound_assignments():
    src = """int f() {
        int x = 100;
        x += 5;    // 105
        x -= 3;    // 102
        x *= 2;    // 204
        x /= -7;   // -29
        x %= 5;    // -4
        x <<= 4;   // -64
        x >>= 1;   // -32
        x &= 0xff; // 224
        x |= 0x100; // 480
        x ^= 3;    // 483
        return x;
    }"""
    assert run(src) == 483
    assert run("uint32_t f() { uint32_t x = 1; x <<= 32; return x; }") == 0
    assert run("uint32_t f() { uint32_t x = 3; x -= 5; x /= 2; return x; }") == (2**32 - 2) // 2


def test_increments_at_statement_level():
    assert run("int f() { int a = 5; a++; ++a; a--; --a; --a; return a; }") == 4
    assert run("uint32_t f() { uint32_t a = 0; --a; return a; }") == 0xFFFF_FFFF


def test_increments_inside_expressions():
    # postfix yields the old value, prefix the new one, and both wrap as the variable's type does
    src = """uint32_t f(uint32_t n) {
        uint32_t i = 0;
        uint32_t a = i++;
        uint32_t b = ++i;
        uint8_t c = 255;
        uint32_t d = c++;
        uint32_t e = --n;
        return a * 1000000 + b * 10000 + d * 10 + c + e * 100000000;
    }"""
    assert run(src, 5) == 4 * 100000000 + 2 * 10000 + 255 * 10
    assert run("int f() { int k = 3; int s = 0; while (k--) { s += k; } return s * 10 + k; }") == 3 * 10 - 1


def test_type_and_namespace_aliases_and_static_assert():
    src = """
    using address_t = uint32_t;
    namespace cst = tt::constants;
    static_assert(sizeof(uint32_t) == 4, "u32");
    int f() {
        using small = uint8_t;
        small s = 300;
        address_t a = 0;
        a = a - 1;
        static_assert(1 + 1 == 2);
        return s + (a == 0xFFFFFFFF) * 1000 + cst::TILE_HW;
    }"""
    assert run(src, kind=HO, api=API) == 44 + 1000 + 1024
    assert _err('static_assert(2 < 1, "too small");\nint f() { return 0; }') == \
        ("k.cpp", 1, "static assertion failed: too small")
    # a function's aliases and using-directives end with it
    scoped = "int g() {\n  using small = uint8_t;\n  return 0;\n}\nint f() {\n  small s = 1;\n  return s;\n}"
    assert _err(scoped)[1] == 6


def test_function_templates():
    src = """
    template <uint32_t N, bool twice = false>
    uint32_t scale(uint32_t x) {
        if constexpr (twice) { return x * N * 2; }
        return x * N;
    }
    template <typename T>
    T narrow(uint32_t v) { return static_cast<T>(v); }
    template <typename T>
    T ident(T v) { return v; }
    int f() {
        return scale<3>(2) + scale<3, true>(1) * 100 + narrow<uint8_t>(257) * 10000 + ident(7) * 100000;
    }"""
    assert run(src) == 6 + 600 + 10000 + 700000
    missing = "template <uint32_t N>\nuint32_t g() { return N; }\nint f() {\n  return g();\n}"
    assert _err(missing) == ("k.cpp", 4, "template argument 'N' of 'g' is neither given nor defaulted")


def test_switch_enters_at_the_matching_case_and_falls_through():
    src = """
    int f(int x) {
        int r = 0;
        switch (x) {
            case 1: r += 1;
            case 2: r += 2; break;
            default: r += 100;
            case 4: r += 4;
        }
        for (int i = 0; i < 3; i++) {
    #pragma GCC unroll 2
            switch (i) { case 1: break; default: r += 1000; }
        }
        return r;
    }"""
    assert [run(src, x) for x in (1, 2, 3, 4)] == [2003, 2002, 2104, 2004]


def test_host_value_types_as_tt_metal_programs_write_them():
    src = """using namespace tt::tt_metal;
    int f() {
        CoreCoord core({2, 3});
        tt::CBIndex cb = tt::CBIndex::c_16;
        tt::DataFormat df = tt::DataFormat::Float16_b;
        auto reader = ReaderDataMovementConfig({7});
        auto writer = WriterDataMovementConfig();
        uint32_t index = cb;
        return core.x * 10 + core.y + index * 100 + (reader.processor == writer.processor) * 10000;
    }"""
    assert run(src, kind=HO, api=API) == 23 + 1600
    bad = compile_source("int f() {\n  CoreCoord c({1, 2, 3});\n  return 0;\n}", HO, path="h.cpp", api=API)
    with pytest.raises(CppRuntimeError) as info:  # a C++-level error at its line, not a Python TypeError
        bad.functions["f"]()
    assert str(info.value) == "CoreCoord takes {x, y}, got 3 values"
    assert traceback_cpp_location(info.value.__traceback__).line == 2


def test_reference_parameters_write_back_to_the_arguments():
    src = """
    void bump(uint32_t& x, uint32_t by) { x += by; }
    uint32_t take(uint32_t& left, uint32_t n) {
        if (n > left) { uint32_t got = left; left = 0; return got; }
        left -= n;
        return n;
    }
    int f() {
        uint32_t a = 1;
        bump(a, 4);
        uint32_t rest = 10;
        uint32_t got = take(rest, 3) + take(rest, 100) * 100;
        std::vector<uint32_t> v(2, 0);
        bump(v[1], 7);
        return a + got * 10 + v[1] * 100000 + rest;
    }"""
    assert run(src, kind=HO, api=API) == 5 + 7030 + 700000 + 0


def test_logical_operators_give_bool():
    assert run("int f(int a, int b) { int y = a && b; return y; }", 2, 3) == 1
    assert run("int f(int a, int b) { int y = a || b; return y; }", 2, 0) == 1
    assert run("int f(int a, int b) { int y = a || b; return y; }", 0, 0) == 0
    assert run("bool f(int a) { return !a; }", 0) is True
    assert run("bool f() { int a = 0; int b = 2; return (a && b) || (!a && b > 1); }") is True


def test_logical_operators_short_circuit():
    src = "int g(int x) { return 10 / x; }\nbool f(int x) { return x != 0 && g(x) > 1; }\nbool h(int x) { return x == 0 || g(x) > 1; }"
    assert run(src, 0) is False  # g(0) would divide by zero
    assert run(src, 0, fn="h") is True


def test_ternary_and_bit_operators():
    assert run("int f(int a) { return a > 2 ? (a < 5 ? 10 : 20) : 30; }", 3) == 10
    assert run("int f(int a) { return a > 2 ? (a < 5 ? 10 : 20) : 30; }", 9) == 20
    assert run("int f(int a) { return a > 2 ? (a < 5 ? 10 : 20) : 30; }", 1) == 30
    assert run("int f() { return (0xF0 & 0x3C) | (1 << 8) ^ 0x1; }") == (0xF0 & 0x3C) | ((1 << 8) ^ 1)
    assert run("int f() { return -16 >> 2; }") == -4
    assert run("int f() { int x = ~0; return x; }") == -1


# ----- control flow ------------------------------------------------------------------------------------------

def test_for_continue_still_runs_update():
    src = "int f() { int s = 0; for (int i = 0; i < 10; i++) { if (i % 2 == 0) continue; s += i; } return s; }"
    assert run(src) == 1 + 3 + 5 + 7 + 9
    # the update is observable after the loop: continue on i == 3 must not skip i++
    src = "int f() { int s = 0; int i = 0; for (; i < 10; ++i) { if (i == 3) { continue; } s += i; } return s * 100 + i; }"
    assert run(src) == (45 - 3) * 100 + 10
    # comma update and two loop variables, with continue
    src = "int f() { int s = 0; for (int i = 0, j = 10; i < j; i++, j--) { if (i == 1) continue; s += j - i; } return s; }"
    assert run(src) == 10 + 6 + 4 + 2


def test_for_break_and_endless_for():
    assert run("int f() { int i = 0; for (i = 0; i < 10; i++) { if (i == 4) break; } return i; }") == 4
    assert run("int f() { int n = 0; for (;;) { n += 1; if (n > 4) break; } return n; }") == 5
    src = "int f() { int i = 0; for (i = 0; ; i++) { if (i < 3) continue; break; } return i; }"
    assert run(src) == 3


def test_nested_loops_continue_and_break_bind_to_the_inner_loop():
    assert run("int f() { int s = 0; for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) s += i * 10 + j; return s; }") \
        == sum(i * 10 + j for i in range(3) for j in range(4))
    src = """int f() {
        int s = 0;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 5; j++) {
                if (j == 1) continue;
                if (j == 3) break;
                s += 1;
            }
            s += 100;
        }
        return s;
    }"""
    assert run(src) == 3 * (2 + 100)


def test_while_and_do_while():
    assert run("int f() { int n = 0; while (n < 7) n += 2; return n; }") == 8
    assert run("int f() { int n = 0; while (true) { n++; if (n == 3) break; } return n; }") == 3
    assert run("int f() { int i = 0; int s = 0; while (i < 5) { i++; if (i == 2) continue; s += i; } return s; }") == 13
    assert run("int f() { int k = 0; do { k++; } while (k < 0); return k; }") == 1  # body runs once
    assert run("int f() { int k = 0; do k += 3; while (k < 10); return k; }") == 12
    # continue inside a loop nested in a do-while is fine
    src = "int f() { int s = 0; int k = 0; do { for (int i = 0; i < 3; i++) { if (i == 1) continue; s += i; } k++; } while (k < 2); return s; }"
    assert run(src) == 4


def test_if_else_if_else_chain():
    src = "int f(int x) { if (x < 0) return -1; else if (x == 0) return 0; else if (x < 10) { return 1; } else { return 2; } }"
    assert [run(src, x) for x in (-5, 0, 5, 50)] == [-1, 0, 1, 2]
    src = "int f(int x) { int r = 7; if (x) r = 1; return r; }"
    assert (run(src, 0), run(src, 3)) == (7, 1)


def test_loops_tick_once_per_iteration(monkeypatch):
    count = []
    monkeypatch.setattr(cruntime._Tick, "hook", lambda: count.append(1))
    fns = compile_source("""
void plain() { for (int i = 0; i < 5; i++) {} }
void with_continue() { for (int i = 0; i < 5; i++) { if (i) continue; } }
void while_loop() { int i = 0; while (i < 5) i++; }
void do_loop() { int i = 0; do { i++; } while (i < 5); }
void range_loop() { for (int x : seq(5)) {} }
void nested() { for (int i = 0; i < 5; i++) for (int j = 0; j < 2; j++) {} }
""", DF, api=API_T).functions
    for name, expected in [("plain", 5), ("with_continue", 5), ("while_loop", 5), ("do_loop", 5),
                           ("range_loop", 5), ("nested", 15)]:
        count.clear()
        fns[name]()
        assert len(count) == expected, name


# ----- names and scopes --------------------------------------------------------------------------------------

def test_shadowed_variables_in_inner_scopes():
    assert run("int f() { int x = 1; { int x = 2; x += 10; } for (int x = 0; x < 3; x++) {} return x; }") == 1
    # the inner x is a uint32_t and wraps; the outer one is untouched
    assert run("int f() { int x = 1; int s = 0; if (x) { uint32_t x = 0; x = x - 1; s = x; } return s * 10 + x; }") == -9
    assert run("int f() { int x = 1; { x = 5; } return x; }") == 5
    src = "int f() { int s = 0; for (int i = 0; i < 2; i++) { s += i; } for (int i = 10; i < 12; i++) { s += i; } return s; }"
    assert run(src) == 0 + 1 + 10 + 11


def test_uninitialised_declaration_then_assignment():
    assert run("int f() { uint32_t a = 1, b = 2, c; c = a + b; return c; }") == 3
    assert run("uint32_t f() { uint32_t c; c = 0; c -= 1; return c; }") == 0xFFFF_FFFF


def test_helper_functions_and_recursion():
    src = "int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }\nint f() { return fact(10); }"
    assert run(src) == 3628800
    # defined after its caller, with a prototype, and a const-reference parameter
    src = "int g(uint32_t);\nint f() { return g(3) + h(4); }\nint g(uint32_t x) { return x * 2; }\nint h(const int& v) { return v + 1; }"
    assert run(src) == 11
    assert run("void g() {}\nint f() { g(); return 1; }") == 1


def test_file_scope_constants():
    src = "constexpr uint32_t N = 4;\nconstexpr uint32_t M = N * 2 + 1;\nconst int K = -1;\nstatic constexpr uint32_t W = 0xFFFFFFFF + 2;\nint f() { return N + M + K + W; }"
    assert run(src) == 4 + 9 - 1 + 1


def test_namespaces():
    src = """namespace a {
    constexpr int K = 4;
    namespace b { int h() { return 7; } }
    int g() { return b::h() + K; }
}
namespace c { int h() { return 100; } int g() { return h(); } }
constexpr int K = 5;
int f() { return a::g() * 1000 + a::b::h() * 100 + c::g() + K * 10 + a::K + ::K; }"""
    assert run(src) == 11 * 1000 + 7 * 100 + 100 + 50 + 4 + 5
    assert run("namespace { int g() { return 5; } }\nint f() { return g(); }") == 5
    assert run("namespace a::b { int g() { return 5; } }\nint f() { return a::b::g(); }") == 5


def test_namespace_members_need_qualification():
    assert compile_error("namespace a { int h() { return 1; } }\nint f() {\n  return h();\n}").location.line == 3
    e = compile_error("namespace a { constexpr int K = 4; }\nint f() {\n  return K;\n}")
    assert (e.location.line, e.message) == (3, "unknown name 'K'")


def test_using_namespace():
    src = "namespace a { int h() { return 1; } constexpr int K = 2; }\nusing namespace a;\nint f() { return h() * 10 + K; }"
    assert run(src) == 12
    assert run("using namespace geo;\nint f() { return LIMIT + 1; }") == 101
    assert run("using namespace geo;\nauto f() { Point p{1, 2}; return p.y; }") == 2
    assert compile_error("int f() { return LIMIT; }").message == "unknown name 'LIMIT'"
    # real API: compute kernels see ckernel:: unqualified; host code with `using namespace tt::tt_metal`
    src = "using namespace tt::tt_metal;\nauto f() { return BufferType::DRAM; }"
    assert run(src, kind=HO, api=cpp.API) == "DRAM"
    assert run("auto f() { return SrcOrder::Reverse; }", kind=CO, api=cpp.API) == "Reverse"


# ----- declarations and initialisers -------------------------------------------------------------------------

def test_structured_binding_declaration_host():
    assert run("int f() { auto [a, b] = std::make_pair(3, 4); return a * 10 + b; }", kind=HO, api=cpp.API) == 34
    assert run("int f() { const auto& [a, b] = std::make_pair(3, 4); return a - b; }", kind=HO, api=cpp.API) == -1


def test_range_for_structured_binding_over_brace_list_of_pairs():
    src = """int f() {
        int s = 0;
        for (const auto& [a, b] : {std::make_pair(1, 2), std::make_pair(3, 4), std::make_pair(5, 6)}) {
            s = s * 100 + a * 10 + b;
        }
        return s;
    }"""
    assert run(src, kind=HO, api=cpp.API) == 123456
    src = "int f() { int s = 0; for (auto [a, b] : {std::make_pair(1, 2)}) s = a + b; return s; }"
    assert run(src, kind=HO, api=cpp.API) == 3


def test_range_for_over_containers():
    assert run("int f() { int s = 0; for (uint32_t x : seq(5)) s = s * 10 + x; return s; }") == 1234
    assert run("int f() { int s = 0; for (auto x : {3, 4, 5}) s += x; return s; }") == 12
    src = """int f() {
        std::vector<uint32_t> v;
        v.push_back(1);
        v.push_back(2);
        v.push_back(3);
        uint32_t s = 0;
        for (uint32_t x : v) s += x;
        for (const auto& x : v) s += x * 10;
        return s * 10 + v.size();
    }"""
    assert run(src, kind=HO, api=cpp.API) == 663
    # the loop variable's type converts each element
    assert run("int f() { int s = 0; for (uint8_t x : {255, 256, 257}) s += x; return s; }") == 255 + 0 + 1


def test_brace_and_constructor_initialisers_of_an_api_struct():
    src = """int f() {
        geo::Point a{1, 2};
        geo::Point b = {3, 4};
        auto c = geo::Point{5, 6};
        geo::Point d(7, 8);
        geo::Point e;
        geo::Point g{-2, 3};
        return a.x + a.y * 10 + b.x * 100 + b.y * 1000 + c.x * 10000 + c.y * 100000 + d.y * 1000000 + e.x + g.norm1() * 10000000;
    }"""
    assert run(src) == 1 + 20 + 300 + 4000 + 50000 + 600000 + 8000000 + 50000000


def test_designated_initialisers_of_an_api_struct():
    src = 'auto f() { geo::Config c{.size = 4, .label = "x"}; return c; }'
    c = run(src)
    assert (type(c), c.size, c.label, c.fast) == (Config, 4, "x", False)
    c = run("auto f() { auto c = geo::Config{.fast = true}; c.size = 9; return c; }")
    assert (c.size, c.label, c.fast) == (9, "none", True)
    # real host structs
    src = """using namespace tt::tt_metal;
auto f() { return ComputeConfig{.math_fidelity = MathFidelity::HiFi2, .fp32_dest_acc_en = true}; }"""
    c = run(src, kind=HO, api=cpp.API)
    assert (c.math_fidelity, c.fp32_dest_acc_en, c.dst_full_sync_en) == ("HiFi2", True, False)
    assert run("int f() { CoreCoord c{2, 3}; CoreCoord d = {4, 5}; return c.x * 1000 + c.y * 100 + d.x * 10 + d.y; }",
               kind=HO, api=cpp.API) == 2345


def test_template_arguments():
    assert run("auto f() { return probe<uint32_t, 5>(); }") == (("uint32_t", 5), ())
    assert run("auto f() { return probe<unsigned int>(1, 2); }") == (("unsigned int",), (1, 2))
    # `Enum::Value` parses as a type but is an API constant: its value is passed
    assert run("auto f() { return probe<geo::Mode::Fast>(); }") == (("FAST",), ())
    assert run("using namespace geo;\nauto f() { return probe<Mode::Slow, true, 2 + 3>(); }") == (("SLOW", True, 5), ())
    # a constant or variable name parses as a type too: its value is passed
    assert run("constexpr uint32_t N = 7;\nauto f() { constexpr uint32_t M = 9; return probe<N, M, (N > 1)>(); }") \
        == ((7, 9, True), ())
    assert run("namespace k { constexpr int N = 3; }\nauto f() { return probe<k::N>(); }") == ((3,), ())
    # template arguments of a type
    b = run("auto f() { geo::Box<float, 4> b(2); return b; }")
    assert (b.targs, b.value) == (("float", 4), 2)
    # a constant used as a call argument next to a type template argument
    assert run("constexpr uint32_t base = 3;\nauto f() { return get_arg_val<uint32_t>(base); }", kind=DF,
               api=_args_api()) == 30


def _args_api() -> Api:
    api = Api()
    api.function("get_arg_val", groups={DF}, header="h", template_args=(1, 1))(lambda targs, i: i * 10)
    return api


@pytest.mark.parametrize("literal, value", [
    ("0xff", 255), ("0xFFu", 255), ("0xFFFF'FFFF", 0xFFFF_FFFF), ("0xABCDEF", 0xABCDEF), ("0x1fUL", 31),
    ("10UL", 10), ("10u", 10), ("10ull", 10), ("1'000'000", 1_000_000), ("017", 15), ("0", 0), ("0b101", 5),
    ("0b1010'1010u", 170), ("1.5f", 1.5), ("2.f", 2.0), (".5", 0.5), ("1e3f", 1000.0), ("1e-1", 0.1),
])
def test_number_literals(literal, value):
    assert parse_number(literal) == value
    assert type(parse_number(literal)) is type(value)
    assert run(f"auto f() {{ return {literal}; }}") == value


def test_number_literals_in_expressions():
    assert run("uint64_t f() { return 0xFFu + 10UL + 1'000'000 + 0x10'00 + 017 + 0b101; }") == 255 + 10 + 10**6 + 4096 + 15 + 5
    assert run("float f() { float x = 1.5f; return x * 2; }") == 3.0
    assert run("uint32_t f() { uint32_t m = 0xFFFFFFFF; return m & 0xff; }") == 255


def test_strings_and_chars():
    assert run('auto f() { return "abc" "def"; }') == "abcdef"
    assert run('auto f() { return "a\\tb\\n"; }') == "a\tb\n"
    assert run("int f() { char c = 'A'; return c + '\\n'; }") == 65 + 10


def test_sizeof_and_casts():
    assert run("int f() { return sizeof(uint32_t) + sizeof(uint16_t) * 10 + sizeof(float) * 100 + sizeof(uint64_t) * 1000; }") \
        == 4 + 20 + 400 + 8000
    assert run("int f() { return static_cast<uint8_t>(300); }") == 44
    assert run("uint32_t f() { return static_cast<uint32_t>(-1); }") == 0xFFFF_FFFF
    assert run("int f() { return static_cast<int>(2.9) * 10 + static_cast<int>(-2.9); }") == 18
    assert run("float f() { return static_cast<float>(3) / 2; }") == 1.5
    assert run("int f() { return (int)3.9; }") == 3
    assert run("int f() { return (uint8_t)257; }") == 1
    assert run("int f() { return (int)(uint32_t)-1; }") == -1
    assert run("bool f() { return (bool)7; }") is True


# ----- compile errors with file:line -------------------------------------------------------------------------

def _err(src: str, kind: str = DF, api: Api = API_T) -> tuple[str, int | None, str]:
    e = compile_error(src, kind, api)
    return e.location.file, e.location.line, e.message


def test_syntax_error_reports_the_first_error_line():
    src = "int f() {\n  int x = 1;\n  x = (1 + ;\n  return x;\n  int y = ) ;\n}\n"
    file, line, message = _err(src)
    assert (file, line) == ("k.cpp", 3)
    assert message.startswith("C++ syntax error near: ")
    assert _err("int f() {\n  int x = 1;\n  return x\n}\n")[1] == 3  # missing ';'
    assert _err("int f() {\n  return 1;\n}\n}\n")[1] == 4
    assert str(compile_error("int f() {\n  x = (1 + ;\n}\n")).startswith("k.cpp:2: C++ syntax error")


@pytest.mark.parametrize("src, line, fragment", [
    ("int f() {\n  for (int i = 0; i < 2; i++) {\n    switch (i) { case 1: continue; }\n  }\n  return 0;\n}", 3,
     "continue inside switch is not supported"),
    ("int f() {\n  goto end;\n  end: return 0;\n}", 2, "unsupported C++ (goto_statement)"),
    ("int f() {\n  auto g = [](int& a) { a = 1; };\n  return 0;\n}", 2,
     "unsupported C++ (lambda with a non-const reference parameter)"),
    ("int f() {\n  try { return 1; } catch (...) { return 2; }\n}", 2, "kernels are built without exceptions"),
    ("int f() {\n  int x = 1;\n  int* p = &x;\n  return 0;\n}", 3, "unsupported C++ (address-of a scalar variable): &x"),
    ("int f() {\n  int x = 1;\n  int y = (x, 2);\n  return y;\n}", 3, "unsupported C++ (comma_expression)"),
    ("int f() {\n  int x = 0;\n  do {\n    x++;\n    if (x < 3) continue;\n  } while (x < 5);\n  return x;\n}", 3,
     "continue inside do-while is not supported"),
    ("void g(int& a) {\n  a = 1;\n}\nint f() {\n  g(1 + 2);\n  return 0;\n}", 5,
     "a reference parameter needs a variable, element or field here, not '1 + 2'"),
    ("int f() {\n  int x = 1;\n  int y = (x)++;\n  return y;\n}", 3,
     "increment of a non-variable inside an expression"),
    ("union Bits {\n  struct Pair {\n    uint8_t a;\n  } pair;\n  uint32_t u;\n};\nint f() {\n  return 0;\n}", 2,
     "unsupported C++ (union member other than a scalar)"),
    ("struct Pair {\n  uint32_t a;\n  uint32_t sum() { return a; }\n};\nint f() {\n  return 0;\n}", 3,
     "unsupported C++ (struct member other than a data member)"),
    ("int f(int a = 1, int b) {\n  return a + b;\n}", 1, "a parameter after one with a default argument needs"),
])
def test_unsupported_constructs(src, line, fragment):
    file, got_line, message = _err(src)
    assert (file, got_line) == ("k.cpp", line)
    assert fragment in message


@pytest.mark.parametrize("src, line, message", [
    ("int f() {\n  return foo(1);\n}", 2, "unknown name 'foo'"),
    ("int f() {\n  int a = 1;\n  return a + bar;\n}", 3, "unknown name 'bar'"),
    ("int f() {\n  return geo::LIMIT();\n}", 2, "'geo::LIMIT' is a constant, not a function"),
    ("int f() {\n  return seq;\n}", 2, "'seq' is a function, not a value"),
    ("int f() {\n  return add2(1);\n}", 2, "add2: expected 2 arguments, got 1"),
    ("int f() {\n  return add2<int>(1, 2);\n}", 2, "'add2' is not a template"),
    ("int f() {\n  probe<1, 2, 3, 4>();\n  return 0;\n}", 2, "'probe' takes 0..3 template arguments, got 4"),
    ("void f() {\n  int x = 1;\n  y = 2;\n}", 3, "assignment to undeclared variable 'y'"),
    ("constexpr int N = 1;\nvoid f() {\n  N += 1;\n}", 3, "cannot assign to constant 'N'"),
    ("int f() {\n  geo::Point p{1, 2, 3};\n  return 0;\n}", 2, "geo::Point: expected 0 to 2 arguments, got 3"),
    ("int f() {\n  geo::Config c{.size = 1, 2};\n  return 0;\n}", 2,
     "mixing designated and positional initialisers is not supported"),
    ("int f() {\n  geo::Mode::Fast x = 1;\n  return 0;\n}", 2, "'geo::Mode::Fast' is not a type"),
    ("int f() { return 1; }\nint f() { return 2; }", 2, "function 'f' defined twice (overloads are not supported)"),
])
def test_name_errors(src, line, message):
    assert _err(src) == ("k.cpp", line, message)


def test_call_belonging_to_another_kind_of_code():
    file, line, message = _err("int f() {\n  return dm_only();\n}", kind=CO)
    assert (file, line) == ("k.cpp", 2)
    assert message == "'dm_only' is not available in compute code (it belongs to dataflow code, test_dataflow.h)"


def test_real_api_errors():
    src = '#include "api/compute/pack.h"\nvoid kernel_main() {\n    pack_tile(0);\n}\n'
    assert _err(src, CO, cpp.API) == ("k.cpp", 3, "pack_tile: expected 2 to 3 arguments, got 1")
    src = "void kernel_main() {\n  noc_async_read_barrier();\n}\n"
    file, line, message = _err(src, CO, cpp.API)
    assert line == 2
    assert "'noc_async_read_barrier' is not available in compute code (it belongs to dataflow code" in message
    src = "void kernel_main() {\n  uint32_t a = get_arg_val<uint32_t, uint32_t>(0);\n}\n"
    assert _err(src, DF, cpp.API) == ("k.cpp", 2, "'get_arg_val' takes 1..1 template arguments, got 2")
    assert _err("void kernel_main() {\n  return tt::CBIndex::c_0();\n}", DF, cpp.API) == \
        ("k.cpp", 2, "'tt::CBIndex::c_0' is a constant, not a function")
    assert _err("int main() {\n  Foo x = 1;\n  return 0;\n}", HO, cpp.API) == ("k.cpp", 2, "unknown name 'Foo'")
    assert _err("int main() {\n  Foo x;\n  return 0;\n}", HO, cpp.API) == ("k.cpp", 2, "unknown name 'Foo'")


def test_range_for_reference_elements_are_assigned_in_place():
    src = ("int f() {\n  std::vector<uint32_t> v(5, 1);\n  uint32_t k = 0;\n  for (auto& x : v) {\n    x = x + k;\n"
           "    k++;\n    if (k == 2) continue;\n    x *= 10;\n    if (k == 4) break;\n  }\n"
           "  return v[0] * 10000 + v[1] * 1000 + v[2] * 100 + v[3] * 10 + v[4];\n}")
    # v = {10, 2, 30, 40, 1}: `continue` and `break` still store the element back
    assert run(src, kind=HO, api=cpp.API) == 10 * 10000 + 2 * 1000 + 30 * 100 + 40 * 10 + 1
    src = "int f() {\n  uint32_t a[3] = {1, 2, 3};\n  for (uint32_t& x : a) { x++; }\n  return a[0] + a[1] + a[2];\n}"
    assert run(src, kind=HO, api=cpp.API) == 9
    src = "int f() {\n  std::vector<uint32_t> v(3, 1);\n  for (const auto& x : v) {\n    x = 5;\n  }\n  return 0;\n}"
    assert _err(src, HO, cpp.API)[2].startswith("assignment to reference 'x' is not supported")


def test_assignment_through_a_reference_is_rejected():
    src = "int f() {\n  std::vector<uint32_t> v(3, 1);\n  uint32_t& r = v[1];\n  r += 7;\n  return r * 10 + v[1];\n}"
    assert run(src, kind=HO, api=cpp.API) == 88  # bound to the element: both read 8
    src = "int f() {\n  uint32_t a = 1;\n  uint32_t b = 2;\n  uint32_t& r = a > b ? a : b;\n  r += 7;\n  return r;\n}"
    file, line, message = _err(src, HO, cpp.API)
    assert line == 5 and message.startswith("assignment to reference 'r' is not supported")
    src = "int f() {\n  auto& [a, b] = std::make_pair(1, 2);\n  a++;\n  return a;\n}"
    file, line, message = _err(src, HO, cpp.API)
    assert line == 3 and message.startswith("assignment to reference 'a' is not supported")
    # reading through a reference and assigning through the container are fine
    src = "int f() { std::vector<uint32_t> v(3, 1); for (auto& x : v) { v[0] = x + 1; } return v[0]; }"
    assert run(src, kind=HO, api=cpp.API) == 2


# ----- runtime faults map to the C++ line --------------------------------------------------------------------

def _innermost_cpp_frame(tb: types.TracebackType):
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".cpp"):
            found = tb
        tb = tb.tb_next
    return found


@pytest.mark.parametrize("src, line, message", [
    ("int g(int a, int b) {\n  int q = 0;\n  q = a / b;\n  return q;\n}\nint f(int z) {\n  int k = 3;\n  return g(k, z) + 1;\n}\n",
     3, "integer division by zero"),
    ("int f(int z) {\n  int k = 3;\n  k %= z;\n  return k;\n}\n", 3, "integer modulo by zero"),
    ("int f(int z) {\n  int k = 3;\n  for (int i = 0; i < 3; i++) {\n    if (i == 1) continue;\n    k = k / z;\n  }\n  return k;\n}\n",
     5, "integer division by zero"),
    ("int f(int z) {\n  int k = 3;\n  k = 1 +\n      k / z;\n  return k;\n}\n", 4, "integer division by zero"),
])
def test_runtime_fault_maps_to_cpp_line(src, line, message):
    fn = compile_source(src, DF, path="/kernels/reader.cpp", api=API_T).functions["f"]
    with pytest.raises(CppRuntimeError) as info:
        fn(0)
    assert str(info.value) == message
    tb = _innermost_cpp_frame(info.value.__traceback__)
    assert tb.tb_frame.f_code.co_filename == "/kernels/reader.cpp"
    assert tb.tb_frame.f_lineno == line
    location = traceback_cpp_location(info.value.__traceback__)
    assert (location.file, location.line) == ("/kernels/reader.cpp", line)


def test_api_exception_is_located_at_the_calling_line():
    api = Api()

    @api.function("boom", groups={DF}, header="h")
    def boom():
        raise CppRuntimeError("bad")

    fn = compile_source("void f() {\n  int x = 1;\n\n  boom();\n}\n", DF, path="w.cpp", api=api).functions["f"]
    with pytest.raises(CppRuntimeError) as info:
        fn()
    assert str(traceback_cpp_location(info.value.__traceback__)) == "w.cpp:4"


# ----- compiled once, no tree-sitter at run time -------------------------------------------------------------

LOOP = """uint32_t f(uint32_t n) {
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; ++i) {
        if (i % 3 == 0) continue;
        s += i ^ (i >> 2);
    }
    return s;
}
int g() { return 1; }
"""


def test_compiling_twice_gives_independent_functions():
    a = compile_source(LOOP, DF, path="a.cpp", api=API_T)
    b = compile_source(LOOP, DF, path="b.cpp", api=API_T)
    assert a.functions["f"] is not b.functions["f"]
    assert a.functions["f"].__globals__ is not b.functions["f"].__globals__
    assert a.functions["f"].__code__.co_filename == "a.cpp"
    assert b.functions["f"].__code__.co_filename == "b.cpp"
    assert a.functions["f"](10) == b.functions["f"](10)
    # nothing reachable from the compiled functions is a tree-sitter object
    for compiled in (a, b):
        for name, fn in compiled.functions.items():
            for value in list(fn.__globals__.values()) + list(fn.__code__.co_consts):
                assert not type(value).__module__.startswith("tree_sitter"), (name, value)


def test_executing_calls_no_tree_sitter_code(monkeypatch):
    compiled = compile_source(LOOP, DF, path="loop.cpp", api=API_T)
    n = 100_000
    expected = sum(i ^ (i >> 2) for i in range(n) if i % 3) & 0xFFFF_FFFF

    def forbidden(*args, **kwargs):
        raise AssertionError("tree-sitter used at run time")

    monkeypatch.setattr(tree_sitter.Parser, "parse", forbidden)
    monkeypatch.setattr(cpp.Parser, "parse", forbidden)
    monkeypatch.setattr(tree_sitter.Node, "child_by_field_name", forbidden)
    with pytest.raises(AssertionError):
        compile_source(LOOP, DF, api=API_T)  # the patch is live: compiling now would fail

    calls: list[str] = []

    def profile(frame, event, arg):
        if event == "c_call" and type(getattr(arg, "__self__", None)).__module__.startswith("tree_sitter"):
            calls.append(repr(arg))
        elif event == "call" and "tree_sitter" in frame.f_code.co_filename:
            calls.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        result = compiled.functions["f"](n)
    finally:
        sys.setprofile(None)
    assert result == expected
    assert calls == []


def test_a_keyword_cannot_name_a_variable():
    with pytest.raises(CompileError, match="'do' is a C\\+\\+ keyword"):
        compile_source("void kernel_main() {\n    const auto do = 1;\n}\n", "dataflow")


def test_a_name_declared_twice_in_one_scope_is_an_error():
    src = "int main() {\n    constexpr uint32_t D = 64;\n    constexpr uint32_t D = 64;\n    return 0;\n}\n"
    with pytest.raises(CompileError, match="redeclaration of 'D'") as info:
        compile_source(src, "host")
    assert info.value.location.line == 3
    shadowing = "int main() {\n    uint32_t d = 1;\n    {\n        uint32_t d = 2;\n    }\n    return 0;\n}\n"
    compile_source(shadowing, "host")  # a nested scope may shadow


def _run(src: str, *args):
    return compile_source(src, "dataflow", path="k.cpp").functions["f"](*args)


def test_c_arrays_zero_fill_with_an_initialiser_wrap_their_elements_and_check_bounds():
    src = """constexpr uint32_t primes[] = {2, 3, 5, 7};
uint32_t f(uint32_t n) {
    uint8_t small[4] = {250};
    uint32_t grid[2][3] = {{1, 2, 3}, {4}};
    uint32_t acc[n];
    for (uint32_t i = 0; i < n; i++) {
        acc[i] = primes[i] * 10;
    }
    small[1] = 300;
    uint32_t s = 0;
    for (auto v : acc) {
        s += v;
    }
    return s + small[0] + small[1] + small[2] + grid[1][0] * 1000 + grid[1][2];
}
"""
    assert _run(src, 3) == 20 + 30 + 50 + 250 + (300 & 0xFF) + 0 + 4000 + 0
    with pytest.raises(cruntime.CppRuntimeError, match="index 4 out of range for an array of 4"):
        _run(src, 5)


def test_file_scope_enums_and_structs():
    src = """enum class Mode : uint8_t { Fast, Exact = 4, Other };
enum Layout { ROW, TILE };
struct Span {
    uint32_t start;
    uint32_t count = 7;
    uint8_t tag;
};
uint32_t f() {
    Span a{1, 2, 300};
    Span b = a;
    b.start = 10;
    Span c;
    Span d{.start = 5};
    Mode m = Mode::Other;
    uint32_t r = a.start + b.start * 10 + c.count * 100 + a.tag * 1000 + d.count * 100000;
    if (m == Mode::Other) {
        r += 5000000;
    }
    return r + TILE * 10000000 + static_cast<uint32_t>(Mode::Exact) * 100000000;
}
"""
    # b is a copy of a; c and d run the member initialiser; an aggregate wraps tag to uint8_t
    assert _run(src) == 1 + 100 + 700 + 44 * 1000 + 7 * 100000 + 5000000 + 10000000 + 4 * 100000000


def test_default_arguments_are_evaluated_at_each_call():
    src = """uint32_t g(uint32_t a, uint32_t b = 5, uint8_t c = 300) {
    return a + b + c;
}
uint32_t f() {
    return g(1) + g(1, 2) * 100 + g(1, 1, 1) * 10000;
}
"""
    assert _run(src) == (1 + 5 + 44) + (1 + 2 + 44) * 100 + 3 * 10000


def test_alternative_operator_spellings():
    src = "uint32_t f(uint32_t a, uint32_t b) {\n    return (a > 1 and not (b == 0)) + (a bitand b) * 10;\n}\n"
    assert _run(src, 3, 1) == 1 + 10 and _run(src, 3, 0) == 0


def test_lambdas_capture_by_reference_or_by_copy_as_cpp_does():
    src = """uint32_t f(uint32_t n) {
    uint32_t total = 0;
    uint32_t scale = 3;
    auto add = [&](uint32_t v, uint32_t w = 1) { total += v * scale * w; };
    auto snap = [scale](uint32_t v) -> uint8_t { return v * scale; };
    auto all = [=]() { return scale + n; };
    scale = 5;
    for (uint32_t i = 0; i < n; i++) {
        add(i);
    }
    auto twice = [&](uint32_t v) {
        auto inner = [&](uint32_t u) { total += u; return u; };
        return inner(v) + inner(v);
    };
    uint32_t both = twice(7);
    return total + snap(100) * 1000 + all() * 1000000 + both * 100000000;
}
"""
    # add sees scale = 5 (a reference); snap and all copied scale = 3 when created; snap returns a uint8_t
    assert _run(src, 3) == (0 + 5 + 10 + 7 + 7) + ((100 * 3) & 0xFF) * 1000 + (3 + 3) * 1000000 + 14 * 100000000


def test_unions_reinterpret_their_storage():
    src = """union bits { float f; uint32_t u; };
uint32_t f(uint32_t x) {
    union {
        float f;
        uint32_t u;
    } a, b;
    a.u = x;
    b.f = a.f * 2.0f;
    bits c;
    c.f = 1.0f;
    bits d = c;
    d.u = 0;
    return b.u + (c.u == 0x3f800000);
}
"""
    # 1.0f doubled is 0x40000000; d is a copy of c, so zeroing it leaves c's bits
    assert _run(src, 0x3F800000) == 0x40000000 + 1


def test_trisc_part_macros_and_builtin_bit_cast():
    src = """uint32_t f(uint32_t bits) {
    float x = __builtin_bit_cast(float, bits);
    uint32_t y = 0;
    UNPACK(y += 1;)
    MATH(y += 10;)
    PACK(y += 100;)
    return std::bit_cast<uint32_t>(x * 2.0f) + y;
}
"""
    # the compute thread is UNPACK, MATH and PACK at once: each part runs once
    assert compile_source(src, "compute", path="k.cpp").functions["f"](0x3F800000) == 0x40000000 + 111
    with pytest.raises(cpp.CompileError, match=r"k\.cpp:4: C\+\+ syntax error"):  # not a dataflow macro
        compile_source(src, "dataflow", path="k.cpp")


def test_memcpy_bit_casts_and_the_address_of_an_object():
    src = """uint32_t f(float x) {
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof(float));
    float back = 0.0f;
    __builtin_memcpy(&back, &bits, 4);
    return bits + (back == x);
}
"""
    assert _run(src, 1.0) == 0x3F800000 + 1
    with pytest.raises(cpp.CompileError, match="memcpy other than between two 32-bit scalar variables"):
        _run(src.replace("std::memcpy(&bits, &x, sizeof(float));", "std::memcpy(bits, &x, 4);"), 1.0)
    assert cruntime.address_of(cruntime.Designated(a=1)).a == 1  # a pointer to an object is the object
    with pytest.raises(cruntime.CppRuntimeError, match="address of a integer value is not modelled"):
        cruntime.address_of(3)


def test_std_array_and_gcc_bit_builtins():
    src = """uint32_t f() {
    std::array<uint32_t, 4> a = {1, 2};
    std::array<uint8_t, 3> b;
    b.fill(300);
    a[3] = __builtin_ctz(8) + __builtin_popcount(7) * 10;
    return a[0] + a[1] * 10 + a[2] * 100 + a[3] * 1000 + b[2] * 1000000 + a.size() * 100000000;
}
"""
    # zero-filled after the initialiser, elements stored as uint8_t, ctz(8) = 3, popcount(7) = 3
    assert _run(src) == 1 + 20 + 0 + 33 * 1000 + (300 & 0xFF) * 1000000 + 4 * 100000000
    with pytest.raises(cruntime.CppRuntimeError, match="index 4 out of range for an array of 4"):
        _run(src.replace("a[3] =", "a[4] ="))


def test_std_swap_exchanges_two_lvalues():
    src = ("int f() {\n  uint32_t a = 1;\n  uint32_t b[2] = {5, 7};\n  std::swap(a, b[1]);\n"
           "  return a * 100 + b[0] * 10 + b[1];\n}")
    assert run(src, api=cpp.API) == 7 * 100 + 5 * 10 + 1


def test_tuples_make_and_get():
    src = ("int f() {\n  auto t = std::make_tuple(3, 4);\n  auto u = std::tuple{5, 6};\n"
           "  return std::get<0>(t) * 1000 + std::get<1>(t) * 100 + std::get<1>(u);\n}")
    assert run(src, api=cpp.API) == 3000 + 400 + 6


def test_a_pointer_to_a_scalar_local_reads_its_bytes():
    src = ("int f() {\n  const uint32_t bits = 0x3FC00000;\n  const auto as_float = reinterpret_cast<const float*>(&bits);\n"
           "  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&bits);\n"
           "  return static_cast<int>(*as_float * 10) * 1000 + bytes[3] * 4 + bytes[0];\n}")
    assert run(src, api=cpp.API) == 15 * 1000 + 0x3F * 4
    write = src.replace("  return", "  uint8_t* w = reinterpret_cast<uint8_t*>(&bits);\n  w[0] = 1;\n  return")
    with pytest.raises(Exception, match="writing through a pointer to a local"):
        run(write, api=cpp.API)


def test_an_enum_inside_a_function():
    src = ("int f() {\n  enum SlotState : uint8_t { IDLE = 0, BUSY = 3, DONE };\n  SlotState s = DONE;\n"
           "  return s * 10 + BUSY;\n}")
    assert run(src, api=cpp.API) == 4 * 10 + 3


def test_immediately_invoked_lambdas_namespace_aliases_and_attributes_in_functions():
    src = ("namespace geo { constexpr uint32_t K = 5; }\nint f() {\n  namespace g = geo;\n"
           "  constexpr uint32_t twice [[maybe_unused]] = 2;\n  const uint32_t v = [&]() -> uint32_t {\n"
           "    return g::K * twice;\n  }();\n  return v;\n}")
    assert run(src, api=cpp.API) == 10


def test_overloads_told_apart_by_their_parameter_count():
    src = ("uint32_t idx(uint32_t h, uint32_t w) { return h * 32 + w; }\n"
           "uint32_t idx(uint32_t h, uint32_t w, uint32_t th, uint32_t tw) { return h * tw + w + th; }\n"
           "int f() {\n  return idx(1, 2) * 1000 + idx(1, 2, 3, 16);\n}")
    assert run(src, api=cpp.API) == 34 * 1000 + 21
    assert "no overload of 'idx' takes 3 argument(s)" in _err(src.replace("idx(1, 2, 3, 16)", "idx(1, 2, 3)"))[2]


def test_an_alias_of_an_api_template_type():
    src = ("constexpr uint32_t W = 4;\nint f() {\n  using lut_t = std::array<uint32_t, W>;\n  lut_t lut = {1, 2, 3, 4};\n"
           "  lut_t other{};\n  other[1] = lut[2] + lut.size();\n  return other[1] * 10 + other[0];\n}")
    assert run(src, api=cpp.API) == 70


def test_a_file_constant_computed_by_a_function_of_the_file():
    src = ("constexpr uint32_t limit() { return 4 * 2; }\nconstexpr uint32_t LIMIT = limit();\n"
           "int f() {\n  return LIMIT + 1;\n}")
    assert run(src, api=cpp.API) == 9


def test_builtin_line_is_the_calling_line():
    assert run("int f() {\n  int a = 0;\n  return __builtin_LINE();\n}", api=cpp.API) == 3


def test_a_reference_to_an_element_reads_and_writes_the_element():
    src = ("int f() {\n  uint32_t counts[3] = {5, 6, 7};\n  uint32_t e = 1;\n  auto& c = counts[e];\n  e = 2;\n"
           "  c += 10;\n  c++;\n  counts[1] = counts[1] * 2;\n  return c * 100 + counts[2];\n}")
    # c stays bound to counts[1] (the index is taken when it binds); reads see writes through the array
    assert run(src, api=cpp.API) == 34 * 100 + 7


def test_assignments_inside_expressions():
    src = ("int f() {\n  uint32_t a = 0;\n  uint32_t b[2] = {0, 0};\n  uint32_t n = 0;\n"
           "  while ((a += 3) < 10) { n++; }\n  (b[1] = 4);\n  return a * 100 + n * 10 + b[1];\n}")
    assert run(src, api=cpp.API) == 12 * 100 + 3 * 10 + 4


def test_std_optional():
    src = ("uint32_t pick(uint32_t w) {\n  std::optional<uint32_t> o = w > 0 ? std::optional<uint32_t>(w) : std::nullopt;\n"
           "  return o.has_value() ? o.value() * 10 : o.value_or(7);\n}\nint f() {\n  return pick(3) + pick(0);\n}")
    assert run(src, api=cpp.API) == 30 + 7


def test_a_function_template_declared_before_its_definition():
    src = ("template <uint32_t N>\nuint32_t scaled(uint32_t v);\nint f() {\n  return scaled<3>(2);\n}\n"
           "template <uint32_t N>\nuint32_t scaled(uint32_t v) {\n  return v * N;\n}")
    assert run(src, api=cpp.API) == 6


def test_file_scope_variables_are_per_kernel_instance(dev):
    """A global in a kernel lives in each core's own copy: two cores count independently from the initialiser."""
    src = """
uint32_t calls = 10;
uint32_t bump(uint32_t by) {
    calls += by;
    return calls;
}
void kernel_main() {
    uint32_t by = get_arg_val<uint32_t>(0);
    bump(by);
    calls++;
    ASSERT(bump(by) == 10 + 2 * by + 1);
}
"""
    spec = dev.kernel("dataflow", src, cores=((0, 0), (1, 0)))
    spec.runtime_args = {(0, 0): [1], (1, 0): [5]}
    dev.launch()
    with pytest.raises(CompileError, match="file-scope variables of a host program"):
        compile_source("int counter = 3;\nint main() { return counter; }", "host", path="h.cpp", api=cpp.API)
