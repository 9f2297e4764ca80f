"""Least squares of a straight line, the one routine for it: the law ``R = b - a x`` in
x = exp(H) (``fit_line``, closed form from sums), a family's lines in log size and the
forecaster's trend (``line_map``, the matrix that maps data to coefficients)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._text import plural
from ..errors import FitError

MIN_POINTS = 3  # a line through 2 points fits exactly: its noise, and so its errors, need a third
CONSTANT_X = 1e-12  # x whose spread is below this share of its size is constant up to rounding
MIN_LAG1 = 3  # from 2 values the lag-1 correlation is always -0.5, whatever they are


@dataclass(frozen=True, eq=False)
class Line:
    """The least-squares line through (x, y), parametrised as ``y = b - a x``."""

    x: np.ndarray
    y: np.ndarray
    b: float
    a: float

    @property
    def n(self) -> int:
        return int(self.x.size)

    @property
    def design(self) -> np.ndarray:
        """Columns (1, -x): the coefficients come out as (b, a)."""
        return np.column_stack([np.ones_like(self.x), -self.x])

    @property
    def fitted(self) -> np.ndarray:
        return self.b - self.a * self.x

    @property
    def residuals(self) -> np.ndarray:
        return self.y - self.fitted

    @property
    def rss(self) -> float:
        return float(self.residuals @ self.residuals)

    @property
    def r2(self) -> float:
        total = float(((self.y - self.y.mean()) ** 2).sum())
        return 1.0 - self.rss / total if total > 0 else float("nan")

    @property
    def rmse(self) -> float:
        """Root mean squared residual (divided by n, as a descriptive figure)."""
        return float(np.sqrt(self.rss / self.n))

    def coefficient_map(self) -> np.ndarray:
        """The matrix A = (X'X)^-1 X' (2 x n) that maps the rewards to the coefficients:
        (b, a) = A y (``line_map`` of x, its slope row negated: a is minus the slope)."""
        return line_map(self.x) * np.array([[1.0], [-1.0]])


def line_map(x) -> np.ndarray:
    """(X'X)^-1 X' for the design (1, x): ``(intercept, slope) = line_map(x) @ y``.

    Raises FitError for fewer than 2 points or a constant x."""
    x = np.asarray(x, dtype=float)
    if x.size < 2 or not np.ptp(x) > 0:
        raise FitError(f"a line needs at least 2 different x values, got {x.size} points "
                       f"spanning {np.ptp(x) if x.size else 0:g}")
    design = np.column_stack([np.ones_like(x), x])
    return np.linalg.solve(design.T @ design, design.T)


def fit_line(x, y) -> Line:
    """Least squares of y on x, reported as ``y = b - a x``.

    Raises FitError for fewer than 3 points or a constant x (the slope is then undefined).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise FitError(f"entropy and reward must be 1-d arrays of one length, got shapes "
                       f"{x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise FitError("entropy and reward must be finite")
    if x.size < MIN_POINTS:
        raise FitError(f"need at least {MIN_POINTS} validation points to fit the law, got {x.size}")
    x_mean, y_mean = x.mean(), y.mean()
    sxx = float(((x - x_mean) ** 2).sum())
    if sxx <= (CONSTANT_X * max(1.0, abs(x_mean))) ** 2 * x.size:
        raise FitError(f"entropy is constant across all {plural(x.size, 'point')}: "
                       f"the law's slope cannot be fitted")
    slope = float(((x - x_mean) * (y - y_mean)).sum() / sxx)
    return Line(x, y, b=float(y_mean - slope * x_mean), a=-slope)


def lag1_autocorrelation(values) -> float:
    """Sample lag-1 autocorrelation (NaN for fewer than 3 values or zero variance)."""
    values = np.asarray(values, dtype=float)
    if values.size < MIN_LAG1:
        return float("nan")
    centred = values - values.mean()
    denominator = float(centred @ centred)
    return float(centred[1:] @ centred[:-1] / denominator) if denominator > 0 else float("nan")
