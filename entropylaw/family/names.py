"""Short names for a family's runs: the shortest form of their sources that tells them apart."""

from __future__ import annotations

import os

SEPARATORS = "_-. /"


def short_names(sources) -> list[str]:
    """Each source's file name with the prefix and suffix common to all stripped (at a word
    boundary); the full names where that would leave one empty or two alike."""
    names = [os.path.basename(str(s).rstrip("/")) if s else "(given)" for s in sources]
    if len(set(names)) < len(names):
        names = [str(s) if s else "(given)" for s in sources]
    if len(names) < 2 or len(set(names)) < len(names):
        return names
    prefix = _common_prefix(names)
    suffix = _common_prefix([name[len(prefix):][::-1] for name in names])[::-1]
    prefix = _to_boundary(prefix)
    suffix = _to_boundary(suffix[::-1])[::-1]
    stripped = [name[len(prefix):len(name) - len(suffix)] for name in names]
    if all(stripped) and len(set(stripped)) == len(stripped):
        return stripped
    return names


def _common_prefix(names: list[str]) -> str:
    return os.path.commonprefix(names)


def _to_boundary(prefix: str) -> str:
    """The longest part of ``prefix`` that ends with a separator (or all of it if it does)."""
    cut = max(prefix.rfind(c) for c in SEPARATORS)
    return prefix[:cut + 1] if cut >= 0 else ""
