"""The text report of a forecast."""

from __future__ import annotations

import math

from .._text import few, plural
from . import interval, notices, percent, points

ROWS_SHOWN = 12  # predictions printed: the first and last half of these


def format_forecast(result) -> str:
    """The report of :class:`entropylaw.forecasting.Forecast`."""
    level = f"{result.confidence * 100:g}%"
    window = result.window
    span = (f"steps {int(window.steps[0])}-{int(window.steps[-1])}, "
            f"{plural(len(window), 'validation point')} (fit until step {result.fit_until_step})")
    if result.excluded_steps:
        span += f"; left out early steps {few(result.excluded_steps)}"
    lines = [
        "Forecast of validation accuracy",
        f"  source      {result.source or '(arrays)'}",
        f"  fit window  {span}",
        f"  law         {_law(result)}",
        f"  forecaster  {_forecaster(result)}",
        f"  plateau     {percent(result.plateau.estimate)}   {level} interval "
        f"{interval(result.plateau)}   {PLATEAU_KINDS[result.plateau_kind]}",
    ]
    if result.ceiling is not None:
        lines.append(f"  ceiling     {percent(result.ceiling.estimate)}   {level} interval "
                     f"{interval(result.ceiling)}   accuracy at H = 0 (b - a)")
    if result.margin is not None:
        lines.append(f"  at ceiling  {_margin(result.margin)}")
    lines += [
        "",
        f"  Predicted validation accuracy, {level} bands for a new measurement "
        f"(* entropy forecast, not logged)",
        f"  {'step':>7}  {'entropy':>8}  {'reward':>7}  {'band':<17}  {'observed':>8}",
    ]
    table = result.predictions
    shown = (table if len(table) <= ROWS_SHOWN
             else [table.iloc[: ROWS_SHOWN // 2], None, table.iloc[-ROWS_SHOWN // 2 :]])
    for part in ([shown] if not isinstance(shown, list) else shown):
        if part is None:
            lines.append(f"  {'...':>7}  ({len(table) - ROWS_SHOWN} more rows; --json gives all)")
            continue
        for row in part.itertuples(index=False):
            entropy = ("" if not math.isfinite(row.entropy)
                       else f"{row.entropy:.3f}" + ("" if row.entropy_observed else "*"))
            band = f"[{percent(row.lower)}, {percent(row.upper)}]"
            observed = percent(row.observed) if math.isfinite(row.observed) else ""
            lines.append(f"  {row.step:>7}  {entropy:>8}  {percent(row.reward):>7}  "
                         f"{band:<17}  {observed:>8}")
    if result.metrics is not None:
        metrics = result.metrics
        lines += ["", f"  Against the {plural(metrics.n_points, 'later validation point')}: "
                      f"RMSE {points(metrics.rmse)}, final-step error "
                      f"{points(metrics.final_abs_error)}, {percent(metrics.coverage, 0)} inside "
                      f"the {level} bands"]
    lines += notices("Warnings", result.warnings)
    lines += notices("Notes", result.notes)
    return "\n".join(lines)


def _margin(margin) -> str:
    if margin is None:
        return "not forecast (needs the law to hold and an entropy forecast)"
    within = f"within {points(margin.margin, 1)} of it once entropy falls to {margin.entropy:.3f}"
    if margin.step is None:
        return f"{within} nats: the entropy forecast does not get there"
    upper = "never" if margin.upper is None else f"{math.ceil(margin.upper)}"
    remaining = margin.steps_remaining
    when = ("already there" if remaining == 0
            else f"{plural(math.ceil(remaining), 'more step')}")
    return (f"{within} nats: at step {math.ceil(margin.step)} "
            f"[{math.ceil(margin.lower)}, {upper}], {when}")


def _law(result) -> str:
    fit, gate = result.fit, result.law
    if fit is None:
        return "not fitted (fewer than 3 validation points with entropy)"
    numbers = (f"a {percent(fit.a.estimate)} {interval(fit.a)}, b {percent(fit.b.estimate)} "
               f"{interval(fit.b)}, R^2 {fit.r2:.3f}")
    verdict = ("applies: " if gate.applies else "does not apply: ") + gate.reason
    return f"{verdict}\n              {numbers}"


def _forecaster(result) -> str:
    names = {"law": "the law", "trend": "saturating trend", "last_value": "last value"}
    if result.protocol == "paper":
        how = "the paper's protocol: the fitted law plus independent noise"
    elif result.protocol == "law":
        how = ("the fitted law, its AR(1) noise conditioned on the window's last point"
               if result.forecaster == "law" else "last observed value (the law was not used)")
    else:
        how = ", ".join(f"{names[name]} {weight * 100:.0f}%" for name, weight in
                        sorted(result.weights.items(), key=lambda item: -item[1]))
        how += " (weights from the empirical prior and the window's own evidence)"
    return how


PLATEAU_KINDS = {
    "ceiling": "the law's ceiling, where the mixture settles",
    "asymptote": "where the forecast levels off (mostly the trend's asymptote)",
    "last_level": "where the forecast levels off (mostly the last level)",
}
