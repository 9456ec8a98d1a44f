"""The pieces of the C++ standard library that kernels and hosts call: std::min/max/abs/clamp, <cstdint> limits."""

from __future__ import annotations

from .api import API, DEVICE, HOST

ALL = DEVICE | {HOST}


@API.function("std::min", groups=ALL, header="<algorithm>", template_args=(0, 1))
def std_min(targs, a, b):
    return b if b < a else a


@API.function("std::max", groups=ALL, header="<algorithm>", template_args=(0, 1))
def std_max(targs, a, b):
    return b if a < b else a


@API.function("std::clamp", groups=ALL, header="<algorithm>", template_args=(0, 1))
def std_clamp(targs, v, lo, hi):
    return lo if v < lo else hi if hi < v else v


@API.function("std::abs", groups=ALL, header="<cstdlib>")
def std_abs(v):
    return -v if v < 0 else v


for _name, _value in {"UINT8_MAX": 0xFF, "UINT16_MAX": 0xFFFF, "UINT32_MAX": 0xFFFF_FFFF,
                      "UINT64_MAX": 0xFFFF_FFFF_FFFF_FFFF, "INT32_MAX": 0x7FFF_FFFF, "INT32_MIN": -0x8000_0000,
                      "INT16_MAX": 0x7FFF, "INT8_MAX": 0x7F}.items():
    API.constant(_name, _value, groups=ALL, header="<cstdint>")
