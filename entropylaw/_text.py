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
