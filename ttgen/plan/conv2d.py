"""2-D convolution (NHWC) as an implicit GEMM, with the weights multicast to a row or column of cores.

Output pixels are rows of a GEMM Y[P, F] = im2col(X)[P, K] @ W[K, F], with P = N*OH*OW and K = KH*KW*C taken in
(kh, kw, c) order, the order of the weights' [KH, KW, C, F] layout. No im2col matrix is ever stored: the reader
assembles each im2col tile in L1 straight from the input, which lives in DRAM as one page per pixel (its C
channels). Row r of a tile needs 32 channels of one input pixel: two 32-byte NoC reads, one into each face of
the tile's row band; a tap that falls in the padding is written as zeros instead.

The weights (all Kt x Ft tiles) are read from DRAM once per grid row (or column) by the first core of that row,
which multicasts them into the same CB of the others: receivers reserve the CB, announce themselves with
noc_semaphore_inc on the sender's semaphore, and wait for the sender to set theirs by multicast after the data.
Output pixel tiles are divided over every core of the grid.
"""

from __future__ import annotations


from .. import arch
from ..spec import Spec
from . import resources as res
from .common import base_context, kernel_names, numerics, tensor_context
from .model import CBPlan, OutputFile, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "roles", "multicast"}


def plan_conv2d(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    if len(spec.inputs) != 2 or len(spec.outputs) != 1:
        raise spec.error("conv2d takes an input and weights, and writes one output", "inputs")
    (x, w), (y,) = spec.inputs.values(), spec.outputs.values()
    if len(x.dims) != 4 or len(w.dims) != 4 or len(y.dims) != 4:
        bad = next(t for t in (x, w, y) if len(t.dims) != 4)
        raise spec.error("conv2d tensors are 4-D: input [N, H, W, C], weights [KH, KW, C, F], output [N, OH, OW, F]",
                         bad.group, bad.name, "shape")
    n, h, wd, c = x.dims
    kh, kw, wc, f = w.dims
    stride = tuple(spec.compute.get("stride", [1, 1]))
    pad = tuple(spec.compute.get("padding", [0, 0]))
    if spec.compute.get("dilation", [1, 1]) != [1, 1]:
        raise spec.error("dilation is not supported yet", "compute", "dilation")
    if wc != c:
        raise spec.error(f"weights have {wc} input channels, the input has {c}", "inputs", w.name, "shape")
    oh, ow = (h + 2 * pad[0] - kh) // stride[0] + 1, (wd + 2 * pad[1] - kw) // stride[1] + 1
    if oh < 1 or ow < 1:
        raise spec.error(f"a {kh}x{kw} kernel does not fit a {h}x{wd} input with padding {list(pad)}", "compute")
    if y.dims != (n, oh, ow, f):
        raise spec.error(f"output must be [{n}, {oh}, {ow}, {f}] for stride {list(stride)} and padding {list(pad)}",
                         "outputs", y.name, "shape")
    if c % 32:
        raise res.size_error(spec, x, 3, f"{c} channels: the reader moves 32 channels per tile column, so C must "
                                         "be a multiple of 32")
    if f % 32:
        raise res.size_error(spec, w, 3, f"{f} output channels is not a multiple of the tile size 32")
    pixels = n * oh * ow
    if pixels % 32:
        raise spec.error(f"{pixels} output pixels (N*OH*OW) is not a multiple of 32", "outputs", y.name, "shape")
    for t in (x, w, y):
        if t.dtype != "bfloat16":
            raise spec.error("conv2d is implemented for bfloat16", t.group, t.name, "dtype")
    mcast = spec.schedule.multicast
    if not mcast or mcast["operand"] != w.name or mcast["along"] not in ("row", "column"):
        raise spec.error(f"conv2d multicasts its weights: set schedule.multicast to {{operand: {w.name}, along: row}} "
                         "(or column)", "schedule", "multicast" if mcast else "schedule")
    grid = res.core_grid(spec)
    along = mcast["along"]
    line = grid[0] if along == "row" else grid[1]
    if line < 2:
        raise spec.error(f"multicast along a {along} needs at least 2 cores in it (grid {grid[0]}x{grid[1]})",
                         "schedule", "grid")
    kt, ft, pt = kh * kw * c // 32, f // 32, pixels // 32
    cores = grid[0] * grid[1]
    cbs = [
        CBPlan(0, "cb_act", res.tile_format(spec, x), res.cb_pages(spec, x.name, kt)[0],
               f"im2col tiles of {x.name}: {kt} per pixel tile"),
        CBPlan(1, "cb_weights", res.tile_format(spec, w), kt * ft, f"all {kt}x{ft} weight tiles, resident"),
        CBPlan(16, "cb_out", res.tile_format(spec, y), res.cb_pages(spec, y.name, 1)[0], f"tiles of {y.name}"),
    ]
    l1 = res.check_l1(spec, cbs)
    res.check_dst(spec, 1, "one output tile")
    x_page = c * 2
    names = kernel_names(spec) | {"sender_writer": f"kernels/dataflow/writer_{spec.name}_weights_sender.cpp",
                                  "receiver_writer": f"kernels/dataflow/writer_{spec.name}_weights_receiver.cpp"}
    context = base_context(spec, names) | {
        "x": tensor_context(spec, x, cbs[0]),
        "w": tensor_context(spec, w, cbs[1], "K", "F"),
        "y": tensor_context(spec, y, cbs[2], "P", "F"),
        "cbs": cbs,
        "grid": grid,
        "along": along,
        "geometry": {"N": n, "H": h, "W": wd, "C": c, "KH": kh, "KW": kw, "F": f, "OH": oh, "OW": ow,
                     "stride_h": stride[0], "stride_w": stride[1], "pad_h": pad[0], "pad_w": pad[1]},
        "x_page": x_page,
        "reader_args": ["H", "W", "C_tiles", "KH", "KW", "stride_h", "stride_w", "pad_h", "pad_w", "OH", "OW",
                        "Kt"],
    }
    senders = grid[1] if along == "row" else grid[0]
    explain = [
        f"implicit GEMM: Y[{pixels}x{f}] = im2col(X)[{pixels}x{kh * kw * c}] @ W[{kh * kw * c}x{f}]: "
        f"{pt} pixel tiles, Kt={kt} ((kh, kw, 32-channel chunk) steps), Ft={ft}",
        f"input in DRAM as {n * h * wd} pixel pages of {x_page} B; each im2col row is two 32-byte reads, one per "
        "face of the row band; padding taps are written as zeros",
        f"weights: {kt * ft} tiles read once per {along} by its first core ({senders} senders) and multicast to the "
        f"other {line - 1} cores of the {along}; semaphores: receivers inc the sender's, the sender multicasts VALID",
        f"{pt} pixel tiles over all {cores} cores of the {grid[0]}x{grid[1]} grid: {res.split_work(pt, grid).describe('pixel tile')}",
        *[f"CB c_{cb.index} ({cb.purpose}): {cb.pages} pages x {cb.page_size} B" for cb in cbs],
        f"L1 per core: {l1} B of {arch.L1_USABLE} B usable",
    ]
    files = [OutputFile("conv2d/reader.cpp.j2", names["reader"]),
             OutputFile("conv2d/compute.cpp.j2", names["compute"]),
             OutputFile("conv2d/sender_writer.cpp.j2", names["sender_writer"]),
             OutputFile("conv2d/receiver_writer.cpp.j2", names["receiver_writer"]),
             OutputFile("conv2d/host.cpp.j2", names["host"]),
             OutputFile("common/ttgen_io.hpp.j2", names["io"])]
    def cpp() -> dict:
        import sympy

        from .cpp_expr import cxx

        pixel = sympy.Symbol("pixel", integer=True, nonnegative=True)
        OH, OW = sympy.symbols("OH OW", integer=True, positive=True)
        return {"index": {"n": cxx(sympy.floor(pixel / (OH * OW))),
                          "oh": cxx(sympy.Mod(sympy.floor(pixel / OW), OH)), "ow": cxx(sympy.Mod(pixel, OW))}}

    metadata = {"pattern": "conv2d", "compute": {"input": x.name, "weights": w.name, "stride": list(stride),
                                                 "padding": list(pad)},
                "numerics": numerics(spec)}
    return Plan(spec, "conv2d", files, context, cbs, metadata, explain, cpp)
