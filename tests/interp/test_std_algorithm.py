"""Iterators and the <algorithm> / <numeric> calls of example hosts, executed by the interpreter."""

import pytest

from ttgen.interp import all_api  # noqa: F401 - registers the API
from ttgen.interp.cpp import compile_source
from ttgen.interp.cruntime import CppRuntimeError

ALGORITHMS = """
int main() {
    std::vector<float> v(8);
    std::iota(v.begin(), v.end(), 1.0f);
    float total = std::accumulate(v.begin(), v.end(), 0.0f);
    std::vector<uint32_t> w(4, 0);
    std::fill(w.begin(), w.end(), 7);
    w[2] = 5;
    uint32_t pos = std::find(w.begin(), w.end(), 5) - w.begin();
    bool missing = std::find(w.begin(), w.end(), 9) == w.end();
    auto largest = std::max_element(v.begin(), v.end());
    std::vector<float> c(8);
    std::copy(v.begin(), v.end(), c.begin());
    bool same = std::equal(v.begin(), v.end(), c.begin());
    std::sort(c.begin(), c.end(), [](float a, float b) { return a > b; });
    bool sorted = c[0] == 8.0f && c[7] == 1.0f;
    std::transform(v.begin(), v.end(), c.begin(), [](float x) { return x * 2.0f; });
    bool sevens = std::all_of(w.begin(), w.begin() + 2, [](uint32_t x) { return x == 7; });
    for (auto it = w.begin(); it != w.end(); ++it) {
        *it = 3;
    }
    std::array<uint32_t, 4> a = {4, 1, 3, 2};
    std::sort(a.begin(), a.end());
    return (total == 36.0f) + 2 * (pos == 2) + 4 * missing + 8 * (*largest == 8.0f) + 16 * same + 32 * sorted +
           64 * (c[7] == 16.0f) + 128 * sevens + 256 * (std::count(w.begin(), w.end(), 3) == 4) +
           512 * (a[0] == 1 && a[3] == 4);
}
"""


def _main(src):
    return compile_source(src, "host", path="h.cpp").entry("main")()


def test_algorithms_compute_what_the_standard_says():
    assert _main(ALGORITHMS) == 1023


@pytest.mark.parametrize("body,fragment", [
    ("std::vector<int> v(2); std::vector<int> w(2); std::fill(v.begin(), w.end(), 1);", "different containers"),
    ("std::vector<int> v(2); auto it = v.end(); *it = 1;", "past its end"),
    ("std::vector<int> v(2); std::fill(v.end(), v.begin(), 1);", "is not a range"),
])
def test_ranges_stay_inside_their_container(body, fragment):
    with pytest.raises(CppRuntimeError) as info:
        _main(f"int main() {{ {body} return 0; }}")
    assert fragment in str(info.value)
