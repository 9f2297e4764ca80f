"""Forecast a run's late-stage accuracy and ceiling from an early window of it.

The default forecaster (``protocol='default'``) leaves out an early phase the law does not
describe, fits the law to the rest of the window, and predicts each later validation
measurement with the fit's AR(1) noise model conditioned on the window's last point. Where the
fit says the law does not describe the window (its warnings ``nonpositive_a`` or ``poor_fit``)
it falls back to the last-value baseline and says so. ``protocol='paper'`` is the plain
protocol of Cui et al.: the law fitted to the window as it is, predictions of the line plus
unconditional noise. Entropy after the window is the logged one where it exists, else the
entropy trajectory's forecast.
See docs/forecast.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .._text import few, plural
from ..arguments import check_confidence
from ..errors import FitError, InputError
from ..law.entropy_noise import relative_entropy_noise
from ..law.fitting import LawFit, fit
from ..results import Estimate, Notice, json_float
from ..run import Run, pair
from ..sources.log import KeySeries
from .baselines import last_value
from .conditional import observation_draws, validation_spacing
from ..law.early import find_early_phase
from .scores import Metrics
from .trajectory import Trajectory, fit_trajectory

PROTOCOLS = ("default", "paper")
LAW_DOES_NOT_HELP = ("nonpositive_a", "poor_fit")
FAR_STEPS = 100  # crossings beyond 100x the fit window count as never


@dataclass(frozen=True)
class Margin:
    """When the law's mean comes within ``margin`` of the ceiling: the entropy that takes, and
    the step the entropy trajectory reaches it (median and interval over draws; None = never)."""

    margin: float
    entropy: float
    step: float | None
    lower: float | None
    upper: float | None
    fit_until_step: int

    @property
    def steps_remaining(self) -> float | None:
        return None if self.step is None else max(self.step - self.fit_until_step, 0.0)

    def to_dict(self) -> dict:
        return {"margin": self.margin, "entropy": json_float(self.entropy),
                "step": _whole(self.step), "lower": _whole(self.lower),
                "upper": _whole(self.upper), "steps_remaining": _whole(self.steps_remaining)}


@dataclass(frozen=True, eq=False)
class Forecast:
    """A forecast of one run from its fit window. Reward-valued numbers are fractions.

    ``predictions`` is a DataFrame: step, entropy, entropy_observed, reward, reward_lower,
    reward_upper, observed (NaN where no validation value exists).
    """

    fit: LawFit
    fit_until_step: int
    excluded_steps: tuple[int, ...]
    ceiling: Estimate
    confidence: float
    predictions: object
    metrics: Metrics | None
    margin: Margin | None
    protocol: str
    forecaster: str  # 'law' or 'last_value'
    warnings: tuple[Notice, ...]
    notes: tuple[Notice, ...]
    excluded_rewards: tuple[float, ...] = ()  # validation values at excluded_steps

    def to_dict(self) -> dict:
        rows = [
            {"step": int(row.step), "entropy": json_float(row.entropy),
             "entropy_observed": bool(row.entropy_observed), "reward": json_float(row.reward),
             "lower": json_float(row.reward_lower), "upper": json_float(row.reward_upper),
             "observed": json_float(row.observed)}
            for row in self.predictions.itertuples(index=False)
        ]
        return {
            "fit": self.fit.to_dict(),
            "fit_until_step": self.fit_until_step,
            "excluded_steps": list(self.excluded_steps),
            "ceiling": self.ceiling.to_dict(std_error=False),
            "confidence": self.confidence,
            "predictions": rows,
            "metrics": None if self.metrics is None else self.metrics.to_dict(),
            "margin": None if self.margin is None else self.margin.to_dict(),
            "protocol": self.protocol,
            "forecaster": self.forecaster,
            "warnings": [w.to_dict() for w in self.warnings],
            "notes": [n.to_dict() for n in self.notes],
        }

    def __str__(self) -> str:
        from ..report.forecast import format_forecast

        return format_forecast(self)


def forecast(
    run: Run,
    *,
    fit_fraction: float | None = None,
    fit_until: int | None = None,
    horizon: int | None = None,
    steps=None,
    margin: float = 0.01,
    confidence: float = 0.9,
    keep_early: bool = False,
    protocol: str = "default",
    entropy_window: int = 1,
    method: str = "ar1",
    n_resamples: int = 4000,
    seed=None,
) -> Forecast:
    """Fit the law on the validation points up to a cut and forecast the rest of the run.

    The cut is ``fit_fraction`` x the run's last step, or ``fit_until``; without either, the
    whole run (a live run). Predictions are made at the later validation steps, then every
    validation interval up to ``horizon`` (default: the run's last step, or twice the cut for a
    live run), or at ``steps`` when given. ``margin`` (a fraction) sets when the run counts as
    at its ceiling. ``seed`` is an int or a numpy Generator.
    """
    check_confidence(confidence)
    if protocol not in PROTOCOLS:
        raise InputError(f"`protocol` must be in {{'default', 'paper'}}, got {protocol!r}")
    if not (isinstance(margin, (int, float)) and margin > 0):
        raise InputError(f"`margin` must be positive, got {margin!r}")
    cut = cut_step(run, fit_fraction=fit_fraction, fit_until=fit_until)
    window = run.until(cut)
    law, (excluded, excluded_rewards), warnings, notes = _fit_window(
        window, cut, keep_early=keep_early, protocol=protocol, confidence=confidence,
        method=method, n_resamples=n_resamples, seed=seed, entropy_window=entropy_window)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng([law.seed, 1])
    law_helps = protocol == "paper" or not any(w.code in LAW_DOES_NOT_HELP for w in law.warnings)

    targets, observed = _targets(run, cut, law.data.steps, horizon, steps)
    entropy, logged = _entropy_at(run, targets, entropy_window)
    trajectory = None
    try:
        trajectory = fit_trajectory(window.entropy.steps, window.entropy.values)
    except FitError as error:
        warnings.append(Notice("entropy_model_failed", f"no entropy forecast: {error}"))
        if not logged.all():
            notes.append(Notice("steps_not_forecast",
                                f"left out {plural((~logged).sum(), 'step')} after the last "
                                f"logged entropy (steps {few(targets[~logged])}): no entropy "
                                f"forecast"))
            targets, observed, entropy, logged = (v[logged] for v in (targets, observed,
                                                                      entropy, logged))
    entropy_draws = np.broadcast_to(entropy, (n_resamples, targets.size)).copy()
    trajectory_rows = None
    if trajectory is not None:
        modelled, trajectory_rows = trajectory.draws(targets, n_resamples, rng)
        entropy_draws[:, ~logged] = modelled[:, ~logged]
        entropy[~logged] = np.median(modelled[:, ~logged], axis=0)

    if law_helps:
        point, lower, upper = _law_band(law, entropy_draws, targets, logged,
                                        validation_spacing(law.data.steps), confidence,
                                        conditional=protocol == "default")
    else:
        curve = last_value(law.data.steps, law.data.reward, targets, confidence=confidence)
        point, lower, upper = curve.reward, curve.lower, curve.upper
        codes = ", ".join(w.code for w in law.warnings if w.code in LAW_DOES_NOT_HELP)
        warnings.append(Notice(
            "law_not_supported",
            f"the law does not describe the fit window ({codes}): the forecast is the last "
            f"observed accuracy ({point[0] * 100:.1f}%), its band from the window's "
            f"changes between validations; the ceiling is not meaningful"))

    import pandas as pd

    predictions = pd.DataFrame({
        "step": targets.astype(np.int64), "entropy": entropy, "entropy_observed": logged,
        "reward": point, "reward_lower": lower, "reward_upper": upper, "observed": observed,
    })
    seen = np.isfinite(observed)
    metrics = (Metrics.score(observed[seen], point[seen], lower[seen], upper[seen])
               if seen.any() else None)
    margin_result = None
    if law_helps and trajectory is not None and law.line.a > 0:
        margin_result = _margin(law, trajectory_rows, margin, cut, confidence)
    return Forecast(
        fit=law, fit_until_step=cut, excluded_steps=excluded, ceiling=law.ceiling,
        excluded_rewards=excluded_rewards,
        confidence=confidence, predictions=predictions, metrics=metrics, margin=margin_result,
        protocol=protocol, forecaster="law" if law_helps else "last_value",
        warnings=tuple(law.warnings) + tuple(warnings), notes=tuple(notes),
    )


def _fit_window(window: Run, cut: int, *, keep_early, protocol, entropy_window, **options):
    """The law fitted to the window, an early phase left out unless kept: (fit, (excluded
    steps, their validation values), warnings, notes)."""
    pairs = window.pairs(entropy_window=entropy_window)
    if len(pairs) < 3:
        raise FitError(f"the fit window (steps <= {cut}) holds "
                       f"{plural(len(pairs), 'validation point')}; the law needs at least 3")
    warnings: list[Notice] = []
    notes: list[Notice] = []
    phase = find_early_phase(pairs.entropy, pairs.reward,
                             entropy_noise=relative_entropy_noise(window.entropy.values),
                             entropy_window=entropy_window)
    excluded = tuple(int(s) for s in pairs.steps[: phase.n_points])
    excluded_rewards = tuple(float(r) for r in pairs.reward[: phase.n_points])
    if excluded and (keep_early or protocol == "paper"):
        warnings.append(Notice(
            "early_phase_mismatch",
            f"kept steps {few(excluded)} as asked, though accuracy there is far below the law "
            f"fitted to the later points (an early phase the law does not describe)"))
        excluded, excluded_rewards = (), ()
    elif excluded:
        notes.append(Notice(
            "early_phase_excluded",
            f"left out {plural(len(excluded), 'validation point')} (steps {few(excluded)}): "
            f"accuracy there is far below the law fitted to the later points (a validation "
            f"before training, or the model learning the answer format); --keep-early keeps "
            f"them"))
    law = fit(_without_steps(window, excluded), entropy_window=entropy_window, **options)
    failed = any(w.code in LAW_DOES_NOT_HELP for w in law.warnings)
    if failed and not phase.checked and protocol == "default" and not keep_early:
        warnings.append(Notice(
            "early_phase_mismatch",
            f"the window holds only {plural(len(pairs), 'validation point')}, too few to check "
            f"for an early phase the law does not describe (5 needed); one may distort this fit"))
    return law, (excluded, excluded_rewards), warnings, notes


def cut_step(run: Run, *, fit_fraction=None, fit_until=None) -> int:
    """The last step of the fit window: ``fit_fraction`` x the run's last step, or
    ``fit_until``, or the run's last step."""
    if fit_fraction is not None and fit_until is not None:
        raise InputError("give `fit_fraction` or `fit_until`, not both")
    if fit_fraction is not None:
        if not (isinstance(fit_fraction, (int, float)) and 0 < fit_fraction <= 1):
            raise InputError(f"`fit_fraction` must be in (0, 1], got {fit_fraction!r}")
        return math.floor(fit_fraction * run.last_step)
    if fit_until is not None:
        if not isinstance(fit_until, (int, np.integer)) or fit_until < 0:
            raise InputError(f"`fit_until` must be a whole number of steps >= 0, "
                             f"got {fit_until!r}")
        return int(fit_until)
    return run.last_step


def _without_steps(run: Run, steps) -> Run:
    """The run with the validation points at ``steps`` removed."""
    if not steps:
        return run

    def drop(series: KeySeries) -> KeySeries:
        keep = ~np.isin(series.steps, steps)
        return KeySeries(series.key, series.steps[keep], series.values[keep])

    return replace(run, reward=drop(run.reward),
                   rewards={key: drop(series) for key, series in run.rewards.items()})


def _targets(run: Run, cut: int, window_steps, horizon, steps):
    """Steps to predict and the validation value observed there (NaN where none)."""
    reward = run.reward
    seen = dict(zip(reward.steps.tolist(), reward.values.tolist(), strict=True))
    if steps is not None:
        targets = np.unique(np.asarray(steps, dtype=np.int64))
        if targets.size == 0 or targets.min() <= cut:
            raise InputError(f"`steps` to forecast must lie after the fit window "
                             f"(step {cut}), got {few(targets) or 'none'}")
    else:
        later = reward.steps[(reward.steps > cut) & np.isfinite(reward.values)]
        if horizon is None:
            horizon = run.last_step if later.size else 2 * cut
        if not isinstance(horizon, (int, np.integer)) or horizon <= cut:
            raise InputError(f"`horizon` must be a step after the fit window (step {cut}), "
                             f"got {horizon!r}")
        later = later[later <= horizon]
        spacing = validation_spacing(window_steps)
        start = later[-1] if later.size else cut
        grid = np.arange(start + spacing, horizon + 0.5, spacing)
        targets = np.concatenate([later, np.rint(grid)]).astype(np.int64)
        if targets.size == 0:
            targets = np.array([horizon], dtype=np.int64)
    observed = np.array([seen.get(int(s), np.nan) for s in targets], dtype=float)
    return targets, observed


def _entropy_at(run: Run, targets, entropy_window: int):
    """Logged entropy at each target (as the fit pairs it), and whether it was logged."""
    finite = run.entropy.steps[np.isfinite(run.entropy.values)]
    observed = targets <= (finite[-1] if finite.size else -1)
    entropy = np.full(targets.size, np.nan)
    if observed.any():
        at = KeySeries("targets", targets[observed], np.zeros(int(observed.sum())))
        entropy[observed] = pair(run.entropy, at, entropy_window=entropy_window).entropy
    return entropy, observed


def _law_band(law: LawFit, entropy_draws, targets, logged, spacing, confidence, *,
              conditional: bool):
    tail = (1.0 - confidence) / 2.0
    means, draws = observation_draws(law, entropy_draws, targets, spacing=spacing,
                                     conditional=conditional, logged=logged)
    if conditional:
        point = means.mean(axis=0)
    else:  # the paper's line, at the entropy (the median of its draws where forecast)
        point = law.line.b - law.line.a * np.exp(np.median(entropy_draws, axis=0))
    lower, upper = np.nanquantile(draws, [tail, 1.0 - tail], axis=0)
    return point, lower, upper


def _margin(law: LawFit, rows, margin, cut, confidence) -> Margin:
    """Steps until the law's mean is within ``margin`` of the ceiling: a (exp(H) - 1) <= margin,
    that is H <= log(1 + margin / a), reached where the entropy trajectory crosses it."""
    a = law.draws.a
    with np.errstate(divide="ignore", invalid="ignore"):
        threshold = np.where(a > 0, np.log1p(margin / a), np.inf)
    crossing = Trajectory.crossing_steps(threshold, rows)
    crossing[crossing > FAR_STEPS * max(cut, 1)] = np.inf
    tail = (1.0 - confidence) / 2.0
    step, lower, upper = np.quantile(crossing, [0.5, tail, 1.0 - tail], method="inverted_cdf")
    return Margin(float(margin), float(np.log1p(margin / law.line.a)),
                  _finite(step), _finite(lower), _finite(upper), int(cut))


def _finite(value) -> float | None:
    return float(value) if np.isfinite(value) else None


def _whole(value) -> int | None:
    return None if value is None else math.ceil(value)

