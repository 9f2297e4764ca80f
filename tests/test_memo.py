"""Results shared within a backtest: the same numbers as computing each one afresh."""

from __future__ import annotations

import numpy as np
import pytest

from entropylaw import simulate_run
from entropylaw.errors import FitError
from entropylaw.forecasting import backtest
from entropylaw.forecasting.forecaster import cut_step, forecast
from entropylaw.forecasting.trajectory import fit_trajectory
from entropylaw.memo import memoized, seeded_key, shared_results


def test_memoized_computes_once_per_key_inside_the_scope_only():
    calls = []

    def compute(value):
        calls.append(value)
        return [value]

    assert memoized(("k", 1), lambda: compute(1)) is not memoized(("k", 1), lambda: compute(1))
    assert len(calls) == 2  # outside the scope: computed each time
    with shared_results():
        first = memoized(("k", 1), lambda: compute(1))
        assert memoized(("k", 1), lambda: compute(1)) is first
        assert memoized(("k", 2), lambda: compute(2)) == [2]
        assert memoized(None, lambda: compute(3)) == [3]  # None: never shared
        with shared_results():  # a nested scope shares the outer one's results
            assert memoized(("k", 1), lambda: compute(1)) is first
    assert calls == [1, 1, 1, 2, 3]
    with shared_results():  # a new scope starts empty
        memoized(("k", 1), lambda: compute(1))
    assert calls == [1, 1, 1, 2, 3, 1]


def test_an_exception_is_raised_again_not_remembered():
    calls = []

    def failing():
        calls.append(1)
        raise FitError("no")

    with shared_results():
        for _ in range(2):
            with pytest.raises(FitError):
                memoized(("fail",), failing)
    assert len(calls) == 2


def test_only_plain_int_seeds_give_a_key_and_only_where_shared():
    run = simulate_run(seed=1)
    assert seeded_key("law", run, {"seed": 3}) is None  # outside a scope: no key is built
    with shared_results():
        _seeded_keys(run)


def test_an_unhashable_key_is_not_shared():
    with shared_results():
        assert memoized(("k", [1]), lambda: 5) == 5


def _seeded_keys(run):
    assert seeded_key("law", run, {"seed": 3}) == seeded_key("law", run, {"seed": 3})
    assert seeded_key("law", run, {"seed": 3}) != seeded_key("law", run, {"seed": 4})
    assert seeded_key("law", run, {"seed": 3}) != seeded_key("law", run.until(300), {"seed": 3})
    for seed in (None, True, np.random.default_rng(0)):
        assert seeded_key("law", run, {"seed": seed}) is None


def test_equal_entropy_series_share_one_trajectory_and_different_ones_do_not():
    run = simulate_run(seed=2, entropy_noise=0.03)
    steps, values = run.entropy.steps, run.entropy.values
    with shared_results():
        first = fit_trajectory(steps, values)
        assert fit_trajectory(steps.copy(), values.copy()) is first
        assert fit_trajectory(steps, values * 1.01) is not first
    assert fit_trajectory(steps, values) is not first
    again = fit_trajectory(steps, values)
    assert np.array_equal(again.weights, first.weights)
    assert np.array_equal(again.coefficients, first.coefficients)


def _predictions(result):
    return result.predictions[["step", "reward", "lower", "upper"]].to_numpy()


def test_forecasts_sharing_fits_equal_forecasts_made_alone():
    run = simulate_run(seed=5, entropy_noise=0.03, noise_sd=0.01, noise_autocorrelation=0.3)
    cut = cut_step(run, fit_fraction=0.2)
    options = dict(n_resamples=500, seed=0)
    alone = {protocol: forecast(run, fit_until=cut, protocol=protocol, **options)
             for protocol in ("default", "law", "paper")}
    alone["live"] = forecast(run.until(cut), **options)
    with shared_results():
        shared = {protocol: forecast(run, fit_until=cut, protocol=protocol, **options)
                  for protocol in ("default", "law", "paper")}
        shared["live"] = forecast(run.until(cut), **options)
        assert shared["law"].fit is shared["default"].fit  # one fit for both
    for protocol, result in alone.items():
        assert np.array_equal(_predictions(result), _predictions(shared[protocol]))
        assert result.fit.a.estimate == shared[protocol].fit.a.estimate


def test_a_backtest_scores_as_before_and_leaves_no_scope_open():
    runs = [simulate_run(seed=s, noise_sd=0.01) for s in (7, 8)]
    result = backtest(runs, fractions=(0.2,), n_resamples=300)
    law = result.scores[result.scores.method == "law"].rmse.to_numpy()
    cut = cut_step(runs[0], fit_fraction=0.2)
    alone = forecast(runs[0], fit_until=cut, protocol="law", n_resamples=300, seed=0)
    later = alone.predictions[alone.predictions.step > cut]
    observed = runs[0].reward.values[np.isin(runs[0].reward.steps, later.step)]
    assert law[0] == pytest.approx(np.sqrt(np.mean((observed - later.reward) ** 2)), rel=1e-12)
    # after the backtest nothing is shared any more
    steps, values = runs[0].entropy.steps, runs[0].entropy.values
    assert fit_trajectory(steps, values) is not fit_trajectory(steps, values)
