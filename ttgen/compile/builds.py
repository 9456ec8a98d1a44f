"""What the real compiler needs to know about each kernel: learned by running the host program dry."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Location


@dataclass(frozen=True)
class KernelBuild:
    """One kernel as tt-metal's JIT build would compile it."""

    path: Path  # the kernel source on disk
    kind: str  # "dataflow" or "compute"
    processor: str | None  # "RISCV_0" (BRISC) or "RISCV_1" (NCRISC) for data-movement kernels
    noc: int
    compile_args: tuple[int, ...]
    cb_formats: dict[int, str] = field(default_factory=dict)  # CB index -> tt::DataFormat enumerator, e.g. "Float16_b"
    math_fidelity: str = "HiFi4"
    fp32_dest_acc_en: bool = False
    dst_full_sync_en: bool = False
    math_approx_mode: bool = False
    created_at: Location | None = None  # the host line of its CreateKernel


def collect_builds(folder: str | Path) -> list[KernelBuild]:
    """Every kernel of every program the host program of `folder` enqueues."""
    from ..interp.runner import collect_programs

    builds = []
    for program in collect_programs(folder):
        for kernel in program.kernels:
            formats: dict[int, str] = {}
            for cb in program.cbs:
                if set(cb.cores) & set(kernel.cores):
                    formats.update({index: fmt.metal_name for index, fmt in cb.formats.items()})
            builds.append(KernelBuild(Path(kernel.path), kernel.kind, kernel.processor, kernel.noc,
                                      tuple(kernel.compile_args), formats, kernel.math_fidelity,
                                      kernel.fp32_dest_acc_en, kernel.dst_full_sync_en, kernel.math_approx_mode,
                                      kernel.created_at))
    return builds
