"""The bitonic top-k builtins (topk_local_sort, topk_merge, topk_rebuild) alone, against numpy sorts."""

import numpy as np
import pytest

from ttgen.interp.checks import Violation
from ttgen.numerics.formats import decode_tile

from .test_compute import DRAIN, FEED

SORT = """
void kernel_main() {
    compute_kernel_hw_startup(tt::CBIndex::c_0, tt::CBIndex::c_16);
    cb_wait_front(tt::CBIndex::c_0, 2);
    cb_wait_front(tt::CBIndex::c_1, 2);
    tile_regs_acquire();
    copy_tile_to_dst_init_short(tt::CBIndex::c_0);
    copy_tile(tt::CBIndex::c_0, 0, 0);
    copy_tile(tt::CBIndex::c_0, 1, 1);
    copy_tile_to_dst_init_short(tt::CBIndex::c_1);
    copy_tile(tt::CBIndex::c_1, 0, 2);
    copy_tile(tt::CBIndex::c_1, 1, 3);
    topk_tile_init();
    OPS
    tile_regs_commit();
    tile_regs_wait();
    cb_reserve_back(tt::CBIndex::c_16, 4);
    for (uint32_t t = 0; t < 4; ++t) {
        pack_tile(t, tt::CBIndex::c_16);
    }
    cb_push_back(tt::CBIndex::c_16, 4);
    tile_regs_release();
    cb_pop_front(tt::CBIndex::c_0, 2);
    cb_pop_front(tt::CBIndex::c_1, 2);
}
"""

def window(seed=0):
    """Values with many ties (integers 0..15) and each element's position 0..63 as its index, per column."""
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 16, (64, 32)).astype(np.float32)
    indices = np.repeat(np.arange(64, dtype=np.float32)[:, None], 32, axis=1)
    return values, indices


def run(dev, ops: str, values, indices):
    a = dev.buffer(values.reshape(2, 32, 32), "float32")
    b = dev.buffer(indices.reshape(2, 32, 32), "float32")
    out = dev.buffer(np.zeros((4, 32, 32), np.float32), "float32")
    for index in (0, 1):
        dev.cb(index, 2, "float32")
    dev.cb(16, 4, "float32")
    dev.kernel("dataflow", FEED, args=[a.address, b.address, 2], compile_args=[2, 4096, 2, 4096])
    dev.kernel("compute", SORT.replace("OPS", ops), fp32_dest_acc_en=True,
               unpack_to_dest_fp32=[0, 1])
    dev.kernel("dataflow", DRAIN, args=[out.address, 4], compile_args=[2, 4096], processor="RISCV_1")
    dev.launch()
    tiles = [decode_tile(out.data[i * 4096:(i + 1) * 4096], "float32") for i in range(4)]
    return np.concatenate(tiles[:2]), np.concatenate(tiles[2:])


def sorted_column(v, i, descending=True):
    """Order by value (descending or ascending) with ties by index the way the stable network leaves them."""
    key = -v if descending else v
    order = np.lexsort((i if descending else -i, key))
    return v[order], i[order]


def test_local_sort_makes_alternating_runs_of_32(dev):
    values, indices = window()
    v, i = run(dev, "topk_local_sort<true>(0, 0, 4);", values, indices)
    for c in range(32):
        for start, descending in ((0, True), (32, False)):
            want_v, want_i = sorted_column(values[start:start + 32, c], indices[start:start + 32, c], descending)
            assert np.array_equal(v[start:start + 32, c], want_v)
            assert np.array_equal(i[start:start + 32, c], want_i)


def test_local_sort_to_phase_5_sorts_the_whole_window_ties_to_the_lower_index(dev):
    values, indices = window(1)
    v, i = run(dev, "topk_local_sort<true>(0, 0, 5);", values, indices)
    for c in range(32):
        want_v, want_i = sorted_column(values[:, c], indices[:, c])
        assert np.array_equal(v[:, c], want_v) and np.array_equal(i[:, c], want_i)


@pytest.mark.parametrize("k,logk", [(32, 5), (8, 3), (4, 2)])
def test_sort_merge_rebuild_leaves_the_top_k_of_each_run_pair_sorted(dev, k, logk):
    values, indices = window(2)
    ops = (f"topk_local_sort<true>(0, 0, {logk - 1});\n"
           f"    topk_merge<false, true>(0, 0, {k});\n"
           f"    topk_rebuild<true>(0, false, 0, {k}, {logk}, 0);")
    v, i = run(dev, ops, values, indices)
    for c in range(32):
        for pair in range(64 // (2 * k)):
            span = slice(2 * k * pair, 2 * k * pair + 2 * k)
            want_v, want_i = sorted_column(values[span, c], indices[span, c])
            got = slice(2 * k * pair, 2 * k * pair + k)
            # the surviving run of each pair holds its top k, sorted (directions alternate from decreasing)
            descending = pair % 2 == 0 or k >= 32
            order_v, order_i = (v[got, c], i[got, c]) if descending else (v[got, c][::-1], i[got, c][::-1])
            assert np.array_equal(order_v, want_v[:k])
            if descending:
                assert np.array_equal(order_i, want_i[:k])


def test_merge_without_stable_sort_ignores_indices_but_keeps_the_values(dev):
    values, indices = window(3)
    v, _ = run(dev, "topk_local_sort(0, 0, 4);\n    topk_merge(0, 0, 32);", values, indices)
    for c in range(32):
        assert np.array_equal(np.sort(v[:32, c])[::-1], np.sort(values[:, c])[::-1][:32])


def test_a_k_outside_the_documented_set_is_reported(dev):
    values, indices = window()
    with pytest.raises(Violation) as info:
        run(dev, "topk_merge(0, 0, 12);", values, indices)
    assert info.value.check == "api-argument" and "k = 12" in str(info.value)


def test_the_sfpu_needs_topk_tile_init(dev):
    values, indices = window()
    with pytest.raises(Violation) as info:
        run(dev, "fill_tile_init();\n    topk_merge(0, 0, 32);", values, indices)
    assert info.value.check == "init-mismatch"
