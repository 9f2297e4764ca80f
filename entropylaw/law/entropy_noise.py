"""Entropy is measured with noise: one batch estimate per step scatters around the trend.

That noise is an error in the regressor. It adds uneven variance to the residuals, confounds
the residuals' serial correlation, and attenuates the slope. This module estimates it from the
dense entropy series and provides what the fit needs to account for it (docs/intervals.md).
"""

from __future__ import annotations

import math

import numpy as np

from ..quantiles import MAD_TO_SD

MIN_VALUES = 10  # fewer logged values give too few third differences for a median
THIRD_DIFFERENCE_VARIANCE = 20.0  # var(d3 x) / var(x) for independent noise: 1 + 9 + 9 + 1
SMOOTHING_HALF_WIDTH = 5  # logged values on each side: 11 in all cut the noise by sqrt(11)
MIN_RELIABILITY = 0.5  # below it, dividing by the reliability more than doubles a: too unstable


def relative_entropy_noise(values) -> float:
    """Relative standard deviation of one logged entropy value around its smooth trend.

    Estimated from third differences of log entropy, which cancel a smooth trend and its
    curvature: for independent noise of relative size c, ``var(d3 log H) = 20 c^2``; the median
    absolute deviation keeps spikes from inflating it. Returns 0.0 for fewer than 10 positive
    values.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if values.size < MIN_VALUES:
        return 0.0
    third = np.diff(np.log(values), n=3)
    mad = float(np.median(np.abs(third - np.median(third))))
    return MAD_TO_SD * mad / math.sqrt(THIRD_DIFFERENCE_VARIANCE)


def x_variance(entropy, relative_noise: float, window: int = 1) -> np.ndarray:
    """Variance of a measured exp(H) whose H carries relative noise, averaged over a window."""
    entropy = np.asarray(entropy, dtype=float)
    return (np.exp(entropy) * entropy * relative_noise) ** 2 / window


def smoothed_entropy(steps, values, at_steps, half_width: int = SMOOTHING_HALF_WIDTH):
    """Centred mean of the logged entropy over ``2 half_width + 1`` values around each step.

    Used only to learn the validation noise's correlation, where the raw pairing's noise would
    look like a regressor the residuals do not depend on.
    """
    finite = np.isfinite(values)
    steps, values = np.asarray(steps)[finite], np.asarray(values, dtype=float)[finite]
    position = np.clip(np.searchsorted(steps, at_steps), 0, steps.size - 1)
    cumulative = np.r_[0.0, np.cumsum(values)]
    low = np.maximum(position - half_width, 0)
    high = np.minimum(position + half_width + 1, values.size)
    return (cumulative[high] - cumulative[low]) / (high - low)


def reliability(x, variance) -> float:
    """Share of the spread of the measured x that is real: 1 - noise / observed variation."""
    x = np.asarray(x, dtype=float)
    spread = float(((x - x.mean()) ** 2).sum())
    return 1.0 - float(np.sum(variance)) * (1.0 - 1.0 / x.size) / spread
