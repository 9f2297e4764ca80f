"""The entropy trajectory H(step) of a run, for forecasting past the last logged entropy.

Entropy decays fast and then flattens. The model is a decay toward a floor,

    H(t) = floor + height * (1 + t / scale) ** -power,

which runs from a power law (small ``scale``) to an exponential (large ``scale`` and ``power``).
Given (scale, power) it is linear in (floor, height): those come from weighted least squares with
relative errors (weights 1/H^2), and (scale, power) from a grid weighted by its profile
likelihood, the sample size discounted for serially correlated residuals. Draws pick a grid
point by its weight, then (floor, height) from their sampling distribution. See docs/forecast.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import FitError
from ..law.linear import lag1_autocorrelation
from ..memo import array_key, memoized, sharing

MIN_POINTS = 8  # four parameters (floor, height, scale, power) and as many left for the noise
MAX_BINS = 100  # the entropy series is averaged into at most this many bins of steps
SCALES_PER_DECADE = 20  # grid of the time scale: 5% apart, finer than its uncertainty
SCALE_RANGE = (0.1, 100.0)  # in steps, and times the window's span: from a near-power law to
# a near-exponential well past the window
POWERS = np.geomspace(0.05, 20.0, 50)  # exponents from a slow drift to a sharp exponential
MAX_AUTOCORRELATION = 0.95  # caps the residuals' AR(1) inflation (1 / (1 - rho) diverges)
N_PARAMETERS = 4  # floor, height, scale and power: the residual variance's lost degrees
PINNED_FLOOR_VARIANCE = 1e-18  # a floor pinned at 0 has no variance; a tiny one keeps the
# covariance positive definite


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A fitted entropy decay: one (floor, height) fit and its covariance per grid point.

    ``weights`` is the normalised profile likelihood of each (scale, power) grid point; the
    decay's time ``t`` counts from the step ``origin``.
    """

    scale: np.ndarray
    power: np.ndarray
    coefficients: np.ndarray  # (grid, 2): floor, height
    covariance: np.ndarray  # (grid, 2, 2)
    weights: np.ndarray
    origin: float = 0.0

    @property
    def best(self) -> int:
        return int(np.argmax(self.weights))

    @property
    def floor(self) -> float:
        return float(self.coefficients[self.best, 0])

    def entropy(self, steps) -> np.ndarray:
        """H at ``steps`` from the most likely grid point."""
        i = self.best
        return _curve(self.coefficients[i : i + 1], self.scale[i : i + 1],
                      self.power[i : i + 1], self._time(steps))[0]

    def draws(self, steps, n_draws: int, rng: np.random.Generator):
        """(entropy draws at ``steps``, n_draws x len(steps); the (floor, height, scale, power)
        of each draw, n_draws x 4)."""
        grid = rng.choice(self.weights.size, size=n_draws, p=self.weights)
        roots = np.linalg.cholesky(self.covariance[grid])
        shocks = (roots @ rng.standard_normal((n_draws, 2, 1)))[..., 0]
        coefficients = np.maximum(self.coefficients[grid] + shocks, 0.0)
        rows = np.column_stack([coefficients, self.scale[grid], self.power[grid]])
        return _curve(coefficients, self.scale[grid], self.power[grid], self._time(steps)), rows

    def crossings(self, threshold, rows) -> np.ndarray:
        """The step at which each draw row's H first falls to ``threshold`` (inf if never)."""
        return self.crossing_steps(threshold, rows) + self.origin

    def _time(self, steps) -> np.ndarray:
        return np.asarray(steps, dtype=float) - self.origin

    @staticmethod
    def crossing_steps(threshold, rows) -> np.ndarray:
        """First time (steps after the origin) at which H falls to ``threshold``, per draw
        row (inf if never)."""
        floor, height, scale, power = np.atleast_2d(rows).T
        threshold = np.broadcast_to(np.asarray(threshold, dtype=float), floor.shape)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            steps = scale * ((height / (threshold - floor)) ** (1.0 / power) - 1.0)
        steps = np.where(threshold > floor, np.maximum(steps, 0.0), np.inf)
        return np.where(np.isnan(steps), np.inf, steps)


def fit_trajectory(steps, entropy, *, origin: float = 0.0) -> Trajectory:
    """Fit the decay to a dense entropy series from step ``origin`` on (non-positive and
    non-finite values left out), its time counted from ``origin``.

    Raises FitError with fewer than 8 usable values. Within a backtest, a series fitted before
    gives the same Trajectory again (memo.py).
    """
    steps = np.asarray(steps, dtype=float)
    entropy = np.asarray(entropy, dtype=float)
    if origin:
        later = steps >= origin
        steps, entropy = steps[later] - origin, entropy[later]
    key = ("trajectory", array_key(steps), array_key(entropy)) if sharing() else None
    fitted = memoized(key, lambda: _fitted(steps, entropy))
    return replace(fitted, origin=float(origin)) if origin else fitted


def _fitted(steps: np.ndarray, entropy: np.ndarray) -> Trajectory:
    keep = np.isfinite(steps) & np.isfinite(entropy) & (entropy > 0)
    if keep.sum() < MIN_POINTS:
        raise FitError(f"need at least {MIN_POINTS} positive entropy values to model the "
                       f"entropy trajectory, got {int(keep.sum())}")
    steps, entropy = _binned(steps[keep], entropy[keep])
    span = max(float(steps.max()), 1.0)
    low, high = SCALE_RANGE[0], SCALE_RANGE[1] * span
    decades = np.log10(high / low)
    scales = np.geomspace(low, high, int(decades * SCALES_PER_DECADE) + 1)
    scale, power = (grid.ravel() for grid in np.meshgrid(scales, POWERS))
    # shape = (1 + t / scale) ** -power, one log1p per scale and one exp per grid point
    # (the grid x n arrays are computed in place: fresh ones of this size cost page faults)
    logs = np.log1p(steps[None, :] / scales[:, None])  # (scales, n)
    weighted = np.multiply(-POWERS[:, None, None], logs[None, :, :])
    np.exp(weighted, out=weighted)
    weighted = weighted.reshape(scale.size, steps.size)  # the shape at each grid point
    # Relative errors: each row of the design (1, shape) and the data (H) divided by H, so the
    # data are all 1; the 2x2 normal equations come from sums.
    weight = 1.0 / entropy
    weighted *= weight  # the design's second column
    n00 = float(weight @ weight)
    n01 = weighted @ weight
    n11 = np.einsum("gn,gn->g", weighted, weighted)
    right0, right1 = float(weight.sum()), weighted.sum(axis=1)
    determinant = n00 * n11 - n01**2
    coefficients = np.column_stack([(n11 * right0 - n01 * right1) / determinant,
                                    (n00 * right1 - n01 * right0) / determinant])
    negative = coefficients[:, 0] < 0  # a floor below 0: refit with the floor at 0
    coefficients[negative, 0] = 0.0
    coefficients[negative, 1] = right1[negative] / n11[negative]
    residuals = np.subtract(1.0, coefficients[:, :1] * weight[None, :])
    residuals -= np.multiply(coefficients[:, 1:], weighted, out=weighted)  # last use of weighted
    rss = np.maximum(np.einsum("gn,gn->g", residuals, residuals), np.finfo(float).tiny)
    best = int(np.argmin(rss))
    rising = coefficients[:, 1] < 0  # a curve that climbs toward its "floor": not a decay
    if rising[best]:
        raise FitError("the entropy rises over the window: the trajectory, a decay, cannot "
                       "forecast it")
    rho = float(np.clip(np.nan_to_num(lag1_autocorrelation(residuals[best])), 0.0,
                        MAX_AUTOCORRELATION))
    inflation = (1.0 + rho) / (1.0 - rho)
    n_effective = steps.size / inflation
    loglik = np.where(rising, -np.inf, -0.5 * n_effective * np.log(rss))
    weights = np.exp(loglik - loglik.max())
    weights /= weights.sum()
    variance = rss / max(steps.size - N_PARAMETERS, 1) * inflation
    inverse = np.stack([np.stack([n11, -n01], axis=1),
                        np.stack([-n01, np.full_like(n01, n00)], axis=1)], axis=1)
    covariance = inverse / determinant[:, None, None] * variance[:, None, None]
    covariance[negative] = np.array([[PINNED_FLOOR_VARIANCE, 0.0], [0.0, 1.0]]) * (
        variance[negative] / n11[negative])[:, None, None]
    return Trajectory(scale, power, coefficients, covariance, weights)


def _curve(coefficients, scale, power, steps) -> np.ndarray:
    steps = np.asarray(steps, dtype=float)[None, :]
    shape = (1.0 + steps / scale[:, None]) ** -power[:, None]
    return coefficients[:, :1] + coefficients[:, 1:2] * shape


def _binned(steps: np.ndarray, values: np.ndarray):
    """At most MAX_BINS points: means of consecutive values in equal-count bins."""
    if steps.size <= MAX_BINS:
        return steps, values
    groups = np.array_split(np.arange(steps.size), MAX_BINS)
    return (np.array([steps[g].mean() for g in groups]),
            np.array([values[g].mean() for g in groups]))
