"""Readers: turn a source (a path, or ``wandb:``/``mlflow:`` address) into a Log.

Each format lives in its own module with one ``read_*`` function returning a Log; this module
only recognises the argument's form and dispatches, importing the reader lazily. A source may
hold several runs (a ``wandb/`` folder, a TensorBoard folder of runs, a W&B project or sweep, an
MLflow experiment): :func:`find_runs` lists them and :func:`read_logs` reads them all, while
:func:`read_log` asks for one.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from .._text import listing
from ..errors import InputError
from .log import KeySeries, Log, build_log

__all__ = ["FORMATS", "KeySeries", "Log", "build_log", "detect_format", "find_runs",
           "read_log", "read_logs"]

# Format name -> (module, reader function, what it reads).
FORMATS: dict[str, tuple[str, str, str]] = {
    "csv": ("csv", "read_csv", "CSV export (wide, or long key,step,value)"),
    "verl-log": ("verl", "read_console_log", "verl console log (step:N - key:value lines)"),
    "verl-jsonl": ("verl", "read_jsonl", "verl JSONL file logger"),
    "trainer-state": ("trl", "read_trainer_state", "Hugging Face / TRL trainer_state.json"),
    "tensorboard": ("tensorboard", "read_tensorboard", "TensorBoard event files"),
    "wandb-offline": ("wandb_offline", "read_wandb_offline", "W&B offline run (.wandb file)"),
    "wandb": ("wandb_online", "read_wandb_online", "W&B run on a server (wandb:E/P/RUN_ID)"),
    "mlflow": ("mlflow", "read_mlflow", "MLflow run (mlflow:RUN_ID)"),
}
# Formats whose source may hold several runs -> the module and function that list them.
_MULTI: dict[str, tuple[str, str]] = {
    "wandb-offline": ("wandb_offline", "run_sources"),
    "tensorboard": ("tensorboard", "run_sources"),
    "wandb": ("wandb_online", "find_runs"),
    "mlflow": ("mlflow", "find_runs"),
}
# The options each format takes beside the source.
_OPTIONS = {"csv": {"step_key", "wanted"}, "wandb-offline": {"step_key"},
            "wandb": {"step_key"}, "mlflow": {"tracking_uri"}}

_CONSOLE_SUFFIXES = {".log", ".out", ".err"}
_SNIFFED_SUFFIXES = {".txt", ""}
_EXPECTED = ("a CSV file, a verl log (.log) or JSONL file, a trainer_state.json, a TensorBoard "
             "event file or folder, a W&B run folder or .wandb file, wandb:ENTITY/PROJECT/RUN_ID, "
             "or mlflow:RUN_ID")


def detect_format(source) -> str:
    """The format name of ``source`` (a key of :data:`FORMATS`), recognised from its form."""
    text = str(source)
    if text.startswith("wandb:") or text.startswith(("https://wandb.ai/", "http://wandb.ai/")):
        return "wandb"
    if text.startswith("mlflow:"):
        return "mlflow"
    path = Path(text)
    if not path.exists():
        raise InputError(f"{text}: no such file or directory")
    if path.is_dir():
        return _directory_format(path)
    name, suffix = path.name.lower(), path.suffix.lower()
    if suffix == ".wandb":
        return "wandb-offline"
    if "tfevents" in name:
        return "tensorboard"
    if suffix in {".csv", ".tsv"} or name.endswith((".csv.gz", ".tsv.gz")):
        return "csv"
    if suffix in {".jsonl", ".ndjson"}:
        return "verl-jsonl"
    if suffix == ".json":
        return "trainer-state"
    if suffix in _CONSOLE_SUFFIXES:
        return "verl-log"
    if suffix in _SNIFFED_SUFFIXES:
        return "verl-log" if _looks_like_console_log(path) else "csv"
    raise InputError(f"{text}: unrecognised source (expected {_EXPECTED})")


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


def _looks_like_console_log(path: Path) -> bool:
    from .verl import CONSOLE_SIGNATURE

    with path.open("rb") as handle:
        return CONSOLE_SIGNATURE.search(handle.read()) is not None


def read_log(source, *, step_key: str | None = None, wanted=(),
             tracking_uri: str | None = None) -> Log:
    """Read every numeric series of one run.

    ``step_key`` overrides the detected step axis (CSV, W&B); ``wanted`` names the keys the
    caller will use, so problems in them are errors rather than notes (CSV); ``tracking_uri``
    names the MLflow store. A source holding several runs is an error listing them.
    """
    kind = detect_format(source)
    options = _options(kind, source, step_key=step_key, wanted=wanted, tracking_uri=tracking_uri)
    runs = find_runs(source, tracking_uri=tracking_uri)
    if len(runs) > 1:
        raise InputError(f"{source}: holds {len(runs)} runs; name one: {listing(runs, 10)}")
    return _function(*FORMATS[kind][:2])(runs[0], **options)


def find_runs(source, *, tracking_uri: str | None = None) -> list[str]:
    """The sources of each run ``source`` holds: itself when it is one run."""
    kind = detect_format(source)
    if kind not in _MULTI:
        return [str(source)]
    lister = _function(*_MULTI[kind])
    if kind == "mlflow":
        return lister(str(source), tracking_uri=tracking_uri)
    return lister(str(source))


def read_logs(source, *, step_key: str | None = None,
              tracking_uri: str | None = None) -> list[Log]:
    """Read every run ``source`` holds (for commands that take many runs)."""
    return [read_log(run, step_key=step_key, tracking_uri=tracking_uri)
            for run in find_runs(source, tracking_uri=tracking_uri)]



def _function(module: str, name: str):
    """A function of a reader module, imported only now."""
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def _options(kind: str, source, **given) -> dict:
    """The options ``kind``'s reader takes; a given option it cannot use is an error."""
    accepted = _OPTIONS.get(kind, set())
    for name, value in given.items():
        if value and name not in accepted and name != "wanted":
            flag = "--" + name.replace("_", "-")
            raise InputError(f"{source}: {flag} does not apply to a {FORMATS[kind][2]}")
    return {name: value for name, value in given.items() if name in accepted}
