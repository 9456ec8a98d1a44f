"""Host API: the TT-Metalium calls an emitted host program makes, as objects that build a `ProgramModel`.

Names, namespaces and signatures follow tt-metal's `tt-metalium/*.hpp` (mesh generation; see
docs/reference/tt-metal-facts.md). The host program's I/O goes through `ttgen::read_input` / `ttgen::write_output`
from the emitted `ttgen_io.hpp`: real file I/O on hardware, the runner's seeded inputs and captured outputs here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, ClassVar

import ml_dtypes
import numpy as np

from .. import arch
from ..numerics import layout
from ..numerics.formats import FORMATS, HOST_ONLY, DataFormat, decode_tile, encode_tile
from . import program as prog
from . import std_algorithm
from .api import API, DEVICE, HOST
from .checks import current_cpp_location, violation
from .cpp import CompileError, compile_file
from .cruntime import CppException, CppObject, CppRuntimeError, StdException, wrap_u32
from .device import Device, L1Buffer
from .scheduler import Budget

H = {HOST}
TM = "tt::tt_metal::"
DIST = "tt::tt_metal::distributed::"
HOST_API_H = "tt-metalium/host_api.hpp"


@dataclass
class HostRun:
    """Everything one execution of a host program shares: the device, where kernels live, the I/O."""

    kernel_root: str
    inputs: dict[str, np.ndarray]
    seed: int | None = None
    timed: bool = False  # schedule threads in modelled-time order (timing runs)
    budget: Budget = field(default_factory=Budget)
    device: Device = field(default_factory=Device)
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    steps: int = 0
    programs_run: int = 0
    dry: bool = False  # record programs at EnqueueMeshWorkload without running their kernels
    programs: list = field(default_factory=list)  # every ProgramModel enqueued, in order
    seed_value: int = 0  # what std::random_device yields first (the run's --seed)
    find_kernel: Any = None  # CreateKernel's file lookup when not simply under kernel_root (example.py)
    printed: list = field(default_factory=list)  # (stream, text) of each fmt::print, in order
    input_dtypes: dict[str, str] = field(default_factory=dict)  # kernel.json's dtype of each input

    _current: ClassVar["HostRun | None"] = None

    @classmethod
    def current(cls) -> "HostRun":
        if cls._current is None:
            raise RuntimeError("no host program is running")
        return cls._current


def _run() -> HostRun:
    return HostRun.current()


# ----- enumerations and constants ----------------------------------------------------------------------------

API.constants("tt::DataFormat", {f.metal_name: f for f in FORMATS.values()}, groups=H,
              header="tt-metalium/tt_backend_api_types.hpp")
API.constants("MathFidelity", {m: m for m in ("LoFi", "HiFi2", "HiFi3", "HiFi4")}, groups=H,
              header="tt-metalium/base_types.hpp")
API.constants(TM + "DataMovementProcessor", {"RISCV_0": "RISCV_0", "RISCV_1": "RISCV_1"}, groups=H,
              header="tt-metalium/kernel_types.hpp")
API.constants(TM + "NOC", {"RISCV_0_default": 0, "RISCV_1_default": 1, "NOC_0": 0, "NOC_1": 1}, groups=H,
              header="tt-metalium/kernel_types.hpp")
API.constants("UnpackToDestMode", {"Default": "Default", "UnpackToDestFp32": "UnpackToDestFp32"}, groups=H,
              header="tt-metalium/base_types.hpp")
API.constant("NUM_CIRCULAR_BUFFERS", arch.NUM_CIRCULAR_BUFFERS, groups=H,
             header="tt-metalium/circular_buffer_constants.h")
API.constants(TM + "BufferType", {"DRAM": "DRAM", "L1": "L1"}, groups=H, header="tt-metalium/buffer_types.hpp")
# Kernels include it as well (the JIT build has the api folder on its include path).
API.constants("tt::constants", {"TILE_HEIGHT": arch.TILE_HEIGHT, "TILE_WIDTH": arch.TILE_WIDTH,
                                "TILE_HW": arch.TILE_HW, "FACE_HEIGHT": 16, "FACE_WIDTH": 16, "FACE_HW": 256,
                                "BFLOAT8_B_TILE_HW": arch.TILE_HW + 64},
              groups=H | DEVICE, header="tt-metalium/constants.hpp")


# ----- small value types -------------------------------------------------------------------------------------

class CoreCoord(CppObject):
    cpp_name = "CoreCoord"
    cpp_fields = frozenset({"x", "y"})

    def __init__(self, x=0, y=0):
        if isinstance(x, CoreCoord):  # a copy
            x, y = x.x, x.y
        elif isinstance(x, list):  # CoreCoord core({0, 0})
            if len(x) != 2:
                raise CppRuntimeError(f"CoreCoord takes {{x, y}}, got {len(x)} values")
            x, y = x
        if not all(isinstance(v, (int, np.integer)) for v in (x, y)):  # bool converts to an integer, as in C++
            raise CppRuntimeError(f"CoreCoord takes integer x and y, got {type(x).__name__} and {type(y).__name__}")
        self.x, self.y = int(x), int(y)

    def key(self) -> tuple[int, int]:
        return self.x, self.y

    def __eq__(self, other):
        return isinstance(other, CoreCoord) and self.key() == other.key()

    def __hash__(self):
        return hash(self.key())

    def __repr__(self):
        return f"CoreCoord({self.x}, {self.y})"


class CoreRange(CppObject):
    cpp_name = "CoreRange"
    cpp_fields = frozenset({"start_coord", "end_coord"})
    cpp_methods = frozenset({"size", "contains"})

    def __init__(self, start, end=None):
        self.start_coord = _coord(start)
        self.end_coord = _coord(end) if end is not None else self.start_coord
        if self.end_coord.x < self.start_coord.x or self.end_coord.y < self.start_coord.y:
            raise CppRuntimeError(f"CoreRange end {self.end_coord} is before its start {self.start_coord}")

    def cores(self) -> list[tuple[int, int]]:
        """x fastest, as CoreRange's iterator walks it."""
        return [(x, y) for y in range(self.start_coord.y, self.end_coord.y + 1)
                for x in range(self.start_coord.x, self.end_coord.x + 1)]

    def cpp_iter(self):
        return iter(CoreCoord(x, y) for x, y in self.cores())

    def size(self) -> int:
        return len(self.cores())

    def contains(self, c) -> bool:
        c = _coord(c)
        return self.start_coord.x <= c.x <= self.end_coord.x and self.start_coord.y <= c.y <= self.end_coord.y


class CoreRangeSet(CppObject):
    cpp_name = "CoreRangeSet"
    cpp_methods = frozenset({"ranges", "num_cores", "empty"})

    def __init__(self, ranges=None):
        if ranges is None:
            self._ranges: list[CoreRange] = []
        elif isinstance(ranges, CoreRange):
            self._ranges = [ranges]
        elif isinstance(ranges, (list, CppVector)):
            self._ranges = [r if isinstance(r, CoreRange) else CoreRange(r) for r in _items(ranges)]
        else:
            raise CppRuntimeError("CoreRangeSet takes a CoreRange or a list of them")

    def ranges(self) -> list[CoreRange]:
        return list(self._ranges)

    def num_cores(self) -> int:
        return sum(r.size() for r in self._ranges)

    def empty(self) -> bool:
        return not self._ranges

    def cores(self) -> list[tuple[int, int]]:
        return [c for r in self._ranges for c in r.cores()]


def _coord(value) -> CoreCoord:
    if isinstance(value, CoreCoord):
        return value
    if isinstance(value, list) and len(value) == 2:
        return CoreCoord(*value)
    raise CppRuntimeError("expected a CoreCoord")


def _cores(spec) -> list[tuple[int, int]]:
    """The variant<CoreCoord, CoreRange, CoreRangeSet> every placement call takes."""
    if isinstance(spec, CoreCoord):
        return [spec.key()]
    if isinstance(spec, (CoreRange, CoreRangeSet)):
        return spec.cores()
    raise CppRuntimeError("expected a CoreCoord, CoreRange or CoreRangeSet")


API.type("CoreCoord", CoreCoord, groups=H, header="tt-metalium/core_coord.hpp")
API.type("CoreRange", CoreRange, groups=H, header="tt-metalium/core_coord.hpp")
API.type("CoreRangeSet", CoreRangeSet, groups=H, header="tt-metalium/core_coord.hpp")


class CppVector(CppObject):
    """std::vector<T>: numpy storage for floating and 16-bit element types, a Python list for the rest."""

    cpp_name = "std::vector"
    cpp_methods = frozenset({"push_back", "size", "resize", "empty", "clear", "reserve", "emplace_back", "at",
                             "front", "back", "begin", "end", "cbegin", "cend", "data"})
    _NUMPY = {"bfloat16": ml_dtypes.bfloat16, "float": np.float32, "double": np.float64}

    def __init__(self, element: str, items=None):
        self.element = element
        self.dtype = self._NUMPY.get(element)
        if items is None:
            items = []
        self.items = np.asarray(items, dtype=self.dtype) if self.dtype is not None else list(items)

    begin, end = std_algorithm.begin, std_algorithm.end
    cbegin, cend = begin, end
    data = begin  # a pointer to the first element: indexable like the vector

    def cpp_copy(self) -> "CppVector":
        return CppVector(self.element, self.items.copy() if self.dtype is not None else list(self.items))

    def push_back(self, value) -> None:
        if self.dtype is not None:
            self.items = np.append(self.items, np.asarray([value], dtype=self.dtype))
        else:
            self.items.append(wrap_u32(value) if self.element.endswith("uint32_t") else value)

    emplace_back = push_back

    def size(self) -> int:
        return len(self.items)

    def empty(self) -> bool:
        return len(self.items) == 0

    def clear(self) -> None:
        self.items = self.items[:0]

    def reserve(self, n) -> None:
        pass

    def resize(self, n, value=0) -> None:
        n = int(n)
        if self.dtype is not None:
            grown = np.full(n, value, dtype=self.dtype)
            grown[: min(n, len(self.items))] = self.items[:n]
            self.items = grown
        else:
            self.items = (self.items + [value] * n)[:n]

    def cpp_getitem(self, i):
        if not 0 <= i < len(self.items):
            raise CppRuntimeError(f"vector index {i} out of range (size {len(self.items)})")
        return self.items[i]

    def at(self, i):
        if not 0 <= int(i) < len(self.items):
            raise CppException(StdException("std::out_of_range", f"vector::_M_range_check: __n (which is {int(i)})"
                                                                 f" >= this->size() (which is {len(self.items)})"))
        return self.items[int(i)]

    def front(self):
        return self.at(0)

    def back(self):
        return self.at(len(self.items) - 1)

    def cpp_setitem(self, i, value):
        if not 0 <= i < len(self.items):
            raise CppRuntimeError(f"vector index {i} out of range (size {len(self.items)})")
        self.items[i] = value

    def cpp_iter(self):
        return iter(self.items)

    cpp_size = size

    def __eq__(self, other) -> bool:  # std::vector's operator==: same size, equal elements
        if not isinstance(other, CppVector):
            return NotImplemented
        return len(self.items) == len(other.items) and bool(np.all(np.asarray(self.items) == np.asarray(other.items)))

    __hash__ = None  # type: ignore[assignment]


def _items(value) -> list:
    if isinstance(value, CppVector):
        return list(value.items)
    if isinstance(value, list):
        return value
    raise CppRuntimeError("expected a vector or a brace list")


def _vector(targs, count=None, value=None):
    vec = CppVector(str(targs[0]) if targs else "uint32_t")
    if isinstance(count, list):  # std::vector<T> v{a, b, c}
        vec.items = CppVector(vec.element, count).items
    elif isinstance(count, CppVector):  # the copy constructor, std::vector<T> v(other)
        vec.items = count.cpp_copy().items
    elif count is not None:
        vec.resize(count, 0 if value is None else value)
    return vec


API.type("std::vector", _vector, groups=H, header="<vector>", template_args=(1, 2), args=(0, 2), init_list=True)
API.type("bfloat16", lambda v=0.0: ml_dtypes.bfloat16(float(v)), groups=H, header="tt-metalium/bfloat16.hpp")
API.type("UnpackToDestMode", lambda v="Default": v, groups=H, header="tt-metalium/base_types.hpp")
API.type("std::shared_ptr", lambda targs, v=None: v, groups=H, header="<memory>", template_args=(1, 1))
API.type(TM + "KernelHandle", lambda v=0: wrap_u32(v), groups=H, header="tt-metalium/kernel_types.hpp")
API.type(TM + "CBHandle", lambda v=0: int(v), groups=H, header="tt-metalium/circular_buffer_config.hpp")


@API.function("std::make_pair", groups=H, header="<utility>")
def make_pair(first, second):
    return (first, second)


# ----- designated-initialiser structs --------------------------------------------------------------------------

class CppStruct(CppObject):
    """A config struct built with designated initialisers; unknown fields are errors."""

    FIELDS: dict[str, Any] = {}

    def __init__(self, **fields):
        unknown = set(fields) - set(self.FIELDS)
        if unknown:
            raise CppRuntimeError(f"{self.cpp_name} has no field {sorted(unknown)[0]!r} "
                                  f"(fields: {', '.join(self.FIELDS)})")
        order = [list(self.FIELDS).index(name) for name in fields]
        if order != sorted(order):
            raise CppRuntimeError(f"{self.cpp_name}: designated initialisers must follow the declaration order "
                                  f"({', '.join(self.FIELDS)})")
        for name, default in self.FIELDS.items():
            setattr(self, name, fields.get(name, default))

    @property
    def cpp_fields(self):  # type: ignore[override]
        return frozenset(self.FIELDS)


class DataMovementConfig(CppStruct):
    cpp_name = "DataMovementConfig"
    FIELDS = {"processor": "RISCV_0", "noc": 0, "noc_mode": 0, "compile_args": None, "defines": None,
              "named_compile_args": None, "opt_level": None}


class ComputeConfig(CppStruct):
    cpp_name = "ComputeConfig"
    FIELDS = {"math_fidelity": "HiFi4", "fp32_dest_acc_en": False, "dst_full_sync_en": False,
              "unpack_to_dest_mode": None, "bfp8_pack_precise": False, "math_approx_mode": False,
              "compile_args": None, "defines": None, "named_compile_args": None, "opt_level": None}


class DeviceLocalBufferConfig(CppStruct):
    cpp_name = "DeviceLocalBufferConfig"
    FIELDS = {"page_size": 0, "buffer_type": "DRAM", "sharding_args": None, "bottom_up": None, "sub_device_id": None}


class ReplicatedBufferConfig(CppStruct):
    cpp_name = "ReplicatedBufferConfig"
    FIELDS = {"size": 0}


for _name, _cls, _header in ((TM + "DataMovementConfig", DataMovementConfig, "tt-metalium/kernel_types.hpp"),
                             (TM + "ComputeConfig", ComputeConfig, "tt-metalium/kernel_types.hpp"),
                             (DIST + "DeviceLocalBufferConfig", DeviceLocalBufferConfig, "tt-metalium/mesh_buffer.hpp"),
                             (DIST + "ReplicatedBufferConfig", ReplicatedBufferConfig, "tt-metalium/mesh_buffer.hpp")):
    API.type(_name, _cls, groups=H, header=_header, designated=True, args=(0, 0))


# The reader/writer shorthands of kernel_types.hpp: the reader on RISCV_1 with the NoC Wormhole prefers for DRAM
# reads (NOC_0), the writer on RISCV_0 with the one for DRAM writes (NOC_1).
def _shorthand_config(processor: str, noc: int):
    def config(compile_args=None, defines=None, named_compile_args=None, opt_level=None) -> DataMovementConfig:
        return DataMovementConfig(processor=processor, noc=noc, compile_args=compile_args, defines=defines,
                                  named_compile_args=named_compile_args, opt_level=opt_level)
    return config


for _name, _processor, _noc in (("ReaderDataMovementConfig", "RISCV_1", 0), ("WriterDataMovementConfig", "RISCV_0", 1)):
    API.type(TM + _name, _shorthand_config(_processor, _noc), groups=H, header="tt-metalium/kernel_types.hpp")


def _enum_value(value=None):
    """An enum type used as a declared type (`tt::CBIndex cb = tt::CBIndex::c_1;`): the value as given."""
    return value


for _name, _groups, _header in (("tt::CBIndex", H | DEVICE, "tt-metalium/circular_buffer_constants.h"),
                                ("tt::DataFormat", H, "tt-metalium/tt_backend_api_types.hpp"),
                                ("MathFidelity", H, "tt-metalium/base_types.hpp"),
                                (TM + "BufferType", H, "tt-metalium/buffer_types.hpp"),
                                (TM + "NOC", H, "tt-metalium/kernel_types.hpp"),
                                (TM + "DataMovementProcessor", H, "tt-metalium/kernel_types.hpp")):
    API.type(_name, _enum_value, groups=_groups, header=_header)


# ----- device, queue, buffers, workloads ---------------------------------------------------------------------

class MeshShape(CppObject):
    cpp_name = "MeshShape"


class MeshCommandQueue(CppObject):
    cpp_name = "distributed::MeshCommandQueue"


class MeshDevice(CppObject):
    cpp_name = "distributed::MeshDevice"
    cpp_methods = frozenset({"mesh_command_queue", "compute_with_storage_grid_size", "worker_core_from_logical_core",
                             "shape", "close", "get", "l1_size_per_core"})

    def __init__(self):
        self.queue = MeshCommandQueue()
        self.closed = False

    def get(self):
        return self

    def mesh_command_queue(self, cq_id=None):
        return self.queue

    def compute_with_storage_grid_size(self):
        return CoreCoord(*_run().device.grid)

    def worker_core_from_logical_core(self, logical):
        c = _coord(logical)
        return CoreCoord(c.x + arch.VIRTUAL_TENSIX_START, c.y + arch.VIRTUAL_TENSIX_START)

    def shape(self):
        return MeshShape()

    def l1_size_per_core(self):
        return arch.L1_SIZE

    def close(self):
        self.closed = True
        return True


class MeshBuffer(CppObject):
    """A replicated MeshBuffer on the unit mesh: its one device buffer (DRAM or L1), which it also stands for
    (`get_backing_buffer()` returns the same object, as `*buffer` does)."""

    cpp_name = "distributed::MeshBuffer"
    cpp_methods = frozenset({"address", "size", "page_size", "num_pages", "get", "get_backing_buffer",
                             "is_l1"})

    def __init__(self, device_buffer):
        self.buffer = device_buffer

    def get(self):
        return self

    get_backing_buffer = get

    def is_l1(self) -> bool:
        return isinstance(self.buffer, L1Buffer)

    def _l1_pages(self):
        """(page, the L1 bytes of its bank that hold it), for an L1 buffer."""
        device = _run().device
        for page in range(self.buffer.num_pages):
            (x, y), address = self.buffer.page_location(page)
            yield page, device.core(x, y).l1[address:address + self.buffer.page_size]

    def read_pages(self) -> np.ndarray:
        """(num_pages, page_size) bytes, wherever the pages live."""
        if not self.is_l1():
            return self.buffer.pages()
        pages = np.empty((self.buffer.num_pages, self.buffer.page_size), dtype=np.uint8)
        for page, held in self._l1_pages():
            pages[page] = held
        return pages

    def write_pages(self, pages: np.ndarray) -> None:
        if not self.is_l1():
            self.buffer.pages()[:] = pages
            return
        for page, held in self._l1_pages():
            held[:] = pages[page]

    def address(self):
        return self.buffer.address

    def size(self):
        return self.buffer.size

    def page_size(self):
        return self.buffer.page_size

    def num_pages(self):
        return self.buffer.num_pages


class MeshCoordinateRange(CppObject):
    cpp_name = "distributed::MeshCoordinateRange"

    def __init__(self, shape=None):
        self.shape = shape


class Program(CppObject):
    cpp_name = "Program"

    def __init__(self):
        self.model = prog.ProgramModel()


class MeshWorkload(CppObject):
    cpp_name = "distributed::MeshWorkload"
    cpp_methods = frozenset({"add_program"})

    def __init__(self):
        self.programs: list[Program] = []

    def add_program(self, device_range, program):
        if not isinstance(program, Program):
            raise CppRuntimeError("add_program takes a Program")
        self.programs.append(program)


API.type(DIST + "MeshDevice", MeshDevice, groups=H, header="tt-metalium/mesh_device.hpp", args=(0, 0))
API.type(DIST + "MeshCommandQueue", MeshCommandQueue, groups=H, header="tt-metalium/mesh_command_queue.hpp",
         args=(0, 0))
API.type(DIST + "MeshBuffer", MeshBuffer, groups=H, header="tt-metalium/mesh_buffer.hpp", args=(1, 1))
API.type(DIST + "MeshWorkload", MeshWorkload, groups=H, header="tt-metalium/mesh_workload.hpp")
API.type(DIST + "MeshCoordinateRange", MeshCoordinateRange, groups=H, header="tt-metalium/mesh_coord.hpp",
         args=(1, 1))
API.type(TM + "Program", Program, groups=H, header=HOST_API_H)


@API.function(DIST + "MeshDevice::create_unit_mesh", groups=H, header="tt-metalium/mesh_device.hpp", args=(1, 7))
def create_unit_mesh(device_id, *rest):
    if device_id != 0:
        raise violation("host-api", f"create_unit_mesh({device_id}): the model has one device, id 0")
    return MeshDevice()


@API.function(DIST + "MeshBuffer::create", groups=H, header="tt-metalium/mesh_buffer.hpp", args=(3, 4))
def mesh_buffer_create(config, local_config, mesh_device, address=None):
    if not isinstance(config, ReplicatedBufferConfig) or not isinstance(local_config, DeviceLocalBufferConfig):
        raise violation("host-api", "MeshBuffer::create(ReplicatedBufferConfig, DeviceLocalBufferConfig, device)")
    if local_config.sharding_args is not None:
        raise violation("host-api", "sharded MeshBuffers are not modelled yet (interleaved DRAM and L1 are)")
    size, page = int(config.size), int(local_config.page_size)
    if size <= 0 or page <= 0 or size % page:
        raise violation("host-api", f"buffer size {size} B is not a positive multiple of its page size {page} B")
    device = _run().device
    if local_config.buffer_type == "L1":
        return MeshBuffer(device.allocate_l1(size, page))
    return MeshBuffer(device.dram.allocate(size, page))


# The pre-mesh single-device generation (IDevice, CommandQueue, Buffer): tt-metal's examples moved to the mesh API
# (a unit mesh is one device), which is what is modelled; a host written the old way gets the replacement named.
API.retire([TM + n for n in ("CreateDevice", "CloseDevice", "IDevice", "Device", "CommandQueue", "CreateBuffer",
                             "InterleavedBufferConfig", "Buffer")],
           "open a unit mesh (distributed::MeshDevice::create_unit_mesh(0)) and make buffers with "
           "distributed::MeshBuffer::create")
API.retire([TM + n for n in ("EnqueueWriteBuffer", "EnqueueReadBuffer", "EnqueueProgram", "Finish")],
           "use distributed::EnqueueWriteMeshBuffer / EnqueueReadMeshBuffer, a MeshWorkload with "
           "distributed::EnqueueMeshWorkload, and distributed::Finish")


@API.function(TM + "CreateProgram", groups=H, header=HOST_API_H)
def create_program():
    return Program()


# The integral element types a host vector stores as a Python list, as their little-endian bytes.
_INTEGRAL = {"uint8_t": "u1", "int8_t": "i1", "uint16_t": "<u2", "int16_t": "<i2", "uint32_t": "<u4",
             "int32_t": "<i4", "uint64_t": "<u8"}


def _element_bytes(vec: CppVector) -> np.ndarray:
    if vec.dtype is None:
        return np.asarray(vec.items, dtype=_INTEGRAL.get(vec.element, "<u4")).view(np.uint8)
    return np.ascontiguousarray(vec.items).view(np.uint8)


@API.function(DIST + "EnqueueWriteMeshBuffer", groups=H, header="tt-metalium/distributed.hpp")
def enqueue_write_mesh_buffer(cq, mesh_buffer, src, blocking=False):
    buf = mesh_buffer.buffer
    data = _element_bytes(src)
    if data.size != buf.size:
        raise violation("host-api", f"EnqueueWriteMeshBuffer writes {data.size} B into a {buf.size} B buffer")
    mesh_buffer.write_pages(data.reshape(buf.num_pages, buf.page_size))


@API.function(DIST + "EnqueueReadMeshBuffer", groups=H, header="tt-metalium/distributed.hpp")
def enqueue_read_mesh_buffer(cq, dst, mesh_buffer, blocking=True):
    if not isinstance(dst, CppVector):
        raise violation("host-api", "EnqueueReadMeshBuffer reads into a std::vector")
    raw = np.ascontiguousarray(mesh_buffer.read_pages()).reshape(-1)
    if dst.dtype is None:
        dst.items = [int(v) for v in raw.view(np.uint32)]
    else:
        dst.items = raw.view(dst.dtype).copy()


@API.function(DIST + "EnqueueMeshWorkload", groups=H, header="tt-metalium/distributed.hpp")
def enqueue_mesh_workload(cq, workload, blocking):
    run = _run()
    for program in workload.programs:
        if program.model.launched:
            raise violation("host-api", "this program was already enqueued")
        run.programs.append(program.model)
        if run.dry:
            program.model.launched = True
            continue
        run.steps += prog.launch(program.model, run.device, run.seed, run.budget, run.timed)
        run.programs_run += 1


@API.function(DIST + "Finish", groups=H, header="tt-metalium/distributed.hpp", args=(1, 2))
def finish(cq, sub_device_ids=None):
    return None


# ----- program contents --------------------------------------------------------------------------------------

def _u32_list(values, what: str) -> list[int]:
    out = []
    for v in _items(values) if values is not None else []:
        if isinstance(v, (bool, np.bool_)):
            v = int(v)
        if not isinstance(v, (int, np.integer)):
            raise violation("host-api", f"{what} must be integers, got {type(v).__name__}")
        out.append(wrap_u32(v))
    return out


def _named(value, what: str, example: str, is_value) -> dict:
    """A config's map field (`defines`, `named_compile_args`: a std::map written as a brace list of pairs)."""
    if not value:
        return {}
    out = {}
    for pair in (value.items() if isinstance(value, dict) else value):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not isinstance(pair[0], str) \
                or not is_value(pair[1]):
            raise violation("host-api", f"{what} are a map of name to value, e.g. {example}")
        out[pair[0]] = pair[1]
    return out


def _defines(value) -> dict[str, str]:
    return _named(value, "kernel defines", '{{"FUSE_BIAS", "1"}}', lambda v: isinstance(v, str))


def _named_compile_args(value) -> dict[str, int]:
    named = _named(value, "named compile-time args", '{{"cb_in", 0}}',
                   lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool))
    return {k: wrap_u32(v) for k, v in named.items()}


@API.function(TM + "CreateKernel", groups=H, header=HOST_API_H)
def create_kernel(program, file_name, core_spec, config):
    run = _run()
    found = run.find_kernel(str(file_name)) if run.find_kernel is not None else None
    path = str(found) if found is not None else os.path.join(run.kernel_root, file_name)
    if not os.path.isfile(path):
        raise violation("host-api", f"kernel file {file_name!r} not found under {run.kernel_root}")
    model = program.model
    handle = len(model.kernels)
    where = current_cpp_location()
    if isinstance(config, DataMovementConfig):
        kind = "dataflow"
    elif isinstance(config, ComputeConfig):
        kind = "compute"
    else:
        raise violation("host-api", "CreateKernel takes a DataMovementConfig or a ComputeConfig")
    defines = _defines(config.defines)
    compile_error = None
    try:
        compiled = compile_file(path, kind, defines=defines)
    except CompileError as exc:
        if not run.dry:
            raise
        compiled, compile_error = None, exc  # a dry run collects the build anyway, for the real compiler
    spec = prog.KernelSpec(handle, path, kind, _cores(core_spec), compiled, where,
                           compile_args=_u32_list(config.compile_args, "compile-time args"))
    spec.compile_error = compile_error
    spec.defines = defines
    spec.named_compile_args = _named_compile_args(config.named_compile_args)
    if kind == "dataflow":
        spec.processor = config.processor
        spec.noc = int(config.noc)
    else:
        spec.math_fidelity = config.math_fidelity
        spec.fp32_dest_acc_en = bool(config.fp32_dest_acc_en)
        spec.dst_full_sync_en = bool(config.dst_full_sync_en)
        spec.math_approx_mode = bool(config.math_approx_mode)
        spec.bfp8_pack_precise = bool(config.bfp8_pack_precise)
        modes = _items(config.unpack_to_dest_mode) if config.unpack_to_dest_mode is not None else []
        spec.unpack_to_dest_fp32 = frozenset(i for i, mode in enumerate(modes) if mode == "UnpackToDestFp32")
    model.kernels.append(spec)
    return handle


class CircularBufferConfig(CppObject):
    cpp_name = "CircularBufferConfig"
    cpp_methods = frozenset({"set_page_size", "set_total_size"})

    def __init__(self, total_size, data_format_spec=None):
        self.total_size = wrap_u32(total_size)
        self.formats: dict[int, DataFormat] = {}
        self.page_sizes: dict[int, int] = {}
        for pair in _items(data_format_spec) if data_format_spec is not None else []:
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and isinstance(pair[1], DataFormat)):
                raise CppRuntimeError("CircularBufferConfig takes {{cb_index, tt::DataFormat}, ...}")
            self.formats[int(pair[0])] = pair[1]

    def set_page_size(self, buffer_index, page_size):
        if int(buffer_index) not in self.formats:
            raise CppRuntimeError(f"set_page_size for CB {int(buffer_index)}, which this config has no format for")
        self.page_sizes[int(buffer_index)] = wrap_u32(page_size)
        return self

    def set_total_size(self, total_size):
        self.total_size = wrap_u32(total_size)
        return self


API.type(TM + "CircularBufferConfig", CircularBufferConfig, groups=H, header="tt-metalium/circular_buffer_config.hpp")


@API.function(TM + "CreateCircularBuffer", groups=H, header=HOST_API_H)
def create_circular_buffer(program, core_spec, config):
    if not isinstance(config, CircularBufferConfig):
        raise violation("host-api", "CreateCircularBuffer takes a CircularBufferConfig")
    model = program.model
    model.cbs.append(prog.CBConfig(_cores(core_spec), config.total_size, dict(config.formats),
                                   dict(config.page_sizes), current_cpp_location()))
    return len(model.cbs) - 1


def _kernel(program, handle) -> prog.KernelSpec:
    kernels = program.model.kernels
    if not 0 <= int(handle) < len(kernels):
        raise violation("host-api", f"kernel handle {int(handle)} was not created in this program")
    return kernels[int(handle)]


@API.function(TM + "SetRuntimeArgs", groups=H, header=HOST_API_H)
def set_runtime_args(program, kernel, core_spec, runtime_args):
    spec = _kernel(program, kernel)
    args = _u32_list(runtime_args, "runtime args")
    if len(args) > arch.MAX_RUNTIME_ARGS:
        raise violation("runtime-args", f"{len(args)} runtime args; at most {arch.MAX_RUNTIME_ARGS} per core")
    for coord in _cores(core_spec):
        if coord not in spec.cores:
            raise violation("host-api", f"SetRuntimeArgs for core {coord} where {spec.name} does not run")
        spec.runtime_args[coord] = list(args)


@API.function(TM + "SetCommonRuntimeArgs", groups=H, header=HOST_API_H)
def set_common_runtime_args(program, kernel, runtime_args):
    _kernel(program, kernel).common_args = _u32_list(runtime_args, "common runtime args")


@API.function(TM + "CreateSemaphore", groups=H, header=HOST_API_H, args=(3, 4))
def create_semaphore(program, core_spec, initial_value, core_type=None):
    if isinstance(core_spec, CoreCoord):
        raise violation("host-api", "CreateSemaphore takes a CoreRange or CoreRangeSet, not a CoreCoord")
    model = program.model
    if len(model.semaphores) >= arch.NUM_SEMAPHORES:
        raise violation("semaphore", f"more than {arch.NUM_SEMAPHORES} semaphores in one program")
    model.semaphores.append(prog.SemaphoreConfig(_cores(core_spec), wrap_u32(initial_value), current_cpp_location()))
    return len(model.semaphores) - 1


class HostTensorAccessorArgs(CppObject):
    """Host `TensorAccessorArgs(buffer)`: interleaved DRAM appends [IsDram config, aligned page size]."""

    cpp_name = "TensorAccessorArgs"
    cpp_methods = frozenset({"append_to", "get_compile_time_args"})

    def __init__(self, buffer):
        if not isinstance(buffer, MeshBuffer):
            raise CppRuntimeError("TensorAccessorArgs takes a MeshBuffer")
        # ArgConfig bits (tensor_accessor_args.hpp): IsDram = 2; an interleaved L1 buffer sets none
        self.words = [0 if buffer.is_l1() else 2, buffer.buffer.aligned_page_size]

    def append_to(self, compile_time_args, common_runtime_args=None):
        if not isinstance(compile_time_args, CppVector):
            raise CppRuntimeError("append_to takes a std::vector<uint32_t>")
        for word in self.words:
            compile_time_args.push_back(word)

    def get_compile_time_args(self):
        return CppVector("uint32_t", self.words)


API.type(TM + "TensorAccessorArgs", HostTensorAccessorArgs, groups=H, header="tt-metalium/tensor_accessor_args.hpp")


# ----- work split --------------------------------------------------------------------------------------------

def _num_cores_to_ranges(start: tuple[int, int], count: int, grid: tuple[int, int], row_wise: bool) -> list:
    """The ranges num_cores_to_corerangeset builds: fill columns (or rows) from `start`."""
    gx, gy = grid
    ranges = []
    sx, sy = start
    left = count
    if row_wise:
        if sx != 0 and left > gx - sx:
            ranges.append(CoreRange(CoreCoord(sx, sy), CoreCoord(gx - 1, sy)))
            left -= gx - sx
            sx, sy = 0, sy + 1
        if left > gx:
            rows = left // gx
            ranges.append(CoreRange(CoreCoord(sx, sy), CoreCoord(gx - 1, sy + rows - 1)))
            left -= rows * gx
            sx, sy = 0, sy + rows
        if left > 0:
            ranges.append(CoreRange(CoreCoord(sx, sy), CoreCoord(sx + left - 1, sy)))
    else:
        if sy != 0 and left > gy - sy:
            ranges.append(CoreRange(CoreCoord(sx, sy), CoreCoord(sx, gy - 1)))
            left -= gy - sy
            sx, sy = sx + 1, 0
        if left > gy:
            cols = left // gy
            ranges.append(CoreRange(CoreCoord(sx, sy), CoreCoord(sx + cols - 1, gy - 1)))
            left -= cols * gy
            sx, sy = sx + cols, 0
        if left > 0:
            ranges.append(CoreRange(CoreCoord(sx, sy), CoreCoord(sx, sy + left - 1)))
    return ranges


@API.function(TM + "split_work_to_cores", groups=H, header="tt-metalium/work_split.hpp", args=(2, 3))
def split_work_to_cores(grid_size, units_to_divide, row_wise=False):
    """tt-metal's split_work_to_cores(CoreCoord grid, units, row_wise): two groups when the split is uneven."""
    grid = _coord(grid_size)
    units = int(units_to_divide)
    if units == 0:
        return (0, CoreRangeSet(), CoreRangeSet(), CoreRangeSet(), 0, 0)
    gx, gy = grid.x, grid.y
    max_cores = gx * gy
    if units >= max_cores:
        target = max_cores
        all_cores = CoreRangeSet(CoreRange(CoreCoord(0, 0), CoreCoord(gx - 1, gy - 1)))
    else:
        target = units
        all_cores = CoreRangeSet(_num_cores_to_ranges((0, 0), target, (gx, gy), row_wise))
    per_core_1 = units // target
    extra = units % target
    if extra == 0:
        return (target, all_cores, all_cores, CoreRangeSet(), per_core_1, 0)
    group_1 = CoreRangeSet(_num_cores_to_ranges((0, 0), extra, (gx, gy), row_wise))
    last = group_1.ranges()[-1].end_coord
    if row_wise:
        start = (last.x + 1, last.y) if last.x != gx - 1 else (0, last.y + 1)
    else:
        start = (last.x, last.y + 1) if last.y != gy - 1 else (last.x + 1, 0)
    group_2 = CoreRangeSet(_num_cores_to_ranges(start, target - extra, (gx, gy), row_wise))
    return (target, all_cores, group_1, group_2, per_core_1 + 1, per_core_1)


@API.function(TM + "corerange_to_cores", groups=H, header="tt-metalium/work_split.hpp", args=(1, 3))
def corerange_to_cores(crs, max_cores=None, row_wise=False):
    out = []
    for r in crs.ranges():
        s, e = r.start_coord, r.end_coord
        if row_wise:
            cells = [(x, y) for y in range(s.y, e.y + 1) for x in range(s.x, e.x + 1)]
        else:
            cells = [(x, y) for x in range(s.x, e.x + 1) for y in range(s.y, e.y + 1)]
        out.extend(CoreCoord(x, y) for x, y in cells)
    if max_cores is not None:
        out = out[: int(max_cores)]
    return CppVector("CoreCoord", out)


# ----- layout helpers and I/O --------------------------------------------------------------------------------

def _matrix(vec, m, n, what: str) -> np.ndarray:
    """The elements of a std::vector<T> (T a floating or integral type, as tilize_utils.hpp's templates take)."""
    if not isinstance(vec, CppVector) or (vec.dtype is None and vec.element not in _INTEGRAL):
        raise violation("host-api", f"{what} takes a std::vector of a floating or integral type")
    if len(vec.items) != int(m) * int(n):
        raise violation("host-api", f"{what}: vector of {len(vec.items)} elements is not {int(m)} x {int(n)}")
    return vec.items if vec.dtype is not None else np.asarray(vec.items, dtype=_INTEGRAL[vec.element])


def _same_vector(like: CppVector, values: np.ndarray) -> CppVector:
    return CppVector(like.element, values if like.dtype is not None else values.tolist())


@API.function("tilize_nfaces", groups=H, header="tt-metalium/tilize_utils.hpp")
def tilize_nfaces(input, m, n):
    data = _matrix(input, m, n, "tilize_nfaces")
    return _same_vector(input, layout.tilize(data.reshape(int(m), int(n))))


@API.function("untilize_nfaces", groups=H, header="tt-metalium/tilize_utils.hpp")
def untilize_nfaces(input, m, n):
    data = _matrix(input, m, n, "untilize_nfaces")
    return _same_vector(input, layout.untilize(data, int(m), int(n)).reshape(-1))


def _pack_block_float(fmt: str, what: str, data, row_major_input, is_exp_a):
    """Whole 32x32 tiles of floats -> block-float pages as 32-bit words (shared exponents, then mantissas)."""
    values = _float_values(data, what)
    if is_exp_a:
        raise violation("host-api", f"{what}: only the _b formats (is_exp_a = false) are modelled")
    tiles = values.reshape(-1, 32, 32) if row_major_input else \
        np.stack([layout.faces_to_tile(t) for t in values.reshape(-1, 1024)])
    pages = b"".join(encode_tile(t, fmt) for t in tiles)
    return CppVector("uint32_t", [int(w) for w in np.frombuffer(pages, dtype="<u4")])


def _unpack_block_float(fmt: str, what: str, pages, row_major_output):
    if not isinstance(pages, CppVector) or pages.dtype is not None:
        raise violation("host-api", f"{what} takes the std::vector<uint32_t> of pages")
    raw = np.asarray(pages.items, dtype="<u4").view(np.uint8)
    page = FORMATS[fmt].tile_bytes
    if raw.size % page:
        raise violation("host-api", f"{raw.size} B is not a whole number of {page} B {FORMATS[fmt].metal_name} pages")
    tiles = [decode_tile(raw[i:i + page], fmt) for i in range(0, raw.size, page)]
    flat = [t.reshape(-1) if row_major_output else layout.tile_to_faces(t) for t in tiles]
    return CppVector("float", np.concatenate(flat) if flat else [])


def _register_block_float(bits: int, fmt: str) -> None:
    pack_name, unpack_name = f"pack_as_bfp{bits}_tiles", f"unpack_bfp{bits}_tiles_into_float_vec"

    @API.function(pack_name, groups=H, header="libtt_metal (blockfloat_common)", template_args=(0, 1), args=(3, 4))
    def pack(targs, data, row_major_input, is_exp_a, tile=None):
        return _pack_block_float(fmt, pack_name, data, row_major_input, is_exp_a)

    @API.function(unpack_name, groups=H, header="libtt_metal (blockfloat_common)", args=(3, 4))
    def unpack(pages, row_major_output, is_exp_a, tile=None):
        return _unpack_block_float(fmt, unpack_name, pages, row_major_output)


_register_block_float(8, "bfloat8_b")
_register_block_float(4, "bfloat4_b")


def _float_values(data, what: str) -> np.ndarray:
    if not isinstance(data, CppVector) or data.dtype is None or len(data.items) % 1024:
        raise violation("host-api", f"{what} takes a std::vector of floats holding whole 32x32 tiles")
    return np.asarray(data.items, dtype=np.float32)


_IO_TYPES = {"bfloat16": ml_dtypes.bfloat16, "float": np.float32}


@API.function("ttgen::read_input", groups=H, header="ttgen_io.hpp", template_args=(1, 1))
def read_input(targs, name, count):
    run = _run()
    if name not in run.inputs:
        raise violation("host-api", f"read_input({name!r}): the kernel's metadata declares no input of that name")
    data = run.inputs[name]
    if data.size != int(count):
        raise violation("host-api", f"read_input({name!r}, {int(count)}) but input {name} has {data.size} elements")
    element = str(targs[0])
    fp8 = HOST_ONLY.get(run.input_dtypes.get(name, ""))
    if element == "uint8_t" and fp8 is not None:  # the <name>.bin of an FP8 input holds its codes
        return CppVector(element, data.reshape(-1).astype(fp8).view(np.uint8).tolist())
    if element in ("uint32_t", "int32_t", "uint8_t"):
        values = data.reshape(-1)
        if not np.array_equal(values, np.round(values)):
            raise violation("host-api", f"read_input<{element}>({name!r}): input {name} is not integral")
        return CppVector(element, [int(v) for v in values])
    if element not in _IO_TYPES:
        raise violation("host-api", f"read_input<{element}>: element type not supported")
    return CppVector(element, data.reshape(-1).astype(_IO_TYPES[element]))


@API.function("ttgen::write_output", groups=H, header="ttgen_io.hpp", template_args=(0, 1))
def write_output(targs, name, data):
    integral = isinstance(data, CppVector) and data.element in ("uint32_t", "int32_t")
    if not isinstance(data, CppVector) or (data.dtype is None and not integral):
        raise violation("host-api", "write_output takes a std::vector of a floating type, uint32_t or int32_t")
    run = _run()
    if name in run.outputs:
        raise violation("host-api", f"output {name!r} written twice")
    run.outputs[name] = np.asarray(data.items, dtype=np.float64 if integral else np.float32)


__all__ = ["HostRun", "CppVector", "CoreCoord", "CoreRange", "CoreRangeSet"]
