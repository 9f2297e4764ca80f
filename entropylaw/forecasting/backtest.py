"""Backtest: cut runs at fractions of their steps, forecast the rest with every method, score.

Methods: ``default`` (the forecaster), ``paper`` (the plain protocol of Cui et al.), ``live``
(the forecaster with the entropy after the cut hidden, so it comes from the entropy trajectory),
and the baselines ``last_value``, ``power_law`` and ``sigmoid``. The baselines see the window the
default forecaster fits (an early phase it leaves out is left out for them too). The ceiling
error is measured against the default forecaster's fit on the whole run, where the law holds
there. See docs/backtest.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..arguments import check_confidence
from ..errors import FitError, InputError
from ..results import Notice, ResultMixin, json_float
from ..run import Run
from .baselines import last_value, power_law, sigmoid
from .forecaster import LAW_DOES_NOT_HELP, cut_step, forecast
from .scores import coverage, final_abs_error, rmse

METHODS = ("default", "paper", "live", "last_value", "power_law", "sigmoid")
FRACTIONS = (0.1, 0.15, 0.2)
SCORE_COLUMNS = ("rmse", "final_abs_error", "ceiling_error", "coverage")


@dataclass(frozen=True, eq=False)
class Backtest(ResultMixin):
    """Scores per run, cut and method, and the predictions behind them (DataFrames).

    ``scores`` has one row per (run, fraction, method); ``predictions`` one per predicted
    validation point. Reward-valued numbers are fractions.
    """

    fractions: tuple[float, ...]
    confidence: float
    scores: object
    predictions: object
    reference_ceilings: dict
    skipped: tuple[Notice, ...]

    def summary(self, runs=None):
        """Across runs (all, or those named in ``runs``), per fraction and method: medians of
        the scores, the share of all later points inside the bands, and how many runs the
        method beats last value on."""
        import pandas as pd

        scores = self.scores
        if runs is not None and not scores.empty:
            scores = scores[scores.run.isin(list(runs))]
        if scores.empty:
            return pd.DataFrame(columns=["fraction", "method", "n_runs", *SCORE_COLUMNS,
                                         "beats_last_value"])
        last = scores[scores.method == "last_value"].set_index(["run", "fraction"]).rmse
        rows = []
        for (fraction, method), group in scores.groupby(["fraction", "method"], sort=False):
            baseline = last.reindex(list(zip(group.run, group.fraction, strict=True))).to_numpy()
            inside = group.coverage * group.n_later
            rows.append({
                "fraction": fraction, "method": method, "n_runs": int(group.rmse.notna().sum()),
                "rmse": group.rmse.median(), "final_abs_error": group.final_abs_error.median(),
                "ceiling_error": group.ceiling_error.median(),
                "coverage": inside.sum() / group.n_later[group.coverage.notna()].sum()
                if group.coverage.notna().any() else math.nan,
                "beats_last_value": int((group.rmse.to_numpy() < baseline).sum()),
            })
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        def records(frame):
            return [{key: (json_float(value) if isinstance(value, float) else value)
                     for key, value in row.items()} for row in frame.to_dict("records")]

        return {
            "fractions": list(self.fractions),
            "confidence": self.confidence,
            "methods": list(METHODS),
            "reference_ceilings": {run: json_float(value)
                                   for run, value in self.reference_ceilings.items()},
            "summary": records(self.summary()),
            "scores": records(self.scores),
            "skipped": [notice.to_dict() for notice in self.skipped],
        }

    def _headline(self) -> list[tuple[str, str]]:
        runs = 0 if self.scores.empty else self.scores.run.nunique()
        return [("runs", str(runs)), ("fractions", ",".join(f"{f:g}" for f in self.fractions)),
                ("skipped", str(len(self.skipped)))]

    def __str__(self) -> str:
        from ..report.backtest import format_backtest

        return format_backtest(self)


def backtest(
    runs,
    *,
    fractions=FRACTIONS,
    confidence: float = 0.9,
    names=None,
    n_resamples: int = 2000,
    seed: int = 0,
) -> Backtest:
    """Cut each run at each fraction of its last step, forecast the later validation points
    with every method and score them. ``runs`` is a Run or a list of them; ``names`` labels
    them (default: the file name of each run's source)."""
    import pandas as pd

    check_confidence(confidence)
    runs = [runs] if isinstance(runs, Run) else list(runs)
    if not runs:
        raise InputError("give at least one run to backtest")
    fractions = tuple(float(f) for f in fractions)
    for fraction in fractions:
        if not 0 < fraction < 1:
            raise InputError(f"each fraction must be strictly between 0 and 1, got {fraction:g}")
    names = [Path(str(run.source)).name for run in runs] if names is None else list(names)
    if len(names) != len(runs):
        raise InputError(f"give one name per run: {len(names)} names for {len(runs)} runs")
    options = dict(confidence=confidence, n_resamples=n_resamples, seed=seed)
    score_rows, prediction_rows, skipped, references = [], [], [], {}
    for name, run in zip(names, runs, strict=True):
        references[name] = _reference_ceiling(run, options, name, skipped)
        for fraction in fractions:
            cut = cut_step(run, fit_fraction=fraction)
            later = run.reward.steps[(run.reward.steps > cut) & np.isfinite(run.reward.values)]
            if later.size == 0:
                skipped.append(Notice("no_later_points", f"{name} at {fraction:g}: no "
                                                         f"validation point after step {cut}"))
                continue
            try:
                curves = _all_methods(run, cut, later, options, name, fraction, skipped)
            except FitError as error:
                skipped.append(Notice("window_too_short", f"{name} at {fraction:g}: {error}"))
                continue
            observed = run.reward.values[np.isin(run.reward.steps, later)]
            for method, (n_fit, reward, lower, upper, ceiling) in curves.items():
                reference = references[name]
                score_rows.append({
                    "run": name, "fraction": fraction, "method": method,
                    "fit_until_step": cut, "n_fit": n_fit, "n_later": int(later.size),
                    "rmse": rmse(observed, reward),
                    "final_abs_error": final_abs_error(observed, reward),
                    "ceiling_error": abs(ceiling - reference) if reference is not None
                    else math.nan,
                    "coverage": coverage(observed, lower, upper),
                })
                prediction_rows.append(pd.DataFrame({
                    "run": name, "fraction": fraction, "method": method, "step": later,
                    "observed": observed, "reward": reward, "reward_lower": lower,
                    "reward_upper": upper,
                }))
    predictions = (pd.concat(prediction_rows, ignore_index=True) if prediction_rows
                   else pd.DataFrame())
    return Backtest(fractions, confidence, pd.DataFrame(score_rows), predictions, references,
                    tuple(skipped))


def _all_methods(run: Run, cut: int, later, options, name, fraction, skipped) -> dict:
    """method -> (points fitted, point forecast, lower, upper, ceiling) at the ``later`` steps."""
    curves = {}
    default = forecast(run, fit_until=cut, **options)
    for method, result in (
        ("default", default),
        ("paper", forecast(run, fit_until=cut, protocol="paper", **options)),
        ("live", forecast(run.until(cut), fit_until=cut, steps=later, **options)),
    ):
        rows = result.predictions.set_index("step").reindex(later)
        curves[method] = (result.fit.n_points, rows.reward.to_numpy(),
                          rows.reward_lower.to_numpy(), rows.reward_upper.to_numpy(),
                          result.ceiling.estimate)
    kept = default.fit.data
    start = float(run.reward.values[np.isfinite(run.reward.values)][0])
    baselines = {
        "last_value": lambda: last_value(kept.steps, kept.reward, later,
                                         confidence=options["confidence"]),
        "power_law": lambda: power_law(kept.steps, kept.reward, later,
                                       confidence=options["confidence"]),
        "sigmoid": lambda: sigmoid(kept.steps, kept.reward, later,
                                   confidence=options["confidence"], start=start),
    }
    for method, make in baselines.items():
        try:
            curve = make()
        except FitError as error:
            skipped.append(Notice("method_skipped", f"{name} at {fraction:g}, {method}: {error}"))
            continue
        curves[method] = (len(kept), curve.reward, curve.lower, curve.upper, curve.ceiling)
    return curves


def _reference_ceiling(run: Run, options, name, skipped) -> float | None:
    """The ceiling of the default forecaster's fit on the whole run, where the law holds."""
    try:
        whole = forecast(run, **options)
    except FitError as error:
        skipped.append(Notice("no_reference", f"{name}: no fit on the whole run ({error})"))
        return None
    failed = [w.code for w in whole.fit.warnings if w.code in LAW_DOES_NOT_HELP]
    if failed:
        skipped.append(Notice("no_reference",
                              f"{name}: the law does not hold on the whole run "
                              f"({', '.join(failed)}): no ceiling error"))
        return None
    return whole.ceiling.estimate

