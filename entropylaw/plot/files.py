"""Writing figures to files: the format comes from the extension."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

FORMATS = ("png", "svg", "pdf")
PNG_DPI = 150  # sharp on a screen and in a notebook; print wants the svg or pdf

# Text stays text (searchable, editable) and files carry no timestamp, so they are reproducible.
_SETTINGS = {"svg.fonttype": "none", "pdf.fonttype": 42, "svg.hashsalt": "entropylaw"}
_METADATA = {"png": None, "svg": {"Date": None}, "pdf": {"CreationDate": None}}


def figure_format(path) -> str:
    """The format named by ``path``'s extension; InputError unless it is png, svg or pdf."""
    suffix = Path(str(path)).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        allowed = ", ".join(f".{name}" for name in FORMATS)
        shown = f"'.{suffix}'" if suffix else "no extension"
        raise InputError(f"{path}: cannot write a figure with {shown}; use one of {allowed}")
    return suffix


def save(figure, path, *, dpi: int = PNG_DPI) -> Path:
    """Write ``figure`` to ``path`` as png, svg or pdf (from the extension); return the path."""
    import matplotlib

    kind = figure_format(path)
    with matplotlib.rc_context(_SETTINGS):
        figure.savefig(path, format=kind, dpi=dpi, metadata=_METADATA[kind],
                       bbox_inches="tight", pad_inches=0.08)
    return Path(path)
