"""Short English for messages: counts with plurals, abbreviated lists, and safe echoes.

Anything echoed from an input (a key name, a cell, a path, a URI, an exception's text) passes
through :func:`clean`: credentials are redacted, terminal control characters escaped, and the
text capped, so no message can leak a secret, drive the terminal, or run to megabytes.
"""

from __future__ import annotations

import re

# The longest piece of input echoed in one message, and a whole message's cap (its end is kept).
ECHO_LIMIT = 200
MESSAGE_LIMIT = 600
ITEM_LIMIT = ECHO_LIMIT  # one name in a list of names (a key, a path)
FEW = 5  # items a message names before ', ...': enough to find them, short enough to read
EXAMPLES = 3  # items a note names as examples of what it counts
LISTED = 15  # key names listed before the total: enough to choose from on one screen
_CUT = " ... "  # where clip() cuts text out

# user:password@ in any URI; key=value / key: value pairs whose name says secret; known tokens.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s'\"]*@")
_SECRET_PAIR = re.compile(
    r"(?P<name>(?<![/\w.-])[\w.-]*?(?:api[_-]?key|token|secret|passw(?:or)?d|pwd|credentials?)"
    r"(?![\w.-])[\"']?\s*[=:]\s*[\"']?)(?P<value>[^\s,;\"'&]+)", re.IGNORECASE)
_TOKEN = re.compile(r"\b(?:ghp_|gho_|github_pat_|hf_|sk-|xox[abp]-|AKIA)[A-Za-z0-9_-]{12,}")
# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LONG_WORD = re.compile(rf"\S{{{ECHO_LIMIT + 1},}}")


def redact(text: str) -> str:
    """``text`` with credentials replaced by ``***`` (``http://***@host``, ``API_KEY=***``)."""
    text = _USERINFO.sub(r"\g<scheme>***@", text)
    text = _SECRET_PAIR.sub(r"\g<name>***", text)
    return _TOKEN.sub("***", text)


def escape_controls(text: str) -> str:
    """Terminal control characters shown as ``\\x1b``-style escapes, never sent raw."""
    return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """At most ``limit`` characters: the start and the end, '...' between."""
    if len(text) <= limit:
        return text
    room = limit - len(_CUT)
    head = room * 2 // 3  # two thirds of the room to the start, the rest to the end
    return f"{text[:head]}{_CUT}{text[len(text) - (room - head):]}"


def clean(text, limit: int = ECHO_LIMIT) -> str:
    """Text from an input, safe to echo on one line: redacted, escaped, capped at ``limit``."""
    return clip(_one_line(text), limit)


def clean_message(text) -> str:
    """A whole one-line message: :func:`clean`, with every run of input within it capped too."""
    text = _LONG_WORD.sub(lambda m: clip(m[0], ECHO_LIMIT), _one_line(text))
    return clip(text, MESSAGE_LIMIT)


def _one_line(text) -> str:
    text = clip(str(text), 100 * MESSAGE_LIMIT)  # bound the work on a megabyte-long input
    return escape_controls(redact(text)).replace("\n", "\\n").replace("\t", " ")


def clean_report(text: str) -> str:
    """A multi-line report: each line redacted and escaped (line breaks kept)."""
    return "\n".join(escape_controls(redact(line)).replace("\t", " ")
                     for line in str(text).split("\n"))


def plural(n, noun: str) -> str:
    """'1 step', '3 steps'."""
    n = int(n)
    return f"{n} {noun}{'' if n == 1 else 's'}"


def few(items, limit: int = FEW) -> str:
    """The first ``limit`` items, comma-separated, then ', ...' if there are more."""
    items = list(items)
    shown = [_show(item) for item in items[:limit]]
    return ", ".join(shown) + (", ..." if len(items) > limit else "")


def listing(items, limit: int = LISTED) -> str:
    """Like :func:`few`, for key names (each cleaned and capped), with the total when cut."""
    items = list(items)
    shown = ", ".join(clean(item, ITEM_LIMIT) for item in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _show(item) -> str:
    try:
        value = float(item)
    except (TypeError, ValueError):
        return clean(item, ITEM_LIMIT)
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
