"""Tile layouts and data formats exactly as Tenstorrent hardware stores them."""

from .formats import FORMATS, DataFormat, by_metal_name, decode_tile, encode_tile, round_to
from .layout import (
    FACE_DIM,
    FACE_ELEMS,
    TILE_DIM,
    TILE_ELEMS,
    faces_to_tile,
    tile_to_faces,
    tilize,
    untilize,
)

__all__ = [
    "FACE_DIM",
    "FACE_ELEMS",
    "FORMATS",
    "TILE_DIM",
    "TILE_ELEMS",
    "DataFormat",
    "by_metal_name",
    "decode_tile",
    "encode_tile",
    "faces_to_tile",
    "round_to",
    "tile_to_faces",
    "tilize",
    "untilize",
]
