"""Spec -> Plan: every decision about a kernel (tiling, grid, work split, CBs, DST, indices), made with sympy."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..spec import Spec
from .attention import plan_attention
from .attention_backward import plan_attention_backward
from .cast import plan_cast
from .conv2d import plan_conv2d
from .elementwise import plan_elementwise
from .gemv import plan_gemv
from .linear_attention import plan_linear_attention
from .reduction import plan_reduction
from .topk import plan_topk
from .matmul import plan_matmul
from .moe import plan_moe
from .model import CBPlan, OutputFile, Plan

PLANNERS: dict[str, Callable[[Spec], Plan]] = {
    "elementwise": plan_elementwise,
    "matmul": plan_matmul,
    "gemv": plan_gemv,
    "reduction": plan_reduction,
    "cast": plan_cast,
    "conv2d": plan_conv2d,
    "attention": plan_attention,
    "attention_backward": plan_attention_backward,
    "linear_attention": plan_linear_attention,
    "topk_sampling": plan_topk,
    "moe": plan_moe,
}


def make_plan(spec: Spec) -> Plan:
    planner = PLANNERS.get(spec.pattern)
    if planner is None:
        raise spec.error(f"the {spec.pattern} pattern has no template set yet (available: "
                         f"{', '.join(sorted(PLANNERS))})", "pattern")
    plan = planner(spec)
    plan.metadata = {"kernel": spec.name, "spec": Path(spec.file).name, "host": plan.context["paths"]["host"],
                     "inputs": {n: {"shape": list(t.dims), "dtype": t.dtype} for n, t in spec.inputs.items()},
                     "outputs": {n: {"shape": list(t.dims), "dtype": t.dtype} for n, t in spec.outputs.items()},
                     **plan.metadata}
    return plan


__all__ = ["make_plan", "Plan", "CBPlan", "OutputFile", "PLANNERS"]
