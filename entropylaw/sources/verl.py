"""verl's logs: the console logger's ``step:N - key:value - ...`` lines, and the JSONL file logger.

Console output mixes metric lines with everything else a run prints (Ray prefixes such as
``(TaskRunner pid=1)``, colour codes, progress bars redrawn with carriage returns, generated
samples). Only lines holding ``step:N`` followed by ``key:value`` items are read; numbers may be
printed bare, as ``nan``/``inf``, or wrapped as numpy >= 2 prints them (``np.float64(0.35)``).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from .._text import few, listing, plural
from ..errors import InputError
from ..results import Notice
from .log import Log, build_log

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_STEP = re.compile(r"(?<![\w/.-])step:\s*(\d+)(?:\s+-\s+(.*))?$")
_WRAPPED = re.compile(r"^(?:np\.|numpy\.)?[A-Za-z_]\w*\((.*)\)$")
_WORDS = {"true": 1.0, "false": 0.0, "np.true_": 1.0, "np.false_": 0.0}

# Enough to recognise a console log: a step item followed by a key:value item.
CONSOLE_SIGNATURE = re.compile(rb"(?<![\w/.-])step:\s*\d+ - [^\s:][^:\n]*:")


def parse_number(text: str) -> float | None:
    """A printed metric value as a float, or None when it is not a number."""
    text = text.strip()
    wrapped = _WRAPPED.match(text)
    if wrapped:  # np.float64(0.35), tensor(0.35, device='cuda:0')
        text = wrapped.group(1).split(",")[0].strip()
    try:
        return float(text)
    except ValueError:
        return _WORDS.get(text.lower())


def read_console_log(path) -> Log:
    """Read every ``step:N - key:value`` line of a verl console log."""
    path = Path(path)
    source = str(path)
    raw = _read_bytes(path)
    text = raw.decode("utf-8", errors="replace")
    records: list[tuple[str, int, float]] = []
    metric_lines: list[int] = []
    broken_lines: list[int] = []
    bad_items: dict[str, int] = {}
    undecodable: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if "\ufffd" in line:
            undecodable.append(number)
        if "step:" not in line:
            continue
        if "\x1b" in line:
            line = _ANSI.sub("", line)
        for segment in line.split("\r"):  # progress bars redraw with carriage returns
            found = _STEP.search(segment.rstrip())
            if found is None:
                continue
            rest = found.group(2)
            if rest and _parse_items(int(found.group(1)), rest, records, bad_items):
                metric_lines.append(number)
            else:
                broken_lines.append(number)
    if not metric_lines:
        raise InputError(f"{source}: no verl metric lines found "
                         f"(expected lines like 'step:1 - actor/entropy:0.35 - ...')")
    notes = [Notice("read_lines", f"read {plural(len(metric_lines), 'metric line')} "
                                  f"(lines {metric_lines[0]}-{metric_lines[-1]}); "
                                  f"other output ignored")]
    if broken_lines:
        notes.append(Notice("skipped_lines",
                            f"skipped {plural(len(broken_lines), 'line')} starting 'step:N' "
                            f"with no key:value items (lines {few(broken_lines)})"))
    if bad_items:
        notes.append(Notice("skipped_values",
                            f"skipped {plural(sum(bad_items.values()), 'item')} that were not "
                            f"key:number ({few(bad_items)})"))
    if undecodable:
        notes.append(Notice("not_utf8",
                            f"{plural(len(undecodable), 'line')} held bytes that are not UTF-8 "
                            f"(lines {few(undecodable)}): replaced, parsing went on"))
    records = _merge_initial_validation(records, notes)
    return build_log(source, records=records, notes=notes,
                     metadata={"format": "verl console log"}, step_key="step")


def _merge_initial_validation(records: list, notes: list[Notice]) -> list:
    """Early verl printed the validation before training as ``test_score/<data>`` and later ones
    as ``val/test_score/<data>``: one metric under two names, read as the second."""
    keys = {key for key, _, _ in records}
    renamed = {key: "val/" + key for key in keys
               if key.startswith("test_score/") and "val/" + key in keys}
    if not renamed:
        return records
    notes.append(Notice("merged_keys",
                        f"read {listing(sorted(renamed))} (early verl's name for the validation "
                        f"before training) as {listing(sorted(renamed.values()))}"))
    return [(renamed.get(key, key), step, value) for key, step, value in records]


def _parse_items(step: int, rest: str, records: list, bad_items: dict[str, int]) -> int:
    """Append the line's (key, step, value) records; return how many were read."""
    read = 0
    for item in rest.split(" - "):
        key, colon, value = item.partition(":")
        key = key.strip()
        number = parse_number(value) if colon and key else None
        if number is None:
            label = key if colon and key else item.strip()[:30]
            bad_items[label] = bad_items.get(label, 0) + 1
            continue
        records.append((key, step, number))
        read += 1
    return read


def read_jsonl(path) -> Log:
    """Read verl's file logger: one ``{"step": N, "data": {key: value}}`` object per line.

    verl writes NaN as ``null``: a null value is a logged NaN, not a missing one. Lines that
    are not JSON objects with a step (a line cut short by a crash) are skipped and counted.
    """
    path = Path(path)
    source = str(path)
    text = _read_bytes(path).decode("utf-8", errors="replace")
    records: list[tuple[str, int, float]] = []
    broken: list[int] = []
    non_numeric: set[str] = set()
    nulls = 0
    lines = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        lines += 1
        try:
            entry = json.loads(line)
        except ValueError:
            broken.append(number)
            continue
        step, data = _jsonl_entry(entry)
        if step is None:
            broken.append(number)
            continue
        for key, value in data.items():
            if value is None:
                nulls += 1
                records.append((key, step, math.nan))
            elif isinstance(value, bool | int | float):
                records.append((key, step, float(value)))
            else:
                non_numeric.add(key)
    if not records:
        raise InputError(f"{source}: no metrics found (expected JSON lines like "
                         f"'{{\"step\": 1, \"data\": {{\"actor/entropy\": 0.35}}}}')")
    notes = [Notice("read_lines", f"read {plural(lines - len(broken), 'JSON line')}")]
    if broken:
        notes.append(Notice("skipped_lines",
                            f"skipped {plural(len(broken), 'line')} that held no JSON object "
                            f"with a whole-number step (lines {few(broken)})"))
    if nulls:
        notes.append(Notice("null_values", f"read {plural(nulls, 'null value')} as NaN "
                                           f"(verl writes NaN as null)"))
    if non_numeric:
        notes.append(Notice("non_numeric_keys",
                            f"ignored {plural(len(non_numeric), 'non-numeric key')}: "
                            f"{listing(sorted(non_numeric))}"))
    return build_log(source, records=records, notes=notes,
                     metadata={"format": "verl JSONL"}, step_key="step")


def _jsonl_entry(entry) -> tuple[int | None, dict]:
    """(step, data) of one JSON line: verl's nested form, or a flat object with a 'step'."""
    if not isinstance(entry, dict):
        return None, {}
    step = entry.get("step")
    if isinstance(step, bool) or not isinstance(step, int | float):
        return None, {}
    if not math.isfinite(step) or step != int(step):
        return None, {}
    data = entry.get("data")
    if not isinstance(data, dict):
        data = {key: value for key, value in entry.items() if key != "step"}
    return int(step), data


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"{path}: the file is empty")
    return raw
