"""The forecaster, and fit, backtest and diagnose, on odd runs drawn at random (seeded):
short, sparse, resumed, gapped, noisy, with entropy that rises, stays put or collapses, and
accuracies anywhere in [0, 1]. Each one is a result whose every number is an accuracy and whose
bands hold their own estimate, or a one-line error saying what is missing; never a traceback."""

from __future__ import annotations

import numpy as np
import pytest

import entropylaw
from entropylaw.errors import ArgumentError, FitError, InputError
from entropylaw.run import KeySeries, Run

N_RUNS = 120


def odd_run(rng: np.random.Generator) -> Run:
    last = int(rng.choice([12, 40, 100, 300, 1200]))
    first = int(rng.choice([0, 0, 0, last // 3]))  # a resumed log starts late
    entropy_steps = np.arange(first, last + 1, int(rng.choice([1, 1, 2, 5])))
    if rng.random() < 0.2:  # a gap in the entropy log
        gap = rng.integers(first, last, size=2)
        entropy_steps = entropy_steps[(entropy_steps < gap.min()) | (entropy_steps > gap.max())]
    shape = rng.choice(["decay", "rise", "flat", "collapse", "noise"])
    t = (entropy_steps - first) / max(last - first, 1)
    entropy = {"decay": 0.05 + rng.uniform(0.1, 1.2) * np.exp(-t / rng.uniform(0.05, 0.5)),
               "rise": 0.1 + rng.uniform(0.1, 2.0) * t,
               "flat": np.full(t.size, rng.uniform(0.01, 1.0)),
               "collapse": np.where(t < rng.uniform(0.1, 0.9), 0.6, 1e-4),
               "noise": rng.uniform(0.0, 1.5, t.size)}[shape]
    entropy = entropy * (1 + 0.05 * rng.standard_normal(t.size))
    every = int(rng.choice([1, 5, 10, 50, max(last // 3, 1)]))
    reward_steps = np.arange(first, last + 1, every)
    level = rng.uniform(0.0, 1.0)
    climb = rng.uniform(-0.3, 0.5) * (1 - np.exp(-(reward_steps - first) / max(last / 4, 1)))
    reward = np.clip(level + climb + rng.normal(0, rng.choice([0.0, 0.005, 0.05]),
                                                 reward_steps.size), 0.0, 1.0)
    if rng.random() < 0.2:
        reward[rng.integers(0, reward.size)] = np.nan  # a NaN logged as NaN
    return Run("odd", "entropy", "acc", KeySeries("entropy", entropy_steps, entropy),
               KeySeries("acc", reward_steps, reward))


@pytest.mark.filterwarnings("error::RuntimeWarning")  # no overflow on the way either
@pytest.mark.parametrize("protocol", ["default", "law", "paper"])
def test_odd_runs_give_accuracies_or_a_one_line_error(protocol):
    rng = np.random.default_rng(20261203)
    forecasts = errors = 0
    for _ in range(N_RUNS):
        run = odd_run(rng)
        fraction = float(rng.choice([0.05, 0.1, 0.15, 0.3, 0.7, 1.0]))
        try:
            result = entropylaw.forecast(run, fit_fraction=fraction, n_resamples=200, seed=1,
                                         protocol=protocol)
        except (FitError, InputError, ArgumentError) as error:
            assert "\n" not in str(error) and str(error)
            errors += 1
            continue
        forecasts += 1
        table = result.predictions
        assert len(table) > 0
        values = table[["reward", "lower", "upper"]].to_numpy()
        assert np.isfinite(values).all()
        assert ((values >= 0) & (values <= 1)).all()
        assert (table.lower <= table.reward).all() and (table.reward <= table.upper).all()
        forecast_entropy = table.entropy[~table.entropy_observed].dropna()
        # the trajectory is a decay: it never forecasts above what the window saw
        assert (forecast_entropy >= 0).all()
        assert (forecast_entropy <= 1.05 * np.nanmax(run.entropy.values)).all()
        for estimate in (result.ceiling, result.plateau):
            if estimate is not None:
                assert 0 <= estimate.lower <= estimate.estimate <= estimate.upper <= 1
        assert abs(sum(result.weights.values()) - 1) < 1e-9
        str(result)  # the report prints
        result.to_dict()
    # the default forecasts nearly every run (118 of 120); the law alone needs 3 points (54)
    assert forecasts > (N_RUNS * 9 // 10 if protocol == "default" else N_RUNS // 3)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_odd_runs_fit_and_backtest_print_nothing_impossible():
    rng = np.random.default_rng(3)
    fitted = 0
    for _ in range(N_RUNS // 2):
        run = odd_run(rng)
        try:
            law = entropylaw.fit(run, n_resamples=200, seed=1)
        except (FitError, InputError) as error:
            assert "\n" not in str(error)
            continue
        fitted += 1
        ceiling = law.stated_ceiling
        if ceiling is not None:
            assert law.gate.applies
            assert 0 <= ceiling.lower <= ceiling.estimate <= ceiling.upper <= 1
        assert (law.to_dict()["ceiling"] is None) == (ceiling is None)
        str(law)
    assert fitted > N_RUNS // 4
    runs = [odd_run(rng) for _ in range(8)]
    result = entropylaw.backtest(runs, names=[f"odd{i}" for i in range(8)], n_resamples=200)
    scores = result.scores
    bands = result.predictions[["reward", "lower", "upper"]].to_numpy()
    assert ((bands[np.isfinite(bands)] >= 0) & (bands[np.isfinite(bands)] <= 1)).all()
    assert scores.coverage.dropna().between(0, 1).all()
    str(result)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_odd_runs_diagnose_without_error_or_warning():
    rng = np.random.default_rng(11)
    for _ in range(N_RUNS // 2):
        run = odd_run(rng)
        result = entropylaw.diagnose(run)  # every odd run gets a diagnosis (150 of 150 drawn)
        assert str(result) and result.to_dict()
