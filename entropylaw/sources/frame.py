"""A pandas DataFrame in memory, read as a CSV export is: one row per step and one column per
key (NaN where a key was not logged), or a long table with columns ``key, step, value``.

The step column is found, and a W&B panel export is unpacked, by the CSV reader's rules.
"""

from __future__ import annotations

import numpy as np

from .. import keys as keymod
from .._text import few, listing, plural
from ..errors import InputError
from ..results import Notice
from .csv import _unpanel
from .log import Log, build_log

SOURCE = "DataFrame"


def read_frame(frame, *, step_key: str | None = None, wanted=(), name: str = SOURCE) -> Log:
    """Every numeric column of ``frame`` as a Log; ``name`` is the run's source.

    A named index (``df.set_index("step")``) counts as a column. ``wanted`` names keys the
    caller will use: a non-numeric value in one of them is an error, elsewhere the column is
    ignored and a note says so.
    """
    source = str(name)
    if frame.index.name is not None and frame.index.name not in frame.columns:
        frame = frame.reset_index()
    table = frame.rename(columns=lambda column: str(column).strip())
    repeated = table.columns[table.columns.duplicated()].unique()
    if len(repeated):
        raise InputError(f"{source}: column {listing(repeated)} appears more than once")
    if table.empty:
        raise InputError(f"{source}: the DataFrame has no rows")
    notes: list[Notice] = []
    if {"key", "step", "value"} <= set(table.columns) and step_key is None:
        return _read_long(table, source, wanted)
    table = _unpanel(table, notes)
    step_column = step_key or keymod.find_step_key(table.columns)
    if step_column is None:
        raise InputError(
            f"{source}: no step column (looked for {', '.join(keymod.STEP_KEYS)}); "
            f"columns are: {listing(table.columns)}; name it with step_key="
        )
    if step_column not in table.columns:
        raise InputError(f"{source}: no column '{step_column}'; "
                         f"columns are: {listing(table.columns)}")
    wanted = set(wanted) | {step_column}
    numeric, text_columns = {}, []
    for column in table.columns:
        values, bad = _numbers(table[column])
        if bad is not None:
            if column in wanted or keymod.role(column) is not None:
                raise InputError(f"{source}: row {table.index[bad]!r}, column '{column}': "
                                 f"expected a number, found {table[column].iloc[bad]!r}")
            text_columns.append(column)
        else:
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
        notes.append(Notice("rows_without_step",
                            f"skipped {plural(no_step.sum(), 'row')} with no '{step_column}' "
                            f"value (rows {few(table.index[no_step])})"))
    columns = {}
    for column, values in numeric.items():
        keep = ~np.isnan(values) & ~no_step
        if keep.any():
            columns[column] = (steps[keep], values[keep])
    return build_log(source, columns, notes=notes, metadata={"format": "DataFrame"},
                     step_key=step_column)


def _read_long(table, source: str, wanted) -> Log:
    values = {}
    for column in ("step", "value"):
        values[column], bad = _numbers(table[column])
        if bad is not None:
            raise InputError(f"{source}: row {table.index[bad]!r}, column '{column}': expected "
                             f"a number, found {table[column].iloc[bad]!r}")
    logged = ~np.isnan(values["step"]) & ~np.isnan(values["value"])
    keys = table["key"].astype(str).str.strip().to_numpy()
    records = zip(keys[logged], values["step"][logged], values["value"][logged], strict=True)
    return build_log(source, records=records, metadata={"format": "DataFrame (long)"},
                     step_key="step")


def _numbers(column) -> tuple[np.ndarray, int | None]:
    """A column as floats (missing -> NaN), and the position of its first non-number, or None."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=float), 0
    values = pd.to_numeric(column, errors="coerce")
    unparsed = values.isna().to_numpy() & column.notna().to_numpy()
    values = values.to_numpy(dtype=float, na_value=np.nan)
    if unparsed.any():
        return values, int(np.argmax(unparsed))
    return values, None
