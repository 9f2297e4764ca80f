"""Short English for messages: counts with plurals and abbreviated lists."""

from __future__ import annotations


def plural(n, noun: str) -> str:
    """'1 step', '3 steps'."""
    n = int(n)
    return f"{n} {noun}{'' if n == 1 else 's'}"


def few(items, limit: int = 5) -> str:
    """The first ``limit`` items, comma-separated, then ', ...' if there are more."""
    items = [_show(item) for item in items]
    return ", ".join(items[:limit]) + (", ..." if len(items) > limit else "")


def listing(items, limit: int = 15) -> str:
    """Like :func:`few`, for key names, with the total when cut."""
    items = [str(item) for item in items]
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _show(item) -> str:
    try:
        value = float(item)
    except (TypeError, ValueError):
        return str(item)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def distinct_names(sources, *, trim: bool = False) -> list[str]:
    """Short names that tell runs apart: file names, with as many parent folders as needed to
    make them differ; 'run N' for a run without a source. ``trim`` also strips the characters
    all names share at the start and end (``verl_qwen2.5-7b_math.csv`` -> ``7b``) when that
    leaves them distinct and non-empty."""
    from pathlib import PurePath

    parts = [PurePath(str(s)).parts if s else () for s in sources]
    names = [None] * len(parts)
    for depth in range(1, max((len(p) for p in parts), default=0) + 1):
        names = ["/".join(p[-depth:]) if p else f"run {i + 1}" for i, p in enumerate(parts)]
        if len(set(names)) == len(names):
            break
    else:
        names = [n if names.count(n) == 1 else f"{n} ({i + 1})" for i, n in enumerate(names)]
    if trim and len(names) > 1:
        start = len(_common_prefix(names))
        end = len(_common_prefix([n[::-1] for n in names]))
        while start and names[0][start - 1] not in SEPARATORS:  # cut only at a separator
            start -= 1
        while end and names[0][len(names[0]) - end] not in SEPARATORS:
            end -= 1
        short = [n[start : len(n) - end].strip("_-./ ") for n in names]
        if all(short) and len(set(short)) == len(short):
            names = short
    return names


SEPARATORS = "_-./ "


def _common_prefix(names) -> str:
    first, last = min(names), max(names)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]
