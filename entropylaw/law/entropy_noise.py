"""How noisy the logged entropy is: one batch estimate per step scatters around the trend."""

from __future__ import annotations

import math

import numpy as np

MIN_VALUES = 10


def relative_entropy_noise(values) -> float:
    """Relative standard deviation of one logged entropy value around its smooth trend.

    Estimated from second differences of log entropy, which cancel a smooth trend: for
    independent noise of relative size c, ``var(d2 log H) = 6 c^2``; the median absolute
    deviation keeps spikes from inflating it. Returns 0.0 for fewer than 10 positive values.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if values.size < MIN_VALUES:
        return 0.0
    second = np.diff(np.log(values), n=2)
    mad = float(np.median(np.abs(second - np.median(second))))
    return 1.4826 * mad / math.sqrt(6.0)
