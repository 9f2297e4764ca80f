"""The forecasters that compete in the default forecast, other than the law.

Each takes a :class:`Window` (the validation points the forecast may use) and the steps to
predict, and returns a :class:`Component`: the predicted mean of a new validation measurement,
its standard deviation, and the level the model settles at. Their noise model is one: a
validation measurement is a level plus noise of variance ``noise_variance(window)``, and the
level drifts as a random walk whose variance per validation interval is ``prior.drift`` times
a variance per validation interval pooled from the window's successive changes and the prior's.
See docs/forecast.md ("The competing forecasters").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..law.linear import line_map
from .prior import PRIOR, Prior

TREND_POINTS = 4  # the trend's slope is that of the window's last 4 points
MIN_TREND_POINTS = 3  # a slope and its uncertainty need at least one degree of freedom
TAU_NODES = 9  # Gauss-Hermite nodes over the log of the trend's time scale


@dataclass(frozen=True, eq=False)
class Window:
    """Validation steps and accuracies (fractions) of a fit window, in step order."""

    steps: np.ndarray
    reward: np.ndarray
    spacing: float

    @classmethod
    def of(cls, steps, reward, spacing: float | None = None) -> Window:
        steps = np.asarray(steps, dtype=float)
        reward = np.asarray(reward, dtype=float)
        if spacing is None:
            gaps = np.diff(steps)
            gaps = gaps[gaps > 0]
            spacing = float(np.median(gaps)) if gaps.size else 1.0
        return cls(steps, reward, max(float(spacing), 1.0))

    def __len__(self) -> int:
        return int(self.steps.size)

    def head(self, n: int) -> Window:
        return Window(self.steps[:n], self.reward[:n], self.spacing)


@dataclass(frozen=True, eq=False)
class Component:
    """One model's forecast at the target steps: mean and sd of a new measurement, and the
    level it settles at (mean and sd)."""

    name: str
    mean: np.ndarray
    sd: np.ndarray
    plateau: float
    plateau_sd: float

    @property
    def in_bounds(self) -> bool:
        """Whether the predicted curve and plateau stay inside [0, 1]."""
        values = np.append(self.mean, self.plateau)
        return bool(np.isfinite(values).all() and values.min() >= 0.0 and values.max() <= 1.0)


def out_of_bounds(component: Component) -> str:
    """Why a component whose curve leaves [0, 1] does not forecast (see Component.in_bounds)."""
    values = np.append(component.mean, component.plateau)
    return (f"its curve leaves 0-100% over the forecast (it reaches "
            f"{np.nanmin(values) * 100:.1f}% to {np.nanmax(values) * 100:.1f}%), so it does not "
            f"forecast this run")


def noise_variance(window: Window, prior: Prior = PRIOR) -> float:
    """Variance of one validation measurement, pooled with the prior's.

    Successive changes of a level that walks (and climbs linearly) under white noise of
    variance s^2 have lag-1 autocovariance -s^2, whatever the walk and the climb.
    """
    observed, count = _change_moments(window)[1:], max(len(window) - 2, 0)
    noise = max(-observed[1], 0.0) if count else 0.0
    weight = prior.noise_weight
    return (weight * prior.noise_sd**2 + count * noise) / (weight + count)


def drift_variance(window: Window, prior: Prior = PRIOR, *, centred: bool = False) -> float:
    """Random-walk variance per validation interval, pooled with the prior's drift.

    The window's mean squared change per interval (about its mean when ``centred``, so a steady
    climb is not counted) less the two measurements' noise in each change.
    """
    raw, centred_square, _ = _change_moments(window)
    count = max(len(window) - 1, 0)
    if not count:
        return prior.drift_sd**2
    square = centred_square if centred else raw
    walk = max(square - 2.0 * noise_variance(window, prior), 0.0)
    weight = prior.noise_weight
    return float((weight * prior.drift_sd**2 + count * walk) / (weight + count))


def _change_moments(window: Window):
    """(mean square, variance, lag-1 autocovariance) of the changes per validation interval."""
    gaps = np.maximum(np.diff(window.steps) / window.spacing, 1.0)
    changes = np.diff(window.reward) / np.sqrt(gaps)
    if changes.size == 0:
        return 0.0, 0.0, 0.0
    centred = changes - changes.mean()
    lag1 = float(np.mean(centred[1:] * centred[:-1])) if changes.size > 1 else 0.0
    return float(np.mean(changes**2)), float(np.mean(centred**2)), lag1


def last_value(window: Window, targets, prior: Prior = PRIOR) -> Component:
    """The last observed accuracy, forever; its band a random walk's from that point.

    The window's mean change per interval is not a walk: a climb lasts about
    ``prior.trend_time`` x the elapsed steps (as the trend assumes), so that part of the spread
    grows with the square of the intervals ahead up to then, and no further.
    """
    targets = np.asarray(targets, dtype=float)
    variance = noise_variance(window, prior)
    drift = drift_variance(window, prior)
    walk = min(drift_variance(window, prior, centred=True), drift)
    last = float(window.steps[-1])
    climb_intervals = max(prior.trend_time * max(last, window.spacing) / window.spacing, 1.0)
    intervals = np.maximum(targets - last, 0.0) / window.spacing
    horizon = max(float(intervals.max()) if intervals.size else 0.0, 1.0)
    ahead = np.append(intervals, horizon)
    # The walk since the last point (whose noise it includes) and the climb while it lasts.
    spread = walk * ahead + (drift - walk) * np.minimum(ahead, climb_intervals) ** 2
    level = float(window.reward[-1])
    return Component("last_value", np.full(targets.size, level),
                     np.sqrt(variance + spread[:-1]), level, math.sqrt(spread[-1]))


def trend(window: Window, targets, prior: Prior = PRIOR) -> Component | None:
    """A saturating climb from the current level: the slope of the window's last points, shrunk
    toward 0 by its own uncertainty, kept up for a time ``tau`` of about ``prior.trend_time`` x
    the elapsed steps.

    ``R(t) = level + slope tau (1 - exp(-(t - t_last) / tau))``; its plateau is
    ``level + slope tau``. A window that does not climb gives the level of its last points
    (their mean) and no slope: learning curves saturate upward, and a dip in a few points is
    more often noise than a trend to extrapolate. How long a run keeps climbing is the least
    known part, so ``tau`` is log-normal about that value with ``prior.trend_spread`` as its
    log sd, moved by the pace of the window's last three points (:func:`_climb_time`): the mean
    and sd are over it. None with fewer than MIN_TREND_POINTS points.
    """
    if len(window) < MIN_TREND_POINTS:
        return None
    targets = np.asarray(targets, dtype=float)
    steps = window.steps[-TREND_POINTS:]
    reward = window.reward[-TREND_POINTS:]
    variance = noise_variance(window, prior)
    drift = drift_variance(window, prior, centred=True)
    centre = steps.mean()
    sxx = float(((steps - centre) ** 2).sum())
    if sxx <= 0:
        return None
    slope = float(line_map(steps)[1] @ reward)
    last = float(steps[-1])
    if slope <= 0:  # not a climb: the level of the last points, which averages their noise
        slope, centre = 0.0, last
    level = float(reward.mean() + slope * (last - centre))
    level_variance = variance * (1.0 / steps.size + (last - centre) ** 2 / sxx)
    slope_variance = variance / sxx
    shrunk = slope * slope**2 / (slope**2 + slope_variance) if slope != 0 else 0.0
    nodes, node_weights = np.polynomial.hermite_e.hermegauss(TAU_NODES)
    node_weights = node_weights / node_weights.sum()
    centre_log, spread = _climb_time(steps, reward, variance, max(last, window.spacing), prior)
    tau = np.exp(centre_log + spread * nodes)[:, None]
    ahead = np.maximum(targets - last, 0.0)
    climbs = np.column_stack([tau * (1.0 - np.exp(-ahead / tau)), tau])  # targets, plateau
    climb = node_weights @ climbs
    climb_square = node_weights @ climbs**2
    intervals = np.append(ahead, ahead.max() if ahead.size else 0.0) / window.spacing
    variance_all = (variance * np.append(np.ones(ahead.size), 0.0)
                    + prior.trend_drift * drift * np.maximum(intervals, 0.0) + level_variance
                    + shrunk**2 * (climb_square - climb**2) + slope_variance * climb_square)
    mean = level + shrunk * climb
    sd = np.sqrt(variance_all)
    return Component("trend", mean[:-1], sd[:-1], float(mean[-1]), float(sd[-1]))


def _climb_time(steps, reward, variance: float, elapsed: float, prior: Prior = PRIOR):
    """Mean and sd of log tau, the time the climb lasts: about ``prior.trend_time`` x the
    elapsed steps (log sd ``prior.trend_spread``), updated by how the climb changed pace over
    the window's last three points.

    A climb that slows measures tau: for an exponential approach the slope falls by
    ``exp(-d / tau)`` between the middles of two intervals ``d`` steps apart, so the two slopes
    give log tau, with a delta-method variance from the measurement noise, combined with the
    prior by precision. A climb that still speeds up is before its inflection, as learning curves
    are early on: it keeps climbing for about ``prior.speedup_time`` x the elapsed steps.
    """
    prior_log, spread = math.log(prior.trend_time * elapsed), prior.trend_spread
    if steps.size < 3 or spread <= 0:  # a prior that is sure of tau stays sure
        return prior_log, spread
    (t0, t1, t2), (r0, r1, r2) = steps[-3:], reward[-3:]
    first, second = (r1 - r0) / (t1 - t0), (r2 - r1) / (t2 - t1)
    if 0 < first < second:
        return math.log(prior.speedup_time * elapsed), spread
    if not 0 < second < first:
        return prior_log, spread
    fall = math.log(first / second)
    # variance of log(first / second): the two slopes share the middle point's noise
    noise = 2.0 * variance * (1.0 / ((t1 - t0) * first) ** 2 + 1.0 / ((t2 - t1) * second) ** 2
                              + 1.0 / ((t1 - t0) * (t2 - t1) * first * second))
    seen_log, seen_variance = math.log((t2 - t0) / 2.0 / fall), noise / fall**2
    if seen_variance <= 0:  # noiseless points measure tau exactly
        return seen_log, 0.0
    precision = 1.0 / spread**2 + 1.0 / seen_variance
    return ((prior_log / spread**2 + seen_log / seen_variance) / precision,
            math.sqrt(1.0 / precision))
