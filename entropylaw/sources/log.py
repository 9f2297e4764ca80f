"""What a source held: one series per key, each with its own steps, and what reading it skipped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .._text import EXAMPLES, few, listing, plural
from ..errors import InputError
from ..results import Notice


@dataclass(frozen=True, eq=False)
class KeySeries:
    """One metric key: increasing integer steps and their values (NaN where NaN was logged)."""

    key: str
    steps: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return int(self.steps.size)

    @property
    def n_finite(self) -> int:
        return int(np.isfinite(self.values).sum())


@dataclass(frozen=True, eq=False)
class Log:
    """Every numeric series of one run, as read from its source."""

    source: str
    series: Mapping[str, KeySeries]
    notes: tuple[Notice, ...] = ()
    metadata: Mapping[str, object] = field(default_factory=dict)
    step_key: str | None = None

    @property
    def keys(self) -> list[str]:
        return list(self.series)

    def __contains__(self, key: str) -> bool:
        return key in self.series

    def __getitem__(self, key: str) -> KeySeries:
        return self.series[key]


def build_log(
    source: str,
    columns: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    *,
    records=None,
    order=None,
    notes=(),
    metadata=None,
    step_key: str | None = None,
) -> Log:
    """Assemble a Log from per-key (steps, values) arrays, enforcing the universal rules.

    Each key is sorted by step; where a step repeats, the last occurrence wins (a resumed run
    rewrites steps; readers pass rows in write order, or ``order`` such as wall time). Unsorted
    input and duplicates are counted in the notes, never dropped silently. ``records`` is an
    alternative input: an iterable of (key, step, value) tuples in write order.
    """
    notes = list(notes)
    if records is not None:
        columns = _columns_from_records(records)
    series: dict[str, KeySeries] = {}
    duplicates: dict[str, int] = {}
    unsorted: list[str] = []
    for key, (steps, values) in (columns or {}).items():
        steps = np.asarray(steps)
        values = np.asarray(values, dtype=float)
        key_order = None if order is None else np.asarray(order[key], dtype=float)
        if steps.size == 0:
            continue
        steps = _integer_steps(steps, source, key)
        if np.any(np.diff(steps) < 0):
            unsorted.append(key)
        # Stable sort by step, then by write order: the last row of a repeated step wins.
        sort_by = (np.arange(steps.size) if key_order is None else key_order, steps)
        index = np.lexsort(sort_by)
        steps, values = steps[index], values[index]
        last = np.r_[steps[1:] != steps[:-1], True]
        if not last.all():
            duplicates[key] = int((~last).sum())
            steps, values = steps[last], values[last]
        series[key] = KeySeries(key, steps, values)
    if unsorted:
        notes.append(Notice("unsorted_steps",
                            f"{plural(len(unsorted), 'key')} had steps out of order "
                            f"({few(unsorted, EXAMPLES)}): sorted by step"))
    if duplicates:
        total = sum(duplicates.values())
        notes.append(Notice(
            "duplicate_steps",
            f"{plural(len(duplicates), 'key')} ({few(duplicates, EXAMPLES)}) logged a step more "
            f"than once: kept the last value of each step, dropped "
            f"{plural(total, 'earlier value')}",
        ))
    return Log(source, series, tuple(notes), dict(metadata or {}), step_key)


def _columns_from_records(records) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    steps: dict[str, list] = {}
    values: dict[str, list] = {}
    for key, step, value in records:
        steps.setdefault(key, []).append(step)
        values.setdefault(key, []).append(value)
    return {key: (np.asarray(steps[key]), np.asarray(values[key], dtype=float)) for key in steps}


def _integer_steps(steps: np.ndarray, source: str, key: str) -> np.ndarray:
    steps = np.asarray(steps, dtype=float)
    bad = ~np.isfinite(steps) | (steps != np.round(steps))
    if bad.any():
        value = steps[np.argmax(bad)]
        from ..errors import InputError

        raise InputError(f"{source}: key '{key}' has a step that is not a whole number ({value:g})")
    return steps.astype(np.int64)


RUNS_NAMED = 10  # runs named in the error for a source holding several: enough to pick one


def several_runs(source, runs) -> InputError:
    """The one error for a source that holds several runs where one is needed: it names them."""
    return InputError(f"{source}: holds {len(runs)} runs; name one: "
                      f"{listing([str(run) for run in runs], RUNS_NAMED)}")
