"""Top-k and sampling over a vocabulary: per row of logits [B, V], the k largest values (descending, ties to the
lower index) with their indices, and one token drawn from them (temperature, top-k, min-p, top-p; k = 1 is
greedy) with the row's given uniform number.

The vocabulary is split over the cores in tile pairs (64 columns). Every core keeps the best 64 candidates of each
row with the bitonic primitives of compute_kernel_api.h, on the transposed layout they work on: each DST column
is one row's sequence of 64, values in DST[0..1] and their indices (UInt32) in DST[2..3]. Per pair of logits tiles:

1. the two tiles transposed into DST[4..5], their indices (an index tile from the reader plus the pair's first
   column, add_unary_tile_int32) in DST[6..7], sorted ascending with topk_local_sort;
2. the best 64 (descending) beside them, B0 | N0 in window 0 and B1 | N1 in window 4 (copy_dest_values moves the
   new ones): a descending run followed by an ascending one is bitonic, so topk_merge keeps, position by
   position, the larger of the two: the best 64 of both, again bitonic;
3. topk_rebuild sorts that back into descending order and it becomes the new best.

The cores' best candidates then meet in a binary merge tree (core i takes those of i + 1, i + 2, i + 4, ... over the
NoC, a ready semaphore saying it has room, a done semaphore counting the child in) and are merged the same way,
flipped to ascending by a rebuild first. Core 0, the root, transposes the result back to [row, rank], computes the
sampling weights e = exp((v - v_0) / T) with the FPU and SFPU, and its writer draws the token per row in float32 as
ttnn's sampling writer does.

Indices are UInt32 in DST (fp32 accumulation, unpacked to DST unrounded), exact for any vocabulary.
"""

from __future__ import annotations

from .. import arch
from ..numerics.dataformat import FORMATS
from ..spec import Spec
from . import resources as res
from .common import base_context, fp32_hex, io_files, kernel_names, numerics, tensor_context
from .model import CBPlan, Plan

SCHEDULE_KEYS = {"grid", "math_fidelity", "roles"}
WINDOW = 64  # the best candidates a row keeps: one DST column of the sort primitives' window
MAX_K = WINDOW
MAX_ROWS = 32  # the rows are the 32 columns of a transposed tile


def _settings(spec: Spec) -> dict:
    c = spec.compute
    k = c.get("k")
    if k is None:
        raise spec.error("topk_sampling needs compute.k", "compute")
    if k > MAX_K:
        raise spec.error(f"k = {k} is more than {MAX_K}: each row keeps its best {WINDOW} candidates in one DST "
                         "window of the sort primitives", "compute", "k")
    top_p, temperature, min_p = c.get("top_p", 1.0), c.get("temperature", 1.0), c.get("min_p", 0.0)
    # The schema bounds these too; a spec loaded without it still gets a clear message.
    if not 0.0 < top_p <= 1.0:
        raise spec.error(f"top_p {top_p:g} is outside (0, 1]", "compute", "top_p")
    if not temperature > 0.0:
        raise spec.error(f"temperature {temperature:g} must be above 0 (k = 1 is greedy sampling)",
                         "compute", "temperature")
    if not 0.0 <= min_p < 1.0:
        raise spec.error(f"min_p {min_p:g} is outside [0, 1)", "compute", "min_p")
    return {"k": k, "top_p": top_p, "temperature": temperature, "min_p": min_p}


def _tensors(spec: Spec, k: int):
    logits = [t for t in spec.inputs.values() if len(t.dims) == 2]
    uniform = [t for t in spec.inputs.values() if len(t.dims) == 1]
    if len(logits) != 1 or len(uniform) != 1 or len(spec.inputs) != 2:
        raise spec.error("topk_sampling reads logits [rows, vocabulary] and one uniform random number per row "
                         "[rows]", "inputs")
    x, u = logits[0], uniform[0]
    b, v = x.dims
    if x.dtype != "bfloat16":
        raise spec.error("the logits are bfloat16", "inputs", x.name, "dtype")
    if b > MAX_ROWS:
        raise spec.error(f"{b} rows: at most {MAX_ROWS} (one row per column of a transposed tile)",
                         "inputs", x.name, "shape")
    if v % arch.TILE_WIDTH:
        raise spec.error(f"a vocabulary of {v} is not a multiple of {arch.TILE_WIDTH}", "inputs", x.name, "shape")
    if k > v:
        raise spec.error(f"k = {k} is more than the vocabulary of {v}", "compute", "k")
    if u.dtype != "float32" or u.dims != (b,):
        raise spec.error(f"the uniform input is float32 [{b}]", "inputs", u.name, "shape")
    expected = {"values": ((b, k), "bfloat16"), "indices": ((b, k), "uint32"), "token": ((b,), "uint32")}
    if sorted(spec.outputs) != sorted(expected):
        raise spec.error("topk_sampling writes outputs named values [rows, k], indices [rows, k] and token [rows]",
                         "outputs")
    for name, (dims, dtype) in expected.items():
        t = spec.outputs[name]
        if t.dims != dims or t.dtype != dtype:
            raise spec.error(f"{name} is {dtype} {list(dims)}", "outputs", name)
    return x, u


def _cbs(children: int) -> list[CBPlan]:
    bf16, fp32, u32 = FORMATS["bfloat16"], FORMATS["float32"], FORMATS["uint32"]
    gathered = 2 * children
    return [
        CBPlan(0, "cb_x", bf16, 4, "logits tiles, a pair at a time, double-buffered"),
        CBPlan(1, "cb_iota", u32, 1, "index tile: row r holds r (the transposed layout's column offset)"),
        CBPlan(2, "cb_gather", bf16, gathered, "the merge-tree children's best 64 values, a slot each"),
        CBPlan(3, "cb_gather_idx", u32, gathered, "their indices"),
        CBPlan(4, "cb_u", fp32, 1, "merge core: the rows' uniform numbers", page_bytes=4 * MAX_ROWS),
        CBPlan(16, "cb_send", bf16, 2, "this core's best 64 values, to its parent in the merge tree"),
        CBPlan(17, "cb_send_idx", u32, 2, "their indices"),
        CBPlan(18, "cb_values", bf16, 2, "merge core: top values [row, rank]"),
        CBPlan(19, "cb_indices", u32, 2, "merge core: their indices [row, rank]"),
        CBPlan(20, "cb_weights", fp32, 2, "merge core: sampling weights exp((v - v_0) / T) [row, rank]"),
        CBPlan(21, "cb_token", u32, 1, "merge core: the drawn tokens, one per row", page_bytes=4 * MAX_ROWS),
        CBPlan(24, "cb_best", bf16, 4, "best 64 per row (descending, transposed): the current and the next"),
        CBPlan(25, "cb_best_idx", u32, 4, "their indices"),
        CBPlan(26, "cb_rank", bf16, 2, "merge core: top values [row, rank], for the weights"),
    ]


def plan_topk(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    settings = _settings(spec)
    k = settings["k"]
    x, u = _tensors(spec, k)
    b, v = x.dims
    vt = v // arch.TILE_WIDTH
    pairs = -(-vt // 2)
    grid = res.core_grid(spec)
    # A full rectangle of cores (every core of the program runs the kernels), each with at least one pair.
    if pairs >= grid[0] * grid[1]:
        columns, rows_of_cores = grid
    else:
        columns = min(grid[0], pairs)
        rows_of_cores = pairs // columns
    cores = columns * rows_of_cores
    split = res.split_work(pairs, (columns, rows_of_cores))
    levels = max(1, (cores - 1).bit_length())  # children of the tree's root: one per level
    cbs = _cbs(levels)
    l1 = res.check_l1(spec, cbs)
    names = kernel_names(spec)
    files = io_files(names, "topk_sampling")
    cb = {c.var: c for c in cbs}
    outs = spec.outputs
    context = base_context(spec, names) | {
        "x": tensor_context(spec, x, cb["cb_x"], "B", "V"),
        "u": tensor_context(spec, u, cb["cb_u"], "B", "1"),
        "out_values": tensor_context(spec, outs["values"], cb["cb_values"], "B", "K"),
        "out_indices": tensor_context(spec, outs["indices"], cb["cb_indices"], "B", "K"),
        "out_token": tensor_context(spec, outs["token"], cb["cb_token"], "B", "1"),
        "cb": cb,
        "cbs": cbs,
        "grid": (columns, rows_of_cores),
        "dims": {"B": b, "V": v, "K": k, "Vt": vt, "pairs": pairs},
        "bits": {"inv_temperature": fp32_hex(1.0 / settings["temperature"])},
        "settings": settings,
        "fp32_dest_acc_en": True,
        "dst_full_sync_en": True,  # two windows of four tiles: all eight fp32 DST tiles
    }
    explain = [
        f"top-{k} of logits [{b}x{v}], then sampling (temperature {settings['temperature']}, min_p "
        f"{settings['min_p']}, top_p {settings['top_p']}); ties to the lower index",
        f"work unit: a pair of logits tiles (64 columns): {split.describe('pair')}",
        "per pair: transpose, local sort ascending, bitonic merge into the best 64, rebuild descending",
        f"merge tree of {levels} level(s): core i merges the best 64 of cores i + 1, i + 2, i + 4, ... (NoC writes, "
        "ready/done semaphores); core 0 computes the sampling weights and draws each row's token in its writer",
        *[f"CB c_{c.index} ({c.purpose}): {c.pages} pages x {c.page_size} B {c.fmt.metal_name}" for c in cbs],
        f"L1 per core: {l1} B of {arch.L1_USABLE} B usable",
    ]
    metadata = {"pattern": "topk_sampling",
                "compute": settings | {"logits": x.name, "uniform": u.name, "ties": "lower_index"},
                "numerics": numerics(spec) | {"fp32_accumulation": True},
                # in DRAM the rows are a tile row of 32 and the outputs two tiles of [32, 64]
                "stored": {x.name: [MAX_ROWS, v], "values": [MAX_ROWS, WINDOW], "indices": [MAX_ROWS, WINDOW]}}
    return Plan(spec, "topk_sampling", files, context, cbs, metadata, explain)
