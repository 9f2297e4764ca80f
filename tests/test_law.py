"""The law's fit against certified reference data and simulated runs with known coefficients."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import entropylaw
from entropylaw.errors import FitError, InputError
from entropylaw.law import resampling
from entropylaw.law.autocorr import ar1_likelihood, ols_covariances, optimal_block_length
from entropylaw.law.linear import fit_line, lag1_autocorrelation
from entropylaw.simulate import ar1_noise, entropy_curve, simulate_run

NORRIS = np.loadtxt(Path(__file__).parent / "data" / "nist_norris.dat")


def norris_fit(**options):
    """Norris as the law: y = B0 + B1 x is R = b - a exp(H) with H = ln x, b = B0, a = -B1."""
    y, x = NORRIS.T
    return entropylaw.fit(entropy=np.log(x), reward=y, seed=0, **options)


def test_closed_form_matches_nist_norris_certified_values():
    y, x = NORRIS.T
    line = fit_line(x, y)
    assert line.b == pytest.approx(-0.262323073774029, rel=1e-12)
    assert -line.a == pytest.approx(1.00211681802045, rel=1e-12)
    assert line.r2 == pytest.approx(0.999993745883712, rel=1e-12)
    assert math.sqrt(line.rss / (line.n - 2)) == pytest.approx(0.884796396144373, rel=1e-12)


def test_ols_covariance_at_zero_correlation_is_the_certified_standard_errors():
    y, x = NORRIS.T
    line = fit_line(x, y)
    covariance = ols_covariances(line.coefficient_map(), [0.0])[0] * line.rss / (line.n - 2)
    assert math.sqrt(covariance[0, 0]) == pytest.approx(0.232818234301152, rel=1e-10)
    assert math.sqrt(covariance[1, 1]) == pytest.approx(0.429796848199937e-03, rel=1e-10)


def test_fit_through_the_public_api_reproduces_norris():
    result = norris_fit()
    assert result.b.estimate == pytest.approx(-0.262323073774029, rel=1e-12)
    assert result.a.estimate == pytest.approx(-1.00211681802045, rel=1e-12)
    assert result.ceiling.estimate == pytest.approx(-0.262323073774029 + 1.00211681802045)


@pytest.mark.parametrize("rho", [-0.5, 0.0, 0.6, 0.95])
def test_ols_covariances_equal_the_dense_matrix_product(rho):
    coefficient_map = np.random.default_rng(3).standard_normal((2, 40))
    lags = np.abs(np.subtract.outer(np.arange(40), np.arange(40)))
    sigma = rho**lags / (1 - rho**2)
    expected = coefficient_map @ sigma @ coefficient_map.T
    assert np.allclose(ols_covariances(coefficient_map, [rho])[0], expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("rho", [-0.9, 0.5, 0.98])
def test_ols_covariances_past_the_lags_that_matter_equal_the_dense_product(rho):
    # n beyond the last lag whose rho^m a float can hold: the left-out lags change nothing
    n = 1500 if rho != 0.98 else 40_000
    coefficient_map = np.random.default_rng(4).standard_normal((2, n))
    if n > 2000:  # dense Sigma too big: sum the lags directly instead
        expected = coefficient_map @ coefficient_map.T
        for m in range(1, n):
            term = rho**m * coefficient_map[:, m:] @ coefficient_map[:, :-m].T
            expected += term + term.T
            if abs(rho) ** m < 1e-300:
                break
        expected /= 1 - rho**2
    else:
        lags = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
        expected = coefficient_map @ (rho**lags / (1 - rho**2)) @ coefficient_map.T
    assert np.allclose(ols_covariances(coefficient_map, [rho])[0], expected, rtol=1e-10, atol=1e-12)


def reference_ar1_log_likelihood(x, y, rho):
    """The REML log-likelihood straight from its definition: transform, regress, take logs."""
    n = x.size
    transform = np.eye(n) - rho * np.eye(n, k=-1)
    transform[0, 0] = math.sqrt(1 - rho**2)
    design = transform @ np.column_stack([np.ones(n), -x])
    target = transform @ y
    residual = target - design @ np.linalg.lstsq(design, target, rcond=None)[0]
    rss = residual @ residual
    loglik = (0.5 * math.log(1 - rho**2) - 0.5 * np.linalg.slogdet(design.T @ design)[1]
              - 0.5 * (n - 2) * math.log(rss))
    return loglik, rss


@pytest.mark.parametrize("n, seed", [(4, 0), (60, 1), (300, 2)])
def test_ar1_likelihood_from_lag_sums_equals_the_transformed_regression(n, seed):
    rng = np.random.default_rng(seed)
    x = np.exp(np.linspace(1.5, 0.2, n) + 0.05 * rng.standard_normal(n))
    y = 0.7 - 0.25 * x + ar1_noise(n, sd=0.02, autocorrelation=0.6, rng=rng)
    likelihood = ar1_likelihood(x, y)
    loglik, rss = np.array([reference_ar1_log_likelihood(x, y, r) for r in likelihood.rho]).T
    weights = np.exp(loglik - loglik.max())
    assert np.allclose(likelihood.innovation_variance, rss / (n - 2), rtol=1e-11, atol=0)
    assert np.allclose(likelihood.weights, weights / weights.sum(), rtol=1e-9, atol=1e-13)


def test_restricted_likelihood_recovers_a_known_correlation():
    rng = np.random.default_rng(11)
    x = np.exp(entropy_curve(np.arange(400), n_steps=400))
    y = 0.8 - 0.3 * x + ar1_noise(400, sd=0.01, autocorrelation=0.7, rng=rng)
    likelihood = ar1_likelihood(x, y)
    assert likelihood.mode == pytest.approx(0.7, abs=0.08)
    assert likelihood.weights.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("rho", [0.3, 0.5, 0.8])
def test_block_length_follows_politis_white_theory_for_ar1(rho):
    # For AR(1), the optimal circular block length is (6 rho^2 / (1 - rho^2)^2)^(1/3) n^(1/3).
    n = 20_000
    theory = (6 * rho**2 / (1 - rho**2) ** 2) ** (1 / 3) * n ** (1 / 3)
    lengths = [optimal_block_length(ar1_noise(n, sd=1, autocorrelation=rho,
                                              rng=np.random.default_rng(seed)))
               for seed in range(3)]
    assert np.median(lengths) == pytest.approx(theory, rel=0.15)


def test_block_length_is_short_for_independent_noise():
    # Politis-White on independent noise: 1-4, median 2 (the AR(1) length at rho 0.3 is 5-9)
    lengths = [optimal_block_length(np.random.default_rng(seed).standard_normal(500))
               for seed in range(50)]
    assert min(lengths) == 1 and np.median(lengths) == 2 and max(lengths) <= 4


def test_lag1_autocorrelation_of_ar1_noise():
    noise = ar1_noise(20_000, sd=1, autocorrelation=0.6, rng=np.random.default_rng(2))
    assert lag1_autocorrelation(noise) == pytest.approx(0.6, abs=0.02)
    assert math.isnan(lag1_autocorrelation([1.0, 2.0]))


@pytest.mark.parametrize("method", ["ar1", "block", "iid"])
def test_simulated_run_recovers_known_coefficients(method):
    run = simulate_run(a=0.25, b=0.75, noise_sd=0.01, noise_autocorrelation=0.3, seed=4)
    result = entropylaw.fit(run, method=method, n_resamples=2000, seed=1)
    assert result.a.estimate == pytest.approx(0.25, abs=0.02)
    assert result.b.estimate == pytest.approx(0.75, abs=0.02)
    assert result.ceiling.contains(0.50)
    assert result.a.lower < result.a.estimate < result.a.upper
    assert result.interval_method == method
    assert result.n_points == 61
    assert result.warnings == ()


@pytest.mark.parametrize("length", [1, 3])
def test_pairs_bootstrap_past_the_exact_limit_matches_the_exact_resampling(length, monkeypatch):
    # Beyond EXACT_BLOCKS whole blocks the summed picks are drawn from their normal limit: its
    # draws agree with the exact resampling of the same data, and with the sandwich (HC0)
    # standard error of the slope for independent pairs.
    n = length * 2 * resampling.EXACT_BLOCKS + 2
    rng = np.random.default_rng(5)
    x = np.exp(np.linspace(1.2, 0.2, n) + 0.05 * rng.standard_normal(n))
    y = 0.8 - 0.3 * x + (0.01 + 0.02 * (x - x.min())) * rng.standard_normal(n)  # uneven noise
    fast_b, fast_a = resampling._pairs_bootstrap(x, y, length, 4000, np.random.default_rng(1))
    monkeypatch.setattr(resampling, "EXACT_BLOCKS", n)
    exact_b, exact_a = resampling._pairs_bootstrap(x, y, length, 4000, np.random.default_rng(1))
    line = fit_line(x, y)
    assert np.mean(fast_a) == pytest.approx(line.a, abs=0.05 * np.std(exact_a))
    assert np.mean(fast_b) == pytest.approx(line.b, abs=0.05 * np.std(exact_b))
    assert np.std(fast_a) == pytest.approx(np.std(exact_a), rel=0.05)
    assert np.std(fast_b) == pytest.approx(np.std(exact_b), rel=0.05)
    assert np.corrcoef(fast_a, fast_b)[0, 1] == pytest.approx(np.corrcoef(exact_a, exact_b)[0, 1],
                                                               abs=0.01)
    if length == 1:
        centred = x - x.mean()
        sandwich = math.sqrt(np.sum(centred**2 * line.residuals**2)) / np.sum(centred**2)
        assert np.std(fast_a) == pytest.approx(sandwich, rel=0.05)


def test_ar1_intervals_widen_with_serial_correlation():
    common = dict(a=0.3, b=0.8, noise_sd=0.015, n_steps=350, validate_every=10, seed=8)
    independent = entropylaw.fit(simulate_run(noise_autocorrelation=0.0, **common), seed=0)
    correlated = entropylaw.fit(simulate_run(noise_autocorrelation=0.8, **common), seed=0)
    iid = entropylaw.fit(simulate_run(noise_autocorrelation=0.8, **common), method="iid", seed=0)
    width = lambda fit: fit.ceiling.upper - fit.ceiling.lower  # noqa: E731
    assert width(correlated) > 1.5 * width(independent)  # 4.2x here; 1.7-4.0x on 8 other seeds
    assert width(correlated) > 1.5 * width(iid)
    assert correlated.noise_autocorrelation > 0.4 > independent.noise_autocorrelation


def test_another_confidence_reuses_the_draws():
    result = entropylaw.fit(simulate_run(seed=2), n_resamples=4000, seed=3)
    narrower = result.at(0.5)
    assert narrower.draws is result.draws
    assert narrower.confidence == 0.5
    assert result.ceiling.lower < narrower.ceiling.lower < narrower.ceiling.upper \
        < result.ceiling.upper
    tail = np.quantile(result.draws.ceiling, [0.25, 0.75])
    assert (narrower.ceiling.lower, narrower.ceiling.upper) == pytest.approx(tuple(tail))


def test_seed_makes_draws_reproducible_and_is_reported():
    run = simulate_run(seed=2)
    first, second = (entropylaw.fit(run, n_resamples=500, seed=42) for _ in range(2))
    assert np.array_equal(first.draws.a, second.draws.a)
    assert first.seed == 42
    unseeded = entropylaw.fit(run, n_resamples=500)
    again = entropylaw.fit(run, n_resamples=500, seed=unseeded.seed)
    assert np.array_equal(unseeded.draws.b, again.draws.b)
    generator = entropylaw.fit(run, n_resamples=500, seed=np.random.default_rng(42))
    assert generator.seed is None


def test_predict_gives_the_line_and_observation_bands_wider_than_mean_bands():
    result = entropylaw.fit(simulate_run(a=0.3, b=0.8, seed=6), seed=0)
    entropy = np.array([0.0, 0.5, 1.0])
    mean = result.predict(entropy, kind="mean")
    observation = result.predict(entropy)
    assert list(mean.columns) == ["entropy", "reward", "lower", "upper"]
    assert np.allclose(mean.reward, result.b.estimate - result.a.estimate * np.exp(entropy))
    assert mean.reward[0] == pytest.approx(result.ceiling.estimate)
    assert mean.lower[0] == pytest.approx(result.ceiling.lower)
    assert (observation.upper - observation.lower
            > mean.upper - mean.lower).all()
    with pytest.raises(InputError, match="`kind` must be in"):
        result.predict(entropy, kind="median")


@pytest.mark.slow  # a simulation study, about 10 s
def test_observation_band_holds_new_measurements_at_the_nominal_rate():
    run = simulate_run(a=0.3, b=0.8, noise_sd=0.02, seed=12)
    result = entropylaw.fit(run, confidence=0.9, seed=0)
    rng = np.random.default_rng(13)
    entropy = rng.uniform(0.05, 1.0, 4000)
    new = 0.8 - 0.3 * np.exp(entropy) + rng.normal(0, 0.02, entropy.size)
    band = result.predict(entropy)
    inside = ((band.lower <= new) & (new <= band.upper)).mean()
    assert 0.84 <= inside <= 0.96


def test_nonpositive_a_is_a_warning_not_a_confident_number():
    rng = np.random.default_rng(0)
    entropy = np.linspace(1.0, 0.1, 30)
    reward = 0.3 + 0.1 * np.exp(entropy) + rng.normal(0, 0.005, 30)  # accuracy falls with entropy
    result = entropylaw.fit(entropy=entropy, reward=reward, seed=0)
    codes = [w.code for w in result.warnings]
    assert "nonpositive_a" in codes
    assert result.a.estimate < 0


def test_few_points_warning_below_eight():
    entropy = np.array([1.0, 0.8, 0.6, 0.45, 0.3])
    reward = 0.8 - 0.3 * np.exp(entropy) + np.array([0.001, -0.002, 0.0, 0.002, -0.001])
    result = entropylaw.fit(entropy=entropy, reward=reward, seed=0)
    assert [w.code for w in result.warnings] == ["few_points"]
    assert "only 5 validation points" in result.warnings[0].message


def test_far_extrapolation_and_narrow_range_warnings():
    entropy = np.linspace(1.2, 1.17, 20)
    reward = 0.8 - 0.3 * np.exp(entropy) + np.random.default_rng(1).normal(0, 1e-4, 20)
    codes = {w.code for w in entropylaw.fit(entropy=entropy, reward=reward, seed=0).warnings}
    assert {"far_extrapolation", "narrow_entropy_range"} <= codes


def test_fewer_than_three_points_is_an_error():
    with pytest.raises(FitError, match="need at least 3 validation points to fit the law, got 2"):
        entropylaw.fit(entropy=[1.0, 0.5], reward=[0.3, 0.4])


def test_constant_entropy_is_an_error():
    with pytest.raises(FitError, match="entropy is constant across all 4 points"):
        entropylaw.fit(entropy=[0.5] * 4, reward=[0.1, 0.2, 0.3, 0.4])


def test_non_finite_array_values_are_left_out_and_reported():
    entropy = np.array([1.0, 0.8, np.nan, 0.5, 0.4, np.inf, 0.3])
    reward = 0.8 - 0.3 * np.exp(np.nan_to_num(entropy, posinf=0.0))
    result = entropylaw.fit(entropy=entropy, reward=reward, seed=0)
    assert result.n_points == 5
    assert result.notes[0].code == "non_finite_values"
    assert "positions 2, 5" in result.notes[0].message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(confidence=1.5), "`confidence` must be strictly between 0 and 1, got 1.5"),
        (dict(method="bca"), "`method` must be one of {'ar1', 'block', 'iid'}, got 'bca'"),
        (dict(n_resamples=10), "`n_resamples` must be a whole number >= 100, got 10"),
        (dict(seed=-1), "`seed` must be a non-negative whole number"),
    ],
)
def test_bad_options_name_the_argument(options, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace("{", r"\{")):
        entropylaw.fit(entropy=[1.0, 0.5, 0.2], reward=[0.3, 0.4, 0.5], **options)


def test_run_and_arrays_together_is_an_error():
    with pytest.raises(InputError, match="not both"):
        entropylaw.fit(simulate_run(), entropy=[1.0], reward=[0.5])


@pytest.mark.parametrize("relative", [0.0, 0.03, 0.08])
def test_entropy_noise_is_recovered_from_the_dense_series(relative):
    run = simulate_run(entropy_noise=relative, n_steps=1000, seed=3)
    result = entropylaw.fit(run, n_resamples=200, seed=0)
    assert result.entropy_noise == pytest.approx(relative, rel=0.08, abs=1e-3)
    assert result.to_dict()["entropy_noise"] == result.entropy_noise


def test_entropy_noise_is_modelled_apart_from_the_validation_noise():
    # Validation noise: sd 1.5 points, independent. Entropy: 8% relative noise per logged value.
    run = simulate_run(entropy_noise=0.08, noise_sd=0.015, seed=3)
    modelled = entropylaw.fit(run, seed=0)
    assert modelled.noise_sd == pytest.approx(0.015, abs=0.004)
    assert modelled.noise_autocorrelation < 0.3
    assert modelled.a.contains(0.3) and modelled.ceiling.contains(0.5)
    assert 0.9 < modelled.attenuation < 1.0
    # Ignored, the noisy regressor masquerades as strongly correlated, inflated validation noise.
    ignored = entropylaw.fit(run, seed=0, entropy_noise=0.0)
    assert ignored.noise_autocorrelation > 0.5 and ignored.noise_sd > 2 * modelled.noise_sd
    assert ignored.attenuation == 1.0
    band = modelled.predict([1.0, 0.05])
    width = (band.upper - band.lower).to_numpy()
    assert width[0] > width[1]  # a new point at high entropy carries more entropy noise
    with pytest.raises(InputError, match="`entropy_noise` must be 'auto' or a number >= 0"):
        entropylaw.fit(run, entropy_noise="high")


def test_attenuation_correction_recovers_the_slope():
    slopes = {}
    for setting in ("auto", 0.0):
        estimates = [entropylaw.fit(simulate_run(entropy_noise=0.1, noise_sd=0.005, n_steps=1200,
                                                 validate_every=5, seed=seed),
                                    n_resamples=200, seed=0, entropy_noise=setting).a.estimate
                     for seed in range(8)]
        slopes[setting] = np.mean(estimates)
    assert slopes["auto"] == pytest.approx(0.3, abs=0.004)
    assert slopes[0.0] < slopes["auto"] - 0.004


def test_poor_fit_needs_both_low_r2_and_an_a_indistinguishable_from_zero():
    rng = np.random.default_rng(4)
    entropy = np.linspace(0.3, 0.05, 40)
    weak = entropylaw.fit(entropy=entropy, seed=0,
                          reward=0.6 - 0.02 * np.exp(entropy) + rng.normal(0, 0.01, 40))
    assert weak.r2 < 0.5 and weak.a.lower < 0 < weak.a.estimate
    assert [w.code for w in weak.warnings] == ["poor_fit"]
    # A real signal under large noise: low R^2, yet a clearly above zero: no warning.
    entropy = np.linspace(0.4, 0.02, 200)
    noisy = 0.9 - 0.3 * np.exp(entropy) + rng.normal(0, 0.06, 200)
    result = entropylaw.fit(entropy=entropy, reward=noisy, seed=0)
    assert result.r2 < 0.5 and result.a.lower > 0
    assert result.warnings == ()


def test_a_ceiling_above_100_percent_is_not_given_as_an_accuracy():
    # The law holds on these points, but b - a = 120%: no accuracy can reach it.
    rng = np.random.default_rng(0)
    entropy = np.linspace(1.0, 0.45, 30)
    reward = -0.5 * np.exp(entropy) + 1.7 + 0.005 * rng.standard_normal(30)
    result = entropylaw.fit(entropy=entropy, reward=reward, n_resamples=1000, seed=0)
    assert result.gate.applies and result.ceiling.estimate > 1.15
    assert result.stated_ceiling is None and result.to_dict()["ceiling"] is None
    assert "not given: b - a = 119.9% is not an accuracy" in str(result)
    # on a reward of another scale the ceiling keeps its units
    scaled = entropylaw.fit(entropy=entropy, reward=40 * reward, n_resamples=1000, seed=0)
    assert scaled.stated_ceiling.estimate == pytest.approx(40 * result.ceiling.estimate)
