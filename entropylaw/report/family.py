"""The text report of a family fit (plateaus and coefficients across model sizes)."""

from __future__ import annotations

import math

from . import interval, notices, percent

COLUMN = 25  # characters of a value column: an estimate and its interval, "55.2% [53.5%, 56.6%]"
KIND = 12  # characters of the plateau-kind column: its longest word, "last_level", and a gap
MIN_NAME_WIDTH = 8  # the run column is at least this wide, so its heading sits over it


def format_family(fit) -> str:
    """The report of :class:`entropylaw.FamilyFit`."""
    from ..family.names import short_names

    level = f"{fit.confidence * 100:g}%"
    sizes = fit.sizes
    carried = ("each run's own uncertainty and the scatter of sizes around the lines"
               if fit.scatter else "each run's own uncertainty only (scatter left out)")
    law = fit.law_holds
    has_lines = fit.a_line is not None
    plateau_line = fit.plateau_line
    title = ("Plateau across model sizes" if not law or not has_lines
             else "Coefficients and plateau across model sizes  a, b = slope * ln(N) + intercept")
    lines = [
        title,
        "  N: non-embedding parameters in billions; plateau: the accuracy a run levels off at"
        + ("; ceiling = b - a" if has_lines else ""),
        f"  {len(fit.runs)} run{'s' if len(fit.runs) != 1 else ''} at {len(sizes)} size"
        f"{'s' if len(sizes) != 1 else ''}, {_size(sizes[0])}-{_size(sizes[-1])}; "
        f"{level} intervals carry {carried}",
    ]
    if has_lines and not law:
        failing = [run for run in fit.runs if run.has_coefficients and run.law_fails]
        lines.append(f"  the law does not describe {len(failing)} of the runs, so the lines of "
                     f"a, b and the ceiling are not meaningful for this family: read the plateau")
    names = short_names([run.source for run in fit.runs],
                        [run.model or f"{run.size:g}B" for run in fit.runs])
    width = max(MIN_NAME_WIDTH, max(len(name) for name in names) + 2)
    columns = ["plateau", "kind"] + (["a", "b", "ceiling"] if has_lines else [])
    lines += ["", f"  {'run':<{width}}{'size':>8}  " + _header(columns)]
    for name, run in zip(names, fit.runs, strict=True):
        cells = [_cell(run.plateau.value), f"{run.plateau.kind:<{KIND}}"]
        if has_lines:
            cells += [_cell(e) for e in (run.a, run.b, run.ceiling)]
        lines.append(f"  {name:<{width}}{_size(run.size):>8}  " + "".join(cells).rstrip())
    lines += _plateau_section(fit, plateau_line)
    if has_lines:
        lines += _coefficient_section(fit, law)
    if fit.size_predictions:
        lines += _prediction_section(fit, has_lines, law)
    if fit.leave_one_out:
        lines += _leave_one_out(fit, has_lines)
    lines += ["", f"  method   {_method(fit, plateau_line)}"]
    kinds = [f"{name}: {run.plateau.reason}" for name, run in zip(names, fit.runs, strict=True)]
    lines += ["", "  plateau of each run"] + [f"  {text}" for text in kinds]
    lines += notices("Warnings", fit.warnings)
    lines += notices("Notes", fit.notes)
    return "\n".join(lines)


def _coefficient_section(fit, law: bool) -> list[str]:
    lines = ["", f"  {'line':<10}{'slope (per unit ln N)':<{COLUMN}}"
                 f"{'intercept (N = 1B)':<{COLUMN}}scatter beyond the runs' noise"
             + ("" if law else "   (not meaningful: the law fails)")]
    for name in ("a", "b", "ceiling"):
        line = fit.line(name)
        scatter = "n/a" if math.isnan(line.scatter) else f"{line.scatter * 100:.2f} points"
        lines.append(f"  {name:<10}{_cell(line.slope, digits=2)}{_cell(line.intercept)}"
                     f"{scatter}")
    return lines


def _prediction_section(fit, has_lines: bool, law: bool) -> list[str]:
    shown = ["plateau"] + (["a", "b"] if has_lines else [])
    if law and any(p.ceiling is not None for p in fit.size_predictions):
        shown.append("ceiling")
    lines = ["", "  predictions: a model of each size trained with the same recipe",
             f"  {'size':<10}" + _header(shown)]
    for p in fit.size_predictions:
        lines.append(f"  {_size(p.size):<10}"
                     + "".join(_cell(getattr(p, name)) for name in shown).rstrip())
    return lines


def _method(fit, plateau_line) -> str:
    method = (f"plateaus: {plateau_line.formula}, chosen by {plateau_line.reason}; "
              if plateau_line is not None else "")
    method += ("least-squares lines through each size's values; intervals from "
               f"{fit.n_resamples:,} draws of the runs' values")
    df = len(fit.sizes) - 2
    if fit.scatter and df > 0:
        method += f", each size shifted by a draw of the scatter ({df} degree" \
                  f"{'s' if df != 1 else ''} of freedom)"
    if fit.seed is not None:
        method += f"; seed {fit.seed}"
    return method


def _plateau_section(fit, plateau_line) -> list[str]:
    if plateau_line is None:
        return []
    line = plateau_line.line
    scale = {"logit": "logit units", "error_power": "units of ln(1 - p)",
             "linear": "points"}[plateau_line.form]
    scatter = line.scatter * (100 if plateau_line.form == "linear" else 1)
    scatter_text = "n/a" if math.isnan(scatter) else f"{scatter:.3f} {scale}"
    out = ["", f"  plateau line  {plateau_line.formula}",
           f"  slope {line.slope.estimate:+.3f} [{line.slope.lower:+.3f}, {line.slope.upper:+.3f}]"
           f" per unit ln N, intercept {line.intercept.estimate:+.3f} "
           f"[{line.intercept.lower:+.3f}, {line.intercept.upper:+.3f}], scatter beyond the "
           f"runs' noise {scatter_text}"]
    if any(math.isfinite(v) for v in plateau_line.rms.values()):
        ranking = ", ".join(f"{name} {value * 100:.2f}" for name, value in
                            plateau_line.rms.items())
        out.append(f"  leave one size out, RMS error of the plateau (points): {ranking}; "
                   f"chosen: {plateau_line.form}")
    else:
        out.append(f"  form: {plateau_line.form} ({plateau_line.reason})")
    return out


def _leave_one_out(fit, has_lines: bool) -> list[str]:
    names = ["plateau"] + (["a", "b", "ceiling"] if has_lines else [])
    out = ["", "  leave one size out: each size predicted from the others, minus its own "
               "(points)",
           f"  {'size':<10}" + "".join(f"{name:>10}" for name in names)]
    for left in fit.leave_one_out:
        out.append(f"  {_size(left.size):<10}" + "".join(
            f"{_points(getattr(left, f'{name}_error')):>10}" for name in names))
    rms = []
    for name in names:
        values = [getattr(x, f"{name}_error") for x in fit.leave_one_out]
        values = [v for v in values if math.isfinite(v)]
        rms.append(f"{math.sqrt(sum(v * v for v in values) / len(values)) * 100:.2f}"
                   if values else "n/a")
    out.append(f"  {'RMS':<10}" + "".join(f"{value:>10}" for value in rms))
    return out


def _header(columns) -> str:
    widths = {"kind": KIND}
    return "".join(f"{name:<{widths.get(name, COLUMN)}}" for name in columns).rstrip()


def _cell(estimate, digits: int = 1) -> str:
    if estimate is None:
        return f"{'n/a':<{COLUMN}}"
    text = f"{percent(estimate.estimate, digits)} {interval(estimate, digits)}"
    return f"{text:<{COLUMN - 1}} "


def _size(size: float) -> str:
    return f"{size:g}B"


def _points(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{round(value * 100, 2) + 0.0:+.2f}"  # + 0.0: no '-0.00'
