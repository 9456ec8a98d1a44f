"""What every reference shares: the golden result type, the tolerances, and the pack error of a format.
A leaf module: the pattern references import it, and the package puts them together."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_DRAWS = 20_000  # redraws of an input adjustment that looks for unambiguous inputs (NSA needs ~500)


class NoUnambiguousInputs(ValueError):
    """An input adjustment found no inputs with a clear answer within MAX_DRAWS draws (the spec's parameters
    leave every draw within the margin)."""


RTOL = {"bfloat16": 2.0**-8, "float32": 2.0**-20, "float16": 2.0**-10, "bfloat8_b": 2.0**-6, "bfloat4_b": 2.0**-2}
ATOL = 1e-6
INTEGRAL = ("uint32", "int32", "uint16", "uint8")
BLOCK_FORMATS = ("bfloat8_b", "bfloat4_b")


def pack_error(values: np.ndarray, dtype: str) -> np.ndarray:
    """The largest error of packing `values` (logical layout) into `dtype`, elementwise: RTOL of the value, or
    for a block-float format, RTOL of the largest magnitude among the 16 values of its face row (they share one
    exponent)."""
    if dtype not in BLOCK_FORMATS or values.ndim == 0 or values.shape[-1] % 16:
        error = np.abs(values)
        error *= RTOL[dtype]
        return error
    groups = np.abs(values).reshape(values.shape[:-1] + (values.shape[-1] // 16, 16)).max(axis=-1, keepdims=True)
    return RTOL[dtype] * np.broadcast_to(groups, values.shape[:-1] + (values.shape[-1] // 16, 16)).reshape(values.shape)


SFPU_ROUNDINGS = {"exp": 4}  # bf16 units charged per SFPU function (accurate to a few ulps)


@dataclass
class Golden:
    value: np.ndarray  # float64, the exact result in the output's logical shape
    bound: np.ndarray  # float64, the largest |error| we accept, elementwise
