"""Elementwise pattern: D = f(A, B, C, ...) tile by tile, every op chained in DST (no round trip to DRAM).

Lowering keeps one DST slot per tile of the block. A binary op of two inputs unpacks both (`add_tiles`); a
binary op of a computed value and an input reuses DST as one source (`binary_dest_reuse_tiles`, DEST_TO_SRCA
when DST is the left operand, DEST_TO_SRCB when it is the right one); a function runs on the SFPU in place
(`exp_tile`); a lone input is copied into DST (`copy_tile`). Each op is initialised right before it runs on the
block, unless the kernel has a single op, whose init then runs once before the loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import expression as ex
from ..spec import Spec
from . import resources as res
from .common import base_context, io_files, kernel_names, numerics, tensor_context
from .model import CBPlan, Plan

OUTPUT_CB = 16
SFPU_NAMES = {"exp": "exp", "relu": "relu", "neg": "negative", "abs": "abs", "square": "square"}
# The compute API header that declares each SFPU op (ttnn 0.74.0 api/compute/).
SFPU_HEADERS = {"exp": "api/compute/eltwise_unary/exp.h", "relu": "api/compute/eltwise_unary/relu.h",
                "negative": "api/compute/eltwise_unary/negative.h", "abs": "api/compute/compute_kernel_api.h",
                "square": "api/compute/compute_kernel_api.h"}
SCHEDULE_KEYS = {"grid", "tiles_per_block", "cb_depth", "dst", "math_fidelity", "math_approx", "work_split", "roles"}


@dataclass(frozen=True)
class Op:
    kind: str  # binary | reuse | copy | sfpu
    name: str  # add/sub/mul for FPU ops, the SFPU function otherwise
    cb_a: str = ""
    cb_b: str = ""
    reuse: str = ""  # DEST_TO_SRCA | DEST_TO_SRCB

    @property
    def elw(self) -> str:
        return {"add": "ELWADD", "sub": "ELWSUB", "mul": "ELWMUL"}.get(self.name, "")


def lower(node: ex.Node, cb_of: dict[str, str], fail) -> list[Op]:
    """Ops that leave `node`'s value in the tile's DST slot."""
    if isinstance(node, ex.Operand):
        return [Op("copy", "copy", cb_of[node.name])]
    if isinstance(node, ex.Unary):
        return lower(node.arg, cb_of, fail) + [Op("sfpu", SFPU_NAMES[node.fn])]
    if node.op == "matmul":
        raise fail("'@' is a matrix product: use the matmul pattern")
    left, right = node.left, node.right
    if isinstance(left, ex.Operand) and isinstance(right, ex.Operand):
        return [Op("binary", node.op, cb_of[left.name], cb_of[right.name])]
    if isinstance(right, ex.Operand):
        return lower(left, cb_of, fail) + [Op("reuse", node.op, cb_of[right.name], reuse="DEST_TO_SRCA")]
    if isinstance(left, ex.Operand):
        return lower(right, cb_of, fail) + [Op("reuse", node.op, cb_of[left.name], reuse="DEST_TO_SRCB")]
    raise fail(f"both operands of {ex.to_text(node)} are computed values; each binary op needs an input as one "
               "operand (DST holds the other)")


def plan_elementwise(spec: Spec) -> Plan:
    res.reject_unused_schedule(spec, SCHEDULE_KEYS)

    def fail(message: str):
        return spec.error(message, "compute", "expression")

    try:
        tree = ex.parse(spec.compute["expression"], set(spec.inputs))
    except ex.ExpressionError as exc:
        raise fail(str(exc)) from None
    used = ex.operands(tree)
    for name in spec.inputs:
        if name not in used:
            raise spec.error(f"input {name} is not used by the expression", "inputs", name)
    if len(spec.outputs) != 1:
        raise spec.error("the elementwise pattern writes exactly one output", "outputs")
    (out,) = spec.outputs.values()
    formats = {res.tile_format(spec, t).name for t in spec.inputs.values()}
    if len(formats) > 1:
        raise spec.error(f"inputs have different dtypes ({', '.join(sorted(formats))}); elementwise kernels unpack "
                         "one input format", "inputs")
    for t in spec.inputs.values():
        if t.dims != out.dims:
            raise spec.error(f"shape {list(t.dims)} differs from output {out.name}'s {list(out.dims)} "
                             "(broadcasting is not supported)", "inputs", t.name, "shape")
    tiling = res.tiling(spec, out)
    res.check_dram(spec, [*spec.inputs.values(), out])
    block = spec.schedule.tiles_per_block or 1
    if tiling.tiles % block:
        raise spec.error(f"{tiling.tiles} tiles do not divide into blocks of {block}", "schedule", "tiles_per_block")
    res.check_dst(spec, block, f"a block of {block} tiles (one DST slot each)", "schedule", "tiles_per_block")
    grid = res.core_grid(spec)
    num_blocks = tiling.tiles // block
    split = res.split_work(num_blocks, grid)

    cbs: list[CBPlan] = []
    cb_of: dict[str, str] = {}
    for i, name in enumerate(used):
        pages, _ = res.cb_pages(spec, name, block)
        cb = CBPlan(i, f"cb_{name.lower()}", res.tile_format(spec, spec.inputs[name]), pages, f"input {name}")
        cbs.append(cb)
        cb_of[name] = cb.var
    pages, _ = res.cb_pages(spec, out.name, block)
    out_cb = CBPlan(OUTPUT_CB, "cb_out", res.tile_format(spec, out), pages, f"output {out.name}")
    cbs.append(out_cb)
    l1 = res.check_l1(spec, cbs)
    ops = lower(tree, cb_of, fail)

    first = ops[0]
    hw_init = ("binary_op_init_common", (first.cb_a, first.cb_b)) if first.kind == "binary" else \
        ("compute_kernel_hw_startup", (first.cb_a or cbs[0].var,))
    names = kernel_names(spec)
    context = base_context(spec, names) | {
        "expression": ex.to_text(tree).removeprefix("(").removesuffix(")") if isinstance(tree, ex.Binary)
        else ex.to_text(tree),
        "inputs": [tensor_context(spec, spec.inputs[n], cb) for n, cb in zip(used, cbs)],
        "output": tensor_context(spec, out, out_cb),
        "cbs": cbs,
        "rows": tiling.rows,
        "cols": tiling.cols,
        "block_tiles": block,
        "grid": grid,
        "ops": ops,
        "hoist_init": len(ops) == 1,
        "hw_init": hw_init,
        "compute_includes": _includes(ops),
    }
    explain = [
        f"expression {context['expression']}: {len(ops)} op(s) in DST per tile: "
        + ", ".join(f"{op.kind} {op.name}" for op in ops),
        f"output {out.name}: {tiling.rows}x{tiling.cols} = {tiling.tiles} tiles in blocks of {block}",
        f"grid {grid[0]}x{grid[1]}: {split.describe('block')}",
        *[f"CB c_{cb.index} ({cb.purpose}): {cb.pages} pages x {cb.page_size} B {cb.fmt.metal_name}" for cb in cbs],
        f"L1 per core: {l1} B of {res.arch.L1_USABLE} B usable",
    ]
    def cpp() -> dict:
        import sympy

        from .cpp_expr import cxx, symbols

        start, blk, t = symbols("start_block", "block", "t")
        rows, cols, tile_hw = symbols("rows", "cols", "TILE_HW")
        tile_index = block * (start + blk) + t if block > 1 else start + blk
        return {"rows_expr": cxx(sympy.Mul(*out.shape[:-1])), "cols_expr": cxx(out.shape[-1]),
                "num_tiles_expr": cxx(sympy.floor(rows * cols / tile_hw)), "tile_index": cxx(tile_index)}

    metadata = {
        "pattern": "elementwise",
        "compute": {"expression": spec.compute["expression"]},
        "numerics": numerics(spec),
    }
    return Plan(spec, "elementwise", io_files(names, "elementwise"), context, cbs, metadata, explain, cpp)


def _includes(ops: list[Op]) -> list[str]:
    includes = {"api/compute/common.h"}
    for op in ops:
        if op.kind in ("binary", "reuse"):
            includes.add("api/compute/eltwise_binary.h")
        elif op.kind == "copy":
            includes.add("api/compute/tile_move_copy.h")
        else:
            includes.add(SFPU_HEADERS[op.name])
    return sorted(includes)
