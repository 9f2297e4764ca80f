"""The figure of a forecast: accuracy over steps, fit window, predicted band and ceiling."""

from __future__ import annotations

import math

import numpy as np

from . import _style as style

WINDOW = "#e8eef6"  # shading of the fit window
SCIENTIFIC_FROM = 1e6  # a step this large is written as 1.2e+06, not with 7 digits


def plot_forecast(forecast, ax=None):
    """Draw a :class:`~entropylaw.forecasting.Forecast` on ``ax`` (a new figure if None); return
    the figure.

    Validation accuracy over training steps: the fit window shaded, the early steps the
    forecaster left out marked, the law fitted in the window, the predicted accuracy after it
    with its band for each later measurement (dashed where the entropy itself is forecast),
    the ceiling with its interval, and the later measurements where they are known.
    """
    figure, ax = style.axes(ax)
    data = forecast.window
    table = forecast.predictions
    steps = table["step"].to_numpy(dtype=float)
    observed = table["observed"].to_numpy(dtype=float)
    as_percent = style.is_fraction(np.concatenate([data.reward, observed]))
    show = style.value_text(as_percent)
    level = style.level(forecast.confidence)
    start = min(float(data.steps.min()), *(forecast.excluded_steps or [math.inf]))
    spacing = float(np.median(np.diff(data.steps))) if len(data) > 1 else 1.0

    ax.axvspan(start - spacing / 2, forecast.fit_until_step, color=WINDOW, linewidth=0,
               label=f"fit window (steps <= {forecast.fit_until_step})")
    if forecast.excluded_steps:
        first, last = min(forecast.excluded_steps), max(forecast.excluded_steps)
        ax.axvspan(first - spacing / 2, last + spacing / 2, facecolor="none",
                   edgecolor=style.EXCLUDED, hatch="///", linewidth=0,
                   label=f"early steps left out ({_steps(forecast.excluded_steps)})")
    if forecast.ceiling is not None:  # the law applies; elsewhere its ceiling means nothing
        _ceiling(ax, forecast.ceiling, show, level)
        fitted = forecast.fit.data
        line = forecast.fit.line
        ax.plot(fitted.steps, line.b - line.a * np.exp(fitted.entropy), color=style.FITTED,
                linewidth=1.0, alpha=0.7, label="law fitted in the window")
    else:
        _plateau(ax, forecast, show, level)
    _prediction(ax, table, forecast, level)
    ax.scatter(data.steps, data.reward, s=16, color=style.OBSERVED, zorder=3,
               label=f"validation points used ({len(data)})")
    if forecast.excluded_rewards:
        ax.scatter(forecast.excluded_steps, forecast.excluded_rewards, s=22, zorder=3,
                   facecolors="none", edgecolors=style.OBSERVED,
                   label=f"validation points left out ({len(forecast.excluded_steps)})")
    later = np.isfinite(observed)
    if later.any():
        ax.scatter(steps[later], observed[later], s=16, color=style.LATER, zorder=3,
                   label=f"later validation points ({int(later.sum())}, not seen by the fit)")
    _margin(ax, forecast.margin, show, as_percent,
            end=max(float(steps.max()) if steps.size else 0.0, forecast.fit_until_step))

    ax.set_xlabel("training step")
    if as_percent:
        style.clamp_accuracy(ax, data.reward, observed, table["reward"].to_numpy(dtype=float))
    style.reward_axis(ax, "validation accuracy" if as_percent else "validation reward", as_percent)
    model = None if forecast.fit is None else forecast.fit.model
    style.title(ax, style.run_name(forecast.source, model),
                _detail(forecast, as_percent), forecast.warnings)
    style.finish(ax, legend_below=True)
    return figure


def _prediction(ax, table, forecast, level: str) -> None:
    """The predicted accuracy and its band; dashed where the entropy is itself forecast."""
    steps = table["step"].to_numpy(dtype=float)
    ax.fill_between(steps, table["lower"], table["upper"], color=style.FITTED,
                    alpha=style.OBSERVATION_BAND_ALPHA * 2, linewidth=0,
                    label=f"{level} band for each later measurement")
    reward = table["reward"].to_numpy(dtype=float)
    if forecast.weights.get("law", 0.0) < 0.5:
        ax.plot(steps, reward, color=style.FITTED, linewidth=1.8,
                label=f"forecast: {_weights(forecast)}")
        return
    logged = table["entropy_observed"].to_numpy(dtype=bool)
    solid = np.where(logged, reward, np.nan)
    dashed = np.where(~logged, reward, np.nan)
    if (~logged).any() and logged.any():  # join the two pieces
        joint = np.flatnonzero(logged)[-1]
        dashed[joint] = reward[joint]
    if logged.any():
        ax.plot(steps, solid, color=style.FITTED, linewidth=1.8,
                label="forecast by the law, at the logged entropy")
    if (~logged).any():
        ax.plot(steps, dashed, color=style.FITTED, linewidth=1.8, linestyle="--",
                label="forecast by the law, at the forecast entropy")


def _margin(ax, margin, show, as_percent: bool, *, end: float) -> None:
    """A dotted line where the law's mean comes within the margin of the ceiling; only named
    in the legend when that step lies beyond the plotted steps."""
    if margin is None or margin.step is None:
        return
    if as_percent:
        points = margin.margin * 100
        amount = f"{points:g} point{'' if points == 1 else 's'}"
    else:
        amount = show(margin.margin)
    step = math.ceil(margin.step)
    label = f"within {amount} of the ceiling from step ~{step:,}"
    if margin.step <= end:
        ax.axvline(margin.step, color=style.CEILING, linestyle=":", linewidth=1.2, label=label)
    else:
        shown = f"{step:,}" if step < SCIENTIFIC_FROM else f"{step:.1e}"
        ax.plot([], [], color=style.CEILING, linestyle=":",
                label=f"within {amount} of the ceiling from step ~{shown} (off the axis)")


def _ceiling(ax, ceiling, show, level: str) -> None:
    ax.axhline(ceiling.estimate, color=style.CEILING, linewidth=0.9, linestyle="--")
    if math.isfinite(ceiling.lower) and math.isfinite(ceiling.upper):
        ax.axhspan(ceiling.lower, ceiling.upper, color=style.CEILING, alpha=0.1, linewidth=0)
    ax.plot([], [], color=style.CEILING, linestyle="--",
            label=f"ceiling b - a: {show(ceiling.estimate)} [{show(ceiling.lower)}, "
                  f"{show(ceiling.upper)}] ({level})")


def _plateau(ax, forecast, show, level: str) -> None:
    plateau = forecast.plateau
    ax.axhline(plateau.estimate, color=style.CEILING, linewidth=0.9, linestyle=":")
    ax.plot([], [], color=style.CEILING, linestyle=":",
            label=f"plateau (the law does not apply): {show(plateau.estimate)} "
                  f"[{show(plateau.lower)}, {show(plateau.upper)}] ({level})")


def _weights(forecast) -> str:
    names = {"law": "law", "trend": "trend", "last_value": "last value"}
    return ", ".join(f"{names[name]} {weight:.0%}" for name, weight in
                     sorted(forecast.weights.items(), key=lambda item: -item[1]))


def _steps(steps) -> str:
    steps = sorted(steps)
    return f"step {steps[0]}" if len(steps) == 1 else f"steps {steps[0]}-{steps[-1]}"


def _detail(forecast, as_percent: bool) -> str:
    from ..report import points

    parts = [f"{forecast.protocol} protocol, fitted on steps <= {forecast.fit_until_step}"]
    metrics = forecast.metrics
    if metrics is None:
        parts.append("no later validation points to score against")
    else:
        error = points if as_percent else style.value_text(False)
        parts.append(f"on {metrics.n_points} later points: RMSE {error(metrics.rmse)}, "
                     f"final error {error(metrics.final_abs_error)}, "
                     f"coverage {metrics.coverage:.0%}")
    return "; ".join(parts)
