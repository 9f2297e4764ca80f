"""Find an early phase the law does not describe: a validation before training, or a first
phase where accuracy jumps while entropy barely moves (a model learning the answer format).

Such points sit far below the law fitted to the points after them, while entropy is still high.
Candidates are the leading points whose entropy is in the upper half of the window's range. For
each candidate end of the phase (latest first), the law is fitted to the later points and the
last point of the candidate phase is tested as a new observation of that fit (a one-sided
prediction-interval test; level 0.01 over all candidates, Bonferroni). The phase ends at the
latest candidate that fails.
See docs/forecast.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import FitError
from ..law.linear import fit_line

LEVEL = 0.01
MIN_REFERENCE = 4  # points the law is fitted to when testing (2 degrees of freedom)


@dataclass(frozen=True)
class EarlyPhase:
    """How many leading validation points to leave out, and the test behind it."""

    n_points: int  # leading points in the phase
    checked: bool  # False when the window was too short to test
    statistic: float  # studentised residual of the phase's last point (nan if none)


def find_early_phase(entropy, reward, *, level: float = LEVEL) -> EarlyPhase:
    """Detect a leading phase below the law in paired ``entropy``/``reward`` arrays (in step
    order). Only leading points with entropy in the upper half of its range can be in the
    phase, and 4 points must remain after it."""
    from scipy.stats import t as student_t

    entropy = np.asarray(entropy, dtype=float)
    x = np.exp(entropy)
    y = np.asarray(reward, dtype=float)
    n = x.size
    if n == 0:
        return EarlyPhase(0, False, np.nan)
    high = entropy >= (entropy.max() + entropy.min()) / 2.0
    leading_high = int(np.argmin(high)) if not high.all() else n
    latest = min(n - MIN_REFERENCE, leading_high)
    if latest < 1:
        return EarlyPhase(0, False, np.nan)
    threshold_level = level / latest
    for end in range(latest, 0, -1):
        try:
            line = fit_line(x[end:], y[end:])
        except FitError:
            continue
        dof = line.n - 2
        scale = np.sqrt(line.rss / dof)
        point = np.array([1.0, -x[end - 1]])
        inverse = np.linalg.inv(line.design.T @ line.design)
        spread = scale * np.sqrt(1.0 + point @ inverse @ point)
        if spread <= 0:
            continue
        statistic = (y[end - 1] - (line.b - line.a * x[end - 1])) / spread
        if statistic < student_t.ppf(threshold_level, dof):
            return EarlyPhase(end, True, float(statistic))
    return EarlyPhase(0, True, np.nan)
