"""Text of one watch update: the live view's lines."""

from __future__ import annotations

from . import interval, percent


def format_update(update) -> str:
    lines = [f"step {update.last_step:,}: {update.n_points} validation points, accuracy "
             f"{percent(update.accuracy)}"]
    if update.horizon is not None:
        at = update.horizon
        band = f"[{percent(at['lower'])}, {percent(at['upper'])}]"
        lines.append(f"forecast at step {at['step']:,}: {percent(at['estimate'])} {band}")
    if update.ceiling is not None:
        lines.append(f"ceiling (the law holds): {percent(update.ceiling.estimate)} "
                     f"{interval(update.ceiling)}")
        if update.steps_to_ceiling is None:
            lines.append("within the margin of the ceiling: not within the forecast's reach")
        elif update.steps_to_ceiling <= 0:
            lines.append("within the margin of the ceiling: already")
        else:
            lines.append(f"within the margin of the ceiling in about "
                         f"{update.steps_to_ceiling:,.0f} steps")
    elif update.plateau is not None:
        kind = (update.plateau_kind or "plateau").replace("_", " ")
        lines.append(f"plateau ({kind}; the law does not hold, no ceiling): "
                     f"{percent(update.plateau.estimate)} {interval(update.plateau)}")
    else:
        lines.append("ceiling: none (the law does not hold here, or too few points yet)")
    for warning in update.warnings:
        lines.append(f"  {warning.code}: {warning.message}")
    return "\n".join(lines)
