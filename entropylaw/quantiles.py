"""Quantiles and tails of the t and normal distributions, without scipy.

Importing ``scipy.stats`` costs about a second of CPU, ``scipy.special`` about 0.25 s. The
normal quantile is the standard library's (Wichura's AS241), the t tail the regularized
incomplete beta by its continued fraction, and the t quantile the root of that tail. They
match scipy to 1e-12 relative or better (tests/test_quantiles.py; docs/speed.md).
"""

from __future__ import annotations

import math

import numpy as np

MAD_TO_SD = 1.4826  # MAD x this estimates the sd of normal data: 1 / (0.75 quantile of N(0, 1))


def student_t_quantile(p, dof):
    """The ``p`` quantile of Student's t with ``dof`` degrees of freedom (scalars or arrays).

    Within 1e-12 relative of ``scipy.special.stdtrit`` for dof from 1 to 10^8: the root of the
    t tail by a safeguarded Newton iteration below 10^4 degrees of freedom, the Cornish-Fisher
    expansion in 1/dof (four terms) from there.
    """
    if np.ndim(p) or np.ndim(dof):
        return np.vectorize(_t_quantile, otypes=[float])(p, dof)
    return _t_quantile(p, dof)


def student_t_below(t, p, dof) -> bool:
    """``t < student_t_quantile(p, dof)``, the same answer, mostly without the quantile.

    A test against a t quantile needs only the t tail at ``t``: ``t`` lies below the ``p``
    quantile when ``P(T <= t) < p``. That tail is accurate to 1e-10 (see
    :func:`student_t_sf`), so only when it is within a relative 1e-8 of ``p`` (or ``dof`` is
    beyond 10^6, or an argument is not a plain number) is the quantile itself computed (a root
    of the tail: several tails).
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
    """The ``p`` quantile of the standard normal distribution (scalars or arrays)."""
    if np.ndim(p):
        return np.vectorize(_normal_quantile, otypes=[float])(p)
    return _normal_quantile(p)


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
    tail = _t_parts(t, dof)[0]
    return tail if t > 0 else 1.0 - tail


def _t_parts(t: float, dof: float) -> tuple[float, float]:
    """(P(T > |t|), P(0 < T < |t|)) for finite t and dof > 0; the one computed directly keeps
    its relative accuracy (the other is 1/2 minus it)."""
    a, b = dof / 2.0, 0.5
    if abs(t) < 1e-154:  # t^2 underflows: the tail is 1/2 to within a relative 1e-154
        return 0.5, 0.0
    if abs(t) < 1e150:
        square = t * t
        x, y = dof / (dof + square), square / (dof + square)  # y = 1 - x, with its digits
    else:  # t^2 may overflow: the same from dof / t^2
        ratio = dof / abs(t) / abs(t)
        x, y = ratio / (1.0 + ratio), 1.0 / (1.0 + ratio)
    log_front = (-a * _log1p_square(t, dof) + b * math.log(y)
                 + _log_gamma_ratio(a) - 0.5 * math.log(math.pi))
    if x < (a + 1.0) / (a + b + 2.0):
        tail = 0.5 * math.exp(log_front) * _continued_fraction(a, b, x) / a
        return tail, 0.5 - tail
    central = 0.5 * math.exp(log_front) * _continued_fraction(b, a, y) / b
    return 0.5 - central, central


def _log1p_square(t: float, dof: float) -> float:
    """ln(1 + t^2 / dof), also where t^2 overflows."""
    if abs(t) < 1e150:
        return math.log1p(t * t / dof)
    return math.log1p(dof / abs(t) / abs(t)) - math.log(dof) + 2.0 * math.log(abs(t))


def _t_log_density(t: float, dof: float) -> float:
    return (_log_gamma_ratio(dof / 2.0) - 0.5 * math.log(dof * math.pi)
            - (dof + 1.0) / 2.0 * _log1p_square(t, dof))


def _normal_quantile(p) -> float:
    from statistics import NormalDist  # Wichura's AS241, within an ulp or two of scipy's ndtri

    p = float(p)
    if not 0.0 <= p <= 1.0:
        return math.nan
    if p in (0.0, 1.0):
        return math.inf if p else -math.inf
    return NormalDist().inv_cdf(p)


NEWTON_STEPS = 100  # each step at least halves the bracket; Newton converges in about 5
_LARGEST = 1.7976931348623157e308
MAX_EXPONENT = 700.0  # exp() of more overflows a double
CORNISH_FISHER_FROM = 1e4  # dof from which four terms in 1/dof are within 1e-15 (for |z| <= 8,
# p >= 1e-15; further out, from 10^4 (z / 8)^4)


def _t_quantile(p, dof) -> float:
    p, dof = float(p), float(dof)
    if not (0.0 <= p <= 1.0 and dof > 0):
        return math.nan
    if p in (0.0, 1.0):
        return math.inf if p else -math.inf
    if p == 0.5:
        return 0.0
    sign = 1.0 if p > 0.5 else -1.0
    if dof >= CORNISH_FISHER_FROM * max(1.0, (_normal_quantile(p) / 8.0) ** 4):
        return _cornish_fisher(p, dof)
    # Solve for |t| on the side of the distribution whose probability is known to full
    # relative precision: the tail beyond |t| (p far from 1/2), or the part between 0 and |t|.
    far = min(p, 1.0 - p) < 0.25
    target = min(p, 1.0 - p) if far else abs(p - 0.5)
    t = abs(_cornish_fisher(p, max(dof, 1.0)))
    low, high = 0.0, math.inf
    for _ in range(NEWTON_STEPS):
        tail, central = _t_parts(t, dof)
        log_density = _t_log_density(t, dof)
        if far:
            above = tail < target  # t beyond the root
            # Newton on log(tail) against log(t), which converges in power-law tails as well
            new = 0.0 if tail == 0 else t * math.exp(min(
                (math.log(tail) - math.log(target))
                * math.exp(min(math.log(tail) - log_density - math.log(t), MAX_EXPONENT)),
                MAX_EXPONENT))
        else:
            above = central > target
            new = t + (target - central) * math.exp(min(-log_density, MAX_EXPONENT))
        if above:
            high = t
        else:
            low = t
        if not low < new < high:  # outside the bracket: bisect (or double when unbounded)
            new = 0.5 * (low + high) if math.isfinite(high) else min(2.0 * t, _LARGEST)
        if abs(new - t) <= 1e-15 * t:
            t = new
            break
        t = new
    return sign * t


def _cornish_fisher(p: float, dof: float) -> float:
    """The t quantile as the normal one plus four terms in 1/dof (Abramowitz and Stegun
    26.7.5)."""
    z = _normal_quantile(p)
    z2 = z * z
    g1 = z * (z2 + 1.0) / 4.0
    g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0
    g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0
    g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0
    return z + (g1 + (g2 + (g3 + g4 / dof) / dof) / dof) / dof


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
