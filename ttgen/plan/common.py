"""Context pieces every template set shares: file names, tensor naming, numeric settings."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from ..cpp_keywords import CPP_KEYWORDS
from ..numerics.dataformat import HOST_ONLY_FORMATS
from ..spec import Spec, TensorSpec
from .model import CBPlan, OutputFile

PROCESSORS = {"riscv_0": "RISCV_0", "riscv_1": "RISCV_1"}


def fp32_hex(value: float) -> str:
    """`value` as a float32, its bits as a C++ literal ("0x3F800000"): how kernels get float constants."""
    return f"0x{struct.unpack('<I', struct.pack('<f', value))[0]:08X}"


def bf16_bits(value: float) -> int:
    """The bfloat16 nearest `value` (ties to even), as its 16 bits."""
    import ml_dtypes  # only plans with float constants pay for it; validating a GEMM does not
    import numpy as np

    return int(np.array([value], dtype=ml_dtypes.bfloat16).view(np.uint16)[0])


def kernel_names(spec: Spec) -> dict[str, str]:
    """Output paths inside the kernel folder, named as the tt-metal programming examples name them."""
    n = spec.name
    return {
        "reader": f"kernels/dataflow/reader_{n}.cpp",
        "writer": f"kernels/dataflow/writer_{n}.cpp",
        "compute": f"kernels/compute/compute_{n}.cpp",
        "host": f"host/{n}.cpp",
        "io": "host/ttgen_io.hpp",
    }


def io_files(names: dict[str, str], template_set: str) -> list[OutputFile]:
    return [
        OutputFile(f"{template_set}/reader.cpp.j2", names["reader"]),
        OutputFile(f"{template_set}/compute.cpp.j2", names["compute"]),
        OutputFile(f"{template_set}/writer.cpp.j2", names["writer"]),
        OutputFile(f"{template_set}/host.cpp.j2", names["host"]),
        OutputFile("common/ttgen_io.hpp.j2", names["io"]),
    ]


def roles(spec: Spec) -> tuple[str, str]:
    """Data-movement processors for reader and writer (default: reader on RISCV_0/BRISC, writer on RISCV_1)."""
    r = spec.schedule.roles
    reader = PROCESSORS[r.get("reader", "riscv_0")]
    writer = PROCESSORS[r.get("writer", "riscv_1" if reader == "RISCV_0" else "riscv_0")]
    if reader == writer:
        raise spec.error("reader and writer cannot share one data-movement processor", "schedule", "roles")
    return reader, writer


def numerics(spec: Spec) -> dict[str, Any]:
    s = spec.schedule
    return {"math_fidelity": s.math_fidelity, "fp32_accumulation": s.fp32_accumulation, "dst_sync": s.dst_sync}


def base_context(spec: Spec, names: dict[str, str]) -> dict[str, Any]:
    reader, writer = roles(spec)
    s = spec.schedule
    return {
        "name": spec.name,
        "spec_file": Path(spec.file).name,
        "description": spec.description.strip(),
        "sizes": spec.sizes,
        "paths": names,
        "reader_processor": reader,
        "writer_processor": writer,
        "math_fidelity": s.math_fidelity,
        "fp32_dest_acc_en": s.fp32_accumulation,
        "dst_full_sync_en": s.dst_sync == "full",
        "math_approx_mode": s.math_approx,
    }


HOST_TYPES = {"bfloat16": "bfloat16", "float32": "float", "uint32": "uint32_t"}
BLOCK_FLOAT = {"bfloat8_b": 8, "bfloat4_b": 4}  # packed into pages by the host



def tensor_context(spec: Spec, tensor: TensorSpec, cb: CBPlan, rows: str = "rows", cols: str = "cols") -> dict[str, Any]:
    """How one tensor is spelled across the kernel files; `rows`/`cols` name its 2-D extent in the host."""
    if tensor.dtype not in (*HOST_TYPES, *HOST_ONLY_FORMATS, *BLOCK_FLOAT):
        raise spec.error(f"host I/O of {tensor.dtype} tensors is not supported yet (use bfloat16 or float32)",
                         tensor.group, tensor.name, "dtype")
    var = tensor.name.lower()
    if var in CPP_KEYWORDS:  # dO -> do
        var = f"{var}_tensor"
    return {
        "name": tensor.name,
        "var": var,
        "addr": f"{var}_addr",
        "buffer": f"{var}_buffer",
        "cb": cb,
        "dtype": tensor.dtype,
        "host_type": HOST_TYPES.get(tensor.dtype, "float"),  # FP8 and block-float values travel as float
        "block_float": BLOCK_FLOAT.get(tensor.dtype),  # the bits of its pack_as_bfp*_tiles, or None
        "dims": list(tensor.dims),
        "rows": rows,
        "cols": cols,
    }
