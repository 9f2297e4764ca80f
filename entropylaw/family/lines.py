"""One coefficient as a straight line in the log of model size, with draws.

Each size's coefficient is the line's value plus the size's own deviation from the line
(``scatter``) plus the error of its run's fit. The line is the least-squares line through the
sizes' estimates; its draws refit that line on each resample of the runs' own coefficient draws,
each size shifted by a draw of the scatter. The scatter's variance is drawn from its
distribution given the residuals (a generalized pivotal quantity with n - 2 degrees of freedom,
the runs' own variance taken out), so the intervals carry the runs' uncertainty, the lines'
misfit and how little a few sizes say about that misfit. docs/family.md has the method and its
measured coverage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import FitError
from ..law.linear import line_map
from ..results import Estimate


@dataclass(frozen=True, eq=False)
class LineDraws:
    """Draws of a line ``value = intercept + slope * ln N`` and of a new size's deviation."""

    intercept: np.ndarray
    slope: np.ndarray
    scatter_sd: np.ndarray
    noise: np.ndarray

    def at(self, log_size: float, *, new_size: bool = True) -> np.ndarray:
        """Draws of the coefficient at ``log_size``; ``new_size`` adds that size's own scatter."""
        values = self.intercept + self.slope * log_size
        return values + self.scatter_sd * self.noise if new_size else values


@dataclass(frozen=True, eq=False)
class SizeLine:
    """A coefficient (a, b or the ceiling) as ``slope * ln N + intercept``, N in billions.

    ``scatter`` is the estimated standard deviation of the sizes around the line beyond their
    runs' own noise (0 when the runs' noise explains the residuals, NaN with 2 sizes);
    ``residual_df`` the degrees of freedom it rests on.
    """

    slope: Estimate
    intercept: Estimate
    scatter: float
    residual_df: int
    draws: LineDraws

    def value(self, size: float) -> float:
        return self.intercept.estimate + self.slope.estimate * math.log(size)

    def predict(self, size: float, confidence: float) -> Estimate:
        """The coefficient of a model of ``size`` (its own deviation from the line included)."""
        return Estimate.from_draws(self.value(size), self.draws.at(math.log(size)), confidence)

    def at(self, confidence: float) -> SizeLine:
        return SizeLine(Estimate.from_draws(self.slope.estimate, self.draws.slope, confidence),
                        Estimate.from_draws(self.intercept.estimate, self.draws.intercept,
                                            confidence),
                        self.scatter, self.residual_df, self.draws)


def least_squares(log_sizes, values) -> tuple[float, float]:
    """(intercept, slope) of the least-squares line of ``values`` on ``log_sizes``."""
    projector = _projector(np.asarray(log_sizes, dtype=float))
    intercept, slope = projector @ np.asarray(values, dtype=float)
    return float(intercept), float(slope)


def fit_size_line(log_sizes, estimates, draws, *, confidence: float, rng, scatter: bool = True,
                  prior_scatter: float = 0.0, prior_df: int = 0) -> SizeLine:
    """The line through one coefficient's estimates at distinct ``log_sizes``.

    ``draws`` (sizes x resamples) are each size's own coefficient draws. With ``scatter`` False
    the intervals carry only those (the naive propagation, for comparison). ``prior_scatter``
    with ``prior_df`` > 0 adds a prior guess of the scatter worth ``prior_df`` sizes: each draw's
    total variance is ``(RSS + prior_df prior_scatter^2) / chi2(n - 2 + prior_df)``.
    """
    x = np.asarray(log_sizes, dtype=float)
    estimates = np.asarray(estimates, dtype=float)
    draws = np.asarray(draws, dtype=float)
    projector = _projector(x)
    intercept, slope = projector @ estimates
    n_sizes, n_draws = draws.shape
    residual_df = n_sizes - 2
    own_variance = draws.var(axis=1, ddof=1)
    scatter_sd = np.zeros(n_draws)
    point_scatter = math.nan  # not estimable from 2 sizes
    prior = prior_df * prior_scatter**2 if prior_df > 0 and prior_scatter > 0 else 0.0
    if residual_df > 0 or prior:
        design = np.column_stack([np.ones_like(x), x])
        leverage = np.einsum("ij,ji->i", design, projector)
        residuals = estimates - design @ np.array([intercept, slope])
        rss = float(residuals @ residuals)
        expected_from_runs = float(np.sum((1.0 - leverage) * own_variance)) / max(residual_df, 1)
        if residual_df > 0:
            point_scatter = math.sqrt(max(0.0, rss / residual_df - expected_from_runs))
        if scatter:
            total = (rss + prior) / rng.chisquare(residual_df + prior_df * (prior > 0),
                                                  size=n_draws)
            scatter_sd = np.sqrt(np.maximum(0.0, total - expected_from_runs))
    shifted = draws + scatter_sd[None, :] * rng.standard_normal((n_sizes, n_draws))
    intercept_draws, slope_draws = projector @ shifted
    line_draws = LineDraws(intercept_draws, slope_draws, scatter_sd,
                           rng.standard_normal(n_draws))
    return SizeLine(Estimate.from_draws(slope, slope_draws, confidence),
                    Estimate.from_draws(intercept, intercept_draws, confidence),
                    point_scatter, residual_df, line_draws)


def _projector(x: np.ndarray) -> np.ndarray:
    """(X'X)^-1 X' for the design (1, x): (intercept, slope) = projector @ y."""
    if x.size < 2 or np.ptp(x) <= 0:
        raise FitError("need at least 2 different model sizes to fit a line in log size")
    return line_map(x)
