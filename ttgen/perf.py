"""Performance report of a timed run: achieved rates, the roofline bound, utilisation and the bottleneck.

The work of a kernel is counted from its metadata (the math it computes, not what the plan happens to do):
floating-point operations of its products, and the bytes of its inputs and outputs, each read or written once.
The roofline bound is the larger of the compute time at the matrix engine's peak on the cores the program uses
(4096 multiply-add operations per cycle at LoFi, half at HiFi2, a third at HiFi3, a quarter at HiFi4;
GEMM_FLOPS.md) and the DRAM time of those bytes at 288 GB/s: a plan that reads its operands many times pays for
it in modelled time, not in a lower bound. Achieved bytes/s are what the kernels really moved (measured by the
interpreter).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from math import prod

from .interp.runner import RunReport
from .interp.timing import COSTS, FIDELITY_PHASES
from .numerics.dataformat import FORMATS

PEAK_FLOPS_PER_CYCLE = 4096  # one core at LoFi: 2 · 8 · 16 · 16 (GEMM_FLOPS.md)
DRAM_BYTES_PER_CYCLE = 288.0  # 288 GB/s at 1 GHz


def flops(meta: dict) -> float:
    """Floating-point operations of the kernel's math (2 per multiply-add)."""
    pattern, c = meta["pattern"], meta.get("compute", {})
    shapes = {n: t["shape"] for n, t in {**meta["inputs"], **meta["outputs"]}.items()}
    if pattern in ("matmul", "fp8_matmul", "gemv"):
        a, b = list(meta["inputs"].values())[:2]
        m, k = a["shape"][-2], a["shape"][-1]
        n = b["shape"][-1] if len(b["shape"]) > 1 else 1
        return 2.0 * m * k * n
    if pattern == "conv2d":
        (out,) = meta["outputs"].values()
        w = shapes[c.get("weights", "W")] if c.get("weights") in shapes else list(meta["inputs"].values())[1]["shape"]
        return 2.0 * prod(out["shape"]) * prod(w[:-1])
    if pattern == "attention":
        q, o = shapes["Q"], list(meta["outputs"].values())[0]["shape"]
        keys = shapes["KV" if "KV" in shapes else "K"][-2]
        queries = prod(q[:-1])
        pairs = queries * keys * (0.5 if c.get("causal") else 1.0)
        return 2.0 * pairs * (q[-1] + o[-1])
    if pattern == "attention_backward":
        b, h, s, d = shapes["Q"]
        return 2.0 * b * h * s * s * d * 5 * (0.5 if c.get("causal") else 1.0)
    if pattern == "linear_attention":
        b, h, s, d = shapes["Q"]
        return 4.0 * b * h * s * d * shapes["V"][-1]
    if pattern == "moe":
        t, hidden = shapes["X"]
        ffn = shapes["W_up"][-1]
        return 4.0 * t * c.get("top_k", 1) * hidden * ffn
    return 0.0


def compulsory_bytes(meta: dict) -> float:
    """Bytes of every input and output in its stored format (block-float formats with their exponents), in the
    shape it occupies in DRAM: a plan that pads a tensor to whole tiles says so in the metadata's "stored" (the
    logits of 8 rows lie in a tile row of 32, as a ttnn tensor of that shape does)."""
    total = 0.0
    stored = meta.get("stored", {})
    for name, tensor in (*meta["inputs"].items(), *meta["outputs"].items()):
        fmt = FORMATS.get(tensor["dtype"])
        per_element = fmt.tile_bytes / 1024 if fmt is not None else 1.0  # host-only fp8: one byte
        total += prod(stored.get(name, tensor["shape"])) * per_element
    return total


@dataclass
class Performance:
    cycles: float  # modelled device time (all programs)
    seconds: float
    flops: float
    bytes: float
    roofline_cycles: float  # the lower bound: compute at peak or DRAM at full bandwidth
    bound: str  # "compute" or "memory"
    utilisation: float  # mean over cores of the compute kernel's busy fraction
    bottleneck: str  # the wait that cost the slowest core's threads the most

    @property
    def of_roofline(self) -> float:
        return self.roofline_cycles / self.cycles if self.cycles else 0.0


def analyse(report: RunReport, meta: dict) -> Performance:
    fidelity = meta.get("numerics", {}).get("math_fidelity", "HiFi4")
    work = flops(meta)
    moved = report.dram_read_bytes + report.dram_written_bytes
    cores = max((len({t.core.label for t in p.threads}) for p in report.timeline), default=1)
    compute = work / (cores * PEAK_FLOPS_PER_CYCLE / FIDELITY_PHASES[fidelity])
    memory = compulsory_bytes(meta) / DRAM_BYTES_PER_CYCLE
    busy, spans, stalls = 0.0, 0.0, defaultdict(float)
    for program in report.timeline:
        span = program.end - program.start
        for t in program.threads:
            if t.kernel.spec.kind == "compute":
                busy += t.busy
                spans += span
        # What the matrix engine of the slowest core waited for most (a starved CB names its producer); a
        # program without a compute kernel reports its data movers' waits.
        slowest = max(program.threads, key=lambda t: t.clock, default=None)
        on_slowest = [t for t in program.threads if slowest is not None and t.core is slowest.core]
        engines = [t for t in on_slowest if t.kernel.spec.kind == "compute"] or on_slowest
        for t in engines:
            for reason, cycles in t.stalls.items():
                stalls[f"{t.kernel.spec.name}: {reason}"] += cycles
    bottleneck = max(stalls.items(), key=lambda kv: kv[1], default=("none", 0.0))
    return Performance(
        cycles=report.cycles, seconds=report.cycles / COSTS.clock_hz, flops=work, bytes=moved,
        roofline_cycles=max(compute, memory), bound="compute" if compute >= memory else "memory",
        utilisation=busy / spans if spans else 0.0, bottleneck=f"{bottleneck[0]} ({bottleneck[1]:.0f} cycles)")


def plot_roofline(results: list[tuple[str, Performance]], path: str) -> None:
    """Each kernel's modelled time against the time its roofline allows (matplotlib, written to `path`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [name for name, _ in results]
    modelled = [p.seconds * 1e6 for _, p in results]
    bound = [p.roofline_cycles / COSTS.clock_hz * 1e6 for _, p in results]
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(names)), 4))
    xs = range(len(names))
    ax.bar(xs, modelled, color="#4C72B0", label="modelled time")
    ax.scatter(xs, bound, color="#DD8452", marker="_", s=400, linewidths=3, label="roofline bound", zorder=3)
    ax.set_xticks(list(xs), names, rotation=60, ha="right")
    ax.set_ylabel("µs (log)")
    ax.set_yscale("log")
    ax.set_title("modelled time against the roofline (Wormhole n150)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
