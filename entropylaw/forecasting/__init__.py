"""Forecast a run's late-stage accuracy and ceiling from an early window, and backtest it."""

from .backtest import METHODS, Backtest, backtest
from .forecaster import Forecast, Margin, forecast

__all__ = ["METHODS", "Backtest", "Forecast", "Margin", "backtest", "forecast"]
