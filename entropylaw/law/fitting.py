"""Fit ``R = -a exp(H) + b`` to a run, with resampled intervals and diagnostics."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from .._text import few, plural
from ..arguments import check_confidence, generator
from ..errors import ArgumentError, InputError
from ..results import Estimate, Notice, ResultMixin, json_float, over_runs
from ..run import Pairs, Run
from .entropy_noise import (
    MIN_RELIABILITY,
    relative_entropy_noise,
    reliability,
    smoothed_entropy,
    x_variance,
)
from .linear import Line, fit_line, lag1_autocorrelation
from .resampling import Draws, get_scheme

FEW_POINTS = 8  # fewer points say too little about the noise's correlation for its intervals
POOR_R2 = 0.5  # with a's interval reaching 0: entropy explains under half of accuracy's spread
FAR_EXTRAPOLATION = 1.0  # H = 0 lies beyond the data by more than the data's own exp(H) range
NARROW_ENTROPY = 0.05  # nats: below this span the slope rests on too little contrast
NEGLIGIBLE_NOISE = 0.05  # share of the residual variance below which entropy noise is ignored


@dataclass(frozen=True, eq=False)
class LawFit(ResultMixin):
    """The fitted law for one run: coefficients with intervals, fit quality, warnings.

    Reward-valued numbers (a, b, ceiling, rmse) are fractions. ``draws`` keeps the resampled
    coefficients so :meth:`at` gives another confidence level without resampling.
    """

    source: str | None
    entropy_key: str | None
    reward_key: str | None
    a: Estimate
    b: Estimate
    ceiling: Estimate
    confidence: float
    interval_method: str
    r2: float
    rmse: float
    residual_autocorrelation: float
    ab_correlation: float
    n_resamples: int
    seed: int | None
    warnings: tuple[Notice, ...]
    notes: tuple[Notice, ...]
    data: Pairs
    line: Line
    draws: Draws
    entropy_noise: float = 0.0
    entropy_window: int = 1
    attenuation: float = 1.0
    model: str | None = None
    model_size: float | None = None

    @property
    def n_points(self) -> int:
        return len(self.data)

    @property
    def steps(self) -> tuple[int, int]:
        return int(self.data.steps[0]), int(self.data.steps[-1])

    @property
    def entropy_range(self) -> tuple[float, float]:
        return float(self.data.entropy.min()), float(self.data.entropy.max())

    @property
    def extrapolation(self) -> float:
        """How far x = exp(H) = 1 lies below the data, as a multiple of the data's x range."""
        x = self.line.x
        return float((x.min() - 1.0) / (x.max() - x.min()))

    @property
    def noise_sd(self) -> float:
        """Median over draws of the standard deviation of one validation measurement."""
        return float(np.median(self.draws.noise_sd))

    @property
    def noise_autocorrelation(self) -> float:
        return float(np.median(self.draws.noise_autocorrelation))

    @cached_property
    def gate(self):
        """The law gate on these points: does the law describe them (law/gate.py)? Computed
        once: reports, JSON and the ceiling all ask for it."""
        from .gate import check_law

        return check_law(self)

    @property
    def stated_ceiling(self) -> Estimate | None:
        """The ceiling as reports give it: only where the law applies; for a validation accuracy,
        only an estimate in [0, 1], its interval cut to [0, 1] (an accuracy cannot lie outside).
        A reward on another scale keeps its own units."""
        if not self.gate.applies:
            return None
        return as_accuracy(self.ceiling) if _is_accuracy(self.data.reward) else self.ceiling

    def at(self, confidence: float) -> LawFit:
        """The same fit with intervals at another ``confidence`` (no new resampling)."""
        check_confidence(confidence)
        a, b, ceiling = _estimates(self.line, self.draws, confidence)
        return replace(self, a=a, b=b, ceiling=ceiling, confidence=confidence)

    def predict_draws(self, entropy, *, kind: str = "observation") -> np.ndarray:
        """Draws of R at each ``entropy`` (n_resamples x len(entropy)).

        ``kind='mean'`` gives the law's value; ``'observation'`` adds the noise of one new
        validation measurement paired with a logged (noisy) entropy value.
        """
        if kind not in ("mean", "observation"):
            raise ArgumentError(f"`kind` must be in {{'mean', 'observation'}}, got {kind!r}")
        entropy = np.atleast_1d(np.asarray(entropy, dtype=float))
        x = np.exp(entropy)
        draws = self.draws.b[:, None] - self.draws.a[:, None] * x[None, :]
        if kind == "observation":
            draws = draws + np.sqrt(self.observation_variance(entropy)) * self.draws.noise[:, None]
        return draws

    def observation_variance(self, entropy, *, logged=None, carry=None) -> np.ndarray:
        """Variance of one new validation measurement, per draw and point (draws x points).

        The fit's one observation-noise model, used by its predictions and by the forecaster's
        bands: the validation noise (times ``1 - carry^2`` where the forecaster conditions it on
        a known point, ``carry`` its AR(1) carry-over), plus, where ``logged`` (default: every
        point), the logged entropy value's own noise carried through the law. ``entropy`` is
        one value per point or one row per draw (then its median per point sets that noise).
        """
        entropy = np.asarray(entropy, dtype=float)
        points = np.atleast_1d(entropy).shape[-1]
        variance = np.broadcast_to(self.draws.noise_sd[:, None] ** 2,
                                   (self.draws.noise_sd.size, points))
        if carry is not None:
            variance = variance * (1.0 - carry**2)
        logged = np.ones(points, dtype=bool) if logged is None else np.asarray(logged, bool)
        if logged.any():
            typical = np.median(np.atleast_2d(entropy), axis=0)
            measured = np.where(logged, x_variance(typical, self.entropy_noise,
                                                   self.entropy_window), 0.0)
            variance = variance + self.draws.a[:, None] ** 2 * measured[None, :]
        return variance

    def predict(self, entropy, *, confidence: float | None = None, kind: str = "observation"):
        """Fitted R at ``entropy`` with an interval: a DataFrame with columns
        ``entropy, reward, lower, upper``."""
        import pandas as pd

        confidence = self.confidence if confidence is None else confidence
        check_confidence(confidence)
        entropy = np.atleast_1d(np.asarray(entropy, dtype=float))
        draws = self.predict_draws(entropy, kind=kind)
        tail = (1.0 - confidence) / 2.0
        lower, upper = np.nanquantile(draws, [tail, 1.0 - tail], axis=0)
        return pd.DataFrame({
            "entropy": entropy,
            "reward": self.line.b - self.line.a * np.exp(entropy),
            "lower": lower,
            "upper": upper,
        })

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "entropy_key": self.entropy_key,
            "reward_key": self.reward_key,
            "n_points": self.n_points,
            "steps": list(self.steps),
            "entropy_range": [json_float(v) for v in self.entropy_range],
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            # a ceiling from a law the data reject is not given (`law` says why)
            "ceiling": None if (stated := self.stated_ceiling) is None else stated.to_dict(),
            "confidence": self.confidence,
            "interval_method": self.interval_method,
            "r2": json_float(self.r2),
            "rmse": json_float(self.rmse),
            "residual_autocorrelation": json_float(self.residual_autocorrelation),
            "warnings": [w.to_dict() for w in self.warnings],
            "law": self.gate.to_dict(),
            "ab_correlation": json_float(self.ab_correlation),
            "extrapolation": json_float(self.extrapolation),
            "noise": {"sd": json_float(self.noise_sd),
                      "autocorrelation": json_float(self.noise_autocorrelation)},
            "entropy_noise": json_float(self.entropy_noise),
            "attenuation": json_float(self.attenuation),
            "entropy_window": self.entropy_window,
            "n_resamples": self.n_resamples,
            "seed": self.seed,
            "notes": [n.to_dict() for n in self.notes],
            "model": self.model,
            "model_size": self.model_size,
        }

    def _headline(self) -> list[tuple[str, str]]:
        from ..report import interval, percent

        return [("a", percent(self.a.estimate)), ("b", percent(self.b.estimate)),
                ("ceiling", "-" if (stated := self.stated_ceiling) is None
                 else f"{percent(stated.estimate)} {interval(stated)}"),
                ("n", str(self.n_points))]

    def __str__(self) -> str:
        from ..report.fit import format_fit

        return format_fit(self)


@over_runs
def fit(
    run: Run | None = None,
    *,
    entropy=None,
    reward=None,
    steps=None,
    confidence: float = 0.95,
    method="ar1",
    n_resamples: int = 10_000,
    seed=None,
    entropy_window: int = 1,
    entropy_noise: float | str = "auto",
) -> LawFit:
    """Fit the entropy-performance law to a run, or to arrays ``entropy`` and ``reward``.

    ``method`` names the resampling scheme ('ar1', 'block', 'iid'; see docs/intervals.md);
    ``seed`` is an int or a numpy Generator; ``entropy_window`` averages the last K entropy
    values at each validation step. ``entropy_noise`` is the relative noise of one logged
    entropy value: 'auto' estimates it from a run's dense entropy series (0 for arrays).
    ``run`` may also be a path or a DataFrame (read with detected keys), or a list of runs: then
    the result is a DataFrame, one row per fit, columns named as its JSON keys.
    """
    check_confidence(confidence)
    if not isinstance(n_resamples, (int, np.integer)) or n_resamples < 100:
        raise ArgumentError(f"`n_resamples` must be a whole number >= 100, got {n_resamples!r}")
    scheme = get_scheme(method)
    pairs, notes, dense_entropy, meta = _points(run, entropy, reward, steps, entropy_window)
    noise = _entropy_noise(entropy_noise, dense_entropy)
    line = fit_line(np.exp(pairs.entropy), pairs.reward)
    seed_used, rng = generator(seed)
    measured, x_smooth = None, None
    if noise > 0:
        measured = x_variance(pairs.entropy, noise, entropy_window)
        if line.a**2 * measured.mean() < NEGLIGIBLE_NOISE * line.rss / max(line.n - 2, 1):
            measured = None  # too small to matter: keep the plain fit
        elif dense_entropy is not None:
            x_smooth = np.exp(smoothed_entropy(dense_entropy.steps, dense_entropy.values,
                                               pairs.entropy_steps))
    draws = scheme.draw(line, int(n_resamples), rng, x_variance=measured, x_smooth=x_smooth)
    line, draws, attenuation = _correct_attenuation(line, draws, measured, notes)
    a, b, ceiling = _estimates(line, draws, confidence)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(draws.a) & np.isfinite(draws.b)
        ab_correlation = float(np.corrcoef(draws.a[ok], draws.b[ok])[0, 1])
    result = LawFit(
        a=a, b=b, ceiling=ceiling, confidence=confidence, interval_method=scheme.name,
        r2=line.r2, rmse=line.rmse, residual_autocorrelation=lag1_autocorrelation(line.residuals),
        ab_correlation=ab_correlation, n_resamples=int(n_resamples), seed=seed_used,
        warnings=(), notes=tuple(notes), data=pairs, line=line, draws=draws,
        entropy_noise=noise, entropy_window=entropy_window, attenuation=attenuation, **meta,
    )
    return replace(result, warnings=tuple(diagnose(result)))


def _points(run, entropy, reward, steps, entropy_window):
    """(pairs, notes, the dense entropy series or None, the run's metadata) from a run or from
    the arrays ``entropy`` and ``reward``."""
    if run is not None:
        if entropy is not None or reward is not None:
            raise InputError("give either a run or the arrays `entropy` and `reward`, not both")
        pairs = run.pairs(entropy_window=entropy_window)
        meta = dict(source=run.source, entropy_key=run.entropy_key, reward_key=run.reward_key,
                    model=run.model, model_size=run.model_size)
        return pairs, list(run.notes + pairs.notes), run.entropy, meta
    if entropy is None or reward is None:
        raise InputError("give a run, or both arrays `entropy` and `reward`")
    pairs = _pairs_from_arrays(entropy, reward, steps)
    return pairs, list(pairs.notes), None, dict(source=None, entropy_key=None, reward_key=None)


def diagnose(result: LawFit) -> list[Notice]:
    """Warnings that say why the fitted numbers may not be trusted (codes in docs/errors.md)."""
    warnings = _degenerate(result)
    n = result.n_points
    if n < FEW_POINTS:
        warnings.append(Notice("few_points", f"only {plural(n, 'validation point')}: intervals "
                                             f"are unreliable below {FEW_POINTS}"))
    if result.line.a <= 0:
        warnings.append(Notice(
            "nonpositive_a",
            f"the fitted a is {result.line.a * 100:.2f}% (<= 0): accuracy does not rise as "
            f"entropy falls, so the law does not describe this run and the ceiling is meaningless",
        ))
    low, high = result.entropy_range
    if high - low < NARROW_ENTROPY:
        warnings.append(Notice("narrow_entropy_range",
                               f"entropy spans only {high - low:.3f} nats "
                               f"({low:.3f}-{high:.3f}): the slope a is poorly determined"))
    if (math.isfinite(result.r2) and result.r2 < POOR_R2 and result.line.a > 0
            and result.a.lower <= 0):
        warnings.append(Notice(
            "poor_fit",
            f"R^2 is {result.r2:.2f} and the interval of a includes 0: entropy explains little of "
            f"the accuracy's variation, so the ceiling is close to the average accuracy"))
    if result.extrapolation > FAR_EXTRAPOLATION:
        warnings.append(Notice(
            "far_extrapolation",
            f"the lowest entropy observed is {low:.3f} nats: H = 0 lies beyond the data by "
            f"{result.extrapolation:.1f}x the observed range of exp(H), so the ceiling is a long "
            f"extrapolation",
        ))
    ceiling = result.ceiling.estimate
    accuracy = _is_accuracy(result.data.reward)
    if result.line.a > 0 and accuracy and not 0 <= ceiling <= 1:
        warnings.append(Notice("ceiling_out_of_range",
                               f"the fitted ceiling is {ceiling * 100:.1f}%, outside 0-100%"))
    elif accuracy and (result.ceiling.lower < 0 or result.ceiling.upper > 1):
        warnings.append(Notice("ceiling_interval_out_of_range",
                               f"the ceiling's interval [{result.ceiling.lower * 100:.1f}%, "
                               f"{result.ceiling.upper * 100:.1f}%] reaches outside 0-100%: the "
                               f"data bound the ceiling only loosely"))
    return warnings


def _is_accuracy(reward) -> bool:
    """Values an accuracy can take, noise allowed (the margin reading a run allows)."""
    from ..run import ACCURACY_MARGIN

    return bool(reward.size) and reward.min() >= -ACCURACY_MARGIN and \
        reward.max() <= 1 + ACCURACY_MARGIN


def as_accuracy(ceiling: Estimate) -> Estimate | None:
    """A ceiling as an accuracy: None when its estimate lies outside [0, 1], else its interval
    cut to [0, 1]."""
    if not 0.0 <= ceiling.estimate <= 1.0:
        return None
    return replace(ceiling, lower=max(ceiling.lower, 0.0), upper=min(ceiling.upper, 1.0))


# Per-token policy entropy of an LLM in RL lies well under this (most runs start below 2 nats);
# above it the key is likely in bits, summed over tokens, or not an entropy at all.
MAX_PLAUSIBLE_ENTROPY = 5.0  # nats


def constant(reward) -> bool:
    """Whether every validation value is the same: nothing for entropy to explain."""
    reward = np.asarray(reward, dtype=float)
    return bool(reward.size) and np.ptp(reward) == 0


def implausible_entropy(entropy) -> bool:
    """Whether ``entropy`` cannot be a per-token policy entropy in nats (below 0 or above
    MAX_PLAUSIBLE_ENTROPY)."""
    entropy = np.asarray(entropy, dtype=float)
    return bool(entropy.size) and (entropy.min() < 0 or entropy.max() > MAX_PLAUSIBLE_ENTROPY)


def _degenerate(result: LawFit) -> list[Notice]:
    """Inputs the law cannot mean anything for, whatever numbers the fit returns."""
    warnings = []
    entropy, reward = result.data.entropy, result.data.reward
    if constant(reward):
        warnings.append(Notice("constant_reward",
                               f"the validation value is {reward[0]:g} at every point: there is "
                               f"no variation for entropy to explain, so a, b and the ceiling "
                               f"say nothing"))
    if implausible_entropy(entropy):
        warnings.append(Notice("entropy_out_of_range", (
            f"entropy goes below 0 (down to {entropy.min():.3g} nats), which an entropy cannot: "
            f"is the key a loss (-entropy) or shifted? The ceiling at H = 0 is meaningless"
            if entropy.min() < 0 else
            f"entropy reaches {entropy.max():.3g} nats, above {MAX_PLAUSIBLE_ENTROPY:g}: "
            f"implausible for a per-token policy entropy (bits? summed over tokens? a loss?)")))
    if reward.size and not _is_accuracy(reward):
        warnings.append(Notice("reward_not_accuracy",
                               f"the validation values run from {reward.min():g} to "
                               f"{reward.max():g}, outside 0-1: not an accuracy, so the "
                               f"percentages shown are in its own units x 100"))
    return warnings


def _estimates(line: Line, draws: Draws, confidence: float):
    return (Estimate.from_draws(line.a, draws.a, confidence),
            Estimate.from_draws(line.b, draws.b, confidence),
            Estimate.from_draws(line.b - line.a, draws.ceiling, confidence))


def _pairs_from_arrays(entropy, reward, steps) -> Pairs:
    entropy = np.asarray(entropy, dtype=float).ravel()
    reward = np.asarray(reward, dtype=float).ravel()
    if entropy.shape != reward.shape:
        raise InputError(f"`entropy` and `reward` must have one length, got {entropy.size} "
                         f"and {reward.size}")
    steps = np.arange(entropy.size) if steps is None else np.asarray(steps).ravel()
    if steps.shape != entropy.shape:
        raise InputError(f"`steps` must have the length of `entropy`, got {steps.size}")
    finite = np.isfinite(entropy) & np.isfinite(reward)
    notes = ()
    if not finite.all():
        notes = (Notice("non_finite_values",
                        f"left out {plural((~finite).sum(), 'point')} with a non-finite entropy "
                        f"or reward (positions {few(np.flatnonzero(~finite))})"),)
    steps = steps[finite].astype(np.int64)
    return Pairs(steps, entropy[finite], reward[finite], steps, notes)


def _correct_attenuation(line: Line, draws: Draws, measured, notes: list) -> tuple:
    """Undo the slope's attenuation by entropy noise (method of moments, Fuller 1987, 1.1).

    The slope is divided by the reliability of the measured exp(H), the intercept moved to keep
    the line through the data's centre; draws alike. Below a reliability of 0.5 the correction
    is too unstable to apply, and a note says so.
    """
    if measured is None:
        return line, draws, 1.0
    share = reliability(line.x, measured)
    if share < MIN_RELIABILITY:
        notes.append(Notice("noisy_entropy",
                            f"entropy noise makes up {100 * (1 - share):.0f}% of the spread of "
                            f"exp(H) across the points: a is attenuated and was not corrected"))
        return line, draws, 1.0
    centre = float(line.x.mean())
    a = line.a / share
    corrected_a = draws.a / share
    line = replace(line, a=a, b=line.b + (a - line.a) * centre)
    draws = replace(draws, a=corrected_a, b=draws.b + (corrected_a - draws.a) * centre)
    return line, draws, share


def _entropy_noise(option, dense_entropy) -> float:
    if isinstance(option, str):
        if option != "auto":
            raise ArgumentError(f"`entropy_noise` must be 'auto' or a number >= 0, got {option!r}")
        return 0.0 if dense_entropy is None else relative_entropy_noise(dense_entropy.values)
    if not (isinstance(option, (int, float)) and option >= 0):
        raise ArgumentError(f"`entropy_noise` must be 'auto' or a number >= 0, got {option!r}")
    return float(option)
