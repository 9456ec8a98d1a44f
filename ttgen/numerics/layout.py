"""Tile layout: how a row-major matrix is laid out as 32x32 tiles of 16x16 faces.

Facts, as read in tenstorrent/tt-metal:

* ``tt_metal/api/tt-metalium/constants.hpp`` @ b7c30ff06218e3c574a5b86a765ea51fba6a5e3c
  (same text in the ttnn 0.74.0 wheel): a tile is 32x32 (``TILE_HEIGHT``/``TILE_WIDTH``) and a
  face is 16x16 (``FACE_HEIGHT``/``FACE_WIDTH``).
* ``tt_metal/impl/data_format/tilize_utils.cpp`` @ 2b3f3aec4d963b592657400201ecf9f5766dee96:
  ``tilize_nfaces(input, m, n)`` is ``convert_layout(LIN_ROW_MAJOR -> TILED_NFACES)``
  without face transposition.  It walks tiles row by row over the
  (m/32, n/32) tile grid; inside a tile it emits the faces in the order
  (face row 0: left, right), (face row 1: left, right), and each face as its
  16 rows of 16 contiguous values.  ``untilize_nfaces`` is the exact inverse.
  Both were also compared element for element with ``tilize_nfaces<float>`` /
  ``untilize_nfaces<float>`` from libtt_metal.so in the ttnn 0.74.0 wheel.

So element ``(r, c)`` of an ``R x C`` matrix lands at flat index::

    ((r // 32) * (C // 32) + c // 32) * 1024      # which tile
    + ((r % 32) // 16 * 2 + (c % 32) // 16) * 256  # which face in the tile
    + (r % 16) * 16 + c % 16                       # row-major inside the face

Everything here is a reshape/transpose; no Python loops over elements.
"""

from __future__ import annotations

import numpy as np

TILE_DIM = 32
FACE_DIM = 16
TILE_ELEMS = TILE_DIM * TILE_DIM
FACE_ELEMS = FACE_DIM * FACE_DIM
_FACES_PER_SIDE = TILE_DIM // FACE_DIM  # 2x2 faces per tile

__all__ = [
    "FACE_DIM",
    "FACE_ELEMS",
    "TILE_DIM",
    "TILE_ELEMS",
    "faces_to_tile",
    "tile_to_faces",
    "tilize",
    "untilize",
]


def _check_tiled_shape(rows: int, cols: int) -> None:
    if rows <= 0 or cols <= 0 or rows % TILE_DIM or cols % TILE_DIM:
        raise ValueError(f"matrix shape ({rows}, {cols}) is not a positive multiple of {TILE_DIM}x{TILE_DIM}")


def tile_to_faces(tile: np.ndarray) -> np.ndarray:
    """(32, 32) tile -> flat 1024 values in face order (face0..face3, each row-major)."""
    tile = np.asarray(tile)
    if tile.shape != (TILE_DIM, TILE_DIM):
        raise ValueError(f"expected a ({TILE_DIM}, {TILE_DIM}) tile, got shape {tile.shape}")
    # axes: (face_row, row_in_face, face_col, col_in_face) -> face-major order
    split = tile.reshape(_FACES_PER_SIDE, FACE_DIM, _FACES_PER_SIDE, FACE_DIM)
    return split.transpose(0, 2, 1, 3).reshape(TILE_ELEMS)


def faces_to_tile(flat: np.ndarray) -> np.ndarray:
    """Inverse of :func:`tile_to_faces`: 1024 values in face order -> (32, 32) tile."""
    flat = np.asarray(flat)
    if flat.size != TILE_ELEMS:
        raise ValueError(f"expected {TILE_ELEMS} values in face order, got {flat.size}")
    faces = flat.reshape(_FACES_PER_SIDE, _FACES_PER_SIDE, FACE_DIM, FACE_DIM)
    return faces.transpose(0, 2, 1, 3).reshape(TILE_DIM, TILE_DIM)


def tilize(matrix: np.ndarray) -> np.ndarray:
    """Row-major (R, C) matrix -> flat array in tt-metal ``tilize_nfaces`` order.

    Tiles go row-major over the (R/32, C/32) grid; each tile is in face order
    (see the module docstring for the exact index formula).
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2:
        raise ValueError(f"tilize expects a 2-D matrix, got shape {matrix.shape}")
    rows, cols = matrix.shape
    _check_tiled_shape(rows, cols)
    # axes: (tile_row, face_row, row_in_face, tile_col, face_col, col_in_face)
    split = matrix.reshape(
        rows // TILE_DIM, _FACES_PER_SIDE, FACE_DIM, cols // TILE_DIM, _FACES_PER_SIDE, FACE_DIM
    )
    return split.transpose(0, 3, 1, 4, 2, 5).reshape(-1)


def untilize(flat: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Inverse of :func:`tilize` (tt-metal ``untilize_nfaces``): flat tiles -> (rows, cols)."""
    _check_tiled_shape(rows, cols)
    flat = np.asarray(flat)
    if flat.size != rows * cols:
        raise ValueError(f"untilize: {flat.size} values cannot fill a ({rows}, {cols}) matrix")
    # axes: (tile_row, tile_col, face_row, face_col, row_in_face, col_in_face)
    split = flat.reshape(
        rows // TILE_DIM, cols // TILE_DIM, _FACES_PER_SIDE, _FACES_PER_SIDE, FACE_DIM, FACE_DIM
    )
    return split.transpose(0, 2, 4, 1, 3, 5).reshape(rows, cols)
