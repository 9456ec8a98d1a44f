"""Fused mixture of experts: Y[t] = Σ_s w[t, s] · down_e(act(up_e(X[t]))) with e = ids[t, s], for the top_k experts
each token is routed to (the routing given as inputs: expert ids and weights per token and slot).

Two programs:

1. experts, one work unit per expert. The reader reads the routing table, lists the (token, slot) pairs routed to
   its expert (the expert loop is data-dependent: how many 32-row tiles it runs is known only at run time, and
   goes to the compute kernel in a control page), gathers those tokens' rows of X (row-major in DRAM, one page
   per token) into tiles with one NoC read per 16-value face row, and streams the expert's weights. The compute
   kernel runs up (Ht x Ft tiles), the activation on the SFPU, down (Ft x Ht tiles) and the routing weights
   (broadcast along rows) on each gathered tile; the writer scatters each row back to the (token, slot) it came
   from, in a partials tensor [top_k · T, H] (slot-major), again one NoC write per face row. An expert no token
   chose does nothing.
2. combine, one unit per output tile: Y = Σ_s partials[s], top_k tiles added in DST.

Every (token, slot) is written exactly once by the expert it names, so no two cores write the same partial row.
"""

from __future__ import annotations

from .. import arch
from ..numerics.dataformat import FORMATS
from ..spec import Spec
from . import resources as res
from .common import base_context, kernel_names, numerics, tensor_context
from .model import CBPlan, OutputFile, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "roles"}
ACTIVATIONS = {"silu": "silu", "relu": "relu", "identity": None}
ROUTE_WORDS = 1024  # the routing table is read as one 4 KiB page


def _names(spec: Spec) -> dict[str, str]:
    n = spec.name
    names = kernel_names(spec)
    for program in ("experts", "combine"):
        names |= {f"{program}_{role}": f"kernels/{'compute' if role == 'compute' else 'dataflow'}/{role}_{n}_{program}.cpp"
                  for role in ("reader", "compute", "writer")}
    return names


def plan_moe(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    c = spec.compute
    if c.get("routing", "given") != "given":
        raise spec.error("routing: computed is not implemented; give the expert ids and weights as inputs",
                         "compute", "routing")
    top_k, activation = c.get("top_k"), c.get("activation", "silu")
    if top_k is None:
        raise spec.error("moe needs compute.top_k", "compute")
    names_in = {"X", "W_up", "W_down", "topk_ids", "topk_weights"}
    if set(spec.inputs) != names_in:
        raise spec.error(f"moe reads inputs named {', '.join(sorted(names_in))}", "inputs")
    x, w_up, w_down, ids, weights = (spec.inputs[n] for n in ("X", "W_up", "W_down", "topk_ids", "topk_weights"))
    if len(spec.outputs) != 1:
        raise spec.error("moe writes one output", "outputs")
    (y,) = spec.outputs.values()
    if len(x.dims) != 2:
        raise spec.error("X is [tokens, hidden]", "inputs", "X", "shape")
    t_, h = x.dims
    if len(w_up.dims) != 3 or w_up.dims[1] != h:
        raise spec.error(f"W_up is [experts, hidden = {h}, ffn]", "inputs", "W_up", "shape")
    e, _, f = w_up.dims
    if w_down.dims != (e, f, h):
        raise spec.error(f"W_down is [experts, ffn, hidden] = {[e, f, h]}", "inputs", "W_down", "shape")
    if ids.dims != (t_, top_k) or ids.dtype != "uint32":
        raise spec.error(f"topk_ids is uint32 [tokens, top_k] = {[t_, top_k]}", "inputs", "topk_ids")
    if weights.dims != (t_, top_k) or weights.dtype != "bfloat16":
        raise spec.error(f"topk_weights is bfloat16 [tokens, top_k] = {[t_, top_k]}", "inputs", "topk_weights")
    if y.dims != (t_, h):
        raise spec.error(f"Y is [tokens, hidden] = {[t_, h]}", "outputs", y.name, "shape")
    for t in (x, w_up, w_down, y):
        if t.dtype != "bfloat16":
            raise spec.error("moe is implemented for bfloat16 activations and weights", t.group, t.name, "dtype")
    if x.layout != "row_major":
        raise spec.error("X is gathered token by token: give it layout: row_major", "inputs", "X", "layout")
    for size, what in ((t_, "tokens"), (h, "hidden"), (f, "ffn")):
        if size % 32:
            raise spec.error(f"{what} = {size} must be a multiple of 32", "sizes")
    if t_ * top_k > ROUTE_WORDS:
        raise spec.error(f"{t_ * top_k} routing entries exceed the one {ROUTE_WORDS}-entry page the readers scan",
                         "inputs", "topk_ids", "shape")
    if top_k > e:
        raise spec.error(f"top_k = {top_k} is more than the {e} experts", "compute", "top_k")
    if activation not in ACTIVATIONS:
        raise spec.error(f"activation {activation!r} is not supported", "compute", "activation")
    require_fp32 = spec.doc.data.get("schedule", {}).get("dst", {}).get("fp32_accumulation")
    ht, ft, tt = h // 32, f // 32, t_ // 32
    grid = res.core_grid(spec)
    bf16, u32 = FORMATS["bfloat16"], FORMATS["uint32"]
    depth = res.cb_pages(spec, "W_up", 1)[0]
    cbs = {
        "experts": [
            CBPlan(0, "cb_x", bf16, ht, "a gathered tile row of tokens"),
            CBPlan(1, "cb_w_up", bf16, depth * ht, "W_up of the expert, one output column of tiles at a time"),
            CBPlan(2, "cb_w_down", bf16, depth * ft, "W_down of the expert, one output column of tiles at a time"),
            CBPlan(3, "cb_route_w", bf16, 1, "routing weights of the gathered rows, in column 0"),
            CBPlan(4, "cb_ctrl", u32, 1, "control page: how many tiles of tokens this expert runs"),
            CBPlan(5, "cb_ids", u32, 1, "scratch: the routing table (reader)"),
            CBPlan(6, "cb_route", bf16, 1, "scratch: the routing weights (reader)"),
            CBPlan(7, "cb_rows", u32, 1, "scratch: the (token, slot) pairs routed here (writer)"),
            CBPlan(16, "cb_out", bf16, 2, "weighted expert output tiles"),
            CBPlan(24, "cb_h", bf16, ft, "act(X W_up) of the gathered tile row"),
            CBPlan(25, "cb_y", bf16, 2, "X W_up W_down before the routing weights"),
        ],
        "combine": [
            CBPlan(0, "cb_part", bf16, 2 * top_k, "the top_k partials of an output tile"),
            CBPlan(16, "cb_out", bf16, 2, "output tiles"),
        ],
    }
    l1 = {p: res.check_l1(spec, program_cbs) for p, program_cbs in cbs.items()}
    res.check_dram(spec, [w_up, w_down, y])
    names = _names(spec)
    by_var = {p: {cb.var: cb for cb in program_cbs} for p, program_cbs in cbs.items()}
    context = base_context(spec, names) | {
        "x": tensor_context(spec, x, by_var["experts"]["cb_x"], "T", "H"),
        "w_up": tensor_context(spec, w_up, by_var["experts"]["cb_w_up"], "E * H", "F"),
        "w_down": tensor_context(spec, w_down, by_var["experts"]["cb_w_down"], "E * F", "H"),
        "ids": tensor_context(spec, ids, by_var["experts"]["cb_ids"], "T", "top_k"),
        "route_w": tensor_context(spec, weights, by_var["experts"]["cb_route"], "T", "top_k"),
        "y": tensor_context(spec, y, by_var["combine"]["cb_out"], "T", "H"),
        "cbs": cbs,
        "cb": by_var,
        "grid": grid,
        "dims": {"T": t_, "H": h, "F": f, "E": e, "top_k": top_k, "Ht": ht, "Ft": ft, "Tt": tt},
        "activation": ACTIVATIONS[activation],
        "activation_name": activation,
        "fp32_dest_acc_en": require_fp32 is not False,
    }
    explain = [
        f"MoE: {t_} tokens x {h} hidden, {e} experts of ffn {f}, top_k {top_k}, activation {activation}; "
        "routing given",
        f"program 1 (experts): {res.split_work(e, grid).describe('expert')}; each expert gathers its tokens into "
        "tile rows at run time (the count goes to compute in a control page), runs up / act / down / routing "
        f"weight and scatters the rows into partials [{top_k * t_}, {h}]",
        f"program 2 (combine): {res.split_work(tt * ht, grid).describe('output tile')}, the {top_k} partials "
        "added in DST",
        *[f"{p}: CB c_{cb.index} ({cb.purpose}): {cb.pages} pages x {cb.page_size} B" for p, program_cbs in
          cbs.items() for cb in program_cbs],
        "L1 per core: " + ", ".join(f"{p} {used} B" for p, used in l1.items()) + f" of {arch.L1_USABLE} B usable",
    ]
    files = [OutputFile(f"moe/{p}_{r}.cpp.j2", names[f"{p}_{r}"]) for p in ("experts", "combine")
             for r in ("reader", "compute", "writer")]
    files += [OutputFile("moe/host.cpp.j2", names["host"]), OutputFile("common/ttgen_io.hpp.j2", names["io"])]
    metadata = {"pattern": "moe",
                "compute": {"top_k": top_k, "activation": activation, "routing": "given"},
                "numerics": numerics(spec)}
    return Plan(spec, "moe", files, context, [cb for p in cbs.values() for cb in p], metadata, explain)
