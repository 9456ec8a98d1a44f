"""Type-check emitted device kernels with g++ against the real tt-metal kernel headers (ttnn 0.74.0).

Each kernel is compiled the way tt-metal's JIT build compiles it for Wormhole (wormhole_b0): the same generated
files next to it (`kernel_includes.hpp` for BRISC/NCRISC, `chlkc_pack.cpp` + `defines_generated.h` +
`chlkc_descriptors.h` for the compute kernel's TRISC2 PACK pass), the same firmware wrapper as the translation unit
(`brisck.cc`, `ncrisck.cc`, `trisck.cc`), the same include directories, defines and language flags, but with the
host g++ and `-fsyntax-only` instead of the SFPI RISC-V cross compiler. docs/compile-check.md has the full story.

Only the PACK pass of a compute kernel is compiled: the UNPACK and MATH passes include SFPI headers (`lltt.h`,
`sfpi.h`) that ship with the SFPI toolchain, not with the wheel.

`check_builds(collect_builds(folder), ensure_headers())` returns one `CompileDiagnostic` per problem, located at
the emitted kernel line that caused it (also when g++ reports it inside a tt-metal header).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import Location, TtgenError
from ..jit_includes import ENV_INCLUDES, FIRMWARE_INCLUDE, HAL_COMPUTE_INCLUDES, HAL_INCLUDES
from .builds import KernelBuild

# ---------------------------------------------------------------------------------------------------------------
# What the JIT build does for an n150 Wormhole (wormhole_b0), ttnn 0.74.0. Sources (tenstorrent/tt-metal):
#   tt_metal/jit_build/build.cpp@8c1a0bb (JitBuildEnv::init, JitBuildState, compile_one),
#   tt_metal/llrt/hal/tt-1xx/wormhole/wh_hal.cpp@0316c7e and hal_1xx_common.cpp@054da56 (includes, defines, srcs),
#   tt_metal/jit_build/build_env_manager.cpp + jit_device_config.cpp@01c8afe (device defines),
#   tt_metal/jit_build/genfiles.cpp@009a833 (kernel_includes.hpp, chlkc_*.cpp, chlkc_descriptors.h),
#   tt_metal/impl/kernels/kernel.cpp@28fa477 (NOC_INDEX / NOC_MODE, the kernel's folder on the include path),
# cross-checked against the strings compiled into the wheel's own ttnn/build/lib/libtt_metal.so.
# ---------------------------------------------------------------------------------------------------------------

NUM_CIRCULAR_BUFFERS = 32  # WH: hal.get_arch_num_circular_buffers()
NUM_DRAM_BANKS = 12  # soc_descriptors/wormhole_b0_80_arch.yaml: 12 dram_views
NUM_L1_BANKS = 64  # n150 (nebula_x1) compute_with_storage_grid 8x8
# JitBuildEnv defines: initialize_device_kernel_defines() (a std::map, so sorted) then the fixed ones.
DEVICE_DEFINES = (
    "IS_NOT_POW2_NUM_DRAM_BANKS=1",  # 12 is not a power of two
    "LOG_BASE_2_OF_NUM_L1_BANKS=6",  # 64 is
    f"NUM_DRAM_BANKS={NUM_DRAM_BANKS}",
    f"NUM_L1_BANKS={NUM_L1_BANKS}",
    "PCIE_NOC_X=0",  # jit_device_config.cpp pcie_core_for_arch(WORMHOLE_B0) = {0, 3}
    "PCIE_NOC_Y=3",
    "TENSIX_FIRMWARE",
    "LOCAL_MEM_EN=0",
)
# NOC_OVERLAY_START_ADDR + NOC_STREAM_REG_SPACE_SIZE * 48 (worker dispatch stream)
#   + STREAM_REMOTE_DEST_BUF_SPACE_AVAILABLE_UPDATE_REG_INDEX * 4  (wormhole/noc/noc_overlay_parameters.h)
DISPATCH_MESSAGE_ADDR = 0xFFB40000 + 0x1000 * 48 + 34 * 4

# Language flags of 0.74.0's JIT build, minus what only the SFPI cross compiler understands
# (-ftt-nttp -ftt-constinit -ftt-consteval -ftt-no-dyninit -mcpu=tt-wh[-tensix]) and what only matters for
# code generation (-flto=auto -MMD). -Werror is applied by ttgen itself, to the emitted files only (see below).
LANGUAGE_FLAGS = ("-std=c++17", "-ffast-math", "-fno-exceptions", "-fno-rtti", "-fno-use-cxa-atexit")
WARNING_FLAGS = ("-Wall", "-Wno-unused-variable", "-Wno-unused-function",
                 "-Wno-attributes")  # rvtt_l1_ptr / rvtt_reg_ptr are SFPI-only attributes
# Warnings tt-metal keeps as warnings under its -Werror (-Wno-error=...); every other warning in an emitted file
# fails the real build. tt-metal's JIT build never fails a deprecated call (-Wno-deprecated-declarations, later
# -Wno-error=deprecated-declarations), so one is reported here as a warning: shown, never failing the check.
NOT_ERRORS = frozenset({"-Wmultistatement-macros", "-Wparentheses", "-Wunused-but-set-variable"})
WARNINGS = frozenset({"-Wdeprecated-declarations"})
DIAGNOSTIC_FLAGS = ("-fsyntax-only", "-fdiagnostics-color=never", "-fno-diagnostics-show-caret",
                    "-fdiagnostics-urls=never", "-ftemplate-backtrace-limit=0", "-fmax-errors=100")



@dataclass(frozen=True)
class Target:
    """One processor's build: its firmware wrapper and what the HAL adds for it."""

    name: str  # JIT target name (the object's folder)
    wrapper: str  # the translation unit, relative to the JIT root
    defines: tuple[str, ...]  # HAL defines (PROCESSOR_INDEX first, ARCH_WORMHOLE last)
    opt: str  # legacy default opt level: DataMovementConfig O2, ComputeConfig O3
    extra_flags: tuple[str, ...] = ()
    compute: bool = False


BRISC = Target("brisc", "tt_metal/hw/firmware/src/tt-1xx/brisck.cc",
               ("PROCESSOR_INDEX=0", "COMPILE_FOR_BRISC", "ARCH_WORMHOLE"), "-O2",
               ("-fno-tree-loop-distribute-patterns",))
NCRISC = Target("ncrisc", "tt_metal/hw/firmware/src/tt-1xx/ncrisck.cc",
                ("PROCESSOR_INDEX=1", "COMPILE_FOR_NCRISC", "ARCH_WORMHOLE"), "-O2",
                ("-fno-tree-loop-distribute-patterns",))
TRISC2_PACK = Target("trisc2", "tt_metal/hw/firmware/src/tt-1xx/trisck.cc",
                     ("PROCESSOR_INDEX=4", "UCK_CHLKC_PACK", "COMPILE_FOR_TRISC=2", "ARCH_WORMHOLE"), "-O3",
                     compute=True)


def target_of(build: KernelBuild) -> Target:
    if build.kind == "compute":
        return TRISC2_PACK
    return NCRISC if build.processor == "RISCV_1" else BRISC


# tt::DataFormat values of the device (wormhole_b0_defines/tensix_types.h) and their 32x32 tile sizes.
FORMAT_VALUE = {"Float32": 0, "Float16": 1, "Bfp8": 2, "Bfp4": 3, "Tf32": 4, "Float16_b": 5, "Bfp8_b": 6,
                "Bfp4_b": 7, "Int32": 8, "UInt16": 9, "Lf8": 10, "Bfp2": 11, "Int8": 14, "Bfp2_b": 15,
                "UInt32": 24, "UInt8": 30, "Invalid": 255}
TILE_BYTES = {"Float32": 4096, "Float16": 2048, "Float16_b": 2048, "Bfp8": 1088, "Bfp8_b": 1088, "Bfp4": 576,
              "Bfp4_b": 576, "Bfp2": 320, "Bfp2_b": 320, "Tf32": 4096, "Int32": 4096, "UInt32": 4096,
              "UInt16": 2048, "UInt8": 1024, "Int8": 1024, "Lf8": 1024}
DEFAULT_TILE_BYTES = 1088  # tt_hlk_desc default: constants::BFLOAT8_B_TILE_HW
MATH_FIDELITY = {"LoFi": 0, "HiFi2": 2, "HiFi3": 3, "HiFi4": 4}


# ---------------------------------------------------------------------------------------------------------------
# Diagnostics
# ---------------------------------------------------------------------------------------------------------------


class CompileDiagnostic(TtgenError):
    """One problem g++ found in an emitted kernel: `file:line: message` at the emitted line that caused it."""

    def __init__(self, message: str, location: Location, kernel: Path, target: str, severity: str = "error"):
        super().__init__(message, location)
        self.kernel = kernel  # the kernel whose build reported it
        self.target = target  # "brisc", "ncrisc" or "trisc2" (PACK pass)
        self.severity = severity

    def __repr__(self) -> str:
        return f"CompileDiagnostic({str(self)!r}, target={self.target!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CompileDiagnostic) and (self.location, self.message) == (other.location,
                                                                                           other.message)

    def __hash__(self) -> int:
        return hash((self.location, self.message))


# ---------------------------------------------------------------------------------------------------------------
# The host compiler
# ---------------------------------------------------------------------------------------------------------------

_PROBE = """#include <cstdint>
#include <cstddef>
#include <cstring>
#include <cmath>
#include <climits>
#include <limits>
#include <type_traits>
#include <utility>
#include <array>
#include <tuple>
#include <algorithm>
#include <new>
static_assert(sizeof(void*) == 4 && sizeof(long) == 4, "ILP32");
int main() { return 0; }
"""


@dataclass(frozen=True)
class Toolchain:
    """The host g++ and the flags that give it the device's data model.

    The RISC-V cores are ILP32; the headers cast pointers to uint32_t all over, which is an error for an LP64
    g++. `-m32` fixes that. Without 32-bit multilib headers installed, the 64-bit libstdc++/glibc target
    headers are put on the include path for `-m32` (they are data-model neutral apart from a `gnu/stubs-32.h`
    that ttgen provides empty). If even that fails, g++ runs LP64 with `-fpermissive` (model "lp64").
    """

    cxx: str
    version: str
    model: str  # "ilp32" or "lp64"
    flags: tuple[str, ...] = ()
    needs_stub: bool = False  # add -isystem <dir with an empty gnu/stubs-32.h>
    system_dirs: tuple[str, ...] = field(default=())

    def command_flags(self, stub_dir: Path | None) -> list[str]:
        flags = list(self.flags)
        if self.needs_stub and stub_dir is not None:
            flags += ["-isystem", str(stub_dir)]
        return flags


def write_stub(folder: Path) -> Path:
    (folder / "gnu").mkdir(parents=True, exist_ok=True)
    (folder / "gnu" / "stubs-32.h").write_text("/* ttgen: no 32-bit glibc stubs installed; none needed */\n")
    return folder


def _search_dirs(cxx: str, flags: Sequence[str]) -> list[str] | None:
    try:
        proc = subprocess.run([cxx, *flags, "-x", "c++", "-E", "-v", os.devnull], capture_output=True, text=True,
                              timeout=60, env=_c_locale())
    except (OSError, subprocess.TimeoutExpired):
        return None
    dirs, inside = [], False
    for line in proc.stderr.splitlines():
        if line.startswith("#include <...> search starts here"):
            inside = True
        elif line.startswith("End of search list"):
            break
        elif inside and line.startswith(" "):
            dirs.append(os.path.normpath(line.strip()))
    return dirs


def _probe(cxx: str, flags: Sequence[str]) -> bool:
    try:
        proc = subprocess.run([cxx, *flags, "-std=c++17", "-fsyntax-only", "-x", "c++", "-"], input=_PROBE,
                              capture_output=True, text=True, timeout=60, env=_c_locale())
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


@lru_cache(maxsize=4)
def find_toolchain(cxx: str | None = None) -> Toolchain:
    """The host compiler ($TTGEN_CXX, else g++) and its device-like data model; raises TtgenError if none."""
    cxx = cxx or os.environ.get("TTGEN_CXX") or "g++"
    found = shutil.which(cxx)
    if found is None:
        raise TtgenError(f"the compile check needs g++ (or $TTGEN_CXX); {cxx!r} is not on PATH")
    try:
        version = subprocess.run([found, "-dumpfullversion", "-dumpversion"], capture_output=True, text=True,
                                 timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TtgenError(f"cannot run {found}: {exc}") from None
    major = int(re.match(r"\d+", version).group()) if re.match(r"\d+", version) else 0
    if major < 10:
        raise TtgenError(f"the compile check needs g++ 10 or newer (the headers are C++17 with GCC extensions); "
                         f"{found} is {version or 'of unknown version'}")
    system64 = _search_dirs(found, []) or []
    if _probe(found, ["-m32"]):
        return Toolchain(found, version, "ilp32", ("-m32",), system_dirs=tuple(system64))
    system32 = _search_dirs(found, ["-m32"]) or []
    extra: list[str] = []
    for folder in system64:
        if folder in system32:
            continue
        extra += ["-isystem", folder] if "/c++/" in folder else ["-idirafter", folder]
    with tempfile.TemporaryDirectory(prefix="ttgen-probe-") as scratch:
        stub = write_stub(Path(scratch))
        if _probe(found, ["-m32", *extra, "-isystem", str(stub)]):
            return Toolchain(found, version, "ilp32", ("-m32", *extra), needs_stub=True,
                             system_dirs=tuple(system64))
    return Toolchain(found, version, "lp64",
                     ("-fpermissive", "-Wno-int-to-pointer-cast", "-Wno-pointer-to-int-cast"),
                     system_dirs=tuple(system64))


def _c_locale() -> dict[str, str]:
    env = dict(os.environ)
    env.update(LC_ALL="C", LANG="C", LANGUAGE="C")  # ASCII quotes, untranslated messages
    env.pop("GCC_COLORS", None)
    return env


# ---------------------------------------------------------------------------------------------------------------
# The JIT files and command of one kernel
# ---------------------------------------------------------------------------------------------------------------


def jit_root(headers_root: str | Path) -> Path:
    """The JIT build's root (the folder holding `tt_metal/`) from either that folder or its `tt_metal/`."""
    path = Path(headers_root).expanduser().resolve()
    if (path / "tt_metal" / BRISC.wrapper.split("/", 1)[1]).is_file():
        return path
    if path.name == "tt_metal" and (path.parent / BRISC.wrapper).is_file():
        return path.parent
    raise TtgenError(f"{headers_root}: not a tt-metal header folder (no {BRISC.wrapper}); "
                     f"use ttgen.headers.ensure_headers()")


@dataclass(frozen=True)
class JitInvocation:
    """What compiling one kernel takes: the generated files (name -> text) in the kernel's folder `<dir>`, then
    `cd <dir>/<target.name> && <argv>` (as in the JIT build, whose -I. -I.. reach the files from the target's
    object folder)."""

    build: KernelBuild
    target: Target
    files: dict[str, str]
    argv: list[str]

    def shell(self) -> str:
        import shlex
        return " ".join(shlex.quote(a) for a in self.argv)


def _array(ctype: str, name: str, values: Iterable[int]) -> str:
    """genfiles.cpp emit_formats_array: `{type} {name}[{n}] = {\\n    v,v,...\\n};`"""
    return f"{ctype} {name}[{NUM_CIRCULAR_BUFFERS}] = {{\n    {','.join(str(v) for v in values)}\n}};\n"


_EXP_B = {"Tf32", "Float16_b", "Bfp8_b", "Bfp4_b", "Bfp2_b"}
_BFP = {"Bfp8", "Bfp8_b", "Bfp4", "Bfp4_b", "Bfp2", "Bfp2_b"}
_NO_EXP = {"Float32", "UInt32", "Int32", "UInt16", "UInt8", "Invalid"}
_INTEGER = {"Int32", "UInt32", "UInt16", "UInt8", "Int8"}


def _register_formats(cbs: list[str], fp32_dest_acc_en: bool) -> tuple[list[str], list[str]]:
    """(unpack_dst_format, pack_src_format) per CB: the register-side formats tt-metal's data_format.cpp derives
    from the L1 formats. Follows get_single_unpack_dst_format / get_single_pack_src_format for the formats ttgen
    emits; the values only matter to code that branches on them at compile time."""
    named = [f for f in cbs if f not in _NO_EXP]
    exp_b = bool(named) and named[-1] in _EXP_B  # get_data_exp_precision: the last CB with an exponent width
    condition = "Float16_b" if exp_b else "Float16"
    if fp32_dest_acc_en and (all(f in ("Float32", "Invalid") for f in cbs) or exp_b):
        condition = "Tf32"
    unpack_dst, pack_src = [], []
    for fmt in cbs:
        if fmt == "Float32":
            unpack_dst.append(condition)
        elif fmt in _BFP:
            unpack_dst.append("Bfp8_b" if fmt in _EXP_B else "Bfp8")
        else:
            unpack_dst.append(fmt)
        if fmt == "Invalid" or fmt in _INTEGER:
            pack_src.append(fmt)
        elif fp32_dest_acc_en:
            pack_src.append("Bfp8_b" if fmt in _BFP else "Float16_b" if fmt == "Float16" else fmt)
        elif fmt == "Float32":
            pack_src.append("Float16_b" if condition == "Tf32" else condition)
        elif fmt in _BFP:
            pack_src.append("Bfp8_b" if fmt in _EXP_B else "Bfp8")
        else:
            pack_src.append(fmt)
    return unpack_dst, pack_src


def descriptors(build: KernelBuild) -> str:
    """chlkc_descriptors.h as genfiles.cpp generate_all_descriptors() writes it, from the host's CB config.

    GenerateBinaries (program.cpp) writes it for every kernel, data-movement ones included: dataflow_api.h
    includes it when present (`__has_include`) and then defines get_tile_size() and friends from it. For a
    data-movement kernel the compute options keep their JitBuildOptions defaults (fidelity Invalid, approx on,
    no fp32 DEST); those values sit under UCK_CHLKC_* guards that a data-movement build never defines.
    """
    compute = build.kind == "compute"
    fp32_dest_acc_en = build.fp32_dest_acc_en if compute else False
    cbs = ["Invalid"] * NUM_CIRCULAR_BUFFERS
    for index, fmt in build.cb_formats.items():
        if not 0 <= index < NUM_CIRCULAR_BUFFERS:
            raise TtgenError(f"{build.path}: CB index {index} is outside 0..{NUM_CIRCULAR_BUFFERS - 1}")
        if fmt not in FORMAT_VALUE:
            raise TtgenError(f"{build.path}: CB {index} has data format {fmt!r}, unknown to the compile check")
        cbs[index] = fmt
    unpack_dst, pack_src = _register_formats(cbs, fp32_dest_acc_en)
    value = [FORMAT_VALUE[f] for f in cbs]
    tile_bytes = [TILE_BYTES.get(f, DEFAULT_TILE_BYTES) for f in cbs]

    def dims(prefix: str) -> str:
        # 32x32 tiles of four 16x16 faces (ttgen emits no other tile shape)
        return (_array("constexpr uint8_t", f"{prefix}_tile_num_faces", [4] * NUM_CIRCULAR_BUFFERS)
                + _array("constexpr uint8_t", f"{prefix}_partial_face", [0] * NUM_CIRCULAR_BUFFERS)
                + _array("constexpr uint8_t", f"{prefix}_tile_face_r_dim", [16] * NUM_CIRCULAR_BUFFERS)
                + _array("constexpr uint8_t", f"{prefix}_narrow_tile", [0] * NUM_CIRCULAR_BUFFERS)
                + _array("constexpr uint8_t", f"{prefix}_tile_r_dim", [32] * NUM_CIRCULAR_BUFFERS)
                + _array("constexpr uint8_t", f"{prefix}_tile_c_dim", [32] * NUM_CIRCULAR_BUFFERS)
                + _array("constexpr uint16_t", f"{prefix}_tile_size", tile_bytes)
                + _array("constexpr uint8_t", f"{prefix}_num_faces_r_dim", [2] * NUM_CIRCULAR_BUFFERS)
                + _array("constexpr uint8_t", f"{prefix}_num_faces_c_dim", [2] * NUM_CIRCULAR_BUFFERS))

    fidelity = MATH_FIDELITY.get(build.math_fidelity) if compute else 255  # MathFidelity::Invalid
    approx = build.math_approx_mode if compute else True
    if fidelity is None:
        raise TtgenError(f"{build.path}: math fidelity {build.math_fidelity!r} is not one of "
                         f"{sorted(MATH_FIDELITY)}")
    bool_ = lambda flag: "true" if flag else "false"  # noqa: E731  (fmt formats bool as true/false)
    return ("#pragma once\n\n"
            "#if defined(UCK_CHLKC_MATH)\n#include \"llk_defs.h\"\n"
            f"constexpr ckernel::MathFidelity MATH_FIDELITY = static_cast<ckernel::MathFidelity>({fidelity});\n"
            f"constexpr bool APPROX = {bool_(approx)};\n"
            "#endif\n\n"
            "#if !defined(UCK_CHLKC_PACK)\n"
            + _array("constexpr std::int32_t", "unpack_src_format", value)
            + _array("constexpr std::int32_t", "unpack_dst_format", [FORMAT_VALUE[f] for f in unpack_dst])
            + dims("unpack")
            + "#endif\n\n"
            "#if !defined(UCK_CHLKC_MATH) && !defined(UCK_CHLKC_UNPACK)\n"
            + _array("constexpr unsigned char", "pack_src_format", [FORMAT_VALUE[f] for f in pack_src])
            + _array("constexpr unsigned char", "pack_dst_format", value)
            + dims("pack")
            + "#if defined(UCK_CHLKC_PACK)\n"
            + _array("constexpr std::int32_t", "unpack_src_format", value)
            + "#endif\n#endif\n\n"
            "#if defined(UCK_CHLKC_MATH) || defined(UCK_CHLKC_PACK) || defined(UCK_CHLKC_UNPACK) || "
            "defined(UCK_CHLKC_ISOLATE_SFPU)\n"
            f"constexpr bool DST_ACCUM_MODE = {bool_(fp32_dest_acc_en)};\n"
            f"#define DST_SYNC_MODE DstSync::Sync{'Full' if compute and build.dst_full_sync_en else 'Half'}\n"
            "#endif\n")


def invocation(build: KernelBuild, headers_root: str | Path, toolchain: Toolchain | None = None,
               stub_dir: Path | None = None) -> JitInvocation:
    """The generated files and the g++ command line that type-check `build` (run it in the files' folder)."""
    root = jit_root(headers_root)
    toolchain = toolchain or find_toolchain()
    target = target_of(build)
    kernel = Path(build.path).resolve()
    include_kernel = f'#include "{kernel}"\n'  # genfiles: a file-path kernel is #included by absolute path
    if target.compute:
        files = {
            # jit_build_genfiles_triscs_src: prolog + the kernel; only chlkc_pack.cpp is compiled here
            "chlkc_pack.cpp": '#define TRISC_PACK\n#include "defines_generated.h"\n' + include_kernel,
            # ComputeKernel::process_defines: the user defines (ttgen emits none) and NOC_MODE=DM_DEDICATED_NOC
            "defines_generated.h": "#define NOC_MODE 0\n",
            "chlkc_descriptors.h": descriptors(build),
        }
    else:
        files = {"kernel_includes.hpp": include_kernel,  # jit_build_genfiles_kernel_include
                 "chlkc_descriptors.h": descriptors(build)}

    includes = [f"-I{root / inc}" if inc else f"-I{root}" for inc in ENV_INCLUDES[2:]]
    includes = ["-I.", "-I..", *includes, *(f"-I{root / inc}" for inc in HAL_INCLUDES)]
    if target.compute:
        includes += [f"-I{root / inc}" for inc in HAL_COMPUTE_INCLUDES]
    includes.append(f"-I{root / FIRMWARE_INCLUDE}")
    includes.append(f"-I{kernel.parent}")  # Kernel::process_include_paths: the kernel's own folder

    defines = [f"-D{d}" for d in (*DEVICE_DEFINES, *target.defines)]
    defines += [f"-DDISPATCH_MESSAGE_ADDR={DISPATCH_MESSAGE_ADDR}", "-DKERNEL_BUILD"]
    if not target.compute:  # DataMovementKernel::process_defines, on the command line for DM builds
        defines += [f"-DNOC_INDEX={build.noc}", "-DNOC_MODE=0"]
    if build.compile_args:
        defines.append("-DKERNEL_COMPILE_TIME_ARGS=" + ",".join(str(int(a)) for a in build.compile_args))

    argv = [toolchain.cxx, *toolchain.command_flags(stub_dir), target.opt, *LANGUAGE_FLAGS,
            *target.extra_flags, *WARNING_FLAGS, *DIAGNOSTIC_FLAGS, *includes, str(root / target.wrapper),
            *defines]
    return JitInvocation(build, target, files, argv)


# ---------------------------------------------------------------------------------------------------------------
# Running g++ and mapping its output back to the emitted files
# ---------------------------------------------------------------------------------------------------------------


def check_kernel(build: KernelBuild, headers_root: str | Path) -> list[CompileDiagnostic]:
    """Type-check one kernel; [] when g++ accepts it."""
    return check_builds([build], headers_root)


def check_builds(builds: Sequence[KernelBuild], headers_root: str | Path,
                 jobs: int | None = None) -> list[CompileDiagnostic]:
    """Type-check every kernel (in parallel); all diagnostics in build order, duplicates (a kernel file built
    twice with the same problem) dropped."""
    root = jit_root(headers_root)
    toolchain = find_toolchain()
    diagnostics: list[CompileDiagnostic] = []
    with tempfile.TemporaryDirectory(prefix="ttgen-jit-") as scratch_name:
        scratch = Path(scratch_name)
        stub = write_stub(scratch / "ilp32-stub") if toolchain.needs_stub else None
        work = [(build, scratch / f"{i:03d}_{Path(build.path).stem}_{target_of(build).name}")
                for i, build in enumerate(builds)]
        workers = max(1, min(jobs or os.cpu_count() or 1, len(work) or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda item: _compile(item[0], item[1], root, toolchain, stub), work))
    seen: set[CompileDiagnostic] = set()
    for found in results:
        for diagnostic in found:
            if _needs_sfpi(diagnostic):
                diagnostic = CompileDiagnostic(SFPI_NOTE, diagnostic.location, diagnostic.kernel, diagnostic.target,
                                               "unchecked")
            if diagnostic not in seen:
                seen.add(diagnostic)
                diagnostics.append(diagnostic)
    return diagnostics


# SFPU op headers pull in sfpi.h from the SFPI RISC-V toolchain even in the PACK pass; no package registry carries
# it, so a kernel using SFPU ops cannot be type-checked here. That is a limit of the check, not an error.
SFPI_NOTE = ("not type-checked: this kernel's SFPU ops include sfpi.h, which ships only with the SFPI toolchain "
             "(see docs/compile-check.md)")


def _needs_sfpi(diagnostic: CompileDiagnostic) -> bool:
    return "sfpi.h: No such file" in diagnostic.message


def errors(diagnostics: Sequence[CompileDiagnostic]) -> list[CompileDiagnostic]:
    """The diagnostics that are errors (not the notes about kernels the check cannot cover)."""
    return [d for d in diagnostics if d.severity == "error"]


@dataclass
class CompileResult:
    """One kernel's raw outcome (for tooling and the report): command, exit status, output, seconds."""

    invocation: JitInvocation
    returncode: int
    output: str
    seconds: float


def run_kernel(build: KernelBuild, headers_root: str | Path, folder: Path,
               toolchain: Toolchain | None = None, stub_dir: Path | None = None) -> CompileResult:
    """Write the JIT files of `build` into `folder` and run g++ in `folder/<target>`; no interpretation."""
    toolchain = toolchain or find_toolchain()
    if toolchain.needs_stub and stub_dir is None:
        stub_dir = write_stub(folder / "ilp32-stub")
    job = invocation(build, headers_root, toolchain, stub_dir)
    (folder / job.target.name).mkdir(parents=True, exist_ok=True)
    for name, text in job.files.items():
        (folder / name).write_text(text)
    started = time.perf_counter()
    try:
        proc = subprocess.run(job.argv, cwd=folder / job.target.name, capture_output=True, text=True,
                              errors="replace", env=_c_locale(), timeout=300)
        code, output = proc.returncode, proc.stderr + proc.stdout
    except subprocess.TimeoutExpired:
        code, output = -1, f"{job.argv[0]}: timed out after 300 s"
    except OSError as exc:
        raise TtgenError(f"cannot run {job.argv[0]}: {exc.strerror or exc}") from None
    return CompileResult(job, code, output, time.perf_counter() - started)


def _compile(build: KernelBuild, folder: Path, root: Path, toolchain: Toolchain,
             stub: Path | None) -> list[CompileDiagnostic]:
    target = target_of(build).name
    if not Path(build.path).is_file():
        return [CompileDiagnostic("no such kernel file", Location(str(build.path)), Path(build.path), target)]
    result = run_kernel(build, root, folder, toolchain, stub)
    diagnostics = map_output(result.output, build, root, folder, toolchain)
    if result.returncode != 0 and not diagnostics:
        # g++ failed without anything we could place: say so rather than pass the kernel
        last = next((line for line in reversed(result.output.splitlines()) if line.strip()), "no output")
        diagnostics = [CompileDiagnostic(f"g++ failed ({target}): {last.strip()}", Location(str(build.path)),
                                         Path(build.path), target)]
    return diagnostics


_LOCATED = re.compile(r"^(?P<file>[^\s:][^:]*?):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<rest>.*)$")
_INCLUDED = re.compile(r"^(?:In file included from|\s+from) (?P<file>.+?):(?P<line>\d+)[,:]$")
_CONTEXT = re.compile(r"^(?P<file>[^\s:][^:]*?): (?P<what>(?:In |At global scope).*):$")
_KIND = re.compile(r"^(?P<kind>fatal error|error|warning|note): (?P<text>.*)$")
_FLAG = re.compile(r" \[(?P<flag>-W[\w+=-]+|-fpermissive)\]$")


@dataclass
class _Diag:
    kind: str
    file: str
    line: int
    text: str
    flag: str | None
    includes: list[tuple[str, int]]  # innermost first: the line that includes `file`, ...
    instantiation: list[tuple[str, int]]  # "required from" chain, innermost first
    instantiated: list[str]  # what that chain instantiates ("struct TensorAccessorArgs<2>", ...)
    notes: list[tuple[str, int, str]] = field(default_factory=list)


def _parse(output: str) -> list[_Diag]:
    diags: list[_Diag] = []
    chains: dict[str, list[tuple[str, int]]] = {}  # file -> its last printed include chain
    pending_includes: list[tuple[str, int]] = []
    instantiation: list[tuple[str, int]] = []
    instantiated: list[str] = []
    instantiated_in = ""  # the file of the innermost instantiation point
    fresh_instantiation = False
    current: _Diag | None = None
    for line in output.splitlines():
        included = _INCLUDED.match(line)
        if included:
            if line.startswith("In file included from"):
                pending_includes = []
            pending_includes.append((included["file"], int(included["line"])))
            continue
        context = _CONTEXT.match(line)
        if context:
            if pending_includes:
                _record(chains, context["file"], pending_includes)
                pending_includes = []
            instantiation, instantiated = [], []
            fresh_instantiation = context["what"].startswith(("In instantiation of", "In substitution of"))
            if fresh_instantiation:
                instantiated.append(context["what"])
            instantiated_in = context["file"]
            continue
        located = _LOCATED.match(line)
        if not located:
            continue  # "cc1plus: ...", "compilation terminated.", stray text
        file, lineno, rest = located["file"], int(located["line"]), located["rest"]
        if pending_includes:
            _record(chains, file, pending_includes)
            pending_includes = []
        kind = _KIND.match(rest)
        if kind is None:  # "  required from ...", "  in 'constexpr' expansion of ...", "required from here"
            if fresh_instantiation or not instantiation:
                instantiation.append((file, lineno))
                instantiated.append(rest)
            continue
        if kind["kind"] == "note":
            if current is not None:
                current.notes.append((file, lineno, kind["text"].strip()))
            continue
        text = kind["text"]
        flag = _FLAG.search(text)
        if flag:
            text = text[:flag.start()]
        # g++ prints an instantiation chain once; a later error in the same instantiation (same file) shares it
        same = fresh_instantiation or file == instantiated_in
        current = _Diag("error" if kind["kind"] == "fatal error" else kind["kind"], file, lineno, text,
                        flag["flag"] if flag else None, list(chains.get(file, [])),
                        list(instantiation) if same else [], list(instantiated) if same else [])
        diags.append(current)
        fresh_instantiation = False
    return diags


def _record(chains: dict[str, list[tuple[str, int]]], file: str, chain: list[tuple[str, int]]) -> None:
    """Remember how `file` was included, and so how every file on the way was (g++ prints a chain only when
    the file of a diagnostic changes)."""
    chains[file] = chain
    for k, (outer, _) in enumerate(chain):
        chains.setdefault(outer, chain[k + 1:])


# Errors g++ reports as a consequence of an earlier one (an invalid type or template argument propagating).
_CASCADES = re.compile(r"^(template argument \d+ is invalid|class template argument deduction failed|"
                       r"non-constant condition for static assertion|invalid types .* for array subscript)")


_TEMPLATE_ID = re.compile(r"\b[A-Za-z_]\w*<[^<>]+>")


def _shorten(text: str) -> str:
    """Long quoted C++ signatures -> 'ret name(...)'; drops ' [with T = ...]' blocks."""
    def quoted(match: re.Match) -> str:
        inner = re.sub(r" \[with [^\]]*\]$", "", match.group(1))
        if len(inner) > 60 and "(" in inner:
            inner = inner[:inner.index("(")] + "(...)"
        return f"'{inner}'"
    return re.sub(r"'([^']*)'", quoted, text)


def map_output(output: str, build: KernelBuild, root: Path, folder: Path,
               toolchain: Toolchain) -> list[CompileDiagnostic]:
    """g++'s output for one kernel -> one diagnostic per emitted (file, line), innermost cause first."""
    kernel = Path(build.path)
    kernel_real = os.path.realpath(kernel)
    root_real = os.path.realpath(root)
    folder_real = os.path.realpath(folder)
    system = [os.path.realpath(d) for d in toolchain.system_dirs]
    target = target_of(build).name

    def real(file: str) -> str:
        return os.path.realpath(file if os.path.isabs(file) else os.path.join(folder, target, file))

    def ours(file: str) -> bool:
        if file.startswith("<") or file in ("cc1plus", "g++"):
            return False
        path = real(file)
        if path == kernel_real:
            return True
        inside = lambda base: path == base or path.startswith(base + os.sep)  # noqa: E731
        return not (inside(root_real) or inside(folder_real) or any(inside(d) for d in system))

    def shown(file: str) -> str:
        if real(file) == kernel_real:
            return str(kernel)
        path = real(file)
        try:
            rel = os.path.relpath(path)
        except ValueError:
            return path
        return path if rel.startswith("..") else rel

    def header(file: str, line: int) -> str:
        path = real(file)
        rel = os.path.relpath(path, root_real) if path.startswith(root_real + os.sep) else path
        return f"{rel}:{line}"

    found: dict[tuple[str, int | None], CompileDiagnostic] = {}
    tainted: set[str] = set()
    for diag in _parse(output):
        where: tuple[str, int] | None = None
        how = ""
        if ours(diag.file):
            where = (diag.file, diag.line)
        else:
            chain = [(f, n) for f, n in diag.instantiation if ours(f)]
            if chain:
                where, how = chain[0], f"in {header(diag.file, diag.line)}"
            else:
                macro = [(f, n) for f, n, text in diag.notes if "in expansion of macro" in text and ours(f)]
                if macro:
                    where, how = macro[0], f"in {header(diag.file, diag.line)}"
                elif diag.kind == "error":
                    include = [(f, n) for f, n in diag.includes if ours(f)]
                    if include:
                        where, how = include[0], f"in {header(diag.file, diag.line)}, included here"
        if diag.kind == "warning":
            if where is None or diag.flag in NOT_ERRORS or (diag.flag == "-fpermissive" and not ours(diag.file)):
                continue
            if how and diag.flag == "-Wdeprecated-declarations":
                continue  # a header calling a deprecated API of its own: not the kernel's doing
            if toolchain.model == "lp64" and "loses precision" in diag.text:
                continue  # pointer -> uint32_t is fine on the 32-bit device
        if found and (_CASCADES.match(diag.text) or any(t in diag.text for t in tainted)):
            continue
        if diag.kind == "error":  # later errors about what this one failed to instantiate are its echoes
            tainted.update(m for what in diag.instantiated for m in _TEMPLATE_ID.findall(what))
        text = _shorten(diag.text)
        if diag.flag and diag.kind == "warning":
            text += f" [{diag.flag}]"
        context = [_shorten(n) for _, _, n in diag.notes
                   if re.match(r"(candidate expects|the comparison reduces to|provided for)", n)][:1]
        if where is None:  # nothing in the emitted files led there: keep it, on the kernel, with its origin
            how = f"in {header(diag.file, diag.line)}"
        if how:
            context.append(how)
        if "compile_time_args.h" in diag.file and "Index out of range" in diag.text:
            context.append(f"the kernel is built with {len(build.compile_args)} compile-time args"
                           + (f" by {build.created_at}" if build.created_at is not None else ""))
        if context:
            text += f" ({'; '.join(context)})"
        if where is None:
            key: tuple[str, int | None] = (str(kernel), None)
            location = Location(str(kernel))
        else:
            key = (shown(where[0]), where[1])
            location = Location(shown(where[0]), where[1])
        if key not in found:
            severity = "warning" if diag.kind == "warning" and diag.flag in WARNINGS else "error"
            found[key] = CompileDiagnostic(text, location, kernel, target, severity)
    located = [d for d in found.values() if d.location.line is not None]
    return located or list(found.values())  # an unplaceable error next to placed ones is their echo
