"""TensorBoard event files: every scalar of a run directory, without TensorBoard's sampling.

``EventAccumulator`` keeps 10,000 points per tag unless told otherwise, and by default drops
("purges") the points a resumed run rewrites; here every point is kept and repeated steps are
resolved by wall time (the latest write wins), as build_log counts in the notes. Both scalar
kinds are read: ``simple_value`` summaries (torch's SummaryWriter, tensorboardX) and the
tensor summaries of the ``scalars`` plugin (TensorFlow 2, ``tensorboard.summary``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from .._text import listing, plural
from ..errors import InputError, require
from ..results import Notice
from .log import Log, several_runs
from .tail import Columns, FileTail, StepWatch, Tail, log_from

_EVENT_MARK = "tfevents"
_HEADER = struct.Struct("<QI")  # a record: its length, the length's masked CRC ...
_CRC = struct.Struct("<I")  # ... the data, and the data's masked CRC


def event_files(path: Path) -> list[Path]:
    """Event files at ``path``: the file itself, or every one below the directory."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob(f"*{_EVENT_MARK}*") if p.is_file())


def run_directories(path: Path) -> list[Path]:
    """The runs ``path`` holds: itself when it is an event file or holds event files of its
    own (torch's ``add_scalars`` writes parts of a run in subfolders), else each subfolder that
    holds event files."""
    if path.is_file() or any(path.glob(f"*{_EVENT_MARK}*")):
        return [path]
    return sorted({file.parent for file in event_files(path)})


def run_sources(source: str) -> list[str]:
    """The source of each run below ``source``."""
    runs = run_directories(Path(source))
    return [source] if len(runs) <= 1 else [str(run) for run in runs]


def read_tensorboard(path) -> Log:
    """Read every scalar of one run: an event file, or a directory of a run's event files."""
    tail = TensorboardTail(path)
    tail.poll(final=True)
    return tail.log(final=True)


class TensorboardTail(Tail):
    """Follows one run's event files (new files included), record by record. A record still
    being written is read at the next poll; a truncated or corrupt file is reported with the
    byte where reading stopped."""

    def __init__(self, path):
        path = Path(path)
        self.source = str(path)
        runs = run_directories(path)
        if not runs:
            raise InputError(f"{path}: no TensorBoard event files (events.out.tfevents.*)")
        if len(runs) > 1:
            raise several_runs(path, runs)
        self.run = runs[0]
        self.pb = require("tensorboard.compat.proto.event_pb2", extra="tensorboard",
                          purpose="Reading TensorBoard event files")
        self.reset()

    def reset(self) -> None:
        self.columns = Columns(ordered=True)
        self.files: dict[Path, _EventFile] = {}
        self.plugins: dict[str, str] = {}
        self.steps = StepWatch()
        self.restarted: list[Notice] = []

    def poll(self, *, final: bool = False) -> int:
        before = self.columns.count
        files = [self.run] if self.run.is_file() else sorted(self.run.glob(f"*{_EVENT_MARK}*"))
        for file in files:
            if file.is_file() and file not in self.files:
                self.files[file] = _EventFile(file, self)
        for event_file in list(self.files.values()):
            replaced = len(event_file.replaced)
            event_file.poll(final=final)
            if len(event_file.replaced) > replaced:  # values of the old file are mixed in
                notices = self.restarted + event_file.replaced[replaced:]
                self.reset()
                self.restarted = notices
                return self.poll(final=final)
        return self.columns.count - before

    def notices(self) -> list[Notice]:
        return list(self.restarted)

    def log(self, keys=None, *, final: bool = False) -> Log:
        run, columns = self.run, self.columns
        stops = [f.stop for f in self.files.values() if f.stop is not None]
        if not columns.data:
            raise InputError(f"{self.source}: the event files hold no scalars"
                             + "".join(f" ({stop})" for stop in stops[:1]))
        notes = [Notice("read_events", f"read {plural(columns.count, 'point')} of "
                                       f"{plural(len(columns.data), 'scalar tag')} from "
                                       f"{plural(len(self.files), 'event file')}")]
        for event_file in self.files.values():
            if event_file.stop is not None:
                notes.append(Notice("truncated_file",
                                    f"{event_file.path.name} stops at byte "
                                    f"{event_file.stop.offset:,} of {event_file.stop.size:,}: "
                                    f"{event_file.stop.reason}; read the "
                                    f"{plural(event_file.records, 'record')} before it"))
        others = sorted({f.parent for f in event_files(run)} - {run}) if run.is_dir() else []
        if others:
            names = listing(other.relative_to(run) for other in others)
            notes.append(Notice("subfolders_not_read",
                                f"event files in {plural(len(others), 'subfolder')} not read "
                                f"(name one to read it): {names}"))
        notes += self.steps.restarts + self.notices()
        return log_from(self.source, columns, keys, notes, {"format": "tensorboard"}, "step")

    def add(self, event) -> None:
        """The scalars of one event: ``simple_value`` ones, and tensors of the scalars plugin
        (whose plugin is named only in a tag's first value)."""
        if not event.HasField("summary"):
            return
        seen = False
        for value in event.summary.value:
            kind = value.WhichOneof("value")
            if kind == "simple_value":
                number = value.simple_value
            elif kind == "tensor":
                if value.HasField("metadata") and value.tag not in self.plugins:
                    self.plugins[value.tag] = value.metadata.plugin_data.plugin_name
                if self.plugins.get(value.tag) != "scalars":
                    continue
                from tensorboard.util import tensor_util

                number = float(tensor_util.make_ndarray(value.tensor))
            else:
                continue
            self.columns.add(value.tag, event.step, number, event.wall_time)
            seen = True
        if seen:
            self.steps.see(event.step, f"wall time {event.wall_time:.0f}")


@dataclass(frozen=True)
class _Stop:
    offset: int
    size: int
    reason: str

    def __str__(self) -> str:
        return f"{self.reason} at byte {self.offset:,}"


class _EventFile(FileTail):
    """One event file: TFRecord framing (a 64-bit length, its masked CRC-32C, the data, the
    data's masked CRC-32C), each record an ``Event``."""

    def __init__(self, path: Path, run: TensorboardTail):
        super().__init__(path)
        self.run = run
        self.reset()

    def reset(self) -> None:
        self.records = 0
        self.stop: _Stop | None = None

    def count(self) -> int:
        return self.records

    def parse(self, data: bytes, final: bool) -> int:
        from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

        base, position, size = self.offset, 0, len(data)
        self.stop = None
        while position < size:
            where = base + position
            if size - position < _HEADER.size:
                self.stop = _Stop(where, base + size, "the file ends inside a record header")
                break
            length, length_crc = _HEADER.unpack_from(data, position)
            if masked_crc32c(data[position:position + _HEADER.size - _CRC.size]) != length_crc:
                self.stop = _Stop(where, base + size, "a record length fails its checksum")
                break
            start = position + _HEADER.size
            end = start + length + _CRC.size
            if end > size:
                self.stop = _Stop(where, base + size, "the file ends inside a record")
                break
            payload = data[start:end - _CRC.size]
            if masked_crc32c(payload) != _CRC.unpack_from(data, end - _CRC.size)[0]:
                self.stop = _Stop(where, base + size, "a record fails its checksum")
                break
            event = self.run.pb.Event()
            try:
                event.ParseFromString(payload)
            except Exception:  # protobuf's DecodeError on a record that passed its checksum
                self.stop = _Stop(where, base + size, "a record does not decode as an event")
                break
            self.run.add(event)
            self.records += 1
            position = end
        return position
