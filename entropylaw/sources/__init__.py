"""Readers: turn a source (a path, or ``wandb:``/``mlflow:`` address) into a Log.

One registry, :data:`READERS`: a :class:`Reader` record per format says how its sources look
(address prefixes, file suffixes, names), which function reads one run, which lists the runs a
source holds, and which options it takes. Every read goes through :func:`read_log`, which
raises the errors common to all formats in one place (no such file, not a regular file, an
empty file, a source holding several runs, an option that does not apply), probes a tracking
server before its client would wait a minute, and makes the reader's notes safe to echo. The
reader modules are imported only when used.
"""

from __future__ import annotations

import importlib
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from .._text import MESSAGE_LIMIT, clean
from ..errors import InputError
from ..keys import ROW_STEP
from ..results import Notice
from .log import KeySeries, Log, build_log, several_runs

__all__ = ["FORMATS", "READERS", "ROW_STEP", "KeySeries", "Log", "Reader", "build_log",
           "detect_format", "find_runs", "read_log", "read_logs"]

# A file's format is told from a prefix of this many bytes at most, never the whole file.
SNIFF_BYTES = 64 * 1024
SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every sqlite database file
_OPTION_NAMES = ("step_key", "wanted", "tracking_uri")


@dataclass(frozen=True)
class Reader:
    """One format: how its sources look, and the functions that read and list them.

    ``read`` and ``runs`` name functions of ``entropylaw.sources.<module>``; ``options`` are the
    keyword options ``read`` takes (of ``step_key``, ``wanted``, ``tracking_uri``); ``runs``
    takes ``tracking_uri`` when ``read`` does.
    """

    name: str
    description: str
    module: str
    read: str
    runs: str | None = None
    options: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    name_contains: str | None = None

    def claims(self, text: str, path: Path | None) -> bool:
        """Whether a source written ``text`` (a regular file at ``path``) is of this format."""
        if self.prefixes:
            return text.startswith(self.prefixes)
        if path is None:
            return False
        name = path.name.lower()
        return (self.name_contains is not None and self.name_contains in name) or \
            name.endswith(self.suffixes)

    def function(self, name: str):
        return getattr(importlib.import_module(f"{__name__}.{self.module}"), name)

    def read_one(self, source: str, **options) -> Log:
        return self.function(self.read)(source, **self._accepted(options))

    def list_runs(self, source: str, **options) -> list[str]:
        if self.runs is None:
            return [source]
        return self.function(self.runs)(source, **self._accepted(options, {"tracking_uri"}))

    def _accepted(self, options: dict, among=None) -> dict:
        names = self.options & (among or self.options)
        return {name: value for name, value in options.items() if name in names}


_STEP = frozenset({"step_key"})
# In the order detection tries them: addresses, then file forms (most specific first).
READERS: tuple[Reader, ...] = (
    Reader("wandb", "W&B run on a server (wandb:E/P/RUN_ID)", "wandb_online",
           "read_wandb_online", "find_runs", _STEP,
           prefixes=("wandb:", "https://wandb.ai/", "http://wandb.ai/")),
    Reader("mlflow", "MLflow run (mlflow:RUN_ID)", "mlflow", "read_mlflow", "find_runs",
           frozenset({"tracking_uri"}), prefixes=("mlflow:",)),
    Reader("wandb-offline", "W&B offline run (.wandb file)", "wandb_offline",
           "read_wandb_offline", "run_sources", _STEP, suffixes=(".wandb",)),
    Reader("tensorboard", "TensorBoard event files", "tensorboard", "read_tensorboard",
           "run_sources", name_contains="tfevents"),
    Reader("csv", "CSV export (wide, or long key,step,value)", "csv", "read_csv",
           options=frozenset({"step_key", "wanted"}),
           suffixes=(".csv", ".tsv", ".csv.gz", ".tsv.gz")),
    Reader("verl-jsonl", "verl JSONL file logger", "verl", "read_jsonl",
           suffixes=(".jsonl", ".ndjson")),
    Reader("trainer-state", "Hugging Face / TRL trainer_state.json", "trl",
           "read_trainer_state", suffixes=(".json",)),
    Reader("verl-log", "verl console log (step:N - key:value lines)", "verl",
           "read_console_log", suffixes=(".log", ".out", ".err")),
)
FORMATS: dict[str, Reader] = {reader.name: reader for reader in READERS}

_SNIFFED_SUFFIXES = {".txt", ""}
_EXPECTED = ("a CSV file, a verl log (.log) or JSONL file, a trainer_state.json, a TensorBoard "
             "event file or folder, a W&B run folder or .wandb file, wandb:ENTITY/PROJECT/RUN_ID, "
             "or mlflow:RUN_ID")


def detect_format(source) -> str:
    """The format name of ``source`` (a key of :data:`FORMATS`), recognised from its form."""
    text = str(source)
    address = next((r for r in READERS if r.prefixes and r.claims(text, None)), None)
    if address is not None:
        return address.name
    path = _existing(text)
    if path.is_dir():
        return _directory_format(path)
    found = next((r for r in READERS if not r.prefixes and r.claims(text, path)), None)
    if found is not None:
        return found.name
    if path.suffix.lower() in _SNIFFED_SUFFIXES:
        return _sniff(path)
    raise InputError(f"{text}: unrecognised source (expected {_EXPECTED})")


def _existing(text: str) -> Path:
    """``text`` as a path to a directory or a regular, non-empty file; else an InputError."""
    path = Path(text)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"{text}: no such file or directory") from None
    except OSError as exc:
        raise InputError(f"{text}: {exc.strerror or type(exc).__name__}") from None
    if stat.S_ISDIR(mode):
        return path
    if not stat.S_ISREG(mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
                "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise InputError(f"{text}: {kind}, not a file; entropylaw reads regular files only "
                         f"(save the stream to a file first)")
    if not os.access(path, os.R_OK):
        raise InputError(f"{text}: permission denied")
    if path.stat().st_size == 0:
        raise InputError(f"{text}: the file is empty")
    return path


def _directory_format(path: Path) -> str:
    from .tensorboard import event_files
    from .trl import STATE_FILE
    from .wandb_offline import run_files

    if run_files(path):
        return "wandb-offline"
    if (path / STATE_FILE).is_file() or any(path.glob(f"checkpoint-*/{STATE_FILE}")):
        return "trainer-state"
    if event_files(path):
        return "tensorboard"
    if (path / "0" / "meta.yaml").is_file() or any(path.glob("*/*/meta.yaml")):
        raise InputError(f"{path}: an MLflow file store; name a run in it as mlflow:RUN_ID "
                         f"--tracking-uri {path}")
    raise InputError(f"{path}: a directory holding no run entropylaw recognises "
                     f"(expected {_EXPECTED})")


def _sniff(path: Path) -> str:
    """A .txt or suffix-less file: a verl console log, a CSV with a header, or neither.

    Only a bounded prefix is read. A file whose first line is not a plausible CSV header is
    refused without echoing it (it may be ``.env``, ``.git-credentials``, ``/etc/shadow``).
    """
    from .verl import CONSOLE_SIGNATURE

    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        raise InputError(f"{path}: the file is empty")
    if CONSOLE_SIGNATURE.search(head) is not None:
        return "verl-log"
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if _plausible_header(first):
        return "csv"
    raise InputError(f"{path}: unrecognised source: neither a verl console log nor a CSV with a "
                     f"header of metric names (a CSV whose names hold spaces: name it .csv; "
                     f"expected {_EXPECTED})")


def _plausible_header(line: str) -> bool:
    """A line of at least two names separated by commas, semicolons or tabs, none holding '=',
    spaces inside, or control characters: metric names, not ``KEY=value``,
    ``user:password@host`` or prose."""
    separator = max(",;\t", key=line.count)
    cells = [cell.strip().strip('"') for cell in line.split(separator)]
    return len(cells) >= 2 and all(
        cell and cell.isprintable() and "=" not in cell and "@" not in cell.split("/")[0][:1]
        and " " not in cell for cell in cells)


def _check_csv_header(path: Path) -> None:
    """Refuse, without quoting it, a CSV whose first line has no separator at all: it is not a
    header (a run needs a step column and metric columns), and may be a secret."""
    import gzip

    if path.name.lower().endswith(".gz"):
        try:
            with gzip.open(path, "rb") as handle:
                first = handle.read(SNIFF_BYTES)
        except (OSError, EOFError) as error:
            raise InputError(f"{path}: not a readable gzipped CSV ({type(error).__name__})") \
                from None
    else:
        with path.open("rb") as handle:
            first = handle.read(SNIFF_BYTES)
    first = first.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    if first.strip() and not any(mark in first for mark in (b",", b";", b"\t", b"|")):
        raise InputError(f"{path}: the first line is not a CSV header (it holds no comma): a run "
                         f"needs a step column and metric columns, such as "
                         f"step,actor/entropy,val-core/<data>/acc/mean@1")


def read_log(source, *, step_key: str | None = None, wanted=(),
             tracking_uri: str | None = None) -> Log:
    """Read every numeric series of one run.

    ``step_key`` overrides the detected step axis (CSV, W&B); ``wanted`` names the keys the
    caller will use, so problems in them are errors rather than notes (CSV); ``tracking_uri``
    names the MLflow store. A source holding several runs is an error listing them.
    """
    reader = FORMATS[detect_format(source)]
    options = _options(reader, source, step_key=step_key, wanted=wanted,
                       tracking_uri=tracking_uri)
    if reader.name == "csv":
        _check_csv_header(Path(str(source)))
    return _safe(reader.read_one(single_run(source, tracking_uri=tracking_uri), **options))


def single_run(source, *, tracking_uri: str | None = None) -> str:
    """The one run ``source`` holds; a source holding several is an error naming them."""
    runs = find_runs(source, tracking_uri=tracking_uri)
    if len(runs) > 1:
        raise several_runs(source, runs)
    return runs[0]


def find_runs(source, *, tracking_uri: str | None = None) -> list[str]:
    """The sources of each run ``source`` holds: itself when it is one run."""
    reader = FORMATS[detect_format(source)]
    if reader.name == "mlflow":
        _check_mlflow_store(tracking_uri)
    return reader.list_runs(str(source), tracking_uri=tracking_uri)


def read_logs(source, *, step_key: str | None = None,
              tracking_uri: str | None = None) -> list[Log]:
    """Read every run ``source`` holds (for commands that take many runs)."""
    return [read_log(run, step_key=step_key, tracking_uri=tracking_uri)
            for run in find_runs(source, tracking_uri=tracking_uri)]


def _options(reader: Reader, source, **given) -> dict:
    """The options ``reader`` takes; a given option it cannot use is an error."""
    for name, value in given.items():
        if value and name not in reader.options and name != "wanted":
            flag = "--" + name.replace("_", "-")
            raise InputError(f"{source}: {flag} does not apply to a {reader.description}")
    return {name: value for name, value in given.items() if name in reader.options}


def _safe(log: Log) -> Log:
    """The Log with its notes made safe to echo (a reader may quote its input in them)."""
    notes = tuple(Notice(n.code, clean(n.message, MESSAGE_LIMIT)) for n in log.notes)
    return replace(log, notes=notes) if notes != log.notes else log


def _check_mlflow_store(tracking_uri: str | None) -> None:
    """Fail fast, and with the right reason, on an MLflow store that cannot answer."""
    from .mlflow import resolve_uri
    from .network import check_reachable

    uri = resolve_uri(tracking_uri)
    if uri.startswith(("http://", "https://")):
        check_reachable(uri, "the MLflow server")
    elif uri.startswith("sqlite:///"):
        path = Path(uri[len("sqlite:///"):])
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if not header:
            raise InputError(f"{uri}: the file is empty, not an MLflow store")
        if header != SQLITE_HEADER:
            raise InputError(f"{uri}: not a sqlite database, so not an MLflow store")
