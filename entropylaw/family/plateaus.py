"""Each family member's plateau: the accuracy its run levels off at, with draws.

Three kinds, chosen per run by evidence (docs/family.md, "Each run's plateau"):

- ``ceiling``: the law's ``b - a``, where the law gate passes and entropy is near exhausted
  (the law's remaining gain ``a (exp(H_last) - 1)`` is at most ``EXHAUSTED`` of accuracy).
- ``last_level``: the mean of the last quarter of the validation points, where that window is
  flat (it rose less than ``FLAT`` over the window before it, or less than twice its standard
  error); its standard error allows for AR(1) correlation between the points.
- ``asymptote``: the level the run's chosen forecaster levels off at, for a run still rising
  (``entropylaw.forecast(run).plateau``, where the forecaster gives one; ``ceiling`` where that
  forecast is the law's); else the late level, marked ``still_rising``.

Published values (a manifest's ``accuracy``) are ``given``; given a and b, ``ceiling``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..results import Estimate

LATE_SHARE = 0.25  # the late window: the last quarter of the validation points
MIN_LATE = 5  # at least this many points in it
FLAT = 0.01  # a late window that rose less than 1 point over the window before it is flat
EXHAUSTED = 0.02  # the law's remaining gain at the last entropy, for its ceiling to be the plateau
MAX_RHO = 0.9  # noise correlation is capped here: nearer 1, noise and a moving level blur
ROUNDING = 0.0005  # values are often printed to 3 decimals: a mean's error is at least this
MIN_CORRELATED = 4  # fewer values give too few differences for a correlation: plain sd instead
KINDS = ("ceiling", "last_level", "asymptote", "given")


@dataclass(frozen=True, eq=False)
class Plateau:
    """A run's plateau (fraction), its kind, why, and draws of it."""

    kind: str
    value: Estimate
    draws: np.ndarray
    reason: str
    still_rising: bool = False

    def __repr__(self) -> str:
        v = self.value
        return f"Plateau({self.kind!r}, {v.estimate:.4f} [{v.lower:.4f}, {v.upper:.4f}])"

    def at(self, confidence: float) -> Plateau:
        return Plateau(self.kind, bounded(self.value.estimate, self.draws, confidence),
                       self.draws, self.reason, self.still_rising)


def bounded(estimate: float, draws: np.ndarray, confidence: float) -> Estimate:
    """Percentile interval of draws in [0, 1], widened if needed to hold its own estimate."""
    draws = np.clip(np.asarray(draws, dtype=float), 0.0, 1.0)
    value = Estimate.from_draws(float(np.clip(estimate, 0.0, 1.0)), draws, confidence)
    if math.isfinite(value.lower):
        value = Estimate(value.estimate, min(value.lower, value.estimate),
                         max(value.upper, value.estimate), value.std_error)
    return value


def late_level(steps, values, *, n_draws: int, rng, confidence: float):
    """(mean of the late window, its draws, rise over the window before, SE of the rise, m).

    The points are taken as AR(1) around a slowly moving level. From the first differences of
    the late half of the validation series (the early rise left out; differences remove the
    level): their lag-1 autocorrelation ``r``
    gives ``rho = 1 + 2 r`` (in [0, MAX_RHO]) and their variance the points' variance
    ``var(diff) / (2 (1 - rho))``; the variance of a mean of ``m`` points is then
    ``sigma^2 / m (1 + 2 sum_k (1 - k/m) rho^k)``. Draws are Student t with ``m - 1`` degrees
    of freedom around the mean.
    """
    steps = np.asarray(steps, dtype=float)
    values = np.asarray(values, dtype=float)
    keep = np.isfinite(values)
    values = values[keep]
    n = values.size
    m = min(n, max(MIN_LATE, round(LATE_SHARE * n)))
    late = values[-m:]
    mean = float(late.mean())
    tail = values[-max(2 * m, n // 2):]
    se = _mean_error(tail, m)
    draws = mean + se * rng.standard_t(max(m - 1, 1), size=n_draws)
    before = values[-2 * m:-m] if n >= 2 * m else values[:-m]
    if before.size:
        rise = mean - float(before.mean())
        rise_se = math.sqrt(se**2 + _mean_error(tail, before.size) ** 2)
    else:
        rise, rise_se = math.nan, math.nan
    return mean, draws, rise, rise_se, m


def _mean_error(values: np.ndarray, m: int) -> float:
    """Standard error of a mean of ``m`` consecutive points of the AR(1) series ``values``."""
    floor = ROUNDING / math.sqrt(m)
    if values.size < MIN_CORRELATED:
        spread = float(np.std(values, ddof=1)) if values.size > 1 else 0.0
        return max(spread / math.sqrt(m), floor)
    differences = np.diff(values)
    centred = differences - differences.mean()
    denominator = float(centred @ centred)
    if denominator <= 0:
        return floor
    rho = min(max(1.0 + 2.0 * float(centred[1:] @ centred[:-1]) / denominator, 0.0), MAX_RHO)
    variance = float(np.var(differences, ddof=1)) / (2.0 * (1.0 - rho))
    lags = np.arange(1, m)
    factor = 1.0 + 2.0 * float(np.sum((1.0 - lags / m) * rho**lags))
    return max(math.sqrt(variance * factor / m), floor)


def member_plateau(run, law_fit, gate, *, n_draws: int, rng, confidence: float,
                   forecaster=None) -> Plateau:
    """The plateau of one run (``law_fit`` its LawFit, ``gate`` its LawGate)."""
    if gate is not None and gate.applies:
        remaining = remaining_gain(law_fit)
        if remaining <= EXHAUSTED:
            draws = np.asarray(law_fit.draws.b, float) - np.asarray(law_fit.draws.a, float)
            index = rng.integers(0, draws.size, n_draws) if draws.size != n_draws else slice(None)
            ceiling = law_fit.line.b - law_fit.line.a
            return Plateau("ceiling", bounded(ceiling, draws[index], confidence), draws[index],
                           f"the law holds and entropy is near exhausted (remaining gain "
                           f"{remaining * 100:.1f} points): its ceiling b - a")
    series = run.reward
    mean, draws, rise, rise_se, m = late_level(series.steps, series.values, n_draws=n_draws,
                                               rng=rng, confidence=confidence)
    law = "the law holds but entropy is not exhausted" if gate is not None and gate.applies \
        else "the law does not hold"
    flat = not math.isfinite(rise) or rise < FLAT or rise < 2.0 * rise_se
    if flat:
        return Plateau("last_level", bounded(mean, draws, confidence), draws,
                       f"{law}; the run is flat at its end (late level rose "
                       f"{_pts(rise)} over the window before): mean of the last {m} points")
    asymptote = _forecast_plateau(run, forecaster, confidence, n_draws, rng)
    if asymptote is not None:
        value, asymptote_draws, source, kind = asymptote
        return Plateau(kind, bounded(value, asymptote_draws, confidence),
                       asymptote_draws, f"{law}; the run is still rising (late level rose "
                                        f"{_pts(rise)}): the level its forecast levels off at "
                                        f"({source})")
    return Plateau("last_level", bounded(mean, draws, confidence), draws,
                   f"{law}; the run is still rising (late level rose {_pts(rise)}) and no "
                   f"forecaster asymptote is available: mean of the last {m} points, a floor",
                   still_rising=True)


def remaining_gain(law_fit) -> float:
    """``a (exp(H_last) - 1)``: what the law says is left to gain, H_last the median of the last
    three entropies."""
    entropy = np.asarray(law_fit.data.entropy, dtype=float)
    last = float(np.median(entropy[-3:])) if entropy.size else math.nan
    return float(law_fit.line.a * (math.exp(last) - 1.0))


def given_plateau(value: float, std_error: float, *, n_draws: int, rng, confidence: float,
                  reason: str) -> Plateau:
    """A published accuracy with a standard error (0 when unknown): normal draws."""
    draws = value + std_error * rng.standard_normal(n_draws)
    return Plateau("given", bounded(value, draws, confidence), draws, reason)


def _forecast_plateau(run, forecaster, confidence, n_draws, rng):
    """The chosen forecaster's plateau as (value, split-normal draws matching its interval,
    description), or None where the forecaster gives none."""
    try:
        if forecaster is None:
            from ..forecasting import forecast as forecaster
        result = forecaster(run, confidence=confidence)
    except Exception:
        return None
    plateau = getattr(result, "plateau", None)
    if plateau is None or getattr(result, "plateau_kind", "asymptote") == "last_level":
        return None
    estimate = float(getattr(plateau, "estimate", math.nan))
    lower, upper = float(getattr(plateau, "lower", math.nan)), float(getattr(plateau, "upper",
                                                                             math.nan))
    if not (math.isfinite(estimate) and math.isfinite(lower) and math.isfinite(upper)):
        return None
    from ..quantiles import normal_quantile

    z = float(normal_quantile(0.5 + confidence / 2.0))
    normal = rng.standard_normal(n_draws)
    draws = estimate + normal * np.where(normal < 0, estimate - lower, upper - estimate) / z
    chosen = getattr(result, "chosen", None)
    kind = getattr(result, "plateau_kind", None)
    source = ", ".join(str(x) for x in (chosen, kind) if x) or "forecast"
    return estimate, draws, source, "ceiling" if kind == "ceiling" else "asymptote"


def _pts(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value * 100:+.1f} points"
