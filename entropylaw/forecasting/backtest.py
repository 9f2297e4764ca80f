"""Backtest: cut runs at fractions of their steps, forecast the rest with every method, score.

Methods: ``default`` (the forecaster), ``law`` (the law alone, falling back to the last value
where it fails: the forecaster before the default one), ``paper`` (the plain protocol of Cui et
al.), ``live`` (the default with the entropy after the cut hidden, so the law's entropy comes
from the entropy trajectory), the default's components on their own (``trend``,
``last_value``), and the curve baselines ``power_law`` and ``sigmoid``. The components and
baselines see the points the default forecaster uses (an early phase it leaves out is left out
for them too). The ceiling error is measured against the law fitted to the whole run, where the
law gate passes there. See docs/backtest.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._text import distinct_names
from ..arguments import check_confidence
from ..errors import ArgumentError, FitError, InputError
from ..memo import shared_results
from ..results import Notice, ResultMixin, json_float
from ..run import Run, carry_notes
from . import components
from .baselines import power_law, sigmoid
from .forecaster import cut_step, forecast
from .scores import coverage, final_abs_error, rmse

METHODS = ("default", "law", "paper", "live", "trend", "last_value", "power_law", "sigmoid")
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
    notes: tuple[Notice, ...] = ()  # each run's reader notes, named by run

    def summary(self, runs=None):
        """Across runs (all, or those named in ``runs``), per fraction and method: medians of
        the scores, the share of all later points inside the bands, and how many runs the
        method beats last value on."""
        import pandas as pd

        return pd.DataFrame(self.summary_rows(runs), columns=[
            "fraction", "method", "n_runs", *SCORE_COLUMNS, "beats_last_value"])

    def summary_rows(self, runs=None) -> list[dict]:
        """:meth:`summary` as a list of rows (dicts), in the order of the scores."""
        scores = self.scores
        if scores.empty:
            return []
        names, fractions, methods = (scores[c].tolist() for c in ("run", "fraction", "method"))
        columns = {c: scores[c].to_numpy(dtype=float) for c in SCORE_COLUMNS}
        n_later = scores.n_later.to_numpy()
        chosen = set(names) if runs is None else set(runs)
        groups: dict[tuple, list[int]] = {}
        last = {}
        for i, key in enumerate(zip(fractions, methods, strict=True)):
            if names[i] in chosen:
                groups.setdefault(key, []).append(i)
                if key[1] == "last_value":
                    last[names[i], key[0]] = columns["rmse"][i]
        rows = []
        for (fraction, method), where in groups.items():
            rmse, coverage = columns["rmse"][where], columns["coverage"][where]
            covered = ~np.isnan(coverage)
            baseline = np.array([last.get((names[i], fraction), math.nan) for i in where])
            rows.append({
                "fraction": fraction, "method": method, "n_runs": int((~np.isnan(rmse)).sum()),
                "rmse": _median(rmse),
                "final_abs_error": _median(columns["final_abs_error"][where]),
                "ceiling_error": _median(columns["ceiling_error"][where]),
                # as pandas sums with NaN skipped: the NaN set to 0, the rest summed in place
                "coverage": np.where(covered, coverage * n_later[where], 0.0).sum()
                / n_later[where][covered].sum() if covered.any() else math.nan,
                "beats_last_value": int((rmse < baseline).sum()),
            })
        return rows

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
            "notes": [notice.to_dict() for notice in self.notes],
        }

    def _headline(self) -> list[tuple[str, str]]:
        runs = 0 if self.scores.empty else self.scores.run.nunique()
        return [("runs", str(runs)), ("fractions", ",".join(f"{f:g}" for f in self.fractions)),
                ("skipped", str(len(self.skipped)))]

    def __str__(self) -> str:
        from ..report.backtest import format_backtest

        return format_backtest(self)


@shared_results()  # the protocols forecasting a cut share their law and trajectory fits
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
    runs, fractions, names = _checked(runs, fractions, names)
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
            for method, curve in curves.items():
                row, frame = _scored(name, fraction, method, cut, later, observed, curve,
                                     references[name])
                score_rows.append(row)
                prediction_rows.append(frame)
    predictions = _joined(prediction_rows)
    notes = tuple(Notice(n.code, f"{name}: {n.message}")
                  for name, run in zip(names, runs, strict=True) for n in carry_notes(run))
    return Backtest(fractions, confidence, pd.DataFrame(score_rows), predictions, references,
                    tuple(skipped), notes)


def _checked(runs, fractions, names):
    """The runs as a list, the fractions, and one distinct name per run."""
    runs = [runs] if isinstance(runs, Run) else list(runs)
    if not runs:
        raise InputError("give at least one run to backtest")
    fractions = tuple(float(f) for f in fractions)
    for fraction in fractions:
        if not 0 < fraction < 1:
            raise ArgumentError(f"each fraction must be strictly between 0 and 1, "
                                f"got {fraction:g}")
    if names is None:
        names = distinct_names([run.source for run in runs])
    names = [str(name) for name in names]
    if len(names) != len(runs):
        raise InputError(f"give one name per run: {len(names)} names for {len(runs)} runs")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InputError(f"run names must differ; given more than once: {', '.join(repeated)}")
    return runs, fractions, names


def _scored(name, fraction, method, cut, later, observed, curve, reference):
    """One method's scores at one cut, and its predictions as long columns."""
    n_fit, reward, lower, upper, ceiling = curve
    row = {"run": name, "fraction": fraction, "method": method, "fit_until_step": cut,
           "n_fit": n_fit, "n_later": int(later.size), "rmse": rmse(observed, reward),
           "final_abs_error": final_abs_error(observed, reward),
           "ceiling_error": abs(ceiling - reference) if reference is not None else math.nan,
           "coverage": coverage(observed, lower, upper)}
    columns = {"run": name, "fraction": fraction, "method": method, "step": later,
               "observed": observed, "reward": reward, "lower": lower, "upper": upper}
    return row, columns


def _joined(parts: list[dict]):
    """One DataFrame of the predictions' columns (scalars repeated along each part's steps):
    what concatenating a DataFrame per part gives, built once."""
    import pandas as pd

    if not parts:
        return pd.DataFrame()
    columns = {}
    for key, value in parts[0].items():
        if np.ndim(value):
            columns[key] = np.concatenate([np.asarray(part[key]) for part in parts])
        else:
            columns[key] = [part[key] for part in parts for _ in range(np.size(part["step"]))]
    return pd.DataFrame(columns)


def _at_steps(predictions, steps) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The predictions' reward, lower and upper at ``steps`` (NaN at a step not predicted), as
    ``predictions.set_index("step").reindex(steps)`` gives them (a forecast predicts a step
    once)."""
    predicted = predictions.step.to_numpy()
    row = dict(zip(predicted.tolist(), range(predicted.size), strict=True))
    where = np.array([row.get(step, -1) for step in np.asarray(steps).tolist()], dtype=np.intp)
    found = where >= 0
    columns = []
    for name in ("reward", "lower", "upper"):
        values = np.full(where.size, np.nan)
        values[found] = predictions[name].to_numpy(dtype=float)[where[found]]
        columns.append(values)
    return columns[0], columns[1], columns[2]


def _median(values: np.ndarray) -> float:
    """The median of the values that are not NaN (NaN when none are), as pandas gives it."""
    values = values[~np.isnan(values)]
    return float(np.median(values)) if values.size else math.nan


def _all_methods(run: Run, cut: int, later, options, name, fraction, skipped) -> dict:
    """method -> (points used, point forecast, lower, upper, ceiling) at the ``later`` steps."""
    curves = {}
    default = forecast(run, fit_until=cut, **options)
    for method, make in (
        ("default", lambda: default),
        ("law", lambda: forecast(run, fit_until=cut, protocol="law", **options)),
        ("paper", lambda: forecast(run, fit_until=cut, protocol="paper", **options)),
        # The run as it stood at the cut: its last logged step may fall before the cut.
        ("live", lambda: forecast(run.until(cut), steps=later, **options)),
    ):
        try:
            result = make()
        except FitError as error:
            skipped.append(Notice("method_skipped", f"{name} at {fraction:g}, {method}: {error}"))
            continue
        reward, lower, upper = _at_steps(result.predictions, later)
        ceiling = result.ceiling.estimate if result.ceiling is not None else math.nan
        curves[method] = (result.n_points, reward, lower, upper, ceiling)
    window = default.window
    tail = (1.0 - options["confidence"]) / 2.0
    from ..quantiles import normal_quantile

    z = float(normal_quantile(1.0 - tail))
    for method, make in (("trend", components.trend), ("last_value", components.last_value)):
        part = make(window, later)
        if part is None:
            skipped.append(Notice("method_skipped", f"{name} at {fraction:g}, {method}: needs "
                                                    f"at least 3 validation points"))
            continue
        if not part.in_bounds:  # as the default forecaster leaves it out
            skipped.append(Notice("method_skipped", f"{name} at {fraction:g}, {method}: "
                                                    + components.out_of_bounds(part)))
            continue
        lower = np.clip(part.mean - z * part.sd, 0.0, 1.0)
        upper = np.clip(part.mean + z * part.sd, 0.0, 1.0)
        curves[method] = (len(window), part.mean, lower, upper, math.nan)
    start = float(run.reward.values[np.isfinite(run.reward.values)][0])
    baselines = {
        "power_law": lambda: power_law(window.steps, window.reward, later,
                                       confidence=options["confidence"]),
        "sigmoid": lambda: sigmoid(window.steps, window.reward, later,
                                   confidence=options["confidence"], start=start),
    }
    for method, make in baselines.items():
        try:
            curve = make()
        except FitError as error:
            skipped.append(Notice("method_skipped", f"{name} at {fraction:g}, {method}: {error}"))
            continue
        curves[method] = (len(window), curve.reward, curve.lower, curve.upper, curve.ceiling)
    return curves


def _reference_ceiling(run: Run, options, name, skipped) -> float | None:
    """The ceiling of the law fitted to the whole run, where the law gate passes there."""
    try:
        whole = forecast(run, **options)
    except FitError as error:
        skipped.append(Notice("no_reference", f"{name}: no fit on the whole run ({error})"))
        return None
    if whole.ceiling is None:
        reason = "not fitted" if whole.law is None else whole.law.reason
        skipped.append(Notice("no_reference",
                              f"{name}: the law does not hold on the whole run ({reason}): no "
                              f"ceiling error"))
        return None
    return whole.ceiling.estimate
