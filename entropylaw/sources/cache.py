"""A local cache of Logs read over the network, so a second read costs nothing.

Files live under ``ENTROPYLAW_CACHE_DIR``, else ``$XDG_CACHE_HOME/entropylaw``, else
``~/.cache/entropylaw``; each Log is one ``.npz`` file (arrays per key, and a JSON header with
the notes and metadata). Only runs that have ended are cached: a running run changes.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..results import Notice
from .log import KeySeries, Log


def cache_dir() -> Path:
    """The folder of entropylaw's cache (not created here)."""
    if os.environ.get("ENTROPYLAW_CACHE_DIR"):
        return Path(os.environ["ENTROPYLAW_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "entropylaw"


def cache_path(*parts: str) -> Path:
    """The cache file for an address split into ``parts`` (each made safe as a file name)."""
    safe = ["".join(c if c.isalnum() or c in "-_." else "_" for c in part) for part in parts]
    return cache_dir().joinpath(*safe).with_suffix(".npz")


def save(log: Log, path: Path) -> None:
    """Write ``log`` to ``path`` atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = list(log.series)
    header = {"source": log.source, "keys": keys, "step_key": log.step_key,
              "notes": [n.to_dict() for n in log.notes], "metadata": log.metadata}
    arrays = {"header": np.array(json.dumps(header, default=str))}
    for index, key in enumerate(keys):
        arrays[f"steps_{index}"] = log[key].steps
        arrays[f"values_{index}"] = log[key].values
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(path: Path) -> Log | None:
    """The Log cached at ``path``, or None when there is none (or it cannot be read)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            series = {key: KeySeries(key, data[f"steps_{i}"], data[f"values_{i}"])
                      for i, key in enumerate(header["keys"])}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None
    notes = tuple(Notice(**note) for note in header["notes"])
    notes += (Notice("cached", f"read from the local cache {path}"),)
    return Log(header["source"], series, notes, header["metadata"], header["step_key"])
