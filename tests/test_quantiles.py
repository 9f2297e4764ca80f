"""The quantile functions give exactly what scipy.stats gives (they replace it for speed)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from entropylaw.quantiles import normal_quantile, student_t_quantile

PROBABILITIES = [1e-9, 0.001, 0.025, 0.05, 0.1, 0.3, 0.5, 0.7, 0.841, 0.9, 0.95, 0.975, 0.995,
                 1 - 1e-9]


@pytest.mark.parametrize("dof", [1, 2, 3, 4.5, 7, 10, 29, 100, 1e4, 1e8, np.inf])
def test_student_t_quantile_is_scipy_stats_bit_for_bit(dof):
    for p in PROBABILITIES:
        ours, theirs = student_t_quantile(p, dof), stats.t.ppf(p, dof)
        assert ours == theirs, (p, dof)
        assert isinstance(ours, float)


def test_quantiles_of_arrays_and_out_of_range_match_scipy_stats():
    rng = np.random.default_rng(0)
    p, dof = rng.uniform(size=50), rng.integers(1, 60, size=50)
    assert np.array_equal(student_t_quantile(p, dof), stats.t.ppf(p, dof))
    assert np.array_equal(normal_quantile(p), stats.norm.ppf(p))
    for bad in (-0.1, 1.5, np.nan):
        assert np.isnan(student_t_quantile(bad, 5)) and np.isnan(stats.t.ppf(bad, 5))
        assert np.isnan(normal_quantile(bad)) and np.isnan(stats.norm.ppf(bad))
    assert np.isnan(student_t_quantile(0.9, 0)) and np.isnan(stats.t.ppf(0.9, 0))


def test_normal_quantile_is_scipy_stats_bit_for_bit_and_known_values():
    for p in PROBABILITIES:
        assert normal_quantile(p) == stats.norm.ppf(p)
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, rel=1e-15)
    assert student_t_quantile(0.975, 10) == pytest.approx(2.228138851986274, rel=1e-14)
    assert normal_quantile(0.0) == -np.inf and normal_quantile(1.0) == np.inf
