"""W&B offline runs: ``wandb/offline-run-<date>-<id>/run-<id>.wandb``, read without the SDK's
reader (``wandb.sdk.internal.datastore`` is not shipped from wandb 0.30 on).

The file's framing is read by :mod:`.wandb_file`; each payload is a protobuf ``Record`` from
``wandb.proto.wandb_internal_pb2``. History records hold one logged row: items with a ``key``
(or ``nested_key`` parts, joined with '.') and a JSON value, among them ``_step``. Each key is
placed on its own step axis: the ``step_metric`` given to ``define_metric`` for it or a glob
matching it (TRL/HF: ``train/global_step``; slime: ``train/step``, ``eval/step``), else
``_step``; ``step_key`` puts every key on one axis instead.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from fnmatch import fnmatchcase
from pathlib import Path

import numpy as np

from .._text import EXAMPLES, few, listing, plural
from ..errors import InputError, require
from ..keys import ROW_STEP
from ..results import Notice
from .log import Log, build_log, several_runs
from .tail import FileTail, StepWatch
from .wandb_file import HEADER, Stop, payloads


def run_files(path: Path) -> list[Path]:
    """The ``.wandb`` files ``path`` names: the file, a run directory's, or one per run of a
    ``wandb/`` folder (or of the ``wandb/`` folder inside ``path``)."""
    if path.is_file():
        return [path]
    own = sorted(path.glob("*.wandb"))
    if own:
        return own
    found = []
    for folder in (path, path / "wandb"):
        if not folder.is_dir():
            continue
        for child in sorted(folder.iterdir()):
            if child.is_dir() and not child.is_symlink():  # skip wandb/latest-run
                found.extend(sorted(child.glob("*.wandb")))
    return found


def run_sources(source: str) -> list[str]:
    """The source of each run ``source`` holds: each run's folder (or file)."""
    path = Path(source)
    files = run_files(path)
    if len(files) <= 1:
        return [source]
    return [str(file if file.parent == path else file.parent) for file in files]


def read_wandb_offline(path, *, step_key: str | None = None) -> Log:
    """Read every numeric key of one offline run (its directory or its ``.wandb`` file)."""
    tail = WandbTail(path, step_key=step_key)
    tail.poll(final=True)
    return tail.log(final=True)


class WandbTail(FileTail):
    """Follows one offline run's ``.wandb`` file, record by record: a record still being
    written is read at the next poll."""

    def __init__(self, path, *, step_key: str | None = None):
        path = Path(path)
        files = run_files(path)
        if not files:
            raise InputError(f"{path}: no W&B run file (run-<id>.wandb) in it or in its runs")
        if len(files) > 1:
            raise several_runs(path, [f.parent for f in files])
        super().__init__(files[0])
        self.source = str(path)
        self.step_key = step_key
        self.pb = require("wandb.proto.wandb_internal_pb2", extra="wandb",
                          purpose="Reading W&B runs")
        self.reset()

    def reset(self) -> None:
        self.reader = _Reader(self.step_key)
        self.records = 0
        self.unreadable = 0
        self.stop: Stop | None = None

    def count(self) -> int:
        return self.reader.values

    def parse(self, data: bytes, final: bool) -> int:
        base = self.offset
        if not data or (base == 0 and len(data) < len(HEADER) and not final):
            return 0  # nothing new, or a file still being created
        try:
            chunks, stop = payloads(data, base)
        except ValueError as exc:
            raise InputError(f"{self.path}: {exc}") from None
        self.stop = stop
        self.records += len(chunks)
        for payload in chunks:
            record = self.pb.Record()
            try:
                record.ParseFromString(payload)
            except Exception:  # protobuf's DecodeError; the chunk passed its checksum
                self.unreadable += 1
                continue
            self.reader.add(record)
        return stop.resume - base if stop is not None else len(data)

    def log(self, keys=None, *, final: bool = False) -> Log:
        file, reader, stop = self.path, self.reader, self.stop
        notes = reader.notes()
        if stop is not None:
            notes.insert(0, Notice("truncated_file",
                                   f"{file.name} stops at byte {stop.offset:,} of {stop.size:,}: "
                                   f"{stop.reason}; read the {plural(self.records, 'record')} "
                                   f"before it"))
        if self.unreadable:
            notes.append(Notice("unreadable_records",
                                f"skipped {plural(self.unreadable, 'record')} that did not decode"))
        notes += reader.steps.restarts + self.notices()
        step_key = self.step_key
        if step_key and step_key != ROW_STEP and step_key not in reader.logged:
            raise InputError(f"{file}: no key '{step_key}' to use as the step; keys are: "
                             f"{listing(sorted(reader.logged))}")
        if not reader.columns:
            raise InputError(f"{file}: the run logged no numeric history"
                             + (f" ({stop.reason} at byte {stop.offset:,})" if stop else ""))
        chosen = reader.columns if keys is None else {
            key: reader.columns[key] for key in keys if key in reader.columns}
        columns = {key: (np.array(steps), np.array(values))
                   for key, (steps, values) in chosen.items()}
        return build_log(self.source, columns, notes=notes, metadata=reader.metadata,
                         step_key=reader.main_axis())


class _Reader:
    """Accumulates history rows, metric definitions and run facts, record by record."""

    def __init__(self, step_key: str | None):
        self.step_key = step_key
        self.columns: dict[str, tuple[list[int], list[float]]] = {}
        self.metadata: dict = {"format": "wandb offline"}
        self.exact: dict[str, str] = {}
        self.globs: list[tuple[str, str]] = []
        self.axis: dict[str, str] = {}
        self.rows = 0
        self.logged: set[str] = set()
        self.finished = False
        self.non_numeric: set[str] = set()
        self.no_step: Counter = Counter()
        self.fractional: Counter = Counter()
        self.values = 0
        self.steps = StepWatch()

    def add(self, record) -> None:
        kind = record.WhichOneof("record_type")
        if kind == "history":
            self._row(record.history)
        elif kind == "metric":
            self._metric(record.metric)
        elif kind == "run":
            run = record.run
            self.metadata.update(run_id=run.run_id, name=run.display_name or None,
                                 project=run.project or None, entity=run.entity or None)
        elif kind == "exit":
            self.finished = True
            self.metadata["exit_code"] = record.exit.exit_code

    def _metric(self, metric) -> None:
        if metric.glob_name:
            self.globs.append((metric.glob_name, metric.step_metric))
        elif metric.name:
            self.exact[metric.name] = metric.step_metric
        self.axis.clear()

    def _axis_of(self, key: str) -> str:
        if self.step_key:
            return self.step_key
        axis = self.axis.get(key)
        if axis is None:
            axis = self.exact.get(key) or ""
            if key not in self.exact and not key.startswith("_"):
                axis = next((m for g, m in reversed(self.globs) if fnmatchcase(key, g)), "")
            self.axis[key] = axis = axis or ROW_STEP
        return axis

    def _row(self, history) -> None:
        self.rows += 1
        row: dict[str, float] = {}
        for item in history.item:
            parts = item.nested_key
            key = parts[0] if len(parts) == 1 else ".".join(parts) or item.key
            value = _value(item)
            if value is None:
                self.non_numeric.add(key)
            else:
                row[key] = value
        self.logged.update(row)
        row_step = row.get(ROW_STEP)
        if row_step is not None and math.isfinite(row_step):
            self.steps.see(int(row_step), f"history row {self.rows}")
        columns, axis_of = self.columns, self._axis_of
        for key, value in row.items():
            if key == ROW_STEP:
                continue
            step = row.get(axis_of(key))
            if step is None or not math.isfinite(step):
                self.no_step[key] += 1
            elif step != int(step):
                self.fractional[axis_of(key)] += 1
            else:
                column = columns.get(key)
                if column is None:
                    column = columns[key] = ([], [])
                column[0].append(int(step))
                column[1].append(value)
                self.values += 1

    def axes(self) -> Counter:
        """How many metric keys (not internal keys, not step axes themselves) use each axis."""
        keys = [key for key in self.columns if not key.startswith("_")]
        axes = {key: self._axis_of(key) for key in keys}
        return Counter(axis for key, axis in axes.items() if key not in axes.values())

    def main_axis(self) -> str:
        axes = self.axes()
        return axes.most_common(1)[0][0] if axes else ROW_STEP

    def notes(self) -> list[Notice]:
        notes = [Notice("read_rows", f"read {plural(self.rows, 'history row')}")]
        axes = self.axes()
        if len(axes) > 1:
            notes.append(Notice("step_axes",
                                f"keys are on {len(axes)} step axes (define_metric): "
                                + ", ".join(f"{axis} ({plural(n, 'key')})"
                                            for axis, n in axes.most_common())
                                + "; steps on different axes may be in different units: "
                                  "--step-key _step puts every key on W&B's row counter"))
        if self.no_step:
            notes.append(Notice("values_without_step",
                                f"skipped {plural(sum(self.no_step.values()), 'value')} logged in "
                                f"rows without their step axis ({few(self.no_step, EXAMPLES)})"))
        if self.fractional:
            notes.append(Notice("fractional_steps",
                                f"skipped {plural(sum(self.fractional.values()), 'value')} whose "
                                f"step ({listing(self.fractional)}) was not a whole number"))
        if self.non_numeric:
            notes.append(Notice("non_numeric_keys",
                                f"ignored {plural(len(self.non_numeric), 'non-numeric key')}: "
                                f"{listing(sorted(self.non_numeric))}"))
        if not self.finished:
            notes.append(Notice("unfinished_run",
                                "the run has no exit record (it crashed or is still running); "
                                "W&B writes a step only when the next one begins, so the last "
                                "step logged may be missing"))
        return notes


def _value(item) -> float | None:
    """A history item's value as a float, or None when it is not a number."""
    text = item.value_json
    if not text:  # newer SDKs may set a typed value instead
        kind = item.WhichOneof("value")
        if kind == "number":
            return item.number
        if kind == "integer":
            return float(item.integer)
        if kind != "json":
            return None
        text = item.json
    try:
        return float(text)  # fast path; also reads NaN, Infinity, -Infinity
    except ValueError:
        pass
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
