"""Which runs make a family: ``SOURCE=SIZE`` arguments, or a manifest file.

A manifest is a CSV file with a header; '#' lines and blank lines are skipped. Each row gives a
``source`` to read, or ``a`` and ``b`` directly (with optional intervals), and a ``size`` or a
known ``model``. The columns are listed in ``COLUMNS``; docs/family.md has examples.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..errors import FitError, InputError
from ..results import Estimate
from .members import GIVEN_CONFIDENCE, Accuracy, Coefficients
from .sizes import check_size, model_size, parse_size

COLUMNS = ("source", "size", "model", "a", "a_lower", "a_upper", "b", "b_lower", "b_upper",
           "ceiling_lower", "ceiling_upper", "confidence", "accuracy", "accuracy_se", "n_items",
           "entropy_key", "reward_key")
# the binomial p (1 - p) is floored at this / n_items, so an accuracy of 0% or 100% still has
# an error: about a quarter of what one item more or less would change
VARIANCE_FLOOR = 0.25


def parse_run_argument(text: str) -> tuple[str, float | None, str | None]:
    """``SOURCE=SIZE`` or ``SOURCE=MODEL`` -> (source, size, model); a bare SOURCE has neither."""
    source, sign, spec = str(text).rpartition("=")
    if not sign:
        return str(text), None, None
    if not source or not spec.strip():
        raise InputError(f"'{text}': expected SOURCE=SIZE (billions of non-embedding "
                         f"parameters, e.g. run.csv=6.53) or SOURCE=MODEL "
                         f"(e.g. run.csv=Qwen2.5-7B)")
    spec = spec.strip()
    try:
        number = float(spec)
    except ValueError:
        try:
            return source, model_size(spec), spec
        except InputError as exc:
            raise InputError(f"'{text}': {exc}") from None
    return source, check_size(number, what=f"'{text}': size"), None


def read_arguments(arguments, **read_options) -> list:
    """Runs from ``SOURCE=SIZE`` arguments, each with its size (or model) set."""
    from ..run import read

    runs = []
    for text in arguments:
        source, size, model = parse_run_argument(text)
        if size is None and _is_manifest(source):
            raise InputError(f"{source} is a family manifest (a header naming its runs): give it "
                             f"with --manifest {source}")
        runs.append(read(source, model=model, model_size=size, **read_options))
    return runs


def _is_manifest(source: str) -> bool:
    """Whether ``source`` is a CSV file whose first line that is not a comment is a manifest's
    header (only manifest columns, a 'source' among them)."""
    path = Path(source)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        first = next(_content_lines(handle), None)
    if first is None:
        return False
    header = {name.strip().lower() for name in first[1].split(",")}
    return "source" in header and header <= set(COLUMNS)


def _content_lines(handle):
    """(line number, text) of the lines that are neither blank nor a '#' comment."""
    return ((number, text) for number, text in enumerate(handle, start=1)
            if text.strip() and not text.lstrip().startswith("#"))


def read_manifest(path, **read_options) -> list:
    """The family listed in the manifest at ``path``: Runs (read with ``read_options``, a row's
    own entropy_key/reward_key winning) and Coefficients, each with its size or model."""
    from ..run import read

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such manifest file")
    rows = _rows(path)
    percent_scale = _accuracy_in_percent(rows)
    members = []
    for line, row in rows:
        where = f"{path} line {line}"
        size = parse_size(row["size"], what=f"{where}: size") if row.get("size") else None
        model = row.get("model") or None
        if size is None and model:
            try:
                size = model_size(model)
            except InputError as exc:
                raise InputError(f"{where}: {exc}") from None
        if row.get("accuracy") is not None:
            if row.get("a") is not None or row.get("b") is not None:
                raise InputError(f"{where}: give the accuracy, or a and b, not both")
            members.append(_accuracy(row, where, size, model, percent_scale))
            continue
        for name in ("accuracy_se", "n_items"):
            if row.get(name) is not None:
                raise InputError(f"{where}: {name} is given without an accuracy")
        if row.get("a") is not None or row.get("b") is not None:
            members.append(_coefficients(row, where, size, model))
            continue
        if not row.get("source"):
            raise InputError(f"{where}: give a source to read, or the coefficients a and b")
        options = dict(read_options)
        for key in ("entropy_key", "reward_key"):
            if row.get(key):
                options[key] = row[key]
        try:
            members.append(read(_resolve(row["source"], path.parent), model=model,
                                model_size=size, **options))
        except (InputError, FitError) as exc:
            raise type(exc)(f"{where}: {exc}") from None
    return members


def _rows(path: Path) -> list[tuple[int, dict]]:
    import csv

    with open(path, newline="", encoding="utf-8-sig") as handle:
        lines = list(_content_lines(handle))
    if not lines:
        raise InputError(f"{path}: the manifest is empty; expected a header such as "
                         f"'source,size' and one row per run")
    parsed = [next(csv.reader([text])) for _, text in lines]  # one row per line: exact numbers
    header = [name.strip().lower() for name in parsed[0]]
    header_line = lines[0][0]
    for name in header:
        if name not in COLUMNS:
            raise InputError(f"{path} line {header_line}: unknown column '{name}'; columns are: "
                             f"{', '.join(COLUMNS)}")
    if len(set(header)) < len(header):
        raise InputError(f"{path} line {header_line}: a column is named twice")
    if "source" not in header and not {"a", "b"} <= set(header) and "accuracy" not in header:
        raise InputError(f"{path} line {header_line}: the header needs a 'source' column, "
                         f"'a' and 'b' columns, or an 'accuracy' column")
    rows = []
    for (number, _), cells in zip(lines[1:], parsed[1:], strict=True):
        if len(cells) > len(header):
            raise InputError(f"{path} line {number}: {len(cells)} fields, but the header has "
                             f"{len(header)}")
        # a short row leaves its last columns empty
        values = {name: (cell.strip() or None)
                  for name, cell in zip(header, cells, strict=False)}
        rows.append((number, values))
    if not rows:
        raise InputError(f"{path}: the manifest has a header but no runs")
    return rows


def _coefficients(row: dict, where: str, size, model) -> Coefficients:
    if row.get("a") is None or row.get("b") is None:
        raise InputError(f"{where}: give both a and b, or neither (to read the source)")
    confidence = GIVEN_CONFIDENCE
    if row.get("confidence"):
        confidence = _number(row["confidence"], f"{where}: confidence")
        if not 0 < confidence < 1:
            raise InputError(f"{where}: confidence must be between 0 and 1 (or a percent such "
                             f"as 95%), got {row['confidence']}")
    a = _estimate(row, "a", where)
    b = _estimate(row, "b", where)
    ceiling = None
    if row.get("ceiling_lower") or row.get("ceiling_upper"):
        lower, upper = _bounds(row, "ceiling", where)
        if not lower <= b.estimate - a.estimate <= upper:
            raise InputError(f"{where}: the ceiling interval [{row['ceiling_lower']}, "
                             f"{row['ceiling_upper']}] does not contain b - a")
        ceiling = Estimate(b.estimate - a.estimate, lower, upper)
    return Coefficients(a, b, confidence, ceiling, row.get("source") or where, model, size)


def _accuracy_in_percent(rows) -> bool:
    """Whether the accuracy column's plain numbers are percents: any of them above 1."""
    for _, row in rows:
        text = row.get("accuracy")
        if text and not text.endswith("%"):
            try:
                if float(text) > 1.0:
                    return True
            except ValueError:
                pass  # reported with its line when the row is read
    return False


def _accuracy(row: dict, where: str, size, model, percent_scale: bool) -> Accuracy:
    """A given accuracy (fraction, or percent as the column's other values are) and its
    standard error: ``accuracy_se`` on the same scale, or binomial from ``n_items``."""
    def value(name: str) -> float:
        text = row[name]
        number = _number(text, f"{where}: {name}")
        return number / 100.0 if percent_scale and not text.endswith("%") else number

    accuracy = value("accuracy")
    if not 0.0 <= accuracy <= 1.0:
        raise InputError(f"{where}: accuracy must be a fraction in [0, 1] or a percent in "
                         f"[0, 100], got {row['accuracy']}")
    if row.get("accuracy_se") is not None and row.get("n_items") is not None:
        raise InputError(f"{where}: give accuracy_se or n_items, not both")
    std_error = 0.0
    if row.get("accuracy_se") is not None:
        std_error = value("accuracy_se")
        if not 0.0 <= std_error < 0.5:
            raise InputError(f"{where}: accuracy_se must be a standard error below 0.5 (50%), "
                             f"got {row['accuracy_se']}")
    elif row.get("n_items") is not None:
        text = row["n_items"]
        try:
            items = int(text)
        except ValueError:
            items = 0
        if items < 1 or str(items) != text.strip():
            raise InputError(f"{where}: n_items must be a whole number of items >= 1, got "
                             f"'{text}'")
        std_error = math.sqrt(max(accuracy * (1.0 - accuracy), VARIANCE_FLOOR / items) / items)
    label = row.get("source") or model or where
    return Accuracy(accuracy, std_error, label, model, size)


def _estimate(row: dict, name: str, where: str) -> Estimate:
    value = _number(row[name], f"{where}: {name}")
    if not (row.get(f"{name}_lower") or row.get(f"{name}_upper")):
        return Estimate(value, math.nan, math.nan)
    lower, upper = _bounds(row, name, where)
    if not lower <= value <= upper:
        raise InputError(f"{where}: {name} = {row[name]} is outside its interval "
                         f"[{row[f'{name}_lower']}, {row[f'{name}_upper']}]")
    return Estimate(value, lower, upper)


def _bounds(row: dict, name: str, where: str) -> tuple[float, float]:
    if not (row.get(f"{name}_lower") and row.get(f"{name}_upper")):
        raise InputError(f"{where}: give both {name}_lower and {name}_upper, or neither")
    return (_number(row[f"{name}_lower"], f"{where}: {name}_lower"),
            _number(row[f"{name}_upper"], f"{where}: {name}_upper"))


def _number(text: str, what: str) -> float:
    """A fraction, or a percent written with '%' ('21.8%' is 0.218)."""
    text = text.strip()
    scale = 100.0 if text.endswith("%") else 1.0
    try:
        value = float(text.rstrip("%").strip()) / scale
    except ValueError:
        raise InputError(f"{what} must be a number (a fraction, or a percent such as 21.8%), "
                         f"got '{text}'") from None
    if not math.isfinite(value):
        raise InputError(f"{what} must be finite, got '{text}'")
    return value


def _resolve(source: str, folder: Path) -> str:
    """A source relative to the manifest's folder when it names a file there; else as written."""
    candidate = folder / source
    if not Path(source).is_absolute() and candidate.exists():
        return str(candidate)
    return source
