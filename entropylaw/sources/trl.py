"""Hugging Face Trainer / TRL ``trainer_state.json``: the ``log_history`` list of logged rows.

Each row holds ``step`` (the global step) and the keys logged then: training rows (``entropy``,
``reward``, ``loss``, ...) and evaluation rows (``eval_*``). A checkpoint directory holds the
file; an output directory holds one per ``checkpoint-N``, each with the history up to N, so the
latest one is read.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from .._text import listing, plural
from ..errors import InputError
from ..results import Notice
from .log import Log, build_log

STATE_FILE = "trainer_state.json"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def find_state_file(path: Path) -> tuple[Path, list[Notice]]:
    """The trainer_state.json a path names: the file, a checkpoint, or the latest checkpoint."""
    if path.is_file():
        return path, []
    if (path / STATE_FILE).is_file():
        return path / STATE_FILE, []
    checkpoints = sorted(
        (int(match.group(1)), child / STATE_FILE)
        for child in path.iterdir()
        if (match := _CHECKPOINT.match(child.name)) and (child / STATE_FILE).is_file()
    )
    if not checkpoints:
        raise InputError(f"{path}: no {STATE_FILE} in it or in a checkpoint-N folder")
    latest = checkpoints[-1][1]
    notes = []
    if len(checkpoints) > 1:
        notes.append(Notice("latest_checkpoint",
                            f"read {latest.parent.name}/{STATE_FILE}, the latest of "
                            f"{len(checkpoints)} checkpoints (each holds the history up to it)"))
    return latest, notes


def read_trainer_state(path) -> Log:
    """Read every numeric key of a trainer_state.json's ``log_history``."""
    state_file, notes = find_state_file(Path(path))
    source = str(state_file)
    try:
        state = json.loads(state_file.read_text(encoding="utf-8", errors="replace"))
    except (ValueError, RecursionError) as exc:  # RecursionError: nested beyond any real state
        raise InputError(f"{source}: not valid JSON ({exc})") from None
    history = state.get("log_history") if isinstance(state, dict) else None
    if not isinstance(history, list):
        raise InputError(f"{source}: no 'log_history' list (expected a Hugging Face "
                         f"trainer_state.json)")
    records, seen = [], set()
    no_step, repeats, text_keys = 0, 0, set()
    for row in history:
        step = row.get("step") if isinstance(row, dict) else None
        if isinstance(step, bool) or not isinstance(step, int | float) or not math.isfinite(step):
            no_step += 1
            continue
        for key, value in row.items():
            if key == "step":
                continue
            if value is None:
                value = math.nan
            elif isinstance(value, bool) or not isinstance(value, int | float):
                text_keys.add(key)
                continue
            record = (key, int(step), float(value))
            if record in seen:  # 'epoch' is repeated on the evaluation row of a step
                repeats += 1
                continue
            seen.add(record)
            records.append(record)
    if not records:
        raise InputError(f"{source}: 'log_history' holds no numeric values")
    notes.append(Notice("read_rows", f"read {plural(len(history) - no_step, 'log_history row')}"))
    if no_step:
        notes.append(Notice("rows_without_step",
                            f"skipped {plural(no_step, 'row')} with no numeric 'step'"))
    if repeats:
        notes.append(Notice("repeated_values",
                            f"{plural(repeats, 'value')} logged twice at a step with the same "
                            f"value (such as 'epoch' on evaluation rows): read once"))
    if text_keys:
        notes.append(Notice("non_numeric_keys",
                            f"ignored {plural(len(text_keys), 'non-numeric key')}: "
                            f"{listing(sorted(text_keys))}"))
    metadata = {"format": "trainer_state.json", "global_step": state.get("global_step")}
    return build_log(source, records=records, notes=notes, metadata=metadata, step_key="step")
