import numpy as np
import pytest

from ttgen.interp import all_api  # noqa: F401 - registers the API
from ttgen.interp.cpp import compile_source
from ttgen.interp.device import Device
from ttgen.interp.program import CBConfig, KernelSpec, ProgramModel, launch
from ttgen.interp.scheduler import Budget
from ttgen.numerics.formats import FORMATS, encode_tile


class DeviceRun:
    """Launch hand-written kernels on a bare device, without a host program."""

    def __init__(self):
        self.device = Device()
        self.model = ProgramModel()

    def buffer(self, tiles: np.ndarray, fmt: str = "bfloat16"):
        """A DRAM buffer holding the given (n, 32, 32) tiles; returns it (address via .address)."""
        page = FORMATS[fmt].tile_bytes
        buf = self.device.dram.allocate(len(tiles) * page, page)
        buf.data[:] = np.frombuffer(b"".join(encode_tile(t, fmt) for t in tiles), dtype=np.uint8)
        return buf

    def cb(self, index: int, pages: int, fmt: str = "bfloat16", cores=((0, 0),)):
        f = FORMATS[fmt]
        self.model.cbs.append(CBConfig(list(cores), pages * f.tile_bytes, {index: f}, {index: f.tile_bytes}, None))

    def kernel(self, kind: str, source: str, args=(), compile_args=(), processor="RISCV_0", cores=((0, 0),),
               bindings=None, **cfg):
        i = len(self.model.kernels)
        compiled = compile_source(source, kind, path=f"kernel{i}.cpp", bindings=bindings)
        spec = KernelSpec(i, f"kernel{i}.cpp", kind, list(cores), compiled, None, processor=processor,
                          compile_args=list(compile_args), bindings=bindings, **cfg)
        spec.runtime_args = {c: list(args) for c in cores}
        self.model.kernels.append(spec)
        return spec

    def launch(self, seed=None, max_steps=1_000_000):
        return launch(self.model, self.device, seed, Budget(max_steps=max_steps, max_seconds=60))


@pytest.fixture
def dev():
    return DeviceRun()


@pytest.fixture
def passes_then_fails():
    """`passes_then_fails(setup, good, bad)`: `setup(run, good)` on a fresh device launches cleanly, and
    `setup(run, bad)` on another raises a Violation, which is returned for the test's own assertions."""
    from ttgen.interp.checks import Violation

    def run(setup, good, bad):
        ok = DeviceRun()
        setup(ok, good)
        ok.launch()
        failing = DeviceRun()
        setup(failing, bad)
        with pytest.raises(Violation) as info:
            failing.launch()
        return info.value

    return run
