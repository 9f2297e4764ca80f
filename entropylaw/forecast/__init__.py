"""Forecast a run's late-stage accuracy and ceiling from an early window, and backtest it.

``entropylaw.forecast(run, ...)`` is the function :func:`forecaster.forecast`; importing this
package makes ``entropylaw.forecast`` the package, so the package is callable as that function.
"""

import sys
import types

from .backtest import METHODS, Backtest, backtest
from .forecaster import Forecast, Margin, forecast

__all__ = ["METHODS", "Backtest", "Forecast", "Margin", "backtest", "forecast"]


class _CallablePackage(types.ModuleType):
    def __call__(self, *args, **kwargs) -> Forecast:
        return forecast(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
