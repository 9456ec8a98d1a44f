"""Template branches the committed specs do not take must compile too: render variants and run g++ on them."""

import pytest

from ttgen import testing
from ttgen.compile.builds import collect_builds
from ttgen.compile.host import check_host
from ttgen.compile.kernels import SFPI_NOTE, check_builds, errors
from ttgen.paths import PROJECT_ROOT

VARIANTS = {
    "splitk_cross_core": ("splitk_gemm", {"schedule": {"grid": [4, 4], "split_k": {"factor": 4,
                                                                                 "reduction": "cross_core"}}}),
    "splitk_fp32_partials": ("splitk_gemm", {"schedule": {"grid": [2, 2], "dst": {"fp32_accumulation": True},
                                                          "split_k": {"factor": 2}}}),
    "blocked_fp32_partials": ("gemm_double_buffer", {"sizes": {"M": 128, "N": 128, "K": 128}, "schedule": {
        "grid": [2, 2], "dst": {"fp32_accumulation": True},
        "block": {"in0_block_w": 1, "per_core_m": 2, "per_core_n": 4}}}),
    "blocked_dst_accumulate": ("gemm_double_buffer", {"sizes": {"M": 128, "N": 128, "K": 128}, "schedule": {
        "grid": [2, 2], "block": {"in0_block_w": 2, "per_core_m": 2, "per_core_n": 2}}}),
    "cast_fp32_to_bf16": ("cast", {"inputs": {"A": {"shape": ["M", "N"], "dtype": "float32"}},
                                   "outputs": {"B": {"shape": ["M", "N"], "dtype": "bfloat16"}}}),
    "cast_bfp8_to_fp32": ("cast", {"inputs": {"A": {"shape": ["M", "N"], "dtype": "bfloat8_b"}},
                                   "outputs": {"B": {"shape": ["M", "N"], "dtype": "float32"}}}),
    "reduction_cols_max": ("reduction", {"compute": {"op": "max", "dim": "cols"},
                                         "outputs": {"R": {"shape": ["N"], "dtype": "bfloat16"}}}),
    "reduction_all_mean": ("reduction", {"compute": {"op": "mean", "dim": "all"}, "schedule": {"grid": [1, 1]},
                                         "outputs": {"R": {"shape": [1], "dtype": "bfloat16"}}}),
    "gemv_broadcast": ("gemv", {"compute": {"vector_layout": "broadcast_rows"}}),
    "conv2d_column_multicast": ("conv2d", {"schedule": {"grid": [2, 3], "multicast": {"operand": "Wt",
                                                                                      "along": "column"}}}),
    "elementwise_sfpu_chain": ("multi_elementwise", {"compute": {"expression": "relu(exp(A - B) * C)"}}),
    "elementwise_blocks": ("elementwise_add", {"schedule": {"tiles_per_block": 4}}),
    # without an SFPU feature map both linear-attention compute kernels are fully type-checked
    "linear_attention_identity_causal": ("linear_attention", {"compute": {"feature_map": "identity"}}),
    "linear_attention_identity": ("linear_attention", {"compute": {"feature_map": "identity", "causal": False}}),
    "attention_non_causal": ("flash_attention_fwd", {"compute": {"causal": False}}),
    "fp8_gemm_bf16_carry": ("fp8_gemm", {"schedule": {"grid": [2, 2], "carry": {"A": "bfloat16", "B": "bfloat16"}}}),
    "attention_backward_non_causal": ("flash_attention_bwd", {"compute": {"causal": False}}),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_compiles(headers, tmp_path, name):
    spec, sections = VARIANTS[name]
    path = testing.variant(PROJECT_ROOT / "specs" / f"{spec}.yaml", tmp_path / "spec", **sections)
    folder = testing.render_spec(path, tmp_path / "out")
    host = next((folder / "host").glob("*.cpp"))
    diagnostics = check_builds(collect_builds(folder), headers)
    problems = [*check_host(host), *errors(diagnostics)]
    assert not problems, "\n".join(str(p) for p in problems)
    if name.startswith("linear_attention_identity"):
        assert diagnostics == []
    if name == "elementwise_sfpu_chain":  # SFPU headers need the SFPI toolchain: said, not hidden
        assert [d.message for d in diagnostics] == [SFPI_NOTE]
