"""Small frozen values shared by every result: an estimate with its interval, a notice."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Notice:
    """Something the user must see: a stable machine-readable ``code`` and a prose ``message``."""

    code: str
    message: str

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class Estimate:
    """A point estimate with an interval at some confidence, and the standard error of its draws."""

    estimate: float
    lower: float
    upper: float
    std_error: float = math.nan

    @classmethod
    def from_draws(cls, estimate: float, draws: np.ndarray, confidence: float) -> Estimate:
        """Percentile interval of ``draws`` at ``confidence``; NaN without finite draws."""
        draws = np.asarray(draws, dtype=float)
        draws = draws[np.isfinite(draws)]
        if draws.size < 2:
            return cls(float(estimate), math.nan, math.nan, math.nan)
        tail = (1.0 - confidence) / 2.0
        lower, upper = np.quantile(draws, [tail, 1.0 - tail])
        return cls(float(estimate), float(lower), float(upper), float(np.std(draws, ddof=1)))

    def to_dict(self, *, std_error: bool = True) -> dict:
        out = {"estimate": json_float(self.estimate), "lower": json_float(self.lower),
               "upper": json_float(self.upper)}
        if std_error:
            out["std_error"] = json_float(self.std_error)
        return out

    def contains(self, value: float) -> bool:
        return self.lower <= value <= self.upper


def json_float(value) -> float | None:
    """JSON has no NaN: map None and non-finite numbers to null."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
