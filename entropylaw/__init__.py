"""entropylaw: fit and forecast the entropy-performance law R = -a exp(H) + b of RL runs.

The package imports lazily so the command line starts fast.
"""

from __future__ import annotations

import importlib

__all__ = [
    "Backtest",
    "Diagnosis",
    "EntropyLawError",
    "Estimate",
    "FamilyFit",
    "FitError",
    "Forecast",
    "InputError",
    "LawFit",
    "MissingDependencyError",
    "Notice",
    "Run",
    "Watcher",
    "__version__",
    "backtest",
    "diagnose",
    "fit",
    "fit_family",
    "forecast",
    "plot",
    "read",
    "simulate_run",
]

_WHERE = {
    "read": "entropylaw.run",
    "Run": "entropylaw.run",
    "fit": "entropylaw.law.fitting",
    "LawFit": "entropylaw.law.fitting",
    "Estimate": "entropylaw.results",
    "Notice": "entropylaw.results",
    "EntropyLawError": "entropylaw.errors",
    "InputError": "entropylaw.errors",
    "FitError": "entropylaw.errors",
    "MissingDependencyError": "entropylaw.errors",
    "simulate_run": "entropylaw.simulate",
    "fit_family": "entropylaw.family.fitting",
    "FamilyFit": "entropylaw.family.fitting",
    "forecast": "entropylaw.forecasting.forecaster",
    "Forecast": "entropylaw.forecasting.forecaster",
    "backtest": "entropylaw.forecasting.backtest",
    "Watcher": "entropylaw.watching.watcher",
    "Backtest": "entropylaw.forecasting.backtest",
    "diagnose": "entropylaw.diagnosing.diagnosis",
    "Diagnosis": "entropylaw.diagnosing.diagnosis",
}
# Subpackages reachable as attributes right after ``import entropylaw`` (still imported lazily;
# entropylaw.plot imports matplotlib only when a figure is drawn).
_SUBPACKAGES = {"plot"}


def __getattr__(name: str):
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("entropylaw")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "0+unknown"
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'entropylaw' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
