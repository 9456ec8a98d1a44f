"""4.1 FlashAttention forward: causal and non-causal, chunk shapes, and the online-softmax steps a mutant drops."""

import pytest

from ttgen import testing
from ttgen.errors import SpecError
from ttgen.paths import PROJECT_ROOT


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def assert_numerically_wrong(report):
    assert report.violation is None, str(report.violation)
    assert not report.ok


SMALL = {"B": 1, "H": 2, "S": 256, "D": 64}


def test_default_spec_is_causal_and_passes(rendered):
    assert_passes(testing.run(rendered("flash_attention_fwd")))


def test_non_causal(rendered):
    assert_passes(testing.run(rendered("flash_attention_fwd", sizes=SMALL, compute={"causal": False})))


@pytest.mark.parametrize("q,kv", [(32, 128), (128, 64), (64, 64)])
def test_causal_with_other_chunk_shapes(rendered, q, kv):
    # K/V chunks shorter than, equal to and longer than the query chunk: the diagonal falls inside or across them
    folder = rendered("flash_attention_fwd", sizes=SMALL, schedule={"grid": [2, 2], "chunks": {"q": q, "kv": kv}})
    assert_passes(testing.run(folder))


def test_head_dim_128_and_uneven_units_per_core(rendered):
    # 2 heads x 4 query chunks = 8 units over 3 cores
    folder = rendered("flash_attention_fwd", sizes={**SMALL, "D": 128}, schedule={"grid": [3, 1]},
                      compute={"causal": False})
    assert_passes(testing.run(folder))


@pytest.fixture(scope="module")
def small(rendered):
    return rendered("flash_attention_fwd", sizes=SMALL, compute={"causal": False})


def test_unrescaled_running_values_fail(small, tmp_path):
    # alpha = exp(m_prev - m) becomes exp(0): neither the row sums nor the accumulator are rescaled
    folder = testing.copy_folder(small, tmp_path / "fa")
    testing.mutate(folder, "compute", r"(sub_tiles(_init)?)\(cb_max_prev, cb_max_cur", r"\1(cb_max_cur, cb_max_cur", count=2)
    assert_numerically_wrong(testing.run(folder))


def test_unrescaled_accumulator_fails(small, tmp_path):
    folder = testing.copy_folder(small, tmp_path / "fa")
    testing.mutate(folder, "compute", r"mul_bcast_cols_init_short\(cb_o_prev, cb_alpha\)",
                   "copy_tile_to_dst_init_short(cb_o_prev)")
    testing.mutate(folder, "compute", r"mul_tiles_bcast_cols\(cb_o_prev, cb_alpha, (.*), i, 0\)",
                   r"copy_tile(cb_o_prev, \1, 0)")
    assert_numerically_wrong(testing.run(folder))


def test_dropped_max_subtraction_fails(small, tmp_path):
    # P = exp(S) instead of exp(S - m) while the sums and accumulator are still rescaled by the running max
    folder = testing.copy_folder(small, tmp_path / "fa")
    testing.mutate(folder, "compute", r"sub_bcast_cols_init_short\(cb_s, cb_max_cur\)",
                   "copy_tile_to_dst_init_short(cb_s)")
    testing.mutate(folder, "compute", r"sub_tiles_bcast_cols\(cb_s, cb_max_cur, j0 \+ j, i - 1, j\)",
                   "copy_tile(cb_s, j0 + j, j)")
    assert_numerically_wrong(testing.run(folder))


def test_mask_added_off_the_diagonal_fails(rendered, tmp_path):
    folder = testing.copy_folder(rendered("flash_attention_fwd", sizes=SMALL), tmp_path / "fa")
    # the mask goes onto the first tile of the diagonal's DST section instead of the diagonal tile
    testing.mutate(folder, "compute", r"\(cb_mask, 0, n - 1\)", "(cb_mask, 0, 0)")
    report = testing.run(folder)
    assert not report.ok or report.violation is not None


def test_causal_reads_only_chunks_at_or_below_the_diagonal(rendered):
    H, S, D, q_chunk, kv_chunk = 4, 512, 64, 64, 128
    report = testing.run(rendered("flash_attention_fwd"))
    assert_passes(report)
    chunks = sum(-(-(c + 1) * q_chunk // kv_chunk) for c in range(S // q_chunk))  # 20 of the 32 per head
    kv_chunk_bytes = 2 * kv_chunk * D * 2  # K and V
    assert report.dram_read_bytes == H * S * D * 2 + H * chunks * kv_chunk_bytes
    assert report.dram_written_bytes == H * S * D * 2


MULTICAST = {"multicast": {"operand": "K", "along": "row"}}


def test_kv_multicast_reads_each_chunk_once_per_grid_row(rendered):
    # 2 heads x 4 query chunks: each grid row of 4 cores runs one head's query chunks; its first core reads K/V
    H, S, D = 2, 256, 64
    report = testing.run(rendered("flash_attention_fwd", sizes=SMALL, compute={"causal": False},
                                  schedule={"grid": [4, 2], **MULTICAST}))
    assert_passes(report)
    assert report.dram_read_bytes == H * S * D * 2 + H * 2 * S * D * 2  # Q, then K and V once per head
    assert report.dram_written_bytes == H * S * D * 2


def test_kv_multicast_with_several_units_per_core(rendered):
    # 2 heads x 8 query chunks over a 4 x 1 grid: each core runs 4 units, the row shares every K/V stream
    folder = rendered("flash_attention_fwd", sizes={**SMALL, "S": 512}, compute={"causal": False},
                      schedule={"grid": [4, 1], "chunks": {"q": 64, "kv": 64}, **MULTICAST})
    assert_passes(testing.run(folder))


@pytest.mark.parametrize("compute,schedule,fragment", [
    ({"causal": True}, {"grid": [4, 1], **MULTICAST}, "non-causal"),
    ({"causal": False}, {"grid": [4, 1], "multicast": {"operand": "V", "along": "row"}}, "operand: K, along: row"),
    ({"causal": False}, {"grid": [3, 1], **MULTICAST}, "multiple of the grid's width 3"),
])
def test_kv_multicast_rejects_what_it_cannot_share(compute, schedule, fragment, tmp_path):
    spec = testing.variant(PROJECT_ROOT / "specs" / "flash_attention_fwd.yaml", tmp_path / "fa", sizes=SMALL,
                           compute=compute, schedule=schedule)
    with pytest.raises(SpecError) as info:
        testing.render_spec(spec, tmp_path / "out")
    assert fragment in str(info.value)
