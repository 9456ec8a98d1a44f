"""References of the quantized kernels: the FP8 GEMM with per-block scales.

Inputs are quantized as FP8 recipes quantize, from real values whose blocks differ in magnitude by up to 2^8
(outlier rows and channels, so that each scale matters) (DeepSeek-V3's fine-grained scheme): a real-valued operand X is cut
into blocks (1 x bk for A, bk x bn for B); each block's scale is amax / (the format's largest finite value) and the
operand is X / scale rounded to the 8-bit format (ml_dtypes' float8_e4m3fn / float8_e5m2). The golden result is
the definition, C = Σ_kb (sa · A_kb) @ (B_kb · sb), in float64 on those exact 8-bit values and float32 scales.

Tolerance. The kernel reads the carried operand: exact for a bfloat16 carry; for bfloat8_b each value may lose
the low bits below its group's shared exponent, an error the bound charges exactly (|A - bfp8(A)| per element,
through |B| and the scales). Scaling and summing run in float32 (charged 2^-22 per K block on the magnitudes),
and the bfloat16 output pack 2^-8 of |C|.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from ..numerics.formats import HOST_ONLY, round_to
from .golden import ATOL, RTOL, Golden

FINITE_MAX = {name: float(ml_dtypes.finfo(dtype).max) for name, dtype in HOST_ONLY.items()}


def _block_view(x: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """[R, C] -> [R/rows, C/cols, rows, cols]."""
    r, c = x.shape
    return x.reshape(r // rows, rows, c // cols, cols).transpose(0, 2, 1, 3)


def _quantize(x: np.ndarray, rows: int, cols: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """(8-bit values as float32 in x's shape, float32 scale per block)."""
    blocks = _block_view(x, rows, cols)
    amax = np.abs(blocks).max(axis=(2, 3))
    scale = (np.maximum(amax, 1e-12) / FINITE_MAX.get(dtype, 1.0)).astype(np.float32)
    scaled = blocks / scale[:, :, None, None]
    values = scaled.transpose(0, 2, 1, 3).reshape(x.shape)
    return round_to(values, dtype) if dtype in HOST_ONLY else values.astype(np.float32), scale


def _fp8_inputs(meta: dict, inputs: dict, rng: np.random.Generator) -> dict:
    c = meta["compute"]
    bk, bn = c["block"]
    for operand, scale, (rows, cols) in ((c["a"], c["a_scale"], (1, bk)), (c["b"], c["b_scale"], (bk, bn))):
        x = rng.uniform(-1.0, 1.0, size=meta["inputs"][operand]["shape"])
        # blocks of very different magnitudes (outlier rows and channels), so that every scale matters
        r, s = x.shape
        x *= _expand(2.0 ** rng.uniform(-4, 4, size=(r // rows, s // cols)), rows, cols)
        inputs[operand], inputs[scale] = _quantize(x, rows, cols, meta["inputs"][operand]["dtype"])
    return inputs


def _expand(scale: np.ndarray, rows: int, cols: int) -> np.ndarray:
    return np.repeat(np.repeat(scale, rows, axis=0), cols, axis=1)


def _carry_error(values: np.ndarray, carry: str) -> np.ndarray:
    if carry in ("float8", "bfloat16"):  # widened on the device, or by the host: every FP8 value is a bfloat16
        return np.zeros(values.shape)
    return np.abs(values - round_to(values, carry)).astype(np.float64)


def _fp8_matmul(meta: dict, inputs: dict[str, np.ndarray]) -> dict[str, Golden]:
    c = meta["compute"]
    bk, bn = c["block"]
    a, b = inputs[c["a"]].astype(np.float64), inputs[c["b"]].astype(np.float64)
    sa = _expand(inputs[c["a_scale"]].astype(np.float64), 1, bk)  # [M, K]
    sb = _expand(inputs[c["b_scale"]].astype(np.float64), bk, bn)  # [K, N]
    k_blocks = a.shape[1] // bk
    value = np.zeros((a.shape[0], b.shape[1]))
    error = np.zeros_like(value)
    magnitude = np.zeros_like(value)
    da, db = _carry_error(a, c["carry"][c["a"]]), _carry_error(b, c["carry"][c["b"]])
    for kb in range(k_blocks):
        cols = slice(kb * bk, (kb + 1) * bk)
        sa_kb, sb_kb = sa[:, cols], sb[cols]
        value += (sa_kb * a[:, cols]) @ (b[cols] * sb_kb)
        magnitude += np.abs(sa_kb * a[:, cols]) @ np.abs(b[cols] * sb_kb)
        # |A·B - A'·B'| <= dA (|B| + dB) + |A| dB, each side with its scales
        error += (np.abs(sa_kb) * da[:, cols]) @ ((np.abs(b[cols]) + db[cols]) * np.abs(sb_kb)) \
            + np.abs(sa_kb * a[:, cols]) @ (db[cols] * np.abs(sb_kb))
    (out_name, out), = meta["outputs"].items()
    bound = error + 2.0**-22 * (k_blocks + 2) * magnitude + RTOL[out["dtype"]] * np.abs(value) + ATOL
    return {out_name: Golden(value, bound)}


REFERENCES = {"fp8_matmul": _fp8_matmul}
INPUT_ADJUSTMENTS = {"fp8_matmul": _fp8_inputs}
