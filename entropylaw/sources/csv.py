"""CSV files as trackers export them: one row per step, one column per key, empty where not logged.

Also read: a long table with columns ``key, step, value`` (one row per point), W&B panel exports
whose columns are ``<run> - <key>`` with ``__MIN``/``__MAX`` companions, tab-separated files
(``.tsv``), semicolon-separated files with decimal commas, and any of them gzipped (``.gz``).

Numbers are parsed by pandas' own C parser; a column it leaves as text (a NaN word, a stray
word) is parsed again cell by cell, so an empty cell (not logged) stays apart from a logged NaN
and the first cell that is not a number is reported with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import keys as keymod
from .._text import few, listing, plural
from ..errors import InputError
from ..results import Notice
from .log import Log, build_log

_NAN_WORDS = {"nan", "-nan", "+nan", "null", "none", "na", "n/a"}
_PANEL_COLUMN = re.compile(r"^(?P<run>.+?) - (?P<key>.+?)(?P<agg>__MIN|__MAX)?$")
_SEPARATORS = (",", ";", "\t")
# A cell holding a number with a decimal comma, between separators other than the comma.
_DECIMAL_COMMA = re.compile(r"(?:^|[;\t])[ \t]*[-+]?\d+,\d+[ \t]*(?=[;\t\r\n]|$)", re.MULTILINE)
_SAMPLE_BYTES = 1 << 16


@dataclass(frozen=True)
class _Dialect:
    separator: str
    decimal: str


def read_csv(path, *, step_key: str | None = None, wanted=()) -> Log:
    """Read a wide (or long) CSV export into a Log.

    ``wanted`` names keys the caller will use: a non-numeric cell in one of them is an error;
    in any other column it only makes that column ignored (and said so).
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError(f"{source}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{source}: the file is empty")
    dialect = _dialect(path, source)
    table, names = _read_table(path, source, dialect)
    if table.empty:
        raise InputError(f"{source}: the file has a header but no rows")

    notes: list[Notice] = []
    columns = _unique_columns(names, source, step_key, wanted, notes)
    if {"key", "step", "value"} <= set(columns) and step_key is None:
        return _read_long(table, columns, source, dialect)
    columns = _unpanel(columns, notes)

    step_column = step_key or keymod.find_step_key(list(columns))
    if step_column is None:
        raise InputError(
            f"{source}: no step column (looked for {', '.join(keymod.STEP_KEYS)}); "
            f"columns are: {listing(columns)}; name it with --step-key"
        )
    if step_column not in columns:
        raise InputError(f"{source}: no column '{step_column}'; "
                         f"columns are: {listing(columns)}")

    numeric = _numeric_columns(table, columns, dialect, source, set(wanted) | {step_column},
                               notes)
    steps, _ = numeric.pop(step_column)
    no_step = np.isnan(steps)  # not logged, or logged as NaN
    if no_step.all():
        raise InputError(f"{source}: the step column '{step_column}' is empty")
    if no_step.any():
        rows = np.flatnonzero(no_step) + 2
        notes.append(Notice("rows_without_step",
                            f"skipped {plural(rows.size, 'row')} with no '{step_column}' value "
                            f"(lines {few(rows)})"))
    series = {}
    for column, (values, present) in numeric.items():
        keep = present & ~no_step
        if keep.any():
            series[column] = (steps[keep], values[keep])
    return build_log(source, series, notes=notes, metadata={"format": "csv"}, step_key=step_column)


def _numeric_columns(table, columns, dialect, source, wanted, notes) -> dict:
    """column -> (values, present) of every numeric column; a text cell in a wanted (or
    recognised) column is an error naming its row, elsewhere the column is ignored and noted."""
    numeric, text_columns = {}, []
    for column, position in columns.items():
        values, present, bad_row = _parse(table.iloc[:, position], dialect)
        if bad_row is not None:
            if column in wanted or keymod.role(column) is not None:
                raise _not_a_number(source, bad_row, column, table.iloc[bad_row, position])
            text_columns.append(column)
            continue
        numeric[column] = values, present
    if text_columns:
        notes.append(Notice("non_numeric_columns",
                            f"ignored {plural(len(text_columns), 'non-numeric column')}: "
                            f"{listing(text_columns)}"))
    return numeric


def _dialect(path: Path, source: str) -> _Dialect:
    """The separator (from the suffix, else the header line) and the decimal mark."""
    sample = _sample(path, source)
    header = sample.split("\n", 1)[0]
    stem = path.name.lower().removesuffix(".gz")
    # .tsv: tabs; else the most frequent candidate in the header line, the comma on a tie
    separator = "\t" if stem.endswith(".tsv") else max(_SEPARATORS, key=header.count)
    decimal = "."
    if separator != "," and _DECIMAL_COMMA.search(sample, len(header)):
        decimal = ","
    return _Dialect(separator, decimal)


def _sample(path: Path, source: str) -> str:
    """The first 64 KiB of the file's text (decompressed when gzipped)."""
    if path.name.lower().endswith(".gz"):
        import gzip
        import zlib

        try:
            with gzip.open(path) as handle:
                data = handle.read(_SAMPLE_BYTES)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{source}: not a readable gzipped CSV ({exc})") from None
    else:
        with path.open("rb") as handle:
            data = handle.read(_SAMPLE_BYTES)
    return data.decode("utf-8", errors="replace")


def _read_table(path: Path, source: str, dialect: _Dialect):
    """The table (cells parsed by pandas; empty cells NaN, NaN words left as text) and the
    header's names, stripped, in column order (pandas would rename a repeated one)."""
    import gzip
    import zlib

    import pandas as pd

    options = dict(sep=dialect.separator, decimal=dialect.decimal, keep_default_na=False,
                   na_values=[""], skipinitialspace=True)
    try:
        # The names as written, and numbered columns: pandas 3 builds text as pyarrow strings,
        # which costs about 15 ms on first use in a process (on every command reading a CSV).
        header = pd.read_csv(path, header=None, nrows=1, dtype=object, **options)
        table = pd.read_csv(path, low_memory=False, header=0, names=range(header.shape[1]),
                            **options)
        if header.shape[1] != table.shape[1]:  # ragged rows: pandas' names are all there is
            table = pd.read_csv(path, low_memory=False, **options)
            return table, [str(column).strip() for column in table.columns]
    except pd.errors.EmptyDataError:
        raise InputError(f"{source}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, gzip.BadGzipFile,
            zlib.error) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{source}: not a readable CSV ({first_line})") from None
    names = [str(cell).strip() if isinstance(cell, str) else f"Unnamed: {column}"  # as pandas
             for cell, column in zip(header.iloc[0], table.columns, strict=True)]
    return table, names


def _unique_columns(names, source: str, step_key, wanted, notes: list[Notice]) -> dict:
    """Column name -> position. A name given to several columns is an error where the name is
    used (the step, a named or recognised key); elsewhere those columns are left out, said so."""
    positions: dict[str, list[int]] = {}
    for position, name in enumerate(names):
        positions.setdefault(name, []).append(position)
    repeated = {name: where for name, where in positions.items() if len(where) > 1}
    used = set(wanted) | ({step_key} if step_key else set())
    for name, where in repeated.items():
        if name in used or keymod.role(name) is not None or keymod.is_step_key(name):
            raise InputError(f"{source}: {len(where)} columns are named '{name}' (columns "
                             f"{few([p + 1 for p in where])}): rename them so each name is "
                             f"unique")
    if repeated:
        notes.append(Notice("duplicate_columns",
                            f"ignored {plural(sum(map(len, repeated.values())), 'column')} "
                            f"sharing a name: {listing(repeated)}"))
    return {name: where[0] for name, where in positions.items() if name not in repeated}


def _read_long(table, columns: dict, source: str, dialect: _Dialect) -> Log:
    parsed = {}
    for name in ("step", "value"):
        cells = table.iloc[:, columns[name]]
        values, _, bad = _parse(cells, dialect)
        if bad is not None:
            raise _not_a_number(source, bad, name, cells.iloc[bad])
        parsed[name] = values
    keys = table.iloc[:, columns["key"]].fillna("").astype(str).str.strip().to_numpy()
    records = zip(keys, parsed["step"], parsed["value"], strict=True)
    return build_log(source, records=records, metadata={"format": "csv (long)"}, step_key="step")


def _parse(cells, dialect: _Dialect) -> tuple[np.ndarray, np.ndarray, int | None]:
    """A column's values (NaN where NaN was logged), where a value was logged (not empty), and
    the position of the first cell that is not a number (None if every cell is one)."""
    import pandas as pd

    if cells.dtype.kind in "iuf":  # pandas parsed every cell: only empty cells are NaN
        values = cells.to_numpy(dtype=float)
        return values, ~np.isnan(values), None
    missing = cells.isna().to_numpy()
    text = cells.where(~missing, "").astype(str).str.strip()
    nan_like = text.str.lower().isin(_NAN_WORDS).to_numpy()
    if dialect.decimal != ".":
        text = text.str.replace(dialect.decimal, ".", regex=False)
    numbers = text.where(~(nan_like | missing), "nan")
    values = pd.to_numeric(numbers, errors="coerce").to_numpy(dtype=float)
    unparsed = np.isnan(values) & ~nan_like & ~missing
    bad = int(np.argmax(unparsed)) if unparsed.any() else None
    return values, ~missing, bad


def _not_a_number(source: str, row: int, column: str, cell) -> InputError:
    return InputError(f"{source}: line {row + 2}, column '{column}': expected a number, "
                      f"found {str(cell)!r}")


def _unpanel(columns: dict, notes: list[Notice]) -> dict:
    """W&B panel exports: strip the shared ``<run> - `` prefix and drop __MIN/__MAX columns."""
    others = [c for c in columns if not keymod.is_step_key(c)]
    matches = [_PANEL_COLUMN.match(c) for c in others]
    if not others or not all(matches):
        return columns
    runs = {m.group("run") for m in matches}
    if len(runs) != 1:
        return columns
    dropped = {c for c, m in zip(others, matches, strict=True) if m.group("agg")}
    renamed = {c: m.group("key") for c, m in zip(others, matches, strict=True)}
    notes.append(Notice("panel_export",
                        f"W&B panel export of run '{runs.pop()}': used the logged values, "
                        f"ignored {len(dropped)} __MIN/__MAX columns"))
    return {renamed.get(c, c): position for c, position in columns.items() if c not in dropped}
