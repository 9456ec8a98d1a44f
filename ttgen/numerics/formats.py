"""Tenstorrent tile data formats: page sizes, page bytes, and value rounding.

Sources (tenstorrent/tt-metal unless noted).  The block-float encoder and
decoder were also checked bit-for-bit against ``libtt_metal.so`` from the ttnn
0.74.0 wheel (``pack_as_bfp_tiles``, ``unpack_bfp{8,4}_tiles_into_float_vec``
called through ctypes on a mock Wormhole cluster); tests/numerics holds golden
digests from that run.  The bfloat16 converter is inlined in that binary, so
it is checked against the source only.

* Page sizes -- ``tt_metal/impl/data_format/tile.cpp`` @ 0043cc9dfcb19c57f6c54cde88db68a88ebeba0e
  (``Tile::get_tile_size``) and ``tt_metal/api/tt-metalium/constants.hpp``
  @ b7c30ff06218e3c574a5b86a765ea51fba6a5e3c, identical in the wheel
  (``BFLOAT8_B_TILE_HW`` / ``BFLOAT4_B_TILE_HW``): 4 B/value for Float32,
  UInt32, Int32; 2 B for Float16_b, Float16, UInt16; 1 B for UInt8; block-float
  pages are a 64-byte exponent section (one byte per 16-value face row, 16 rows
  x 4 faces, already a multiple of the 16 B L1 alignment, so no padding)
  followed by the mantissa bytes: 1024 B for Bfp8_b, 512 B for Bfp4_b.
* Enumerator names -- ``tt_metal/common/tt_backend_api_types.cpp`` @ 040a27c125587553626a7e57baa42571c8af91fa
  (``operator<<(DataFormat)``) and ``hw/inc/internal/tt-1xx/blackhole/tensix_types.h``
  in the wheel (``Bfp8_b = 6``, ``Bfp4_b = 7``, ...).
* bfloat16 -- ``tt_metal/impl/data_format/bfloat16.cpp`` @ 0266e6f1f3b025345ea752018469941cada53034:
  the host converts float32 -> bfloat16 with round-to-nearest-even and writes
  every NaN as 0x7FC0.  We round with ``ml_dtypes`` and only canonicalise NaN.
* Block float (``Bfp8_b``, ``Bfp4_b``) -- ``tt_metal/impl/data_format/blockfloat_common.cpp``
  @ 6f2b15d071abc70634688d4acdf5c2bcafac3127 (``convert_u32_to_bfp``,
  ``pack_fp32_vec_as_bfp_tiles``), ``bfp_simd.hpp`` @ 1382820a5aac8cfe0ef5f275be4fe8076aa00525
  (same rules, vectorised) and ``bfloat8.cpp`` @ 04b3405067aa1e0a4f142aad0f7d3937337f0e12
  (``unpack_bfp8_tiles_into_float_vec``).  In our words:

  - A group is 16 consecutive values of one face row.  Its shared exponent is
    the largest raw 8-bit float32 exponent field in the group (zeros count as 0).
  - Each value keeps its 24-bit significand (hidden 1 made explicit), shifted
    right by (shared - own exponent); bits shifted out here are simply lost.
    The result is then rounded to the top 7 (Bfp8_b) or 3 (Bfp4_b) bits with
    round-to-nearest, ties-to-even, looking only at the bits that survived the
    alignment shift.  A round-up that overflows the field does NOT bump the
    exponent: the magnitude saturates at 0x7F (0x7 for Bfp4_b).
  - Inputs whose exponent field is 0 (zeros and denormals) encode as 0, and a
    value whose magnitude rounds to 0 loses its sign, so -0.0 never appears.
  - Code layout: sign in the top bit, magnitude below; Bfp8_b is one code per
    byte, Bfp4_b packs two codes per byte, earlier value in the low nibble.
    The exponent section lists face 0 rows 0..15, then faces 1, 2, 3; the
    mantissa section follows in the same face-row order.
  - Decoding renormalises: a magnitude m with its leading 1 at bit b becomes
    a float32 with exponent shared - (width - 1 - b).  The host page unpacker
    flushes to +0.0 any value whose exponent would go below zero (the scalar
    ``convert_bfp_to_u32`` would wrap instead; we follow the page unpacker).
    A code of just the sign bit decodes to -0.0.

  Another stored revision of blockfloat_common.cpp (034fc8c7f283118f8e0cc6f0a603299171199488)
  only zeroes +-0.0 and gives denormal inputs a hidden bit; the 0.74.0 binary
  flushes them, and so do we.

* Float16 is IEEE binary16 (numpy round-to-nearest-even).  tt-metal has no
  host packer for it to compare against; this is the one unverified rounding.
* Integer pages are taken to be the little-endian integers themselves, Int32
  as two's complement (the host copies integer data as-is; no converter to
  check against).
"""

from __future__ import annotations

from functools import lru_cache

import ml_dtypes
import numpy as np

from .dataformat import EXP_SECTION_BYTES, FORMATS, HOST_ONLY_FORMATS, DataFormat, by_metal_name
from .layout import FACE_DIM, TILE_DIM, faces_to_tile, tile_to_faces

__all__ = [
    "DataFormat",
    "FORMATS",
    "by_metal_name",
    "decode_tile",
    "encode_tile",
    "round_to",
]


# Host formats with no Tensix tile format: a spec carries them in one (schedule.carry). e4m3 is the OCP "fn"
# variant (no infinities, max 448), the format of FP8 training and inference recipes.
HOST_ONLY = dict(zip(HOST_ONLY_FORMATS, (ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e5m2)))

# Formats stored as one plain little-endian element per value.
_ELEMENT_DTYPE = {
    "float32": np.dtype("<f4"),
    "bfloat16": np.dtype(ml_dtypes.bfloat16),
    "float16": np.dtype("<f2"),
    "uint32": np.dtype("<u4"),
    "int32": np.dtype("<i4"),
    "uint16": np.dtype("<u2"),
    "uint8": np.dtype("u1"),
}
# Block-float formats: magnitude bits per value (the sign bit comes on top).
_BFP_MAGNITUDE_BITS = {"bfloat8_b": 7, "bfloat4_b": 3}

_BF16_HOST_NAN = np.uint16(0x7FC0)  # what tt-metal's host converter writes for any NaN


def _format(fmt: str | DataFormat) -> DataFormat:
    name = fmt.name if isinstance(fmt, DataFormat) else fmt
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown data format {fmt!r}; known: {sorted(FORMATS)}") from None


# --------------------------------------------------------------------------
# Block float
# --------------------------------------------------------------------------


def _bfp_encode_groups(words: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """float32 bit patterns shaped (..., 16) -> (shared exponents (..., 1), codes (..., 16)), both uint8."""
    exponent = (words >> 23) & 0xFF
    shared = exponent.max(axis=-1, keepdims=True)
    significand = (words & 0x7FFFFF) | 0x800000
    # Shifts of 24+ already give 0; capping at 31 keeps numpy's shift defined.
    significand >>= np.minimum(shared - exponent, 31)
    dropped = 24 - bits
    remainder = significand & ((1 << dropped) - 1)
    magnitude = significand >> dropped
    half = 1 << (dropped - 1)
    round_up = (remainder > half) | ((remainder == half) & ((magnitude & 1) == 1))
    magnitude += round_up
    np.minimum(magnitude, (1 << bits) - 1, out=magnitude)  # saturate, never carry into the exponent
    magnitude[exponent == 0] = 0  # zeros and denormals are flushed
    sign = (words >> 31) & (magnitude != 0)  # no negative zero
    codes = (sign << bits) | magnitude
    return shared.astype(np.uint8), codes.astype(np.uint8)


@lru_cache(maxsize=None)
def _bfp_decode_table(bits: int) -> np.ndarray:
    """uint32 float32 bit pattern for every (shared exponent, code) pair: shape (256, 2**(bits+1))."""
    shared = np.arange(256, dtype=np.int64)[:, None]
    code = np.arange(1 << (bits + 1), dtype=np.int64)[None, :]
    sign = code >> bits
    magnitude = code & ((1 << bits) - 1)
    leading_bit = np.frexp(magnitude)[1] - 1  # index of the top set bit (-1 for 0)
    shift = (bits - 1) - leading_bit  # left shifts until the leading 1 is the hidden bit
    fraction = (magnitude << np.maximum(shift + 1, 0)) & ((1 << bits) - 1)
    exponent = shared - shift
    words = (sign << 31) | (exponent << 23) | (fraction << (23 - bits))
    words = np.where(magnitude == 0, sign << 31, words)
    words = np.where((magnitude != 0) & (exponent < 0), 0, words)  # host unpacker flushes underflow to +0
    table = words.astype(np.uint32)
    table.flags.writeable = False
    return table


def _bfp_round(values: np.ndarray, bits: int) -> np.ndarray:
    """Quantise float32 values whose last axis is a multiple of 16 (groups = 16 consecutive values)."""
    words = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    groups = words.reshape(*words.shape[:-1], -1, FACE_DIM)
    shared, codes = _bfp_encode_groups(groups, bits)
    return _bfp_decode_table(bits)[shared, codes].view(np.float32).reshape(values.shape)


def _bfp_encode_tile(tile: np.ndarray, fmt: DataFormat) -> bytes:
    bits = _BFP_MAGNITUDE_BITS[fmt.name]
    face_rows = tile_to_faces(tile).view(np.uint32).reshape(-1, FACE_DIM)
    shared, codes = _bfp_encode_groups(face_rows, bits)
    codes = codes.reshape(-1)
    if bits == 3:  # two codes per byte, earlier value in the low nibble
        codes = codes[0::2] | (codes[1::2] << 4)
    return shared.tobytes() + codes.tobytes()


def _bfp_decode_tile(page: np.ndarray, fmt: DataFormat) -> np.ndarray:
    bits = _BFP_MAGNITUDE_BITS[fmt.name]
    shared = page[:EXP_SECTION_BYTES]
    packed = page[EXP_SECTION_BYTES:]
    if bits == 3:
        codes = np.stack((packed & 0x0F, packed >> 4), axis=-1)
    else:
        codes = packed
    codes = codes.reshape(EXP_SECTION_BYTES, FACE_DIM)
    words = _bfp_decode_table(bits)[shared[:, None], codes]
    return faces_to_tile(words.view(np.float32))


# --------------------------------------------------------------------------
# Integers
# --------------------------------------------------------------------------


def _require_integers(values: np.ndarray, fmt: DataFormat) -> None:
    """Integer formats have no rounding rule: accept only exact in-range integers."""
    if values.size == 0:
        return
    info = np.iinfo(_ELEMENT_DTYPE[fmt.name])
    integral = values.dtype.kind in "ui" or bool(np.all(np.isfinite(values)) and np.all(values == np.trunc(values)))
    # .item() gives Python numbers, which compare exactly with the integer bounds
    if not integral or values.min().item() < info.min or values.max().item() > info.max:
        raise ValueError(f"{fmt.name} holds integers in [{info.min}, {info.max}]; got values outside that set")


def _to_elements(values: np.ndarray, fmt: DataFormat) -> np.ndarray:
    with np.errstate(over="ignore"):  # overflowing to +-inf is the intended rounding
        return values.astype(_ELEMENT_DTYPE[fmt.name])


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def round_to(values: np.ndarray, fmt: str) -> np.ndarray:
    """Return float32 values rounded to what ``fmt`` can represent, exactly as the host encoder would.

    Block-float formats group 16 consecutive values of a row (= one face row),
    so ``values`` must be [..., R, C] with R and C multiples of 32.  Integer
    formats only accept values that are already in-range integers.
    """
    if fmt in HOST_ONLY:
        return np.asarray(values, dtype=np.float32).astype(HOST_ONLY[fmt]).astype(np.float32)
    spec = _format(fmt)
    values = np.asarray(values, dtype=np.float32)
    if spec.name in _BFP_MAGNITUDE_BITS:
        if values.ndim < 2 or values.shape[-1] % TILE_DIM or values.shape[-2] % TILE_DIM:
            raise ValueError(f"{spec.name} rounding needs [..., R, C] with R, C multiples of 32, got {values.shape}")
        return _bfp_round(values, _BFP_MAGNITUDE_BITS[spec.name])
    if not spec.is_float:
        _require_integers(values, spec)
        return values.copy()
    return _to_elements(values, spec).astype(np.float32)


def encode_tile(tile: np.ndarray, fmt: str) -> bytes:
    """(32, 32) tile -> the page bytes tt-metal stores (faces order, little-endian)."""
    spec = _format(fmt)
    tile = np.asarray(tile)
    if tile.shape != (TILE_DIM, TILE_DIM):
        raise ValueError(f"expected a ({TILE_DIM}, {TILE_DIM}) tile, got shape {tile.shape}")
    if spec.name in _BFP_MAGNITUDE_BITS:
        return _bfp_encode_tile(tile.astype(np.float32, copy=False), spec)
    if not spec.is_float:
        _require_integers(tile, spec)
    elif tile.dtype != np.float32:
        tile = tile.astype(np.float32)  # round via float32, like the host does
    faces = _to_elements(tile_to_faces(tile), spec)
    if spec.name == "bfloat16":
        bits = faces.view(np.uint16)
        bits[np.isnan(faces)] = _BF16_HOST_NAN
    return faces.tobytes()


def encode_rows(values: np.ndarray, fmt: str) -> bytes:
    """Values in row-major order -> their element bytes (an untilized page); block-float formats have no
    row-major form."""
    spec = _format(fmt)
    if spec.name in _BFP_MAGNITUDE_BITS:
        raise ValueError(f"{spec.name} shares exponents per tile face: it has no row-major layout")
    values = np.asarray(values)
    if not spec.is_float:
        _require_integers(values, spec)
    elements = _to_elements(values.astype(np.float32) if spec.is_float else values, spec)
    if spec.name == "bfloat16":
        elements.view(np.uint16)[np.isnan(elements)] = _BF16_HOST_NAN
    return elements.tobytes()


def decode_tile(page: bytes | np.ndarray, fmt: str) -> np.ndarray:
    """Page bytes -> (32, 32) tile: float32 for float formats, the integer dtype otherwise."""
    spec = _format(fmt)
    if isinstance(page, np.ndarray):
        raw = np.ascontiguousarray(page).reshape(-1).view(np.uint8)
    else:
        raw = np.frombuffer(page, dtype=np.uint8)
    if raw.size != spec.tile_bytes:
        raise ValueError(f"{spec.name} page must be {spec.tile_bytes} bytes, got {raw.size}")
    if spec.name in _BFP_MAGNITUDE_BITS:
        return _bfp_decode_tile(raw, spec)
    faces = raw.view(_ELEMENT_DTYPE[spec.name])
    if spec.is_float:
        faces = faces.astype(np.float32)
    return faces_to_tile(faces)
