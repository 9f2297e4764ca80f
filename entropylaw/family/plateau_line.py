"""The plateau against model size: a straight line in ln N on a scale bounded to [0, 1].

Candidate forms (each a line in ln N after a transform of the accuracy p):

- ``logit``: ``logit(p) = k ln N + c``; any value maps back inside (0, 1).
- ``error_power``: ``ln(1 - p) = k ln N + c``, the error falling as a power of size
  (``1 - p = C N^k``), saturating at 1; a value above 0 (an error above 100%) maps to p = 0.
- ``linear``: ``p = k ln N + c``, clipped to [0, 1].

The form is chosen by leave-one-size-out (the smallest root-mean-square error on the accuracy
scale); with 2 sizes, where nothing can be left out, the logit. Each form's line and its draws
are those of ``lines.fit_size_line`` on its scale (each run's draws, plus the scatter of sizes
drawn from its generalized pivotal quantity with a prior guess of it), mapped back. The point
estimate is the chosen form's; the intervals mix the forms' draws, each form weighted by how
well it predicted the sizes left out (``weights``), so that forms the data cannot tell apart
widen the interval where they disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..results import Estimate
from .lines import SizeLine, fit_size_line, least_squares
from .plateaus import bounded

EDGE = 1e-4  # plateaus are kept inside [EDGE, 1 - EDGE] before a transform
DEFAULT_FORM = "logit"
TIE = 1e-4  # RMS errors closer than this (0.01 points) count as equal: the earlier form wins
PRIOR_SCATTER = 0.02  # a prior guess of how far a size's plateau strays from a smooth trend
PRIOR_DF = 2  # ... worth as much as the residuals of 2 sizes (docs/family.md, "The prior")
MIN_SIZES = 3  # a size left out needs 2 others for a line to predict it
# a scale's width in points is read at the median plateau, kept this far inside 0 and 1 (where
# the logit's is infinite)
SCALE_RANGE = (0.05, 0.95)


def _logit(p):
    p = np.clip(p, EDGE, 1.0 - EDGE)
    return np.log(p) - np.log1p(-p)


def _expit(y):
    return 1.0 / (1.0 + np.exp(-np.asarray(y, dtype=float)))


def _log_error(p):
    return np.log1p(-np.clip(p, EDGE, 1.0 - EDGE))


def _from_log_error(y):
    return np.clip(-np.expm1(np.asarray(y, dtype=float)), 0.0, 1.0)


def _identity(p):
    return np.asarray(p, dtype=float)


def _clip(y):
    return np.clip(np.asarray(y, dtype=float), 0.0, 1.0)


FORMS = {
    "logit": (_logit, _expit, "logit(plateau) = k ln N + c"),
    "error_power": (_log_error, _from_log_error,
                    "1 - plateau = C N^k (ln(1 - plateau) = k ln N + c)"),
    "linear": (_identity, _clip, "plateau = k ln N + c, clipped to [0, 1]"),
}


@dataclass(frozen=True, eq=False)
class PlateauLine:
    """The plateau as a line in ln N on the scale of ``form``; ``line`` is on that scale.

    ``leave_one_out`` maps each form to its per-size errors (predicted minus that size's own
    plateau, accuracy scale); ``rms`` to their root mean square; ``reason`` says why ``form``.
    """

    form: str
    line: SizeLine
    sizes: tuple[float, ...]
    leave_one_out: dict
    rms: dict
    reason: str
    lines: dict | None = None  # every form's line (None: only ``form``'s)
    weights: dict | None = None  # each form's share of the draws
    choice: np.ndarray | None = None  # per draw, the index in FORMS of the form drawn

    def __repr__(self) -> str:
        return (f"PlateauLine(form={self.form!r}, slope={self.line.slope.estimate:.4f}, "
                f"intercept={self.line.intercept.estimate:.4f}, sizes={list(self.sizes)})")

    @property
    def formula(self) -> str:
        return FORMS[self.form][2]

    def value(self, size: float) -> float:
        return float(FORMS[self.form][1](self.line.value(size)))

    def draws(self, log_sizes, *, new_size: bool = True) -> np.ndarray:
        """Draws of the plateau at ``log_sizes`` (an array broadcast against the draws), on the
        accuracy scale, each draw from the form ``choice`` gives it."""
        if self.lines is None:
            return FORMS[self.form][1](self.line.draws.at(log_sizes, new_size=new_size))
        out = None
        for index, (name, (_, inverse, _)) in enumerate(FORMS.items()):
            mask = self.choice == index
            if not mask.any():
                continue
            values = inverse(self.lines[name].draws.at(log_sizes, new_size=new_size))
            out = values.copy() if out is None else out
            out[..., mask] = values[..., mask]
        return out

    def predict(self, size: float, confidence: float) -> Estimate:
        """The plateau of a model of ``size`` (its own deviation from the line included)."""
        return bounded(self.value(size), self.draws(math.log(size)), confidence)

    def band(self, sizes, confidence: float, *, new_size: bool) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds at each of ``sizes``: of the line, or of a new size."""
        draws = self.draws(np.log(np.asarray(sizes, float))[:, None], new_size=new_size)
        tail = (1.0 - confidence) / 2.0
        lower, upper = np.nanquantile(draws, [tail, 1.0 - tail], axis=1)
        return lower, upper

    def at(self, confidence: float) -> PlateauLine:
        lines = None if self.lines is None else {name: line.at(confidence)
                                                 for name, line in self.lines.items()}
        return PlateauLine(self.form, self.line.at(confidence), self.sizes, self.leave_one_out,
                           self.rms, self.reason, lines, self.weights, self.choice)

    def to_dict(self) -> dict:
        from ..results import json_float

        return {
            "form": self.form, "formula": self.formula, "reason": self.reason,
            "slope": self.line.slope.to_dict(std_error=False),
            "intercept": self.line.intercept.to_dict(std_error=False),
            "scatter": json_float(self.line.scatter),
            "leave_one_out_rms": {name: json_float(value) for name, value in self.rms.items()},
            "weights": (None if self.weights is None
                        else {name: json_float(value) for name, value in self.weights.items()}),
        }


def fit_plateau_line(sizes, estimates, draws, *, confidence: float, rng, scatter: bool = True,
                     form: str | None = None, predict_sizes=()) -> PlateauLine:
    """The plateau line through per-size ``estimates`` (fractions) with ``draws`` (sizes x
    resamples); ``form`` None chooses by leave-one-size-out, among the forms whose line stays
    inside [0, 1] at the sizes fitted and ``predict_sizes`` without clipping."""
    sizes = np.asarray(sizes, dtype=float)
    estimates = np.asarray(estimates, dtype=float)
    log_sizes = np.log(sizes)
    errors = {name: _leave_one_out(log_sizes, estimates, name) for name in FORMS}
    rms = {name: (math.sqrt(float(np.mean(np.square(e)))) if e.size else math.nan)
           for name, e in errors.items()}
    allowed = list(FORMS)
    if form is not None:
        chosen, reason = form, f"the {form} form, as asked"
        allowed = [form]
    elif sizes.size < MIN_SIZES:
        chosen = DEFAULT_FORM
        reason = (f"{sizes.size} sizes leave nothing to compare forms by; the {DEFAULT_FORM} "
                  f"by default")
    else:
        span = np.log(np.concatenate([sizes, np.asarray(predict_sizes, dtype=float)]))
        allowed = [name for name in FORMS if _stays_inside(name, log_sizes, estimates, span)]
        best = min(rms[name] for name in allowed)
        chosen = next(name for name in allowed if rms[name] <= best + TIE)
        ranking = ", ".join(f"{name} {rms[name] * 100:.2f}" for name in FORMS)
        reason = (f"smallest leave-one-size-out error over {sizes.size} sizes "
                  f"(RMS points: {ranking})")
        left = [name for name in FORMS if name not in allowed]
        if left:
            reason += f"; {', '.join(left)} left out: its line leaves [0, 1] where predicted"
    weights = _weights(errors, allowed)
    lines = {}
    for name in allowed:
        transform = FORMS[name][0]
        lines[name] = fit_size_line(log_sizes, transform(estimates),
                                    transform(np.asarray(draws, float)), confidence=confidence,
                                    rng=rng, scatter=scatter,
                                    prior_scatter=_on_scale(name, PRIOR_SCATTER, estimates),
                                    prior_df=PRIOR_DF)
    n_draws = np.asarray(draws).shape[1]
    names = list(FORMS)
    probabilities = np.array([weights.get(name, 0.0) for name in names])
    choice = rng.choice(len(names), size=n_draws, p=probabilities / probabilities.sum())
    return PlateauLine(chosen, lines[chosen], tuple(float(s) for s in sizes),
                       {name: tuple(float(x) for x in e) for name, e in errors.items()}, rms,
                       reason, lines, weights, choice)


def _weights(errors: dict, allowed: list[str]) -> dict:
    """Each allowed form's weight: ``exp(-SSE / (2 s^2))`` normalised, SSE its leave-one-out
    sum of squared errors and ``s^2`` the best form's mean squared error plus the prior scatter's
    square (the size of error expected from the best form); equal weights without leave-one-out
    errors (2 sizes)."""
    if any(errors[name].size == 0 for name in allowed):
        return {name: 1.0 / len(allowed) for name in allowed}
    sse = {name: float(np.sum(np.square(errors[name]))) for name in allowed}
    best = min(sse.values())
    n = len(next(iter(errors.values())))
    scale = best / n + PRIOR_SCATTER**2
    raw = {name: math.exp(-(sse[name] - best) / (2.0 * scale)) for name in allowed}
    total = sum(raw.values())
    return {name: value / total for name, value in raw.items()}


def _stays_inside(form: str, log_sizes, estimates, span) -> bool:
    """Whether the form's line through all sizes stays inside [0, 1] over ``span`` unclipped
    (only the linear form can leave; the logit cannot, the error power only below 0)."""
    transform = FORMS[form][0]
    intercept, slope = least_squares(log_sizes, transform(estimates))
    values = intercept + slope * np.asarray(span, dtype=float)
    if form == "linear":
        return bool(np.all((values >= 0.0) & (values <= 1.0)))
    if form == "error_power":
        return bool(np.all(values <= 0.0))
    return True


def _on_scale(form: str, points: float, estimates: np.ndarray) -> float:
    """``points`` of accuracy in the units of ``form``'s scale, at the median plateau."""
    middle = float(np.clip(np.median(estimates), *SCALE_RANGE))
    transform = FORMS[form][0]
    return abs(float(transform(middle + points / 2) - transform(middle - points / 2)))


def _leave_one_out(log_sizes: np.ndarray, estimates: np.ndarray, form: str) -> np.ndarray:
    """Each size's plateau predicted by the form's line through the others, minus its own."""
    if log_sizes.size < MIN_SIZES:
        return np.array([])
    transform, inverse, _ = FORMS[form]
    y = transform(estimates)
    errors = []
    for k in range(log_sizes.size):
        keep = np.arange(log_sizes.size) != k
        intercept, slope = least_squares(log_sizes[keep], y[keep])
        errors.append(float(inverse(intercept + slope * log_sizes[k])) - estimates[k])
    return np.array(errors)
