"""Tile layouts and data formats exactly as Tenstorrent hardware stores them: dataformat (the table), layout
(tiles and faces), formats (rounding and page encoding)."""
