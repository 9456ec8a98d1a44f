"""Warp-specialized GEMM: C = A @ B with the data movement split into specialised roles, the Tensix analogue of
producer / consumer warp specialization.

A Tensix core has two data-movement RISC-Vs, each with its own NoC. The plain GEMM gives one of them every read
(A and B, one K tile of each, then a barrier) and the other every write. Here:

* producer A (RISCV_0, NoC 0) streams A only, `k_block` tiles per read barrier;
* producer B and storer (RISCV_1, NoC 1) streams B the same way and, between B blocks, stores each finished
  output tile as soon as it is ready without waiting for one (`cb_pages_available_at_front`); it drains the
  rest at the end;
* the consumer (the compute kernel) accumulates each output tile over K in DST, one block of A and B tiles at a
  time.

The two operand streams travel on different NoCs in parallel and each barrier covers a block of reads, so the
latency of a DRAM read is paid once per block instead of once per K tile. benchmarks/warp_specialization.py
(and docs/kernels/warp_specialized_gemm.md) compares it with the plain GEMM in modelled cycles.
"""

from __future__ import annotations

from ..spec import Spec
from . import resources as res
from .common import base_context, kernel_names, numerics, tensor_context
from .matmul_shape import matmul_shape
from .model import CBPlan, OutputFile, Plan

SCHEDULE_KEYS = {"grid", "cb_depth", "dst", "math_fidelity", "math_approx", "roles", "work_split"}
MAX_K_BLOCK = 4


def plan_warp_specialized(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)
    roles = spec.schedule.roles
    if roles.get("split", "by_operand") != "by_operand":
        raise spec.error("two producers split the work by operand (split: by_operand); by_tile is not implemented",
                         "schedule", "roles", "split")
    for key in ("reader", "writer"):
        if key in roles:
            raise spec.error(f"with two producers the roles are fixed (producer A on riscv_0, producer B and storer "
                             f"on riscv_1): drop roles.{key}", "schedule", "roles", key)
    shape = matmul_shape(spec)
    a, b, c = shape.a, shape.b, shape.c
    mt, kt, nt = shape.mt, shape.kt, shape.nt
    k_block = max(d for d in range(1, MAX_K_BLOCK + 1) if kt % d == 0)
    pages = res.cb_pages(spec, a.name, k_block)[0]  # whole blocks of k_block tiles
    fa, fb, fc = (res.tile_format(spec, t) for t in (a, b, c))
    res.check_dst(spec, 1, "one output tile")
    grid = res.core_grid(spec)
    split = res.split_work(mt * nt, grid)
    cbs = [
        CBPlan(0, "cb_in0", fa, pages, f"{a.name}: blocks of {k_block} K tiles (producer A)"),
        CBPlan(1, "cb_in1", fb, pages, f"{b.name}: blocks of {k_block} K tiles (producer B)"),
        CBPlan(16, "cb_out", fc, 2, f"output {c.name} (stored by producer B)"),
    ]
    l1 = res.check_l1(spec, cbs)
    n = spec.name
    names = kernel_names(spec) | {"producer_a": f"kernels/dataflow/producer_a_{n}.cpp",
                                  "producer_b": f"kernels/dataflow/producer_b_storer_{n}.cpp"}
    context = base_context(spec, names) | {
        "a": tensor_context(spec, a, cbs[0], "M", "K"),
        "b": tensor_context(spec, b, cbs[1], "K", "N"),
        "c": tensor_context(spec, c, cbs[2], "M", "N"),
        "cbs": cbs,
        "grid": grid,
        "dims": {"M": a.dims[0], "K": a.dims[1], "N": b.dims[1], "Mt": mt, "Kt": kt, "Nt": nt},
        "k_block": k_block,
    }
    explain = [
        f"C[{c.dims[0]}x{c.dims[1]}] = A @ B: Mt={mt}, Nt={nt}, Kt={kt}; grid {grid[0]}x{grid[1]}: "
        f"{split.describe('output tile')}",
        f"producer A on RISCV_0 (NoC 0) and producer B + storer on RISCV_1 (NoC 1): blocks of {k_block} K tiles "
        f"per read barrier, {pages // k_block} blocks deep",
        *[f"CB c_{cb.index} ({cb.purpose}): {cb.pages} pages x {cb.page_size} B {cb.fmt.metal_name}" for cb in cbs],
        f"L1 per core: {l1} B of {res.arch.L1_USABLE} B usable",
    ]
    files = [OutputFile("warp_specialized/producer_a.cpp.j2", names["producer_a"]),
             OutputFile("warp_specialized/producer_b.cpp.j2", names["producer_b"]),
             OutputFile("warp_specialized/compute.cpp.j2", names["compute"]),
             OutputFile("warp_specialized/host.cpp.j2", names["host"]),
             OutputFile("common/ttgen_io.hpp.j2", names["io"])]
    metadata = {"pattern": "matmul", "compute": {"expression": spec.compute["expression"]},
                "numerics": numerics(spec)}
    return Plan(spec, "warp_specialized", files, context, cbs, metadata, explain)
