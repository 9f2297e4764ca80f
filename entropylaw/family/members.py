"""The runs of a family: each one's coefficients, plateau and draws, from a run, a fit, given
coefficients or a given accuracy."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..errors import FitError, InputError
from ..law.fitting import LawFit, fit
from ..results import Estimate, Notice
from ..run import Run
from .plateaus import Plateau, bounded, given_plateau, member_plateau

GIVEN_CONFIDENCE = 0.95  # given intervals without a stated level are read as 95%, the usual one
# an impossible ceiling interval is read as a and b correlated just short of +-1 (at 1 exactly
# their covariance would be singular)
MAX_CORRELATION = 0.99


@dataclass(frozen=True)
class Coefficients:
    """Coefficients known without a run (published, or fitted earlier): a and b as fractions.

    Intervals are optional (NaN bounds when unknown) and at ``confidence``. A ``ceiling``
    interval, when given, tells how a and b are correlated; without it they are taken as
    independent, which widens the ceiling's interval.
    """

    a: Estimate
    b: Estimate
    confidence: float = GIVEN_CONFIDENCE
    ceiling: Estimate | None = None
    source: str | None = None
    model: str | None = None
    model_size: float | None = None


@dataclass(frozen=True)
class Accuracy:
    """A run's final or plateau accuracy known without its log (a paper's table): a fraction,
    with its standard error (0 when unknown)."""

    value: float
    std_error: float = 0.0
    source: str | None = None
    model: str | None = None
    model_size: float | None = None


@dataclass(frozen=True, eq=False)
class FamilyRun:
    """One run of the family: its size, coefficients with intervals and their draws (None for a
    given accuracy), its plateau, and the law gate's verdict on its fit (None without a fit)."""

    source: str | None
    size: float
    model: str | None
    a: Estimate | None
    b: Estimate | None
    ceiling: Estimate | None
    a_draws: np.ndarray | None
    b_draws: np.ndarray | None
    fit_warnings: tuple[Notice, ...] = ()
    plateau: Plateau | None = None
    law: object | None = None  # a LawGate

    def __repr__(self) -> str:
        return (f"FamilyRun(source={self.source!r}, size={self.size:g}, "
                f"plateau={self.plateau!r})")

    @property
    def has_coefficients(self) -> bool:
        return self.a is not None

    @property
    def law_fails(self) -> tuple[str, ...]:
        """Codes of the law's failures for this run (a <= 0, poor fit, the gate's checks)."""
        codes = [w.code for w in self.fit_warnings if w.code in ("nonpositive_a", "poor_fit")]
        if self.law is not None and not self.law.applies:
            codes += [code for code in self.law.failed if code not in codes]
        if self.a is not None and self.a.estimate <= 0 and "nonpositive_a" not in codes:
            codes.append("nonpositive_a")
        return tuple(codes)

    def at(self, confidence: float) -> FamilyRun:
        plateau = None if self.plateau is None else self.plateau.at(confidence)
        if not self.has_coefficients:
            return replace(self, plateau=plateau)
        a, b, ceiling = _estimates(self.a.estimate, self.b.estimate, self.a_draws, self.b_draws,
                                   confidence)
        return replace(self, a=a, b=b, ceiling=ceiling, plateau=plateau)

    def to_dict(self) -> dict:
        def value(estimate):
            return None if estimate is None else estimate.to_dict(std_error=False)

        plateau = self.plateau
        return {"source": self.source, "size": self.size, "model": self.model,
                "a": value(self.a), "b": value(self.b), "ceiling": value(self.ceiling),
                "plateau": None if plateau is None else plateau.value.to_dict(std_error=False),
                "plateau_kind": None if plateau is None else plateau.kind,
                "plateau_reason": None if plateau is None else plateau.reason,
                "law": None if self.law is None else {
                    "applies": self.law.applies, "reason": self.law.reason,
                    "failed": list(self.law.failed)}}


def family_run(item, size: float, *, confidence: float, n_resamples: int, rng,
               fit_options: dict, forecaster=None) -> tuple[FamilyRun, list[Notice]]:
    """A FamilyRun from a Run (fitted here), a LawFit, Coefficients or an Accuracy; and notes
    about it."""
    notes: list[Notice] = []
    if isinstance(item, Accuracy):
        return _accuracy_run(item, size, n_resamples, rng, confidence, notes), notes
    run = item if isinstance(item, Run) else None
    if run is not None:  # the reader's notes (NaN left out, percent converted, ...) pass on
        notes += [note if run.source and note.message.startswith(run.source)
                  else Notice(note.code, f"{run.source}: {note.message}") for note in run.notes]
    if isinstance(item, Run):
        try:
            item = fit(item, confidence=confidence, n_resamples=n_resamples, seed=rng,
                       **fit_options)
        except (InputError, FitError) as exc:
            message = str(exc)
            if item.source and not message.startswith(item.source):
                message = f"{item.source}: {message}"
            raise type(exc)(message) from exc
    if isinstance(item, LawFit):
        a, b = item.line.a, item.line.b
        index = slice(None)
        if len(item.draws) != n_resamples:  # a fit made elsewhere: resample its draws
            index = rng.integers(0, len(item.draws), n_resamples)
        a_draws, b_draws = item.draws.a[index], item.draws.b[index]
        source, model, warnings = item.source, item.model, item.warnings
    elif isinstance(item, Coefficients):
        a, b = item.a.estimate, item.b.estimate
        a_draws, b_draws, note = _coefficient_draws(item, n_resamples, rng)
        notes += [note] if note else []
        source, model, warnings = item.source, item.model, ()
    else:
        raise InputError(f"a family member must be a Run, a LawFit, Coefficients or a source, "
                         f"got {type(item).__name__}")
    a_estimate, b_estimate, ceiling = _estimates(a, b, a_draws, b_draws, confidence)
    if isinstance(item, LawFit):
        from ..law.gate import check_law

        gate = check_law(item)
        if run is None:
            from ..sources.log import KeySeries

            data = item.data
            run = Run(item.source or "fit", "entropy", "reward",
                      KeySeries("entropy", data.steps, data.entropy),
                      KeySeries("reward", data.steps, data.reward))
        plateau = member_plateau(run, item, gate, n_draws=n_resamples, rng=rng,
                                 confidence=confidence, forecaster=forecaster)
    else:
        gate = None
        draws = b_draws - a_draws
        if not 0.0 <= ceiling.estimate <= 1.0:
            raise InputError(f"{source or 'coefficients'}: the ceiling b - a = "
                             f"{ceiling.estimate * 100:.1f}% is not an accuracy (outside "
                             f"[0, 100%]); check a and b")
        plateau = Plateau("ceiling", bounded(ceiling.estimate, draws, confidence), draws,
                          "given a and b: the ceiling b - a")
    return FamilyRun(source, size, model, a_estimate, b_estimate, ceiling, a_draws, b_draws,
                     tuple(warnings), plateau, gate), notes


def _accuracy_run(item, size, n_resamples, rng, confidence, notes) -> FamilyRun:
    """A member given by a published accuracy: its plateau only."""
    plateau = given_plateau(item.value, item.std_error, n_draws=n_resamples, rng=rng,
                            confidence=confidence,
                            reason="a given accuracy" + (" (no standard error given)"
                                                         if item.std_error == 0 else ""))
    if item.std_error == 0:
        notes.append(Notice("no_interval", f"{item.source or 'accuracy'}: no standard error "
                                           f"given (accuracy_se or n_items): its own "
                                           f"uncertainty is taken as zero (the scatter "
                                           f"around the line still counts)"))
    return FamilyRun(item.source, size, item.model, None, None, None, None, None,
                     plateau=plateau)


def _estimates(a, b, a_draws, b_draws, confidence):
    return (Estimate.from_draws(a, a_draws, confidence),
            Estimate.from_draws(b, b_draws, confidence),
            Estimate.from_draws(b - a, b_draws - a_draws, confidence))


def _coefficient_draws(item: Coefficients, n: int, rng):
    """Draws of (a, b) matching the given intervals: a split normal per coefficient (so an
    asymmetric interval stays asymmetric), correlated as the ceiling interval implies."""
    from ..quantiles import normal_quantile

    quantile = float(normal_quantile(0.5 + item.confidence / 2.0))
    a_low, a_high = _half_widths(item.a)
    b_low, b_high = _half_widths(item.b)
    label = item.source or "coefficients"
    note = None
    correlation = 0.0
    a_sd, b_sd = (a_low + a_high) / 2.0 / quantile, (b_low + b_high) / 2.0 / quantile
    ceiling = item.ceiling
    if ceiling is not None and math.isfinite(ceiling.lower) and a_sd > 0 and b_sd > 0:
        ceiling_sd = (ceiling.upper - ceiling.lower) / 2.0 / quantile
        correlation = (a_sd**2 + b_sd**2 - ceiling_sd**2) / (2.0 * a_sd * b_sd)
        if not -1.0 <= correlation <= 1.0:
            note = Notice("inconsistent_intervals",
                          f"{label}: the ceiling interval is not possible for any correlation of "
                          f"a and b given their intervals; used correlation "
                          f"{float(np.clip(correlation, -MAX_CORRELATION, MAX_CORRELATION)):.2f}")
        correlation = float(np.clip(correlation, -MAX_CORRELATION, MAX_CORRELATION))
    elif a_sd > 0 and b_sd > 0:
        note = Notice("correlation_unknown",
                      f"{label}: no ceiling interval, so a and b are taken as independent; "
                      f"their fitted errors are usually strongly correlated, so the ceiling's "
                      f"interval for this entry is wider than it should be")
    elif a_sd == 0 and b_sd == 0:
        note = Notice("no_interval", f"{label}: no intervals given: its own uncertainty is "
                                     f"taken as zero (the scatter around the lines still counts)")
    first = rng.standard_normal(n)
    second = correlation * first + math.sqrt(1.0 - correlation**2) * rng.standard_normal(n)
    a_draws = item.a.estimate + first * np.where(first < 0, a_low, a_high) / quantile
    b_draws = item.b.estimate + second * np.where(second < 0, b_low, b_high) / quantile
    return a_draws, b_draws, note


def _half_widths(estimate: Estimate) -> tuple[float, float]:
    if not (math.isfinite(estimate.lower) and math.isfinite(estimate.upper)):
        return 0.0, 0.0
    return estimate.estimate - estimate.lower, estimate.upper - estimate.estimate
