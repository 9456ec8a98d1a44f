"""The cost model (`ttgen.interp.timing`): clocks follow CB, semaphore and NoC dependencies; bandwidth is shared;
deeper buffering and multicast show up as modelled gains."""

import json

import pytest

from ttgen import testing
from ttgen.interp import trace
from ttgen.interp.timing import BUCKET, COSTS, Channel
from ttgen.paths import PROJECT_ROOT


def test_channel_shares_bandwidth_in_any_placement_order():
    ch = Channel(32.0)
    late = ch.place(10_000.0, 2048)
    assert late == pytest.approx(10_000.0 + 64)
    early = ch.place(0.0, 2048)  # placed second, earlier in time: it does not queue behind the later one
    assert early == pytest.approx(64)
    both = [ch.place(0.0, 2048) for _ in range(3)]  # the bucket of time 0 fills, the rest spills over
    assert both[-1] > both[0] and max(both) >= 2 * BUCKET


def test_a_streamed_cb_at_depth_two_is_faster_than_at_depth_one(tmp_path):
    spec = PROJECT_ROOT / "specs" / "gemm.yaml"
    cycles = {}
    for depth in (1, 2):
        path = testing.variant(spec, tmp_path / str(depth), schedule={"cb_depth": depth})
        report = testing.run(testing.render_spec(path, tmp_path / f"out{depth}"), timed=True)
        assert report.ok
        cycles[depth] = report.cycles
    assert cycles[2] < cycles[1]


def test_matmul_time_follows_the_fidelity(tmp_path):
    spec = PROJECT_ROOT / "specs" / "gemm.yaml"
    busy = {}
    for fidelity in ("LoFi", "HiFi4"):
        path = testing.variant(spec, tmp_path / fidelity, schedule={"math_fidelity": fidelity})
        report = testing.run(testing.render_spec(path, tmp_path / f"out{fidelity}"), timed=True)
        compute = [t for t in report.timeline[0].threads if t.kernel.spec.kind == "compute"]
        busy[fidelity] = sum(t.busy for t in compute)
    tiles = 8 ** 3
    assert busy["HiFi4"] - busy["LoFi"] == pytest.approx(tiles * (COSTS.matmul("HiFi4") - COSTS.matmul("LoFi")))


def test_trace_has_tracks_spans_waits_and_cb_counters(tmp_path):
    out = tmp_path / "trace.json"
    trace.ACTIVE = trace.Recorder()
    try:
        report = testing.run(PROJECT_ROOT / "generated" / "gemm", timed=True)
        trace.ACTIVE.write(out)
    finally:
        trace.ACTIVE = None
    assert report.ok
    events = json.loads(out.read_text())["traceEvents"]
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert {"RISCV_0: reader_gemm.cpp", "RISCV_1: writer_gemm.cpp", "TRISC0/1 (unpack, math): compute_gemm.cpp",
            "TRISC2 (pack): compute_gemm.cpp"} <= names
    spans = [e for e in events if e["ph"] == "X"]
    assert any(e["name"] == "matmul_tiles" for e in spans)
    # The packer has its own track and packs while the unpacker and math go on with the next section.
    packs = [e for e in spans if e["name"] == "pack_tile" and e["pid"] == 0]
    math_tid = next(e["tid"] for e in spans if e["name"] == "matmul_tiles" and e["pid"] == 0)
    math = [e for e in spans if e["tid"] == math_tid and e["pid"] == 0]
    assert packs and all(e["tid"] != math_tid for e in packs)
    assert any(p["ts"] < m["ts"] + m["dur"] and m["ts"] < p["ts"] + p["dur"] for p in packs for m in math)
    assert any(e["name"].startswith("wait: cb_wait_front") for e in spans)
    assert all(e["dur"] >= 0 for e in spans)
    counters = [e for e in events if e["ph"] == "C"]
    assert counters and all("filled" in e["args"] for e in counters)
    end = max(e["ts"] + e["dur"] for e in spans)
    assert end * 1000 == pytest.approx(report.cycles, rel=0.05)
