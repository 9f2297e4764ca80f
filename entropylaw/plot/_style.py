"""Styling every figure shares: axes, colours, the reward axis, titles and warnings.

matplotlib is imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FIGURE_SIZE = (7.0, 4.6)  # inches

# One colour per role, the same in every figure (matplotlib's tab10, colour-blind friendly order).
OBSERVED = "#1f77b4"  # data the fit saw
LATER = "#ff7f0e"  # data the fit did not see (actual later points)
FITTED = "#2ca02c"  # fitted or predicted curve and its bands
CEILING = "#d62728"  # the ceiling b - a and its interval
EXCLUDED = "#7f7f7f"  # points left out
METHODS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")

MEAN_BAND_ALPHA = 0.35  # band of the mean curve
OBSERVATION_BAND_ALPHA = 0.13  # band for a new measurement: lighter, it is wider


def axes(ax=None, size=FIGURE_SIZE):
    """``(figure, ax)``: the given ``ax`` and its figure, or a new figure with one axes.

    New figures are plain ``matplotlib.figure.Figure`` objects, outside pyplot's global state,
    so drawing many of them leaks nothing and needs no display.
    """
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


def is_fraction(values) -> bool:
    """Whether rewards look like accuracies on a 0-1 scale (then they are shown as percent)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return bool(values.size) and values.min() >= 0.0 and values.max() <= 1.0


def reward_axis(ax, label: str, as_percent: bool, axis: str = "y") -> None:
    """Label the reward axis: percent ticks and '(%)' for accuracies, the raw scale otherwise."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    if as_percent:
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        target.set_major_locator(MaxNLocator(steps=[1, 2, 5, 10]))
        target.set_major_formatter(FuncFormatter(lambda value, _: f"{round(value * 100, 6):g}%"))
        label = f"{label} (%)"
    target.set_label_text(label)


def value_text(as_percent: bool):
    """How the figure's labels print a reward-valued number: '51.3%' for accuracies (as the
    reports do), three significant digits otherwise; 'n/a' when not finite."""
    from ..report import percent

    if as_percent:
        return percent
    return lambda value: f"{value:.3g}" if np.isfinite(value) else "n/a"


def clamp_accuracy(ax, *values) -> None:
    """Keep an accuracy axis near 0-100%: bands may run past it, the data and estimates not."""
    shown = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in values] + [[0.0, 1.0]])
    shown = shown[np.isfinite(shown)]
    low, high = ax.get_ylim()
    margin = 0.02
    ax.set_ylim(max(low, shown.min() - margin), min(high, shown.max() + margin))


def log_axis(ax, axis: str = "x") -> None:
    """A log scale ticked at 1, 2, 5 per decade with plain numbers (0.05, not 5x10^-2)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    target.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    target.set_minor_formatter(NullFormatter())


def run_name(source: str | None, model: str | None = None) -> str:
    """A short name for a run: the model if known, else the source's file name without suffix."""
    if model:
        return model
    if source:
        return Path(str(source)).stem or str(source)
    return "(arrays)"


def title(ax, heading: str, detail=None, warnings=()) -> None:
    """A bold heading; under it grey lines of ``detail`` (a string or several) and, in red,
    the codes of the result's warnings (a figure must not look more trustworthy than its
    report)."""
    details = [detail] if isinstance(detail, str) else list(detail or ())
    lines = [(text, "0.35") for text in details]
    if warnings:
        lines.append(("warnings: " + codes(warnings), CEILING))
    for row, (text, colour) in enumerate(reversed(lines)):
        ax.annotate(text, xy=(0.5, 1.0), xycoords="axes fraction", xytext=(0, 4 + 11 * row),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8,
                    color=colour)
    ax.set_title(heading, fontsize=11, fontweight="bold", pad=6 + 11 * len(lines))


def codes(notices) -> str:
    """'a, b (x2)': each notice code once, with its count when repeated."""
    counts = {}
    for notice in notices:
        counts[notice.code] = counts.get(notice.code, 0) + 1
    return ", ".join(code if n == 1 else f"{code} (x{n})" for code, n in counts.items())


def finish(ax, *, legend_below: bool = False) -> None:
    """A light grid and a legend, the same in every figure: inside the axes where it fits
    best, or, for figures whose data fill the axes, in columns below them."""
    ax.grid(True, color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)
    handles, _ = ax.get_legend_handles_labels()
    if not handles:
        return
    if legend_below:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8,
                  frameon=False)
    else:
        ax.legend(loc="best", fontsize=8, framealpha=0.9)


def level(confidence: float) -> str:
    """'95%' for 0.95."""
    return f"{confidence * 100:g}%"
