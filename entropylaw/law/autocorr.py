"""Serial correlation of the residuals: AR(1) restricted likelihood, and block length selection.

Consecutive validation points share slow drifts, so their errors are correlated; ignoring it
makes intervals far too narrow (see docs/intervals.md for the measured coverage).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Correlations considered for the AR(1) noise: a uniform prior on this grid.
RHO_GRID = np.round(np.arange(-0.90, 0.985, 0.01), 2)


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
    """
    n = x.size
    rho = np.asarray(grid, dtype=float)[:, None]
    scale = np.sqrt(1.0 - rho**2)

    def transform(values):
        return np.concatenate([scale * values[:, :1], values[:, 1:] - rho * values[:, :-1]], axis=1)

    ones = transform(np.ones((1, n)))
    minus_x = transform(-x[None, :])
    ys = transform(y[None, :])
    # 2x2 normal equations for every grid point at once.
    s11 = (ones * ones).sum(1)
    s12 = (ones * minus_x).sum(1)
    s22 = (minus_x * minus_x).sum(1)
    t1 = (ones * ys).sum(1)
    t2 = (minus_x * ys).sum(1)
    det = s11 * s22 - s12**2
    b = (s22 * t1 - s12 * t2) / det
    a = (s11 * t2 - s12 * t1) / det
    residual = ys - b[:, None] * ones - a[:, None] * minus_x
    rss = np.maximum((residual**2).sum(1), np.finfo(float).tiny)
    loglik = 0.5 * np.log(1.0 - rho[:, 0] ** 2) - 0.5 * np.log(det) - 0.5 * (n - 2) * np.log(rss)
    loglik = np.where(np.isfinite(loglik), loglik, -np.inf)
    weights = np.exp(loglik - loglik.max())
    weights /= weights.sum()
    return AR1Likelihood(rho[:, 0], weights, rss / max(n - 2, 1))


def ols_covariances(projector: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """``A Sigma(rho) A'`` for each ``rho``: the covariance of OLS under AR(1) errors.

    ``projector`` is ``A = (X'X)^-1 X'`` (k x n); ``Sigma_ij = rho^|i-j| / (1 - rho^2)`` (unit
    innovation variance). With ``C_m = sum_t A[:, t] A[:, t + m]'`` (lag-m cross-products of
    A's rows, by FFT), ``A Sigma A' = (C_0 + sum_m rho^m (C_m + C_m')) / (1 - rho^2)``.
    Returns an array of shape (len(rho), k, k).
    """
    n = projector.shape[1]
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(projector, size, axis=1)
    # cross[i, j, m] = sum_t A[i, t] A[j, t + m] for m = 0..n-1
    products = np.conj(spectrum)[:, None, :] * spectrum[None, :, :]
    cross = np.fft.irfft(products, size, axis=2)[..., :n]
    rho = np.atleast_1d(np.asarray(rho, dtype=float))
    lags = np.arange(1, n)
    with np.errstate(under="ignore"):
        powers = rho[:, None] ** lags[None, :]  # (G, n-1)
    lagged = np.einsum("gm,ijm->gij", powers, cross[..., 1:])
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
    if n < 4:
        return 1
    centred = values - values.mean()
    k_n = max(5, int(math.log10(n)))
    m_max = min(math.ceil(math.sqrt(n)) + k_n, n - 1)
    autocov = np.array([centred[k:] @ centred[: n - k] / n for k in range(m_max + 1)])
    if autocov[0] <= 0:
        return 1
    significant = np.abs(autocov / autocov[0]) >= 2.0 * math.sqrt(math.log10(n) / n)
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
    length = (2.0 * g_hat**2 / (4.0 / 3.0 * long_run**2)) ** (1.0 / 3.0) * n ** (1.0 / 3.0)
    upper = math.ceil(min(3.0 * math.sqrt(n), n / 3.0))
    return int(np.clip(math.ceil(length), 1, upper))
