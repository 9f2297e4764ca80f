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
