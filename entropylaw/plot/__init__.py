"""Figures of results: one module per result type, each function taking the result and an
optional matplotlib ``ax`` and returning the figure.

This package is the only place matplotlib is imported, and only inside functions, so importing
it is cheap. Plotting reads a result and never changes it.
"""

from __future__ import annotations

from .backtest import plot_backtest
from .diagnose import plot_diagnosis
from .family import plot_family
from .files import FORMATS, figure_format, save
from .fit import plot_fit
from .forecast import plot_forecast

__all__ = ["FORMATS", "draw", "figure_format", "plot_backtest", "plot_diagnosis", "plot_family",
           "plot_fit", "plot_forecast", "save"]

# Result class name -> the function drawing it (the CLI's --plot draws any result).
_DRAWERS = {"LawFit": plot_fit, "Forecast": plot_forecast, "FamilyFit": plot_family,
            "Backtest": plot_backtest, "Diagnosis": plot_diagnosis}


def draw(result, ax=None, **options):
    """The figure of any result this package draws (a fit, forecast, family, backtest or
    diagnosis);
    ``options`` go to its plot function."""
    name = type(result).__name__
    if name not in _DRAWERS:
        raise TypeError(f"no figure for a {name}; figures exist for: {', '.join(_DRAWERS)}")
    return _DRAWERS[name](result, ax, **options)
