"""Numbers for drawing a slice (no Qt here): the range of its finite heights, heights
between grid points, which points of a long path to draw, and round tick values."""

from __future__ import annotations

import math

import numpy as np


def finite_range(z: np.ndarray) -> tuple[float, float]:
    """(min, max) of the finite values of ``z``; (0, 1) when there are none; widened a
    little when they are all equal."""
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if not hi > lo:
        pad = max(abs(lo) * 1e-6, 1e-12)
        lo, hi = lo - pad, hi + pad
    return lo, hi


def bilinear(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, u: np.ndarray,
             v: np.ndarray) -> np.ndarray:
    """``z`` (on the grid xs x ys) interpolated at points (u, v), clamped to the grid; for
    drawing things on the drawn surface. Non-finite grid values are taken as the largest
    finite one."""
    _lo, hi = finite_range(z)
    zz = np.where(np.isfinite(z), z, hi)
    fx = np.clip(np.interp(u, xs, np.arange(xs.size)), 0, xs.size - 1)
    fy = np.clip(np.interp(v, ys, np.arange(ys.size)), 0, ys.size - 1)
    i0 = np.minimum(np.floor(fx).astype(int), max(xs.size - 2, 0))
    j0 = np.minimum(np.floor(fy).astype(int), max(ys.size - 2, 0))
    i1 = np.minimum(i0 + 1, xs.size - 1)
    j1 = np.minimum(j0 + 1, ys.size - 1)
    tx, ty = fx - i0, fy - j0
    return ((1 - tx) * (1 - ty) * zz[i0, j0] + tx * (1 - ty) * zz[i1, j0]
            + (1 - tx) * ty * zz[i0, j1] + tx * ty * zz[i1, j1])


def subsample(n: int, limit: int) -> np.ndarray:
    """At most about ``limit`` indices of 0 .. n - 1: every stride-th one (the stride a power
    of two) and always the last. As n grows the chosen indices stay the same until the
    stride doubles, so heights cached by index stay useful while training runs."""
    if n <= limit:
        return np.arange(n)
    stride = 1
    while -(-n // stride) > limit - 1:
        stride *= 2
    idx = np.arange(0, n, stride)
    return idx if idx[-1] == n - 1 else np.append(idx, n - 1)


def nice_ticks(lo: float, hi: float, target: int = 4) -> np.ndarray:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) inside lo .. hi,
    about ``target`` of them."""
    span = hi - lo
    if not (math.isfinite(span) and span > 0):
        return np.array([lo])
    raw = span / max(1, target)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = 10 * mag
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if span / (m * mag) <= target:
            step = m * mag
            break
    first = math.ceil(lo / step - 1e-9) * step
    ticks = np.arange(first, hi + step * 1e-9, step)
    ticks[np.abs(ticks) < step * 1e-9] = 0.0
    return ticks
