"""TensorBoard event files: every scalar of a run directory, without TensorBoard's sampling.

``EventAccumulator`` keeps 10,000 points per tag unless told otherwise, and by default drops
("purges") the points a resumed run rewrites; here every point is kept and repeated steps are
resolved by wall time (the latest write wins), as build_log counts in the notes. Both scalar
kinds are read: ``simple_value`` summaries (torch's SummaryWriter, tensorboardX) and the
tensor summaries of the ``scalars`` plugin (TensorFlow 2, ``tensorboard.summary``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._text import listing, plural
from ..errors import InputError, require
from ..results import Notice
from .log import Log, build_log

_EVENT_MARK = "tfevents"


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
    path = Path(path)
    source = str(path)
    runs = run_directories(path)
    if not runs:
        raise InputError(f"{source}: no TensorBoard event files (events.out.tfevents.*)")
    if len(runs) > 1:
        names = ", ".join(str(run.relative_to(path)) for run in runs)
        raise InputError(f"{source}: holds {len(runs)} runs ({names}); name one")
    run = runs[0]
    files = [run] if run.is_file() else sorted(run.glob(f"*{_EVENT_MARK}*"))
    columns, order = _scalars(_load(run))
    if not columns:
        raise InputError(f"{source}: the event files hold no scalars")
    points = sum(len(steps) for steps, _ in columns.values())
    notes = [Notice("read_events", f"read {plural(points, 'point')} of "
                                   f"{plural(len(columns), 'scalar tag')} from "
                                   f"{plural(len(files), 'event file')}")]
    others = sorted({f.parent for f in event_files(run)} - {run}) if run.is_dir() else []
    if others:
        names = listing(other.relative_to(run) for other in others)
        notes.append(Notice("subfolders_not_read",
                            f"event files in {plural(len(others), 'subfolder')} not read "
                            f"(name one to read it): {names}"))
    return build_log(source, columns, order=order, notes=notes,
                     metadata={"format": "tensorboard"}, step_key="step")


def _load(target: Path):
    module = require("tensorboard.backend.event_processing.event_accumulator",
                     extra="tensorboard", purpose="Reading TensorBoard event files")
    accumulator = module.EventAccumulator(
        str(target), size_guidance={"scalars": 0, "tensors": 0, "histograms": 1, "images": 1,
                                    "audio": 1, "compressedHistograms": 1},
        purge_orphaned_data=False,
    )
    accumulator.Reload()
    return accumulator


def _scalars(accumulator) -> tuple[dict, dict]:
    """(tag -> (steps, values)), (tag -> wall times) for both kinds of scalar summary."""
    from tensorboard.util import tensor_util

    columns, order = {}, {}
    tags = accumulator.Tags()
    for tag in tags.get("scalars", []):
        events = accumulator.Scalars(tag)
        columns[tag] = (np.array([e.step for e in events]), np.array([e.value for e in events]))
        order[tag] = np.array([e.wall_time for e in events])
    for tag in tags.get("tensors", []):
        if accumulator.SummaryMetadata(tag).plugin_data.plugin_name != "scalars":
            continue
        events = accumulator.Tensors(tag)
        values = [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]
        columns[tag] = (np.array([e.step for e in events]), np.array(values))
        order[tag] = np.array([e.wall_time for e in events])
    return columns, order
