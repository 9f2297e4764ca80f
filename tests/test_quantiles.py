"""The quantiles and the t tail match scipy without importing it."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

from entropylaw.quantiles import (
    normal_quantile,
    student_t_below,
    student_t_quantile,
    student_t_sf,
)

ROOT = Path(__file__).resolve().parents[1]


FAR = [1e-200, 1e-100, 1e-30, 1e-12, 1e-9, 1e-6, 1e-4, 0.001, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3,
       0.4, 0.45, 0.48]


@pytest.mark.parametrize("dof", [1, 1.5, 2, 3, 4, 4.5, 7, 10, 17, 29, 30, 31, 100, 997, 3000,
                                 9999, 1e4, 3e4, 1e5, 1e6, 1e8, np.inf])
def test_student_t_quantile_without_scipy_matches_scipy_special(dof):
    p = np.array(FAR + [1 - q for q in FAR if q >= 1e-12] + list(np.linspace(0.01, 0.99, 99)))
    # Near 1/2 scipy's stdtrit solves to an absolute tolerance on p (1e-11 relative off at
    # dof 4, p = 0.499); the closed forms below check there. At dof 3, p = 1e-200 it is off.
    p = p[np.abs(p - 0.5) > 0.015]
    theirs = special.stdtrit(dof, p)
    ours = student_t_quantile(p, dof)
    usable = np.isfinite(theirs) & ~((p < 1e-150) & (dof == 3))
    assert np.allclose(ours[usable], theirs[usable], rtol=1e-12, atol=0)
    assert isinstance(student_t_quantile(0.95, dof), float)


@pytest.mark.parametrize("p", [0.5 + 1e-12, 0.5 - 1e-7, 0.5 + 1e-4, 0.4999, 0.3, 0.9, 0.99, 1e-9,
                               1e-60])
def test_student_t_quantile_known_closed_forms(p):
    # dof 1 (Cauchy) and 2 have closed forms; near 1/2 they check the digits scipy's stdtrit
    # loses there (it solves to an absolute tolerance on the probability)
    cauchy = math.tan(math.pi * (p - 0.5)) if p > 0.25 else -1 / math.tan(math.pi * p)
    assert student_t_quantile(p, 1) == pytest.approx(cauchy, rel=1e-13)
    assert student_t_quantile(p, 2) == pytest.approx(
        (2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-13)


def test_student_t_quantile_is_the_root_of_the_tail():
    rng = np.random.default_rng(1)
    for _ in range(300):
        p, dof = float(rng.uniform(1e-6, 1 - 1e-6)), float(rng.choice([2.5, 6, 40, 500]))
        q = student_t_quantile(p, dof)
        assert student_t_sf(-q, dof) == pytest.approx(p, rel=1e-12)  # P(T <= q) = p


def test_quantiles_of_arrays_and_out_of_range_match_scipy():
    rng = np.random.default_rng(0)
    p, dof = rng.uniform(0.001, 0.999, size=50), rng.integers(1, 60, size=50)
    assert np.allclose(student_t_quantile(p, dof), special.stdtrit(dof, p), rtol=1e-12, atol=0)
    assert np.allclose(normal_quantile(p), special.ndtri(p), rtol=2e-15, atol=0)
    assert student_t_quantile(p, dof).shape == normal_quantile(p).shape == (50,)
    for bad in (-0.1, 1.5, np.nan):
        assert np.isnan(student_t_quantile(bad, 5)) and np.isnan(special.stdtrit(5, bad))
        assert np.isnan(normal_quantile(bad)) and np.isnan(special.ndtri(bad))
    for bad_dof in (0, -1, np.nan):
        assert np.isnan(student_t_quantile(0.9, bad_dof))
    assert student_t_quantile(0.5, 3) == 0.0 and normal_quantile(0.5) == 0.0
    assert student_t_quantile(0.0, 3) == -np.inf and student_t_quantile(1.0, 3) == np.inf


def test_normal_quantile_matches_scipy_special_and_known_values():
    p = np.concatenate([np.linspace(1e-6, 1 - 1e-6, 20_001), [1e-300, 1e-100, 1e-12, 1 - 1e-12]])
    p = p[p != 0.5]
    assert np.allclose(normal_quantile(p), special.ndtri(p), rtol=2e-15, atol=0)
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, rel=1e-15)
    assert student_t_quantile(0.975, 10) == pytest.approx(2.228138851986274, rel=1e-14)
    assert normal_quantile(0.0) == -np.inf and normal_quantile(1.0) == np.inf
    assert isinstance(normal_quantile(0.95), float)


def _printed_without_scipy(code: str) -> str:
    """What ``code`` prints in a fresh interpreter, after checking it imported no scipy."""
    code = f"import sys\n{code}\nprint('scipy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    *printed, scipy_loaded = result.stdout.strip().splitlines()
    assert scipy_loaded == "False"
    return "\n".join(printed)


def test_the_quantiles_and_the_t_tail_need_no_scipy():
    _printed_without_scipy(
        "from entropylaw.quantiles import normal_quantile, student_t_quantile, student_t_sf\n"
        "normal_quantile(0.95); student_t_quantile(0.95, 7); student_t_quantile(0.9, 1e6)\n"
        "student_t_sf(2.0, 40)")


@pytest.mark.parametrize("dof", [1, 2, 3, 4.5, 10, 29, 30, 31, 100, 997, 10_000])
def test_student_t_tail_without_scipy_matches_scipy_stats(dof):
    t = np.concatenate([np.linspace(-40, 40, 401), [1e-3, 0.5, 1.96, 2.5, 5, 60, 1e3]])
    theirs = stats.t.sf(t, dof)
    normal = theirs > 1e-300  # not where scipy's tail underflows to 0 and ours to subnormals
    assert np.allclose(student_t_sf(t, dof)[normal], theirs[normal], rtol=1e-12, atol=0)
    assert isinstance(student_t_sf(2.0, dof), float)


def test_student_t_tail_known_values_and_edges():
    assert student_t_sf(2.228138851986274, 10) == pytest.approx(0.025, rel=1e-13)
    for t in (1e-9, 0.3, 1.0, 7.0, 1e4):  # Cauchy: 1/2 - atan(t)/pi (scipy gives 0.5 at 1e-9)
        assert student_t_sf(t, 1) == pytest.approx(0.5 - math.atan(t) / math.pi, rel=1e-14)
    assert student_t_sf(0.0, 7) == 0.5
    assert student_t_sf(np.inf, 3) == 0.0 and student_t_sf(-np.inf, 3) == 1.0
    assert student_t_sf(1.5, np.inf) == pytest.approx(stats.norm.sf(1.5), rel=1e-14)
    assert np.isnan(student_t_sf(np.nan, 3)) and np.isnan(student_t_sf(1.0, 0))
    assert student_t_sf(3.0, 1e6) == pytest.approx(stats.t.sf(3.0, 1e6), rel=1e-10)


def _cases(rng, n):
    """(t, p, dof) around and far from the quantile: at it, an ulp or a hair either side."""
    for _ in range(n):
        dof = float(rng.choice([1, 2, 3, 4.5, 7, 10, 29, 30, 31, 100, 997, 1e4, 5e5, 2e6]))
        if rng.uniform() < 0.5:
            dof = float(rng.integers(1, 400))
        p = float(rng.choice([1e-6, 1e-4, 0.01 / 17, 0.01 / 3, 0.01, 0.025, 0.05, 0.3, 0.5,
                              0.7, 0.95, 0.99]))
        quantile = student_t_quantile(p, dof)
        yield quantile, p, dof
        yield np.nextafter(quantile, -np.inf), p, dof
        yield np.nextafter(quantile, np.inf), p, dof
        yield quantile * (1 + 1e-11), p, dof
        yield quantile * (1 - 1e-11), p, dof
        yield quantile + float(rng.normal(scale=0.5)), p, dof
        yield float(rng.normal(scale=5)), p, dof


def test_student_t_below_answers_as_the_quantile_does():
    rng = np.random.default_rng(3)
    cases = list(_cases(rng, 600))
    cases += [(np.nan, 0.05, 5), (np.inf, 0.05, 5), (-np.inf, 0.05, 5), (0.0, 0.5, 5),
              (-1.0, 0.0, 5), (-1.0, 1.0, 5), (1.0, 0.05, np.inf), (-3.0, 0.05, 0),
              (-3.0, np.nan, 4), (-40.0, 1e-12, 2), (3.0, 0.999, 1e7)]
    answers = [student_t_below(t, p, dof) for t, p, dof in cases]
    assert answers == [bool(t < student_t_quantile(p, dof)) for t, p, dof in cases]
    assert 0.2 < np.mean(answers) < 0.8  # both answers are well represented


def test_student_t_below_imports_no_scipy_away_from_the_quantile():
    printed = _printed_without_scipy(
        "from entropylaw.quantiles import student_t_below\n"
        "print([student_t_below(t, p, 30) for t in (-4.0, -2.2, -2.0, 0.0, 3.0) "
        "for p in (0.01 / 17, 0.05)])")
    answers = [bool(t < stats.t.ppf(p, 30)) for t in (-4.0, -2.2, -2.0, 0.0, 3.0)
               for p in (0.01 / 17, 0.05)]
    assert printed == f"{answers}"


def test_student_t_tail_of_a_t_whose_square_underflows_is_one_half():
    for t in (5e-324, -5e-324, 1e-160):
        assert student_t_sf(t, 5) == 0.5 == stats.t.sf(t, 5)
