"""The tile data formats a spec can name: page sizes and tt::DataFormat enumerators (sources in formats.py).

A table only, without numpy or ml_dtypes, so planning and validating a spec stay light; formats.py holds the
rounding and page encoding.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..arch import FACE_WIDTH, TILE_HW


@dataclass(frozen=True)
class DataFormat:
    name: str  # spec name, e.g. "bfloat8_b"
    metal_name: str  # tt::DataFormat enumerator, e.g. "Bfp8_b"
    tile_bytes: int  # bytes in one 32x32 tile page
    is_float: bool


EXP_SECTION_BYTES = TILE_HW // FACE_WIDTH  # one shared exponent per face row: 64

_ALL = (
    DataFormat("float32", "Float32", 4 * TILE_HW, True),
    DataFormat("bfloat16", "Float16_b", 2 * TILE_HW, True),
    DataFormat("float16", "Float16", 2 * TILE_HW, True),
    DataFormat("bfloat8_b", "Bfp8_b", EXP_SECTION_BYTES + TILE_HW, True),
    DataFormat("bfloat4_b", "Bfp4_b", EXP_SECTION_BYTES + TILE_HW // 2, True),
    DataFormat("uint32", "UInt32", 4 * TILE_HW, False),
    DataFormat("int32", "Int32", 4 * TILE_HW, False),
    DataFormat("uint16", "UInt16", 2 * TILE_HW, False),
    DataFormat("uint8", "UInt8", TILE_HW, False),
)

FORMATS: dict[str, DataFormat] = {f.name: f for f in _ALL}

# Host formats with no Tensix tile format (a spec carries them in one, schedule.carry); formats.HOST_ONLY maps
# them to their ml_dtypes types.
HOST_ONLY_FORMATS = ("float8_e4m3", "float8_e5m2")

_BY_METAL = {f.metal_name: f for f in _ALL}


def by_metal_name(metal_name: str) -> DataFormat:
    """Look a format up by its ``tt::DataFormat`` enumerator name (e.g. ``"Bfp8_b"``)."""
    try:
        return _BY_METAL[metal_name]
    except KeyError:
        raise ValueError(f"unknown tt::DataFormat {metal_name!r}; known: {sorted(_BY_METAL)}") from None
