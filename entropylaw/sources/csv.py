"""CSV files as trackers export them: one row per step, one column per key, empty where not logged.

Also read: a long table with columns ``key, step, value`` (one row per point), and W&B panel
exports whose columns are ``<run> - <key>`` with ``__MIN``/``__MAX`` companions.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .. import keys as keymod
from .._text import few, listing, plural
from ..errors import InputError
from ..results import Notice
from .log import Log, build_log

_NAN_WORDS = {"nan", "-nan", "+nan", "null", "none", "na", "n/a"}
_PANEL_COLUMN = re.compile(r"^(?P<run>.+?) - (?P<key>.+?)(?P<agg>__MIN|__MAX)?$")


def read_csv(path, *, step_key: str | None = None, wanted=()) -> Log:
    """Read a wide (or long) CSV export into a Log.

    ``wanted`` names keys the caller will use: a non-numeric cell in one of them is an error;
    in any other column it only makes that column ignored (and said so).
    """
    import pandas as pd

    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError(f"{source}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{source}: the file is empty")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise InputError(f"{source}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{source}: not a readable CSV ({first_line})") from None
    table.columns = [str(column).strip() for column in table.columns]
    if table.empty:
        raise InputError(f"{source}: the file has a header but no rows")

    notes: list[Notice] = []
    if {"key", "step", "value"} <= set(table.columns) and step_key is None:
        return _read_long(table, source, wanted)
    table = _unpanel(table, notes)

    step_column = step_key or keymod.find_step_key(table.columns)
    if step_column is None:
        raise InputError(
            f"{source}: no step column (looked for {', '.join(keymod.STEP_KEYS)}); "
            f"columns are: {listing(table.columns)}; name it with --step-key"
        )
    if step_column not in table.columns:
        raise InputError(f"{source}: no column '{step_column}'; "
                         f"columns are: {listing(table.columns)}")

    wanted = set(wanted) | {step_column}
    numeric, text_columns = {}, []
    for column in table.columns:
        values, bad_row = _to_float(table[column])
        if bad_row is not None:
            if column in wanted or keymod.role(column) is not None:
                raise InputError(
                    f"{source}: line {bad_row + 2}, column '{column}': expected a number, "
                    f"found {table[column].iloc[bad_row]!r}"
                )
            text_columns.append(column)
            continue
        numeric[column] = values
    if text_columns:
        notes.append(Notice("non_numeric_columns",
                            f"ignored {plural(len(text_columns), 'non-numeric column')}: "
                            f"{listing(text_columns)}"))

    steps = numeric.pop(step_column)
    no_step = np.isnan(steps)
    if no_step.all():
        raise InputError(f"{source}: the step column '{step_column}' is empty")
    if no_step.any():
        rows = np.flatnonzero(no_step) + 2
        notes.append(Notice("rows_without_step",
                            f"skipped {plural(rows.size, 'row')} with no '{step_column}' value "
                            f"(lines {few(rows)})"))
    present = {column: table[column].str.strip().to_numpy() != "" for column in numeric}
    columns = {}
    for column, values in numeric.items():
        keep = present[column] & ~no_step
        if keep.any():
            columns[column] = (steps[keep], values[keep])
    return build_log(source, columns, notes=notes, metadata={"format": "csv"}, step_key=step_column)


def _read_long(table, source: str, wanted) -> Log:
    steps, bad = _to_float(table["step"])
    if bad is not None:
        raise InputError(f"{source}: line {bad + 2}, column 'step': expected a number, "
                         f"found {table['step'].iloc[bad]!r}")
    values, bad = _to_float(table["value"])
    if bad is not None:
        raise InputError(f"{source}: line {bad + 2}, column 'value': expected a number, "
                         f"found {table['value'].iloc[bad]!r}")
    keys = table["key"].str.strip().to_numpy()
    records = zip(keys, steps, values, strict=True)
    return build_log(source, records=records, metadata={"format": "csv (long)"}, step_key="step")


def _to_float(column) -> tuple[np.ndarray, int | None]:
    """Parse a text column: empty -> NaN (then masked as not logged), NaN words -> NaN.

    Returns the values and the position of the first unparsable cell, or None.
    """
    import pandas as pd

    text = column.str.strip()
    lowered = text.str.lower()
    nan_like = (text == "") | lowered.isin(_NAN_WORDS)
    values = pd.to_numeric(text.where(~nan_like, "nan"), errors="coerce").to_numpy(dtype=float)
    unparsed = np.isnan(values) & ~nan_like.to_numpy()
    if unparsed.any():
        return values, int(np.argmax(unparsed))
    return values, None


def _unpanel(table, notes: list[Notice]):
    """W&B panel exports: strip the shared ``<run> - `` prefix and drop __MIN/__MAX columns."""
    others = [c for c in table.columns if not keymod.is_step_key(c)]
    matches = [_PANEL_COLUMN.match(c) for c in others]
    if not others or not all(matches):
        return table
    runs = {m.group("run") for m in matches}
    if len(runs) != 1:
        return table
    dropped = [c for c, m in zip(others, matches, strict=True) if m.group("agg")]
    table = table.drop(columns=dropped)
    table = table.rename(columns={c: m.group("key") for c, m in zip(others, matches, strict=True)
                                  if not m.group("agg")})
    notes.append(Notice("panel_export",
                        f"W&B panel export of run '{runs.pop()}': used the logged values, "
                        f"ignored {len(dropped)} __MIN/__MAX columns"))
    return table

