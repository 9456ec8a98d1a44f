"""Data-movement API: CB protocol, NoC transfers and barriers, accessors, deadlock and budget detection."""

import numpy as np
import pytest

from ttgen.interp.checks import Violation
from ttgen.interp.cpp import CompileError
from ttgen.numerics.formats import decode_tile

READ_ONE = """
#include "api/dataflow/dataflow_api.h"
void kernel_main() {
    uint32_t addr = get_arg_val<uint32_t>(0);
    uint32_t n = get_arg_val<uint32_t>(1);
    constexpr auto args = TensorAccessorArgs<0>();
    const auto src = TensorAccessor(args, addr);
    for (uint32_t i = 0; i < n; ++i) {
        cb_reserve_back(tt::CBIndex::c_0, 1);
        noc_async_read_page(i, src, get_write_ptr(tt::CBIndex::c_0));
        noc_async_read_barrier();
        cb_push_back(tt::CBIndex::c_0, 1);
    }
}
"""

DRAIN = """
#include "api/dataflow/dataflow_api.h"
void kernel_main() {
    uint32_t addr = get_arg_val<uint32_t>(0);
    uint32_t n = get_arg_val<uint32_t>(1);
    constexpr auto args = TensorAccessorArgs<0>();
    const auto dst = TensorAccessor(args, addr);
    for (uint32_t i = 0; i < n; ++i) {
        cb_wait_front(tt::CBIndex::c_0, 1);
        noc_async_write_page(i, dst, get_read_ptr(tt::CBIndex::c_0));
        noc_async_write_barrier();
        cb_pop_front(tt::CBIndex::c_0, 1);
    }
}
"""


def tiles(n, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 32, 32)).astype(np.float32)


def copy_program(dev, n=5, reader=READ_ONE, writer=DRAIN, pages=2):
    src = dev.buffer(tiles(n))
    dst = dev.buffer(np.zeros((n, 32, 32), np.float32))
    dev.cb(0, pages)
    dev.kernel("dataflow", reader, args=[src.address, n], compile_args=[2, 2048], processor="RISCV_0")
    dev.kernel("dataflow", writer, args=[dst.address, n], compile_args=[2, 2048], processor="RISCV_1")
    return src, dst


def test_copy_through_a_cb_moves_every_page(dev):
    src, dst = copy_program(dev, n=13)  # 13 pages over 12 banks: page 12 wraps to bank 0, second row
    dev.launch()
    assert np.array_equal(src.data, dst.data)


def test_random_schedules_give_the_same_result(dev):
    src, dst = copy_program(dev, n=7)
    dev.launch(seed=11)
    assert np.array_equal(src.data, dst.data)


def violation_of(dev, **kw) -> Violation:
    with pytest.raises(Violation) as info:
        dev.launch(**kw)
    return info.value


def test_push_before_barrier_is_a_race(dev):
    copy_program(dev, reader=READ_ONE.replace("noc_async_read_barrier();", ""))
    v = violation_of(dev)
    assert v.check == "race" and v.location.line == 12 and "kernel0.cpp:10" in v.message


def test_pop_before_write_barrier_is_a_race(dev):
    copy_program(dev, writer=DRAIN.replace("noc_async_write_barrier();", ""))
    v = violation_of(dev)
    assert v.check == "race" and "still sending" in v.message


def test_ending_with_writes_in_flight(dev):
    writer = DRAIN.replace("        noc_async_write_barrier();\n        cb_pop_front(tt::CBIndex::c_0, 1);\n", "")
    copy_program(dev, n=1, writer=writer)
    v = violation_of(dev)
    assert v.check == "missing-barrier" and "noc_async_write_barrier" in v.message and v.location.line == 10


def test_deadlock_names_each_blocked_thread(dev):
    copy_program(dev, reader=READ_ONE.replace("cb_push_back(tt::CBIndex::c_0, 1);", ""))
    v = violation_of(dev)
    assert v.check == "deadlock"
    text = str(v)
    # The reader never pushes, so it never fills the CB and finishes; the writer waits forever.
    assert "all 1 live threads are blocked" in text
    assert "kernel1.cpp on core (0,0): blocked at kernel1.cpp:9 in cb_wait_front(c_0, 1): 0 of 1 pages" in text


def test_deadlock_of_a_full_cb(dev):
    copy_program(dev, writer=DRAIN.replace("cb_pop_front(tt::CBIndex::c_0, 1);", ""))
    text = str(violation_of(dev))
    # The writer re-reads the same front page without popping and finishes; the reader finds the CB full.
    assert "all 1 live threads are blocked" in text
    assert "kernel0.cpp on core (0,0): blocked at kernel0.cpp:9 in cb_reserve_back(c_0, 1): 0 of 1 pages free" in text


def test_reserve_larger_than_the_cb(dev):
    copy_program(dev, reader=READ_ONE.replace("cb_reserve_back(tt::CBIndex::c_0, 1)", "cb_reserve_back(tt::CBIndex::c_0, 3)"))
    v = violation_of(dev)
    assert v.check == "cb-protocol" and "can never succeed" in v.message


def test_reservation_that_wraps_the_ring(dev):
    reader = READ_ONE.replace("cb_reserve_back(tt::CBIndex::c_0, 1);", "cb_reserve_back(tt::CBIndex::c_0, 2);")
    copy_program(dev, reader=reader, pages=3)
    v = violation_of(dev)
    assert v.check == "cb-config" and "wraps past the end" in v.message


def test_pages_left_in_a_cb_are_a_warning(dev):
    """The firmware resets CBs for the next program, so leftover pages are reported but fail nothing."""
    copy_program(dev, n=3, writer=DRAIN.replace("i < n", "i < n - 1"))
    dev.launch()
    (w,) = dev.model.warnings
    assert w.check == "cb-not-drained" and "1 page" in w.message


def test_reservations_are_cumulative(dev):
    """cb_reserve_back(2) after cb_reserve_back(4) still holds 4 pages (it moves no pointer): pushing 4 is fine."""
    reader = READ_ONE.replace("""        cb_reserve_back(tt::CBIndex::c_0, 1);
        noc_async_read_page(i, src, get_write_ptr(tt::CBIndex::c_0));
        noc_async_read_barrier();
        cb_push_back(tt::CBIndex::c_0, 1);""", """        cb_reserve_back(tt::CBIndex::c_0, 4);
        cb_reserve_back(tt::CBIndex::c_0, 2);
        for (uint32_t p = 0; p < 4; ++p) {
            noc_async_read_page(4 * i + p, src, get_write_ptr(tt::CBIndex::c_0) + p * 2048);
        }
        noc_async_read_barrier();
        cb_push_back(tt::CBIndex::c_0, 4);""").replace("i < n", "i < n / 4")
    src, dst = copy_program(dev, n=8, reader=reader, pages=4)
    dev.launch()
    assert np.array_equal(src.data, dst.data)


DRAIN_PAIRS = """
void kernel_main() {
    uint32_t addr = get_arg_val<uint32_t>(0);
    uint32_t n = get_arg_val<uint32_t>(1);
    constexpr auto args = TensorAccessorArgs<0>();
    const auto dst = TensorAccessor(args, addr);
    for (uint32_t i = 0; i < n; i += 2) {
        cb_wait_front(tt::CBIndex::c_0, 2);
        noc_async_write_page(i, dst, get_read_ptr(tt::CBIndex::c_0));
        noc_async_write_page(i + 1, dst, get_read_ptr(tt::CBIndex::c_0) + 2048);
        noc_async_write_barrier();
        cb_pop_front(tt::CBIndex::c_0, 2);
    }
}
"""


def test_read_into_a_page_its_consumer_has_yet_to_pop(dev):
    """The second read lands one page before the reserved one: on page 0, pushed and not yet popped."""
    reader = READ_ONE.replace("get_write_ptr(tt::CBIndex::c_0)", "get_write_ptr(tt::CBIndex::c_0) - 2048 * i")
    copy_program(dev, n=2, reader=reader, writer=DRAIN_PAIRS)
    v = violation_of(dev)
    assert v.check == "cb-protocol" and "page 0 holds data pushed with cb_push_back and not yet popped" in v.message


def test_free_cb_pages_may_be_used_as_scratch(dev):
    """The hardware checks no window: a page nobody holds is plain L1 (the copy then lands on the wrong page,
    which the data shows, not the protocol)."""
    reader = READ_ONE.replace("get_write_ptr(tt::CBIndex::c_0)", "get_write_ptr(tt::CBIndex::c_0) + 2048")
    src, dst = copy_program(dev, n=1, reader=reader)
    dev.launch()
    assert not np.array_equal(src.data, dst.data)


def test_misaligned_read(dev):
    copy_program(dev, reader=READ_ONE.replace("get_write_ptr(tt::CBIndex::c_0)", "get_write_ptr(tt::CBIndex::c_0) + 4"))
    assert violation_of(dev).check == "noc-alignment"


def test_page_id_past_the_buffer(dev):
    copy_program(dev, reader=READ_ONE.replace("noc_async_read_page(i,", "noc_async_read_page(i + 5,"))
    v = violation_of(dev)
    assert v.check == "noc-bounds" and "page 5" in v.message


def test_wrong_buffer_address(dev):
    src, dst = copy_program(dev)
    dev.model.kernels[0].runtime_args[(0, 0)][0] = 0x100
    v = violation_of(dev)
    assert v.check == "noc-bounds" and "not inside any buffer" in v.message


def test_missing_runtime_arg(dev):
    copy_program(dev)
    dev.model.kernels[0].runtime_args[(0, 0)] = [dev.model.kernels[0].runtime_args[(0, 0)][0]]
    v = violation_of(dev)
    assert v.check == "runtime-args" and "get_arg_val(1)" in v.message


def test_missing_compile_time_arg(dev):
    copy_program(dev)
    dev.model.kernels[1].compile_args = [2]
    v = violation_of(dev)
    assert v.check == "runtime-args" and "get_compile_time_arg_val(1)" in v.message


def test_endless_loop_hits_the_step_budget(dev):
    dev.kernel("dataflow", "void kernel_main() { uint32_t i = 0; while (true) { i += 1; } }")
    v = violation_of(dev, max_steps=10_000)
    assert v.check == "budget" and v.location.line == 1


def test_poisoned_landing_zone_until_the_barrier(dev):
    """Data read without waiting for the barrier is NaN, not the right values."""
    reader = READ_ONE.replace("noc_async_read_barrier();\n        cb_push_back", "cb_push_back")
    copy_program(dev, n=1, reader=reader)
    v = violation_of(dev)
    assert v.check == "race"


def test_l1_overflow_at_launch(dev):
    dev.cb(0, 700)  # 700 bf16 tiles = 1.4 MB
    dev.kernel("dataflow", "void kernel_main() {}")
    v = violation_of(dev)
    assert v.check == "l1-overflow" and "usable" in v.message


def test_two_kernels_on_one_processor(dev):
    dev.kernel("dataflow", "void kernel_main() {}", processor="RISCV_0")
    dev.kernel("dataflow", "void kernel_main() {}", processor="RISCV_0")
    assert violation_of(dev).check == "host-api"


def test_copied_values_decode_back(dev):
    src, dst = copy_program(dev, n=2)
    dev.launch()
    got = decode_tile(dst.data[2048:4096], "bfloat16")
    want = decode_tile(src.data[2048:4096], "bfloat16")
    assert np.array_equal(got, want)


FILL = """
#include "api/dataflow/dataflow_api.h"
void kernel_main() {
    uint32_t words = get_arg_val<uint32_t>(0);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    volatile tt_l1_ptr uint32_t* page = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(get_write_ptr(tt::CBIndex::c_0));
    for (uint32_t w = 0; w < words; ++w) {
        page[w] = w;
    }
    cb_push_back(tt::CBIndex::c_0, 1);
    cb_wait_front(tt::CBIndex::c_0, 1);
    cb_pop_front(tt::CBIndex::c_0, 1);
}
"""


@pytest.mark.parametrize("words,fragment", [(512, None), (513, "lies in no CB, no L1 buffer and no semaphore")])
def test_pointer_writes_stay_in_a_cb(dev, words, fragment):
    # a bfloat16 page is 512 words; the CB is the only one on the core, so word 512 is unallocated L1
    dev.cb(0, 1)
    dev.kernel("dataflow", FILL, args=[words])
    if fragment is None:
        dev.launch()
        return
    with pytest.raises(Violation) as info:
        dev.launch()
    assert info.value.check == "noc-bounds" and fragment in str(info.value)


FILE_SCOPE_CB = """
#include "api/dataflow/dataflow_api.h"
constexpr uint32_t cb_id = get_compile_time_arg_val(0);
constexpr uint32_t pages = get_compile_time_arg_val(1) + 0 * cb_id;
void kernel_main() {
    constexpr auto args = TensorAccessorArgs<2>();
    const auto src = TensorAccessor(args, get_arg_val<uint32_t>(0));
    const auto dst = TensorAccessor(args, get_arg_val<uint32_t>(1));
    for (uint32_t i = 0; i < pages; ++i) {
        cb_reserve_back(cb_id, 1);
        noc_async_read_page(i, src, get_write_ptr(cb_id));
        noc_async_read_barrier();
        cb_push_back(cb_id, 1);
        cb_wait_front(cb_id, 1);
        noc_async_write_page(i, dst, get_read_ptr(cb_id));
        noc_async_write_barrier();
        cb_pop_front(cb_id, 1);
    }
}
"""


def test_file_scope_constants_read_each_kernels_own_compile_args(dev):
    # One file, two kernels with different compile-time args: each sees its own, as production kernels rely on.
    a, b = dev.buffer(tiles(4)), dev.buffer(tiles(4, seed=1))
    a_out, b_out = dev.buffer(np.zeros((4, 32, 32), np.float32)), dev.buffer(np.zeros((4, 32, 32), np.float32))
    dev.cb(0, 1)
    dev.cb(1, 1)
    dev.kernel("dataflow", FILE_SCOPE_CB, args=[a.address, a_out.address], compile_args=[0, 3, 2, 2048])
    dev.kernel("dataflow", FILE_SCOPE_CB, args=[b.address, b_out.address], compile_args=[1, 2, 2, 2048],
               processor="RISCV_1")
    dev.launch()
    page = 2048
    assert np.array_equal(a_out.data[:3 * page], a.data[:3 * page]) and not a_out.data[3 * page:].any()
    assert np.array_equal(b_out.data[:2 * page], b.data[:2 * page]) and not b_out.data[2 * page:].any()


def test_named_compile_time_args(dev):
    named = (FILE_SCOPE_CB.replace("get_compile_time_arg_val(0)", 'get_named_compile_time_arg_val("cb_in")')
             .replace("get_compile_time_arg_val(1)", 'get_named_compile_time_arg_val("num_pages")'))
    a, a_out = dev.buffer(tiles(4)), dev.buffer(np.zeros((4, 32, 32), np.float32))
    dev.cb(3, 1)
    dev.kernel("dataflow", named, args=[a.address, a_out.address], compile_args=[0, 0, 2, 2048],
               named_compile_args={"cb_in": 3, "num_pages": 4})
    dev.launch()
    assert np.array_equal(a_out.data, a.data)


def test_named_compile_time_arg_missing(dev):
    named = FILE_SCOPE_CB.replace("get_compile_time_arg_val(1)", 'get_named_compile_time_arg_val("num_pages")')
    dev.cb(0, 1)
    dev.kernel("dataflow", named, args=[0, 0], compile_args=[0, 0, 2, 2048], named_compile_args={"cb_in": 0})
    with pytest.raises(Violation) as info:
        dev.launch()
    assert info.value.check == "runtime-args" and '"num_pages"' in str(info.value) and "cb_in" in str(info.value)
    assert info.value.location.line == 4


DEBUG = """
#include "api/dataflow/dataflow_api.h"
#include "api/debug/dprint.h"
void kernel_main() {
    uint32_t n = get_arg_val<uint32_t>(0);
    uint32_t capped = std::min(n, 8u) + std::max(0u, UINT32_MAX - UINT32_MAX);
    DPRINT("n={} capped={}\\n", n, capped);
    ASSERT(capped < 8);
}
"""


def test_dprint_std_min_and_assert(dev):
    dev.kernel("dataflow", DEBUG, args=[5])
    dev.launch()
    dev2 = type(dev)()
    dev2.kernel("dataflow", DEBUG, args=[12])
    with pytest.raises(Violation) as info:
        dev2.launch()
    assert info.value.check == "kernel-assert" and info.value.location.line == 8


def test_legacy_stream_dprint_does_not_compile(dev):
    legacy = DEBUG.replace('DPRINT("n={} capped={}\\n", n, capped);', 'DPRINT << "n=" << n << ENDL();')
    with pytest.raises(CompileError, match=r":7: 'DPRINT' is a function, not a value"):
        dev.kernel("dataflow", legacy, args=[5])
        dev.launch()


def test_dprint_lines_are_kept_per_kernel_instance(dev):
    dev.kernel("dataflow", DEBUG.replace("ASSERT(capped < 8);", ""), args=[12])
    dev.launch()
    (thread,) = dev.model.threads
    assert thread.kernel.printed == ["n=12 capped=8\n"]


OWN_ADDRESS = """
#include "api/dataflow/dataflow_api.h"
void kernel_main() {
    uint32_t vx = get_arg_val<uint32_t>(0);
    uint32_t vy = get_arg_val<uint32_t>(1);
    ASSERT(get_noc_addr(0x2000) == get_noc_addr(vx, vy, 0x2000));
    ASSERT(get_noc_addr(0x2000, 1) == get_noc_addr(vx, vy, 0x2000));
}
"""


def test_get_noc_addr_of_an_own_l1_address(passes_then_fails):
    from ttgen import arch

    start = arch.VIRTUAL_TENSIX_START
    violation = passes_then_fails(lambda run, args: run.kernel("dataflow", OWN_ADDRESS, args=args),
                                  [start, start], [start + 1, start])
    assert "ASSERT failed" in str(violation)


FORMAT_AND_COORDS = """
#include "api/dataflow/dataflow_api.h"
void kernel_main() {
    uint32_t vx = get_arg_val<uint32_t>(0);
    uint32_t vy = get_arg_val<uint32_t>(1);
    ASSERT(get_dataformat(tt::CBIndex::c_0) == DataFormat::Float16_b);
    ASSERT(my_x[noc_index] == vx && my_y[0] == vy);
}
"""


def test_get_dataformat_and_my_xy(passes_then_fails):
    from ttgen import arch

    start = arch.VIRTUAL_TENSIX_START

    def setup(run, fmt):
        run.cb(0, 1, fmt=fmt)
        run.kernel("dataflow", FORMAT_AND_COORDS, args=[start, start])

    violation = passes_then_fails(setup, "bfloat16", "float32")  # bfloat16 = DataFormat::Float16_b
    assert violation.check == "kernel-assert" and violation.location.line == 6


NOC_OF_KERNEL = """
#include "api/dataflow/dataflow_api.h"
void kernel_main() {
    ASSERT(NOC_INDEX == get_arg_val<uint32_t>(0) && noc_index == NOC_INDEX);
}
"""


@pytest.mark.parametrize("noc", [0, 1])
def test_noc_index_is_the_kernels_noc(passes_then_fails, noc):
    violation = passes_then_fails(lambda run, expected: run.kernel("dataflow", NOC_OF_KERNEL, args=[expected], noc=noc),
                                  noc, 1 - noc)
    assert "ASSERT failed" in str(violation)


ARG_LIST = """
#include "api/dataflow/dataflow_api.h"
void kernel_main() {
    uint32_t n = get_arg_val<uint32_t>(0);
    tt_l1_ptr uint32_t* items = (tt_l1_ptr uint32_t*)(get_arg_addr(1));
    auto common = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(get_common_arg_addr(0));
    uint32_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        sum += items[i];
    }
    ASSERT(sum + common[0] == 100);
}
"""


def test_runtime_args_read_through_get_arg_addr(passes_then_fails):
    def setup(run, n):
        run.kernel("dataflow", ARG_LIST, args=[n, 10, 20, 30]).common_args = [40]

    violation = passes_then_fails(setup, 3, 4)  # 4 reads one arg past the host's list
    assert violation.check == "runtime-args" and "runtime arg 4 read through a pointer" in str(violation)
    assert violation.location.line == 9


TEMPLATE_POINTER = """
#include "api/dataflow/dataflow_api.h"
template <typename T>
uint32_t read_as(const uint32_t l1_addr, const uint32_t index) {
    volatile tt_l1_ptr T* ptr = reinterpret_cast<volatile tt_l1_ptr T*>(l1_addr);
    return ptr[index];
}
void kernel_main() {
    cb_reserve_back(tt::CBIndex::c_0, 1);
    uint32_t base = get_write_ptr(tt::CBIndex::c_0);
    volatile tt_l1_ptr uint32_t* words = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(base);
    words[0] = 0x00050003;
    ASSERT(read_as<uint16_t>(base, 0) == 3 && read_as<uint16_t>(base, 1) == 5 && read_as<uint32_t>(base, 0) == 0x50003);
}
"""


def test_pointer_types_of_a_function_template_take_its_type_argument(dev):
    dev.cb(0, 1)
    dev.kernel("dataflow", TEMPLATE_POINTER)
    dev.launch()


# ----- the legacy address generators ---------------------------------------------------------------------------

ADDRGEN_READER = """
void kernel_main() {
    const uint32_t addr = get_arg_val<uint32_t>(0);
    const uint32_t n = get_arg_val<uint32_t>(1);
    const InterleavedAddrGenFast<true> src = {
        .bank_base_address = addr,
        .page_size = get_tile_size(tt::CBIndex::c_0),
        .data_format = DataFormat::Float16_b,
    };
    for (uint32_t i = 0; i < n; i++) {
        cb_reserve_back(tt::CBIndex::c_0, 1);
        noc_async_read_tile(i, src, get_write_ptr(tt::CBIndex::c_0));
        noc_async_read_barrier();
        cb_push_back(tt::CBIndex::c_0, 1);
    }
}
"""


def test_interleaved_addr_gen_fast_reads_every_tile(dev):
    src, dst = copy_program(dev, n=13, reader=ADDRGEN_READER)
    dev.launch()
    assert np.array_equal(src.data, dst.data)


def test_interleaved_addr_gen_fast_strides_by_its_data_format(dev):
    """Rows are one tile of `data_format` apart: naming Float32 for bfloat16 pages reads the wrong bytes."""
    src, dst = copy_program(dev, n=13, reader=ADDRGEN_READER.replace("DataFormat::Float16_b", "DataFormat::Float32"))
    dev.launch()
    # pages 0..11 sit in row 0 of their bank, page 12 in row 1: 4096 B in, which is the next buffer's first row
    assert np.array_equal(src.pages()[:12], dst.pages()[:12]) and not np.array_equal(src.pages()[12], dst.pages()[12])


def test_interleaved_addr_gen_aligns_its_pages(dev):
    reader = ADDRGEN_READER.replace("InterleavedAddrGenFast<true> src = {", "InterleavedAddrGen<true> src = {") \
        .replace("        .data_format = DataFormat::Float16_b,\n", "")
    src, dst = copy_program(dev, n=13, reader=reader)
    dev.launch()
    assert np.array_equal(src.data, dst.data)


def test_local_cb_interface_reads_the_fifo_registers(dev):
    """In bytes on a data-movement core: the write pointer is get_write_ptr, and it moves by a page per push."""
    reader = READ_ONE.replace("        cb_push_back(tt::CBIndex::c_0, 1);", """        cb_push_back(tt::CBIndex::c_0, 1);
        const auto& fifo = get_local_cb_interface(tt::CBIndex::c_0);
        ASSERT(fifo.fifo_page_size == 2048 && fifo.fifo_num_pages == 2 && fifo.fifo_size == 4096);
        ASSERT(fifo.fifo_wr_ptr == fifo.fifo_limit - fifo.fifo_size + ((i + 1) % 2) * fifo.fifo_page_size);""")
    copy_program(dev, n=5, reader=reader)
    dev.launch()
    copy_program(dev := type(dev)(), n=5, reader=reader.replace("((i + 1) % 2)", "(i % 2)"))
    assert violation_of(dev).check == "kernel-assert"
    moved = READ_ONE.replace("        cb_push_back(tt::CBIndex::c_0, 1);",
                             "        get_local_cb_interface(tt::CBIndex::c_0).fifo_wr_ptr = 0;\n        cb_push_back(tt::CBIndex::c_0, 1);")
    copy_program(dev := type(dev)(), n=1, reader=moved)
    assert violation_of(dev).check == "unmodelled"


def test_safe_get_noc_addr_takes_virtual_coordinates(dev):
    src = """
void kernel_main() {
    ASSERT(safe_get_noc_addr(18, 18, 0x20000) == get_noc_addr(18, 18, 0x20000));
    uint64_t physical = safe_get_noc_addr(1, 1, 0x20000);
}
"""
    dev.kernel("dataflow", src)
    v = violation_of(dev)
    assert v.check == "unmodelled" and v.location.line == 4


# ----- pointer checks stay on once a page has been verified --------------------------------------------------------

WRITE_AFTER_PUSH = """
#include "api/dataflow/dataflow_api.h"
void kernel_main() {
    uint32_t again = get_arg_val<uint32_t>(0);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    volatile tt_l1_ptr uint32_t* page = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(get_write_ptr(tt::CBIndex::c_0));
    for (uint32_t w = 0; w < 8; ++w) {
        page[w] = w;
    }
    cb_push_back(tt::CBIndex::c_0, 1);
    if (again) {
        page[0] = 7;  // the page now belongs to the consumer
    }
    cb_wait_front(tt::CBIndex::c_0, 1);
    cb_pop_front(tt::CBIndex::c_0, 1);
}
"""


def test_a_verified_page_is_checked_again_when_the_cb_moves_on(passes_then_fails):
    def setup(run, again):
        run.cb(0, 1)
        run.kernel("dataflow", WRITE_AFTER_PUSH, args=[again])

    violation = passes_then_fails(setup, 0, 1)
    assert violation.check == "cb-protocol" and "pushed with cb_push_back" in str(violation)


READ_DURING_NOC_READ = """
#include "api/dataflow/dataflow_api.h"
void kernel_main() {
    uint32_t addr = get_arg_val<uint32_t>(0);
    uint32_t barrier_first = get_arg_val<uint32_t>(1);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    volatile tt_l1_ptr uint32_t* page = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(get_write_ptr(tt::CBIndex::c_0));
    uint32_t before = page[0];  // this read is verified once
    const InterleavedAddrGenFast<true> src = {
        .bank_base_address = addr, .page_size = 2048, .data_format = DataFormat::Float16_b};
    noc_async_read_tile(0, src, get_write_ptr(tt::CBIndex::c_0));
    if (barrier_first) {
        noc_async_read_barrier();
    }
    uint32_t after = page[0];
    noc_async_read_barrier();
    ASSERT(before + after >= 0);
    cb_push_back(tt::CBIndex::c_0, 1);
    cb_wait_front(tt::CBIndex::c_0, 1);
    cb_pop_front(tt::CBIndex::c_0, 1);
}
"""


def test_a_verified_page_still_sees_a_noc_read_in_flight(passes_then_fails):
    def setup(run, barrier_first):
        buf = run.buffer(np.zeros((1, 32, 32), np.float32))
        run.cb(0, 1)
        run.kernel("dataflow", READ_DURING_NOC_READ, args=[buf.address, barrier_first])

    violation = passes_then_fails(setup, 1, 0)
    assert violation.check == "race"


TILE_SHAPE = """
#include "api/dataflow/dataflow_api.h"
void kernel_main() {
    ASSERT(get_tile_hw(tt::CBIndex::c_0) == 1024 && get_tile_num_faces(tt::CBIndex::c_0) == 4);
    ASSERT(unpack_tile_r_dim[tt::CBIndex::c_0] == 32 && unpack_tile_size[tt::CBIndex::c_0] == EXPECTED);
    ASSERT(sqrtf(16.0f) == 4.0f);
}
"""


@pytest.mark.parametrize("expected,fails", [(2048, False), (4096, True)])
def test_data_movement_reads_the_cb_descriptors(dev, expected, fails):
    dev.cb(0, 1)
    dev.kernel("dataflow", TILE_SHAPE.replace("EXPECTED", str(expected)))
    if fails:
        with pytest.raises(Violation):
            dev.launch()
    else:
        dev.launch()
