"""Curve baselines that ignore entropy, for the backtest (SCIENCE.md section 4).

Each takes the fit window's validation steps and accuracies and the steps to forecast, and
returns a :class:`Curve`: the point forecast, a prediction band at ``confidence`` (cut to
[0, 1]), and the method's ceiling. The last value is a component of the default forecaster
(components.py). How the bands are built is in docs/backtest.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._text import plural
from ..errors import FitError

POWER_EXPONENTS = np.geomspace(0.01, 5.0, 200)
SIGMOID_ASYMPTOTES = 81
SIGMOID_MIDPOINTS = np.geomspace(1e-2, 1e2, 61)  # times the window's last step
SIGMOID_EXPONENTS = np.geomspace(0.1, 10.0, 41)
N_PARAMETERS = 3  # each curve fits three numbers (the sigmoid: asymptote, midpoint, exponent)
MIN_POINTS = N_PARAMETERS + 1  # one degree of freedom left for the band


@dataclass(frozen=True, eq=False)
class Curve:
    """A forecast at target steps: point, band, and the ceiling the method implies."""

    reward: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    ceiling: float


def power_law(steps, reward, targets, *, confidence: float, limit: float = 1.0) -> Curve:
    """``R = A - D step^-B`` by least squares: B on a grid, A and D in closed form for each,
    A at most ``limit``. Points at step 0 are left out (the curve is undefined there)."""
    steps, reward = _checked(steps, reward, MIN_POINTS, "the power-law baseline", positive=True)
    z = steps[None, :] ** -POWER_EXPONENTS[:, None]
    # A straight line in z for every exponent at once: the vectorised special case of
    # law.linear.line_map (a loop over 200 exponents would cost 200 solves).
    z_mean = z.mean(axis=1, keepdims=True)
    slope = (((z - z_mean) * (reward - reward.mean())).sum(axis=1)
             / ((z - z_mean) ** 2).sum(axis=1))
    asymptote = reward.mean() - slope * z_mean[:, 0]
    capped = asymptote > limit
    asymptote[capped] = limit
    slope[capped] = (z[capped] @ (reward - limit)) / (z[capped] ** 2).sum(axis=1)
    rss = ((reward - asymptote[:, None] - slope[:, None] * z) ** 2).sum(axis=1)
    best = int(np.argmin(rss))
    design = np.column_stack([np.ones_like(steps), z[best]])
    target_design = np.column_stack([np.ones(len(targets)),
                                     np.asarray(targets, dtype=float) ** -POWER_EXPONENTS[best]])
    point = target_design @ np.array([asymptote[best], slope[best]])
    return _banded(point, design, target_design, rss[best], N_PARAMETERS, confidence,
                   asymptote[best])


def sigmoid(steps, reward, targets, *, confidence: float, start: float,
            limit: float = 1.0) -> Curve:
    """ScaleRL's curve in steps, ``R = start + (A - start) / (1 + (C_mid / step)^B)``, fitted
    as ScaleRL fits compute curves: a grid over the asymptote A and the midpoint C_mid, the
    exponent B fitted (on a grid) at each; ``start`` is the accuracy before training."""
    steps, reward = _checked(steps, reward, MIN_POINTS, "the sigmoid baseline")
    span = max(float(steps.max()), 1.0)
    low = min(start, float(reward.min()))
    asymptotes = np.linspace(low, max(limit, float(reward.max())), SIGMOID_ASYMPTOTES)
    shapes = _sigmoid_shape(steps, SIGMOID_MIDPOINTS[:, None] * span, SIGMOID_EXPONENTS[None, :])
    best = (np.inf, 0.0, 0, 0)
    centred, residuals = reward - start, np.empty_like(shapes)
    for asymptote in asymptotes:  # the residuals' squares, in place (one array for all)
        np.multiply(asymptote - start, shapes, out=residuals)
        np.subtract(centred, residuals, out=residuals)
        rss = np.square(residuals, out=residuals).sum(axis=-1)
        i, j = np.unravel_index(np.argmin(rss), rss.shape)
        if rss[i, j] < best[0]:
            best = (float(rss[i, j]), float(asymptote), int(i), int(j))
    rss, asymptote, i, j = best
    midpoint, exponent = SIGMOID_MIDPOINTS[i] * span, SIGMOID_EXPONENTS[j]
    design = _sigmoid_shape(steps, midpoint, exponent)[:, None]
    target_design = _sigmoid_shape(np.asarray(targets, dtype=float), midpoint, exponent)[:, None]
    point = start + (asymptote - start) * target_design[:, 0]
    return _banded(point, design, target_design, rss, N_PARAMETERS, confidence, asymptote)


def _sigmoid_shape(steps, midpoint, exponent):
    steps = np.asarray(steps, dtype=float)
    with np.errstate(divide="ignore", over="ignore"):
        return 1.0 / (1.0 + (np.asarray(midpoint)[..., None] / steps) ** np.asarray(exponent)[
            ..., None])


def _banded(point, design, target_design, rss, n_parameters, confidence, ceiling) -> Curve:
    """Band from the linear part of a curve fit: residual variance times (1 + leverage)."""
    from ..quantiles import student_t_quantile

    dof = design.shape[0] - n_parameters
    inverse = np.linalg.pinv(design.T @ design)
    leverage = ((target_design @ inverse) * target_design).sum(axis=1)
    half_width = (student_t_quantile(0.5 + confidence / 2.0, dof)
                  * np.sqrt(rss / dof * (1.0 + leverage)))
    point = np.clip(point, 0.0, 1.0)
    return Curve(point, np.clip(point - half_width, 0.0, 1.0),
                 np.clip(point + half_width, 0.0, 1.0), float(np.clip(ceiling, 0.0, 1.0)))


def _checked(steps, reward, minimum: int, what: str, *, positive: bool = False):
    steps = np.asarray(steps, dtype=float)
    reward = np.asarray(reward, dtype=float)
    if positive:
        steps, reward = steps[steps > 0], reward[steps > 0]
    if steps.size < minimum:
        where = " after step 0" if positive else ""
        raise FitError(f"{what} needs at least {minimum} validation points{where}, "
                       f"got {plural(steps.size, 'point')}")
    return steps, reward
