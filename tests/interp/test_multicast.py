"""Semaphores and multicast: the sender/receiver handshake of tt-metal's multicast readers, and its mutants."""

import numpy as np
import pytest

from ttgen.interp.checks import Violation
from ttgen.numerics.formats import decode_tile

# Core (0,0) reads one tile and multicasts it into the same CB of cores (1,0)..(3,0); every core then writes the
# tile it holds to page `core_index` of the output.
SENDER = """
void kernel_main() {
    uint32_t src_addr = get_arg_val<uint32_t>(0);
    uint32_t mcast_x0 = get_arg_val<uint32_t>(1);
    uint32_t mcast_y0 = get_arg_val<uint32_t>(2);
    uint32_t mcast_x1 = get_arg_val<uint32_t>(3);
    uint32_t mcast_y1 = get_arg_val<uint32_t>(4);
    uint32_t num_receivers = get_arg_val<uint32_t>(5);
    constexpr uint32_t cb = tt::CBIndex::c_0;
    constexpr auto args = TensorAccessorArgs<0>();
    const auto src = TensorAccessor(args, src_addr);
    volatile tt_l1_ptr uint32_t* sender_sem = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(get_semaphore(0));
    volatile tt_l1_ptr uint32_t* receiver_sem = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(get_semaphore(1));

    cb_reserve_back(cb, 1);
    uint32_t l1 = get_write_ptr(cb);
    noc_async_read_page(0, src, l1);
    noc_async_read_barrier();
    noc_semaphore_wait(sender_sem, num_receivers);
    noc_semaphore_set(sender_sem, 0);
    uint64_t data_mcast = get_noc_multicast_addr(mcast_x0, mcast_y0, mcast_x1, mcast_y1, l1);
    noc_async_write_multicast(l1, data_mcast, get_tile_size(cb), num_receivers);
    *receiver_sem = 1;
    uint64_t sem_mcast = get_noc_multicast_addr(mcast_x0, mcast_y0, mcast_x1, mcast_y1, get_semaphore(1));
    noc_semaphore_set_multicast(get_semaphore(1), sem_mcast, num_receivers);
    noc_async_write_barrier();
    cb_push_back(cb, 1);
}
"""

RECEIVER = """
void kernel_main() {
    uint32_t sender_x = get_arg_val<uint32_t>(0);
    uint32_t sender_y = get_arg_val<uint32_t>(1);
    constexpr uint32_t cb = tt::CBIndex::c_0;
    volatile tt_l1_ptr uint32_t* receiver_sem = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(get_semaphore(1));

    cb_reserve_back(cb, 1);
    noc_semaphore_set(receiver_sem, 0);
    uint64_t sender_sem = get_noc_addr(sender_x, sender_y, get_semaphore(0));
    noc_semaphore_inc(sender_sem, 1);
    noc_semaphore_wait(receiver_sem, 1);
    cb_push_back(cb, 1);
}
"""

WRITER = """
void kernel_main() {
    uint32_t dst_addr = get_arg_val<uint32_t>(0);
    uint32_t page = get_arg_val<uint32_t>(1);
    constexpr auto args = TensorAccessorArgs<0>();
    const auto dst = TensorAccessor(args, dst_addr);
    cb_wait_front(tt::CBIndex::c_0, 1);
    noc_async_write_page(page, dst, get_read_ptr(tt::CBIndex::c_0));
    noc_async_write_barrier();
    cb_pop_front(tt::CBIndex::c_0, 1);
}
"""

CORES = [(x, 0) for x in range(4)]


def build(dev, sender=SENDER, receiver=RECEIVER, mcast_end=(21, 18), num_receivers=3):
    from ttgen.interp.program import SemaphoreConfig

    tile = np.random.default_rng(0).uniform(-1, 1, (1, 32, 32)).astype(np.float32)
    src = dev.buffer(tile)
    out = dev.buffer(np.zeros((4, 32, 32), np.float32))
    dev.cb(0, 1, cores=CORES)
    dev.model.semaphores += [SemaphoreConfig(CORES, 0, None), SemaphoreConfig(CORES, 0, None)]
    dev.kernel("dataflow", sender, args=[src.address, 19, 18, *mcast_end, num_receivers], compile_args=[2, 2048],
               cores=[(0, 0)])
    dev.kernel("dataflow", receiver, args=[18, 18], cores=CORES[1:])
    writer = dev.kernel("dataflow", WRITER, compile_args=[2, 2048], processor="RISCV_1", cores=CORES)
    writer.runtime_args = {c: [out.address, c[0]] for c in CORES}
    return tile[0], out


def violation_of(dev, **kw) -> Violation:
    with pytest.raises(Violation) as info:
        dev.launch(**kw)
    return info.value


def test_every_receiver_gets_the_tile(dev):
    tile, out = build(dev)
    dev.launch()
    from ttgen.numerics.formats import round_to
    for page in range(4):
        assert np.array_equal(decode_tile(out.data[page * 2048:(page + 1) * 2048], "bfloat16"),
                              round_to(tile, "bfloat16"))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_schedules(dev, seed):
    tile, out = build(dev)
    dev.launch(seed=seed)
    assert not np.isnan(out.data.view(np.uint16)).any()


def test_receiver_without_wait_pushes_data_that_has_not_arrived(dev):
    """The receiver publishes its page before the multicast lands: its writer forwards the CB's poison (NaN),
    as hardware would forward stale bytes. Once popped, the page is free L1 the late multicast may fill."""
    tile, out = build(dev, receiver=RECEIVER.replace("noc_semaphore_wait(receiver_sem, 1);", ""))
    dev.launch()
    assert not np.isnan(decode_tile(out.data[:2048], "bfloat16")).any()  # the sender's own copy is right
    assert all(np.isnan(decode_tile(out.data[i * 2048:(i + 1) * 2048], "bfloat16")).all() for i in (1, 2, 3))


def test_a_sender_that_does_not_wait_for_its_receivers_loses_its_signal(dev):
    """Not waiting for the receivers to reserve, the sender multicasts into CB pages nobody holds (plain L1 to
    the hardware, so no protocol violation) and signals them before they reset their semaphore: they wait
    forever, which the run reports."""
    build(dev, sender=SENDER.replace("noc_semaphore_wait(sender_sem, num_receivers);", ""),
          receiver=RECEIVER.replace("cb_reserve_back(cb, 1);\n", "").replace(
              "noc_semaphore_wait(receiver_sem, 1);", "noc_semaphore_wait(receiver_sem, 1);\n    cb_reserve_back(cb, 1);"))
    v = violation_of(dev)
    assert v.check == "deadlock" and "noc_semaphore_wait" in str(v)


def test_range_one_core_short(dev):
    build(dev, mcast_end=(20, 18))
    v = violation_of(dev)
    assert v.check == "noc-bounds" and "num_dests is 3" in v.message


def test_range_one_core_too_far(dev):
    build(dev, mcast_end=(22, 18))
    v = violation_of(dev)
    assert v.check == "noc-bounds" and "reaches 4 core(s)" in v.message


def test_range_reaching_a_core_outside_the_program(dev):
    from ttgen.interp.device import noc_xy_addr  # noqa: F401 - the rectangle is given in virtual coordinates
    sender = SENDER.replace("noc_semaphore_wait(sender_sem, num_receivers);", "noc_semaphore_wait(sender_sem, 3);")
    build(dev, sender=sender, mcast_end=(22, 18), num_receivers=4)
    v = violation_of(dev)
    assert v.check == "noc-bounds" and "core (4,0), which runs no kernel" in v.message


def test_short_range_with_matching_count_deadlocks(dev):
    build(dev, mcast_end=(20, 18), num_receivers=2)
    v = violation_of(dev)
    assert v.check == "deadlock" and "noc_semaphore_wait" in str(v)


def test_unknown_semaphore(dev):
    build(dev, receiver=RECEIVER.replace("get_semaphore(1)", "get_semaphore(5)"))
    v = violation_of(dev)
    assert v.check == "semaphore" and "semaphore 5 was not created" in v.message


def test_semaphore_inc_of_a_non_semaphore(dev):
    build(dev, receiver=RECEIVER.replace("get_noc_addr(sender_x, sender_y, get_semaphore(0))",
                                         "get_noc_addr(sender_x, sender_y, get_write_ptr(cb))"))
    assert violation_of(dev).check == "semaphore"


@pytest.mark.parametrize("dst, args", [
    ("MulticastEndpoint{}", "{.noc_x_start = mcast_x0, .noc_y_start = mcast_y0, .noc_x_end = mcast_x1, "
                            ".noc_y_end = mcast_y1, .addr = l1}"),
    ("CircularBuffer(cb)", "{.noc_x_start = mcast_x0, .noc_y_start = mcast_y0, .noc_x_end = mcast_x1, "
                           ".noc_y_end = mcast_y1, .offset_bytes = 0}"),
])
def test_object_api_multicast(dev, passes_then_fails, dst, args):
    """Noc::async_write_multicast to a MulticastEndpoint or a CB: the same delivery and checks as the free call."""
    sender = SENDER.replace(
        "    uint64_t data_mcast = get_noc_multicast_addr(mcast_x0, mcast_y0, mcast_x1, mcast_y1, l1);\n"
        "    noc_async_write_multicast(l1, data_mcast, get_tile_size(cb), num_receivers);\n",
        f"    Noc noc;\n    noc.async_write_multicast(CircularBuffer(cb), {dst}, get_tile_size(cb), num_receivers,\n"
        f"                              {{.offset_bytes = 0}}, {args});\n")
    assert "async_write_multicast" in sender
    from ttgen.numerics.formats import round_to

    tile, out = build(dev, sender=sender)
    dev.launch()
    for i in range(4):
        assert np.array_equal(decode_tile(out.data[i * 2048:(i + 1) * 2048], "bfloat16"), round_to(tile, "bfloat16"))
    # the range one core short: the last receiver never gets the tile
    short = sender.replace(".noc_x_end = mcast_x1,", ".noc_x_end = mcast_x1 - 1,")

    def setup(run, source):
        build(run, sender=source)

    assert passes_then_fails(setup, sender, short).check in ("deadlock", "race", "noc-bounds")
