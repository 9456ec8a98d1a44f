"""The bitonic top-k primitives of api/compute/compute_kernel_api.h: topk_local_sort, topk_merge, topk_rebuild.

Each works on a DST window of four tiles: values in DST[idst] and DST[idst + 1], their indices in DST[idst + 2] and
DST[idst + 3]. Every column of the window is one sequence of 64 elements (position j is row j % 32 of value tile
j // 32), the layout a transposed row tile pair gives; the ops compare-exchange elements along it, moving each index
with its value. The positions compared follow the loops of the LLK (ckernel_sfpu_topk.h), stated per op below.

With stable_sort, equal values are ordered by index (the lower index first in a decreasing run, so the order is a
total one and the bitonic network sorts exactly); without it only values are compared and equal pairs stay put.
"""

from __future__ import annotations

import functools

import numpy as np

from .api import API
from .checks import violation
from . import timing
from .compute import (C, _charge, _configure_sfpu, _math_slot, _require_sfpu, _sfpu_source, _state, _write_dst,
                      template_flag)

H = "api/compute/compute_kernel_api.h"
LENGTH = 64  # elements per column of the window
KS = (4, 8, 16, 32, 64)


def _window(st, idst, call: str) -> tuple[int, np.ndarray, np.ndarray]:
    base = int(idst)
    for slot in range(base, base + 4):
        _sfpu_source(st, slot, f"{call} (its window DST[{base}..{base + 3}])")
    values = np.concatenate([st.dst[base], st.dst[base + 1]]).astype(np.float64)
    indices = np.concatenate([st.dst[base + 2], st.dst[base + 3]]).astype(np.float64)
    return base, values, indices


def _store(st, base: int, values: np.ndarray, indices: np.ndarray, call: str) -> None:
    for t in range(2):
        _write_dst(st, _math_slot(st, base + t, call), values[32 * t:32 * t + 32])
        _write_dst(st, _math_slot(st, base + 2 + t, call), indices[32 * t:32 * t + 32])


def compare_exchange(values: np.ndarray, indices: np.ndarray, first: np.ndarray, second: np.ndarray,
                     descending: np.ndarray, stable: bool) -> None:
    """For each pair (first[n], second[n]) of positions, put the element that comes first in the run's direction
    (descending[n]: larger first) at first[n]; in place, for all columns at once."""
    a, b = values[first], values[second]
    ia, ib = indices[first], indices[second]
    d = descending[:, None]
    a_first = np.where(d, a > b, a < b)
    if stable:
        a_first |= (a == b) & np.where(d, ia < ib, ia > ib)
    else:
        a_first |= a == b  # equal values are not swapped
    values[first], values[second] = np.where(a_first, a, b), np.where(a_first, b, a)
    indices[first], indices[second] = np.where(a_first, ia, ib), np.where(a_first, ib, ia)


@functools.lru_cache(maxsize=None)
def _pairs(starts: tuple[int, ...], run: int, distance: int) -> tuple[np.ndarray, np.ndarray]:
    """First positions of the pairs `distance` apart inside each run of length `run` starting at `starts`, and
    the number of the run each belongs to (the kernels call the same few shapes over and over)."""
    first = [(start + j, b) for b, start in enumerate(starts) for j in range(run) if not j & distance]
    return np.array([f for f, _ in first]), np.array([b for _, b in first])


def bitonic_steps(values, indices, starts: tuple[int, ...], run: int, steps, idir: int, stable: bool) -> None:
    """Steps of a bitonic phase over runs of length `run` starting at `starts`, whose directions alternate from
    `idir` (0: decreasing); step s compares positions 2^(s-1) apart."""
    for s in steps:
        distance = 1 << (s - 1)
        first, run_number = _pairs(starts, run, distance)
        descending = (run_number % 2 == 0) == (idir == 0)
        compare_exchange(values, indices, first, first + distance, descending, stable)


def local_sort(values, indices, idir: int, end_phase: int, start_phase: int = 0, end_step: int = 0,
               start_step: int = 0, stable: bool = False) -> None:
    """Phases start_phase..end_phase; phase p merges into runs of 2^(p+1), its steps s from p+1 down to 1. A single
    phase of 4 or more runs only steps start_step..end_step+1 and then 4..1, as the LLK does."""
    for phase in range(start_phase, end_phase + 1):
        run = 2 << phase
        steps = range(phase + 1, 0, -1)
        if phase >= 4 and start_phase == end_phase:
            steps = [*range(start_step, end_step, -1), 4, 3, 2, 1]
        bitonic_steps(values, indices, tuple(range(0, LENGTH, run)), run, steps, idir, stable)


def merge(values, indices, m_iter: int, k: int, top_min: bool, stable: bool) -> None:
    """Length-k runs 2^m_iter runs apart (at most 32 positions) compared element by element: the larger (the
    smaller with top_min) to the first run."""
    kk = min(k, 32)
    dist = min(32, kk << m_iter)
    first = np.array([b + r for b in range(0, LENGTH, 2 * dist) for r in range(kk)])
    compare_exchange(values, indices, first, first + dist, np.full(len(first), not top_min), stable)


def rebuild(values, indices, idir: int, m_iter: int, k: int, logk: int, skip_second: int, stable: bool) -> None:
    """Sort the bitonic length-k runs 2^(m_iter+1) runs apart, directions alternating from idir. For k of 32 or
    more the LLK sorts the whole window into runs of k (skip_second does not apply)."""
    if k >= 32:
        starts = tuple(range(0, LENGTH, k))
    else:
        dist = min(32, k << (m_iter + 1))
        total = max(2 * k, LENGTH >> (m_iter + 1)) >> (skip_second & 1)
        starts = tuple(b * dist for b in range(total // k))
    bitonic_steps(values, indices, starts, k, range(logk, 0, -1), idir, stable)


def _check_k(k: int, call: str) -> None:
    if k not in KS:
        raise violation("api-argument", f"{call}: k = {k} is not one of {KS}")


@API.function("topk_tile_init", groups=C, header=H)
def topk_tile_init():
    _configure_sfpu("topk", "topk_tile_init")


def _run(call: str, idst, fn, steps: int) -> None:
    """Run `fn` on the window; it costs `steps` compare-exchange passes, each of which loads, swaps and stores the
    window's values and indices (two tiles each, an SFPU pass per pair of tiles: an estimate)."""
    st = _state()
    _require_sfpu(st, "topk", call, "topk_tile_init")
    base, values, indices = _window(st, idst, call)
    fn(values, indices)
    _store(st, base, values, indices, call)
    _charge(call, lambda: steps * 2 * timing.COSTS.sfpu_simple_tile, True)


@API.function("topk_local_sort", groups=C, header=H, template_args=(0, 1))
def topk_local_sort(targs, idst, idir, i_end_phase, i_start_phase=0, i_end_step=0, i_start_step=0):
    end, start = int(i_end_phase), int(i_start_phase)
    if not (0 <= start <= end <= 5):
        raise violation("api-argument", f"topk_local_sort: phases {start}..{end} are outside 0..5")
    steps = sum(p + 1 for p in range(start, end + 1))
    _run("topk_local_sort", idst, lambda v, i: local_sort(v, i, int(idir), end, start, int(i_end_step),
                                                           int(i_start_step), template_flag(targs, 0)), steps)


@API.function("topk_merge", groups=C, header=H, template_args=(0, 2))
def topk_merge(targs, idst, m_iter, k):
    _check_k(int(k), "topk_merge")
    top_min = template_flag(targs, 0)
    _run("topk_merge", idst, lambda v, i: merge(v, i, int(m_iter), int(k), top_min, template_flag(targs, 1)), 1)


@API.function("topk_rebuild", groups=C, header=H, template_args=(0, 1))
def topk_rebuild(targs, idst, idir, m_iter, k, logk, skip_second):
    _check_k(int(k), "topk_rebuild")
    if 1 << int(logk) != int(k):
        raise violation("api-argument", f"topk_rebuild: logk {int(logk)} is not log2 of k = {int(k)}")
    _run("topk_rebuild", idst, lambda v, i: rebuild(v, i, int(bool(idir)), int(m_iter), int(k), int(logk),
                                                     int(skip_second), template_flag(targs, 0)), int(logk))
