"""The text report of a backtest."""

from __future__ import annotations

import math

from .._text import plural
from . import notices

LABELS = {"default": "default", "law": "law alone", "paper": "paper protocol",
          "live": "live (entropy forecast)", "trend": "saturating trend",
          "last_value": "last value", "power_law": "power law", "sigmoid": "sigmoid (ScaleRL)"}


def format_backtest(result) -> str:
    """The report of :class:`entropylaw.forecasting.Backtest`."""
    level = f"{result.confidence * 100:g}%"
    scores = result.scores
    runs = list(dict.fromkeys(scores.run)) if len(scores) else []
    lines = [
        "Backtest: fit each run up to a cut, forecast its later validation points",
        f"  runs        {len(result.reference_ceilings)} ({plural(len(runs), 'run')} scored)",
        f"  cuts        {', '.join(f'{f:g}' for f in result.fractions)} of each run's steps",
        "  scores      in accuracy points; medians across runs; coverage is the share of all "
        f"later points inside the {level} bands",
    ]
    summary = result.summary_rows()
    for fraction in result.fractions:
        rows = [row for row in summary if row["fraction"] == fraction]
        if not rows:
            continue
        lines += ["", f"  Cut at {fraction:g}",
                  f"  {'method':<24}{'runs':>5}{'RMSE':>8}{'final':>8}{'ceiling':>9}"
                  f"{'coverage':>10}  beats last value"]
        for row in rows:
            lines.append(f"  {LABELS.get(row['method'], row['method']):<24}{row['n_runs']:>5}"
                         f"{_points(row['rmse']):>8}{_points(row['final_abs_error']):>8}"
                         f"{_points(row['ceiling_error']):>9}{_share(row['coverage']):>10}"
                         f"  {row['beats_last_value']}/{row['n_runs']}")
    if len(runs) > 1:
        lines += ["", "  RMSE per run (accuracy points)"]
        table = scores.pivot_table(index=["run", "fraction"], columns="method", values="rmse",
                                   sort=False)
        methods = list(table.columns)
        width = max(len(run) for run in runs) + 2
        lines.append(f"  {'run':<{width}}{'cut':>5}" + "".join(f"{m[:10]:>11}" for m in methods))
        for (run, fraction), row in table.iterrows():
            lines.append(f"  {run:<{width}}{fraction:>5g}"
                         + "".join(f"{_points(value):>11}" for value in row))
    lines += notices("Skipped", result.skipped)
    lines += notices("Notes", result.notes)
    return "\n".join(lines)


def _points(value) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value * 100:.2f}"


def _share(value) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value * 100:.0f}%"
