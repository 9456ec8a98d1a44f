"""`ttgen.perf` and `ttgen bench`: work counted from the math, roofline bounds, the bench table and plot."""

from math import prod

import pytest

from ttgen import cli, testing
from ttgen.interp.runner import read_metadata
from ttgen.paths import PROJECT_ROOT
from ttgen.perf import PEAK_FLOPS_PER_CYCLE, analyse, compulsory_bytes, flops


@pytest.mark.parametrize("kernel,expected", [
    ("gemm", 2 * 256 ** 3),
    ("gemv", 2 * 2048 * 512),
    ("flash_attention_fwd", 2 * 4 * 512 * 512 * 0.5 * (64 + 64)),
    ("deepseek_mla", 2 * 8 * 32 * 1024 * (576 + 512)),
    ("elementwise_add", 0.0),
])
def test_flops_from_the_math(kernel, expected):
    assert flops(read_metadata(PROJECT_ROOT / "generated" / kernel)) == expected


def test_the_memory_bound_counts_each_input_and_output_once():
    meta = read_metadata(PROJECT_ROOT / "generated" / "gemm")
    assert compulsory_bytes(meta) == 3 * 256 * 256 * 2  # A, B and C in bfloat16
    meta = read_metadata(PROJECT_ROOT / "generated" / "cast")
    (src,), (dst,) = meta["inputs"].values(), meta["outputs"].values()
    sizes = {"float32": 4, "bfloat16": 2, "bfloat8_b": 1088 / 1024}
    assert compulsory_bytes(meta) == pytest.approx(
        prod(src["shape"]) * sizes[src["dtype"]] + prod(dst["shape"]) * sizes[dst["dtype"]])


def test_gemm_analysis_is_bounded_by_its_roofline():
    folder = PROJECT_ROOT / "generated" / "gemm"
    report = testing.run(folder, timed=True)
    perf = analyse(report, read_metadata(folder))
    assert perf.cycles == report.cycles and 0 < perf.of_roofline <= 1
    assert perf.bound in ("compute", "memory")
    compute_bound = 2 * 256 ** 3 / (16 * PEAK_FLOPS_PER_CYCLE / 4)
    assert perf.roofline_cycles >= compute_bound
    assert 0 < perf.utilisation < 1 and "cycles" in perf.bottleneck


def test_bench_prints_every_kernel_and_draws_the_plot(tmp_path, capsys):
    plot = tmp_path / "roofline.png"
    code = cli.main(["bench", str(PROJECT_ROOT / "specs" / "gemm.yaml"), str(PROJECT_ROOT / "specs" / "cast.yaml"),
                     "--plot", str(plot)])
    out = capsys.readouterr().out
    assert code == 0
    assert "gemm" in out and "cast" in out and "% of roofline" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
