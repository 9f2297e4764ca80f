"""Every run below a folder of logs, for work over many runs (benchmarks, tests, a backtest).

A folder that is one run's (W&B offline files, a trainer_state.json, TensorBoard event files
of its own) is one source and is not searched further; any other file is a source when a reader
recognises its form. Documentation, images, code and hidden files are passed over; anything
else that is not a run is reported, never dropped in silence. See docs/sources.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..results import Notice

# Files that sit beside logs and are never runs: documentation, pictures, code, archives' notes.
PASSED_OVER = (".md", ".rst", ".html", ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".py",
               ".ipynb", ".sh", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".lock")
PASSED_OVER_NAMES = ("readme", "license", "licence", "notice", "copying", "authors")


@dataclass(frozen=True)
class Found:
    """The run sources below a folder, in path order, and what was left out and why."""

    sources: tuple[str, ...]
    skipped: tuple[Notice, ...]


def runs_below(folder) -> Found:
    """Every run source below ``folder`` (sorted), and a ``not_a_run`` note per file left out."""
    from . import find_runs

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    sources: list[str] = []
    skipped: list[Notice] = []

    def add(path: Path) -> None:
        try:
            sources.extend(find_runs(path))
        except InputError as error:
            message = str(error)  # the readers' errors name the path first
            if not message.startswith(str(path)):
                message = f"{path}: {message}"
            skipped.append(Notice("not_a_run", message))

    for root, folders, files in os.walk(folder):
        here = Path(root)
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        if here != folder and is_run_folder(here):
            folders[:] = []
            add(here)
            continue
        for name in sorted(files):
            if not _passed_over(name):
                add(here / name)
    return Found(tuple(sources), tuple(skipped))


def expand(sources, *, tracking_uri: str | None = None) -> Found:
    """The runs the given sources hold, in order: a folder of logs gives every run below it, a
    folder of several runs (a ``wandb/`` folder, TensorBoard runs) each of them; any other
    source is kept as given (reading it reports what is wrong with it)."""
    from . import find_runs

    runs: list[str] = []
    skipped: list[Notice] = []
    for source in sources:
        path = Path(str(source))
        if not path.is_dir():
            runs.append(str(source))
        elif is_run_folder(path):
            runs.extend(find_runs(path, tracking_uri=tracking_uri))
        else:
            found = runs_below(path)
            if not found.sources:
                raise InputError(f"{path}: no run below this folder (expected files or folders "
                                 f"a reader recognises; {len(found.skipped)} left out)")
            runs.extend(found.sources)
            skipped.extend(found.skipped)
    return Found(tuple(runs), tuple(skipped))


def is_run_folder(path: Path) -> bool:
    """Whether ``path`` is a run's own folder (W&B offline files, TensorBoard event files or a
    trainer_state.json of its own) or a ``wandb/`` folder of runs (whose debug logs are not)."""
    from .trl import STATE_FILE
    from .wandb_offline import run_files

    names = [entry.name for entry in path.iterdir()]
    return (any("tfevents" in name for name in names) or STATE_FILE in names
            or any(path.glob(f"checkpoint-*/{STATE_FILE}")) or bool(run_files(path)))


def _passed_over(name: str) -> bool:
    lower = name.lower()
    return (lower.startswith(".") or lower.endswith(PASSED_OVER)
            or lower.split(".")[0] in PASSED_OVER_NAMES)
