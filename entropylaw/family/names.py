"""Short names for a family's runs: the shortest form of their sources that tells them apart."""

from __future__ import annotations

import os

SEPARATORS = "_-. /"


def short_names(sources, labels=None) -> list[str]:
    """Each source's file name with the prefix and suffix common to all stripped (at a word
    boundary); the full names where that would leave one empty or two alike. Names still alike
    get their ``labels`` (e.g. the model or size) added, then a number."""
    names = _stripped(sources)
    if len(set(names)) < len(names) and labels is not None:
        names = [f"{name} {label}" if names.count(name) > 1 else name
                 for name, label in zip(names, labels, strict=True)]
    if len(set(names)) < len(names):
        seen: dict[str, int] = {}
        numbered = []
        for name in names:
            seen[name] = seen.get(name, 0) + 1
            numbered.append(f"{name} #{seen[name]}" if names.count(name) > 1 else name)
        names = numbered
    return names


def _stripped(sources) -> list[str]:
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
    first, last = min(names), max(names)
    length = next((i for i, (x, y) in enumerate(zip(first, last, strict=False)) if x != y),
                  min(len(first), len(last)))
    return first[:length]


def _to_boundary(prefix: str) -> str:
    """The longest part of ``prefix`` that ends with a separator (or all of it if it does)."""
    cut = max(prefix.rfind(c) for c in SEPARATORS)
    return prefix[:cut + 1] if cut >= 0 else ""
