"""Simulated runs with known coefficients: for tests, calibration studies and examples."""

from __future__ import annotations

import numpy as np

from .run import Run
from .sources.log import KeySeries


def entropy_curve(steps, *, start: float = 1.0, end: float = 0.05, decay: float = 0.25,
                  n_steps: int | None = None) -> np.ndarray:
    """Entropy that decays fast and flattens: ``end + (start - end) exp(-step / (decay N))``."""
    steps = np.asarray(steps, dtype=float)
    n_steps = n_steps or max(float(steps.max()), 1.0)
    return end + (start - end) * np.exp(-steps / (decay * n_steps))


def ar1_noise(n: int, *, sd: float, autocorrelation: float, rng) -> np.ndarray:
    """Stationary AR(1) noise with marginal standard deviation ``sd``."""
    rho = float(autocorrelation)
    innovations = rng.standard_normal(n) * sd * np.sqrt(1.0 - rho**2)
    noise = np.empty(n)
    noise[0] = rng.standard_normal() * sd
    for t in range(1, n):
        noise[t] = rho * noise[t - 1] + innovations[t]
    return noise


def simulate_run(
    *,
    a: float = 0.3,
    b: float = 0.8,
    n_steps: int = 600,
    validate_every: int = 10,
    entropy_start: float = 1.0,
    entropy_end: float = 0.05,
    entropy_decay: float = 0.25,
    entropy_noise: float = 0.0,
    noise_sd: float = 0.015,
    noise_autocorrelation: float = 0.0,
    format_steps: int = 0,
    format_gap: float = 0.25,
    seed=0,
    source: str = "simulated",
) -> Run:
    """A run following ``R = -a exp(H) + b`` exactly, plus noise.

    Entropy is logged at steps 0..n_steps (with relative noise ``entropy_noise``); validation at
    steps 0, validate_every, ..., with AR(1) noise of marginal sd ``noise_sd``. The validation
    accuracy uses the true entropy at its step. With ``format_steps`` > 0 the run starts with a
    phase the law does not describe (the model learning the answer format): accuracy starts
    ``format_gap`` below the law and catches up linearly by step ``format_steps``, while entropy
    stays at its start (its decay begins after the phase). The truth is kept in
    ``run.metadata['truth']``.
    """
    rng = np.random.default_rng(seed)
    kwargs = dict(start=entropy_start, end=entropy_end, decay=entropy_decay, n_steps=n_steps)
    h_steps = np.arange(0, n_steps + 1)
    h_true = entropy_curve(np.maximum(h_steps - format_steps, 0), **kwargs)
    h_logged = h_true * (1.0 + entropy_noise * rng.standard_normal(h_steps.size))
    r_steps = np.arange(0, n_steps + 1, validate_every)
    r_true = b - a * np.exp(entropy_curve(np.maximum(r_steps - format_steps, 0), **kwargs))
    if format_steps > 0:
        r_true = r_true - format_gap * np.clip(1.0 - r_steps / format_steps, 0.0, 1.0)
    reward = r_true + ar1_noise(r_steps.size, sd=noise_sd, autocorrelation=noise_autocorrelation,
                                rng=rng)
    truth = {"a": a, "b": b, "ceiling": b - a}
    entropy_series = KeySeries("actor/entropy", h_steps, h_logged)
    reward_series = KeySeries("val-core/simulated/acc/mean@1", r_steps, reward)
    return Run(source, entropy_series.key, reward_series.key, entropy_series, reward_series,
               {reward_series.key: reward_series}, metadata={"truth": truth})
