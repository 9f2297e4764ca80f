"""Draws of new validation measurements after the fit window, given the last one observed.

The fit models a measurement as the law plus AR(1) noise. For each draw of the fit, the noise
``h`` validation intervals after the window's last point has mean ``rho^h e`` (``e`` that point's
residual under the draw's coefficients) and standard deviation ``sd sqrt(1 - rho^(2h))``: the
best linear predictor under the fit's own noise model. Far ahead it is the unconditional
prediction of ``LawFit.predict_draws(kind='observation')``.
"""

from __future__ import annotations

import numpy as np


def observation_draws(fit, entropy, steps, *, spacing: float) -> np.ndarray:
    """Draws of R at ``steps`` (n_draws x len(steps)) from the law fit ``fit``.

    ``entropy`` is one value per step, or one row per draw (an entropy forecast's draws);
    ``spacing`` is the number of steps between validations.
    """
    draws = fit.draws
    mean = draws.b[:, None] - draws.a[:, None] * np.exp(np.asarray(entropy, dtype=float))
    last_residual = fit.data.reward[-1] - (draws.b - draws.a * np.exp(fit.data.entropy[-1]))
    lags = np.maximum(np.rint((np.asarray(steps, dtype=float) - fit.data.steps[-1]) / spacing), 1)
    rho = draws.noise_autocorrelation[:, None]
    carry = np.sign(rho) ** lags * np.abs(rho) ** lags
    spread = draws.noise_sd[:, None] * np.sqrt(1.0 - carry**2)
    return mean + carry * last_residual[:, None] + spread * draws.noise[:, None]


def validation_spacing(steps) -> float:
    """The usual number of steps between validations (median gap; 1 if unknown)."""
    gaps = np.diff(np.asarray(steps, dtype=float))
    gaps = gaps[gaps > 0]
    return float(np.median(gaps)) if gaps.size else 1.0
