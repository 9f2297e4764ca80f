"""Change points and spikes in a dense training series, with thresholds set by simulation.

Two detectors share one calibration. ``shifts``: Page's one-sided CUSUM of winsorised robust
z-scores of each value against the mean of the ``window`` values before it; a shift is declared
when the sum passes ``h``; its onset is the break of a broken line fitted by least squares
around the step after the sum last stood at 0, and it ends where the sum peaks before it
returns to 0. ``spikes``: single values far from the median of the ``window``
values before them, in units of the series' robust noise (MAD of its first differences).

Thresholds are not tuned on any run: for each series they are the (1 - alpha) quantile of the
detector's largest statistic over simulated series of the same length made of stationary AR(1)
noise with the series' own lag-1 autocorrelation (estimated, plus two standard errors), scored
exactly as the data are. So a series with no change raises an alarm in about one run out of
1/alpha (per series and direction); see docs/diagnose.md for the measured rates. Positions are
logged points: steps missing from a log are skipped, not interpolated.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..quantiles import MAD_TO_SD

ALPHA = 0.01  # chance of any false alarm in a series without a change, per series and direction
DRIFT = 0.5  # CUSUM reference value k, in robust standard deviations
CLIP = 3.0  # z-scores are winsorised at +-CLIP so one outlier cannot raise a shift alarm alone
N_SIMULATIONS = 1000  # at the lowest rate, 0.005, the threshold sits among the top 5 draws
ALPHA_RANGE = (0.005, 0.2)  # rates N_SIMULATIONS resolves, up to one false alarm in 5 runs
MIN_POINTS = 12  # shorter series are not searched: too few for a reference window and a move
WINDOW_SHARE = 10  # the trailing window is a tenth of the series ...
WINDOW_RANGE = (5, 50)  # ... but at least 5 values (a reference) and at most 50 (a recent one)
SPIKE_WINDOW_MAX = 10  # a spike is judged against the last 10 values at most: the recent level
MIN_LAG1_POINTS = 8  # fewer values give no usable autocorrelation: it is taken as 0
MAX_RHO = 0.9  # noise correlation is capped here: nearer 1, AR(1) noise looks like drift
RHO_STANDARD_ERRORS = 2.0  # thresholds assume the noise correlation plus 2 standard errors ...
RHO_GRID = 20  # ... rounded up to a multiple of 1/20, so thresholds can be cached
_ON_GRID = 1e-9  # rounding slack: a correlation already on the grid is not moved up
NULL_SEED = 12345  # seed of the null series (plus their length): thresholds are reproducible
CACHED_THRESHOLDS = 256  # (kind, length, correlation, window, rate) combinations kept
MIN_SIDE = 3  # values on each side of a candidate break, to fit the broken line


@dataclass(frozen=True)
class Shift:
    """A sustained move of a series: positions (indices into the series) and the direction."""

    onset: int  # first position of the move
    alarm: int  # position where the CUSUM passed its threshold
    end: int  # last position of the move (where the CUSUM peaked)
    direction: int  # +1 up, -1 down
    statistic: float  # the CUSUM's largest value in the move
    threshold: float


@dataclass(frozen=True)
class Spike:
    position: int
    z: float  # robust z against the trailing window (signed)
    reference: float  # median of the trailing window
    threshold: float


def window_for(n: int) -> int:
    """Trailing window length for a series of ``n`` points: 1/10 of it, between 5 and 50."""
    low, high = WINDOW_RANGE
    return int(min(high, max(low, n // WINDOW_SHARE)))


def lag1(values: np.ndarray) -> float:
    """Lag-1 autocorrelation of a series' noise, in [0, 0.9], from its first differences:
    for AR(1) noise corr(dx_t, dx_t-1) = -(1 - rho) / 2, and differencing removes slow trends.
    The correlation is Gnanadesikan and Kettenring's robust one (MADs of the sum and the
    difference of the standardised pairs), so spikes and short bursts of signal do not pass
    for noise correlation."""
    values = np.asarray(values, dtype=float)
    if values.size < MIN_LAG1_POINTS:
        return 0.0
    differences = np.diff(values)
    spread = MAD_TO_SD * _robust_scale_raw(differences)
    if not spread > 0:
        return 0.0
    standard = (differences - np.median(differences)) / spread
    plus = _robust_scale_raw(standard[1:] + standard[:-1]) ** 2
    minus = _robust_scale_raw(standard[1:] - standard[:-1]) ** 2
    if not plus + minus > 0:
        return 0.0
    r = (plus - minus) / (plus + minus)
    return float(np.clip(1.0 + 2.0 * r, 0.0, MAX_RHO))


def _trailing(values: np.ndarray, window: int, statistic: str) -> np.ndarray:
    """Statistic of the ``window`` values before each position, along the last axis (rows are
    series). The first position has no past and gets NaN; early ones use what exists."""
    n = values.shape[-1]
    out = np.full(values.shape, np.nan)
    if statistic == "mean":
        cumulative = np.concatenate([np.zeros((*values.shape[:-1], 1)),
                                     np.cumsum(values, axis=-1)], axis=-1)
        index = np.arange(1, n)
        start = np.maximum(index - window, 0)
        out[..., 1:] = (cumulative[..., index] - cumulative[..., start]) / (index - start)
        return out
    from numpy.lib.stride_tricks import sliding_window_view

    for position in range(1, min(window, n)):  # short early windows
        past = values[..., :position]
        out[..., position] = _stat(past, statistic)
    if n > window:
        windows = sliding_window_view(values, window, axis=-1)[..., :-1, :]
        out[..., window:] = _stat(windows, statistic)
    return out


def _stat(windows: np.ndarray, statistic: str) -> np.ndarray:
    return np.median(windows, axis=-1)


def _robust_scale(values: np.ndarray) -> np.ndarray:
    """Robust standard deviation along the last axis (MAD about the median)."""
    centre = np.nanmedian(values, axis=-1, keepdims=True)
    return MAD_TO_SD * np.nanmedian(np.abs(values - centre), axis=-1)


def _cusum_z(values: np.ndarray, window: int) -> np.ndarray:
    deviation = values - _trailing(values, window, "mean")
    scale = _robust_scale(deviation)
    scale = np.where(scale > 0, scale, np.nan)
    z = deviation / scale[..., None]
    return np.clip(np.nan_to_num(z, nan=0.0), -CLIP, CLIP)


def _cusum_paths(z: np.ndarray) -> np.ndarray:
    """Page's CUSUM S_t = max(0, S_{t-1} + z_t - k) along the last axis."""
    paths = np.zeros(z.shape)
    running = np.zeros(z.shape[:-1])
    for position in range(z.shape[-1]):
        running = np.maximum(0.0, running + z[..., position] - DRIFT)
        paths[..., position] = running
    return paths


def _spike_z(values: np.ndarray, window: int) -> np.ndarray:
    """Each value against the median of the ``window`` values before it, in units of the
    series' own noise (MAD of its first differences / sqrt 2: robust to trends and spikes)."""
    centre = _trailing(values, window, "median")
    scale = MAD_TO_SD * _robust_scale_raw(np.diff(values, axis=-1)) / np.sqrt(2.0)
    scale = np.where(scale > 0, scale, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (values - centre) / scale[..., None]
    z[..., : min(window, values.shape[-1])] = np.nan  # too little past to judge
    return z


def _robust_scale_raw(values: np.ndarray) -> np.ndarray:
    """Median absolute deviation about the median, along the last axis (unscaled)."""
    centre = np.median(values, axis=-1, keepdims=True)
    return np.median(np.abs(values - centre), axis=-1)


def _null_series(n: int, rho: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    innovations = rng.standard_normal((N_SIMULATIONS, n)) * np.sqrt(1.0 - rho**2)
    series = np.empty((N_SIMULATIONS, n))
    series[:, 0] = rng.standard_normal(N_SIMULATIONS)
    for t in range(1, n):
        series[:, t] = rho * series[:, t - 1] + innovations[:, t]
    return series


@lru_cache(maxsize=CACHED_THRESHOLDS)
def threshold(kind: str, n: int, rho: float, window: int, alpha: float = ALPHA) -> float:
    """The (1 - alpha) quantile of the detector's largest statistic on ``N_SIMULATIONS``
    AR(1) null series of length ``n`` (seeded: the same inputs give the same threshold)."""
    null = _null_series(n, rho, seed=NULL_SEED + n)
    if kind == "shift":
        statistic = _cusum_paths(_cusum_z(null, window)).max(axis=-1)
    elif kind == "spike":
        statistic = np.nanmax(_spike_z(null, window), axis=-1)  # one-sided: by symmetry
    else:  # pragma: no cover - internal
        raise ValueError(kind)
    statistic = statistic[np.isfinite(statistic)]
    return float(np.quantile(statistic, 1.0 - alpha))


def _rounded_rho(values: np.ndarray) -> float:
    """The autocorrelation thresholds are simulated at: the estimate plus about two standard
    errors of it (an underestimate would lower the threshold and raise false alarms), rounded
    up to 0.05 so thresholds can be cached."""
    rho = min(MAX_RHO, lag1(values) + RHO_STANDARD_ERRORS / np.sqrt(values.size))
    return float(np.ceil(rho * RHO_GRID - _ON_GRID) / RHO_GRID)


def shifts(values, *, direction: int, alpha: float = ALPHA) -> list[Shift]:
    """Sustained upward (``direction`` +1) or downward (-1) moves of ``values`` (finite, in
    step order). Empty for series shorter than ``MIN_POINTS``."""
    values = np.asarray(values, dtype=float)
    n = values.size
    if n < MIN_POINTS or not np.ptp(values) > 0:
        return []
    window = window_for(n)
    h = threshold("shift", n, _rounded_rho(values), window, alpha)
    path = _cusum_paths(direction * _cusum_z(values, window))
    found, position = [], 0
    while position < n:
        above = np.flatnonzero(path[position:] > h)
        if not above.size:
            break
        alarm = position + int(above[0])
        zeros = np.flatnonzero(path[:alarm] == 0.0)
        onset = int(zeros[-1]) + 1 if zeros.size else 0
        back = np.flatnonzero(path[alarm:] == 0.0)
        stop = alarm + int(back[0]) if back.size else n
        end = int(onset + np.argmax(path[onset:stop])) if stop > onset else alarm
        found.append(Shift(_refine(values, onset, alarm, window, direction), alarm,
                           max(end, alarm), direction, float(path[onset:stop].max()), h))
        position = stop
    return found


def _refine(values: np.ndarray, onset: int, alarm: int, window: int, direction: int) -> int:
    """The onset as the least-squares break of a broken line (a change of slope) fitted to the
    stretch around the CUSUM's onset, no later than it: the CUSUM's own onset comes late by
    about k / slope."""
    start = max(0, onset - 2 * window)
    stop = min(values.size, alarm + window)
    t = np.arange(start, stop, dtype=float)
    y = values[start:stop]
    best, best_rss = onset, np.inf
    # the break comes no later than the CUSUM's onset: that comes late, not early
    for candidate in range(start + MIN_SIDE, min(onset, stop - MIN_SIDE) + 1):
        hinge = np.maximum(t - candidate, 0.0)
        design = np.column_stack([np.ones_like(t), t, hinge])
        coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
        if direction * coefficients[2] <= 0:
            continue
        rss = float(np.sum((y - design @ coefficients) ** 2))
        if rss < best_rss:
            best, best_rss = candidate, rss
    return int(best)


def spikes(values, *, direction: int, alpha: float = ALPHA) -> list[Spike]:
    """Single values far above (``direction`` +1) or below (-1) the median of the values
    before them."""
    values = np.asarray(values, dtype=float)
    n = values.size
    if n < MIN_POINTS:
        return []
    window = min(SPIKE_WINDOW_MAX, max(WINDOW_RANGE[0], n // WINDOW_SHARE))
    h = threshold("spike", n, _rounded_rho(values), window, alpha)
    z = direction * _spike_z(values, window)
    centre = _trailing(values, window, "median")
    out = []
    with np.errstate(invalid="ignore"):
        hits = np.flatnonzero(z > h)
    for position in hits:
        out.append(Spike(int(position), float(direction * z[position]),
                         float(centre[position]), h))
    return out
