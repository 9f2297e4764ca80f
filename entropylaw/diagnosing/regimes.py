"""Regimes over step ranges: collapse, explosion, entropy_rise, truncation, numerical, plateau.

Onsets come from :mod:`.changepoint` (CUSUM on log entropy, thresholds set by simulation for a
stated false-alarm rate); the accuracy tests are one-sided z tests against the validation
series' own noise. See docs/diagnose.md for the definitions and their measured behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..quantiles import MAD_TO_SD
from ..results import json_float
from ..sources.log import KeySeries
from . import changepoint
from .companions import finite

COLLAPSE_DROP = 0.5  # "toward 0": entropy ends the fall at or below half its level at the onset
FALL_Z = 2.576  # one-sided 0.5% tests that accuracy fell (level drop, trend; each series)
PLATEAU_Z = 1.96  # two-sided 5% test of a trend in accuracy
PLATEAU_SPAN = 2.0  # and the trend moves accuracy by less than 2 noise sd over the stretch
MIN_PLATEAU_POINTS = 5  # validation points a plateau spans at least: a trend test needs a few
MIN_NOISE_POINTS = 3  # values the noise sd needs: two differences for a median deviation
MIN_SLOPE_POINTS = 3  # values a trend test needs: from 2, a "trend" is one difference
LEVEL_WIDTH = 3  # a level is the median of this many values: one outlier cannot move it
MATERIAL_TRUNCATION = 0.05  # a share of truncated responses that matters (1 in 20)
BEFORE_POINTS = 5  # validation points before an onset that stand for the level before it


@dataclass(frozen=True)
class Regime:
    """A stretch of steps in one regime, with the numbers behind the label."""

    code: str
    start_step: int
    end_step: int
    evidence: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"code": self.code, "start_step": self.start_step, "end_step": self.end_step,
                "evidence": self.evidence}


def noise_sd(values) -> float:
    """Robust noise sd of a sparse series: MAD of its first differences / sqrt 2."""
    values = np.asarray(values, dtype=float)
    if values.size < MIN_NOISE_POINTS:
        return float("nan")
    differences = np.diff(values)
    mad = np.median(np.abs(differences - np.median(differences)))
    return float(MAD_TO_SD * mad / np.sqrt(2.0))


def numerical(entropy: KeySeries, others: list[KeySeries], last_step: int) -> Regime | None:
    """From the first step where entropy, a loss, a grad norm or a KL is NaN or inf."""
    first: dict[str, int] = {}
    counts: dict[str, int] = {}
    for series in [entropy, *others]:
        bad = ~np.isfinite(series.values)
        if bad.any():
            first[series.key] = int(series.steps[bad][0])
            counts[series.key] = int(bad.sum())
    if not first:
        return None
    start = min(first.values())
    keys = sorted(first, key=first.get)
    return Regime("numerical", start, int(last_step), {
        "first_non_finite": {key: first[key] for key in keys},
        "non_finite_values": {key: counts[key] for key in keys},
    })


def plateau(reward: KeySeries) -> Regime | None:
    """From the first validation step after which accuracy shows no trend beyond its noise."""
    steps, values = finite(reward)
    sd = noise_sd(values)
    if steps.size < MIN_PLATEAU_POINTS + 1 or not np.isfinite(sd):
        return None
    for start in range(steps.size - MIN_PLATEAU_POINTS + 1):
        t = steps[start:].astype(float)
        y = values[start:]
        centred = t - t.mean()
        sxx = float(centred @ centred)
        if sxx <= 0:
            continue
        slope = float(centred @ (y - y.mean())) / sxx
        span = t[-1] - t[0]
        moved = abs(slope * span)
        if sd == 0:
            flat = moved == 0
        else:
            flat = abs(slope) / (sd / np.sqrt(sxx)) < PLATEAU_Z and moved < PLATEAU_SPAN * sd
        if flat:
            return Regime("plateau", int(steps[start]), int(steps[-1]), {
                "level": json_float(y.mean()),
                "noise_sd": json_float(sd),
                "change_over_stretch": json_float(slope * span),
                "n_points": int(y.size),
            })
    return None


def entropy_regimes(entropy: KeySeries, reward: KeySeries, companions: dict[str, KeySeries],
                    plateau_regime: Regime | None, alpha: float) -> list[Regime]:
    """Collapse, explosion and entropy_rise from sustained moves of log entropy."""
    steps, values = finite(entropy)
    positive = values > 0
    steps, values = steps[positive], values[positive]
    if steps.size < changepoint.MIN_POINTS:
        return []
    log_h = np.log(values)
    found = []
    for move in changepoint.shifts(log_h, direction=-1, alpha=alpha):
        start, end = int(steps[move.onset]), int(steps[move.end])
        before = _level(values, move.onset, back=True)
        after = _level(values, move.end, back=False)
        if after > COLLAPSE_DROP * before or plateau_regime is None:
            continue
        evidence = {"entropy_from": json_float(before), "entropy_to": json_float(after),
                    "alarm_step": int(steps[move.alarm]), "cusum": json_float(move.statistic),
                    "threshold": json_float(move.threshold),
                    "accuracy_plateau_from": plateau_regime.start_step,
                    **_accuracy_change(reward, start, end)}
        found.append(Regime("collapse", start, end, evidence))
    for move in changepoint.shifts(log_h, direction=+1, alpha=alpha):
        start, end = int(steps[move.onset]), int(steps[move.end])
        evidence = {"entropy_from": json_float(_level(values, move.onset, back=True)),
                    "entropy_to": json_float(_level(values, move.end, back=False)),
                    "alarm_step": int(steps[move.alarm]), "cusum": json_float(move.statistic),
                    "threshold": json_float(move.threshold)}
        falling = _accuracy_fell(reward, start, end, evidence)
        if "train_reward" in companions:  # decides too, unless validation accuracy rose
            fell = _accuracy_fell(companions["train_reward"], start, end, evidence,
                                  prefix="train_reward")
            falling = falling or (fell and not _rose(evidence))
        for role in ("response_length", "length_clip_ratio", "clip_fraction"):
            if role in companions:
                evidence.update(_change(companions[role], start, end, role))
        found.append(Regime("explosion" if falling else "entropy_rise", start, end, evidence))
    return sorted(found, key=lambda regime: regime.start_step)


def truncation(companions: dict[str, KeySeries], alpha: float) -> list[Regime]:
    """Responses running to the length cap: an upward move of the share of truncated responses
    that takes it to at least ``MATERIAL_TRUNCATION`` and to twice its level before; it lasts
    to the last step at that level."""
    if "length_clip_ratio" not in companions:
        return []
    steps, values = finite(companions["length_clip_ratio"])
    found = []
    for move in changepoint.shifts(values, direction=+1, alpha=alpha):
        start, end = int(steps[move.onset]), int(steps[move.end])
        before = float(np.median(values[max(move.onset - BEFORE_POINTS, 0): move.onset + 1]))
        peak = float(values[move.onset: move.end + 1].max())
        level = max(MATERIAL_TRUNCATION, 2.0 * before)
        if peak < level:
            continue
        high = np.flatnonzero(values[move.end:] >= level)  # it lasts while truncation stays up
        end = int(steps[move.end + high[-1]]) if high.size else end
        evidence = {"truncated_before": json_float(before), "truncated_max": json_float(peak),
                    "alarm_step": int(steps[move.alarm]), "cusum": json_float(move.statistic),
                    "threshold": json_float(move.threshold)}
        if "response_length" in companions:
            evidence.update(_change(companions["response_length"], start, end,
                                    "response_length"))
        found.append(Regime("truncation", start, end, evidence))
    return found


def _level(values: np.ndarray, position: int, *, back: bool, width: int = LEVEL_WIDTH) -> float:
    """Median of ``width`` values at ``position`` (and before it, or after it)."""
    if back:
        window = values[max(position - width + 1, 0): position + 1]
    else:
        window = values[position: position + width]
    return float(np.median(window))


def _accuracy_change(reward: KeySeries, start: int, end: int) -> dict:
    steps, values = finite(reward)
    inside = (steps >= start) & (steps <= end)
    if inside.sum() < 2:
        return {}
    return {"accuracy_from": json_float(values[inside][0]),
            "accuracy_to": json_float(values[inside][-1])}


def _accuracy_fell(series: KeySeries, start: int, end: int, evidence: dict,
                   prefix: str = "accuracy") -> bool:
    """One-sided test that ``series`` was lower from ``start`` to ``end`` than just before."""
    steps, values = finite(series)
    before = values[steps < start][-BEFORE_POINTS:]
    after = values[(steps >= start) & (steps <= end)]
    sd = noise_sd(values)
    evidence[f"{prefix}_tested"] = bool(before.size and after.size and np.isfinite(sd))
    if not evidence[f"{prefix}_tested"]:
        return False
    drop = float(before.mean() - after.mean())
    error = sd * np.sqrt(1.0 / before.size + 1.0 / after.size)
    z = drop / error if error > 0 else (np.inf if drop > 0 else 0.0)
    trend = _slope_z(steps[(steps >= start) & (steps <= end)], after, sd)
    evidence[f"{prefix}_before"] = json_float(before.mean())
    evidence[f"{prefix}_during"] = json_float(after.mean())
    evidence[f"{prefix}_drop_z"] = json_float(z)
    evidence[f"{prefix}_trend_z"] = json_float(trend)
    return bool(z > FALL_Z or -trend > FALL_Z)


def _rose(evidence: dict) -> bool:
    """Whether validation accuracy rose significantly over the stretch (same tests, reversed)."""
    if not evidence.get("accuracy_tested"):
        return False
    return evidence["accuracy_drop_z"] < -FALL_Z or evidence["accuracy_trend_z"] > FALL_Z


def _slope_z(steps: np.ndarray, values: np.ndarray, sd: float) -> float:
    """The least-squares slope of ``values`` in step over its standard error (noise ``sd``)."""
    if values.size < MIN_SLOPE_POINTS or not sd > 0:
        return 0.0
    centred = steps - steps.mean()
    sxx = float(centred @ centred)
    if sxx <= 0:
        return 0.0
    slope = float(centred @ (values - values.mean())) / sxx
    return slope / (sd / np.sqrt(sxx))


def _change(series: KeySeries, start: int, end: int, role: str) -> dict:
    steps, values = finite(series)
    before = values[steps < start][-BEFORE_POINTS:]
    during = values[(steps >= start) & (steps <= end)]
    if not before.size or not during.size:
        return {}
    return {f"{role}_before": json_float(np.median(before)),
            f"{role}_during_max": json_float(during.max())}
