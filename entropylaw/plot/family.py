"""The figure of a family: each run's plateau against model size with its bounded line, and
(where the law holds) a, b and the ceiling with their lines in ln N."""

from __future__ import annotations

import math

import numpy as np

from . import _style as style

GRID_POINTS = 100  # points along each drawn line: smooth on the log-size axis
SIZE_REACH = 1.25  # lines are drawn a quarter beyond the smallest and largest size (log scale)
FIGURE_SIZE = (7.0, 5.4)  # inches: taller than the default, for the legend below the axes
COLOURS = {"a": style.METHODS[0], "b": style.METHODS[1], "ceiling": style.CEILING,
           "plateau": style.METHODS[4]}
FORM_LABELS = {"logit": "straight in ln N on the logit scale",
               "error_power": "error 1 - p a power of N",
               "linear": "straight in ln N, clipped to [0, 1]"}
NAMES = {"a": "a", "b": "b", "ceiling": "ceiling b - a", "plateau": "plateau"}


def plot_family(family, ax=None, *, coefficients=None):
    """Draw a :class:`~entropylaw.family.FamilyFit` on ``ax`` (a new figure if None); return
    the figure.

    Each of ``coefficients`` (default: the plateau, and a, b and the ceiling where the law holds
    for the family) is drawn against model size on a log axis: each run's value with its
    interval (filled), the fitted line with the band of the line (darker) and the band for a
    new size (lighter), and the predicted sizes (hollow, with their intervals).
    """
    figure, ax = style.axes(ax, size=FIGURE_SIZE)
    if coefficients is None:
        coefficients = ("plateau",) + (("a", "b", "ceiling")
                                       if family.law_holds and family.a_line is not None else ())
    unknown = [name for name in coefficients if name not in NAMES]
    if unknown:
        from ..errors import InputError

        raise InputError(f"`coefficients` must be among {', '.join(NAMES)}, got {unknown[0]!r}")
    missing = [name for name in coefficients
               if name != "plateau" and family.line(name) is None]
    if missing:
        from ..errors import InputError

        raise InputError(f"no line of {missing[0]} in this family (no coefficients at 2 sizes)")
    sizes = [run.size for run in family.runs] + [p.size for p in family.size_predictions]
    low, high = min(sizes), max(sizes)
    grid = np.geomspace(low / SIZE_REACH, high * SIZE_REACH, GRID_POINTS)
    level = style.level(family.confidence)
    for name in coefficients:
        _coefficient(ax, family, name, grid, level)
    ax.plot([], [], "o", color="0.3",  # one legend entry for the filled markers of every colour
            label=f"fitted runs ({len(family.runs)}), with {level} intervals")
    if family.size_predictions:  # and one for the hollow ones
        shown = ", ".join(f"{p.size:g}B" for p in family.size_predictions)
        ax.plot([], [], "o", markerfacecolor="white", markeredgecolor="0.3",
                label=f"predicted sizes ({shown})")
    ax.fill_between([], [], [], color="0.5", alpha=style.MEAN_BAND_ALPHA,
                    label=f"{level} band of the line")
    ax.fill_between([], [], [], color="0.5", alpha=style.OBSERVATION_BAND_ALPHA,
                    label=f"{level} band for a new size")

    style.log_axis(ax)
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel("model size N (billions of non-embedding parameters, log scale)")
    only_plateau = tuple(coefficients) == ("plateau",)
    style.reward_axis(ax, "plateau accuracy" if only_plateau
                      else "value, on the accuracy scale", as_percent=True)
    n_runs, n_sizes = len(family.runs), len(family.sizes)
    detail = f"{n_runs} runs at {n_sizes} sizes ({', '.join(f'{s:g}B' for s in family.sizes)})"
    if "plateau" in coefficients and family.plateau_line is not None:
        detail += f"; {family.plateau_line.formula}"
    heading = ("Plateau across model sizes" if only_plateau
               else "Law coefficients across model sizes, and the plateau")
    style.title(ax, heading, detail, family.warnings)
    style.finish(ax, legend_below=True)
    return figure


def _coefficient(ax, family, name: str, grid: np.ndarray, level: str) -> None:
    colour = COLOURS[name]
    if name == "plateau":
        _plateau(ax, family, grid, colour)
        return
    line = family.line(name)
    log_grid = np.log(grid)[:, None]
    tail = (1.0 - family.confidence) / 2.0
    for new_size, alpha in ((True, style.OBSERVATION_BAND_ALPHA), (False, style.MEAN_BAND_ALPHA)):
        draws = line.draws.at(log_grid, new_size=new_size)
        lower, upper = np.nanquantile(draws, [tail, 1.0 - tail], axis=1)
        ax.fill_between(grid, lower, upper, color=colour, alpha=alpha, linewidth=0)
    slope, intercept = line.slope.estimate, line.intercept.estimate
    ax.plot(grid, [line.value(size) for size in grid], color=colour, linewidth=1.6,
            label=f"{NAMES[name]} = {slope * 100:.2f}% ln N "
                  f"{'+' if intercept >= 0 else '-'} {abs(intercept) * 100:.1f}%")
    runs = [(run.size, getattr(run, name)) for run in family.runs
            if getattr(run, name) is not None]
    _points(ax, runs, colour, filled=True)
    predicted = [(p.size, getattr(p, name)) for p in family.size_predictions
                 if getattr(p, name) is not None]
    _points(ax, predicted, colour, filled=False)


def _plateau(ax, family, grid: np.ndarray, colour: str) -> None:
    line = family.plateau_line
    for new_size, alpha in ((True, style.OBSERVATION_BAND_ALPHA), (False, style.MEAN_BAND_ALPHA)):
        lower, upper = line.band(grid, family.confidence, new_size=new_size)
        ax.fill_between(grid, lower, upper, color=colour, alpha=alpha, linewidth=0)
    ax.plot(grid, [line.value(size) for size in grid], color=colour, linewidth=1.6,
            label=f"plateau: {FORM_LABELS[line.form]}")
    _points(ax, [(run.size, run.plateau.value) for run in family.runs], colour, filled=True)
    _points(ax, [(p.size, p.plateau) for p in family.size_predictions if p.plateau is not None],
            colour, filled=False)


def _points(ax, points, colour: str, *, filled: bool) -> None:
    if not points:
        return
    sizes = np.array([size for size, _ in points])
    values = np.array([estimate.estimate for _, estimate in points])
    error = np.array([[e.estimate - e.lower if math.isfinite(e.lower) else 0.0,
                       e.upper - e.estimate if math.isfinite(e.upper) else 0.0]
                      for _, e in points]).T
    ax.errorbar(sizes, values, yerr=error, fmt="o", markersize=6, capsize=3, color=colour,
                markerfacecolor=colour if filled else "white", zorder=4)
