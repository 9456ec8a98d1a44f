"""CoreLocalMem<T> (ttgen/interp/local_mem.py): typed L1 access with the pointer checks."""

import numpy as np
import pytest

from ttgen.interp.checks import Violation

from .test_objects import WRITER

FILLER = """
#include "api/dataflow/dataflow_api.h"
#include "api/core_local_mem.h"
void kernel_main() {
    uint32_t n = get_arg_val<uint32_t>(1);
    for (uint32_t t = 0; t < n; t++) {
        cb_reserve_back(tt::CBIndex::c_0, 1);
        CoreLocalMem<uint32_t> words(get_write_ptr(tt::CBIndex::c_0));
        for (uint32_t i = 0; i < 512; i++) {
            words[i] = t * 1000 + i;
        }
        CoreLocalMem<uint32_t> last = words + 511;
        ASSERT(last - words == 511 && *last == t * 1000 + 511 && last.get_address() == words.get_address() + 2044);
        cb_push_back(tt::CBIndex::c_0, 1);
    }
}
"""


def test_core_local_mem_fills_a_cb_page(dev):
    n = 3
    dst = dev.buffer(np.zeros((n, 32, 32), np.float32))
    dev.cb(0, 2)
    dev.kernel("dataflow", FILLER, args=[0, n])
    dev.kernel("dataflow", WRITER, args=[dst.address, n], compile_args=[2, 2048], processor="RISCV_1")
    dev.launch()
    words = dst.data.view("<u4").reshape(n, 512)
    assert (words == np.arange(512)[None, :] + 1000 * np.arange(n)[:, None]).all()


def test_core_local_mem_writes_into_a_pushed_page_are_caught(dev):
    """A page pushed and not yet popped is the consumer's: writing it after cb_push_back races with the reader."""
    late = FILLER.replace("        cb_push_back(tt::CBIndex::c_0, 1);\n",
                          "        cb_push_back(tt::CBIndex::c_0, 1);\n        words[0] = 7;\n")
    dst = dev.buffer(np.zeros((1, 32, 32), np.float32))
    dev.cb(0, 2)
    dev.kernel("dataflow", late, args=[0, 1])
    dev.kernel("dataflow", WRITER, args=[dst.address, 1], compile_args=[2, 2048], processor="RISCV_1")
    with pytest.raises(Violation) as info:
        dev.launch()
    assert info.value.check == "cb-protocol" and info.value.location.line == 15
    assert "not yet popped" in info.value.message