"""Tile/face layout must match tt-metal's host tilize_nfaces / untilize_nfaces.

The expected positions come from plain index arithmetic written out here,
independently of the reshape/transpose code under test.
"""

import numpy as np
import pytest

from ttgen.numerics.layout import faces_to_tile, tile_to_faces, tilize, untilize


def _face_order_index(row: int, col: int) -> int:
    """Position of tile element (row, col) in face order."""
    face = (row // 16) * 2 + (col // 16)
    return face * 256 + (row % 16) * 16 + (col % 16)


def _index_tile() -> np.ndarray:
    """A tile whose values are their own row-major index."""
    return np.arange(1024, dtype=np.int32).reshape(32, 32)


def test_tile_to_faces_spot_values():
    flat = tile_to_faces(_index_tile())
    assert flat.shape == (1024,)
    assert list(flat[:16]) == list(range(16))  # face 0 row 0 = tile row 0, cols 0..15
    assert flat[16] == 32  # face 0 row 1 starts at tile row 1
    assert flat[255] == 15 * 32 + 15
    assert flat[256] == 16  # face 1 = top-right: tile row 0, col 16
    assert flat[512] == 16 * 32  # face 2 = bottom-left: tile row 16, col 0
    assert flat[768] == 16 * 32 + 16  # face 3 = bottom-right
    assert flat[1023] == 1023


def test_tile_to_faces_every_element():
    tile = _index_tile()
    flat = tile_to_faces(tile)
    for row in range(32):
        for col in range(32):
            assert flat[_face_order_index(row, col)] == tile[row, col]


def test_faces_to_tile_inverts_tile_to_faces():
    tile = np.random.default_rng(0).standard_normal((32, 32)).astype(np.float32)
    assert np.array_equal(faces_to_tile(tile_to_faces(tile)), tile)
    flat = np.arange(1024)
    assert np.array_equal(tile_to_faces(faces_to_tile(flat)), flat)


def test_tilize_64x96_every_element():
    rows, cols = 64, 96
    matrix = np.arange(rows * cols, dtype=np.int64).reshape(rows, cols)
    flat = tilize(matrix)
    assert flat.shape == (rows * cols,)
    tiles_per_row = cols // 32
    for r in range(rows):
        for c in range(cols):
            tile_index = (r // 32) * tiles_per_row + (c // 32)
            position = tile_index * 1024 + _face_order_index(r % 32, c % 32)
            assert flat[position] == r * cols + c, (r, c)


def test_tilize_tiles_are_row_major_over_grid():
    matrix = np.random.default_rng(1).standard_normal((64, 96)).astype(np.float32)
    flat = tilize(matrix)
    # tile 1 is grid (0, 1); tile 3 is grid (1, 0)
    assert np.array_equal(flat[1024:2048], tile_to_faces(matrix[:32, 32:64]))
    assert np.array_equal(flat[3 * 1024 : 4 * 1024], tile_to_faces(matrix[32:64, :32]))


@pytest.mark.parametrize("shape", [(32, 32), (64, 96), (96, 64), (128, 32)])
def test_untilize_inverts_tilize(shape):
    matrix = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    flat = tilize(matrix)
    assert np.array_equal(untilize(flat, *shape), matrix)
    assert np.array_equal(tilize(untilize(flat, *shape)), flat)


def test_tilize_keeps_dtype():
    matrix = np.arange(32 * 64, dtype=np.uint16).reshape(32, 64)
    assert tilize(matrix).dtype == np.uint16
    assert untilize(tilize(matrix), 32, 64).dtype == np.uint16


@pytest.mark.parametrize("shape", [(48, 32), (32, 40), (0, 32), (32,), (2, 32, 32)])
def test_tilize_rejects_untileable_shapes(shape):
    with pytest.raises(ValueError):
        tilize(np.zeros(shape))


def test_untilize_rejects_bad_sizes():
    with pytest.raises(ValueError):
        untilize(np.zeros(1024), 32, 64)
    with pytest.raises(ValueError):
        untilize(np.zeros(1024), 16, 64)


def test_face_helpers_reject_bad_shapes():
    with pytest.raises(ValueError):
        tile_to_faces(np.zeros((16, 64)))
    with pytest.raises(ValueError):
        faces_to_tile(np.zeros(1000))
