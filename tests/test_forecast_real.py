"""The default forecaster on every real run in ../shared/real_logs, cut at 10-30% of its steps:
accuracies in [0, 1], a ratio ceiling against the last value, calibrated bands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import entropylaw
from entropylaw.errors import InputError
from entropylaw.forecasting.forecaster import cut_step
from entropylaw.sources.scan import runs_below

CUTS = (0.1, 0.15, 0.2, 0.3)
DRAWS = 1000
# RMSE over the last value's at any cut of any run: the goal. benchmarks/real_runs.py
# measures at most 1.30 (deepseek at 10%, law-driven: 1.27 points against the last value's 0.98
# on a flat run).
RATIO_CEILING = 1.5


def real_files(real_logs):
    """Every run below the folder, in any format and folder (as benchmarks/real_runs.py)."""
    return [Path(source) for source in runs_below(real_logs).sources]


def read_any(path):
    try:
        return entropylaw.read(path)
    except InputError:  # several validation keys: their mean
        return entropylaw.read(path, reward_mean=True)


@pytest.fixture(scope="module")
def backtested(real_logs):
    rows = []
    for path in real_files(real_logs):
        run = read_any(path)
        for fraction in CUTS:
            cut = cut_step(run, fit_fraction=fraction)
            later = (run.reward.steps > cut) & np.isfinite(run.reward.values)
            window = (run.reward.steps <= cut) & np.isfinite(run.reward.values)
            if not later.any() or not window.any():
                continue  # nothing to score at this cut
            result = entropylaw.forecast(run, fit_until=cut, n_resamples=DRAWS, seed=0)
            observed = run.reward.values[later]
            table = result.predictions.set_index("step").reindex(run.reward.steps[later])
            last = run.reward.values[window][-1]
            rows.append({
                "run": path.name, "fraction": fraction, "result": result,
                "rmse": float(np.sqrt(np.mean((observed - table.reward) ** 2))),
                "last_value": float(np.sqrt(np.mean((observed - last) ** 2))),
                "inside": int(((observed >= table.lower)
                               & (observed <= table.upper)).sum()),
                "n": int(observed.size),
            })
    return rows


@pytest.mark.slow
def test_the_median_ratio_to_the_last_value_meets_the_goal(backtested):
    ratios = [row["rmse"] / row["last_value"] for row in backtested]
    # the goal: measured 0.880 (0.862 with the prior learned without the run judged)
    assert np.median(ratios) <= 0.9


@pytest.mark.slow
def test_every_value_printed_as_an_accuracy_lies_in_zero_to_one(backtested):
    for row in backtested:
        result = row["result"]
        values = result.predictions[["reward", "lower", "upper"]].to_numpy()
        assert np.all((values >= 0) & (values <= 1)), (row["run"], row["fraction"])
        assert np.all(values[:, 1] <= values[:, 0]) and np.all(values[:, 0] <= values[:, 2])
        plateau = result.plateau
        assert 0 <= plateau.lower <= plateau.estimate <= plateau.upper <= 1
        if result.ceiling is not None:
            assert result.law.applies and 0 <= result.ceiling.estimate <= 1


@pytest.mark.slow
def test_no_run_is_forecast_much_worse_than_its_last_value(backtested):
    for row in backtested:
        assert row["rmse"] <= RATIO_CEILING * row["last_value"], (row["run"], row["fraction"])


@pytest.mark.slow
def test_the_ninety_percent_bands_hold_eighty_to_ninety_seven_percent(backtested):
    inside = sum(row["inside"] for row in backtested)
    total = sum(row["n"] for row in backtested)
    assert 0.80 <= inside / total <= 0.97


@pytest.mark.slow
def test_the_ceiling_is_given_only_where_the_law_applies(backtested):
    for row in backtested:
        result = row["result"]
        assert (result.ceiling is not None) == (result.law is not None and result.law.applies
                                                and "law" in result.weights)
        if result.ceiling is None:
            assert "law_not_supported" in {w.code for w in result.warnings} or result.law is None


def test_the_seven_b_math_run_is_no_longer_forecast_below_zero(real_logs):
    run = entropylaw.read(real_logs / "qwen2.5_math_family"
                          / "verl_qwen2.5-7b-instruct_grpo-lora_math.csv")
    result = entropylaw.forecast(run, fit_fraction=0.15, n_resamples=DRAWS, seed=0)
    assert result.ceiling is None and not result.law.applies
    assert {"few_points", "narrow_entropy_range"} <= set(result.law.failed)
    table = result.predictions
    assert table.reward.between(0.5, 0.7).all()  # it was -21% before the gate
    assert result.metrics.rmse < 0.074  # the last value's RMSE on this run


def test_a_window_of_two_points_forecasts_from_the_last_value(real_logs):
    run = entropylaw.read(real_logs / "verl_gemma-2-2b-it_ppo_gsm8k.log")
    result = entropylaw.forecast(run, fit_fraction=0.15, n_resamples=DRAWS, seed=0)
    assert result.fit is None and result.law is None and result.ceiling is None
    assert result.weights == {"last_value": 1.0} and result.n_points == 2
    assert np.all(result.predictions.reward == run.reward.values[1])
    assert "law_not_fitted" in {w.code for w in result.warnings}
