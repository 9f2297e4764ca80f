"""The figure of a backtest: each method's error across runs, per cut of the runs."""

from __future__ import annotations

import numpy as np

from . import _style as style

SCORES = {  # score -> (axis label, in accuracy points?)
    "rmse": ("RMSE of the later points", True),
    "final_abs_error": ("error at the final step", True),
    "ceiling_error": ("error of the ceiling", True),
    "coverage": ("share of later points inside the band", False),
}
CLUSTER_WIDTH = 0.7  # of the space between two methods


def plot_backtest(backtest, ax=None, *, score: str = "rmse"):
    """Draw a :class:`~entropylaw.forecasting.Backtest` on ``ax`` (a new figure if None); return
    the figure.

    One column per method; within it one cluster per cut (fraction of the run's steps), a dot
    per run and a bar at the median. ``score`` is 'rmse', 'final_abs_error', 'ceiling_error'
    (in accuracy points, log scale) or 'coverage' (with the nominal level marked).
    """
    if score not in SCORES:
        from ..errors import InputError

        raise InputError(f"`score` must be in {{{', '.join(map(repr, SCORES))}}}, got {score!r}")
    figure, ax = style.axes(ax)
    scores = backtest.scores
    label, in_points = SCORES[score]
    methods = list(dict.fromkeys(scores["method"])) if len(scores) else []
    fractions = list(backtest.fractions)
    offsets = (np.arange(len(fractions)) - (len(fractions) - 1) / 2) * (
        CLUSTER_WIDTH / max(len(fractions), 1))
    rng = np.random.default_rng(0)  # horizontal jitter only, so runs with equal scores separate
    for k, (offset, fraction) in enumerate(zip(offsets, fractions, strict=True)):
        colour = style.METHODS[k % len(style.METHODS)]
        rows = scores[scores["fraction"] == fraction]
        for position, method in enumerate(methods):
            values = rows.loc[rows["method"] == method, score].to_numpy(dtype=float)
            values = values[np.isfinite(values)] * (100.0 if in_points else 1.0)
            if not values.size:
                continue
            x = position + offset
            jitter = rng.uniform(-0.25, 0.25, values.size) * CLUSTER_WIDTH / len(fractions)
            ax.scatter(x + jitter, values, s=14, color=colour, alpha=0.75, linewidth=0,
                       label=f"cut at {fraction:.0%} of the steps" if position == 0 else None)
            half = 0.45 * CLUSTER_WIDTH / len(fractions)
            ax.hlines(np.median(values), x - half, x + half, color=colour, linewidth=2.2)
    ax.set_xticks(range(len(methods)), [method.replace("_", " ") for method in methods])
    ax.set_xlim(-0.6, len(methods) - 0.4)
    ax.set_xlabel("forecasting method")
    if in_points:
        if len(scores) and (scores[score] > 0).any():
            style.log_axis(ax, "y")
        ax.set_ylabel(f"{label} (accuracy points, log scale)")
    else:
        ax.axhline(backtest.confidence, color=style.CEILING, linestyle="--", linewidth=1,
                   label=f"nominal {style.level(backtest.confidence)}")
        style.reward_axis(ax, label, as_percent=True)
        ax.set_ylim(-0.03, 1.03)
    n_runs = scores["run"].nunique() if len(scores) else 0
    detail = (f"{n_runs} runs, each cut at {', '.join(f'{f:.0%}' for f in fractions)} of its "
              f"steps; dots: runs, bars: medians; bands at {style.level(backtest.confidence)}")
    if backtest.skipped:
        detail = [detail, f"left out: {style.codes(backtest.skipped)} (see the report)"]
    style.title(ax, f"Backtest: {label} by method", detail)
    style.finish(ax)
    return figure
