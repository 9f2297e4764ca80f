"""The default forecaster's components and their weighting, against known truth."""

from __future__ import annotations

import math

import numpy as np
import pytest

from entropylaw.forecasting.components import (
    Window,
    _climb_time,
    drift_variance,
    last_value,
    noise_variance,
    trend,
)
from entropylaw.forecasting.ensemble import lfo_scores, mix, weights
from entropylaw.forecasting.prior import PRIOR
from entropylaw.forecasting.scores import interval_score

FLAT_PRIOR = PRIOR.replace(noise_weight=1e-9)  # the window alone, to test the estimators


def test_noise_variance_recovers_white_noise_around_a_linear_trend():
    rng = np.random.default_rng(0)
    steps = np.arange(0, 2000, 10)
    reward = 0.3 + 0.0001 * steps + rng.normal(0, 0.01, steps.size)
    window = Window.of(steps, reward)
    assert noise_variance(window, FLAT_PRIOR) == pytest.approx(1e-4, rel=0.15)


def test_drift_variance_recovers_a_random_walk_under_noise():
    rng = np.random.default_rng(1)
    steps = np.arange(0, 4000, 10)
    level = 0.5 + np.cumsum(rng.normal(0, 0.01, steps.size))
    reward = level + rng.normal(0, 0.005, steps.size)
    window = Window.of(steps, reward)
    assert drift_variance(window, FLAT_PRIOR) == pytest.approx(1e-4, rel=0.3)


def test_the_prior_decides_noise_and_drift_for_a_single_point():
    window = Window.of([100], [0.4])
    assert noise_variance(window) == pytest.approx(PRIOR.noise_sd**2)
    assert drift_variance(window) == pytest.approx(PRIOR.drift_sd**2)


def test_last_value_is_flat_with_a_random_walk_band():
    window = Window.of([0, 10, 20, 30], [0.5, 0.52, 0.51, 0.50])  # its changes average 0
    part = last_value(window, [40, 130, 430])
    assert np.all(part.mean == 0.50) and part.plateau == 0.50
    variance = part.sd**2
    # var = noise + walk x intervals: equal steps in variance per validation interval
    assert (variance[2] - variance[1]) / 30 == pytest.approx((variance[1] - variance[0]) / 9)


def test_a_climb_widens_the_last_value_band_only_while_it_lasts():
    window = Window.of([0, 10, 20, 30], [0.50, 0.55, 0.60, 0.65])  # 5 points per interval
    prior = PRIOR.replace(trend_time=1.0)  # a climb lasts 1 x the 30 steps run: 3 intervals
    part = last_value(window, [40, 60, 130, 430], prior)  # 1, 3, 10 and 40 intervals ahead
    variance = part.sd**2
    walk = drift_variance(window, prior, centred=True)
    climb = drift_variance(window, prior) - walk
    assert climb > 3 * walk > 0
    # up to 3 intervals ahead the climb's part grows with their square ...
    assert variance[1] - variance[0] == pytest.approx(2 * walk + (9 - 1) * climb)
    # ... and after them only the walk adds
    assert variance[3] - variance[2] == pytest.approx(30 * walk)


def test_trend_recovers_the_plateau_of_an_exact_saturating_curve():
    prior = PRIOR.replace(trend_time=1.0, trend_spread=0.0)  # the curve's own time scale
    tau = 100.0  # trend_time x the last step
    steps = np.arange(0, 101, 5, dtype=float)
    reward = 0.7 - 0.3 * np.exp(-steps / tau)
    part = trend(Window.of(steps, reward), [150.0, 400.0], prior)
    assert part.plateau == pytest.approx(0.7, abs=0.01)
    truth = 0.7 - 0.3 * np.exp(-np.array([150.0, 400.0]) / tau)
    assert part.mean == pytest.approx(truth, abs=0.01)


def test_trend_learns_a_shorter_climb_from_a_window_that_slows():
    # The prior expects the climb to last 100 steps (1x the elapsed steps); the curve's own time
    # scale is 30 steps. Its last three points show the slope falling by exp(-5 / 30) per 5 steps.
    tau = 30.0
    steps = np.arange(0, 101, 5, dtype=float)
    reward = 0.7 - 0.3 * np.exp(-steps / tau)
    targets = np.array([150.0, 400.0])
    truth = 0.7 - 0.3 * np.exp(-targets / tau)
    quiet = PRIOR.replace(trend_time=1.0, noise_sd=1e-4)
    part = trend(Window.of(steps, reward), targets, quiet)
    # (within 0.6 points: the slope of the last 4 points is their middle's, a little steeper)
    assert part.plateau == pytest.approx(0.7, abs=0.006)
    assert part.mean == pytest.approx(truth, abs=0.006)
    sure = trend(Window.of(steps, reward), targets, quiet.replace(trend_spread=0.0))
    assert sure.plateau > 0.72  # held to the prior's 100 steps, it climbs too far


def test_the_time_scale_follows_the_pace_of_the_last_three_points():
    steps = np.array([0.0, 10.0, 20.0])
    prior = PRIOR.replace(trend_time=0.5, speedup_time=2.0, trend_spread=1.0)
    for flat_or_falling in ([0.40, 0.42, 0.42], [0.40, 0.39, 0.41], [0.40, 0.39, 0.38]):
        assert _climb_time(steps, np.array(flat_or_falling), 1e-6, 20.0, prior) == (
            math.log(10.0), 1.0)  # 0.5 x 20 elapsed steps
    speeding_up = _climb_time(steps, np.array([0.40, 0.41, 0.43]), 1e-6, 20.0, prior)
    assert speeding_up == (math.log(40.0), 1.0)  # before its inflection: 2 x 20 steps
    centre, spread = _climb_time(steps, np.array([0.40, 0.44, 0.45]), 1e-9, 20.0, prior)
    assert centre == pytest.approx(math.log(10.0 / math.log(4.0)), abs=0.01)  # slope fell 4x
    assert spread < 0.05


def test_a_flat_noisy_window_gives_almost_no_trend():
    rng = np.random.default_rng(2)
    steps = np.arange(0, 200, 10, dtype=float)
    reward = 0.6 + rng.normal(0, 0.01, steps.size)
    part = trend(Window.of(steps, reward), [1000.0])
    assert abs(part.plateau - 0.6) < 0.04  # 4 noise sds: the slope of 4 points is shrunk


def test_a_curve_that_leaves_zero_to_one_is_out_of_bounds():
    steps = np.array([0.0, 10.0, 20.0, 30.0])
    part = trend(Window.of(steps, [0.6, 0.75, 0.9, 0.99]), [100.0])
    assert part.plateau > 1 and not part.in_bounds
    assert last_value(Window.of(steps, [0.6, 0.75, 0.9, 0.99]), [100.0]).in_bounds


def test_trend_needs_three_points():
    assert trend(Window.of([0, 10], [0.3, 0.4]), [50]) is None


def test_without_evidence_the_weights_are_the_priors():
    parts = {"trend": None, "last_value": None}
    assert weights(parts, {"trend": 1.0, "last_value": 3.0}, {"trend": 5.0}, 0.0) == {
        "trend": 0.25, "last_value": 0.75}


def test_leave_future_out_favours_the_model_that_predicts_the_window():
    steps = np.arange(0, 100, 10, dtype=float)
    rising = 0.3 + 0.004 * steps  # a steady climb: the trend predicts it, the last value lags
    window = Window.of(steps, rising + 1e-4 * np.sin(steps))
    scores = lfo_scores(window, {"last_value": lambda head, at: last_value(head, at),
                                 "trend": lambda head, at: trend(head, at)})
    assert scores["trend"] > scores["last_value"]
    mixed = weights({"trend": 1, "last_value": 1}, {"trend": 0.5, "last_value": 0.5}, scores, 1.0)
    assert mixed["trend"] > 0.9


def test_the_mixture_band_holds_its_point_and_stays_in_zero_to_one():
    window = Window.of([0, 10, 20, 30], [0.95, 0.97, 0.98, 0.99])
    parts = {"last_value": last_value(window, [40.0, 500.0])}
    result = mix(parts, {"last_value": 1.0}, confidence=0.9,
                 rng=np.random.default_rng(0), n_draws=2000)
    assert np.all(result.upper <= 1.0) and np.all(result.lower >= 0.0)
    assert np.all(result.lower <= result.reward) and np.all(result.reward <= result.upper)
    assert result.plateau.lower <= result.plateau.estimate <= result.plateau.upper <= 1.0


def test_the_mixture_is_weighted_by_model():
    window = Window.of([0.0, 10.0, 20.0, 30.0], [0.2, 0.3, 0.4, 0.5])
    parts = {"last_value": last_value(window, [100.0]), "trend": trend(window, [100.0])}
    result = mix(parts, {"last_value": 0.25, "trend": 0.75}, confidence=0.9,
                 rng=np.random.default_rng(0), n_draws=4000)
    expected = 0.25 * parts["last_value"].mean + 0.75 * parts["trend"].mean
    assert result.reward == pytest.approx(expected)
    assert math.isclose(result.plateau.estimate,
                        0.25 * parts["last_value"].plateau + 0.75 * parts["trend"].plateau)


def test_the_interval_score_is_the_width_plus_twenty_times_each_miss():
    observed = np.array([0.50, 0.40, 0.72])
    score = interval_score(observed, lower=np.full(3, 0.45), upper=np.full(3, 0.70))
    assert score == pytest.approx([0.25, 0.25 + 20 * 0.05, 0.25 + 20 * 0.02])
    # proper: for normal draws the true 5% and 95% quantiles score best on average
    draws = np.random.default_rng(3).normal(0.0, 1.0, 200_000)
    mean = {half: interval_score(draws, -half, half).mean() for half in (1.4, 1.645, 1.9)}
    assert mean[1.645] < min(mean[1.4], mean[1.9])
