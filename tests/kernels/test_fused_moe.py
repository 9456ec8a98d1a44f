"""5.2 fused MoE: tokens gathered per expert at run time, rows scattered back per (token, slot), slots summed."""

import numpy as np
import pytest

from ttgen import reference, testing
from ttgen.interp.runner import read_metadata


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec_has_a_two_tile_expert_and_an_idle_one(rendered):
    folder = rendered("fused_moe")
    counts = np.bincount(reference.make_inputs(read_metadata(folder), 0)["topk_ids"].astype(int).ravel(),
                         minlength=8)
    assert counts.max() > 32 and counts.min() == 0
    assert_passes(testing.run(folder))


def test_only_routed_tokens_and_the_experts_that_run_are_read(rendered):
    folder = rendered("fused_moe")
    counts = np.bincount(reference.make_inputs(read_metadata(folder), 0)["topk_ids"].astype(int).ravel(),
                         minlength=8)
    T, H, F, k, cores = 64, 128, 256, 2, 8
    report = testing.run(folder)
    assert_passes(report)
    gathered = T * k * H * 2  # one row of X per (token, slot)
    weights = sum(-(-int(n) // 32) for n in counts) * 2 * H * F * 2  # W_up and W_down once per tile row of tokens
    routing = cores * (4096 + 2048 + 4096)  # the routing pages, read by each reader and writer
    combine = k * T * H * 2
    assert report.dram_read_bytes == gathered + weights + routing + combine


@pytest.mark.parametrize("sizes,compute,schedule", [
    ({"T": 96, "E": 4, "TOPK": 3}, {"top_k": 3, "activation": "relu"}, {"grid": [2, 2]}),
    ({"T": 32, "H": 64, "F": 96, "E": 3, "TOPK": 1}, {"top_k": 1, "activation": "identity"}, {"grid": [2, 1]}),
])
def test_other_routings(rendered, sizes, compute, schedule):
    assert_passes(testing.run(rendered("fused_moe", sizes=sizes, compute=compute, schedule=schedule), seed=5))


@pytest.mark.parametrize("file,pattern,replace", [
    (r"compute_.*experts", r"silu_tile\(0\);", None),  # activation dropped
    (r"writer_.*experts", r"uint32_t slot = entry % top_k;", "uint32_t slot = 0;"),  # every row into slot 0
    (r"compute_.*combine", r"slot < top_k; \+\+slot", "slot < 1; ++slot"),  # one slot summed
    (r"reader_.*experts", r"uint32_t token = entry / top_k;", "uint32_t token = entry % top_k;"),  # wrong rows
    (r"reader_.*experts", r"route_w\[row_offset / 2\] = weight_of\[entry\];", "route_w[row_offset / 2] = 0x3F80;"),
])
def test_mutants_fail(rendered, tmp_path, file, pattern, replace):
    folder = testing.copy_folder(rendered("fused_moe"), tmp_path / "moe")
    testing.mutate(folder, file, pattern, replace)
    report = testing.run(folder)
    assert report.violation is None and not report.ok
