"""The entropy trajectory H(step) of a run, for forecasting past the last logged entropy.

Entropy decays fast and then flattens. The model is a decay toward a floor,

    H(t) = floor + (start - floor) / (1 + t / scale) ** power,

which runs from a power law (small ``scale``) to an exponential (large ``power``, ``scale/power``
fixed). It is fitted by least squares to the dense entropy series; its uncertainty is the
Gaussian approximation at the optimum, inflated for the residuals' serial correlation
(see docs/forecast.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import FitError
from ..law.linear import lag1_autocorrelation

MIN_POINTS = 8
SMALLEST_FLOOR = 1e-4  # nats; a floor below it is indistinguishable from 0
POWER_RANGE = (0.05, 50.0)
MAX_AUTOCORRELATION = 0.95


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A fitted entropy decay: parameters on the log scale, their covariance, the data's span.

    ``parameters`` are (log floor, log(start - floor), log scale, log power).
    """

    parameters: np.ndarray
    covariance: np.ndarray
    lower_bounds: np.ndarray
    upper_bounds: np.ndarray
    last_step: int
    rmse: float

    @property
    def floor(self) -> float:
        return float(math.exp(self.parameters[0]))

    def entropy(self, steps, parameters=None) -> np.ndarray:
        """H at ``steps`` (one row per parameter row when ``parameters`` is 2-d)."""
        theta = np.atleast_2d(self.parameters if parameters is None else parameters)
        floor, height, scale, power = (np.exp(theta[:, i : i + 1]) for i in range(4))
        steps = np.asarray(steps, dtype=float)[None, :]
        values = floor + height / (1.0 + steps / scale) ** power
        return values[0] if parameters is None else values

    def parameter_draws(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """Parameter vectors drawn from the fit's Gaussian approximation, kept in bounds."""
        draws = rng.multivariate_normal(self.parameters, self.covariance, size=n_draws,
                                        check_valid="ignore", method="eigh")
        return np.clip(draws, self.lower_bounds, self.upper_bounds)

    def crossing_steps(self, threshold, parameters) -> np.ndarray:
        """First step at which H falls to ``threshold`` (per parameter row; inf if never)."""
        theta = np.atleast_2d(parameters)
        floor, height, scale, power = (np.exp(theta[:, i]) for i in range(4))
        threshold = np.broadcast_to(np.asarray(threshold, dtype=float), floor.shape)
        above_floor = threshold > floor
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = height / (threshold - floor)
            steps = scale * (ratio ** (1.0 / power) - 1.0)
        steps = np.where(above_floor, np.maximum(steps, 0.0), np.inf)
        return np.where(np.isnan(steps), np.inf, steps)


def fit_trajectory(steps, entropy) -> Trajectory:
    """Fit the decay to a dense entropy series (non-finite values are left out).

    Raises FitError with fewer than 8 finite values.
    """
    from scipy.optimize import least_squares

    steps = np.asarray(steps, dtype=float)
    entropy = np.asarray(entropy, dtype=float)
    keep = np.isfinite(steps) & np.isfinite(entropy) & (entropy > 0)
    steps, entropy = steps[keep], entropy[keep]
    if steps.size < MIN_POINTS:
        raise FitError(f"need at least {MIN_POINTS} positive entropy values to model the "
                       f"entropy trajectory, got {steps.size}")
    span = max(float(steps.max()), 1.0)
    top = float(entropy.max())
    lower = np.log([SMALLEST_FLOOR, SMALLEST_FLOOR, 0.1, POWER_RANGE[0]])
    upper = np.log([top, 10.0 * top, 100.0 * span, POWER_RANGE[1]])
    model = Trajectory(np.zeros(4), np.eye(4), lower, upper, int(steps.max()), math.nan)

    def residuals(theta):
        return model.entropy(steps, theta)[0] - entropy

    tail = float(np.median(entropy[-max(3, entropy.size // 10):]))
    head = float(np.median(entropy[: max(3, entropy.size // 20)]))
    best = None
    for scale in (span / 20.0, span / 4.0, span):
        for power in (0.5, 2.0):
            floor = tail / 2.0
            start = np.log([floor, max(head - floor, SMALLEST_FLOOR), scale, power])
            result = least_squares(residuals, np.clip(start, lower + 1e-9, upper - 1e-9),
                                   bounds=(lower, upper))
            if best is None or result.cost < best.cost:
                best = result
    fitted = best.fun
    dof = max(steps.size - 4, 1)
    variance = float(fitted @ fitted) / dof
    rho = np.clip(np.nan_to_num(lag1_autocorrelation(fitted)), 0.0, MAX_AUTOCORRELATION)
    inflation = (1.0 + rho) / (1.0 - rho)
    jacobian = best.jac
    covariance = np.linalg.pinv(jacobian.T @ jacobian) * variance * inflation
    return Trajectory(best.x, covariance, lower, upper, int(steps.max()),
                      float(np.sqrt(np.mean(fitted**2))))
