"""Draws of new validation measurements after the fit window.

The fit models a measurement as the law plus AR(1) noise. Conditioned on the window's last
point, the noise ``h`` validation intervals later has, for each draw of the fit, mean
``rho^h e`` (``e`` that point's residual under the draw's coefficients) and standard deviation
``sd sqrt(1 - rho^(2h))``: the best linear predictor under the fit's own noise model. Far
ahead, or unconditioned, it is the noise of ``LawFit.predict_draws(kind='observation')``. A
measurement paired with a logged (noisy) entropy value also carries that noise through the law,
as in the fit; an entropy forecast is of the trend and carries none.
"""

from __future__ import annotations

import numpy as np


def observation_draws(fit, entropy, steps, *, spacing: float, conditional: bool = True,
                      logged=None):
    """(means, draws of a new measurement) of R at ``steps``, each n_draws x len(steps).

    ``entropy`` is one value per step, or one row per draw (an entropy forecast's draws);
    ``spacing`` is the number of steps between validations; ``logged`` marks the steps whose
    entropy is a logged value (default: all when ``entropy`` is 1-d).
    """
    draws = fit.draws
    entropy = np.asarray(entropy, dtype=float)
    mean = draws.b[:, None] - draws.a[:, None] * np.exp(entropy)
    carry = None
    if conditional:
        last_residual = (fit.data.reward[-1]
                         - (draws.b - draws.a * np.exp(fit.data.entropy[-1])))
        gaps = (np.asarray(steps, dtype=float) - fit.data.steps[-1]) / spacing
        lags = np.maximum(np.rint(gaps), 1)
        rho = draws.noise_autocorrelation[:, None]
        carry = np.sign(rho) ** lags * np.abs(rho) ** lags
        mean = mean + carry * last_residual[:, None]
    logged = np.full(mean.shape[1], entropy.ndim == 1) if logged is None else np.asarray(logged)
    variance = fit.observation_variance(entropy, logged=logged, carry=carry)
    return mean, mean + np.sqrt(variance) * draws.noise[:, None]


def validation_spacing(steps) -> float:
    """The usual number of steps between validations (median gap; 1 if unknown)."""
    gaps = np.diff(np.asarray(steps, dtype=float))
    gaps = gaps[gaps > 0]
    return float(np.median(gaps)) if gaps.size else 1.0
