"""Top-k and sampling: per row, the k largest logits (descending, ties to the lower index) with their indices, then
one token drawn from them by temperature and top-p (nucleus) sampling with a given uniform random number.

A work unit is one tile row (32 rows) of the logits [M, N]. The compute kernel keeps the row tile in a Float32
working copy and runs k selection rounds, each a multi-stage pass over the N/32 tiles:

1. m = the row max (reduce MAX over every tile of the row);
2. per tile, a score (x == m) · (N - column) (eqz on the broadcast difference, then the column index tile on the
   SFPU); the row max of the scores is N minus the lowest column attaining m, so ties go to the lower index;
3. m and its column are placed in column j of the value and index tiles (a one-hot column from unary_eq on the
   column index tile, broadcast multiply), and that element is removed from the working copy (-1e30 added).

Sampling on the k values, all in one tile: p = exp((v - v_0) / T) over the k columns, normalized; the cumulative
sum is a matmul with the upper-triangular ones tile; the nucleus keeps column j while the cumulative sum before
it is below top_p; the sampled position is the number of kept columns whose cumulative (kept) sum is at most
u · (kept total), and the token is the index in that column.

Indices are carried as Float32 and must stay exact in the 19-bit source registers, so N <= 2048; the host turns
them into uint32.
"""

from __future__ import annotations


from .. import arch
from ..numerics.dataformat import FORMATS
from ..spec import Spec
from . import resources as res
from .common import base_context, fp32_hex, io_files, kernel_names, numerics, tensor_context
from .model import CBPlan, Plan

SCHEDULE_KEYS = {"grid", "dst", "math_fidelity", "roles", "work_split"}
MAX_COLUMNS = 2048  # column indices stay exact in TF32 source registers (11 significant bits)
REMOVED = -1.0e30  # added to a selected element so that it never wins again


MIN_TOP_P = 0.01
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.01, 100.0


def plan_topk(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    c = spec.compute
    k, top_p, temperature = c.get("k"), c.get("top_p", 1.0), c.get("temperature", 1.0)
    if k is None:
        raise spec.error("topk_sampling needs compute.k", "compute")
    if k > 32:
        raise spec.error("k is at most 32: the top values of a row fill one tile row", "compute", "k")
    # The kernel scales by 1 / temperature and compares cumulative sums with top_p in float32 through 19-bit
    # source registers: values outside these ranges lose the comparison's meaning.
    if not MIN_TOP_P <= top_p <= 1.0:
        raise spec.error(f"top_p {top_p:g} is outside [{MIN_TOP_P}, 1]: smaller is not distinguishable from "
                         "keeping only the largest value at the kernel's precision", "compute", "top_p")
    if not MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE:
        raise spec.error(f"temperature {temperature:g} is outside [{MIN_TEMPERATURE}, {MAX_TEMPERATURE}]: the "
                         "scaled logits must stay finite in float32", "compute", "temperature")
    logits = [t for t in spec.inputs.values() if len(t.dims) == 2]
    uniform = [t for t in spec.inputs.values() if len(t.dims) == 1]
    if len(logits) != 1 or len(uniform) != 1 or len(spec.inputs) != 2:
        raise spec.error("topk_sampling reads logits [rows, columns] and one uniform random number per row [rows]",
                         "inputs")
    x, u = logits[0], uniform[0]
    m, n = x.dims
    if x.dtype != "bfloat16":
        raise spec.error("the logits are bfloat16", "inputs", x.name, "dtype")
    if u.dtype != "float32" or u.dims != (m,):
        raise spec.error(f"the uniform input is float32 [{m}]", "inputs", u.name, "shape")
    res.tiling(spec, x)
    if n > MAX_COLUMNS:
        raise spec.error(f"{n} columns: indices are carried in Float32 through 19-bit source registers and stay "
                         f"exact up to {MAX_COLUMNS}", "inputs", x.name, "shape")
    if k > n:
        raise spec.error(f"k = {k} is more than the {n} columns", "compute", "k")
    expected = {"values": ((m, k), "bfloat16"), "indices": ((m, k), "uint32"), "token": ((m,), "uint32")}
    if sorted(spec.outputs) != sorted(expected):
        raise spec.error("topk_sampling writes outputs named values [rows, k], indices [rows, k] and token [rows]",
                         "outputs")
    for name, (dims, dtype) in expected.items():
        t = spec.outputs[name]
        if t.dims != dims or t.dtype != dtype:
            raise spec.error(f"{name} is {dtype} {list(dims)}", "outputs", name)
    nt, rows = n // 32, m // 32
    grid = res.core_grid(spec)
    fp32, bf16 = FORMATS["float32"], FORMATS["bfloat16"]
    cbs = [
        CBPlan(0, "cb_x", bf16, nt, "the row tile's logits"),
        CBPlan(1, "cb_col", fp32, nt, "column index of every element, built once"),
        CBPlan(2, "cb_scaler", fp32, 1, "reduce scaler: 1.0 in row 0 of each face"),
        CBPlan(3, "cb_upper", fp32, 1, "upper-triangular ones (i <= j): a row times it is its cumulative sum"),
        CBPlan(4, "cb_u", fp32, 1, "the rows' uniform random numbers, each row filled with its own"),
        CBPlan(16, "cb_values", fp32, 2, "top values"),
        CBPlan(17, "cb_indices", fp32, 2, "top indices"),
        CBPlan(18, "cb_token", fp32, 2, "sampled token, in column 0"),
        CBPlan(24, "cb_work", fp32, 2 * nt, "working copy of the row tile: the previous and the next"),
        CBPlan(25, "cb_score", fp32, nt, "per-round scores (x == m) · (N - column)"),
        CBPlan(26, "cb_max", fp32, 1, "the round's row max"),
        CBPlan(27, "cb_arg", fp32, 1, "the round's lowest column attaining it"),
        CBPlan(28, "cb_val_acc", fp32, 2, "top values so far: the previous and the next"),
        CBPlan(29, "cb_idx_acc", fp32, 2, "top indices so far: the previous and the next"),
        CBPlan(30, "cb_onehot", fp32, 1, "one-hot column j"),
        CBPlan(31, "cb_tmp", fp32, 2, "sampling intermediates"),
        CBPlan(5, "cb_row", fp32, 1, "a per-row scalar in column 0 (1/sum, threshold, position)"),
    ]
    l1 = res.check_l1(spec, cbs)
    names = kernel_names(spec)
    cb = {x_.var: x_ for x_ in cbs}
    outs = spec.outputs
    context = base_context(spec, names) | {
        "x": tensor_context(spec, x, cb["cb_x"], "M", "N"),
        "u": tensor_context(spec, u, cb["cb_u"], "M", "1"),
        "out_values": tensor_context(spec, outs["values"], cb["cb_values"], "M", "K"),
        "out_indices": tensor_context(spec, outs["indices"], cb["cb_indices"], "M", "K"),
        "out_token": tensor_context(spec, outs["token"], cb["cb_token"], "M", "1"),
        "cb": cb,
        "cbs": cbs,
        "grid": grid,
        "dims": {"M": m, "N": n, "K": k, "Nt": nt, "rows": rows},
        "bits": {"N": fp32_hex(float(n)), "removed": fp32_hex(REMOVED), "inv_temperature": fp32_hex(1.0 / temperature),
                 "top_p": fp32_hex(top_p), "k": fp32_hex(float(k))},
        "top_p": top_p,
        "temperature": temperature,
        "fp32_dest_acc_en": True,
    }
    explain = [
        f"top-{k} of logits [{m}x{n}] then sampling (temperature {temperature}, top_p {top_p}); ties to the lower "
        "index",
        f"work unit: one tile row (32 rows): {res.split_work(rows, grid).describe('tile row')}",
        f"per unit: {k} selection rounds over {nt} tiles (row max, lowest index attaining it, removal), then "
        "softmax, cumulative sums by a matmul with the upper-triangular ones tile, nucleus and draw in one tile",
        *[f"CB c_{x_.index} ({x_.purpose}): {x_.pages} pages x {x_.page_size} B {x_.fmt.metal_name}" for x_ in cbs],
        f"L1 per core: {l1} B of {arch.L1_USABLE} B usable",
    ]
    metadata = {"pattern": "topk_sampling",
                "compute": {"k": k, "top_p": top_p, "temperature": temperature, "logits": x.name,
                            "uniform": u.name, "ties": "lower_index"},
                "numerics": numerics(spec) | {"fp32_accumulation": True}}
    return Plan(spec, "topk_sampling", io_files(names, "topk_sampling"), context, cbs, metadata, explain)
