"""Write a Log as the wide CSV that :func:`entropylaw.sources.csv.read_csv` reads back exactly.

One row per step (the union of every key's steps), one column per key. A cell is empty where
the key was not logged at that step and ``nan`` where NaN was logged; values are written with
Python's shortest round-trip repr, so reading the file back gives the same floats. The step
column is the first; other keys named like a step column (``_step``, ``train/global_step``, ...)
are counters, not metrics, and are left out so the reader cannot mistake them for the step.
A column name that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
line break) is written with a leading ``'``, and a note says so. Numbers are never escaped.
"""

from __future__ import annotations

import contextlib
import csv
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import keys as keymod
from .._text import FEW, listing, plural
from ..errors import InputError
from ..results import Notice
from .log import Log


@dataclass(frozen=True)
class Export:
    """What was written: where, the step column, the keys and rows, and what was left out."""

    path: str
    step_key: str
    keys: tuple[str, ...]
    rows: int
    notes: tuple[Notice, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {"path": self.path, "step_key": self.step_key, "keys": list(self.keys),
                "rows": self.rows, "notes": [notice.to_dict() for notice in self.notes]}

    def __str__(self) -> str:
        lines = [f"wrote {plural(self.rows, 'row')} x {plural(len(self.keys), 'key')} to "
                 f"{self.path} (step column '{self.step_key}')"]
        if self.notes:
            lines += ["", "Notes"] + [f"  {notice}" for notice in self.notes]
        return "\n".join(lines)


def write_csv(log: Log, path, *, keys=None) -> Export:
    """Write ``log`` (or only ``keys`` of it) to ``path`` ('-' for standard output)."""
    step_key = log.step_key or "step"
    chosen = list(keys) if keys else list(log.keys)
    missing = [key for key in chosen if key not in log]
    if missing:
        raise InputError(f"{log.source}: no key '{missing[0]}'; keys are: {listing(log.keys)}")
    counters = [key for key in chosen if keymod.is_step_key(key)]
    chosen = [key for key in chosen if not keymod.is_step_key(key)]
    if not chosen:
        raise InputError(f"{log.source}: no keys to write")
    steps = np.unique(np.concatenate([log[key].steps for key in chosen]))
    cells = np.full((steps.size, len(chosen)), "", dtype=object)
    for column, key in enumerate(chosen):
        series = log[key]
        cells[np.searchsorted(steps, series.steps), column] = [_text(v) for v in series.values]
    notes = list(log.notes)
    if counters:
        notes.append(Notice("step_counters_left_out",
                            f"left out {plural(len(counters), 'step counter')} (not metrics, and "
                            f"they would compete with the step column): {listing(counters)}"))
    header = [_header_cell(name) for name in (step_key, *chosen)]
    escaped = [name for name, cell in zip((step_key, *chosen), header, strict=True)
               if cell != name]
    if escaped:
        notes.append(Notice("formula_escaped",
                            f"{plural(len(escaped), 'column name')} began with =, +, -, @ or a "
                            f"control character, which a spreadsheet runs as a formula: written "
                            f"with a leading ' ({listing(escaped, FEW)})"))
    target = str(path)
    with _open(target) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for step, row in zip(steps.tolist(), cells.tolist(), strict=True):
            writer.writerow([step, *row])
    return Export(target, step_key, tuple(chosen), int(steps.size), tuple(notes))


# Cells a spreadsheet would evaluate as a formula (OWASP, "CSV Injection"): prefixed with "'".
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _header_cell(name: str) -> str:
    return "'" + name if name.startswith(_FORMULA_START) else name


def _text(value: float) -> str:
    if math.isnan(value):
        return "nan"
    return repr(float(value))  # shortest text that reads back as the same float; 'inf', '-inf'


@contextlib.contextmanager
def _open(target: str):
    """A text file to write, or standard output for '-'."""
    if target == "-":
        yield sys.stdout
        return
    path = Path(target)
    if not path.parent.is_dir():
        raise InputError(f"{target}: no such directory '{path.parent}'")
    with path.open("w", encoding="utf-8", newline="") as handle:
        yield handle
