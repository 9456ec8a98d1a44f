"""4.5 block-sparse attention: the mask is data; only kept K/V chunks are read."""

import numpy as np
import pytest

from ttgen import arch, reference, testing
from ttgen.interp.runner import read_metadata


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_passes_for_different_masks(rendered, seed):
    # each seed draws another block mask: the same rendered code serves them all
    assert_passes(testing.run(rendered("block_sparse_attention"), seed=seed))


def test_only_kept_chunks_are_read(rendered):
    folder = rendered("block_sparse_attention")
    meta = read_metadata(folder)
    masks = [reference.make_inputs(meta, seed)["block_mask"] for seed in (0, 1)]
    assert not np.array_equal(masks[0], masks[1])
    H, S, D, NQ, NK = 4, 512, 64, 8, 4
    for seed, mask in enumerate(masks):
        report = testing.run(folder, seed=seed)
        assert_passes(report)
        kept = int(np.count_nonzero(mask))
        assert 0 < kept < H * NQ * NK
        chunk_bytes = (S // NK) * D * 2
        mask_row_bytes = -(-NK * 2 // arch.DRAM_ALIGNMENT) * arch.DRAM_ALIGNMENT  # a read moves the aligned page
        expected = H * S * D * 2 + 2 * kept * chunk_bytes + H * NQ * mask_row_bytes
        assert report.dram_read_bytes == expected


def test_reader_ignoring_the_mask_fails(rendered, tmp_path):
    folder = testing.copy_folder(rendered("block_sparse_attention"), tmp_path / "bsa")
    testing.mutate(folder, "reader", r"\(keep\[kc\] & 0x7FFF\) != 0", "true")
    testing.mutate(folder, "reader", r"\(keep\[kc\] & 0x7FFF\) == 0", "false")
    report = testing.run(folder)
    assert report.violation is None and not report.ok


def test_a_query_chunk_with_no_kept_block_is_written_as_zeros(rendered, tmp_path):
    folder = rendered("block_sparse_attention")
    mask = reference.make_inputs(read_metadata(folder), 0)["block_mask"]
    assert not mask[0, 0, -1].any() and mask[0, 0, :-1].any(axis=-1).all()
    assert_passes(testing.run(folder))
    broken = testing.copy_folder(folder, tmp_path / "bsa")
    testing.mutate(broken, "compute", r"if \(num_chunks == 0\) \{", "if (false) {")
    assert not testing.run(broken).ok
