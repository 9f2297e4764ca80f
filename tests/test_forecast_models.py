"""The forecaster's parts against known truth: entropy trajectory, early-phase detector,
conditional noise, and the baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest

import entropylaw
from entropylaw.errors import FitError
from entropylaw.forecasting.baselines import power_law, sigmoid
from entropylaw.forecasting.conditional import observation_draws, validation_spacing
from entropylaw.forecasting.trajectory import Trajectory, fit_trajectory
from entropylaw.law.early import find_early_phase
from entropylaw.simulate import entropy_curve, simulate_run


def decay(steps, floor=0.04, height=0.5, scale=30.0, power=1.3):
    return floor + height * (1.0 + np.asarray(steps, dtype=float) / scale) ** -power


def test_trajectory_recovers_an_exact_decay_and_extrapolates_it():
    steps = np.arange(1, 301)
    trajectory = fit_trajectory(steps, decay(steps))
    later = np.array([400, 1000, 3000])
    assert trajectory.entropy(later) == pytest.approx(decay(later), rel=0.03)
    assert trajectory.floor == pytest.approx(0.04, rel=0.15)


def test_trajectory_bands_hold_their_level_in_the_data_and_fall_short_beyond_it():
    steps = np.arange(1, 201)
    later = np.array([100, 200, 400, 1000])
    hits = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        noisy = decay(steps) * (1 + 0.03 * rng.standard_normal(steps.size))
        draws, rows = fit_trajectory(steps, noisy).draws(later, 2000, rng)
        lower, upper = np.quantile(draws, [0.05, 0.95], axis=0)
        hits.append((lower <= decay(later)) & (decay(later) <= upper))
    assert rows.shape == (2000, 4)
    coverage = np.mean(hits, axis=0)  # per step: 0.90, 0.85, 0.70, 0.75 (100 seeds: 0.92 ...)
    assert coverage[:2].mean() >= 0.8 and 0.55 <= coverage[2:].mean() <= 0.85


def test_crossing_steps_invert_the_decay():
    rows = np.array([[0.04, 0.5, 30.0, 1.3], [0.2, 0.5, 30.0, 1.3]])
    crossing = Trajectory.crossing_steps(0.1, rows)
    assert decay(crossing[0]) == pytest.approx(0.1)
    assert crossing[1] == math.inf  # the floor 0.2 never falls to 0.1
    assert Trajectory.crossing_steps(0.9, rows[:1])[0] == 0.0  # already below


def test_a_trajectory_from_an_origin_follows_a_decay_that_starts_late():
    """Entropy stays put for 40 steps, then decays: fitted from step 40 with its time counted
    from there, the trajectory recovers the decay; from step 0 it cannot."""
    steps = np.arange(0, 301)
    entropy = np.where(steps < 40, decay(0), decay(np.maximum(steps - 40, 0)))
    shown = np.arange(41, 150)  # what a window up to step 150 holds of the decay
    late = fit_trajectory(steps[steps <= 150], entropy[steps <= 150], origin=40)
    later = np.array([200, 300])
    assert late.origin == 40
    assert late.entropy(later) == pytest.approx(decay(later - 40), rel=0.06)
    draws, rows = late.draws(later, 500, np.random.default_rng(0))
    assert np.median(draws, axis=0) == pytest.approx(decay(later - 40), rel=0.08)
    crossing = late.crossings(0.1, rows[:1])[0]  # a step of the run, not of the decay
    assert crossing > 40 and decay(crossing - 40) == pytest.approx(0.1, rel=0.2)
    from_zero = fit_trajectory(steps[steps <= 150], entropy[steps <= 150])
    assert np.abs(from_zero.entropy(shown) - entropy[shown]).max() > 0.02
    assert np.abs(late.entropy(shown) - entropy[shown]).max() < 0.01


def test_trajectory_needs_enough_entropy_values():
    with pytest.raises(FitError, match=r"need at least 8 positive entropy values .* got 5"):
        fit_trajectory(np.arange(5), np.full(5, 0.3))


def law_points(n=12, a=0.3, b=0.8, sd=0.005, seed=0, hold=0):
    """Validation points on the law; entropy holds at its start for the first ``hold``."""
    entropy = entropy_curve(np.maximum(np.arange(n) - hold + 1, 0) * 10.0, n_steps=10 * n,
                            decay=0.5)
    reward = b - a * np.exp(entropy) + sd * np.random.default_rng(seed).standard_normal(n)
    return entropy, reward


def test_early_phase_found_where_accuracy_jumps_while_entropy_stays():
    entropy, reward = law_points(hold=3)  # entropy stays put ...
    reward[:3] -= [0.30, 0.20, 0.10]  # ... while accuracy catches up with the law
    phase = find_early_phase(entropy, reward)
    assert phase.n_points == 3 and phase.checked and phase.statistic < -5


def test_no_early_phase_in_a_run_that_follows_the_law():
    found = [find_early_phase(*law_points(seed=seed)).n_points for seed in range(40)]
    assert sum(n > 0 for n in found) <= 2  # the test's level is 1% (+5% on the last point)


def test_early_phase_not_checked_below_five_points():
    phase = find_early_phase(*law_points(n=4))
    assert (phase.n_points, phase.checked) == (0, False)


def test_conditional_noise_carries_the_last_residual_and_fades():
    run = simulate_run(noise_sd=0.01, noise_autocorrelation=0.8, seed=2)
    fit = entropylaw.fit(run.until(200), n_resamples=2000, seed=0, entropy_noise=0.0)
    data = fit.data
    steps = np.array([data.steps[-1] + 10, data.steps[-1] + 1000])
    entropy = np.full(2, data.entropy[-1])
    means, draws = observation_draws(fit, entropy, steps, spacing=10)
    last_residual = data.reward[-1] - (fit.line.b - fit.line.a * np.exp(data.entropy[-1]))
    shift = means.mean(axis=0) - (fit.line.b - fit.line.a * np.exp(entropy))
    rho = fit.noise_autocorrelation
    assert shift[0] == pytest.approx(rho * last_residual, abs=0.3 * abs(last_residual) + 1e-3)
    assert abs(shift[1]) < 1e-3  # 100 validations later the last point says nothing
    spread = draws.std(axis=0)
    assert spread[0] < spread[1]
    unconditional = observation_draws(fit, entropy, steps, spacing=10, conditional=False)[1]
    assert unconditional.std(axis=0)[1] == pytest.approx(spread[1], rel=0.05)


def test_validation_spacing_is_the_usual_gap():
    assert validation_spacing([0, 10, 20, 30, 45]) == 10
    assert validation_spacing([7]) == 1.0


def test_power_law_recovers_an_exact_curve():
    steps = np.arange(10, 200, 10, dtype=float)
    truth = 0.7 - 0.5 * steps**-0.4
    curve = power_law(steps, truth, [500.0, 1000.0], confidence=0.9)
    assert curve.reward == pytest.approx(0.7 - 0.5 * np.array([500.0, 1000.0]) ** -0.4,
                                         abs=2e-3)
    assert curve.ceiling == pytest.approx(0.7, abs=0.02)


def test_power_law_asymptote_is_capped_at_one():
    steps = np.arange(1, 20, dtype=float)
    curve = power_law(steps, 0.1 + 0.05 * steps, [40.0], confidence=0.9)  # a straight rise
    assert curve.ceiling <= 1.0


def test_sigmoid_recovers_an_exact_scalerl_curve():
    steps = np.arange(0, 400, 20, dtype=float)
    start, asymptote, midpoint, exponent = 0.2, 0.65, 100.0, 1.5
    with np.errstate(divide="ignore"):
        truth = start + (asymptote - start) / (1 + (midpoint / steps) ** exponent)
    curve = sigmoid(steps, truth, [800.0], confidence=0.9, start=start)
    assert curve.ceiling == pytest.approx(asymptote, abs=0.02)
    expected = start + (asymptote - start) / (1 + (midpoint / 800.0) ** exponent)
    assert curve.reward[0] == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("method, minimum", [(power_law, 4), (sigmoid, 4)])
def test_curve_baselines_need_four_points(method, minimum):
    options = {"start": 0.1} if method is sigmoid else {}
    with pytest.raises(FitError, match=f"needs at least {minimum} validation points"):
        method([1.0, 2.0, 3.0], [0.1, 0.2, 0.3], [5.0], confidence=0.9, **options)
