"""Quantiles and tails of the t and normal distributions, without ``scipy.stats``.

``scipy.stats`` costs about a second of CPU to import. The quantiles are the same numbers from
the ``scipy.special`` functions behind it (a third of that); the t tail, on ``fit``'s path,
needs no scipy at all (docs/speed.md).
"""

from __future__ import annotations

import math

import numpy as np

MAD_TO_SD = 1.4826  # MAD x this estimates the sd of normal data: 1 / (0.75 quantile of N(0, 1))


def student_t_quantile(p, dof):
    """The ``p`` quantile of Student's t with ``dof`` degrees of freedom."""
    from scipy.special import stdtrit

    return stdtrit(dof, p)


def student_t_below(t, p, dof) -> bool:
    """``t < student_t_quantile(p, dof)``, the same answer, mostly without importing scipy.

    A test against a t quantile needs only the t tail at ``t``: ``t`` lies below the ``p``
    quantile when ``P(T <= t) < p``. That tail is accurate to 1e-10 (see
    :func:`student_t_sf`), so only when it is within a relative 1e-8 of ``p`` (or ``dof`` is
    beyond 10^6, or an argument is not a plain number) is the quantile itself computed.
    ``scipy.special`` costs about 0.25 s of CPU to import.
    """
    t, p, dof = float(t), float(p), float(dof)
    if math.isnan(t):
        return False  # as ``nan < quantile``
    if 0.0 < p < 1.0 and 0.0 < dof <= _FAST_DOF and math.isfinite(t):
        below = _t_sf(-t, dof)  # P(T <= t), by symmetry
        if abs(below - p) > _MARGIN * min(p, 1.0 - p):
            return below < p
    return bool(t < student_t_quantile(p, dof))


_FAST_DOF = 1e6
_MARGIN = 1e-8


def student_t_sf(t, dof):
    """P(T > t) for Student's t with ``dof`` degrees of freedom (scalars or arrays).

    Computed without scipy, so that the law gate on ``fit``'s path imports none: the
    regularized incomplete beta ``P(T > |t|) = I_x(dof/2, 1/2) / 2``, ``x = dof / (dof + t^2)``,
    by its continued fraction. It matches ``scipy.stats.t.sf`` to 1e-12 relative up to
    dof = 10^4, and to 1e-10 at 10^6.
    """
    if np.ndim(t) or np.ndim(dof):
        return np.vectorize(_t_sf, otypes=[float])(t, dof)
    return _t_sf(t, dof)


def normal_quantile(p):
    """The ``p`` quantile of the standard normal distribution."""
    from scipy.special import ndtri

    return ndtri(p)


_TINY = 1e-300  # Lentz's floor for a vanishing denominator (Numerical Recipes' FPMIN)
MAX_TERMS = 100_000  # the fraction converges in about sqrt(max(a, b)) terms; this is a safe cap
CONVERGED = 1e-16  # a factor this close to 1 no longer changes a double
STIRLING_FROM = 30  # from here Stirling's 4-term series beats the difference of two lgammas


def _t_sf(t, dof) -> float:
    t, dof = float(t), float(dof)
    if math.isnan(t) or not dof > 0:
        return math.nan
    if math.isinf(dof):
        return 0.5 * math.erfc(t / math.sqrt(2.0))
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    a, b, square = dof / 2.0, 0.5, t * t
    if square == 0:  # |t| < 1e-154: the tail is 1/2 to within a relative 1e-154
        return 0.5
    x, y = dof / (dof + square), square / (dof + square)  # y = 1 - x, with its digits
    log_front = (-a * math.log1p(square / dof) + b * math.log(y)
                 + _log_gamma_ratio(a) - 0.5 * math.log(math.pi))
    if x < (a + 1.0) / (a + b + 2.0):
        beta = math.exp(log_front) * _continued_fraction(a, b, x) / a
    else:
        beta = 1.0 - math.exp(log_front) * _continued_fraction(b, a, y) / b
    tail = 0.5 * beta
    return tail if t > 0 else 1.0 - tail


def _continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (modified Lentz; Numerical Recipes 6.4)."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, MAX_TERMS):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < CONVERGED:
            break
    return h


def _log_gamma_ratio(a: float) -> float:
    """ln Gamma(a + 1/2) - ln Gamma(a), by Stirling's series for large a (two large lgammas
    would cancel most of their digits)."""
    if a < STIRLING_FROM:
        return math.lgamma(a + 0.5) - math.lgamma(a)

    def series(z):
        return 1 / (12 * z) - 1 / (360 * z**3) + 1 / (1260 * z**5) - 1 / (1680 * z**7)

    return 0.5 * math.log(a) + (a * math.log1p(0.5 / a) - 0.5) + series(a + 0.5) - series(a)
