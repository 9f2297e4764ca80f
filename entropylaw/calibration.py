"""Measure how often the fit's intervals cover the truth, by simulating runs with known a and b."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .law.fitting import fit
from .simulate import simulate_run

VALIDATE_EVERY = 10  # steps between validations; entropy is logged at every step between them


@dataclass(frozen=True)
class Coverage:
    """Share of simulated runs whose interval held the true a, b and ceiling."""

    method: str
    n_points: int
    autocorrelation: float
    n_runs: int
    a: float
    b: float
    ceiling: float
    ceiling_width: float  # median interval width of the ceiling

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def coverage_study(
    *,
    method: str = "ar1",
    n_points: int = 36,
    autocorrelation: float = 0.0,
    n_runs: int = 500,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    window_of: int | None = None,
    noise_sd: float = 0.015,
    entropy_noise: float = 0.0,
    entropy_window: int = 1,
    a: float = 0.3,
    b: float = 0.8,
    seed: int = 0,
) -> Coverage:
    """Fit ``n_runs`` simulated runs of ``n_points`` validation points and count coverage.

    Entropy decays from 1.0 to 0.05 nats over the run. With ``window_of = N`` each run has N
    validation points and only the first ``n_points`` are fitted (the paper's early window).
    """
    rng = np.random.default_rng(seed)
    total = window_of or n_points
    validate_every = VALIDATE_EVERY
    hits = np.zeros(3)  # a, b, ceiling
    widths = []
    for _ in range(n_runs):
        run = simulate_run(a=a, b=b, n_steps=(total - 1) * validate_every,
                           validate_every=validate_every, noise_sd=noise_sd,
                           noise_autocorrelation=autocorrelation, entropy_noise=entropy_noise,
                           seed=rng)
        if window_of:
            run = run.until((n_points - 1) * validate_every)
        result = fit(run, method=method, confidence=confidence, n_resamples=n_resamples,
                     seed=rng, entropy_window=entropy_window)
        hits += [result.a.contains(a), result.b.contains(b), result.ceiling.contains(b - a)]
        widths.append(result.ceiling.upper - result.ceiling.lower)
    shares = hits / n_runs
    return Coverage(method, n_points, autocorrelation, n_runs, *map(float, shares),
                    float(np.median(widths)))
