"""Resampling schemes for the law's coefficients. Each scheme's one job is to produce draws.

A scheme takes the least-squares line and returns :class:`Draws`: coefficient draws and the
noise level of each draw (for prediction intervals of new measurements). Intervals, standard
errors and confidence levels are computed once, from the draws, in ``fit.py``.

- ``ar1`` (default): a parametric bootstrap. The residuals follow AR(1); its correlation is
  drawn from its restricted likelihood and the OLS coefficients from their sampling
  distribution under that correlation (nothing is resampled from the data).
- ``block``: circular block bootstrap of (entropy, reward) pairs, block length by Politis-White
  on the residuals.
- ``iid``: the plain pairs bootstrap (ignores serial correlation; for comparison).

Every scheme costs O(n) time and memory for a fixed number of draws (docs/speed.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ArgumentError
from .autocorr import ar1_likelihood, ols_covariances, optimal_block_length
from .linear import CONSTANT_X, Line, lag1_autocorrelation

MAX_RHO = 0.99  # |rho| is kept below 1: AR(1) noise with rho = 1 has no stationary sd
GATHER_LIMIT = 1_000_000  # block starts drawn at a time (8 MB): bounds the index array


@dataclass(frozen=True, eq=False)
class Draws:
    """Resampled coefficients and, per draw, the noise model of one validation measurement.

    ``noise_sd`` is the marginal standard deviation of a measurement around the line,
    ``noise_autocorrelation`` its lag-1 correlation, ``noise`` a standard normal per draw
    (fixed at fit time so predictions are reproducible).
    """

    b: np.ndarray
    a: np.ndarray
    noise_sd: np.ndarray
    noise_autocorrelation: np.ndarray
    noise: np.ndarray

    @property
    def ceiling(self) -> np.ndarray:
        return self.b - self.a

    def __len__(self) -> int:
        return int(self.a.size)


class AR1:
    name = "ar1"
    description = ("parametric bootstrap under AR(1) noise, correlation drawn from its "
                   "restricted likelihood")

    def draw(self, line: Line, n_resamples: int, rng: np.random.Generator, *,
             x_variance: np.ndarray | None = None, x_smooth: np.ndarray | None = None) -> Draws:
        """``x_variance``: per-point variance of the measured exp(H), from entropy noise.

        Entropy noise adds ``a^2 x_variance`` of independent, uneven noise to the residuals;
        it is added to the coefficients' covariance apart from the AR(1) validation noise,
        whose correlation and variance are learnt against ``x_smooth`` (exp of a smoothed
        entropy), where the measurement noise does not blur them.
        """
        likelihood = ar1_likelihood(line.x if x_smooth is None else x_smooth, line.y)
        grid_index = rng.choice(likelihood.rho.size, size=n_resamples, p=likelihood.weights)
        used, position = np.unique(grid_index, return_inverse=True)
        rho = likelihood.rho[used]
        innovation_variance = likelihood.innovation_variance[used]
        coefficient_map = line.coefficient_map()
        covariance = ols_covariances(coefficient_map, rho) * innovation_variance[:, None, None]
        if x_variance is not None:
            measurement = line.a**2 * np.asarray(x_variance, dtype=float)
            covariance = covariance + (coefficient_map * measurement) @ coefficient_map.T
        roots = np.linalg.cholesky(covariance)
        coefficients = np.einsum("rij,rj->ri", roots[position],
                                 rng.standard_normal((n_resamples, 2)))
        return Draws(
            b=line.b + coefficients[:, 0],
            a=line.a + coefficients[:, 1],
            noise_sd=np.sqrt(innovation_variance / (1.0 - rho**2))[position],
            noise_autocorrelation=rho[position],
            noise=rng.standard_normal(n_resamples),
        )


class Block:
    name = "block"
    description = "circular block bootstrap of pairs, Politis-White block length"

    def __init__(self, block_length: int | None = None):
        self.block_length = block_length

    def draw(self, line: Line, n_resamples: int, rng: np.random.Generator, *,
             x_variance: np.ndarray | None = None, x_smooth: np.ndarray | None = None) -> Draws:
        """Pairs resampling is robust to uneven noise: the entropy-noise inputs are unused."""
        length = self.block_length or optimal_block_length(line.residuals)
        b, a = _pairs_bootstrap(line.x, line.y, length, n_resamples, rng)
        sd = float(np.sqrt(line.rss / max(line.n - 2, 1)))
        rho = lag1_autocorrelation(line.residuals) if length > 1 else 0.0
        rho = float(np.clip(np.nan_to_num(rho), -MAX_RHO, MAX_RHO))
        return Draws(b, a, np.full(n_resamples, sd), np.full(n_resamples, rho),
                     rng.standard_normal(n_resamples))


class IID(Block):
    name = "iid"
    description = "pairs bootstrap, independent points"

    def __init__(self):
        super().__init__(block_length=1)


SCHEMES = {scheme.name: scheme for scheme in (AR1, Block, IID)}


def get_scheme(method) -> AR1 | Block:
    """A scheme instance from its name (or the instance itself)."""
    if hasattr(method, "draw"):
        return method
    if method not in SCHEMES:
        raise ArgumentError(f"`method` must be one of {{{', '.join(map(repr, SCHEMES))}}}, "
                         f"got {method!r}")
    return SCHEMES[method]()


# Above this many whole blocks per replicate the resampled sums are drawn from their normal
# limit (the sum of that many independent block picks), which costs O(n) rather than
# O(n_resamples x n / length).
EXACT_BLOCKS = 4096


def _pairs_bootstrap(x, y, length: int, n_resamples: int, rng):
    """Circular block bootstrap of (x, y) pairs; slope and intercept from resampled sums.

    Block sums of (1, x, y, x^2, xy) are precomputed for every start, so a replicate costs
    ceil(n / length) look-ups: whole blocks, then a last block cut to make n points. With more
    than ``EXACT_BLOCKS`` whole blocks, the sum of the whole blocks is drawn from its normal
    limit instead: mean and covariance n_full times those of one block pick (central limit
    theorem), from x and y centred so the small covariances the slope depends on keep their
    digits.
    """
    n = x.size
    n_full, remainder = divmod(n, length)
    if n_full > EXACT_BLOCKS:
        x_mean, y_mean = float(x.mean()), float(y.mean())
        full, partial = _block_sums(x - x_mean, y - y_mean, length)
        sums = _normal_sums(full, n_full, n_resamples, rng)
        if remainder:
            sums += partial[rng.integers(0, n, size=n_resamples)].T
        b, a = _line_from_sums(sums)
        return b + y_mean + a * x_mean, a
    full, partial = _block_sums(x, y, length)
    full_columns = np.ascontiguousarray(full.T)  # one gather per term is faster than per row
    b = np.empty(n_resamples)
    a = np.empty(n_resamples)
    chunk = max(1, GATHER_LIMIT // max(n_full, 1))  # rows of the (chunk, n_full) index array
    for begin in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - begin)
        starts = rng.integers(0, n, size=(size, n_full))
        sums = np.stack([column[starts].sum(axis=1) for column in full_columns])
        if remainder:
            sums += partial[rng.integers(0, n, size=size)].T
        b[begin : begin + size], a[begin : begin + size] = _line_from_sums(sums)
    return b, a


def _block_sums(x, y, length: int):
    """Sums of (1, x, y, x^2, xy) over the circular block of ``length`` (and of the remainder)
    starting at each point: two (n, 5) arrays."""
    n = x.size
    terms = np.column_stack([np.ones(n), x, y, x * x, x * y])
    wrapped = np.concatenate([terms, terms[:length]])
    cumulative = np.vstack([np.zeros(5), np.cumsum(wrapped, axis=0)])
    starts = np.arange(n)
    full = cumulative[starts + length] - cumulative[starts]
    partial = cumulative[starts + n % length] - cumulative[starts]
    return full, partial


def _normal_sums(full, n_full: int, size: int, rng) -> np.ndarray:
    """(5, size) draws of the sum of ``n_full`` independent picks among the rows of ``full``."""
    mean = full.mean(axis=0)
    deviations = full[:, 1:] - mean[1:]  # the count column is the same in every block
    covariance = deviations.T @ deviations / full.shape[0]
    values, vectors = np.linalg.eigh(covariance)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    sums = np.empty((5, size))
    sums[0] = n_full * mean[0]
    sums[1:] = (n_full * mean[1:])[:, None] + math.sqrt(n_full) * (
        root @ rng.standard_normal((4, size)))
    return sums


def _line_from_sums(sums):
    """(intercept, -slope) of the least-squares line from sums of (1, x, y, x^2, xy)."""
    count, sx, sy, sxx, sxy = sums
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (count * sxy - sx * sy) / (count * sxx - sx * sx)
    intercept = (sy - slope * sx) / count
    degenerate = np.abs(count * sxx - sx * sx) <= CONSTANT_X * np.maximum(sx * sx, 1.0)
    slope[degenerate] = np.nan
    intercept[degenerate] = np.nan
    return intercept, -slope
