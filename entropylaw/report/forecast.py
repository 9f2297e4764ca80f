"""The text report of a forecast."""

from __future__ import annotations

import math

from .._text import few, plural
from . import interval, notices, percent, points

ROWS_SHOWN = 12  # predictions printed: the first and last half of these


def format_forecast(result) -> str:
    """The report of :class:`entropylaw.forecasting.Forecast`."""
    fit = result.fit
    level = f"{result.confidence * 100:g}%"
    window = (f"steps {fit.steps[0]}-{fit.steps[1]}, {plural(fit.n_points, 'validation point')}"
              f" (fit until step {result.fit_until_step})")
    if result.excluded_steps:
        window += f"; left out early steps {few(result.excluded_steps)}"
    lines = [
        "Forecast from the entropy-performance law  R = -a*exp(H) + b",
        f"  source      {fit.source or '(arrays)'}",
        f"  fit window  {window}",
        f"  law         a {percent(fit.a.estimate)} {interval(fit.a)}, "
        f"b {percent(fit.b.estimate)} {interval(fit.b)}, R^2 {fit.r2:.3f}",
        f"  ceiling     {percent(result.ceiling.estimate)}   {level} interval "
        f"{interval(result.ceiling)}   accuracy at H = 0 (b - a)",
        f"  at ceiling  {_margin(result.margin)}",
        f"  forecaster  {_forecaster(result)}",
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
            entropy = f"{row.entropy:.3f}" + ("" if row.entropy_observed else "*")
            band = f"[{percent(row.reward_lower)}, {percent(row.reward_upper)}]"
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


def _forecaster(result) -> str:
    if result.forecaster == "last_value":
        return "last observed value (the law does not describe the window; see warnings)"
    if result.protocol == "paper":
        return "the paper's protocol: the fitted law plus independent noise"
    return "the fitted law, its AR(1) noise conditioned on the window's last point"
