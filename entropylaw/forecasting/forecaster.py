"""Forecast a run's late-stage accuracy and plateau from an early window of it.

The default forecaster weighs competing models of the rest of the run by the window's own
evidence and an empirical prior learned across real runs (prior.py): the law (only where the law
gate passes and its curve stays inside [0, 1]), a saturating trend in steps, and the last value
(components.py, ensemble.py). ``protocol='law'`` is the law alone (falling back to the last value
where it fails), ``protocol='paper'`` the plain protocol of Cui et al. Entropy after the window
is the logged one where it exists, else the entropy trajectory's forecast. Every accuracy it
returns lies in [0, 1]. See docs/forecast.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .._text import few, plural
from ..arguments import check_confidence
from ..errors import ArgumentError, FitError, InputError
from ..law.early import find_early_phase
from ..law.entropy_noise import relative_entropy_noise
from ..law.fitting import LawFit, as_accuracy, fit
from ..law.gate import LawGate, check_law
from ..law.linear import fit_line
from ..memo import memoized, seeded_key
from ..results import Estimate, Notice, ResultMixin, json_float, over_runs
from ..run import Run, carry_notes, entropy_gap, pair
from ..sources.log import KeySeries
from . import components as models
from .conditional import observation_draws, validation_spacing
from .ensemble import lfo_scores, mix, weights
from .prior import PRIOR, Prior
from .scores import Metrics
from .trajectory import Trajectory, fit_trajectory

FAR_STEPS = 100  # crossings beyond 100x the fit window count as never
LFO_LAW_POINTS = 4  # the law refitted for a leave-future-out score keeps 2 degrees of freedom
MAX_TARGETS = 5000  # predictions one forecast may make
JUMP_RATIO = 3.0  # a first rise this many times the later ones is a jump (format learning)
LAW_DOES_NOT_HELP = ("nonpositive_a", "poor_fit")  # fit warnings that stop the 'law' protocol


@dataclass(frozen=True)
class Protocol:
    """How a forecast is made: the models that compete, and the law's noise model."""

    name: str
    ensemble: bool  # the law, the trend and the last value compete; else the law alone
    conditional: bool  # the law's noise conditioned on the window's last point
    exclude_early: bool  # leave out an early phase the law does not describe


PROTOCOLS = {
    "default": Protocol("default", ensemble=True, conditional=True, exclude_early=True),
    "law": Protocol("law", ensemble=False, conditional=True, exclude_early=True),
    "paper": Protocol("paper", ensemble=False, conditional=False, exclude_early=False),
}


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
class Forecast(ResultMixin):
    """A forecast of one run from its fit window. Reward-valued numbers are fractions in [0, 1].

    ``predictions`` is a DataFrame: step, entropy, entropy_observed, reward, lower,
    upper, observed (NaN where no validation value exists). ``fit`` is the law fitted
    to the window (None with fewer than 3 points), ``law`` its gate; ``ceiling`` is given only
    where the law applies, ``plateau`` always: the level the forecast settles at, of the kind
    ``plateau_kind`` ('ceiling', 'asymptote' of the trend, or 'last_level').
    """

    fit: LawFit | None
    law: LawGate | None
    fit_until_step: int
    excluded_steps: tuple[int, ...]
    ceiling: Estimate | None
    plateau: Estimate
    plateau_kind: str
    confidence: float
    predictions: object
    metrics: Metrics | None
    margin: Margin | None
    protocol: str
    forecaster: str  # the model with the largest weight
    weights: dict
    warnings: tuple[Notice, ...]
    notes: tuple[Notice, ...]
    excluded_rewards: tuple[float, ...] = ()  # validation values at excluded_steps
    window: models.Window | None = None  # the validation points the forecast used
    source: str | None = None

    @property
    def n_points(self) -> int:
        return 0 if self.window is None else len(self.window)

    @property
    def chosen(self) -> str:
        return self.forecaster

    def to_dict(self) -> dict:
        rows = [
            {"step": int(row.step), "entropy": json_float(row.entropy),
             "entropy_observed": bool(row.entropy_observed), "reward": json_float(row.reward),
             "lower": json_float(row.lower),
             "upper": json_float(row.upper), "observed": json_float(row.observed)}
            for row in self.predictions.itertuples(index=False)
        ]
        return {
            "fit": None if self.fit is None else self.fit.to_dict(),
            "law": None if self.law is None else self.law.to_dict(),
            "source": self.source,
            "fit_until_step": self.fit_until_step,
            "n_points": self.n_points,
            "excluded_steps": list(self.excluded_steps),
            "ceiling": None if self.ceiling is None else self.ceiling.to_dict(std_error=False),
            "plateau": {**self.plateau.to_dict(std_error=False), "kind": self.plateau_kind},
            "confidence": self.confidence,
            "predictions": rows,
            "metrics": None if self.metrics is None else self.metrics.to_dict(),
            "margin": None if self.margin is None else self.margin.to_dict(),
            "protocol": self.protocol,
            "forecaster": self.forecaster,
            "weights": {name: json_float(value) for name, value in self.weights.items()},
            "warnings": [w.to_dict() for w in self.warnings],
            "notes": [n.to_dict() for n in self.notes],
        }

    def _headline(self) -> list[tuple[str, str]]:
        from ..report import interval, percent, points

        rmse = [] if self.metrics is None else [("rmse", points(self.metrics.rmse))]
        level = ([("ceiling", f"{percent(self.ceiling.estimate)} {interval(self.ceiling)}")]
                 if self.ceiling is not None else
                 [("plateau", f"{percent(self.plateau.estimate)} {interval(self.plateau)}")])
        return [*level, ("forecaster", self.forecaster),
                ("fit_until_step", str(self.fit_until_step)), *rmse]

    def __str__(self) -> str:
        from ..report.forecast import format_forecast

        return format_forecast(self)


@dataclass(frozen=True, eq=False)
class _Window:
    """What the forecast may use from the fit window."""

    validation: models.Window  # points the trend and the last value see
    law_run: Run | None  # the run the law is fitted to (early points left out)
    excluded: tuple[int, ...]
    excluded_rewards: tuple[float, ...]
    phase: object  # the EarlyPhase found, with suspect_first


@over_runs
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
    prior: Prior = PRIOR,
) -> Forecast:
    """Forecast the validation accuracy after a cut from the points up to it.

    The cut is ``fit_fraction`` x the run's last step, or ``fit_until``; without either, the
    whole run (a live run). Predictions are made at the later validation steps, then every
    validation interval up to ``horizon`` (default: the run's last step, or twice the cut for a
    live run), or at ``steps`` when given. ``margin`` (a fraction) sets when the run counts as
    at its ceiling. ``protocol`` is 'default', 'law' or 'paper'. ``seed`` is an int or a numpy
    Generator. ``run`` may be anything :func:`entropylaw.read` reads; a list of runs gives a
    DataFrame with one row per run.
    """
    how = _checked_options(protocol, margin, n_resamples, confidence)
    cut = cut_step(run, fit_fraction=fit_fraction, fit_until=fit_until)
    warnings: list[Notice] = []
    notes: list[Notice] = []
    window = _window(run.until(cut), cut, how, keep_early, entropy_window, warnings, notes)
    law, gate = _fit_law(window, how, warnings, confidence=confidence, method=method,
                         n_resamples=n_resamples, seed=seed, entropy_window=entropy_window)
    rng = _generator(seed, law)
    validation = window.validation
    targets, observed = _targets(run, cut, validation, horizon, steps)

    law_parts = None
    if law is not None and (gate.applies if how.ensemble else _law_helps(law, how)):
        law_parts = _law_component(law, run, window, targets, how, entropy_window, rng,
                                   n_resamples, confidence, warnings, notes)
        if law_parts is not None:
            targets, observed = law_parts.targets, law_parts.observed
    candidates = _candidates(law_parts, validation, targets, how, prior, warnings, notes)
    weight = _weigh(candidates, validation, law, prior) if how.ensemble else {
        next(iter(candidates)): 1.0}
    if not how.ensemble and "law" not in candidates:
        warnings.append(_law_not_used(law, gate, validation))
    mixture = mix(candidates, weight, confidence=confidence, rng=rng, n_draws=n_resamples,
                  prior=prior if how.ensemble else prior.replace(band_scale=1.0),
                  draws={} if law_parts is None else {"law": law_parts.draws},
                  plateau_draws={} if law_parts is None else {"law": law_parts.ceiling_draws})
    chosen = max(weight, key=weight.get)
    if how.ensemble and gate is not None and not gate.applies:
        warnings.append(_law_not_supported(gate))
    return _result(run, cut, law, gate, window, targets, observed, law_parts, mixture, weight,
                   chosen, how, margin, confidence, warnings, notes)


def _generator(seed, law) -> np.random.Generator:
    """The forecast's own stream: from the seed given, else from the law fit's seed."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None and law is not None:
        seed = law.seed
    return np.random.default_rng([0 if seed is None else int(seed), 1])


def _law_not_supported(gate: LawGate) -> Notice:
    return Notice("law_not_supported", f"the law does not drive this forecast: {gate.reason}; "
                                       f"`entropylaw diagnose` says more")


def _checked_options(protocol, margin, n_resamples, confidence) -> Protocol:
    check_confidence(confidence)
    if protocol not in PROTOCOLS:
        raise ArgumentError(f"`protocol` must be in {{'default', 'law', 'paper'}}, "
                            f"got {protocol!r}")
    if not (isinstance(margin, (int, float)) and 0 < margin < 1):
        raise ArgumentError(f"`margin` must be a fraction between 0 and 1, got {margin!r}")
    if not isinstance(n_resamples, (int, np.integer)) or n_resamples < 100:
        raise ArgumentError(f"`n_resamples` must be a whole number >= 100, got {n_resamples!r}")
    return PROTOCOLS[protocol]


def _candidates(law_parts, validation, targets, how: Protocol, prior: Prior, warnings,
                notes) -> dict:
    """The models that may forecast: the law (where it is used and stays inside [0, 1]), and
    for the default protocol the last value and the trend; the last value alone where the law
    is not used by the others."""
    candidates = {}
    if law_parts is not None:
        if law_parts.component.in_bounds:
            candidates["law"] = law_parts.component
        else:
            warnings.append(Notice("law_out_of_bounds", models.out_of_bounds(law_parts.component)))
    if how.ensemble or "law" not in candidates:
        candidates["last_value"] = models.last_value(validation, targets, prior)
    if how.ensemble:
        trend = models.trend(validation, targets, prior)
        if trend is not None and trend.in_bounds:
            candidates["trend"] = trend
        elif trend is not None:
            notes.append(Notice("trend_out_of_bounds", "the trend was left out: "
                                + models.out_of_bounds(trend)))
    return candidates


def _window(window_run: Run, cut, how: Protocol, keep_early, entropy_window, warnings, notes):
    """Stage 1: the fit window's validation points and the early phase left out of them."""
    reward = window_run.reward
    finite = np.isfinite(reward.values)
    if not finite.any():
        raise FitError(f"no validation point at or before step {cut}: nothing to forecast from "
                       f"(the first validation is at step "
                       f"{few(reward.steps[:1]) or 'none'}); cut later")
    steps, values = reward.steps[finite], reward.values[finite]
    excluded: tuple[int, ...] = ()
    excluded_rewards: tuple[float, ...] = ()
    phase = None
    try:
        pairs = window_run.pairs(entropy_window=entropy_window)
    except (FitError, InputError):
        pairs = None
    if pairs is not None and len(pairs):
        phase = find_early_phase(pairs.entropy, pairs.reward,
                                 entropy_noise=relative_entropy_noise(window_run.entropy.values),
                                 entropy_window=entropy_window)
    # A leading point that the early-phase test cannot check (too few points) is suspect when it
    # came before training (before any logged entropy), or when accuracy jumped from it.
    checked = phase is not None and phase.checked
    found = phase is not None and phase.n_points > 0  # an early phase tested and left out
    jump = None if checked else _first_jump(steps, values)
    before_training = (phase is not None and not checked and len(pairs) > 1
                       and window_run.entropy.steps.size > 0
                       and pairs.steps[0] < window_run.entropy.steps[0])
    kept = keep_early or not how.exclude_early
    if phase is not None:
        phase = _Phase(phase.n_points, phase.checked, before_training and kept)
    if found:
        excluded = tuple(int(s) for s in pairs.steps[:phase.n_points])
        excluded_rewards = tuple(float(r) for r in pairs.reward[:phase.n_points])
    elif before_training or jump is not None:
        excluded, excluded_rewards = (int(steps[0]),), (float(values[0]),)
    why = _why_suspect(before_training, jump)
    if excluded and kept:
        warnings.append(Notice(
            "early_phase_mismatch",
            f"kept {'steps' if len(excluded) > 1 else 'step'} {few(excluded)} as asked, though "
            + ("accuracy there is far below the law fitted to the later points (an early "
               "phase the law does not describe)" if found
               else f"the window is too short to test it: {why}")))
        excluded, excluded_rewards = (), ()
    elif found:
        notes.append(Notice(
            "early_phase_excluded",
            f"left out {plural(len(excluded), 'validation point')} (steps {few(excluded)}): "
            f"accuracy there is far below the law fitted to the later points (a validation "
            f"before training, or the model learning the answer format); --keep-early keeps "
            f"them"))
    elif excluded:
        left_out_of = "the forecast" if jump else "the law's fit"
        notes.append(Notice(
            "early_phase_untested",
            f"left step {excluded[0]} out of {left_out_of}: {why}, in a window too short to test "
            f"whether the law describes it (5 points needed); --keep-early keeps it"))
    law_run = _without_steps(window_run, excluded) if pairs is not None else None
    if excluded and not found and not jump:
        excluded, excluded_rewards = (), ()  # only the law leaves out an untested point
    keep = ~np.isin(steps, excluded)
    validation = models.Window.of(steps[keep], values[keep], validation_spacing(steps))
    return _Window(validation, law_run, excluded, excluded_rewards, phase)


def _why_suspect(before_training: bool, jump: float | None) -> str:
    """Why a leading point is suspect, in words."""
    reasons = []
    if before_training:
        reasons.append("a validation before any logged entropy (before training)")
    if jump is not None:
        reasons.append("accuracy rose from it " + ("and stayed flat after" if math.isinf(jump)
                                                   else f"{jump:.0f}x faster than it moved "
                                                        f"after"))
    return "; ".join(reasons)


def _first_jump(steps, values) -> float | None:
    """How many times faster accuracy rose from the first validation point to the second than it
    moved at any later interval, where that is over JUMP_RATIO (the model learning the answer
    format, which a trend must not extrapolate); else None. Needs 3 points."""
    if values.size < 3:
        return None
    rates = np.diff(values) / np.maximum(np.diff(steps), 1)
    later = float(np.abs(rates[1:]).max())
    if rates[0] <= 0 or rates[0] <= JUMP_RATIO * later:
        return None
    return float(rates[0] / later) if later > 0 else math.inf


@dataclass(frozen=True)
class _Phase:
    n_points: int
    checked: bool
    suspect_first: bool


def _fit_law(window: _Window, how: Protocol, warnings, **options):
    """Stage 2: the law fitted to the window and its gate; (None, None) below 3 points."""
    if window.law_run is None:
        return None, None
    try:  # protocols forecasting the same cut in one backtest share the fit (memo.py)
        law = memoized(seeded_key("law", window.law_run, options),
                       lambda: fit(window.law_run, **options))
    except FitError as error:
        if not how.ensemble:
            raise
        warnings.append(Notice("law_not_fitted", f"the law was not fitted: {error}"))
        return None, None
    return law, check_law(law, early_phase=window.phase)


@dataclass(frozen=True, eq=False)
class _LawParts:
    component: models.Component
    draws: np.ndarray
    ceiling_draws: np.ndarray
    targets: np.ndarray
    observed: np.ndarray
    entropy: np.ndarray
    logged: np.ndarray
    trajectory: Trajectory | None
    trajectory_rows: object  # the (floor, height, scale, power) of each entropy draw


def _law_component(law, run, window, targets, how, entropy_window, rng, n_resamples,
                   confidence, warnings, notes) -> _LawParts | None:
    """Stage 3: the law's draws at the targets, with logged or forecast entropy."""
    observed = _observed(run, targets)
    entropy, logged = _entropy_at(run, targets, entropy_window)
    trajectory = None
    window_entropy = window.law_run.entropy
    try:
        trajectory = fit_trajectory(window_entropy.steps, window_entropy.values,
                                    origin=_trajectory_origin(window))
    except FitError as error:
        if not logged.all():
            warnings.append(Notice("entropy_model_failed", f"no entropy forecast: {error}"))
            if not how.ensemble:
                notes.append(Notice(
                    "steps_not_forecast",
                    f"left out {plural((~logged).sum(), 'step')} after the last logged entropy "
                    f"(steps {few(targets[~logged])}): no entropy forecast"))
                targets, observed, entropy, logged = (v[logged] for v in (targets, observed,
                                                                          entropy, logged))
                if targets.size == 0:
                    raise FitError("no step to forecast: the entropy after the window is not "
                                   "logged and cannot be forecast") from None
            else:
                return None
    entropy_draws = np.broadcast_to(entropy, (n_resamples, targets.size)).copy()
    rows = None
    if trajectory is not None:
        modelled, rows = trajectory.draws(targets, n_resamples, rng)
        entropy_draws[:, ~logged] = modelled[:, ~logged]
        entropy[~logged] = np.median(modelled[:, ~logged], axis=0)
    means, draws = observation_draws(law, entropy_draws, targets,
                                     spacing=validation_spacing(law.data.steps),
                                     conditional=how.conditional, logged=logged)
    if how.conditional:
        point = means.mean(axis=0)
    else:  # the paper's line, at the entropy (the median of its draws where forecast)
        point = law.line.b - law.line.a * np.exp(np.median(entropy_draws, axis=0))
    spread = np.nanstd(draws, axis=0)
    ceiling = law.draws.ceiling
    component = models.Component("law", point, spread, float(law.ceiling.estimate),
                                 float(np.nanstd(ceiling)))
    return _LawParts(component, draws, ceiling, targets, observed, entropy, logged, trajectory,
                     rows)


def _trajectory_origin(window) -> float:
    """Where the entropy trajectory starts: after an early phase left out (entropy may stay put
    there while the model learns the format, then decay), else at step 0."""
    if not window.excluded:
        return 0.0
    return float(window.law_run.reward.steps[0])


def _weigh(candidates, validation, law, prior: Prior) -> dict:
    """Stage 4: weights from the prior and the window's leave-future-out scores."""
    rest = 1.0 - prior.weight_law if "law" in candidates else 1.0
    priors = {"law": prior.weight_law, "trend": rest * prior.weight_trend,
              "last_value": rest * (1.0 - prior.weight_trend)}
    makers = {"last_value": lambda head, at: models.last_value(head, at, prior)}
    if "trend" in candidates:
        makers["trend"] = lambda head, at: models.trend(head, at, prior)
    if "law" in candidates:
        makers["law"] = _law_maker(law, prior)
    evidence = {"law": prior.law_evidence, "trend": prior.evidence,
                "last_value": prior.evidence}
    return weights(candidates, priors, lfo_scores(validation, makers), evidence)


def _law_maker(law: LawFit, prior: Prior):
    """The law refitted (least squares) to the points before a step, predicting that step."""
    entropy_at = dict(zip(law.data.steps.tolist(), law.data.entropy.tolist(), strict=True))
    steps = np.asarray(law.data.steps, dtype=float)

    def make(head: models.Window, at) -> models.Component | None:
        step = int(at[0])
        use = steps < at[0]
        if use.sum() < LFO_LAW_POINTS or step not in entropy_at:
            return None
        try:
            line = fit_line(np.exp(law.data.entropy[use]), law.data.reward[use])
        except FitError:
            return None
        x = math.exp(entropy_at[step])
        centre = float(line.x.mean())
        leverage = 1.0 / line.n + (x - centre) ** 2 / float(((line.x - centre) ** 2).sum())
        variance = max(line.rss / (line.n - 2), models.noise_variance(head, prior))
        mean = np.array([line.b - line.a * x])
        return models.Component("law", mean, np.array([math.sqrt(variance * (1 + leverage))]),
                                float(line.b - line.a), math.nan)

    return make


def _result(run, cut, law, gate, window, targets, observed, law_parts, mixture, weight, chosen,
            how, margin, confidence, warnings, notes) -> Forecast:
    """Stage 5: the predictions table, scores, margin and the result."""
    import pandas as pd

    if law_parts is not None:
        entropy, logged = law_parts.entropy, law_parts.logged
    else:
        entropy, logged = _entropy_at(run, targets, 1)
    predictions = pd.DataFrame({
        "step": targets.astype(np.int64), "entropy": entropy, "entropy_observed": logged,
        "reward": mixture.reward, "lower": mixture.lower,
        "upper": mixture.upper, "observed": observed,
    })
    seen = np.isfinite(observed)
    metrics = (Metrics.score(observed[seen], mixture.reward[seen], mixture.lower[seen],
                             mixture.upper[seen]) if seen.any() else None)
    law_used = weight.get("law", 0.0) >= 0.5
    margin_result = None
    if law_used and law_parts is not None and law_parts.trajectory_rows is not None \
            and law.line.a > 0:
        margin_result = _margin(law, law_parts.trajectory, law_parts.trajectory_rows, margin,
                                cut, confidence)
    applies = gate is not None and gate.applies and "law" in weight
    ceiling = as_accuracy(law.ceiling) if applies else None  # the forecast's own gate
    kind = {"law": "ceiling", "trend": "asymptote"}.get(chosen, "last_level")
    fit_warnings = () if law is None else law.warnings
    return Forecast(
        fit=law, law=gate, fit_until_step=cut, excluded_steps=window.excluded,
        excluded_rewards=window.excluded_rewards, ceiling=ceiling, plateau=mixture.plateau,
        plateau_kind=kind, confidence=confidence, predictions=predictions, metrics=metrics,
        margin=margin_result, protocol=how.name, forecaster=chosen, weights=dict(weight),
        warnings=tuple(fit_warnings) + tuple(warnings),
        notes=carry_notes(run, () if law is None else law.notes, notes),
        window=window.validation, source=run.source,
    )


def _law_helps(law: LawFit, how: Protocol) -> bool:
    """Whether the law alone ('law', 'paper') may forecast: the paper's protocol always uses
    it; the 'law' protocol not where its a is <= 0 or indistinguishable from 0."""
    return how.name == "paper" or not any(w.code in LAW_DOES_NOT_HELP for w in law.warnings)


def _law_not_used(law, gate, validation) -> Notice:
    why = ("it could not be fitted" if law is None
           else gate.reason if gate is not None and not gate.applies
           else "its curve leaves 0-100% over the forecast")
    return Notice("law_not_supported",
                  f"the law does not describe the fit window ({why}): the forecast is the last "
                  f"observed accuracy ({validation.reward[-1] * 100:.1f}%), its band a random "
                  f"walk's; the ceiling is not meaningful")


def cut_step(run: Run, *, fit_fraction=None, fit_until=None) -> int:
    """The last step of the fit window: ``fit_fraction`` of the way from the run's first logged
    step to its last (a run logged from step 0: that fraction of its last step), or
    ``fit_until``, or the run's last step."""
    if fit_fraction is not None and fit_until is not None:
        raise ArgumentError("give `fit_fraction` or `fit_until`, not both")
    if fit_fraction is not None:
        if not (isinstance(fit_fraction, (int, float)) and 0 < fit_fraction <= 1):
            raise ArgumentError(f"`fit_fraction` must be in (0, 1], got {fit_fraction!r}")
        first = _first_step(run)
        return first + math.floor(fit_fraction * (run.last_step - first))
    if fit_until is not None:
        if not isinstance(fit_until, (int, np.integer)) or fit_until < 0:
            raise ArgumentError(f"`fit_until` must be a whole number of steps >= 0, "
                             f"got {fit_until!r}")
        if fit_until > run.last_step:
            raise ArgumentError(f"`fit_until` {fit_until} lies after the run's last step "
                             f"({run.last_step}); leave it out to forecast from the whole run")
        return int(fit_until)
    return run.last_step


def _first_step(run: Run) -> int:
    starts = [int(s.steps[0]) for s in (run.entropy, run.reward) if len(s)]
    return max(min(starts), 0) if starts else 0


def _without_steps(run: Run, steps) -> Run:
    """The run with the validation points at ``steps`` removed."""
    if not steps:
        return run

    def drop(series: KeySeries) -> KeySeries:
        keep = ~np.isin(series.steps, steps)
        return KeySeries(series.key, series.steps[keep], series.values[keep])

    return replace(run, reward=drop(run.reward),
                   rewards={key: drop(series) for key, series in run.rewards.items()})


def _targets(run: Run, cut: int, window: models.Window, horizon, steps):
    """Steps to predict and the validation value observed there (NaN where none)."""
    reward = run.reward
    if steps is not None:
        targets = np.unique(np.asarray(steps, dtype=np.int64))
        if targets.size == 0 or targets.min() <= cut:
            raise ArgumentError(f"`steps` to forecast must lie after the fit window "
                             f"(step {cut}), got {few(targets) or 'none'}")
        if targets.size > MAX_TARGETS:
            raise ArgumentError(f"`steps` asks for {targets.size} predictions; the most is "
                             f"{MAX_TARGETS}")
    else:
        later = reward.steps[(reward.steps > cut) & np.isfinite(reward.values)]
        if horizon is None:
            horizon = run.last_step if later.size else 2 * max(cut, 1)
        if not isinstance(horizon, (int, np.integer)) or horizon <= cut:
            raise ArgumentError(f"`horizon` must be a step after the fit window (step {cut}), "
                             f"got {horizon!r}")
        later = later[later <= horizon]
        spacing = window.spacing
        start = later[-1] if later.size else cut
        count = (horizon - start) / spacing + later.size
        if count > MAX_TARGETS:
            raise ArgumentError(f"`horizon` {horizon} would need {int(count)} predictions (one "
                             f"every {spacing:g} steps); the most is {MAX_TARGETS}: give a "
                             f"nearer horizon")
        grid = np.arange(start + spacing, horizon + 0.5, spacing)
        targets = np.concatenate([later, np.rint(grid)]).astype(np.int64)
        if targets.size == 0:
            targets = np.array([horizon], dtype=np.int64)
    return targets, _observed(run, targets)


def _observed(run: Run, targets) -> np.ndarray:
    reward = run.reward
    seen = dict(zip(reward.steps.tolist(), reward.values.tolist(), strict=True))
    return np.array([seen.get(int(s), np.nan) for s in targets], dtype=float)


def _entropy_at(run: Run, targets, entropy_window: int):
    """Logged entropy at each target (as the fit pairs it), and whether it was logged."""
    finite = run.entropy.steps[np.isfinite(run.entropy.values)]
    # logged: up to the last entropy value, and not in a gap of the entropy log
    observed = (targets <= (finite[-1] if finite.size else -1)) & ~entropy_gap(finite, targets)
    entropy = np.full(targets.size, np.nan)
    if observed.any():
        at = KeySeries("targets", targets[observed], np.zeros(int(observed.sum())))
        entropy[observed] = pair(run.entropy, at, entropy_window=entropy_window).entropy
    return entropy, observed


def _margin(law: LawFit, trajectory: Trajectory, rows, margin, cut, confidence) -> Margin:
    """Steps until the law's mean is within ``margin`` of the ceiling: a (exp(H) - 1) <= margin,
    that is H <= log(1 + margin / a), reached where the entropy trajectory crosses it."""
    a = law.draws.a
    with np.errstate(divide="ignore", invalid="ignore"):
        threshold = np.where(a > 0, np.log1p(margin / a), np.inf)
    crossing = trajectory.crossings(threshold, rows)
    crossing[crossing > FAR_STEPS * max(cut, 1)] = np.inf
    crossing = np.maximum(crossing, cut)  # a crossing before the cut is reached at the cut
    tail = (1.0 - confidence) / 2.0
    step, lower, upper = np.quantile(crossing, [0.5, tail, 1.0 - tail], method="inverted_cdf")
    return Margin(float(margin), float(np.log1p(margin / law.line.a)),
                  _finite(step), _finite(lower), _finite(upper), int(cut))


def _finite(value) -> float | None:
    return float(value) if np.isfinite(value) else None


def _whole(value) -> int | None:
    return None if value is None else math.ceil(value)
