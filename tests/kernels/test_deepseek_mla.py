"""6.2 DeepSeek MLA decode: all heads of a token share one read of its latent cache; V is the latent part."""

import pytest

from ttgen import testing


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec_reads_each_latent_cache_once(rendered):
    report = testing.run(rendered("deepseek_mla"))
    assert_passes(report)
    B, H, S, D, R = 8, 32, 1024, 576, 512
    assert report.dram_read_bytes == B * H * D * 2 + B * S * D * 2  # queries, then every cache exactly once
    assert report.dram_written_bytes == B * H * R * 2


@pytest.mark.parametrize("sizes,schedule", [
    ({"B": 3, "H": 64, "S": 256, "R": 128, "P": 32}, {"grid": [2, 1], "chunks": {"kv": 64}}),
    ({"B": 2, "H": 32, "S": 384, "R": 256, "P": 64}, {"grid": [1, 1], "chunks": {"kv": 128}}),
])
def test_other_shapes(rendered, sizes, schedule):
    assert_passes(testing.run(rendered("deepseek_mla", sizes=sizes, schedule=schedule)))


@pytest.mark.parametrize("pattern,replace", [
    (r"matmul_tiles\(cb_q, cb_k, i \* Dt \+ d, \(j0 \+ j\) \* Dt \+ d, j\);",
     "if (d < Dvt) { matmul_tiles(cb_q, cb_k, i * Dt + d, (j0 + j) * Dt + d, j); }"),  # RoPE columns left out
    (r"matmul_tiles\(cb_p, cb_k, i \* Sk_t \+ j, j \* Dt \+ d, 0\);",
     "matmul_tiles(cb_p, cb_k, i * Sk_t + j, j * Dt + d + Dt - Dvt, 0);"),  # values taken from the wrong columns
])
def test_mutants_fail(rendered, tmp_path, pattern, replace):
    folder = testing.copy_folder(rendered("deepseek_mla", sizes={"B": 2, "S": 256}), tmp_path / "mla")
    testing.mutate(folder, "compute", pattern, replace)
    report = testing.run(folder)
    assert report.violation is None and not report.ok
