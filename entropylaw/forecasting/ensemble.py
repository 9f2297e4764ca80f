"""Weigh the competing forecasters by the window's own evidence, and mix their predictions.

Weights are pseudo-Bayesian model averaging with leave-future-out scores (Bürkner, Gabry and
Vehtari 2020; Yao et al. 2018): each model is fitted to the window's first points and scored by
the log density it gave each of the window's last ``LFO_POINTS`` points, one at a time. A
model's weight is its prior weight times ``exp(evidence x score)``; with a window too short to
score (under 4 points), the prior decides. The mixture's band comes from draws of every model in
proportion to its weight, each model's spread widened by the prior's ``band_scale``, and is cut
to [0, 1]. See docs/forecast.md ("How the default forecaster chooses").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..results import Estimate
from .components import Component, Window
from .prior import PRIOR, Prior

LFO_POINTS = 3  # window points scored one step ahead
MIN_LFO_FIT = 3  # points a model is fitted to before it is scored
SD_FLOOR = 1e-6  # a forecast sd below this (accuracy) is rounding, not certainty


@dataclass(frozen=True, eq=False)
class Mixture:
    """The mixed forecast at the target steps and the level it settles at."""

    reward: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    plateau: Estimate


def lfo_scores(window: Window, models: dict) -> dict:
    """Summed one-step-ahead log densities of the window's last points, per model name.

    ``models`` maps a name to ``make(head_window, steps) -> Component | None``. Only points
    every model could predict are scored, so the sums compare; {} when there are none.
    """
    n = len(window)
    scores = dict.fromkeys(models, 0.0)
    scored = 0
    for j in range(max(MIN_LFO_FIT, n - LFO_POINTS), n):
        head = window.head(j)
        target = window.steps[j : j + 1]
        made = {name: make(head, target) for name, make in models.items()}
        if any(component is None for component in made.values()):
            continue
        for name, component in made.items():
            scores[name] += _log_density(window.reward[j], component.mean[0], component.sd[0])
        scored += 1
    return scores if scored else {}


def weights(components: dict, priors: dict, scores: dict, evidence) -> dict:
    """Normalised weights: prior weight x exp(evidence x score), over the given components.

    ``evidence`` is one number, or one per model name (a model not named: 0)."""
    if not isinstance(evidence, dict):
        evidence = dict.fromkeys(components, evidence)
    logs = {name: math.log(priors[name]) + evidence.get(name, 0.0) * scores.get(name, 0.0)
            for name in components if priors.get(name, 0.0) > 0}
    if not logs:
        return {}
    top = max(logs.values())
    raw = {name: math.exp(value - top) for name, value in logs.items()}
    total = sum(raw.values())
    return {name: value / total for name, value in raw.items()}


def mix(components: dict, weight: dict, *, confidence: float, rng: np.random.Generator,
        n_draws: int, prior: Prior = PRIOR, draws: dict | None = None,
        plateau_draws: dict | None = None) -> Mixture:
    """Point forecast (the weighted mean), band and plateau of the weighted mixture.

    ``draws`` may give a model's own draws (n x targets) in place of its normal approximation,
    and ``plateau_draws`` its draws of the plateau (the law's ceiling).
    """
    draws = draws or {}
    plateau_draws = plateau_draws or {}
    names = list(weight)
    share = np.array([weight[name] for name in names])
    pick = rng.choice(len(names), size=n_draws, p=share / share.sum())
    first: Component = components[names[0]]
    path = np.empty((n_draws, first.mean.size))
    level = np.empty(n_draws)
    for index, name in enumerate(names):
        rows = pick == index
        count = int(rows.sum())
        if not count:
            continue
        component = components[name]
        path[rows] = _spread(component.mean, component.sd, draws.get(name), count, rng,
                             prior.band_scale)
        level[rows] = _spread(np.array([component.plateau]), np.array([component.plateau_sd]),
                              None if name not in plateau_draws
                              else np.asarray(plateau_draws[name])[:, None],
                              count, rng, prior.band_scale)[:, 0]
    point = sum(weight[name] * components[name].mean for name in names)
    plateau = sum(weight[name] * components[name].plateau for name in names)
    tail = (1.0 - confidence) / 2.0
    lower, upper = np.quantile(path, [tail, 1.0 - tail], axis=0)
    low, high = np.quantile(level, [tail, 1.0 - tail])
    point, lower, upper = (np.clip(v, 0.0, 1.0) for v in (point, lower, upper))
    lower, upper = np.minimum(lower, point), np.maximum(upper, point)
    plateau = float(np.clip(plateau, 0.0, 1.0))
    estimate = Estimate(plateau, float(min(max(low, 0.0), plateau)),
                        float(max(min(high, 1.0), plateau)), float(np.std(level, ddof=1)))
    return Mixture(point, lower, upper, estimate)


def _spread(mean, sd, own, count, rng, scale):
    """``count`` draws around ``mean``: resampled rows of a model's own draws, or normal ones;
    their spread about the mean widened by ``scale``."""
    if own is not None:
        own = np.asarray(own, dtype=float)
        rows = own[rng.integers(0, own.shape[0], size=count)]
        centre = np.nanmean(own, axis=0)
        return mean + scale * (rows - centre)
    return mean + scale * sd * rng.standard_normal((count, mean.size))


def _log_density(value, mean, sd) -> float:
    sd = max(float(sd), SD_FLOOR)
    return -0.5 * ((value - mean) / sd) ** 2 - math.log(sd) - 0.5 * math.log(2.0 * math.pi)
