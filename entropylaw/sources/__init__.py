"""Readers: turn a source (a path, or ``wandb:``/``mlflow:`` address) into a Log.

Each format lives in its own module with one ``read_*`` function returning a Log; this module
only recognises the argument's form and dispatches, importing the reader lazily.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .log import KeySeries, Log, build_log

__all__ = ["KeySeries", "Log", "build_log", "detect_format", "read_log"]


def detect_format(source) -> str:
    """The format name of ``source``: 'csv', and the others as their readers land."""
    text = str(source)
    path = Path(text)
    if not path.exists():
        raise InputError(f"{text}: no such file or directory")
    if path.is_dir():
        raise InputError(f"{text}: is a directory; expected a CSV file")
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"} or suffix == "":
        return "csv"
    raise InputError(f"{text}: unrecognised source (expected a .csv file)")


def read_log(source, *, step_key: str | None = None, wanted=(), **options) -> Log:
    """Read every numeric series of ``source``.

    ``step_key`` overrides the detected step axis; ``wanted`` names the keys the caller will
    use, so problems in them are errors rather than notes.
    """
    kind = detect_format(source)
    if kind == "csv":
        from .csv import read_csv

        return read_csv(source, step_key=step_key, wanted=wanted)
    raise InputError(f"{source}: no reader for format '{kind}'")  # pragma: no cover
