"""Serial correlation of the residuals: AR(1) restricted likelihood, and block length selection.

Consecutive validation points share slow drifts, so their errors are correlated; ignoring it
makes intervals far too narrow (see docs/intervals.md for the measured coverage).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Correlations considered for the AR(1) noise: a uniform prior on this grid, steps of 0.01 from
# -0.9 to 0.98 (at 1 the noise has no stationary variance).
RHO_GRID = np.round(np.arange(-0.90, 0.985, 0.01), 2)
UNDERFLOW_DECADES = 300.0  # |rho|^m below 1e-300 adds nothing a double can hold
# Politis & White's block length, with the constants of Patton's reference code:
MIN_BLOCK_POINTS = 4  # fewer points: blocks of 1
MIN_RUN = 5  # K_N: consecutive insignificant autocorrelations that end the lags used (at least)
SIGNIFICANT = 2.0  # an autocorrelation beyond +-2 sqrt(log10(n) / n) is significant
CIRCULAR = 4.0 / 3.0  # D = (4/3) g(0)^2 for the circular block bootstrap
LONGEST_BLOCK = 3.0  # blocks at most 3 sqrt(n) long, and at most n / 3


@dataclass(frozen=True, eq=False)
class AR1Likelihood:
    """The restricted (REML) likelihood of an AR(1) error correlation, on a grid.

    ``weights`` is the normalised likelihood (the posterior under a uniform prior on the grid);
    ``innovation_variance`` the REML estimate of the innovation variance at each grid point.
    """

    rho: np.ndarray
    weights: np.ndarray
    innovation_variance: np.ndarray

    @property
    def mode(self) -> float:
        return float(self.rho[np.argmax(self.weights)])


def ar1_likelihood(x: np.ndarray, y: np.ndarray, grid: np.ndarray = RHO_GRID) -> AR1Likelihood:
    """REML likelihood of ``rho`` for ``y = b - a x + e``, ``e`` AR(1), via Prais-Winsten.

    With ``P(rho)`` the Prais-Winsten transform, the restricted log-likelihood with the
    variance profiled out is ``0.5 log(1 - rho^2) - 0.5 log|X*'X*| - (n - 2)/2 log RSS*``
    (Harville 1974; for AR(1) regression see e.g. Cheang & Reinsel 2000).

    The transformed cross-products come from lag-0 and lag-1 sums of the columns (1, -x, y):
    ``<Pp, Pq> = (1 + rho^2) S0 - rho^2 (p_1 q_1 + p_n q_n) - rho S1``, so the whole grid costs
    O(n) time and memory. x is centred and y replaced by its ordinary least-squares residuals
    (which leaves RSS* and |X*'X*| unchanged, both columns being in the model), so RSS* loses no
    digits to cancellation.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.size
    rho = np.asarray(grid, dtype=float)
    centred = x - x.mean()
    sxx = centred @ centred
    slope = (centred @ y) / sxx if sxx > 0 else 0.0
    residuals = y - y.mean() - slope * centred
    columns = np.stack([np.ones(n), -centred, residuals])  # (3, n)
    lag0 = columns @ columns.T
    lag1 = columns[:, 1:] @ columns[:, :-1].T
    lag1 = lag1 + lag1.T
    ends = np.outer(columns[:, 0], columns[:, 0]) + np.outer(columns[:, -1], columns[:, -1])
    squared = (rho**2)[:, None, None]
    products = (1.0 + squared) * lag0 - squared * ends - rho[:, None, None] * lag1  # (G, 3, 3)
    s11, s12, s22 = products[:, 0, 0], products[:, 0, 1], products[:, 1, 1]
    t1, t2, tyy = products[:, 0, 2], products[:, 1, 2], products[:, 2, 2]
    det = s11 * s22 - s12**2
    b = (s22 * t1 - s12 * t2) / det
    a = (s11 * t2 - s12 * t1) / det
    rss = np.maximum(tyy - b * t1 - a * t2, np.finfo(float).tiny)
    with np.errstate(divide="ignore", invalid="ignore"):
        loglik = 0.5 * np.log(1.0 - rho**2) - 0.5 * np.log(det) - 0.5 * (n - 2) * np.log(rss)
    loglik = np.where(np.isfinite(loglik), loglik, -np.inf)
    weights = np.exp(loglik - loglik.max())
    weights /= weights.sum()
    return AR1Likelihood(rho, weights, rss / max(n - 2, 1))


def ols_covariances(coefficient_map: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """``A Sigma(rho) A'`` for each ``rho``: the covariance of OLS under AR(1) errors.

    ``coefficient_map`` is ``A = (X'X)^-1 X'`` (k x n, see ``Line.coefficient_map``);
    ``Sigma_ij = rho^|i-j| / (1 - rho^2)`` (unit innovation variance). With
    ``C_m = sum_t A[:, t] A[:, t + m]'`` (lag-m cross-products of A's rows, by FFT),
    ``A Sigma A' = (C_0 + sum_m rho^m (C_m + C_m')) / (1 - rho^2)``: O(n log n) time, O(n)
    memory. Returns an array of shape (len(rho), k, k).
    """
    n = coefficient_map.shape[1]
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(coefficient_map, size, axis=1)
    # cross[i, j, m] = sum_t A[i, t] A[j, t + m] for m = 0..n-1
    products = np.conj(spectrum)[:, None, :] * spectrum[None, :, :]
    cross = np.fft.irfft(products, size, axis=2)[..., :n]
    rho = np.atleast_1d(np.asarray(rho, dtype=float))
    # Lags beyond the one where the largest |rho|^m falls below 1e-300 add nothing a float can
    # hold (each |C_m| <= C_0); leaving them out keeps the power table small at any n.
    largest = float(np.abs(rho).max(initial=0.0))
    last = n - 1
    if largest == 0.0:
        last = 0
    elif largest < 1.0:
        last = min(n - 1, math.ceil(UNDERFLOW_DECADES / -math.log10(largest)))
    lags = np.arange(1, last + 1)
    with np.errstate(under="ignore"):
        powers = rho[:, None] ** lags[None, :]  # (G, last)
    k = coefficient_map.shape[0]
    lagged = (powers @ cross[..., 1 : last + 1].reshape(k * k, last).T).reshape(-1, k, k)
    covariance = cross[None, :, :, 0] + lagged + np.swapaxes(lagged, 1, 2)
    return covariance / (1.0 - rho**2)[:, None, None]


def optimal_block_length(values) -> int:
    """Circular block bootstrap block length by Politis & White (2004).

    With the correction of Patton, Politis & White (2009) and the lag choice of Patton's
    reference code (as in ``arch.bootstrap.optimal_block_length``): ``m`` is the first lag
    starting ``K_N = 5`` consecutive autocorrelations inside ``+-2 sqrt(log10(n) / n)``; the
    flat-top window of Politis & Romano (1995) runs to ``M = 2m``. Returns a whole number of
    points, rounded up, between 1 and ``ceil(min(3 sqrt(n), n / 3))``.
    """
    values = np.asarray(values, dtype=float)
    n = values.size
    if n < MIN_BLOCK_POINTS:
        return 1
    centred = values - values.mean()
    k_n = max(MIN_RUN, int(math.log10(n)))
    m_max = min(math.ceil(math.sqrt(n)) + k_n, n - 1)
    autocov = autocovariances(centred, m_max)
    if autocov[0] <= 0:
        return 1
    significant = np.abs(autocov / autocov[0]) >= SIGNIFICANT * math.sqrt(math.log10(n) / n)
    m_hat = next((m for m in range(1, m_max - k_n + 2) if not significant[m : m + k_n].any()),
                 None)
    big_m = min(2 * max(m_hat, 1), m_max) if m_hat is not None else m_max
    lags = np.arange(1, big_m + 1)
    ratio = lags / big_m
    window = np.where(ratio <= 0.5, 1.0, 2.0 * (1.0 - ratio))
    g_hat = float(2.0 * (window * lags * autocov[1 : big_m + 1]).sum())
    long_run = float(autocov[0] + 2.0 * (window * autocov[1 : big_m + 1]).sum())
    if long_run <= 0:
        return 1
    length = (2.0 * g_hat**2 / (CIRCULAR * long_run**2)) ** (1.0 / 3.0) * n ** (1.0 / 3.0)
    upper = math.ceil(min(LONGEST_BLOCK * math.sqrt(n), n / LONGEST_BLOCK))
    return int(np.clip(math.ceil(length), 1, upper))


def autocovariances(centred: np.ndarray, last: int) -> np.ndarray:
    """``sum_t c_t c_(t+k) / n`` for k = 0..last, by one FFT (O(n log n), any ``last``)."""
    n = centred.size
    size = 1 << (n + last).bit_length()  # room for every lag needed without wrapping around
    spectrum = np.fft.rfft(centred, size)
    return np.fft.irfft(spectrum.real**2 + spectrum.imag**2, size)[: last + 1] / n
