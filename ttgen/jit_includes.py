"""The JIT build's include directories, relative to a tt-metal tree (the wheel's `ttnn/` or the header cache).

`ttgen check --compile` passes them as -I to the cross compiler (`ttgen.compile.kernels`); the interpreter
resolves a kernel's `#include`s through the same list to see what the real headers declare
(`ttgen.interp.declared`).
"""

# The wheel keeps tt-llk at tt_metal/tt-llk (the repo at tt_metal/third_party/tt_llk).
ENV_INCLUDES = (".", "..", "", "ttnn", "ttnn/cpp", "tt_metal", "tt_metal/hw/inc", "tt_metal/tt-llk/common",
                "tt_metal/hostdevcommon/api", "tt_metal/api/")
HAL_INCLUDES = (
    "tt_metal/hw/ckernels/wormhole_b0/metal/common",
    "tt_metal/hw/ckernels/wormhole_b0/metal/llk_io",
    "tt_metal/hw/inc/internal/tt-1xx",
    "tt_metal/hw/inc/internal/tt-1xx/wormhole",
    "tt_metal/hw/inc/internal/tt-1xx/wormhole/wormhole_b0_defines",
    "tt_metal/hw/inc/internal/tt-1xx/wormhole/noc",
    "tt_metal/tt-llk/tt_llk_wormhole_b0/common/inc",
    "tt_metal/tt-llk/tt_llk_wormhole_b0/llk_lib",
)
HAL_COMPUTE_INCLUDES = ("tt_metal/hw/ckernels/wormhole_b0/metal/llk_api",
                        "tt_metal/hw/ckernels/wormhole_b0/metal/llk_api/llk_sfpu")
FIRMWARE_INCLUDE = "tt_metal/hw/firmware/src/tt-1xx"
