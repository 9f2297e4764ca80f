"""A fast seeded version of benchmarks/coverage.py: the default intervals keep a coverage floor."""

from __future__ import annotations

import pytest

from entropylaw.calibration import coverage_study


@pytest.mark.parametrize(("autocorrelation", "floor"), [(0.0, 0.88), (0.5, 0.88), (0.8, 0.82)])
def test_default_intervals_cover_the_truth(autocorrelation, floor):
    result = coverage_study(n_points=36, autocorrelation=autocorrelation, n_runs=150,
                            n_resamples=1000, seed=7)
    assert min(result.a, result.b, result.ceiling) >= floor
    assert max(result.a, result.b, result.ceiling) <= 0.995


def test_plain_iid_resampling_undercovers_correlated_noise():
    # The study can tell a bad method from a good one: iid ignores the correlation.
    result = coverage_study(method="iid", n_points=36, autocorrelation=0.8, n_runs=150,
                            n_resamples=1000, seed=7)
    assert result.ceiling < 0.7


def test_intervals_hold_when_entropy_is_measured_with_noise():
    # About 5% relative noise per logged entropy value, as on the real verl logs.
    result = coverage_study(n_points=36, entropy_noise=0.05, n_runs=150, n_resamples=1000, seed=9)
    assert min(result.a, result.b, result.ceiling) >= 0.88
