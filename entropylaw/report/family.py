"""The text report of a family fit (coefficients across model sizes)."""

from __future__ import annotations

import math
import os

from . import interval, notices, percent

COLUMN = 25


def format_family(fit) -> str:
    """The report of :class:`entropylaw.FamilyFit`."""
    level = f"{fit.confidence * 100:g}%"
    sizes = fit.sizes
    carried = ("each run's own uncertainty and the scatter of sizes around the lines"
               if fit.scatter else "each run's own uncertainty only (scatter left out)")
    lines = [
        "Coefficients across model sizes  a, b = slope * ln(N) + intercept",
        "  N: non-embedding parameters in billions; ceiling = b - a",
        f"  {len(fit.runs)} run{'s' if len(fit.runs) != 1 else ''} at {len(sizes)} size"
        f"{'s' if len(sizes) != 1 else ''}, {_size(sizes[0])}-{_size(sizes[-1])}; "
        f"{level} intervals carry {carried}",
        "",
        f"  {'run':<30}{'size':>8}  " + "".join(f"{name:<{COLUMN}}" for name in
                                                 ("a", "b", "ceiling")).rstrip(),
    ]
    for run in fit.runs:
        lines.append(f"  {_short(run.source):<30}{_size(run.size):>8}  "
                     + "".join(_cell(e) for e in (run.a, run.b, run.ceiling)).rstrip())
    lines += ["", f"  {'line':<10}{'slope (per unit ln N)':<{COLUMN}}"
                  f"{'intercept (N = 1B)':<{COLUMN}}scatter beyond the runs' noise"]
    for name in ("a", "b", "ceiling"):
        line = fit.line(name)
        scatter = "n/a" if math.isnan(line.scatter) else f"{line.scatter * 100:.2f} points"
        lines.append(f"  {name:<10}{_cell(line.slope, digits=2)}{_cell(line.intercept)}{scatter}")
    if fit.predictions:
        lines += ["", "  predictions: the coefficients of a model of each size",
                  f"  {'size':<10}" + "".join(f"{name:<{COLUMN}}"
                                             for name in ("a", "b", "ceiling")).rstrip()]
        for p in fit.predictions:
            lines.append(f"  {_size(p.size):<10}"
                         + "".join(_cell(e) for e in (p.a, p.b, p.ceiling)).rstrip())
    if fit.leave_one_out:
        lines += ["", "  leave one size out: each size predicted from the others, minus its fit "
                      "(points)",
                  f"  {'size':<10}{'a':>8}{'b':>8}{'ceiling':>10}"]
        for left in fit.leave_one_out:
            lines.append(f"  {_size(left.size):<10}{_points(left.a_error):>8}"
                         f"{_points(left.b_error):>8}{_points(left.ceiling_error):>10}")
        rms = [math.sqrt(sum(getattr(x, f"{name}_error") ** 2 for x in fit.leave_one_out)
                         / len(fit.leave_one_out)) for name in ("a", "b", "ceiling")]
        lines.append(f"  {'RMS':<10}{rms[0] * 100:>8.2f}{rms[1] * 100:>8.2f}{rms[2] * 100:>10.2f}")
    df = fit.a_line.residual_df
    method = "least-squares lines through each size's coefficients; intervals from " \
             f"{fit.n_resamples:,} draws of the runs' coefficients"
    if fit.scatter and df > 0:
        method += f", each size shifted by a draw of the scatter ({df} degree" \
                  f"{'s' if df != 1 else ''} of freedom)"
    if fit.seed is not None:
        method += f"; seed {fit.seed}"
    lines += ["", f"  method   {method}"]
    lines += notices("Warnings", fit.warnings)
    lines += notices("Notes", fit.notes)
    return "\n".join(lines)


def _cell(estimate, digits: int = 1) -> str:
    text = f"{percent(estimate.estimate, digits)} {interval(estimate, digits)}"
    return f"{text:<{COLUMN}}"


def _size(size: float) -> str:
    return f"{size:g}B"


def _points(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{round(value * 100, 2) + 0.0:+.2f}"  # + 0.0: no '-0.00'"


def _short(source, width: int = 29) -> str:
    text = os.path.basename(str(source)) if source else "(coefficients)"
    return text if len(text) <= width else "..." + text[-(width - 3):]
