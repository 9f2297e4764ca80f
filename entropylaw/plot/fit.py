"""The figure of a fit: accuracy against entropy, the law with its bands, the ceiling at H = 0."""

from __future__ import annotations

import numpy as np

from . import _style as style

GRID_POINTS = 200  # points along the drawn law: a smooth curve at any figure size
# on a log axis the law is drawn from a third of the lowest entropy to 1.3 times the highest, to
# show where it heads; entropy is kept above SMALLEST_ENTROPY (nats), as a log axis needs
LOG_REACH = (3.0, 1.3)
SMALLEST_ENTROPY = 1e-6
HEADROOM = 1.05  # on a linear axis: from H = 0 (the ceiling) to 5% beyond the highest entropy
ZERO_MARGIN = 0.03  # room right of H = 0, as a share of the highest entropy, for the ceiling mark


def plot_fit(fit, ax=None, *, log_entropy: bool = False):
    """Draw a :class:`~entropylaw.LawFit` on ``ax`` (a new figure if None); return the figure.

    Entropy falls from left to right, as during training. The fitted law carries two bands at
    the fit's confidence: the band of the law itself (darker) and the band for one new
    validation measurement (lighter). The ceiling ``b - a`` is marked at ``H = 0`` with its
    interval. ``log_entropy`` puts entropy on a log axis, as in Cui et al. (2025); ``H = 0`` is
    then off the axis and the ceiling is the level the curve approaches.
    """
    figure, ax = style.axes(ax)
    data = fit.data
    low, high = fit.entropy_range
    if log_entropy:
        below, above = LOG_REACH
        grid = np.geomspace(max(low, SMALLEST_ENTROPY) / below, high * above, GRID_POINTS)
    else:
        grid = np.linspace(0.0, high * HEADROOM, GRID_POINTS)
    mean = fit.predict(grid, kind="mean")
    measurement = fit.predict(grid, kind="observation")
    as_percent = style.is_fraction(data.reward)
    show = style.value_text(as_percent)
    level = style.level(fit.confidence)

    ax.fill_between(grid, measurement.lower, measurement.upper, color=style.FITTED,
                    alpha=style.OBSERVATION_BAND_ALPHA, linewidth=0,
                    label=f"{level} band for a new measurement")
    ax.fill_between(grid, mean.lower, mean.upper, color=style.FITTED,
                    alpha=style.MEAN_BAND_ALPHA, linewidth=0, label=f"{level} band of the law")
    ax.plot(grid, mean.reward, color=style.FITTED, linewidth=1.8,
            label=f"R = {show(fit.b.estimate)} {'-' if fit.a.estimate >= 0 else '+'} "
                  f"{show(abs(fit.a.estimate))} exp(H)")
    ax.scatter(data.entropy, data.reward, s=16, color=style.OBSERVED, zorder=3,
               label=f"validation points ({fit.n_points}, steps {fit.steps[0]}-{fit.steps[1]})")
    stated = fit.stated_ceiling  # none from a law the data reject, nor outside [0, 1]
    if stated is not None:
        _ceiling(ax, stated, show, level, at_zero=not log_entropy)

    if log_entropy:
        style.log_axis(ax)
        ax.set_xlim(grid[-1], grid[0])
        ax.set_xlabel("policy entropy H (nats, log scale), falling as training proceeds")
    else:
        ax.set_xlim(grid[-1], -ZERO_MARGIN * high)
        ax.set_xlabel("policy entropy H (nats), falling as training proceeds")
    if as_percent:
        style.clamp_accuracy(ax, data.reward, *([stated.estimate] if stated is not None else []))
    style.reward_axis(ax, "validation accuracy" if as_percent else "validation reward", as_percent)
    style.title(ax, style.run_name(fit.source, fit.model), _detail(fit), fit.warnings)
    style.finish(ax)
    return figure


def _ceiling(ax, ceiling, show, level: str, *, at_zero: bool) -> None:
    """The ceiling as a dashed level with its interval: a marker with error bars at ``H = 0``,
    or, where ``H = 0`` is off the axis (log scale), a shaded band."""
    label = (f"ceiling b - a at H = 0: {show(ceiling.estimate)} "
             f"[{show(ceiling.lower)}, {show(ceiling.upper)}] ({level})")
    ax.axhline(ceiling.estimate, color=style.CEILING, linewidth=0.9, linestyle="--", alpha=0.8)
    if not at_zero:
        if np.isfinite(ceiling.lower) and np.isfinite(ceiling.upper):
            ax.axhspan(ceiling.lower, ceiling.upper, color=style.CEILING, alpha=0.12, linewidth=0)
        ax.plot([], [], color=style.CEILING, linestyle="--", label=label)
        return
    error = np.array([[ceiling.estimate - ceiling.lower], [ceiling.upper - ceiling.estimate]])
    ax.errorbar([0.0], [ceiling.estimate], yerr=np.nan_to_num(error), fmt="D", markersize=6,
                color=style.CEILING, capsize=4, zorder=4, label=label)


def _detail(fit) -> str:
    keys = f"{fit.entropy_key} vs {fit.reward_key}; " if fit.entropy_key else ""
    return (f"{keys}R^2 {fit.r2:.3f}; {fit.interval_method} intervals, "
            f"{fit.n_resamples:,} draws")
