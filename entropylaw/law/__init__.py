"""The law itself: closed-form fit, serial-correlation models, resampling, the fit result."""

from .fitting import LawFit, fit
from .linear import Line, fit_line

__all__ = ["LawFit", "Line", "fit", "fit_line"]
