"""How a forecast did against what happened: one small function per score."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..results import json_float


def rmse(observed, predicted) -> float:
    return float(np.sqrt(np.mean((np.asarray(observed) - np.asarray(predicted)) ** 2)))


def final_abs_error(observed, predicted) -> float:
    return float(abs(np.asarray(observed)[-1] - np.asarray(predicted)[-1]))


def coverage(observed, lower, upper) -> float:
    """Share of observed values inside [lower, upper] (NaN without a band)."""
    observed, lower, upper = (np.asarray(v, dtype=float) for v in (observed, lower, upper))
    if not (np.isfinite(lower).all() and np.isfinite(upper).all()):
        return float("nan")
    return float(np.mean((observed >= lower) & (observed <= upper)))


def interval_score(observed, lower, upper, level: float = 0.9) -> np.ndarray:
    """Per value: the interval score of a central band (Gneiting and Raftery 2007, eq. 43), its
    width plus ``2 / (1 - level)`` times the distance of the value outside it. A proper score:
    least on average for the true quantiles, so lower means narrow and calibrated at once."""
    observed, lower, upper = (np.asarray(v, dtype=float) for v in (observed, lower, upper))
    penalty = 2.0 / (1.0 - level)
    return (upper - lower + penalty * np.maximum(lower - observed, 0.0)
            + penalty * np.maximum(observed - upper, 0.0))


@dataclass(frozen=True)
class Metrics:
    """Scores of the predictions at steps where a validation value was observed."""

    rmse: float
    final_abs_error: float
    coverage: float
    n_points: int

    @classmethod
    def score(cls, observed, predicted, lower, upper) -> Metrics:
        return cls(rmse(observed, predicted), final_abs_error(observed, predicted),
                   coverage(observed, lower, upper), int(np.size(observed)))

    def to_dict(self) -> dict:
        return {"rmse": json_float(self.rmse), "final_abs_error": json_float(self.final_abs_error),
                "coverage": json_float(self.coverage), "n_points": self.n_points}
