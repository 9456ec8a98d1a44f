"""The object API (ttgen/interp/objects.py): Noc, CircularBuffer, UnicastEndpoint and Semaphore as ttnn's kernels use them."""

import numpy as np
import pytest

from ttgen.interp.checks import Violation

READER = """
#include "api/dataflow/dataflow_api.h"
#include "api/dataflow/noc.h"
#include "api/dataflow/circular_buffer.h"
void kernel_main() {
    uint32_t src_addr = get_arg_val<uint32_t>(0);
    uint32_t n = get_arg_val<uint32_t>(1);
    constexpr auto src_args = TensorAccessorArgs<0>();
    const auto src = TensorAccessor(src_args, src_addr);
    Noc noc;
    CircularBuffer cb(tt::CBIndex::c_0);
    const uint32_t page = cb.get_tile_size();
    for (uint32_t i = 0; i < n; i++) {
        cb.reserve_back(1);
        noc.async_read(src, cb, page, {.page_id = i}, {.offset_bytes = 0});
        noc.async_read_barrier();
        cb.push_back(1);
    }
}
"""

WRITER = """
#include "api/dataflow/dataflow_api.h"
#include "api/dataflow/noc.h"
#include "api/dataflow/circular_buffer.h"
void kernel_main() {
    uint32_t dst_addr = get_arg_val<uint32_t>(0);
    uint32_t n = get_arg_val<uint32_t>(1);
    constexpr auto dst_args = TensorAccessorArgs<0>();
    const auto dst = TensorAccessor(dst_args, dst_addr);
    Noc noc(1);
    CircularBuffer cb(tt::CBIndex::c_0);
    for (uint32_t i = 0; i < n; ++i) {
        cb.wait_front(1);
        noc.async_write(cb, dst, cb.get_tile_size(), {}, {i, 0});
        noc.async_write_barrier();
        cb.pop_front(1);
    }
}
"""


def tiles(n, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 32, 32)).astype(np.float32)


def copy(dev, reader=READER, writer=WRITER, n=7):
    src = dev.buffer(tiles(n))
    dst = dev.buffer(np.zeros((n, 32, 32), np.float32))
    dev.cb(0, 2)
    dev.kernel("dataflow", reader, args=[src.address, n], compile_args=[2, 2048])
    dev.kernel("dataflow", writer, args=[dst.address, n], compile_args=[2, 2048], processor="RISCV_1")
    return src, dst


def test_object_api_copy_moves_every_page(dev):
    src, dst = copy(dev)
    dev.launch()
    assert np.array_equal(src.data, dst.data)


@pytest.mark.parametrize("edit, check, fragment", [
    (("        noc.async_read_barrier();\n", ""), "race", "has not completed"),
    (("cb.reserve_back(1);", ""), "cb-protocol", ""),
    (("{.page_id = i}", "{.page = i}"), "noc-bounds", "no field page"),
    (("noc.async_read(src, cb,", "noc.async_read(cb, src,"), "noc-bounds", "a CircularBuffer cannot be the source"),
])
def test_object_api_keeps_the_protocol_checks(dev, edit, check, fragment):
    copy(dev, reader=READER.replace(*edit))
    with pytest.raises(Violation) as info:
        dev.launch()
    assert info.value.check == check and fragment in str(info.value), str(info.value)
    assert info.value.location is not None and info.value.location.file == "kernel0.cpp"


SEMAPHORES = """
#include "api/dataflow/dataflow_api.h"
#include "api/dataflow/noc_semaphore.h"
void kernel_main() {
    uint32_t want = get_arg_val<uint32_t>(0);
    Semaphore<> sem(0);
    sem.set(3);
    sem.down(2);
    sem.wait(1);
    sem.up(4);
    Noc noc;
    sem.up(noc, my_x[0], my_y[0], 2);
    sem.wait_min(want);
}
"""


def test_semaphore_object(passes_then_fails):
    from ttgen.interp.program import SemaphoreConfig

    def setup(run, want):
        run.model.semaphores.append(SemaphoreConfig([(0, 0)], 0, None))
        run.kernel("dataflow", SEMAPHORES, args=[want])

    violation = passes_then_fails(setup, 7, 8)  # 3 - 2 + 4 + 2 = 7
    assert violation.check == "deadlock" and "noc_semaphore_wait_min" in str(violation)


DFB_READER = """
#include "api/dataflow/dataflow_buffer.h"
void kernel_main() {
    const uint32_t addr = get_arg_val<uint32_t>(0);
    const uint32_t n = get_arg_val<uint32_t>(1);
    constexpr auto args = TensorAccessorArgs<0>();
    const auto src = TensorAccessor(args, addr);
    Noc noc;
    DataflowBuffer dfb(0);
    for (uint32_t i = 0; i < n; i++) {
        dfb.reserve_back(1);
        noc.async_read(src, dfb, dfb.get_entry_size(), {.page_id = i}, {.offset_bytes = 0});
        noc.async_read_barrier();
        dfb.push_back(1);
    }
    dfb.finish();
}
"""


def test_dataflow_buffer_is_a_cb_on_wormhole(dev, passes_then_fails):
    from tests.interp.test_dataflow import DRAIN, copy_program

    def setup(run, reader):
        src, dst = copy_program(run, n=5, reader=reader, writer=DRAIN)
        run.copied = (src, dst)

    v = passes_then_fails(setup, DFB_READER, DFB_READER.replace("        noc.async_read_barrier();\n", ""))
    assert v.check == "race"
    src, dst = copy_program(dev, n=5, reader=DFB_READER, writer=DRAIN)
    dev.launch()
    assert np.array_equal(src.data, dst.data)


def test_a_cb_view_selects_the_pointer_a_transfer_uses(dev, passes_then_fails):
    """use<READ_PTR>(cb) as a destination fills the CB at its read pointer: not the window reserved for writing."""
    viewed = WRITER.replace("noc.async_write(cb, dst,", "noc.async_write(use<CircularBuffer::AddrSelector::READ_PTR>(cb), dst,")
    src, dst = copy(dev, writer=viewed)
    dev.launch()
    assert np.array_equal(src.data, dst.data)
    bad = READER.replace("noc.async_read(src, cb,", "noc.async_read(src, use<CircularBuffer::AddrSelector::READ_PTR>(cb),")

    def setup(run, reader):
        copy(run, reader=reader, n=3)

    assert passes_then_fails(setup, READER, bad).check == "cb-protocol"
