"""The backtest's summary and predictions without pandas' groupby and concat: the same frames
and text as those gave (the pandas versions are kept here as the reference)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from entropylaw import simulate_run
from entropylaw.forecasting import backtest, baselines
from entropylaw.forecasting.backtest import SCORE_COLUMNS, Backtest, _at_steps, _joined

METHODS = ["default", "law", "paper", "live", "trend", "last_value", "power_law", "sigmoid"]


def _reference_summary(scores, runs=None):
    """The summary as pandas computed it before (groupby, reindex)."""
    if runs is not None and not scores.empty:
        scores = scores[scores.run.isin(list(runs))]
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


def _random_scores(rng, n_runs):
    rows = []
    for run in rng.permutation([f"run{i}" for i in range(n_runs)]):
        for fraction in (0.2, 0.1, 0.15):
            for method in rng.permutation(METHODS)[: rng.integers(3, 9)]:
                row = {"run": str(run), "fraction": fraction, "method": str(method),
                       "fit_until_step": 10, "n_fit": 5, "n_later": int(rng.integers(1, 40))}
                for column in SCORE_COLUMNS:
                    row[column] = math.nan if rng.uniform() < 0.2 else float(rng.uniform())
                rows.append(row)
    return pd.DataFrame(rows)


def _backtest_of(scores):
    return Backtest((0.2, 0.1, 0.15), 0.9, scores, pd.DataFrame(), {}, ())


@pytest.mark.parametrize("seed", range(12))
def test_summary_equals_the_pandas_groupby(seed):
    rng = np.random.default_rng(seed)
    scores = _random_scores(rng, int(rng.integers(1, 30)))
    result = _backtest_of(scores)
    pd.testing.assert_frame_equal(result.summary(), _reference_summary(scores))
    some = list(scores.run.unique()[:2])
    pd.testing.assert_frame_equal(result.summary(some), _reference_summary(scores, some))


def test_joined_predictions_equal_the_concatenated_frames():
    rng = np.random.default_rng(7)
    parts = []
    for run in ("b", "a"):
        for method in ("law", "trend"):
            n = int(rng.integers(1, 6))
            parts.append({"run": run, "fraction": 0.1, "method": method,
                          "step": np.arange(n, dtype=np.int64) * 10,
                          "observed": rng.uniform(size=n), "reward": rng.uniform(size=n),
                          "lower": rng.uniform(size=n), "upper": rng.uniform(size=n)})
    reference = pd.concat([pd.DataFrame(part) for part in parts], ignore_index=True)
    pd.testing.assert_frame_equal(_joined(parts), reference)
    assert _joined([]).empty


def test_a_backtest_summary_and_report_match_the_pandas_versions():
    runs = [simulate_run(seed=s, noise_sd=0.01) for s in (11, 12, 13)]
    result = backtest(runs, names=["c", "a", "b"], fractions=(0.15, 0.1), n_resamples=300)
    pd.testing.assert_frame_equal(result.summary(), _reference_summary(result.scores))
    text = str(result)
    for row in _reference_summary(result.scores).itertuples(index=False):
        cells = [f"{v * 100:.2f}" if math.isfinite(v) else "n/a"
                 for v in (row.rmse, row.final_abs_error, row.ceiling_error)]
        assert (f"{row.n_runs:>5}{cells[0]:>8}{cells[1]:>8}{cells[2]:>9}"
                f"{row.coverage * 100:>9.0f}%  {row.beats_last_value}/{row.n_runs}") in text


def test_predictions_at_steps_equal_the_reindexed_frame():
    rng = np.random.default_rng(9)
    predictions = pd.DataFrame({"step": np.array([30, 10, 20, 50], dtype=np.int64),
                                "reward": rng.uniform(size=4), "lower": rng.uniform(size=4),
                                "upper": [0.5, np.nan, 0.7, 0.9]})
    steps = np.array([10, 40, 50, 30, 60], dtype=np.int64)  # 40 and 60 not predicted
    rows = predictions.set_index("step").reindex(steps)
    for ours, column in zip(_at_steps(predictions, steps), ("reward", "lower", "upper"),
                            strict=True):
        assert np.array_equal(ours, rows[column].to_numpy(), equal_nan=True)


def _reference_sigmoid_fit(steps, reward, start, limit=1.0):
    """The sigmoid baseline's grid search as first written: a new array per asymptote."""
    span = max(float(steps.max()), 1.0)
    low = min(start, float(reward.min()))
    asymptotes = np.linspace(low, max(limit, float(reward.max())), baselines.SIGMOID_ASYMPTOTES)
    shapes = baselines._sigmoid_shape(steps, baselines.SIGMOID_MIDPOINTS[:, None] * span,
                                      baselines.SIGMOID_EXPONENTS[None, :])
    best = (np.inf, 0.0, 0, 0)
    for asymptote in asymptotes:
        rss = ((reward - start - (asymptote - start) * shapes) ** 2).sum(axis=-1)
        i, j = np.unravel_index(np.argmin(rss), rss.shape)
        if rss[i, j] < best[0]:
            best = (float(rss[i, j]), float(asymptote), int(i), int(j))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_sigmoid_grid_search_in_place_equals_the_first_version(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 60))
    steps = np.sort(rng.choice(np.arange(0, 3000), n, replace=False)).astype(float)
    reward = np.clip(0.3 + 0.4 * (1 - np.exp(-steps / 500)) + rng.normal(0, 0.02, n), 0, 1)
    start = float(rng.uniform(0.1, 0.3))
    _, asymptote, i, j = _reference_sigmoid_fit(steps, reward, start)
    curve = baselines.sigmoid(steps, reward, steps, confidence=0.9, start=start)
    span = max(float(steps.max()), 1.0)
    shape = baselines._sigmoid_shape(steps, baselines.SIGMOID_MIDPOINTS[i] * span,
                                     baselines.SIGMOID_EXPONENTS[j])
    assert np.array_equal(curve.reward, np.clip(start + (asymptote - start) * shape, 0, 1))
    assert curve.ceiling == float(np.clip(asymptote, 0, 1))
