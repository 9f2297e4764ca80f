"""Following a source that grows: each reader is a :class:`Tail` whose ``poll()`` reads what was
added since the last poll, and whose ``log()`` is everything read so far.

A full read is one poll from the start, then ``log(final=True)``; a watcher polls again and
again. File tails resume at the byte offset where the last complete line (or record) ended and
hold a half-written one back for the next poll; when a file shrinks or is replaced they start
over and say so. Steps that go back (a run restarted from a checkpoint) are noted: later
writes of a step replace earlier ones, as in every read.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np

from ..results import Notice
from .log import Log, build_log

CHUNK = 8 * 1024 * 1024  # bytes parsed at a time: memory stays near the file size


class Columns:
    """Per-key steps and values in write order (and an optional order such as wall time),
    grown in place as compact arrays."""

    def __init__(self, ordered: bool = False):
        self.data: dict[str, tuple[array, ...]] = {}
        self.ordered = ordered
        self.count = 0

    def column(self, key: str) -> tuple[array, ...]:
        column = self.data.get(key)
        if column is None:
            parts = (array("q"), array("d")) + ((array("d"),) if self.ordered else ())
            column = self.data[key] = parts
        return column

    def add(self, key: str, step: int, value: float, order: float | None = None) -> None:
        column = self.column(key)
        column[0].append(step)
        column[1].append(value)
        if self.ordered:
            column[2].append(order)
        self.count += 1

    def rename(self, old: str, new: str) -> None:
        """Put ``old``'s values before ``new``'s, under ``new``."""
        first = self.data.pop(old)
        if new in self.data:
            for mine, theirs in zip(first, self.data[new], strict=True):
                mine.extend(theirs)
        self.data[new] = first

    def arrays(self, keys=None) -> tuple[dict, dict | None]:
        """({key: (steps, values)}, {key: order} or None) as numpy arrays (copies)."""
        chosen = self.data if keys is None else {k: self.data[k] for k in keys if k in self.data}
        columns = {key: (np.array(c[0], dtype=np.int64), np.array(c[1], dtype=float))
                   for key, c in chosen.items()}
        order = ({key: np.array(c[2], dtype=float) for key, c in chosen.items()}
                 if self.ordered else None)
        return columns, order


class StepWatch:
    """Notices steps that go back: a run restarted from an earlier checkpoint."""

    def __init__(self):
        self.last: int | None = None
        self.restarts: list[Notice] = []

    def see(self, step: int, where: str) -> None:
        if self.last is not None and step < self.last:
            self.restarts.append(Notice(
                "restarted_run", f"steps went back from {self.last} to {step} at {where}: the "
                                 f"run restarted; a step's later values replace its earlier ones"))
        self.last = step


class Tail:
    """Follows one run. ``poll()`` reads what was added since the last poll and returns how
    many values it read; ``log()`` is every value read so far, as a Log."""

    source: str

    def poll(self) -> int:
        raise NotImplementedError

    def log(self, keys=None, *, final: bool = False) -> Log:
        """Everything read so far; ``keys`` limits it to those keys; ``final`` reads a
        half-written end too (a full read of a file that will not grow)."""
        raise NotImplementedError

    def focus(self, keys) -> None:
        """The keys the caller uses (a tail may check them more closely)."""

    def notices(self) -> list[Notice]:
        """Restarts and replaced files seen so far (for a watcher to show)."""
        return []


class FileTail(Tail):
    """A file read from where the last poll stopped. ``parse(data, final)`` is given the new
    bytes (``final``: they need not end complete) and returns how many bytes it consumed; the
    rest is read again next poll. ``reset()`` starts the parse over."""

    def __init__(self, path):
        self.path = Path(path)
        self.source = str(path)
        self.offset = 0
        self.identity: tuple[int, int] | None = None
        self.replaced: list[Notice] = []

    # Subclasses implement these two.
    def parse(self, data: bytes, final: bool) -> int:
        raise NotImplementedError

    def reset(self) -> None:
        raise NotImplementedError

    def poll(self, *, final: bool = False) -> int:
        before = self.count()
        stat = self.path.stat()
        identity = (stat.st_dev, stat.st_ino)
        if self.identity is not None and (identity != self.identity or stat.st_size < self.offset):
            why = "was replaced" if identity != self.identity else (
                f"shrank from {self.offset:,} to {stat.st_size:,} bytes")
            self.replaced.append(Notice("file_restarted",
                                        f"{self.path.name} {why}: read again from the start"))
            self.offset = 0
            self.reset()
            before = 0
        self.identity = identity
        if stat.st_size == self.offset and not final:
            return 0
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            pending = b""
            while True:
                block = handle.read(CHUNK)
                data = pending + block if pending else block
                last = not block
                used = self.parse(data, final and last)
                self.offset += used
                pending = data[used:]
                if last:
                    break
        return self.count() - before

    def count(self) -> int:
        raise NotImplementedError

    def notices(self) -> list[Notice]:
        return list(self.replaced)


def log_from(source: str, columns: Columns, keys, notes, metadata, step_key) -> Log:
    """The Log of what ``columns`` holds (only ``keys`` when given)."""
    arrays, order = columns.arrays(keys)
    return build_log(source, arrays, order=order, notes=notes, metadata=metadata,
                     step_key=step_key)


def follow(source, **options) -> Tail:
    """A Tail for ``source`` (any form :func:`entropylaw.sources.detect_format` knows that can
    grow: a verl log or JSONL file, a W&B offline run, a TensorBoard run, an MLflow run)."""
    from ..errors import InputError
    from . import FORMATS, detect_format, single_run

    kind = detect_format(source)
    tracking_uri = options.get("tracking_uri")
    run = single_run(source, tracking_uri=tracking_uri)
    if kind in ("verl-log", "verl-jsonl"):
        from .verl import ConsoleTail, JsonlTail

        return (ConsoleTail if kind == "verl-log" else JsonlTail)(run)
    if kind == "wandb-offline":
        from .wandb_offline import WandbTail

        return WandbTail(run, step_key=options.get("step_key"))
    if kind == "tensorboard":
        from .tensorboard import TensorboardTail

        return TensorboardTail(run)
    if kind == "mlflow":
        from .mlflow import MlflowTail

        return MlflowTail(run, tracking_uri=tracking_uri)
    raise InputError(f"{source}: a {FORMATS[kind].description} cannot be followed (watch "
                     f"follows verl logs, W&B offline runs, TensorBoard runs and MLflow runs)")

