"""One update of a watched run: what the forecast says now, in the fields a live view shows."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..results import Estimate, Notice, json_float


@dataclass(frozen=True, eq=False)
class WatchUpdate:
    """The state of a live run after its latest validation point. Accuracies are fractions in
    [0, 1]; ``ceiling`` is set only where the forecast says the law applies, else ``plateau``
    (``plateau_kind`` 'asymptote' or 'last_level') is the level it levels off at. ``result``
    is the full Forecast (None before there are enough points to fit)."""

    last_step: int
    n_points: int
    accuracy: float | None
    ceiling: Estimate | None
    plateau: Estimate | None
    plateau_kind: str | None
    horizon: dict | None  # {"step", "estimate", "lower", "upper"}
    steps_to_ceiling: float | None
    law: dict | None
    warnings: tuple[Notice, ...]
    result: object = field(default=None, repr=False)

    def to_dict(self) -> dict:
        return {
            "last_step": self.last_step,
            "n_points": self.n_points,
            "accuracy": json_float(self.accuracy),
            "ceiling": _estimate(self.ceiling),
            "plateau": _estimate(self.plateau),
            "plateau_kind": self.plateau_kind,
            "forecast": self.horizon,
            "steps_to_ceiling": None if self.steps_to_ceiling is None
            else round(self.steps_to_ceiling),
            "law": self.law,
            "warnings": [w.to_dict() for w in self.warnings],
        }

    def __str__(self) -> str:
        from ..report.watch import format_update

        return format_update(self)

    def __repr__(self) -> str:
        ceiling = "None" if self.ceiling is None else f"{self.ceiling.estimate:.4f}"
        return (f"WatchUpdate(last_step={self.last_step}, n_points={self.n_points}, "
                f"ceiling={ceiling})")


def _estimate(value: Estimate | None) -> dict | None:
    if value is None:
        return None
    return {"estimate": json_float(value.estimate), "lower": json_float(value.lower),
            "upper": json_float(value.upper)}


def assess(run, *, horizon: int | None = None, margin: float = 0.01, confidence: float = 0.9,
           seed=0, extra_warnings=()) -> WatchUpdate:
    """Forecast ``run`` as it stands (the live protocol: every point so far is the window) and
    summarise it. Too few points to fit is not an error: the update says so in its warnings."""
    from ..errors import FitError, InputError
    from ..forecasting import forecast

    finite = run.reward.values[np.isfinite(run.reward.values)]
    accuracy = float(finite[-1]) if finite.size else None
    warnings = list(extra_warnings)
    if accuracy is not None and not 0.0 <= accuracy <= 1.0:
        warnings.append(Notice("not_an_accuracy", f"the validation value {accuracy:g} is "
                                                  f"outside 0-1: not shown as an accuracy"))
        accuracy = None
    base = dict(last_step=run.last_step, n_points=int(finite.size), accuracy=accuracy)
    try:
        result = forecast(run, horizon=horizon, margin=margin, confidence=confidence, seed=seed)
    except (FitError, InputError) as error:
        warnings.append(Notice("no_forecast_yet", str(error)))
        return WatchUpdate(**base, ceiling=None, plateau=None, plateau_kind=None, horizon=None,
                           steps_to_ceiling=None, law=None, warnings=tuple(warnings))
    gate = getattr(result, "law", None)
    warnings += list(getattr(result, "warnings", ()))
    if hasattr(result, "plateau_kind"):  # the forecaster with the law gate
        applies = bool(gate is not None and gate.applies and result.ceiling is not None)
    else:  # before the law gate: the forecaster fell back when the law did not help
        applies = (getattr(result, "forecaster", "law") == "law"
                   and not any(w.code == "law_not_supported" for w in warnings))
    ceiling = _accuracy_estimate(result.ceiling) if applies else None
    if applies and ceiling is None:
        warnings.append(Notice("ceiling_out_of_range",
                               "the fitted ceiling is not an accuracy in 0-1: not shown"))
    plateau = _accuracy_estimate(getattr(result, "plateau", None))
    kind = getattr(result, "plateau_kind", None)
    if plateau is None and ceiling is not None:
        plateau, kind = ceiling, "ceiling"
    margin_result = getattr(result, "margin", None)
    steps = getattr(margin_result, "steps_remaining", None) if applies else None
    return WatchUpdate(**base, ceiling=ceiling, plateau=plateau, plateau_kind=kind,
                       horizon=_at_horizon(result.predictions), steps_to_ceiling=steps,
                       law=_law(gate, applies, result), warnings=tuple(warnings), result=result)


def _accuracy_estimate(value) -> Estimate | None:
    """``value`` when it is a finite accuracy in [0, 1] with a band around it, else None."""
    if value is None:
        return None
    numbers = (value.estimate, value.lower, value.upper)
    if not all(isinstance(x, (int, float)) and math.isfinite(x) for x in numbers):
        return None
    if not 0.0 <= value.estimate <= 1.0:
        return None
    lower, upper = max(value.lower, 0.0), min(value.upper, 1.0)
    if not lower <= value.estimate <= upper:
        return None
    return Estimate(value.estimate, lower, upper)


def _at_horizon(predictions) -> dict | None:
    """The forecast at the last predicted step, its band clipped to accuracies."""
    if predictions is None or len(predictions) == 0:
        return None
    row = predictions.iloc[-1]
    estimate = float(row["reward"])
    if not math.isfinite(estimate):
        return None
    estimate = min(max(estimate, 0.0), 1.0)
    lower = min(max(float(row["lower"]), 0.0), estimate)
    upper = max(min(float(row["upper"]), 1.0), estimate)
    return {"step": int(row["step"]), "estimate": estimate, "lower": lower, "upper": upper}


def _law(gate, applies: bool, result) -> dict | None:
    if gate is not None and hasattr(gate, "to_dict"):
        return gate.to_dict()
    fit = getattr(result, "fit", None)
    line = getattr(fit, "line", None)
    if line is None:
        return None
    return {"applies": applies, "a": json_float(line.a), "b": json_float(line.b),
            "forecaster": getattr(result, "forecaster", None)}
