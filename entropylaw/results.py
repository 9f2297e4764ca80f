"""Small frozen values shared by every result (an estimate with its interval, a notice), and
:class:`ResultMixin`, which gives every result the same face in a notebook."""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass

import numpy as np

# Columns of ``summary()``: the keys of an Estimate's JSON.
SUMMARY_COLUMNS = ("estimate", "lower", "upper", "std_error")


@dataclass(frozen=True)
class Notice:
    """Something the user must see: a stable machine-readable ``code`` and a prose ``message``."""

    code: str
    message: str

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class Estimate:
    """A point estimate with an interval at some confidence, and the standard error of its draws."""

    estimate: float
    lower: float
    upper: float
    std_error: float = math.nan

    @classmethod
    def from_draws(cls, estimate: float, draws: np.ndarray, confidence: float) -> Estimate:
        """Percentile interval of ``draws`` at ``confidence``; NaN without finite draws."""
        draws = np.asarray(draws, dtype=float)
        draws = draws[np.isfinite(draws)]
        if draws.size < 2:
            return cls(float(estimate), math.nan, math.nan, math.nan)
        tail = (1.0 - confidence) / 2.0
        lower, upper = np.quantile(draws, [tail, 1.0 - tail])
        return cls(float(estimate), float(lower), float(upper), float(np.std(draws, ddof=1)))

    def to_dict(self, *, std_error: bool = True) -> dict:
        out = {"estimate": json_float(self.estimate), "lower": json_float(self.lower),
               "upper": json_float(self.upper)}
        if std_error:
            out["std_error"] = json_float(self.std_error)
        return out

    def contains(self, value: float) -> bool:
        return self.lower <= value <= self.upper


def json_float(value) -> float | None:
    """JSON has no NaN: map None and non-finite numbers to null."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class ResultMixin:
    """A short repr, an HTML table, a summary frame and a figure, all from what a result
    already has: ``to_dict()`` (its JSON), ``_headline()`` and the plot package's ``draw``.

    A result class inherits it and defines ``_headline()``, the few numbers its repr shows as
    ``(name, text)`` pairs, and may name in ``_summary_lists`` the lists of its JSON whose
    items ``summary()`` shows (as ``key[i].name``). Its dataclass may keep ``repr=True``: the
    mixin's repr is put on each subclass before the dataclass decorator runs, and a dataclass
    never replaces a ``__repr__`` the class defines itself.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = ResultMixin.__repr__

    _summary_lists: tuple[str, ...] = ()

    def _headline(self) -> list[tuple[str, str]]:
        return []

    def __repr__(self) -> str:
        parts = [f"{name}={text}" for name, text in self._headline()]
        return "<" + " ".join([type(self).__name__, *parts]) + ">"

    def summary(self):
        """One row per number the result reports (its JSON keys, nested ones joined by '.'):
        columns estimate, lower, upper, std_error; a plain number fills only ``estimate``."""
        return summary_frame(self.to_dict(), self._summary_lists)

    def _repr_html_(self) -> str:
        return result_html(repr(self), self.summary(), getattr(self, "warnings", ()),
                           str(self))

    def plot(self, ax=None, **options):
        """The result's figure (see :mod:`entropylaw.plot`); ``options`` go to its function."""
        from .plot import draw

        return draw(self, ax, **options)


def flatten(record: dict, prefix: str = "", lists=()) -> dict:
    """A JSON record with nested objects flattened: keys joined by '.', as
    ``pandas.json_normalize`` names them. Lists are kept as they are, except those named in
    ``lists``, whose objects become ``key[i].name``."""
    flat = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif name in lists and isinstance(value, list):
            for i, item in enumerate(value):
                flat.update(flatten(item, f"{name}[{i}].") if isinstance(item, dict)
                            else {f"{name}[{i}]": item})
        else:
            flat[name] = value
    return flat


def summary_frame(record: dict, lists=()):
    """The numbers of a JSON record, one row each, indexed by ``quantity`` (see
    :meth:`ResultMixin.summary`). Text, booleans and lists not named in ``lists`` are left to
    the report."""
    import pandas as pd

    rows: dict[str, dict] = {}
    for name, value in flatten(record, lists=lists).items():
        parent, _, leaf = name.rpartition(".")
        if parent and leaf in SUMMARY_COLUMNS:
            rows.setdefault(parent, {})[leaf] = value
        elif _is_number(value):
            rows[name] = {"estimate": value}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(SUMMARY_COLUMNS),
                                   dtype=float)
    frame.index.name = "quantity"
    return frame


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def result_html(title: str, summary, warnings, report: str) -> str:
    """A result as HTML: its repr as caption, the summary table, warnings, and the text report
    folded away. Every text is escaped."""
    import html  # here, not on every command's path (html.entities is a large table)

    table = summary.to_html(float_format=lambda v: f"{v:.4g}", na_rep="", border=0,
                            escape=True)
    parts = [f"<div><p><b>{html.escape(title)}</b></p>", table]
    if warnings:
        items = "".join(f"<li><code>{html.escape(w.code)}</code>: {html.escape(w.message)}</li>"
                        for w in warnings)
        parts.append(f"<p>Warnings</p><ul>{items}</ul>")
    parts.append(f"<details><summary>report</summary><pre>{html.escape(report)}</pre>"
                 f"</details></div>")
    return "".join(parts)


def frame_of(results) -> object:
    """One row per result, columns named as its flattened JSON keys (see :func:`flatten`);
    warnings and notes become tuples of their codes."""
    import pandas as pd

    rows = []
    for result in results:
        record = result.to_dict()
        for key in ("warnings", "notes"):
            if isinstance(record.get(key), list):
                record[key] = tuple(item["code"] for item in record[key])
        rows.append(flatten(record))
    return pd.DataFrame(rows)


def over_runs(function):
    """Let ``function(run, **options)`` take, for ``run``, anything :func:`entropylaw.read`
    reads (a path, a DataFrame), or a list of runs: then it returns a DataFrame with one row per
    run (see :func:`frame_of`)."""

    @functools.wraps(function)
    def wrapper(run=None, *args, **options):
        if isinstance(run, (list, tuple)):
            return frame_of([function(_as_run(item), *args, **options) for item in run])
        return function(_as_run(run), *args, **options)

    return wrapper


def _as_run(value):
    from .errors import InputError
    from .run import SOURCES, Run, _is_frame, read

    if value is None or isinstance(value, Run):
        return value
    if _is_frame(value) or isinstance(value, (str, os.PathLike)):
        return read(value)
    raise InputError(f"a run is a Run, {SOURCES}, or a list of these; "
                     f"got a {type(value).__name__}")
