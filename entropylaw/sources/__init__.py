"""Readers: turn a source (a path, or ``wandb:``/``mlflow:`` address) into a Log.

Each format lives in its own module with one ``read_*`` function returning a Log; this module
only recognises the argument's form and dispatches, importing the reader lazily.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ..errors import InputError
from .log import KeySeries, Log, build_log

__all__ = ["FORMATS", "KeySeries", "Log", "build_log", "detect_format", "read_log"]

# Format name -> (module, reader function, what it is).
FORMATS: dict[str, tuple[str, str, str]] = {
    "csv": ("csv", "read_csv", "CSV export (wide, or long key,step,value)"),
    "verl-log": ("verl", "read_console_log", "verl console log (step:N - key:value lines)"),
    "verl-jsonl": ("verl", "read_jsonl", "verl JSONL file logger"),
}

_CONSOLE_SUFFIXES = {".log", ".out", ".err"}
_SNIFFED_SUFFIXES = {".txt", ""}


def detect_format(source) -> str:
    """The format name of ``source`` (a key of :data:`FORMATS`), recognised from its form."""
    text = str(source)
    path = Path(text)
    if not path.exists():
        raise InputError(f"{text}: no such file or directory")
    if path.is_dir():
        raise InputError(f"{text}: is a directory holding no run entropylaw recognises")
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv"}:
        return "csv"
    if suffix in {".jsonl", ".ndjson"}:
        return "verl-jsonl"
    if suffix in _CONSOLE_SUFFIXES:
        return "verl-log"
    if suffix in _SNIFFED_SUFFIXES:
        return "verl-log" if _looks_like_console_log(path) else "csv"
    raise InputError(f"{text}: unrecognised source (expected a CSV file, a verl log (.log), "
                     f"or verl JSONL (.jsonl))")


def _looks_like_console_log(path: Path) -> bool:
    from .verl import CONSOLE_SIGNATURE

    with path.open("rb") as handle:
        return CONSOLE_SIGNATURE.search(handle.read()) is not None


def read_log(source, *, step_key: str | None = None, wanted=(), **options) -> Log:
    """Read every numeric series of ``source``.

    ``step_key`` overrides the detected step axis (CSV); ``wanted`` names the keys the caller
    will use, so problems in them are errors rather than notes.
    """
    kind = detect_format(source)
    module, function, _ = FORMATS[kind]
    reader = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    if kind == "csv":
        return reader(source, step_key=step_key, wanted=wanted)
    return reader(source, **options)
