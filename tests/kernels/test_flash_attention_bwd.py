"""4.2 FlashAttention backward: three programs, owner cores per accumulator, causal or not."""

import pytest

from ttgen import testing


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


SMALL = {"B": 1, "H": 2, "S": 256, "D": 64}


def test_default_spec_is_causal_and_passes(rendered):
    report = testing.run(rendered("flash_attention_bwd"))
    assert_passes(report)
    assert report.programs == 3 and {c.name for c in report.comparisons} == {"dQ", "dK", "dV"}


def test_non_causal(rendered):
    assert_passes(testing.run(rendered("flash_attention_bwd", sizes=SMALL, compute={"causal": False})))


@pytest.mark.parametrize("q,kv", [(32, 64), (64, 32), (128, 64)])
@pytest.mark.parametrize("causal", [True, False])
def test_chunk_shapes(rendered, q, kv, causal):
    folder = rendered("flash_attention_bwd", sizes=SMALL, compute={"causal": causal},
                      schedule={"grid": [3, 2], "chunks": {"q": q, "kv": kv}})
    assert_passes(testing.run(folder))


def test_head_dim_128(rendered):
    assert_passes(testing.run(rendered("flash_attention_bwd", sizes={**SMALL, "D": 128}, schedule={"grid": [2, 2]})))


def _sub_to_copy(folder, file, cb_a, cb_b, dim):
    testing.mutate(folder, file, rf"sub_bcast_{dim}_init_short\({cb_a}, {cb_b}\)", f"copy_tile_to_dst_init_short({cb_a})")
    testing.mutate(folder, file, rf"sub_tiles_bcast_{dim}\({cb_a}, {cb_b}, (.*), r, 0\)", rf"copy_tile({cb_a}, \1, 0)")


@pytest.mark.parametrize("mutant,wrong", [
    (lambda f: _sub_to_copy(f, r"compute_.*_q\.cpp", "cb_dp", "cb_d_col", "cols"), {"dQ"}),  # no D in dS
    (lambda f: _sub_to_copy(f, r"compute_.*_kv\.cpp", "cb_dpt", "cb_d_row", "rows"), {"dK"}),
    (lambda f: _sub_to_copy(f, r"compute_.*_q\.cpp", "cb_s", "cb_l", "cols"), {"dQ"}),  # P = exp(S), L ignored
    (lambda f: testing.mutate(f, r"compute_.*_kv\.cpp", r"if \(causal && kv_tile0 \+ s == q_tile0 \+ r\)",
                              "if (false)"), {"dK", "dV"}),  # future keys leak into the diagonal tile
    (lambda f: testing.mutate(f, r"compute_.*_pre\.cpp", r"mul_tiles\(cb_do, cb_o, d, d, 0\)",
                              "mul_tiles(cb_do, cb_o, d, 0, 0)"), {"dQ", "dK"}),  # D from the wrong O tile
    (lambda f: testing.mutate(f, r"compute_.*_kv\.cpp", r"accumulate\(cb_dv,", None), {"dV"}),  # dV never summed
])
def test_mutants_fail_on_the_outputs_they_touch(rendered, tmp_path, mutant, wrong):
    folder = testing.copy_folder(rendered("flash_attention_bwd", sizes=SMALL), tmp_path / "bwd")
    mutant(folder)
    report = testing.run(folder)
    assert report.violation is None, str(report.violation)
    assert {c.name for c in report.comparisons if not c.ok} == wrong
