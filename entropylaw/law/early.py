"""Find an early phase the law does not describe: a validation before training, or a first
phase where accuracy jumps while entropy barely moves (a model learning the answer format).

Such points sit far below the law fitted to the points after them, while entropy is still high.
Candidates are the leading points up to the last one whose entropy is in the upper half of the
window's range, keeping 4 points after them. For each candidate end of the phase (latest
first), the law is fitted to the later points and the phase's points are tested as new
observations of that fit: the sum of their prediction errors (a one-sided t test, level 0.01
over all candidates by Bonferroni), and the phase's last point on its own (one-sided, 0.05).
Their variance includes the logged entropy's own noise, carried through the law as in the fit.
The phase ends at the latest candidate that fails both. See docs/forecast.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import FitError
from .entropy_noise import x_variance
from .linear import fit_line

LEVEL = 0.01  # for the sum of the phase's prediction errors, over all candidates
LAST_POINT_LEVEL = 0.05  # for the phase's last point on its own
MIN_REFERENCE = 4  # points the law is fitted to when testing (2 degrees of freedom)


@dataclass(frozen=True)
class EarlyPhase:
    """How many leading validation points to leave out, and the test behind it."""

    n_points: int  # leading points in the phase
    checked: bool  # False when the window was too short to test
    statistic: float  # t statistic of the phase's summed prediction errors (nan if none)


def find_early_phase(entropy, reward, *, entropy_noise: float = 0.0,
                     entropy_window: int = 1) -> EarlyPhase:
    """Detect a leading phase below the law in paired ``entropy``/``reward`` arrays (in step
    order); ``entropy_noise`` is the relative noise of one logged entropy value."""
    from ..quantiles import student_t_below

    entropy = np.asarray(entropy, dtype=float)
    x = np.exp(entropy)
    y = np.asarray(reward, dtype=float)
    n = x.size
    high = np.flatnonzero(entropy >= (entropy.max() + entropy.min()) / 2.0) if n else []
    latest = min(n - MIN_REFERENCE, int(high[-1]) + 1 if len(high) else 0)
    if latest < 1:
        return EarlyPhase(0, False, np.nan)
    for end in range(latest, 0, -1):
        try:
            line = fit_line(x[end:], y[end:])
        except FitError:
            continue
        dof = line.n - 2
        variance = line.rss / dof
        if variance <= 0:
            continue
        phase = np.column_stack([np.ones(end), -x[:end]])
        errors = y[:end] - phase @ np.array([line.b, line.a])
        # Covariance of new observations' prediction errors: s^2 (I + X0 (X'X)^-1 X0').
        covariance = np.eye(end) + phase @ np.linalg.inv(line.design.T @ line.design) @ phase.T
        covariance += np.diag(line.a**2 * x_variance(entropy[:end], entropy_noise,
                                                      entropy_window) / variance)
        total = errors.sum() / np.sqrt(variance * covariance.sum())
        last = errors[-1] / np.sqrt(variance * covariance[-1, -1])
        if (student_t_below(total, LEVEL / latest, dof)
                and student_t_below(last, LAST_POINT_LEVEL, dof)):
            return EarlyPhase(end, True, float(total))
    return EarlyPhase(0, True, np.nan)
