"""Decisions every pattern makes the same way: tiling, the core grid, the work split, CB depths, L1 and DST."""

from __future__ import annotations

from dataclasses import dataclass

from .. import arch
from ..numerics.dataformat import FORMATS, DataFormat
from ..spec import Spec, TensorSpec
from .model import CBPlan

# Tensix formats a CB can hold; other spec dtypes (float8) must be carried in one of these.
TENSIX_FORMATS = ("bfloat16", "float32", "float16", "bfloat8_b", "bfloat4_b", "int32", "uint32", "uint16", "uint8")


def partials_format(spec: Spec, output: DataFormat) -> DataFormat:
    """The format partial sums travel in between K blocks or slices: DST's (Float32 with fp32 accumulation),
    else the output's, but never a block-float format, whose shared exponents would drop the small partials."""
    if spec.schedule.fp32_accumulation:
        return FORMATS["float32"]
    return FORMATS["bfloat16"] if output.name in ("bfloat8_b", "bfloat4_b") else output


def tile_format(spec: Spec, tensor: TensorSpec) -> DataFormat:
    """The tile format a tensor's pages have on the device: its dtype's, or the one schedule.carry names."""
    if tensor.name in spec.schedule.carry:
        carry = spec.schedule.carry[tensor.name]
        return FORMATS["uint8" if carry == "float8" else carry]  # float8: the FP8 codes themselves, one byte each
    if tensor.dtype not in TENSIX_FORMATS:
        raise spec.error(f"dtype {tensor.dtype} has no Tensix tile format; carry it in one with schedule.carry",
                         tensor.group, tensor.name, "dtype")
    return FORMATS[tensor.dtype]


@dataclass(frozen=True)
class Tiling:
    rows: int  # all leading dims flattened
    cols: int

    @property
    def row_tiles(self) -> int:
        return self.rows // arch.TILE_HEIGHT

    @property
    def col_tiles(self) -> int:
        return self.cols // arch.TILE_WIDTH

    @property
    def tiles(self) -> int:
        return self.row_tiles * self.col_tiles


def tiling(spec: Spec, tensor: TensorSpec) -> Tiling:
    """A tensor as a 2-D grid of 32x32 tiles; the last two dims must be tile multiples (no padding)."""
    dims = tensor.dims
    if len(dims) < 2:
        raise spec.error("tensors need at least two dimensions to be tiled", tensor.group, tensor.name, "shape")
    for axis, tile in ((len(dims) - 2, arch.TILE_HEIGHT), (len(dims) - 1, arch.TILE_WIDTH)):
        if dims[axis] % tile:
            raise size_error(spec, tensor, axis, f"{dims[axis]} is not a multiple of the tile size {tile}")
    rows = 1
    for d in dims[:-1]:
        rows *= d
    return Tiling(rows, dims[-1])


def size_error(spec: Spec, tensor: TensorSpec, axis: int, message: str):
    """Point at the size field behind a dimension when it is a plain size name, else at the shape entry."""
    written = tensor.source[axis]
    if isinstance(written, str) and written.strip() in spec.sizes:
        return spec.error(f"{written.strip()} = {message}", "sizes", written.strip())
    return spec.error(f"dimension {axis} of {tensor.name}: {message}", tensor.group, tensor.name, "shape", axis)


def core_grid(spec: Spec) -> tuple[int, int]:
    device = spec.device_grid or arch.DEVICE_GRID
    if spec.device_grid and (device[0] > arch.DEVICE_GRID[0] or device[1] > arch.DEVICE_GRID[1]):
        raise spec.error(f"device grid {device[0]}x{device[1]} is larger than the Wormhole n150's "
                         f"{arch.DEVICE_GRID[0]}x{arch.DEVICE_GRID[1]}", "device", "grid")
    grid = spec.schedule.grid or device
    if grid[0] > device[0] or grid[1] > device[1]:
        raise spec.error(f"grid {grid[0]}x{grid[1]} does not fit the {device[0]}x{device[1]} device grid",
                         "schedule", "grid")
    return grid


@dataclass(frozen=True)
class Split:
    """split_work_to_cores(grid, units): group 1 cores take one unit more than group 2 when uneven."""

    units: int
    cores: int
    group_1_cores: int
    per_core_1: int
    group_2_cores: int
    per_core_2: int

    def describe(self, unit: str) -> str:
        if self.group_2_cores == 0:
            return f"{self.units} {unit}s over {self.cores} cores, {self.per_core_1} each"
        return (f"{self.units} {unit}s over {self.cores} cores: {self.group_1_cores} cores take {self.per_core_1}, "
                f"{self.group_2_cores} take {self.per_core_2} (uneven split)")


def split_work(units: int, grid: tuple[int, int]) -> Split:
    """split_work_to_cores: the first `units mod cores` cores take one unit more."""
    cores = min(units, grid[0] * grid[1])
    base, extra = divmod(units, cores)
    if extra == 0:
        return Split(units, cores, cores, base, 0, 0)
    return Split(units, cores, extra, base + 1, cores - extra, base)


def cb_pages(spec: Spec, tensor: str | None, block: int, streamed: bool = True) -> tuple[int, str]:
    """Pages for a CB moving `block` tiles at a time; 'auto' double-buffers streamed operands."""
    depth = spec.schedule.cb_depth.get(tensor, spec.schedule.cb_depth["*"]) if tensor else "auto"
    if depth == "auto":
        depth = 2 if streamed else 1
        why = "auto: double-buffered so the producer fills one block while the consumer drains the other" \
            if streamed else "auto: single block, not streamed"
    else:
        why = "from the spec"
    return depth * block, why


def check_l1(spec: Spec, cbs: list[CBPlan]) -> int:
    """Every core holds every CB: the total must fit in usable L1. Returns the bytes used."""
    used = 0
    for cb in cbs:
        used = -(-used // arch.L1_ALIGNMENT) * arch.L1_ALIGNMENT + cb.total_size
    if used > arch.L1_USABLE:
        detail = ", ".join(f"c_{cb.index} {cb.total_size} B" for cb in cbs)
        raise spec.error(f"circular buffers need {used} B of L1 per core but only {arch.L1_USABLE} B are usable "
                         f"({detail}); lower cb_depth or the block size", "schedule")
    return used


def check_dst(spec: Spec, tiles: int, what: str, *path: str | int) -> int:
    capacity = arch.dst_capacity(spec.schedule.dst_sync, spec.schedule.fp32_accumulation)
    if tiles > capacity:
        mode = f"{spec.schedule.dst_sync}-sync{' with fp32 accumulation' if spec.schedule.fp32_accumulation else ''}"
        raise spec.error(f"{what} needs {tiles} DST tiles but {mode} DST holds {capacity}", *(path or ("schedule",)))
    return capacity


def check_dram(spec: Spec, tensors: list[TensorSpec]) -> int:
    """Every tensor is an interleaved DRAM buffer: each must be addressable with the host API's uint32 sizes and
    all of them must fit the device's DRAM. Returns the bytes used."""
    total = 0
    for t in tensors:
        size = tiling(spec, t).tiles * tile_format(spec, t).tile_bytes
        if size >= 1 << 32:
            raise spec.error(f"{t.name} needs {size} B of DRAM; a buffer's size must fit in 32 bits (< 4 GiB)",
                             t.group, t.name, "shape")
        total += size
    capacity = arch.NUM_DRAM_BANKS * (arch.DRAM_BANK_SIZE - arch.DRAM_UNRESERVED_BASE)
    if total > capacity:
        raise spec.error(f"tensors need {total} B of DRAM but the device has {capacity} B", "sizes")
    return total


def reject_unused_schedule(spec: Spec, allowed: set[str]) -> None:
    """Schedule keys valid in the schema but meaningless for this pattern are errors, not silently ignored."""
    raw = spec.doc.data.get("schedule", {})
    for key in raw:
        if key not in allowed:
            raise spec.error(f"schedule.{key} does not apply to the {spec.pattern} pattern "
                             f"(it uses: {', '.join(sorted(allowed))})", "schedule", key)
