"""The law gate: do these validation points support ``R = -a exp(H) + b``?

One implementation, used by ``fit`` (reported), ``forecast`` (the law drives a forecast only
through it), ``family`` and ``diagnose``. Each check has a code; the law applies when none
fails. The checks and the reasons for their levels are in docs/forecast.md ("The law gate").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._text import listing
from .autocorr import ar1_likelihood
from .entropy_noise import reliability, x_variance
from .fitting import MAX_PLAUSIBLE_ENTROPY, NARROW_ENTROPY, constant, implausible_entropy

MIN_POINTS = 6  # the fewest points on which the early-phase and residual checks can run
# (an early phase found and left out counts: its test ran on the window that held it)
SIGNIFICANCE = 0.05  # one-sided: share of the draws of a at or below 0 that fails the gate
MIN_RELIABILITY = 0.8  # entropy noise may make up at most 20% of the spread of exp(H)
TREND_LEVEL = 0.01  # two-sided level of the test that time explains what entropy does not
MAX_RHO = 0.95  # AR(1) correlation cap in the trend test's inflation (1 / (1 - rho) diverges)
TREND_COEFFICIENTS = 3  # intercept, step and exp(H) in the time-trend regression

REASONS = {
    "few_points": "too few validation points to check the law",
    "nonpositive_a": "accuracy does not rise as entropy falls (a <= 0)",
    "a_not_significant": "the interval of a includes 0",
    "narrow_entropy_range": "entropy barely moves against its own measurement noise",
    "residual_structure": "accuracy follows the step, not entropy (residuals trend in time)",
    "early_phase_untested": "a validation before training that the window is too short to test",
    "constant_reward": "the validation value does not vary: nothing for entropy to explain",
    "entropy_out_of_range": f"the entropy is not a per-token entropy in nats (below 0 or above "
                            f"{MAX_PLAUSIBLE_ENTROPY:g})",
}


@dataclass(frozen=True)
class LawGate:
    """Whether the law describes a fit's points; ``failed`` names the checks that failed."""

    applies: bool
    reason: str
    failed: tuple[str, ...] = ()
    evidence: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"applies": self.applies, "reason": self.reason, "failed": list(self.failed),
                "evidence": self.evidence}

    def __str__(self) -> str:
        return ("the law applies: " if self.applies else "the law does not apply: ") + self.reason

    def __repr__(self) -> str:
        return f"LawGate(applies={self.applies}, failed={list(self.failed)})"


def check_law(fit, *, early_phase=None, interventions=()) -> LawGate:
    """Check a :class:`~entropylaw.law.fitting.LawFit` against the law's assumptions.

    ``early_phase`` is the :class:`~entropylaw.law.early.EarlyPhase` found before the fit (its
    ``checked`` False marks a window too short to test) and ``suspect_first`` on it a leading
    validation before any logged entropy; ``interventions`` are short descriptions of entropy
    interventions the run states (entropy bonus, KL, Clip-Higher...), named in the reason.
    """
    n = fit.n_points
    line = fit.line
    draws_a = np.asarray(fit.draws.a, dtype=float)
    draws_a = draws_a[np.isfinite(draws_a)]
    share_nonpositive = float(np.mean(draws_a <= 0)) if draws_a.size else math.nan
    low, high = fit.entropy_range
    measured = x_variance(fit.data.entropy, fit.entropy_noise, fit.entropy_window)
    signal = reliability(line.x, measured) if fit.entropy_noise > 0 else 1.0
    trend_t, trend_p = _time_trend(fit)
    evidence = {
        "n_points": n,
        "a": {"estimate": _num(line.a), "lower": _num(fit.a.lower), "upper": _num(fit.a.upper),
              "share_nonpositive": _num(share_nonpositive)},
        "entropy_span": _num(high - low),
        "entropy_noise": _num(fit.entropy_noise * float(np.median(fit.data.entropy))),
        "entropy_reliability": _num(signal),
        "entropy_trend": _num(_rank_correlation(fit.data.steps, fit.data.entropy)),
        "residual_time_trend": {"t": _num(trend_t), "p": _num(trend_p)},
        "early_phase": None if early_phase is None else {
            "n_points": int(early_phase.n_points), "checked": bool(early_phase.checked)},
        "interventions": list(interventions),
    }
    failed = []
    if constant(fit.data.reward):  # a and b are then rounding, not a law
        failed.append("constant_reward")
    if n + _left_out(early_phase) < MIN_POINTS:
        failed.append("few_points")
    if line.a <= 0:
        failed.append("nonpositive_a")
    elif not share_nonpositive <= SIGNIFICANCE:
        failed.append("a_not_significant")
    if high - low < NARROW_ENTROPY or signal < MIN_RELIABILITY:
        failed.append("narrow_entropy_range")
    if math.isfinite(trend_p) and trend_p < TREND_LEVEL:
        failed.append("residual_structure")
    if early_phase is not None and getattr(early_phase, "suspect_first", False):
        failed.append("early_phase_untested")
    if implausible_entropy(fit.data.entropy):
        failed.append("entropy_out_of_range")
    return LawGate(not failed, _reason(failed, evidence, interventions), tuple(failed), evidence)


def _left_out(early_phase) -> int:
    """Leading points of an early phase found and left out before the fit. The early-phase
    check ran on the window with them, so they count toward MIN_POINTS."""
    if early_phase is None or not early_phase.checked:
        return 0
    return int(early_phase.n_points)


def _reason(failed, evidence, interventions) -> str:
    if not failed:
        a = evidence["a"]
        text = (f"a = {a['estimate'] * 100:.1f}% > 0 with its interval above 0, entropy spans "
                f"{evidence['entropy_span']:.3f} nats, {_trend_text(evidence)}")
    else:
        text = "; ".join(REASONS[code] for code in failed)
    if interventions:
        text += f" (the run states entropy interventions: {listing(interventions)}; the law " \
                f"is not expected to hold under them)"
    return text


def _trend_text(evidence) -> str:
    """What the time-trend test said, or why it could not run."""
    if evidence["residual_time_trend"]["p"] is not None:
        return "no trend in time beyond entropy"
    if evidence["n_points"] < MIN_POINTS:  # only an early phase counted brings it here
        return (f"too few points after the early phase to test for a trend in time "
                f"({evidence['n_points']}; the test needs {MIN_POINTS})")
    return "residuals too small to test for a trend in time"


def _time_trend(fit) -> tuple[float, float]:
    """t statistic and p-value of the residuals' slope in step, its variance inflated for the
    fit's AR(1) correlation; NaN below MIN_POINTS points."""
    from ..quantiles import student_t_sf

    n = fit.n_points
    if n < MIN_POINTS:
        return math.nan, math.nan
    steps = np.asarray(fit.data.steps, dtype=float)
    residuals = fit.line.residuals
    design = np.column_stack([np.ones(n), steps - steps.mean(), fit.line.x])
    coefficients, *_ = np.linalg.lstsq(design, fit.line.y, rcond=None)
    leftover = fit.line.y - design @ coefficients
    dof = n - TREND_COEFFICIENTS
    if dof < 1:
        return math.nan, math.nan
    variance = float(leftover @ leftover) / dof
    if not variance > 0 or not float(residuals @ residuals) > 0:
        return math.nan, math.nan
    rho = min(max(_correlation(fit), 0.0), MAX_RHO)
    covariance = np.linalg.pinv(design.T @ design) * variance * (1.0 + rho) / (1.0 - rho)
    t = float(coefficients[1] / math.sqrt(covariance[1, 1])) if covariance[1, 1] > 0 else 0.0
    return t, 2.0 * float(student_t_sf(abs(t), dof))


def _correlation(fit) -> float:
    """The validation noise's AR(1) correlation: the median of its restricted likelihood. The
    fit's own figure is the median of its draws, which moves with their number and method; the
    gate's verdict should not."""
    likelihood = ar1_likelihood(fit.line.x, fit.line.y)
    return float(likelihood.rho[np.searchsorted(np.cumsum(likelihood.weights), 0.5)])


def _rank_correlation(x, y) -> float:
    """Spearman's rank correlation (NaN below 3 points)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 3:
        return math.nan
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    with np.errstate(invalid="ignore"):
        return float(np.corrcoef(rx, ry)[0, 1])


def _num(value):
    value = float(value)
    return value if math.isfinite(value) else None
