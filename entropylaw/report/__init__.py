"""Readable text for results: numbers stored as fractions are shown as percent.

Shared helpers live here; each result type has its own module (``fit``, ...).
"""

from __future__ import annotations

import math


def percent(value: float, digits: int = 1) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value * 100:.{digits}f}%"


def points(value: float, digits: int = 2) -> str:
    """A reward difference in accuracy points."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value * 100:.{digits}f} points"


def interval(estimate, digits: int = 1) -> str:
    return f"[{percent(estimate.lower, digits)}, {percent(estimate.upper, digits)}]"


def notices(title: str, items) -> list[str]:
    if not items:
        return []
    return ["", title] + [f"  {item.code}: {item.message}" for item in items]
